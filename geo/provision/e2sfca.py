"""Enhanced two-step floating catchment area access (E2SFCA).

The formula, the decays and the edge cases are described in
:mod:`geo.provision`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.provision.checks import check_positive
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
    radius = check_positive(catchment_m, "catchment_m")
    per = check_positive(per, "per")
    weight = decay_function(decay, radius, sigma_m=sigma_m, steps=steps)
    index, xy = origin_points(origins_xy)
    demand = population_values(population, index)
    asset_xy, frame = asset_points(assets)
    supply = capacity_values(capacity, frame, len(asset_xy))
    i, j, d = pairs_within(xy, asset_xy, radius)
    values = e2sfca_from_pairs(i, j, weight(d), demand, supply, len(index)) * per
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
) -> np.ndarray:
    """Per-resident E2SFCA from pairs within the catchment and their weights."""
    total = asset_demand(j, w, i, demand, len(supply))
    ratio = np.divide(supply, total, out=np.zeros(len(supply)), where=total > 0)
    return np.bincount(i, weights=w * ratio[j], minlength=n)
