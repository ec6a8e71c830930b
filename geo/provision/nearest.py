"""Nearest asset: straight-line distance and walking minutes."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.provision.checks import check_positive
from geo.provision.inputs import asset_points, origin_points
from geo.provision.spatial import nearest_array


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
    index, xy = origin_points(origins_xy)
    asset_xy, _ = asset_points(assets, category=category)
    name = f"nearest_{category or 'any'}_m"
    return pd.Series(nearest_array(xy, asset_xy), index=index, name=name)


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
    speed = check_positive(speed_m_s, "speed_m_s")
    if isinstance(distance_m, pd.Series):
        out = distance_m.astype(float) / speed / 60.0
        match = re.fullmatch(r"nearest_(.+)_m", str(distance_m.name))
        return out.rename(f"walk_min_{match.group(1)}" if match else "walk_min")
    if np.ndim(distance_m) == 0:
        return float(distance_m) / speed / 60.0
    return np.asarray(distance_m, dtype=float) / speed / 60.0
