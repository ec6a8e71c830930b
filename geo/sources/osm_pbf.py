"""OpenStreetMap assets from a ``.osm.pbf`` extract (Geofabrik), read with pyosmium."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import shapely
from shapely.geometry import Point

from geo.errors import DataSourceError
from geo.sources.assetfiles import (
    NO_GEOMETRY,
    AssetRead,
    check_bbox,
    finish_assets,
)
from geo.sources.osm_common import PathArg, _as_path, _osm_record
from geo.sources.taxonomy import CATEGORY_KEYS, categorise_tags, overpass_filters

# --------------------------------------------------------------------------- PBF


def _candidate_keys() -> tuple[str, ...]:
    """Every tag key any taxonomy selector looks at (for osmium's KeyFilter)."""
    keys: list[str] = []
    for selector in overpass_filters():
        for key in re.findall(r'\["((?:[^"\\]|\\.)*)"', selector):
            if key not in keys:
                keys.append(key)
    return tuple(keys)


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
    """
    import osmium  # a compiled extension: import only when a PBF is read

    pbf = _as_path(path)
    box = check_bbox(bbox_wgs84)
    keys = _candidate_keys()
    wkb = osmium.geom.WKBFactory()
    records: dict[tuple[str, int], dict[str, Any]] = {}
    way_lines: dict[int, object] = {}
    areas: dict[tuple[str, int], object] = {}

    processor = (
        osmium.FileProcessor(str(pbf))
        .with_areas(osmium.filter.KeyFilter(*keys))
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    try:
        for obj in processor:
            if isinstance(obj, osmium.osm.Area):
                kind = "way" if obj.from_way() else "relation"
                key = (kind, obj.orig_id())
                if categorise_tags(dict(obj.tags)) is None:
                    continue
                try:
                    areas[key] = shapely.from_wkb(wkb.create_multipolygon(obj))
                except (RuntimeError, shapely.errors.GEOSException):
                    continue
                continue
            tags = dict(obj.tags)
            category = categorise_tags(tags)
            if category is None:
                continue
            if obj.is_node():
                loc = obj.location
                geometry = Point(loc.lon, loc.lat) if loc.valid() else None
                records[("node", obj.id)] = _osm_record(
                    f"osm:node/{obj.id}", category, source, tags, geometry
                )
            elif obj.is_way():
                try:
                    way_lines[obj.id] = shapely.from_wkb(wkb.create_linestring(obj))
                except (RuntimeError, shapely.errors.GEOSException):
                    way_lines[obj.id] = None
                records[("way", obj.id)] = _osm_record(
                    f"osm:way/{obj.id}", category, source, tags, None
                )
            elif obj.is_relation():
                records[("relation", obj.id)] = _osm_record(
                    f"osm:relation/{obj.id}", category, source, tags, None
                )
    except RuntimeError as exc:  # libosmium reports unreadable input this way
        raise DataSourceError(f"Cannot read OSM file {pbf}: {exc}") from exc

    rejected: Counter[str] = Counter()
    out: list[dict[str, Any]] = []
    for (kind, osm_id), record in records.items():
        if kind == "way":
            record["geometry"] = areas.get((kind, osm_id)) or way_lines.get(osm_id)
        elif kind == "relation":
            record["geometry"] = areas.get((kind, osm_id))
            if record["geometry"] is None:
                rejected[NO_GEOMETRY] += 1
                continue
        out.append(record)
    header = processor.header
    notes = []
    stamp = header.get("osmosis_replication_timestamp") if header else ""
    if stamp:
        notes.append(f"OpenStreetMap data as of {stamp}")
    return finish_assets(
        out,
        crs="EPSG:4326",
        rows_in=len(records),
        rejected=rejected,
        bbox_wgs84=box,
        notes=notes,
        category_order=CATEGORY_KEYS,
    )
