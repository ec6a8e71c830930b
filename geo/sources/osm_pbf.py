"""OpenStreetMap assets from a ``.osm.pbf`` extract (Geofabrik), read with pyosmium."""

from __future__ import annotations

import functools
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point

from geo.errors import DataSourceError
from geo.sources.assetfiles import (
    ASSET_CRS,
    NO_GEOMETRY,
    AssetRead,
    check_bbox,
)
from geo.sources.osm_common import PathArg, _as_path, _osm_record, finish_osm_assets
from geo.sources.taxonomy import categorise_tags, overpass_filters

# --------------------------------------------------------------------------- PBF


def _candidate_keys() -> tuple[str, ...]:
    """Every tag key any taxonomy selector looks at (for osmium's KeyFilter)."""
    keys: list[str] = []
    for selector in overpass_filters():
        for key in re.findall(r'\["((?:[^"\\]|\\.)*)"', selector):
            if key not in keys:
                keys.append(key)
    return tuple(keys)


#: Extracts larger than this keep node locations in a temporary file, not memory.
LARGE_EXTRACT_BYTES = 256 * 1024**2


@functools.cache
def _to_bng() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", ASSET_CRS, always_xy=True)


def _project(geometry: object, transformer: Any) -> object:
    def move(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def _point_of(geometry: object) -> object:
    """A point on a line or inside an area, in BNG (EPSG:27700).

    The point is the one the asset frame would compute from the whole shape
    (``point_on_surface`` in EPSG:27700), so keeping only the point changes
    nothing but memory.  ``None`` stays ``None``.
    """
    if geometry is None or shapely.is_empty(geometry):
        return None
    shape = _project(geometry, _to_bng())
    if not shapely.is_valid(shape):
        shape = shapely.make_valid(shape)
    return shapely.point_on_surface(shape)


def _from_wkb(make: Any, obj: Any) -> object:
    try:
        return _point_of(shapely.from_wkb(make(obj)))
    except (RuntimeError, shapely.errors.GEOSException):
        return None


def _processor(pbf: Path, keys: tuple[str, ...], node_store: str) -> Any:
    import osmium  # a compiled extension: import only when a PBF is read

    return (
        osmium.FileProcessor(str(pbf))
        .with_locations(node_store)
        .with_areas(osmium.filter.KeyFilter(*keys))
        .with_filter(osmium.filter.KeyFilter(*keys))
    )


def assets_from_osm_pbf(
    path: PathArg,
    *,
    bbox_wgs84: tuple[float, float, float, float] | None = None,
    source: str = "osm_pbf",
) -> AssetRead:
    """Community assets from an OSM PBF extract (e.g. Geofabrik ``*-latest.osm.pbf``).

    Nodes with matching tags become points; ways and multipolygon relations
    with matching tags are assembled into areas (libosmium) and become a point
    inside the area.  ``rows_in`` counts only the features whose tags match a
    category (an extract holds millions of untagged nodes): those whose
    geometry cannot be built are rejected as ``"no geometry"`` (relations) or
    ``"no coordinates"`` (nodes or ways whose locations are missing, e.g.
    clipped at the extract's edge).

    The file is streamed once: each feature keeps only its tags and one point
    (an area's shape is reduced to a point inside it as soon as libosmium has
    assembled it), and for a large extract (England, 1.4 GB) node locations
    are kept in a temporary file instead of memory, so memory stays bounded by
    the number of community places, not the size of the map.
    """
    import osmium

    pbf = _as_path(path)
    box = check_bbox(bbox_wgs84)
    keys = _candidate_keys()
    wkb = osmium.geom.WKBFactory()
    records: dict[tuple[str, int], dict[str, Any]] = {}
    way_points: dict[int, object] = {}
    area_points: dict[tuple[str, int], object] = {}
    with tempfile.TemporaryDirectory(prefix="atlas-nodes-") as scratch:
        large = pbf.stat().st_size > LARGE_EXTRACT_BYTES
        store = f"sparse_file_array,{Path(scratch) / 'nodes.idx'}" if large else "flex_mem"
        processor = _processor(pbf, keys, store)
        try:
            for obj in processor:
                _take(obj, source, wkb, records, way_points, area_points)
        except RuntimeError as exc:  # libosmium reports unreadable input this way
            raise DataSourceError(f"Cannot read OSM file {pbf}: {exc}") from exc
        header = processor.header

    rejected: Counter[str] = Counter()
    out: list[dict[str, Any]] = []
    for (kind, osm_id), record in records.items():
        if kind == "way":
            record["geometry"] = area_points.get((kind, osm_id)) or way_points.get(osm_id)
        elif kind == "relation":
            record["geometry"] = area_points.get((kind, osm_id))
            if record["geometry"] is None:
                rejected[NO_GEOMETRY] += 1
                continue
        out.append(record)
    _nodes_to_bng(out)
    notes = []
    stamp = header.get("osmosis_replication_timestamp") if header else ""
    if stamp:
        notes.append(f"OpenStreetMap data as of {stamp}")
    return finish_osm_assets(out, ASSET_CRS, len(records), rejected, box, notes)


def _nodes_to_bng(records: list[dict[str, Any]]) -> None:
    """Nodes were read in lon/lat: project them all at once (ways and areas already are)."""
    nodes = [r for r in records if r["asset_id"].startswith("osm:node/") and r["geometry"]]
    if nodes:
        points = np.array([r["geometry"] for r in nodes], dtype=object)
        projected: Any = _project(points, _to_bng())
        for record, point in zip(nodes, projected, strict=True):
            record["geometry"] = point


def _take(
    obj: Any,
    source: str,
    wkb: Any,
    records: dict[tuple[str, int], dict[str, Any]],
    way_points: dict[int, object],
    area_points: dict[tuple[str, int], object],
) -> None:
    """Keep one OSM object's record and point, if its tags match a category."""
    import osmium

    if isinstance(obj, osmium.osm.Area):
        if categorise_tags(dict(obj.tags)) is not None:
            kind = "way" if obj.from_way() else "relation"
            area_points[(kind, obj.orig_id())] = _from_wkb(wkb.create_multipolygon, obj)
        return
    tags = dict(obj.tags)
    category = categorise_tags(tags)
    if category is None:
        return
    if obj.is_node():
        loc = obj.location
        geometry = Point(loc.lon, loc.lat) if loc.valid() else None
        records[("node", obj.id)] = _osm_record(
            f"osm:node/{obj.id}", category, source, tags, geometry
        )
    elif obj.is_way():
        way_points[obj.id] = _from_wkb(wkb.create_linestring, obj)
        records[("way", obj.id)] = _osm_record(f"osm:way/{obj.id}", category, source, tags, None)
    elif obj.is_relation():
        records[("relation", obj.id)] = _osm_record(
            f"osm:relation/{obj.id}", category, source, tags, None
        )
