"""The one spatial query behind every measure: a KD-tree on coordinate arrays."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def pairs_within(
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


def nearest_array(origin_xy: np.ndarray, asset_xy: np.ndarray) -> np.ndarray:
    """Distance from each origin to its nearest asset (``NaN`` when there is none)."""
    if not len(asset_xy):
        return np.full(len(origin_xy), np.nan)
    if not len(origin_xy):
        return np.empty(0)
    distance, _ = cKDTree(asset_xy).query(origin_xy, k=1)
    return np.asarray(distance, dtype=float)
