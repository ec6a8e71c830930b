"""Every provision measure for a region's areas, from one spatial query.

:func:`provision_measures` checks its inputs once, runs one pair query within
the largest distance needed, and hands the pairs to one small function per
measure (nearest distances, counts, E2SFCA), each returning columns for the
same areas in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import SchemaError
from geo.provision.checks import (
    AREAS_HINT,
    DEFAULT_THRESHOLDS,
    check_categories,
    check_positive,
    check_thresholds,
    distance_label,
    examples,
    require_columns,
)
from geo.provision.decay import Decay, decay_function, steps_for
from geo.provision.e2sfca import asset_demand, outside_demand
from geo.provision.inputs import asset_points, origin_points, population_values
from geo.provision.nearest import walking_minutes
from geo.provision.notes import data_notes, demand_note, method_notes
from geo.provision.spatial import nearest_array, pairs_within
from geo.provision.supply import category_supply, usable_assets

Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class ProvisionResult:
    """Provision measures for a set of areas.

    Attributes
    ----------
    frame
        One row per area (indexed like the areas), one column per measure:
        ``nearest_any_m``, ``nearest_<category>_m``, ``count_any_<d>m``,
        ``count_<category>_<d>m``, ``access_e2sfca``,
        ``access_e2sfca_<category>`` and ``walk_min_any``.
    notes
        Plain-English notes on how the measures were made.
    parameters
        The options used, for provenance and reports.
    """

    frame: pd.DataFrame
    notes: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Assets:
    """The measured assets as arrays: points, category codes and supplies."""

    xy: np.ndarray
    codes: np.ndarray
    supply_any: np.ndarray
    supply_cat: np.ndarray
    #: Which categories (by code) the ``any`` columns count.
    in_any: np.ndarray


def provision_measures(
    areas: pd.DataFrame,
    assets: gpd.GeoDataFrame,
    *,
    categories: Iterable[str] | None = None,
    thresholds: Iterable[float] = DEFAULT_THRESHOLDS,
    catchment_m: float = 1600.0,
    speed_m_s: float = 1.0,
    capacity_column: str | None = "capacity",
    decay: Decay = "gaussian",
    demand: pd.DataFrame | None = None,
    any_categories: Iterable[str] | None = None,
) -> ProvisionResult:
    """All provision measures for a region's areas, with notes on the method.

    One pair query within the largest distance needed feeds every count and
    the E2SFCA of every category; nearest distances use one KD-tree per
    category.

    Parameters
    ----------
    areas
        The region's areas (index: area code), with ``point_x``, ``point_y``
        and ``population``; ``point_source`` (optional) says which points are
        population-weighted centroids.
    assets
        The standard asset frame: EPSG:27700 points with ``category`` (and
        optionally ``capacity`` and ``in_region``).  Assets outside the region
        count: residents near the border use them.
    categories
        Category keys to measure; default every category of the taxonomy.
        ``any`` columns cover assets of these categories only.  A category
        with no asset still gets its columns (nearest ``NaN``, counts 0).
    thresholds
        Count distances in metres (sorted, duplicates dropped).
    catchment_m
        E2SFCA catchment radius in metres.
    speed_m_s
        Walking speed for ``walk_min_any``.
    capacity_column
        Column of ``assets`` with each asset's capacity.  A category's E2SFCA
        uses it only when every asset of the category has a capacity;
        otherwise, and always for ``access_e2sfca`` (assets of any kind),
        each asset counts as 1.  ``None`` to ignore capacities.
    decay
        E2SFCA decay (see :func:`geo.provision.e2sfca`); Gaussian with
        sigma = catchment/2.
    demand
        Everyone who competes for the assets: ``point_x``, ``point_y`` and
        ``population`` of the areas around the region, indexed by area code
        (from :func:`geo.provision.demand_around`).  The residents of every
        row that is not one of ``areas`` and lies within an asset's
        catchment add to the demand on that asset, so an area's E2SFCA is
        the same whichever region it is measured in.  ``None``: only
        ``areas`` compete (access near the border is then overstated).
    any_categories
        The categories the ``any`` columns (nearest, counts, E2SFCA) count;
        default all of ``categories``.  The pipeline passes the categories
        known across the whole study area (see :mod:`geo.provision.coverage`).

    Returns
    -------
    ProvisionResult
    """
    chosen = check_categories(categories)
    steps = check_thresholds(thresholds)
    radius = check_positive(catchment_m, "catchment_m")
    speed = check_positive(speed_m_s, "speed_m_s")
    weight = decay_function(decay, radius)
    _check_frames(areas, assets)
    notes: list[str] = []
    if capacity_column is not None and capacity_column not in assets:
        notes.append(f"Assets have no '{capacity_column}' column: E2SFCA counts each asset as 1.")
        capacity_column = None
    index, xy = origin_points(areas[["point_x", "point_y"]])
    demand_at, missing_pop = _area_population(areas, index, notes)

    usable, dropped = usable_assets(assets, chosen)
    asset_xy, _ = asset_points(usable)
    codes = pd.Categorical(usable["category"], categories=chosen).codes.astype(np.int64)
    supply_cat, capacity_notes, capacity_used = category_supply(
        usable, codes, chosen, capacity_column
    )
    wanted = chosen if any_categories is None else set(any_categories)
    in_any = np.array([c in wanted for c in chosen], dtype=bool)
    in_any_asset = in_any[codes] if len(codes) else np.zeros(0, dtype=bool)
    measured = _Assets(asset_xy, codes, in_any_asset.astype(float), supply_cat, in_any)

    outside, reached = outside_demand(demand, index, asset_xy, radius, weight)
    i, j, d = pairs_within(xy, asset_xy, max(steps[-1], radius))
    columns: Columns = {}
    columns.update(_nearest_columns(xy, measured, chosen))
    columns.update(_count_columns(i, j, d, measured, chosen, steps, len(index)))
    pressure = (demand_at, outside)
    columns.update(_e2sfca_columns(i, j, d, radius, weight, pressure, measured, chosen, len(index)))
    columns["walk_min_any"] = np.asarray(walking_minutes(columns["nearest_any_m"], speed_m_s=speed))
    frame = pd.DataFrame(columns, index=index)

    notes[:0] = method_notes(areas, usable, chosen, steps, radius, speed, decay)
    notes.extend(dropped)
    notes.extend(capacity_notes)
    notes.extend(data_notes(chosen, codes, demand_at, missing_pop))
    notes.append(demand_note(demand is not None, reached, len(index)))
    parameters = _parameters(chosen, steps, radius, decay, speed, capacity_column)
    parameters["any_categories"] = [c for c, k in zip(chosen, in_any, strict=True) if k]
    parameters.update(capacity_used=capacity_used, n_areas=len(index), n_assets=len(usable))
    return ProvisionResult(frame=frame, notes=tuple(notes), parameters=parameters)


def _parameters(
    chosen: tuple[str, ...],
    steps: tuple[float, ...],
    radius: float,
    decay: str,
    speed: float,
    capacity_column: str | None,
) -> dict[str, Any]:
    """The options used, as recorded in :attr:`ProvisionResult.parameters`."""
    return {
        "categories": list(chosen),
        "thresholds_m": list(steps),
        "catchment_m": radius,
        "decay": decay,
        "sigma_m": radius / 2 if decay == "gaussian" else None,
        "steps": steps_for(decay, radius, None) if decay == "step" else None,
        "per": 1000.0,
        "speed_m_s": speed,
        "capacity_column": capacity_column,
    }


def _check_frames(areas: object, assets: object) -> None:
    """Raise a :class:`SchemaError` that says what to fix in the areas or assets."""
    if not isinstance(areas, pd.DataFrame):
        raise SchemaError(
            "areas must be a DataFrame of areas (such as region.areas); "
            f"got {type(areas).__name__}."
        )
    require_columns(areas, ["point_x", "point_y", "population"], "areas", AREAS_HINT)
    if not areas.index.is_unique:
        dupes = areas.index[areas.index.duplicated()].unique()
        raise SchemaError(
            f"areas has {len(dupes)} repeated area code(s) in its index "
            f"(e.g. {examples(dupes)}): keep one row per area."
        )
    if not isinstance(assets, gpd.GeoDataFrame):
        raise SchemaError(
            "assets must be a GeoDataFrame of points (the standard asset frame, such as "
            f"region.assets); got {type(assets).__name__}."
        )
    require_columns(assets, ["category"], "assets", "Give each asset a category key.")


def _area_population(
    areas: pd.DataFrame, index: pd.Index, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Residents per area (missing as 0, with a note) and which were missing."""
    population = pd.to_numeric(areas["population"], errors="coerce").astype(float)
    missing = population.isna()
    if missing.any():
        notes.append(
            f"{int(missing.sum())} area(s) have no population figure: they add no demand "
            "to E2SFCA (their access values are still computed)."
        )
        population = population.fillna(0.0)
    return population_values(population, index), missing.to_numpy()


def _nearest_columns(xy: np.ndarray, assets: _Assets, chosen: tuple[str, ...]) -> Columns:
    """``nearest_any_m`` and ``nearest_<category>_m`` for each area's point."""
    anywhere = assets.in_any[assets.codes] if len(assets.codes) else np.zeros(0, dtype=bool)
    columns = {"nearest_any_m": nearest_array(xy, assets.xy[anywhere])}
    for k, key in enumerate(chosen):
        columns[f"nearest_{key}_m"] = nearest_array(xy, assets.xy[assets.codes == k])
    return columns


def _count_columns(
    i: np.ndarray,
    j: np.ndarray,
    d: np.ndarray,
    assets: _Assets,
    chosen: tuple[str, ...],
    steps: tuple[float, ...],
    n: int,
) -> Columns:
    """``count_any_<d>m`` then ``count_<category>_<d>m`` from (area, asset, distance) pairs."""
    c = len(chosen)
    cat_of_pair = assets.codes[j]
    per_threshold = {}
    for t in steps:
        inside = d <= t
        grid = np.bincount(cat_of_pair[inside] * n + i[inside], minlength=c * n)
        per_threshold[t] = grid.reshape(c, n).astype(np.int64)
    columns = {
        f"count_any_{distance_label(t)}m": per_threshold[t][assets.in_any].sum(axis=0)
        for t in steps
    }
    for k, key in enumerate(chosen):
        for t in steps:
            columns[f"count_{key}_{distance_label(t)}m"] = per_threshold[t][k]
    return columns


def _e2sfca_columns(
    i: np.ndarray,
    j: np.ndarray,
    d: np.ndarray,
    radius: float,
    weight: Callable[[np.ndarray], np.ndarray],
    demand: tuple[np.ndarray, np.ndarray],
    assets: _Assets,
    chosen: tuple[str, ...],
    n: int,
) -> Columns:
    """``access_e2sfca`` (every asset as 1) and ``access_e2sfca_<category>``, per 1,000.

    ``demand`` is the population of each area and the weighted demand on
    each asset from residents outside them.
    """
    c, m = len(chosen), len(assets.xy)
    within = d <= radius
    wi, wj, w = i[within], j[within], weight(d[within])
    demand_j = asset_demand(wj, w, wi, demand[0], m) + demand[1]
    ratio = np.divide(assets.supply_any, demand_j, out=np.zeros(m), where=demand_j > 0)
    columns = {"access_e2sfca": np.bincount(wi, weights=w * ratio[wj], minlength=n) * 1000.0}
    ratio = np.divide(assets.supply_cat, demand_j, out=np.zeros(m), where=demand_j > 0)
    weighted = np.bincount(assets.codes[wj] * n + wi, weights=w * ratio[wj], minlength=c * n)
    by_cat = weighted.reshape(c, n) * 1000.0
    for k, key in enumerate(chosen):
        columns[f"access_e2sfca_{key}"] = by_cat[k]
    return columns
