"""OpenStreetMap assets from the Overpass API: the query and its JSON answer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from shapely.geometry import LineString, Point, Polygon

from geo.errors import DataSourceError, SchemaError
from geo.sources.assetfiles import (
    NO_CATEGORY,
    AssetRead,
    check_bbox,
)
from geo.sources.osm_common import _osm_record, finish_osm_assets
from geo.sources.taxonomy import categorise_tags, overpass_filters

# --------------------------------------------------------------------------- Overpass


def overpass_query(
    bbox_wgs84: tuple[float, float, float, float],
    categories: Iterable[str] | None = None,
    *,
    timeout: int = 180,
) -> str:
    """Overpass QL fetching the community assets inside a lon/lat box.

    Parameters
    ----------
    bbox_wgs84
        ``(west, south, east, north)`` in degrees; Overpass wants
        ``(south, west, north, east)``, which this function writes.
    categories
        Taxonomy keys to fetch (all when ``None``).
    timeout
        Server-side time limit in seconds.

    Returns
    -------
    str
        ``[out:json][timeout:..];( nwr[...](s,w,n,e); ... );out center tags;``
    """
    west, south, east, north = check_bbox(bbox_wgs84)  # type: ignore[misc]
    if int(timeout) <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    box = f"({south:.7g},{west:.7g},{north:.7g},{east:.7g})"
    selectors = overpass_filters(categories)
    if not selectors:
        raise ValueError(
            f"No OSM tags for categories {list(categories or [])!r} "
            "(warm spaces come only from registers)."
        )
    body = "\n".join(f"  {s}{box};" for s in selectors)
    return f"[out:json][timeout:{int(timeout)}];\n(\n{body}\n);\nout center tags;"


def _overpass_geometry(element: Mapping[str, Any]) -> object:
    kind = element.get("type")
    if kind == "node":
        lat, lon = element.get("lat"), element.get("lon")
        if lat is None or lon is None:
            return None
        return Point(float(lon), float(lat))
    outline = element.get("geometry")
    if kind == "way" and isinstance(outline, list) and len(outline) >= 2:
        coords = [
            (float(p["lon"]), float(p["lat"]))
            for p in outline
            if isinstance(p, Mapping) and p.get("lat") is not None and p.get("lon") is not None
        ]
        if len(coords) >= 4 and coords[0] == coords[-1]:
            polygon = Polygon(coords)
            if polygon.is_valid and not polygon.is_empty:
                return polygon
        if len(coords) >= 2:
            return LineString(coords)
    center = element.get("center")
    if isinstance(center, Mapping) and center.get("lat") is not None:
        return Point(float(center["lon"]), float(center["lat"]))
    bounds = element.get("bounds")
    if isinstance(bounds, Mapping) and {"minlat", "minlon", "maxlat", "maxlon"} <= set(bounds):
        return Point(
            (float(bounds["minlon"]) + float(bounds["maxlon"])) / 2,
            (float(bounds["minlat"]) + float(bounds["maxlat"])) / 2,
        )
    return None


def assets_from_overpass_json(
    data: Mapping[str, Any],
    *,
    source: str = "osm_overpass",
    bbox_wgs84: tuple[float, float, float, float] | None = None,
) -> AssetRead:
    """Community assets from an Overpass API JSON answer.

    Elements whose tags match no category are dropped and counted as
    ``"no matching category"`` (untagged elements included).  Nodes use their
    ``lat``/``lon``; ways and relations their ``center`` (``out center``; see
    the module docstring for its limits), or a point inside the outline when
    the answer has ``geometry`` (``out geom``).

    Raises
    ------
    SchemaError
        ``data`` is not an Overpass JSON answer.
    DataSourceError
        The answer says the query failed part-way (``remark`` with a runtime
        error): its elements are incomplete and must not be used.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("elements"), list):
        raise SchemaError(
            "Not an Overpass JSON answer: expected an object with an 'elements' list "
            "(query with [out:json])."
        )
    remark = str(data.get("remark") or "")
    if "error" in remark.lower():
        raise DataSourceError(
            f"Overpass answered with an error and a partial result: {remark.strip()!r}. "
            "Retry later or with a smaller area/longer timeout."
        )
    rejected: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    elements = data["elements"]
    for element in elements:
        if not isinstance(element, Mapping):
            rejected[NO_CATEGORY] += 1
            continue
        tags = element.get("tags") or {}
        category = categorise_tags(tags) if isinstance(tags, Mapping) else None
        if category is None:
            rejected[NO_CATEGORY] += 1
            continue
        asset_id = f"osm:{element.get('type')}/{element.get('id')}"
        records.append(_osm_record(asset_id, category, source, tags, _overpass_geometry(element)))
    return finish_osm_assets(records, "EPSG:4326", len(elements), rejected, bbox_wgs84)
