"""Making polygons safe to simplify, reproject and round.

Shared by the app's maps and the report's, so both draw the same valid
polygons whatever the boundary file holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely


def polygonal(geometries: Any) -> np.ndarray:
    """Valid Polygons or MultiPolygons: invalid ones repaired, other parts dropped.

    Invalid geometries are repaired with :func:`shapely.make_valid` (only
    those: valid ones are returned as they are) and only their polygonal
    parts are kept, so a repair that leaves a stray line or point (a collapsed
    spike) still gives a polygon.  An input with no polygonal part becomes an
    empty Polygon; a missing one stays None.

    Parameters
    ----------
    geometries
        Array-like of shapely geometries (None allowed).

    Returns
    -------
    numpy.ndarray
        Object array of the same length.
    """
    geoms = np.asarray(geometries, dtype=object).copy()
    present = ~shapely.is_missing(geoms)
    bad = present & ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad])
    other = present & ~np.isin(shapely.get_type_id(geoms), _POLYGONAL)
    for pos in np.flatnonzero(other):
        geoms[pos] = _polygon_parts(geoms[pos])
    return geoms


_POLYGONAL = (3, 6)  # Polygon, MultiPolygon


def _polygon_parts(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygons of a (nested) collection, as one (Multi)Polygon."""
    parts = shapely.get_parts(shapely.get_parts(geom))
    polys = [p for p in parts if shapely.get_type_id(p) == 3 and not p.is_empty]
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def rounded(geometries: Any, precision: int) -> np.ndarray:
    """Valid polygons with coordinates on a grid of ``10 ** -precision`` units.

    Inputs are made valid first (:func:`polygonal`), since the precision
    reducer fails on some invalid polygons (a reprojection can make a valid
    polygon self-touch by a fraction of a millimetre).  Should a geometry
    still defeat it, its coordinates are rounded one by one and the result is
    repaired.  Either way the output is valid and polygonal.
    """
    geoms = polygonal(geometries)
    grid = 10.0 ** (-precision)
    try:
        out = shapely.set_precision(geoms, grid)
    except shapely.errors.GEOSException:
        out = np.array([_round_one(g, grid) for g in geoms], dtype=object)
    return polygonal(out)


def _round_one(geom: shapely.Geometry | None, grid: float) -> shapely.Geometry | None:
    try:
        return shapely.set_precision(geom, grid)
    except shapely.errors.GEOSException:
        return shapely.set_precision(geom, grid, mode="pointwise")
