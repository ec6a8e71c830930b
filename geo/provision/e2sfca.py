"""Enhanced two-step floating catchment area access (E2SFCA).

The formula, the decays and the edge cases are described in
:mod:`geo.provision`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.codes import in_index
from geo.errors import SchemaError
from geo.provision.checks import check_positive, require_columns
from geo.provision.decay import Decay, decay_function
from geo.provision.inputs import asset_points, capacity_values, origin_points, population_values
from geo.provision.spatial import pairs_within


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
    demand: pd.DataFrame | None = None,
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
    demand
        Residents of other areas who compete for the same assets: a frame
        with ``point_x``, ``point_y`` (metres, EPSG:27700) and ``population``,
        indexed by area code, such as the areas around a region from
        :func:`geo.provision.demand_around`.  Rows whose code is one of
        ``origins_xy``'s are left out (the origin's own point and population
        count); every other row within an asset's catchment adds to the
        demand on that asset.  ``None``: only the origins compete.

    Returns
    -------
    pandas.Series
        Supply per ``per`` residents, float, indexed like ``origins_xy``,
        named ``access_e2sfca``; 0 where no asset is within the catchment.
    """
    radius = check_positive(catchment_m, "catchment_m")
    per = check_positive(per, "per")
    weight = decay_function(decay, radius, sigma_m=sigma_m, steps=steps)
    index, xy = origin_points(origins_xy)
    population_at = population_values(population, index)
    asset_xy, frame = asset_points(assets)
    supply = capacity_values(capacity, frame, len(asset_xy))
    i, j, d = pairs_within(xy, asset_xy, radius)
    outside, _ = outside_demand(demand, index, asset_xy, radius, weight)
    values = e2sfca_from_pairs(i, j, weight(d), population_at, supply, len(index), outside) * per
    return pd.Series(values, index=index, name="access_e2sfca")


def asset_demand(
    j: np.ndarray, w: np.ndarray, i: np.ndarray, demand: np.ndarray, m: int
) -> np.ndarray:
    """Weighted demand in each asset's catchment: sum over k of P_k W(d_kj)."""
    return np.bincount(j, weights=demand[i] * w, minlength=m)


def e2sfca_from_pairs(
    i: np.ndarray,
    j: np.ndarray,
    w: np.ndarray,
    demand: np.ndarray,
    supply: np.ndarray,
    n: int,
    outside: np.ndarray | None = None,
) -> np.ndarray:
    """Per-resident E2SFCA from pairs within the catchment and their weights.

    ``outside`` is the weighted demand on each asset from residents who are
    not among the ``n`` areas (see :func:`outside_demand`).
    """
    total = asset_demand(j, w, i, demand, len(supply))
    if outside is not None:
        total = total + outside
    ratio = np.divide(supply, total, out=np.zeros(len(supply)), where=total > 0)
    return np.bincount(i, weights=w * ratio[j], minlength=n)


def outside_demand(
    demand: pd.DataFrame | None,
    index: pd.Index,
    asset_xy: np.ndarray,
    radius: float,
    weight: Callable[[np.ndarray], np.ndarray],
) -> tuple[np.ndarray, pd.Series]:
    """Weighted demand on each asset from the residents of areas not in ``index``.

    Parameters
    ----------
    demand
        Areas with ``point_x``, ``point_y`` and ``population`` (see
        :func:`e2sfca`); ``None`` for nobody.
    index
        The areas measured: their rows of ``demand`` are left out, since
        their own population is counted with them.
    asset_xy
        Asset points, metres.
    radius, weight
        The catchment and the decay :math:`W(d)`.

    Returns
    -------
    numpy.ndarray
        :math:`\\sum_k P_k W(d_{kj})` over the outside areas :math:`k` within
        the catchment of each asset :math:`j`; zeros when ``demand`` is ``None``.
    pandas.Series
        The population of each outside area within some asset's catchment.
    """
    nobody = np.zeros(len(asset_xy)), pd.Series(dtype=float)
    if demand is None or not len(asset_xy):
        return nobody
    others = check_demand(demand)
    others = others[~in_index(others.index, index)]
    if not len(others):
        return nobody
    _, xy = origin_points(others)
    people = population_values(others["population"], others.index)
    i, j, d = pairs_within(xy, asset_xy, radius)
    reached = pd.Series(people, index=others.index).iloc[np.unique(i)]
    return asset_demand(j, weight(d), i, people, len(asset_xy)), reached


def check_demand(demand: object) -> pd.DataFrame:
    """The demand frame, checked: unique codes, points and a population per row."""
    if not isinstance(demand, pd.DataFrame):
        raise SchemaError(
            "demand must be a DataFrame of areas with point_x, point_y and population; "
            f"got {type(demand).__name__}."
        )
    require_columns(
        demand,
        ["point_x", "point_y", "population"],
        "demand",
        "Pass the residents around the region (geo.residents.national_residents).",
    )
    if not demand.index.is_unique:
        raise SchemaError("demand has repeated area codes in its index: keep one row per area.")
    return demand
