"""Area geometry for the web map: simplified once, valid, rounded, clickable.

Geometry is simplified once as a coverage in EPSG:27700 (so neighbouring
areas keep shared edges), converted to WGS84 for display only, rounded, and
kept as GeoJSON geometry dicts by area code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.present.geometry import polygonal, rounded

CRS = "EPSG:27700"


def simplified_geometries(
    areas: gpd.GeoDataFrame, *, tolerance_m: float = 15.0, precision: int = 5
) -> dict[str, dict[str, Any]]:
    """Each area's simplified WGS84 geometry as a GeoJSON geometry dict.

    The polygons are made valid, then simplified together
    (``shapely.coverage_simplify``) in EPSG:27700 so shared edges stay shared
    and no slivers open between neighbours; after the conversion to WGS84
    they are made valid again and coordinates are rounded to ``precision``
    decimals (5 ≈ 1 m).  Every geometry returned is a valid Polygon or
    MultiPolygon.
    """
    geoms = areas.to_crs(CRS).geometry.values if areas.crs else areas.geometry.values
    geoms = polygonal(geoms)
    try:
        simple = shapely.coverage_simplify(geoms, tolerance_m)
    except Exception:  # invalid coverage: simplify each polygon alone
        simple = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    wgs = gpd.GeoSeries(polygonal(simple), index=areas.index, crs=CRS).to_crs(4326)
    return {
        str(code): shapely.geometry.mapping(geom)
        for code, geom in zip(areas.index, rounded(wgs.values, precision), strict=True)
    }


def outline_geometries(
    geometries: Mapping[str, Mapping[str, Any]], codes: Sequence[str]
) -> list[dict[str, Any]]:
    """The outlines of groups of touching areas (dissolved), as geometry dicts."""
    shapes = [shapely.geometry.shape(geometries[c]) for c in codes if c in geometries]
    if not shapes:
        return []
    merged = shapely.union_all(shapely.make_valid(np.array(shapes, dtype=object)), grid_size=1e-6)
    parts = list(getattr(merged, "geoms", [merged]))
    return [
        shapely.geometry.mapping(p) for p in parts if p.geom_type in {"Polygon", "MultiPolygon"}
    ]


def locate(geometries: Mapping[str, Mapping[str, Any]], lat: float, lng: float) -> str | None:
    """The code of the area containing (lat, lng), or None when outside every area."""
    codes = list(geometries)
    if not codes:
        return None
    shapes = [shapely.geometry.shape(geometries[c]) for c in codes]
    tree = shapely.STRtree(shapes)
    point = shapely.Point(lng, lat)
    hits = tree.query(point, predicate="covers")
    if len(hits):
        return codes[int(hits[0])]
    # A click on an edge drawn a pixel wide of the simplified polygon: take the
    # nearest area within ~30 m.
    nearest = tree.query_nearest(point, max_distance=0.0003)
    return codes[int(nearest[0])] if len(nearest) else None
