"""Counts of assets within walking distances of each area's point."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.provision.checks import DEFAULT_THRESHOLDS, check_thresholds, distance_label
from geo.provision.inputs import asset_points, origin_points
from geo.provision.spatial import pairs_within


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
    steps = check_thresholds(thresholds)
    index, xy = origin_points(origins_xy)
    asset_xy, _ = asset_points(assets, category=category)
    i, _, d = pairs_within(xy, asset_xy, steps[-1])
    columns = {
        f"count_{distance_label(t)}m": np.bincount(i[d <= t], minlength=len(index)).astype(np.int64)
        for t in steps
    }
    return pd.DataFrame(columns, index=index)
