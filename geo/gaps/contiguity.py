"""Neighbours of areas: queen contiguity, optionally with a snapping tolerance.

Queen contiguity here is what libpysal's ``Queen.from_dataframe`` computes:
two areas are neighbours when their boundaries share at least one vertex
(the same coordinates exactly, in any ring of any part).  It is found by
sorting every polygon's vertices once (:func:`queen_adjacency`), which takes
a fraction of a second for the 33,755 LSOAs of England, and the result is
kept in memory and on disk (:mod:`geo.gaps.adjacencycache`) under a
fingerprint of the geometries, so a boundary set is only ever done once.

The adjacency is a symmetric boolean :class:`scipy.sparse.csr_array` whose
rows and columns follow the order of the areas, with sorted column indices
and no self-links.
"""

from __future__ import annotations

import os
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo.gaps.adjacencycache import cached_adjacency
from geo.gaps.checks import check_geometry

__all__ = [
    "adjacency_from_pairs",
    "contiguity_weights",
    "queen_adjacency",
    "snapped_adjacency",
    "tested_weights",
]


def adjacency_from_pairs(i: np.ndarray, j: np.ndarray, n: int) -> sparse.csr_array:
    """Symmetric boolean adjacency of ``n`` areas from position pairs (self-pairs dropped)."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    keep = i != j
    rows = np.concatenate([i[keep], j[keep]])
    cols = np.concatenate([j[keep], i[keep]])
    data = np.ones(rows.size, dtype=bool)
    adj = sparse.csr_array(sparse.coo_array((data, (rows, cols)), shape=(n, n)))
    adj.sum_duplicates()  # also sorts the column indices of every row
    adj.data[:] = True
    return adj


def _shared_vertex_pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position pairs of geometries having at least one vertex in common."""
    coords, owner = shapely.get_coordinates(geoms, return_index=True)
    if not len(owner):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.lexsort((owner, coords[:, 1], coords[:, 0]))
    x, y, owner = coords[order, 0], coords[order, 1], owner[order]
    # one entry per (vertex, geometry): rings repeat their first vertex
    first = np.ones(len(owner), dtype=bool)
    first[1:] = (x[1:] != x[:-1]) | (y[1:] != y[:-1]) | (owner[1:] != owner[:-1])
    x, y, owner = x[first], y[first], owner[first]
    starts = np.ones(len(owner), dtype=bool)
    starts[1:] = (x[1:] != x[:-1]) | (y[1:] != y[:-1])
    group = np.cumsum(starts) - 1
    size = np.bincount(group)
    shared = size[group] > 1
    owner, group = owner[shared], group[shared]
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for step in range(1, int(size.max())):
        same = group[step:] == group[:-step]
        left.append(owner[:-step][same])
        right.append(owner[step:][same])
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(left), np.concatenate(right)


def _build_queen(geoms: np.ndarray) -> sparse.csr_array:
    i, j = _shared_vertex_pairs(geoms)
    return adjacency_from_pairs(i, j, len(geoms))


def queen_adjacency(
    areas: gpd.GeoDataFrame, *, cache_dir: str | os.PathLike[str] | None = None
) -> sparse.csr_array:
    """Queen contiguity of ``areas`` as a boolean sparse matrix (positions, not codes).

    Parameters
    ----------
    areas
        Polygons per area.
    cache_dir
        Cache folder for the adjacency (``None``: the folder of
        :meth:`geo.config.Settings.from_env`).  The same geometries are read
        back from memory or from there instead of being worked out again.

    Returns
    -------
    scipy.sparse.csr_array
        ``n × n``, symmetric, sorted indices, no diagonal.
    """
    check_geometry(areas, need_metres=False)
    geoms = areas.geometry.to_numpy()
    return cached_adjacency(geoms, _build_queen, cache_dir=cache_dir)


def snapped_adjacency(
    areas: gpd.GeoDataFrame,
    *,
    snap_m: float = 0.0,
    cache_dir: str | os.PathLike[str] | None = None,
) -> sparse.csr_array:
    """Queen adjacency plus the areas whose boundaries come within ``snap_m`` metres."""
    check_geometry(areas, need_metres=snap_m > 0)
    queen = queen_adjacency(areas, cache_dir=cache_dir)
    if snap_m <= 0:
        return queen
    geoms = areas.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=snap_m)
    near = adjacency_from_pairs(i, j, len(geoms))
    both = sparse.csr_array(queen + near)
    both.sort_indices()
    return both


def contiguity_weights(areas: gpd.GeoDataFrame, *, snap_m: float = 0.0) -> Any:
    """Queen contiguity weights of ``areas`` (binary, ids = the index).

    Parameters
    ----------
    areas
        Polygons per area.
    snap_m
        Also link areas whose boundaries come within this many metres.

    Returns
    -------
    libpysal.weights.W
        Neighbours listed in the order of the areas.
    """
    from libpysal.weights import W

    adj = snapped_adjacency(areas, snap_m=snap_m)
    ids = list(areas.index)
    neighbours = {
        ids[r]: [ids[c] for c in adj.indices[adj.indptr[r] : adj.indptr[r + 1]]]
        for r in range(len(ids))
    }
    return W(neighbours, id_order=ids, silence_warnings=True)


def tested_weights(
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    snap_m: float,
    cache_dir: str | os.PathLike[str] | None = None,
) -> tuple[sparse.csr_array | None, pd.Index, list[Any], pd.Series]:
    """Adjacency among the tested areas, their codes, islands and neighbour counts.

    The tested areas are those with a value and at least one neighbour with
    a value; the adjacency is restricted to them (rows in their order).
    ``neighbours`` counts, for every area with a value, its neighbours with a
    value (missing for areas without one).
    """
    with_value = values.notna().to_numpy()
    neighbours = pd.Series(pd.NA, index=areas.index, dtype="Int64", name="neighbours")
    if not with_value.any():
        return None, areas.index[:0], [], neighbours
    adj = snapped_adjacency(areas, snap_m=snap_m, cache_dir=cache_dir)
    if not with_value.all():
        adj = sparse.csr_array(adj[with_value][:, with_value])
    codes = areas.index[with_value]
    cards = np.diff(adj.indptr)
    neighbours.loc[codes] = cards
    islands = list(codes[cards == 0])
    connected = cards > 0
    if not connected.any():
        return None, codes[:0], islands, neighbours
    if not connected.all():
        adj = sparse.csr_array(adj[connected][:, connected])
    adj.sort_indices()
    return adj, codes[connected], islands, neighbours
