"""OpenStreetMap community assets, from every form OSM data arrives in.

All readers return an :class:`~geo.sources.assetfiles.AssetRead` holding the
standard asset frame (EPSG:27700, columns ``asset_id name category source
address capacity tags geometry``) and the count of rows dropped, by reason.
Categories come from :func:`geo.sources.taxonomy.categorise_tags` (or
:data:`~geo.sources.taxonomy.GEOFABRIK_FCLASS` for the Geofabrik shapefiles).

==========================  ==================================================
reader                      input
==========================  ==================================================
``assets_from_overpass_json``  an Overpass API JSON answer (``out center tags``)
``assets_from_osm_pbf``        a ``.osm.pbf`` extract (Geofabrik), via pyosmium
``assets_from_geofabrik_shp_zip``  the Geofabrik ``-free.shp.zip`` bundle
``assets_from_osm_geojson``    an osmtogeojson / overpass-turbo GeoJSON export
``assets_from_pubs_tsv``       the GB pub-names TSV (name, normalised, id, lat, lon)
==========================  ==================================================

``asset_id`` is ``osm:<type>/<id>`` (``osm:node/123``, ``osm:way/456``,
``osm:relation/789``).  Where the source does not record the element type it
says so: Geofabrik polygons are ``osm:area/<id>`` (a way or a multipolygon
relation), pub-list rows ``osm:pub/<id>``.

Where the point comes from
--------------------------
* PBF: nodes are points; tagged ways and multipolygon relations are assembled
  into areas by libosmium and replaced by a point inside the area
  (``representative_point`` in EPSG:27700).  A tagged way that cannot form an
  area (open, or a broken ring) gets a point on its line; a relation that
  cannot be assembled is rejected as ``"no geometry"``.
* Overpass ``out center``: ways and relations come with their bounding-box
  centre only, which can fall outside a concave or ring-shaped feature (an
  L-shaped park, a site wrapped round a car park): the atlas uses it as is.
  An answer made with ``out geom`` gives the way's outline, and then the point
  is inside it.
* GeoJSON exports and Geofabrik polygons: a point inside the shape.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path, PurePosixPath
from typing import Any

import shapely
from shapely.geometry import LineString, Point, Polygon, shape

from geo.errors import DataSourceError, SchemaError
from geo.sources.assetfiles import (
    NO_CATEGORY,
    NO_COORDINATES,
    NO_GEOMETRY,
    AssetRead,
    check_bbox,
    clean_text,
    finish_assets,
    tags_json,
    to_float,
)
from geo.sources.taxonomy import CATEGORY_KEYS, GEOFABRIK_FCLASS, categorise_tags, overpass_filters

log = logging.getLogger(__name__)

__all__ = [
    "GEOFABRIK_LAYERS",
    "assets_from_geofabrik_shp_zip",
    "assets_from_osm_geojson",
    "assets_from_osm_pbf",
    "assets_from_overpass_json",
    "assets_from_pubs_tsv",
    "inspect_zip",
    "osm_address",
    "overpass_query",
]

#: Geofabrik free-shapefile layers that hold community assets.
GEOFABRIK_LAYERS: tuple[str, ...] = (
    "gis_osm_pois_free_1",
    "gis_osm_pois_a_free_1",
    "gis_osm_pofw_free_1",
    "gis_osm_pofw_a_free_1",
    "gis_osm_landuse_a_free_1",
)

# limits for zip archives (a zip bomb is cheap to make)
MAX_ZIP_MEMBERS = 500
MAX_ZIP_UNCOMPRESSED = 2 * 1024**3
MAX_ZIP_RATIO = 200
_RATIO_MIN_BYTES = 1024**2  # tiny members can have any ratio

PathArg = str | PathLike[str]


# --------------------------------------------------------------------------- helpers


def osm_address(tags: Mapping[str, Any]) -> str:
    """A one-line address from ``addr:*`` tags (``""`` when there are none)."""

    def get(*keys: str) -> str:
        for key in keys:
            value = clean_text(tags.get(key))
            if value:
                return value
        return ""

    street = " ".join(p for p in (get("addr:housenumber"), get("addr:street")) if p)
    parts = [
        get("addr:housename"),
        street or get("addr:place"),
        get("addr:village", "addr:suburb", "addr:hamlet"),
        get("addr:town", "addr:city"),
        get("addr:postcode"),
    ]
    out: list[str] = []
    for part in parts:
        if part and part.lower() not in (p.lower() for p in out):
            out.append(part)
    return ", ".join(out)


def _osm_name(tags: Mapping[str, Any]) -> str:
    return clean_text(tags.get("name")) or clean_text(tags.get("official_name"))


def _osm_record(
    asset_id: str, category: str, source: str, tags: Mapping[str, Any], geometry: object
) -> dict[str, Any]:
    return {
        "asset_id": asset_id,
        "name": _osm_name(tags),
        "category": category,
        "source": source,
        "address": osm_address(tags),
        "capacity": to_float(tags.get("capacity")),
        "tags": tags_json(tags),
        "geometry": geometry,
    }


def _as_path(path: PathArg) -> Path:
    p = Path(path)
    if not p.is_file():
        raise DataSourceError(f"Asset file {p} not found (or not a file).")
    return p


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
    west, south, east, north = check_bbox(bbox_wgs84)  # type: ignore[misc]  # None only for None
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
    return finish_assets(
        records,
        crs="EPSG:4326",
        rows_in=len(elements),
        rejected=rejected,
        bbox_wgs84=bbox_wgs84,
        category_order=CATEGORY_KEYS,
    )


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
            if isinstance(obj, osmium.osm.Node):
                loc = obj.location
                geometry = Point(loc.lon, loc.lat) if loc.valid() else None
                records[("node", obj.id)] = _osm_record(
                    f"osm:node/{obj.id}", category, source, tags, geometry
                )
            elif isinstance(obj, osmium.osm.Way):
                try:
                    way_lines[obj.id] = shapely.from_wkb(wkb.create_linestring(obj))
                except (RuntimeError, shapely.errors.GEOSException):
                    way_lines[obj.id] = None
                records[("way", obj.id)] = _osm_record(
                    f"osm:way/{obj.id}", category, source, tags, None
                )
            elif isinstance(obj, osmium.osm.Relation):
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


# --------------------------------------------------------------------------- zip archives


def inspect_zip(path: PathArg) -> list[zipfile.ZipInfo]:
    """The members of a zip archive, after checking it is safe to open.

    Refuses (:class:`DataSourceError`) member names with ``..`` or absolute
    paths, more than 500 members, more than 2 GB uncompressed, or a member
    (over 1 MB) or the whole archive compressed more than 200 times.
    """
    archive = _as_path(path)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise DataSourceError(f"{archive} is not a valid zip archive: {exc}") from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise DataSourceError(
            f"{archive} has {len(members)} members (more than {MAX_ZIP_MEMBERS}); refusing to "
            "open it. Unzip it yourself and point the atlas at the layer files."
        )
    total = compressed = 0
    for info in members:
        name = info.filename.replace("\\", "/")
        if (
            name.startswith("/")
            or re.match(r"^[A-Za-z]:", name)
            or ".." in PurePosixPath(name).parts
        ):
            raise DataSourceError(
                f"{archive} contains an unsafe member name {info.filename!r} "
                "(absolute path or '..'); refusing to open it."
            )
        total += info.file_size
        compressed += info.compress_size
        if info.file_size >= _RATIO_MIN_BYTES and (
            info.compress_size == 0 or info.file_size / info.compress_size > MAX_ZIP_RATIO
        ):
            raise DataSourceError(
                f"{archive}: member {info.filename!r} expands {info.file_size:,} bytes from "
                f"{info.compress_size:,} (ratio over {MAX_ZIP_RATIO}); this looks like a "
                "zip bomb, refusing to open it."
            )
    if total > MAX_ZIP_UNCOMPRESSED:
        raise DataSourceError(
            f"{archive} would expand to {total / 1024**3:.1f} GB (limit 2 GB); refusing to "
            "open it. Use a smaller extract."
        )
    if total >= _RATIO_MIN_BYTES and (compressed == 0 or total / compressed > MAX_ZIP_RATIO):
        raise DataSourceError(
            f"{archive} expands {total:,} bytes from {compressed:,} (ratio over "
            f"{MAX_ZIP_RATIO}); this looks like a zip bomb, refusing to open it."
        )
    return members


def _zip_readme_date(path: Path, members: Sequence[zipfile.ZipInfo]) -> str:
    for info in members:
        if PurePosixPath(info.filename).name.upper() == "README" and info.file_size < 100_000:
            with zipfile.ZipFile(path) as zf:
                text = zf.read(info).decode("utf-8", "replace")
            found = re.search(r"OpenStreetMap data as of\s+(\S+)", text)
            return found.group(1) if found else ""
    return ""


def assets_from_geofabrik_shp_zip(
    path: PathArg,
    *,
    bbox_wgs84: tuple[float, float, float, float] | None = None,
    source: str = "osm_geofabrik_shp",
) -> AssetRead:
    """Community assets from a Geofabrik "free" shapefile bundle (``*-free.shp.zip``).

    Reads the layers of :data:`GEOFABRIK_LAYERS` that the archive holds
    (points, polygons, places of worship, land use) straight from the zip,
    after :func:`inspect_zip`.  ``fclass`` is mapped with
    :data:`~geo.sources.taxonomy.GEOFABRIK_FCLASS`; other classes count as
    ``"no matching category"``.  The same OSM feature can appear in two layers
    (a park in both the POI-area and land-use layers) or twice in one (one row
    per class): it is kept once, under the category that comes first in the
    taxonomy, and the other rows count as ``"duplicate"``.  Tags keep
    ``osm_id``, ``code``, ``fclass``, ``name`` and the layer name.
    """
    import pyogrio

    archive = _as_path(path)
    members = inspect_zip(archive)
    by_layer: dict[str, str] = {}
    for info in members:
        member = PurePosixPath(info.filename.replace("\\", "/"))
        if member.suffix.lower() == ".shp" and member.stem in GEOFABRIK_LAYERS:
            by_layer.setdefault(member.stem, str(member))
    if not by_layer:
        raise SchemaError(
            f"{archive} has none of the Geofabrik layers {', '.join(GEOFABRIK_LAYERS)}; "
            "is it a Geofabrik '-free.shp.zip' bundle?"
        )
    rejected: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    rows_in = 0
    for layer in GEOFABRIK_LAYERS:
        if layer not in by_layer:
            continue
        vsi = f"/vsizip/{archive.resolve()}/{by_layer[layer]}"
        try:
            frame = pyogrio.read_dataframe(vsi)
        except Exception as exc:  # pyogrio raises several DataSourceError/OSError types
            raise DataSourceError(f"Cannot read layer {layer} of {archive}: {exc}") from exc
        missing = {"osm_id", "fclass"} - set(frame.columns)
        if missing:
            raise SchemaError(
                f"Layer {layer} of {archive} has no {', '.join(sorted(missing))} column."
            )
        if frame.crs is None:
            frame = frame.set_crs("EPSG:4326")
        elif not frame.crs.equals("EPSG:4326"):
            frame = frame.to_crs("EPSG:4326")
        rows_in += len(frame)
        is_point_layer = not layer.endswith("_a_free_1")
        osm_ids = frame["osm_id"].tolist()
        codes = frame["code"].tolist() if "code" in frame else [None] * len(frame)
        names = frame["name"].tolist() if "name" in frame else [None] * len(frame)
        for osm_id, code, fclass, name, geometry in zip(
            osm_ids, codes, frame["fclass"].tolist(), names, frame.geometry.values, strict=True
        ):
            category = GEOFABRIK_FCLASS.get(clean_text(fclass))
            if category is None:
                rejected[NO_CATEGORY] += 1
                continue
            ident = clean_text(osm_id)
            # point layers hold nodes; polygon layers mix ways and relations
            # without saying which, hence "area"
            asset_id = f"osm:node/{ident}" if is_point_layer else f"osm:area/{ident}"
            tags = {
                "osm_id": ident,
                "code": None if code is None else int(code),
                "fclass": clean_text(fclass),
                "name": clean_text(name),
                "layer": layer,
            }
            records.append(
                {
                    "asset_id": asset_id,
                    "name": clean_text(name),
                    "category": category,
                    "source": source,
                    "address": "",
                    "capacity": float("nan"),
                    "tags": tags_json(tags),
                    "geometry": geometry,
                }
            )
    date = _zip_readme_date(archive, members)
    notes = [f"OpenStreetMap data as of {date}"] if date else []
    return finish_assets(
        records,
        crs="EPSG:4326",
        rows_in=rows_in,
        rejected=rejected,
        bbox_wgs84=bbox_wgs84,
        notes=notes,
        category_order=CATEGORY_KEYS,
    )


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
    return finish_assets(
        records,
        crs=crs,
        rows_in=len(features),
        rejected=rejected,
        bbox_wgs84=bbox_wgs84,
        category_order=CATEGORY_KEYS,
    )


# --------------------------------------------------------------------------- pubs list


def assets_from_pubs_tsv(
    path: PathArg,
    *,
    bbox_wgs84: tuple[float, float, float, float] | None = None,
    source: str = "osm_pubs",
) -> AssetRead:
    """Pubs from the GB pub-names list (tab-separated, no header).

    Columns: name as in OSM, normalised name, OSM id, latitude, longitude.
    Rows without coordinates (OSM ways in that list) are rejected as
    ``"no coordinates"``; rows listed twice (features on the England/Wales or
    England/Scotland border appear in both extracts) as ``"duplicate"``.
    """
    file = _as_path(path)
    records: list[dict[str, Any]] = []
    rejected: Counter[str] = Counter()
    rows_in = 0
    with file.open(encoding="utf-8-sig", newline="") as handle:
        for line_number, row in enumerate(
            csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=1
        ):
            if not row or not any(cell.strip() for cell in row):
                continue
            rows_in += 1
            if len(row) < 5:
                raise SchemaError(
                    f"{file} line {line_number} has {len(row)} columns; the pubs list has 5 "
                    "(name, normalised name, OSM id, latitude, longitude)."
                )
            name, normalised, osm_id, lat, lon = (cell.strip() for cell in row[:5])
            lat_f, lon_f = to_float(lat), to_float(lon)
            geometry = None if lat_f != lat_f or lon_f != lon_f else Point(lon_f, lat_f)
            # the list does not record whether the id is a node or a way: "pub"
            # stands in for the element type
            records.append(
                {
                    "asset_id": f"osm:pub/{osm_id}" if osm_id else f"{source}:{line_number}",
                    "name": name,
                    "category": "pub",
                    "source": source,
                    "address": "",
                    "capacity": float("nan"),
                    "tags": tags_json(
                        {
                            "name": name,
                            "normalised_name": normalised,
                            "osm_id": osm_id,
                            "lat": lat,
                            "lon": lon,
                        }
                    ),
                    "geometry": geometry,
                }
            )
    if rows_in == 0:
        raise SchemaError(f"{file} has no rows.")
    result = finish_assets(
        records, crs="EPSG:4326", rows_in=rows_in, rejected=rejected, bbox_wgs84=bbox_wgs84
    )
    if result.rejected.get(NO_COORDINATES):
        log.info("%s: %d pubs without coordinates", file.name, result.rejected[NO_COORDINATES])
    return result
