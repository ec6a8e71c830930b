"""Access to community assets per area: distance, counts and E2SFCA.

Every public function is pure and vectorised: it checks its input, runs one
spatial query (a :class:`scipy.spatial.cKDTree` on coordinate arrays), then
assembles a :class:`pandas.Series` (or a DataFrame of them) indexed like the
areas it was given.  :func:`provision_measures` puts them together for a study
region and says in plain English how they were made.

Conventions
-----------
* Coordinates are metres in British National Grid (EPSG:27700); distances are
  straight lines between an area's point (its population-weighted centroid, or
  a point inside its polygon when that is missing) and each asset's point.
  They are not walking routes: a river or railway can make the walk longer.
* An area's point is ``areas[["point_x", "point_y"]]``; its demand is
  ``areas["population"]``.
* A distance exactly equal to a threshold or catchment counts as within it.
* Nearest distances are ``NaN`` (never ``inf``) when there is no asset to be
  near to, so exports stay valid.

E2SFCA
------
The enhanced two-step floating catchment area method (Luo & Qi 2009) with
catchment radius :math:`d_0` (``catchment_m``), supply :math:`S_j` per asset
(its capacity, or 1) and demand :math:`P_k` per area (its population):

.. math::

    R_j = \\frac{S_j}{\\sum_{k:\\, d_{kj} \\le d_0} P_k\\, W(d_{kj})}, \\qquad
    A_i = \\mathrm{per} \\cdot \\sum_{j:\\, d_{ij} \\le d_0} R_j\\, W(d_{ij})

so :math:`A_i` is supply per ``per`` (1,000) residents.  The decay ``W``:

``"gaussian"`` (default)
    :math:`W(d) = \\exp\\!\\big(-d^2 / (2\\sigma^2)\\big)` for :math:`d \\le d_0`,
    0 beyond, with :math:`\\sigma = d_0 / 2` unless ``sigma_m`` is given.  So
    :math:`W(0) = 1`, :math:`W(d_0/2) = e^{-1/2} \\approx 0.607` and
    :math:`W(d_0) = e^{-2} \\approx 0.135`.  This is exactly PySAL ``access``'s
    ``weights.gaussian(sigma)`` used with ``max_cost=d0`` (it is not the
    variant of Dai (2010) that is rescaled to reach 0 at :math:`d_0`).
``"step"``
    Zone weights, ``steps`` = ``{upper distance (m): weight}``; a distance
    takes the weight of the first upper bound it does not exceed, 0 beyond
    the last (as ``access.weights.step_fn``).  By default Luo & Qi's weights
    over thirds of the catchment: 1.00 up to :math:`d_0/3`, 0.68 up to
    :math:`2d_0/3`, 0.22 up to :math:`d_0`.
``"none"``
    :math:`W = 1` within the catchment: the plain 2SFCA of Luo & Wang (2003).

Two edge cases differ from ``access`` on purpose, and results are otherwise
equal to it (to floating-point rounding):

* an area with no asset within the catchment gets 0 (``access`` leaves it
  out, so it shows as missing);
* an asset whose catchment holds only areas with zero population has no
  demand: its ratio :math:`R_j` is taken as 0, so it adds nothing (``access``
  divides by zero and gives ``inf`` to those areas).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geo.errors import ProvisionError, SchemaError
from geo.sources.taxonomy import CATEGORY_KEYS

__all__ = [
    "DEFAULT_THRESHOLDS",
    "LUO_QI_STEPS",
    "ProvisionResult",
    "counts_within",
    "decay_weights",
    "e2sfca",
    "nearest_distance",
    "provision_measures",
    "walking_minutes",
]

log = logging.getLogger(__name__)

#: Walking distances (metres) at which assets are counted: about 5, 10 and
#: 20 minutes at 1.33 m/s, or 7, 13 and 27 minutes at 1 m/s.
DEFAULT_THRESHOLDS: tuple[float, ...] = (400.0, 800.0, 1600.0)
#: Luo & Qi (2009) zone weights, as fractions of the catchment radius.
LUO_QI_STEPS: tuple[tuple[float, float], ...] = ((1 / 3, 1.0), (2 / 3, 0.68), (1.0, 0.22))
_CRS_EPSG = 27700
_DECAYS = ("gaussian", "step", "none")
_POINT_INSIDE = "point inside polygon"
_GEOMETRY_NAMES = {
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}

Decay = Literal["gaussian", "step", "none"]


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


# ---------------------------------------------------------------------------
# Public measures
# ---------------------------------------------------------------------------


def nearest_distance(
    origins_xy: pd.DataFrame | gpd.GeoSeries,
    assets: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    category: str | None = None,
) -> pd.Series:
    """Straight-line distance from each area's point to its nearest asset.

    Parameters
    ----------
    origins_xy
        Area points: a DataFrame with ``point_x`` and ``point_y`` in metres
        (EPSG:27700), such as ``region.areas[["point_x", "point_y"]]``, or a
        GeoSeries of points.
    assets
        The standard asset frame (EPSG:27700 points); with ``category`` it
        needs a ``category`` column.
    category
        Only assets of this category (a key of
        :data:`geo.sources.taxonomy.CATEGORIES`); ``None`` for any asset.

    Returns
    -------
    pandas.Series
        Metres, float, indexed like ``origins_xy``, named
        ``nearest_<category>_m`` (``nearest_any_m``).  ``NaN`` for every area
        when there is no asset (of the category) at all.
    """
    index, xy = _origin_points(origins_xy)
    asset_xy, _ = _asset_points(assets, category=category)
    name = f"nearest_{category or 'any'}_m"
    return pd.Series(_nearest(xy, asset_xy), index=index, name=name)


def counts_within(
    origins_xy: pd.DataFrame | gpd.GeoSeries,
    assets: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    thresholds: Iterable[float] = DEFAULT_THRESHOLDS,
    category: str | None = None,
) -> pd.DataFrame:
    """Number of assets within each distance of each area's point.

    Parameters
    ----------
    origins_xy
        Area points (see :func:`nearest_distance`).
    assets
        The standard asset frame (EPSG:27700 points).
    thresholds
        Distances in metres, positive; they are sorted and duplicates dropped.
        An asset exactly at a threshold counts.
    category
        Only assets of this category; ``None`` for any asset.

    Returns
    -------
    pandas.DataFrame
        Integer columns ``count_<d>m`` (``count_400m``...) in increasing
        distance, indexed like ``origins_xy``.
    """
    steps = _check_thresholds(thresholds)
    index, xy = _origin_points(origins_xy)
    asset_xy, _ = _asset_points(assets, category=category)
    i, _, d = _pairs(xy, asset_xy, steps[-1])
    columns = {
        f"count_{_label(t)}m": np.bincount(i[d <= t], minlength=len(index)).astype(np.int64)
        for t in steps
    }
    return pd.DataFrame(columns, index=index)


def e2sfca(
    origins_xy: pd.DataFrame | gpd.GeoSeries,
    population: pd.Series | Sequence[float] | np.ndarray,
    assets: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    catchment_m: float = 1600.0,
    decay: Decay = "gaussian",
    capacity: str | pd.Series | Sequence[float] | np.ndarray | None = None,
    per: float = 1000.0,
    sigma_m: float | None = None,
    steps: Mapping[float, float] | None = None,
) -> pd.Series:
    """Enhanced two-step floating catchment area access (Luo & Qi 2009).

    The formula, the decay functions and the two edge cases that differ from
    PySAL ``access`` are in the module docstring.

    Parameters
    ----------
    origins_xy
        Area points (see :func:`nearest_distance`).
    population
        Residents per area (the demand), aligned with ``origins_xy`` by index
        when a Series, by position otherwise; finite and not negative.  Areas
        with zero population add no demand (they still get an access value).
    assets
        The supply points (EPSG:27700), already filtered to one kind of asset
        if that is what is wanted.
    catchment_m
        Catchment radius :math:`d_0` in metres.
    decay
        ``"gaussian"``, ``"step"`` or ``"none"`` (plain 2SFCA).
    capacity
        Supply :math:`S_j` per asset: ``None`` for 1 each, the name of a
        column of ``assets``, or values aligned with ``assets``; finite and
        not negative.
    per
        Express the result per this many residents.
    sigma_m
        Width :math:`\\sigma` of the Gaussian in metres; default
        ``catchment_m / 2``.
    steps
        Zone weights for ``decay="step"``: ``{upper distance in metres:
        weight}``; default Luo & Qi's 1.00 / 0.68 / 0.22 over thirds of the
        catchment.

    Returns
    -------
    pandas.Series
        Supply per ``per`` residents, float, indexed like ``origins_xy``,
        named ``access_e2sfca``; 0 where no asset is within the catchment.
    """
    radius = _check_positive(catchment_m, "catchment_m")
    per = _check_positive(per, "per")
    weight = _decay_function(decay, radius, sigma_m=sigma_m, steps=steps)
    index, xy = _origin_points(origins_xy)
    demand = _population(population, index)
    asset_xy, frame = _asset_points(assets)
    supply = _capacity(capacity, frame, len(asset_xy))
    i, j, d = _pairs(xy, asset_xy, radius)
    values = _e2sfca_from_pairs(i, j, weight(d), demand, supply, len(index)) * per
    return pd.Series(values, index=index, name="access_e2sfca")


def decay_weights(
    distance_m: pd.Series | Sequence[float] | np.ndarray | float,
    *,
    catchment_m: float = 1600.0,
    decay: Decay = "gaussian",
    sigma_m: float | None = None,
    steps: Mapping[float, float] | None = None,
) -> np.ndarray:
    """The E2SFCA weight :math:`W(d)` of each distance (0 beyond the catchment).

    Parameters
    ----------
    distance_m
        Distances in metres.
    catchment_m, decay, sigma_m, steps
        As for :func:`e2sfca`.

    Returns
    -------
    numpy.ndarray
        Weights between 0 and 1 (for the built-in decays), one per distance.
    """
    radius = _check_positive(catchment_m, "catchment_m")
    weight = _decay_function(decay, radius, sigma_m=sigma_m, steps=steps)
    d = np.asarray(distance_m, dtype=float)
    return np.where(d <= radius, weight(d), 0.0)


def walking_minutes(
    distance_m: pd.Series | np.ndarray | float, *, speed_m_s: float = 1.0
) -> pd.Series | np.ndarray | float:
    """Minutes to walk a straight-line distance at a steady speed.

    Parameters
    ----------
    distance_m
        Metres; ``NaN`` stays ``NaN``.
    speed_m_s
        Walking speed in metres per second.  1.0 m/s is a slow pace, closer to
        that of older people than the 1.33 m/s often assumed for adults.

    Returns
    -------
    pandas.Series, numpy.ndarray or float
        Same kind as ``distance_m``.  A Series keeps its index and is named
        ``walk_min_<what>`` when it was named ``nearest_<what>_m``.
    """
    speed = _check_positive(speed_m_s, "speed_m_s")
    if isinstance(distance_m, pd.Series):
        out = distance_m.astype(float) / speed / 60.0
        match = re.fullmatch(r"nearest_(.+)_m", str(distance_m.name))
        return out.rename(f"walk_min_{match.group(1)}" if match else "walk_min")
    if np.ndim(distance_m) == 0:
        return float(distance_m) / speed / 60.0
    return np.asarray(distance_m, dtype=float) / speed / 60.0


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
        E2SFCA decay (see :func:`e2sfca`); Gaussian with sigma = catchment/2.

    Returns
    -------
    ProvisionResult
    """
    # -- checks
    chosen = _check_categories(categories)
    steps = _check_thresholds(thresholds)
    radius = _check_positive(catchment_m, "catchment_m")
    speed = _check_positive(speed_m_s, "speed_m_s")
    weight = _decay_function(decay, radius)
    if not isinstance(areas, pd.DataFrame):
        raise SchemaError(
            "areas must be a DataFrame of areas (such as region.areas); "
            f"got {type(areas).__name__}."
        )
    _require_columns(areas, ["point_x", "point_y", "population"], "areas", _AREAS_HINT)
    if not areas.index.is_unique:
        dupes = areas.index[areas.index.duplicated()].unique()
        raise SchemaError(
            f"areas has {len(dupes)} repeated area code(s) in its index "
            f"(e.g. {_examples(dupes)}): keep one row per area."
        )
    if not isinstance(assets, gpd.GeoDataFrame):
        raise SchemaError(
            "assets must be a GeoDataFrame of points (the standard asset frame, such as "
            f"region.assets); got {type(assets).__name__}."
        )
    _require_columns(assets, ["category"], "assets", "Give each asset a category key.")
    notes: list[str] = []
    if capacity_column is not None and capacity_column not in assets:
        notes.append(f"Assets have no '{capacity_column}' column: E2SFCA counts each asset as 1.")
        capacity_column = None
    index, xy = _origin_points(areas[["point_x", "point_y"]])
    population = pd.to_numeric(areas["population"], errors="coerce").astype(float)
    missing_pop = population.isna()
    if missing_pop.any():
        notes.append(
            f"{int(missing_pop.sum())} area(s) have no population figure: they add no demand "
            "to E2SFCA (their access values are still computed)."
        )
        population = population.fillna(0.0)
    demand = _population(population, index)

    usable, dropped = _usable_assets(assets, chosen)
    asset_xy, _ = _asset_points(usable)
    codes = pd.Categorical(usable["category"], categories=chosen).codes.astype(np.int64)
    supply_any = np.ones(len(usable))
    supply_cat, capacity_notes, capacity_used = _category_supply(
        usable, codes, chosen, capacity_column
    )

    # -- spatial query: one pair list within the largest distance needed
    n, c = len(index), len(chosen)
    i, j, d = _pairs(xy, asset_xy, max(steps[-1], radius))
    cat_of_pair = codes[j]

    # -- assembly
    columns: dict[str, np.ndarray] = {}
    columns["nearest_any_m"] = _nearest(xy, asset_xy)
    for k, key in enumerate(chosen):
        columns[f"nearest_{key}_m"] = _nearest(xy, asset_xy[codes == k])
    per_threshold = {}
    for t in steps:
        inside = d <= t
        grid = np.bincount(cat_of_pair[inside] * n + i[inside], minlength=c * n)
        per_threshold[t] = grid.reshape(c, n).astype(np.int64)
    for t in steps:
        columns[f"count_any_{_label(t)}m"] = per_threshold[t].sum(axis=0)
    for k, key in enumerate(chosen):
        for t in steps:
            columns[f"count_{key}_{_label(t)}m"] = per_threshold[t][k]
    within = d <= radius
    wi, wj, w = i[within], j[within], weight(d[within])
    demand_j = _asset_demand(wj, w, wi, demand, len(usable))
    ratio = np.divide(supply_any, demand_j, out=np.zeros(len(usable)), where=demand_j > 0)
    columns["access_e2sfca"] = np.bincount(wi, weights=w * ratio[wj], minlength=n) * 1000.0
    ratio = np.divide(supply_cat, demand_j, out=np.zeros(len(usable)), where=demand_j > 0)
    by_cat = np.bincount(codes[wj] * n + wi, weights=w * ratio[wj], minlength=c * n)
    by_cat = by_cat.reshape(c, n) * 1000.0
    for k, key in enumerate(chosen):
        columns[f"access_e2sfca_{key}"] = by_cat[k]
    columns["walk_min_any"] = walking_minutes(columns["nearest_any_m"], speed_m_s=speed)
    frame = pd.DataFrame(columns, index=index)

    notes[:0] = _method_notes(areas, usable, chosen, steps, radius, speed, decay)
    notes.extend(dropped)
    notes.extend(capacity_notes)
    absent = [key for k, key in enumerate(chosen) if not (codes == k).any()]
    if absent:
        notes.append(
            f"No assets of {len(absent)} categor{'y' if len(absent) == 1 else 'ies'} "
            f"({', '.join(absent)}): their nearest distance is blank and their counts and "
            "E2SFCA are 0 — an absence in the data, which may not mean none exist."
        )
    if not len(usable):
        notes.append(
            "There are no assets of the measured categories at all: every nearest distance "
            "is blank."
        )
    zero = int(((demand == 0) & ~missing_pop.to_numpy()).sum())
    if zero:
        notes.append(
            f"{zero} area(s) have zero population: they add no demand to E2SFCA; an asset "
            "whose catchment holds only such areas adds nothing to anyone's E2SFCA."
        )
    parameters = {
        "categories": list(chosen),
        "thresholds_m": list(steps),
        "catchment_m": radius,
        "decay": decay,
        "sigma_m": radius / 2 if decay == "gaussian" else None,
        "steps": _steps_for(decay, radius, None) if decay == "step" else None,
        "per": 1000.0,
        "speed_m_s": speed,
        "capacity_column": capacity_column,
        "capacity_used": capacity_used,
        "n_areas": n,
        "n_assets": len(usable),
        "distance": "straight line, EPSG:27700",
    }
    return ProvisionResult(frame=frame, notes=tuple(notes), parameters=parameters)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

_AREAS_HINT = (
    "Pass region.areas from geo.region.load_region, or add the columns "
    "(point_x/point_y in metres, EPSG:27700)."
)


def _require_columns(frame: pd.DataFrame, needed: Sequence[str], what: str, hint: str) -> None:
    missing = [col for col in needed if col not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns[:12])) + (", …" if len(frame.columns) > 12 else "")
        raise SchemaError(
            f"{what} is missing column(s) {', '.join(missing)} (it has: {have or 'none'}). {hint}"
        )


def _examples(values: Iterable[object], limit: int = 3) -> str:
    items = [str(v) for v in list(values)[: limit + 1]]
    return ", ".join(items[:limit]) + (", …" if len(items) > limit else "")


def _check_positive(value: object, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ProvisionError(f"{name} must be a positive number; got {value!r}.") from None
    if not math.isfinite(number) or number <= 0:
        raise ProvisionError(f"{name} must be a positive number; got {value!r}.")
    return number


def _check_thresholds(thresholds: Iterable[float]) -> tuple[float, ...]:
    if isinstance(thresholds, str | bytes) or not isinstance(thresholds, Iterable):
        raise ProvisionError(
            f"thresholds must be a list of distances in metres, such as (400, 800, 1600); "
            f"got {thresholds!r}."
        )
    values = []
    for t in thresholds:
        try:
            value = float(t)
        except (TypeError, ValueError):
            raise ProvisionError(
                f"thresholds must be distances in metres; {t!r} is not a number."
            ) from None
        if not math.isfinite(value) or value <= 0:
            raise ProvisionError(f"thresholds must be positive distances in metres; got {t!r}.")
        values.append(value)
    if not values:
        raise ProvisionError(
            "thresholds is empty: give at least one distance in metres, such as (400, 800, 1600)."
        )
    return tuple(sorted(set(values)))


#: Categories a user adds with their own data (see geo.userdata.user_category).
USER_CATEGORY = re.compile(r"^user_[a-z0-9_]{1,40}$")


def _check_category(category: str | None) -> None:
    if category is not None and category not in CATEGORY_KEYS and not USER_CATEGORY.match(category):
        raise ProvisionError(
            f"Unknown category {category!r}. Known categories: {', '.join(CATEGORY_KEYS)}, "
            "or user_<name> for categories from your own data."
        )


def _check_categories(categories: Iterable[str] | None) -> tuple[str, ...]:
    if categories is None:
        return tuple(CATEGORY_KEYS)
    if isinstance(categories, str):
        categories = [categories]
    chosen: list[str] = []
    for key in categories:
        _check_category(key)
        if key not in chosen:
            chosen.append(key)
    if not chosen:
        raise ProvisionError("categories is empty: give category keys, or None for every category.")
    return tuple(chosen)


def _label(distance: float) -> str:
    return str(int(distance)) if float(distance).is_integer() else str(distance)


def _decay_function(
    decay: str,
    radius: float,
    *,
    sigma_m: float | None = None,
    steps: Mapping[float, float] | None = None,
) -> Callable[[np.ndarray], np.ndarray]:
    if decay not in _DECAYS:
        raise ProvisionError(
            f"decay must be one of {', '.join(repr(d) for d in _DECAYS)}; got {decay!r}."
        )
    if decay == "none":
        if sigma_m is not None or steps is not None:
            raise ProvisionError(
                "sigma_m and steps only apply to the 'gaussian' and 'step' decays."
            )
        return lambda d: np.ones_like(d, dtype=float)
    if decay == "gaussian":
        if steps is not None:
            raise ProvisionError("steps only applies to decay='step'.")
        sigma = radius / 2 if sigma_m is None else _check_positive(sigma_m, "sigma_m")
        # Written as access.weights.gaussian writes it, so results agree bit for bit.
        return lambda d: np.exp(-d * d / (2 * sigma**2))
    if sigma_m is not None:
        raise ProvisionError("sigma_m only applies to decay='gaussian'.")
    table = _steps_for(decay, radius, steps)
    bounds = np.array([b for b, _ in table])
    weights = np.array([w for _, w in table] + [0.0])
    return lambda d: weights[np.searchsorted(bounds, d, side="left")]


def _steps_for(
    decay: str, radius: float, steps: Mapping[float, float] | None
) -> list[tuple[float, float]]:
    if steps is None:
        return [(radius * f, w) for f, w in LUO_QI_STEPS]
    if not isinstance(steps, Mapping) or not steps:
        raise ProvisionError(
            "steps must be a non-empty mapping {upper distance in metres: weight}, "
            "such as {400: 1.0, 800: 0.68, 1600: 0.22}."
        )
    table = []
    for bound, w in steps.items():
        b = _check_positive(bound, "each steps distance")
        try:
            value = float(w)
        except (TypeError, ValueError):
            value = float("nan")
        if not math.isfinite(value) or value < 0:
            raise ProvisionError(f"steps weights must be numbers ≥ 0; got {w!r} for {bound!r} m.")
        table.append((b, value))
    return sorted(table)


def _origin_points(origins: pd.DataFrame | gpd.GeoSeries) -> tuple[pd.Index, np.ndarray]:
    if isinstance(origins, gpd.GeoSeries | gpd.GeoDataFrame) and not (
        isinstance(origins, pd.DataFrame) and {"point_x", "point_y"} <= set(origins.columns)
    ):
        series = origins.geometry if isinstance(origins, gpd.GeoDataFrame) else origins
        _check_crs(series.crs, "origins_xy")
        geoms = series.to_numpy()
        bad = ~shapely.is_valid_input(geoms) | shapely.is_missing(geoms)
        if (shapely.get_type_id(geoms[~bad]) != 0).any():
            raise SchemaError(
                "origins_xy must hold points; pass each area's point, e.g. "
                "areas[['point_x', 'point_y']] or areas.representative_point()."
            )
        xy = np.full((len(geoms), 2), np.nan)
        ok = ~bad & ~shapely.is_empty(geoms)
        xy[ok] = shapely.get_coordinates(geoms[ok])
        index = series.index
    elif isinstance(origins, pd.DataFrame):
        _require_columns(
            origins,
            ["point_x", "point_y"],
            "origins_xy",
            "Pass region.areas[['point_x', 'point_y']] (metres, EPSG:27700) or a GeoSeries "
            "of points.",
        )
        xy = np.column_stack(
            [
                pd.to_numeric(origins["point_x"], errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                ),
                pd.to_numeric(origins["point_y"], errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                ),
            ]
        )
        index = origins.index
    else:
        raise SchemaError(
            "origins_xy must be a DataFrame with point_x and point_y (metres, EPSG:27700) or "
            f"a GeoSeries of points; got {type(origins).__name__}."
        )
    missing = ~np.isfinite(xy).all(axis=1)
    if missing.any():
        raise SchemaError(
            f"{int(missing.sum())} area(s) have no point coordinates "
            f"(e.g. {_examples(index[missing])}): fill point_x/point_y (a point inside the "
            "polygon will do) or leave those areas out."
        )
    return index, xy


def _check_crs(crs: object, what: str) -> None:
    if crs is None:
        return
    epsg = crs.to_epsg() if hasattr(crs, "to_epsg") else None
    if epsg != _CRS_EPSG:
        raise SchemaError(
            f"{what} is in {getattr(crs, 'name', crs)}, not British National Grid "
            f"(EPSG:27700): reproject it first with .to_crs(27700)."
        )


def _asset_points(
    assets: gpd.GeoDataFrame | gpd.GeoSeries, *, category: str | None = None
) -> tuple[np.ndarray, pd.DataFrame | None]:
    _check_category(category)
    if isinstance(assets, gpd.GeoDataFrame):
        frame: pd.DataFrame | None = assets
        series = assets.geometry
    elif isinstance(assets, gpd.GeoSeries):
        frame, series = None, assets
    else:
        raise SchemaError(
            "assets must be a GeoDataFrame of points (the standard asset frame, such as "
            f"region.assets); got {type(assets).__name__}."
        )
    if category is not None:
        if frame is None or "category" not in frame.columns:
            raise SchemaError(
                f"assets has no 'category' column, needed to select category {category!r}. "
                "Pass the standard asset frame, or leave category out to use every asset."
            )
        keep = (frame["category"] == category).fillna(False).to_numpy(dtype=bool)
        frame, series = frame[keep], series[keep]
    _check_crs(series.crs, "assets")
    geoms = series.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        ids = (
            frame["asset_id"][missing]
            if frame is not None and "asset_id" in frame
            else series.index[missing]
        )
        raise SchemaError(
            f"{int(missing.sum())} asset(s) have no location (e.g. {_examples(ids)}): "
            "geocode them or leave them out."
        )
    types = shapely.get_type_id(geoms)
    if (types != 0).any():
        kinds = sorted(set(shapely.get_type_id(geoms[types != 0]).tolist()))
        names = ", ".join(_GEOMETRY_NAMES.get(k, str(k)) for k in kinds)
        raise SchemaError(
            f"{int((types != 0).sum())} asset(s) are not points ({names}): convert them with "
            ".representative_point() first."
        )
    xy = shapely.get_coordinates(geoms) if len(geoms) else np.empty((0, 2))
    if not np.isfinite(xy).all():
        raise SchemaError("Some asset coordinates are not finite numbers: fix or leave them out.")
    return xy, frame


def _population(population: object, index: pd.Index) -> np.ndarray:
    if isinstance(population, pd.Series):
        if not population.index.equals(index):
            if not population.index.is_unique or not index.is_unique:
                raise SchemaError(
                    "population's index does not match the areas': give one value per area, "
                    "in the same order."
                )
            missing = index.difference(population.index)
            if len(missing):
                raise SchemaError(
                    f"population has no value for {len(missing)} area(s) "
                    f"(e.g. {_examples(missing)}): give one value per area."
                )
            population = population.reindex(index)
        values = pd.to_numeric(population, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            values = np.asarray(population, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise SchemaError("population must be numbers, one per area.") from None
        if len(values) != len(index):
            raise SchemaError(
                f"population has {len(values)} value(s) but there are {len(index)} areas: "
                "give one value per area."
            )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise SchemaError(
            f"population must be a number ≥ 0 for every area; {int(bad.sum())} are missing or "
            f"negative (e.g. {_examples(index[bad])}). Fill missing values (0 if nobody lives "
            "there) or leave those areas out."
        )
    return values


def _capacity(capacity: object, frame: pd.DataFrame | None, m: int) -> np.ndarray:
    if capacity is None:
        return np.ones(m)
    if isinstance(capacity, str):
        if frame is None or capacity not in frame.columns:
            raise SchemaError(
                f"assets has no column {capacity!r} to take capacities from: pass capacity=None "
                "to count each asset as 1."
            )
        values = pd.to_numeric(frame[capacity], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
    else:
        if isinstance(capacity, pd.Series):
            capacity = capacity.to_numpy(dtype=float, na_value=np.nan)
        try:
            values = np.asarray(capacity, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise SchemaError("capacity must be numbers, one per asset.") from None
        if len(values) != m:
            raise SchemaError(
                f"capacity has {len(values)} value(s) but there are {m} assets: give one per "
                "asset, or None to count each asset as 1."
            )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise SchemaError(
            f"capacity must be a number ≥ 0 for every asset; {int(bad.sum())} are missing or "
            "negative. Fill them, or pass capacity=None to count each asset as 1."
        )
    return values


# ---------------------------------------------------------------------------
# Spatial query
# ---------------------------------------------------------------------------


def _pairs(
    origin_xy: np.ndarray, asset_xy: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(origin, asset, distance) for every pair at most ``radius`` apart."""
    if not len(origin_xy) or not len(asset_xy):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.empty(0)
    found = cKDTree(origin_xy).sparse_distance_matrix(
        cKDTree(asset_xy), radius, output_type="ndarray"
    )
    return (
        found["i"].astype(np.int64, copy=False),
        found["j"].astype(np.int64, copy=False),
        found["v"].astype(float, copy=False),
    )


def _nearest(origin_xy: np.ndarray, asset_xy: np.ndarray) -> np.ndarray:
    if not len(asset_xy):
        return np.full(len(origin_xy), np.nan)
    if not len(origin_xy):
        return np.empty(0)
    distance, _ = cKDTree(asset_xy).query(origin_xy, k=1)
    return np.asarray(distance, dtype=float)


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------


def _asset_demand(
    j: np.ndarray, w: np.ndarray, i: np.ndarray, demand: np.ndarray, m: int
) -> np.ndarray:
    """Weighted demand in each asset's catchment: sum over k of P_k W(d_kj)."""
    return np.bincount(j, weights=demand[i] * w, minlength=m)


def _e2sfca_from_pairs(
    i: np.ndarray,
    j: np.ndarray,
    w: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    n: int,
) -> np.ndarray:
    """Per-resident E2SFCA from pairs within the catchment and their weights."""
    total = _asset_demand(j, w, i, demand, len(supply))
    ratio = np.divide(supply, total, out=np.zeros(len(supply)), where=total > 0)
    return np.bincount(i, weights=w * ratio[j], minlength=n)


def _usable_assets(
    assets: gpd.GeoDataFrame, chosen: tuple[str, ...]
) -> tuple[gpd.GeoDataFrame, list[str]]:
    notes = []
    category = assets["category"]
    outside = ~category.isin(chosen).to_numpy(dtype=bool)
    if outside.any():
        kinds = category[outside].fillna("(none)").value_counts()
        listed = ", ".join(f"{k}: {v}" for k, v in kinds.head(6).items())
        notes.append(
            f"{int(outside.sum())} asset(s) are in categories not measured here ({listed}) and "
            "are left out, including from the 'any asset' measures."
        )
    kept = assets[~outside]
    geoms = kept.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        notes.append(f"{int(missing.sum())} asset(s) have no location and are left out.")
        kept = kept[~missing]
    return kept, notes


def _category_supply(
    assets: pd.DataFrame,
    codes: np.ndarray,
    chosen: tuple[str, ...],
    column: str | None,
) -> tuple[np.ndarray, list[str], dict[str, bool]]:
    supply = np.ones(len(assets))
    used = dict.fromkeys(chosen, False)
    if column is None or not len(assets):
        return supply, [], used
    values = pd.to_numeric(assets[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    known = np.isfinite(values) & (values >= 0)
    partial = []
    for k, key in enumerate(chosen):
        mine = codes == k
        if not mine.any():
            continue
        if known[mine].all():
            supply[mine] = values[mine]
            used[key] = True
        elif known[mine].any():
            partial.append(f"{key} ({int(known[mine].sum())} of {int(mine.sum())})")
    notes = []
    with_capacity = [key for key, flag in used.items() if flag]
    if with_capacity:
        notes.append(
            f"E2SFCA for {', '.join(with_capacity)} weighs each asset by its capacity "
            f"('{column}'); other categories count each asset as 1."
        )
    if partial:
        notes.append(
            "Capacity is known for only some assets of "
            + ", ".join(partial)
            + ": it is not used there, and each asset counts as 1."
        )
    return supply, notes, used


def _method_notes(
    areas: pd.DataFrame,
    assets: pd.DataFrame,
    chosen: tuple[str, ...],
    steps: tuple[float, ...],
    radius: float,
    speed: float,
    decay: str,
) -> list[str]:
    n = len(areas)
    notes = []
    if "point_source" in areas.columns:
        inside = int((areas["point_source"] == _POINT_INSIDE).sum())
        centroid = n - inside
        text = (
            f"Distances are straight lines (British National Grid, metres) from each area's "
            f"population-weighted centroid ({centroid} of {n} areas)"
        )
        if inside:
            text += (
                f"; {inside} area(s) have no such centroid and a point inside the polygon is used "
                "instead"
            )
        notes.append(text + ". They are not walking routes, which are longer.")
    else:
        notes.append(
            "Distances are straight lines (British National Grid, metres) from each area's "
            "point as given (point_x, point_y). They are not walking routes, which are longer."
        )
    thresholds = ", ".join(f"{_label(t)} m" for t in steps)
    notes.append(
        f"Counts are of assets within {thresholds} of the area's point (an asset exactly at "
        f"the distance counts). Walking minutes assume {speed:g} m/s in a straight line."
    )
    if "in_region" in assets.columns and len(assets):
        outside = int((~assets["in_region"].fillna(False).astype(bool)).sum())
        if outside:
            notes.append(
                f"{outside} of {len(assets)} assets lie outside the region, within the buffer "
                "around it; they are counted, because residents near the border use them. "
                "Assets beyond the buffer are not loaded, so a nearest distance longer than "
                "the buffer may be overstated."
            )
    if decay == "gaussian":
        kernel = (
            f"Gaussian decay W(d) = exp(-d²/(2σ²)) with σ = {_label(radius / 2)} m, 0 beyond "
            f"{_label(radius)} m (W = 0.61 at {_label(radius / 2)} m, 0.14 at the edge)"
        )
    elif decay == "step":
        kernel = "Luo & Qi's step weights 1.00, 0.68 and 0.22 over thirds of the catchment"
    else:
        kernel = "no distance decay (plain 2SFCA)"
    notes.append(
        f"E2SFCA (Luo & Qi 2009): assets per 1,000 residents within {_label(radius)} m, with "
        f"{kernel}. Each asset's supply is shared among the residents of every area within "
        "its catchment, so crowded catchments score lower. access_e2sfca counts every asset "
        "as 1 whatever its kind."
    )
    return notes
