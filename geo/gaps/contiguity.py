"""Neighbours of areas: queen contiguity, optionally with a snapping tolerance."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.gaps.checks import check_geometry

__all__ = ["contiguity_weights", "tested_weights"]


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
    """
    from libpysal.weights import Queen, W

    check_geometry(areas, need_metres=snap_m > 0)
    queen = Queen.from_dataframe(areas, use_index=True, silence_warnings=True)
    if snap_m <= 0:
        return queen
    geoms = areas.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=snap_m)
    ids = list(areas.index)
    position = {k: n for n, k in enumerate(ids)}
    neighbours = {k: set(v) for k, v in queen.neighbors.items()}
    for a, b in zip(i[i != j], j[i != j], strict=True):
        neighbours[ids[a]].add(ids[b])
    return W(
        {k: sorted(v, key=position.__getitem__) for k, v in neighbours.items()},
        id_order=ids,
        silence_warnings=True,
    )


def tested_weights(
    areas: gpd.GeoDataFrame, values: pd.Series, *, snap_m: float
) -> tuple[Any, list[Any], pd.Series]:
    """Weights among areas with a value, minus islands; islands; neighbour counts."""
    from libpysal.weights import w_subset

    with_value = values.notna().to_numpy()
    neighbours = pd.Series(pd.NA, index=areas.index, dtype="Int64", name="neighbours")
    if not with_value.any():
        return None, [], neighbours
    w = contiguity_weights(areas.loc[with_value], snap_m=snap_m)
    cards = pd.Series(w.cardinalities).reindex(w.id_order)
    neighbours.loc[cards.index] = cards.to_numpy()
    islands = [k for k in w.id_order if w.cardinalities[k] == 0]
    if islands:
        keep = [k for k in w.id_order if w.cardinalities[k] > 0]
        if not keep:
            return None, islands, neighbours
        w = w_subset(w, keep, silence_warnings=True)
    return w, islands, neighbours
