"""What is near here: the community places within a walk of a point.

The residents' and link workers' view of the local fabric: for a point (a
postcode's location, or a small area's population-weighted centroid), every
community place within ``minutes`` of walking at ``speed_m_s``, by category,
with the straight-line distance and walking minutes (as the analysis measures
them: straight lines, so a river or railway can make the walk longer).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.present.labels import category_label

#: The walk "near here" covers by default, in minutes.
DEFAULT_MINUTES = 20.0


def places_near(
    assets: pd.DataFrame,
    x: float,
    y: float,
    *,
    minutes: float = DEFAULT_MINUTES,
    speed_m_s: float = 1.0,
    categories: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The places within ``minutes`` walk of the BNG point (x, y), nearest first by category.

    Parameters
    ----------
    assets
        The standard asset frame (EPSG:27700 points; ``name``, ``category``,
        ``address``, ``source``, ``asset_id``).
    x, y
        The point, metres in EPSG:27700.
    minutes, speed_m_s
        The walk: places at most ``minutes × 60 × speed_m_s`` metres away.
    categories
        Only these categories (default: all).

    Returns
    -------
    pandas.DataFrame
        ``category``, ``category_label``, ``name``, ``address``, ``distance_m``
        (whole metres), ``walk_min`` (one decimal), ``source``, ``asset_id``,
        ``lon``, ``lat``; sorted by category label, then distance.
    """
    if not minutes > 0 or not speed_m_s > 0:
        raise ValueError("minutes and speed_m_s must be positive numbers.")
    reach = minutes * 60.0 * speed_m_s
    frame = assets
    if categories is not None:
        frame = frame[frame["category"].isin(categories)]
    columns = [
        "category",
        "category_label",
        "name",
        "address",
        "distance_m",
        "walk_min",
        "source",
        "asset_id",
        "lon",
        "lat",
    ]
    if not len(frame):
        return pd.DataFrame(columns=columns)
    xy = np.column_stack([frame.geometry.x, frame.geometry.y])
    hits = cKDTree(xy).query_ball_point([x, y], reach * (1 + 1e-12))
    near = frame.iloc[sorted(hits)]
    distance = np.hypot(xy[sorted(hits), 0] - x, xy[sorted(hits), 1] - y)
    lonlat = near.geometry.to_crs(4326)
    out = pd.DataFrame(
        {
            "category": near["category"].to_numpy(),
            "category_label": [category_label(c) for c in near["category"]],
            "name": near["name"].fillna("").astype(str).to_numpy(),
            "address": near.get("address", pd.Series("", index=near.index))
            .fillna("")
            .astype(str)
            .to_numpy(),
            "distance_m": np.round(distance).astype(int),
            "walk_min": np.round(distance / speed_m_s / 60.0, 1),
            "source": near["source"].astype(str).to_numpy(),
            "asset_id": near["asset_id"].astype(str).to_numpy(),
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
        }
    )
    out = out.sort_values(["category_label", "distance_m", "name"], kind="stable")
    return out.reset_index(drop=True)[columns]


def summary(near: pd.DataFrame) -> pd.DataFrame:
    """Per category: how many places are within the walk and the nearest one's minutes."""
    if not len(near):
        return pd.DataFrame(columns=["category_label", "places", "nearest_min", "nearest"])
    grouped = near.sort_values("distance_m").groupby("category_label", sort=True)
    return pd.DataFrame(
        {
            "places": grouped.size(),
            "nearest_min": grouped["walk_min"].first(),
            "nearest": grouped["name"].first(),
        }
    ).reset_index()
