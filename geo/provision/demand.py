"""Who competes for a region's assets: its residents and everyone else within reach.

An asset near a region's border is shared by the residents on both sides.
E2SFCA divides each asset's supply among all the residents within its
catchment, so the demand side must include the areas around the region, not
only the region's own.  :func:`demand_around` picks them from a table of every
area's point and population (see :func:`geo.residents.national_residents`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.codes import in_index
from geo.provision.checks import check_positive
from geo.provision.e2sfca import check_demand
from geo.provision.inputs import asset_points, origin_points

DEMAND_COLUMNS = ("point_x", "point_y", "population")


def demand_around(
    residents: pd.DataFrame,
    areas: pd.DataFrame,
    assets: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    reach_m: float,
) -> pd.DataFrame:
    """The region's areas plus every other area within reach of any of its assets.

    Parameters
    ----------
    residents
        Every area that may compete (index: area code) with ``point_x``,
        ``point_y`` (metres, EPSG:27700) and ``population``.
    areas
        The region's areas with the same columns; their rows come first and
        take precedence over ``residents``' rows of the same code.
    assets
        The assets counted (EPSG:27700 points).
    reach_m
        Keep the areas of ``residents`` whose point is at most this far from
        some asset: the E2SFCA catchment.

    Returns
    -------
    pandas.DataFrame
        ``point_x``, ``point_y`` and ``population`` indexed by area code: the
        region's areas, then the other areas within reach, in ``residents``'
        order.
    """
    reach = check_positive(reach_m, "reach_m")
    table = check_demand(residents)
    own = pd.DataFrame(areas[list(DEMAND_COLUMNS)])
    others = table.loc[~in_index(table.index, own.index), list(DEMAND_COLUMNS)]
    asset_xy, _ = asset_points(assets)
    if not len(others) or not len(asset_xy):
        return own
    _, xy = origin_points(others)
    # a hair beyond the reach, so rounding never drops an area exactly at it
    bound = reach * (1 + 1e-9)
    distance, _ = cKDTree(asset_xy).query(xy, k=1, distance_upper_bound=bound)
    near = np.asarray(distance) <= bound
    return pd.concat([own, others[near]])
