"""OpenStreetMap assets from osmtogeojson / overpass-turbo GeoJSON exports."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from shapely.geometry import shape

from geo.errors import SchemaError
from geo.sources.assetfiles import (
    NO_CATEGORY,
    AssetRead,
)
from geo.sources.osm_common import PathArg, _as_path, _osm_record, finish_osm_assets
from geo.sources.taxonomy import categorise_tags

# --------------------------------------------------------------------------- GeoJSON exports

_OSM_ID = re.compile(r"^(node|way|relation)/(\d+)$")
_NOT_TAGS = {"id", "@id", "type"}


def geojson_crs(document: Mapping[str, Any]) -> str:
    """The CRS a GeoJSON document's coordinates are in.

    RFC 7946 GeoJSON is lon/lat (EPSG:4326, axis order lon, lat).  An old-style
    ``crs`` member naming CRS84 or EPSG:4326 means the same; one naming
    EPSG:27700 means British National Grid.  Linked CRSs are refused (GDAL
    would fetch the link).
    """
    crs = document.get("crs")
    if not crs:
        return "EPSG:4326"
    if not isinstance(crs, Mapping) or crs.get("type") != "name":
        raise SchemaError(
            "The GeoJSON has a 'crs' member that is not a named CRS (a link?); remove it "
            "or save the file as RFC 7946 GeoJSON (lon/lat)."
        )
    name = str((crs.get("properties") or {}).get("name", ""))
    compact = name.upper().replace("::", ":")
    if compact.endswith("CRS84") or compact.endswith("EPSG:4326"):
        return "EPSG:4326"
    if compact.endswith("EPSG:27700") or compact.endswith(":27700"):
        return "EPSG:27700"
    raise SchemaError(
        f"The GeoJSON names the CRS {name!r}; the atlas reads lon/lat (CRS84) or British "
        "National Grid (EPSG:27700) GeoJSON."
    )


def _feature_tags(properties: Mapping[str, Any]) -> dict[str, str]:
    nested = properties.get("tags")
    if isinstance(nested, Mapping):  # raw osmtogeojson: properties.tags
        return {str(k): str(v) for k, v in nested.items() if v is not None}
    # flattened export (overpass turbo / app): tags are the properties; drop
    # identifiers and objects added by tools (e.g. "mapFeature", "@relations")
    return {
        str(k): str(v)
        for k, v in properties.items()
        if v is not None
        and str(k) not in _NOT_TAGS
        and not str(k).startswith("@")
        and not isinstance(v, (Mapping, list))
    }


def assets_from_osm_geojson(
    path: PathArg,
    *,
    bbox_wgs84: tuple[float, float, float, float] | None = None,
    source: str = "osm_geojson",
) -> AssetRead:
    """Community assets from a GeoJSON export of OSM features.

    Accepts osmtogeojson / overpass-turbo exports: features whose properties
    are the raw OSM tags (or hold them under ``tags``), with ids like
    ``"node/123"`` as the feature ``id`` or an ``id``/``@id`` property.
    Objects added by tools (``mapFeature``, ``@relations``...) are not tags.
    Polygons become a point inside them.  A feature without an OSM id gets
    ``<source>:<feature number>``.
    """
    file = _as_path(path)
    try:
        document = json.loads(file.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{file} is not a JSON/GeoJSON file: {exc}") from exc
    if not isinstance(document, Mapping) or document.get("type") != "FeatureCollection":
        raise SchemaError(f"{file} is not a GeoJSON FeatureCollection.")
    features = document.get("features")
    if not isinstance(features, list):
        raise SchemaError(f"{file} has no 'features' list.")
    crs = geojson_crs(document)
    rejected: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, Mapping):
            rejected[NO_CATEGORY] += 1
            continue
        properties = feature.get("properties") or {}
        tags = _feature_tags(properties)
        category = categorise_tags(tags)
        if category is None:
            rejected[NO_CATEGORY] += 1
            continue
        ident = None
        for candidate in (feature.get("id"), properties.get("id"), properties.get("@id")):
            match = _OSM_ID.match(str(candidate or "").strip())
            if match:
                ident = f"osm:{match.group(1)}/{match.group(2)}"
                break
        geometry = None
        if feature.get("geometry"):
            try:
                geometry = shape(feature["geometry"])
            except (ValueError, TypeError, AttributeError, KeyError):
                geometry = None
        records.append(_osm_record(ident or f"{source}:{number}", category, source, tags, geometry))
    return finish_osm_assets(records, crs, len(features), rejected, bbox_wgs84)
