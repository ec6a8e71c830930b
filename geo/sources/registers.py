"""Community assets from registers that are not OpenStreetMap.

Councils, the NHS, Sport England, the Ordnance Survey and charities publish
lists of libraries, places of worship, GP practices, sports facilities, green
spaces, food banks and warm spaces as CSV/TSV tables or vector files
(GeoJSON, GeoPackage, shapefile).  Two readers turn any of them into the
standard asset frame (see :mod:`geo.sources.assetfiles`):

* :func:`assets_from_table` for CSV/TSV with coordinate columns (lon/lat or
  British National Grid easting/northing);
* :func:`assets_from_vector` for files with geometries (points, or polygons,
  which become a point inside them).

:func:`assets_from_spec` reads one asset file described by a mapping (a table
of a sources TOML file), for every asset format the atlas knows, OSM ones
included; ``asset_parquet`` reads a standard asset frame saved as GeoParquet
(the built-in demo's).

Finding columns
---------------
Columns are matched by name, ignoring case, spaces and underscores.  When not
given: the name is the first of ``name, site_name, distname, library_name,
venue_name, venue, title, organisation_name``; lon/lat are ``lon/long/
longitude/lng`` and ``lat/latitude``; British National Grid is ``easting/
northing``; columns called ``x``/``y`` are read as lon/lat when their values
fit degrees and as easting/northing otherwise.  The address is made of the
columns ``address, address1..3, street, town, city, postcode`` that exist
(parts already contained in earlier ones are skipped); ``capacity`` is used
when there is such a column.  A file without a name column takes the name from
the first part of the address (before a comma or ``<br>``).  Names such as
``Unknown`` or ``NA`` become ``""``; HTML line breaks and entities in text are
turned into plain text.

Categories
----------
Either fixed (``category="library"``) or taken from a column
(``category_column``) through ``category_map`` (column value -> taxonomy key;
a value missing from the map, or mapped to ``""``/``None``, drops the row as
``"category not mapped"``).  Without a map, column values must be taxonomy
keys themselves.

Examples of maps for real registers
-----------------------------------
OS Open Greenspace ``site_type`` (:data:`GREENSPACE_SITE_TYPES`), Sport
England Active Places ``facility_type`` (:data:`ACTIVE_PLACES_FACILITY_TYPES`).
Care-home lists (CQC) are not community assets for the atlas and have no
category: leave them out of the sources file.
"""

from __future__ import annotations

import html
import inspect
import io
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point

from geo.constants import BNG_BOUNDS
from geo.errors import ConfigError, DataSourceError, SchemaError
from geo.sources.assetfiles import (
    CATEGORY_NOT_MAPPED,
    UK_BOUNDS_WGS84,
    AssetRead,
    assets_from_asset_parquet,
    clean_text,
    finish_assets,
    tags_json,
    to_float,
)
from geo.sources.national_registers import (
    EPRACCUR_FORMAT,
    LIBRARIES_FORMAT,
    assets_from_epraccur,
    assets_from_libraries_basic,
)
from geo.sources.osm import (
    assets_from_geofabrik_shp_zip,
    assets_from_osm_geojson,
    assets_from_osm_pbf,
    assets_from_overpass_json,
    assets_from_pubs_tsv,
    geojson_crs,
    inspect_zip,
)
from geo.sources.taxonomy import CATEGORY_KEYS, get_category

log = logging.getLogger(__name__)

__all__ = [
    "ACTIVE_PLACES_FACILITY_TYPES",
    "GREENSPACE_SITE_TYPES",
    "SPEC_FORMATS",
    "assets_from_spec",
    "assets_from_table",
    "assets_from_vector",
]

PathArg = str | PathLike[str]

#: OS Open Greenspace ``site_type`` -> category (others, e.g. Cemetery,
#: Religious Grounds, Golf Course, Play Space, are not mapped).
GREENSPACE_SITE_TYPES: dict[str, str] = {
    "Public Park Or Garden": "park",
    "Allotments Or Community Growing Spaces": "community_garden",
    "Playing Field": "sports_leisure",
    "Other Sports Facility": "sports_leisure",
}

#: Sport England Active Places ``facility_type`` -> category.
ACTIVE_PLACES_FACILITY_TYPES: dict[str, str] = {
    "Sports halls": "sports_leisure",
    "Swimming pools": "sports_leisure",
    "Health and fitness gym stations": "sports_leisure",
    "Studios": "sports_leisure",
    "Grass pitches": "sports_leisure",
    "Artificial grass pitches": "sports_leisure",
    "Outdoor tennis courts": "sports_leisure",
    "Indoor tennis courts": "sports_leisure",
    "Squash courts": "sports_leisure",
    "Athletics": "sports_leisure",
    "Ice rinks": "sports_leisure",
    "Indoor bowls": "sports_leisure",
    "Golf": "sports_leisure",
    "Ski slopes": "sports_leisure",
    "Cycling": "sports_leisure",
}

NAME_CANDIDATES = (
    "name",
    "site_name",
    "distname",
    "library_name",
    "venue_name",
    "venue",
    "title",
    "organisation_name",
)
LON_CANDIDATES = ("lon", "long", "longitude", "lng")
LAT_CANDIDATES = ("lat", "latitude")
EASTING_CANDIDATES = ("easting", "eastings")
NORTHING_CANDIDATES = ("northing", "northings")
ADDRESS_CANDIDATES = (
    "address",
    "address1",
    "address2",
    "address3",
    "street",
    "town",
    "city",
    "postcode",
)
CAPACITY_CANDIDATES = ("capacity",)
NA_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "unknown", "unnamed", "-"})


# --------------------------------------------------------------------------- text helpers


def _norm(column: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(column)).casefold()


def _plain(value: object) -> str:
    """Text without HTML line breaks, tags or entities; ``""`` for missing."""
    text = clean_text(value)
    if not text:
        return ""
    if "<" in text:
        text = re.sub(r"(?i)<br\s*/?>", ", ", text)
        text = re.sub(r"<[^>]*>", " ", text)
    text = html.unescape(text)
    text = " ".join(text.split())
    text = re.sub(r"\s+,", ",", text)
    text = re.sub(r",(\s*,)+", ",", text)
    return text.strip(" ,")


def _name(value: object) -> str:
    text = _plain(value)
    return "" if text.casefold() in NA_TEXT else text


def _first_part(value: object) -> str:
    """The part of an address before the first comma or ``<br>``."""
    raw = clean_text(value)
    first = re.split(r"(?i),|<br\s*/?>", raw, maxsplit=1)[0]
    return _name(first)


def _join_address(parts: Sequence[object]) -> str:
    out: list[str] = []
    for part in parts:
        text = _plain(part)
        if not text or text.casefold() in NA_TEXT:
            continue
        if any(text.casefold() in previous.casefold() for previous in out):
            continue
        out.append(text)
    return ", ".join(out)


# --------------------------------------------------------------------------- columns


def _find_column(
    columns: Sequence[str],
    given: str | None,
    candidates: Sequence[str],
    what: str,
    file: Path,
) -> str | None:
    """The column called ``given`` (required) or the first candidate present."""
    lookup: dict[str, str] = {}
    for column in columns:
        lookup.setdefault(_norm(column), column)
    if given is not None:
        if given in columns:
            return given
        found = lookup.get(_norm(given))
        if found is None:
            raise SchemaError(
                f"{file.name} has no {what} column {given!r}. Its columns are: "
                f"{', '.join(map(str, columns))}."
            )
        return found
    for candidate in candidates:
        found = lookup.get(_norm(candidate))
        if found is not None:
            return found
    return None


def _category_resolver(
    category: str | None,
    category_column: str | None,
    category_map: Mapping[str, str | None] | None,
) -> Callable[[object], str | None]:
    if category is not None and category_column is not None:
        raise ConfigError("Give either category (fixed) or category_column, not both.")
    if category is not None:
        if category_map is not None:
            raise ConfigError("category_map is only used with category_column.")
        fixed = get_category(category).key
        return lambda _value: fixed
    if category_column is None:
        raise ConfigError(
            "Say which category the assets are: category='library' for the whole file, or "
            f"category_column= (with category_map=) per row. Categories: "
            f"{', '.join(CATEGORY_KEYS)}."
        )
    if category_map is None:
        keys = {k.casefold(): k for k in CATEGORY_KEYS}
        return lambda value: keys.get(clean_text(value).casefold())
    table: dict[str, str | None] = {}
    for raw, target in category_map.items():
        key = None if target in (None, "") else get_category(str(target)).key
        table[clean_text(raw).casefold()] = key
    return lambda value: table.get(clean_text(value).casefold())


# --------------------------------------------------------------------------- reading tables


def _decode(data: bytes, encoding: str | None, file: Path) -> tuple[str, list[str]]:
    """The text of a register, decoded as uploads are (``geo.uploads.sniff.detect_encoding``)."""
    from geo.errors import UploadError
    from geo.uploads.sniff import decode_text, detect_encoding

    if encoding is not None:
        try:
            return data.decode(encoding), []
        except (UnicodeDecodeError, LookupError) as exc:
            raise SchemaError(f"{file.name} cannot be read as {encoding}: {exc}") from exc
    try:
        found, how = detect_encoding(data)
    except UploadError as exc:
        raise SchemaError(f"{file.name}: {exc}") from None
    notes = [] if found in ("utf-8", "utf-8-sig") else [f"{file.name} was read as {how} [{found}]"]
    return decode_text(data, found), notes


def _sniff_sep(text: str, file: Path) -> str:
    """The delimiter, found as for uploads (:func:`geo.uploads.tables.sniff_delimiter`)."""
    from geo.uploads.tables import sniff_delimiter

    if file.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    return sniff_delimiter(text)


def _read_table(
    file: Path,
    *,
    sep: str | None,
    header: bool,
    columns: Sequence[str] | None,
    encoding: str | None,
) -> tuple[pd.DataFrame, list[str]]:
    text, notes = _decode(file.read_bytes(), encoding, file)
    separator = sep or _sniff_sep(text, file)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            header=0 if header else None,
            names=list(columns) if columns is not None else None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{file.name} is not a readable table: {exc}") from exc
    if not header and columns is None:
        frame.columns = [f"column_{i}" for i in range(1, frame.shape[1] + 1)]
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, notes


def _inside(x: np.ndarray, y: np.ndarray, bounds: tuple[float, float, float, float]) -> int:
    west, south, east, north = bounds
    return int(np.sum((x >= west) & (x <= east) & (y >= south) & (y <= north)))


def _table_points(
    frame: pd.DataFrame,
    file: Path,
    *,
    lon_column: str | None,
    lat_column: str | None,
    x_column: str | None,
    y_column: str | None,
) -> tuple[list[object], str, list[str]]:
    """Point per row (or ``None``), their CRS, and notes on assumptions."""
    cols = list(frame.columns)
    notes: list[str] = []

    def numbers(column: str) -> np.ndarray:
        return np.array([to_float(v) for v in frame[column].tolist()], dtype=float)

    lon = _find_column(cols, lon_column, LON_CANDIDATES, "longitude", file)
    lat = _find_column(cols, lat_column, LAT_CANDIDATES, "latitude", file)
    east = _find_column(cols, x_column, EASTING_CANDIDATES, "easting (x)", file)
    north = _find_column(cols, y_column, NORTHING_CANDIDATES, "northing (y)", file)
    crs = None
    if lon and lat:
        xs, ys, crs = numbers(lon), numbers(lat), "EPSG:4326"
    elif east and north:
        xs, ys, crs = numbers(east), numbers(north), "EPSG:27700"
    else:
        gx = _find_column(cols, None, ("x",), "x", file)
        gy = _find_column(cols, None, ("y",), "y", file)
        if gx and gy:
            xs, ys = numbers(gx), numbers(gy)
            finite = np.isfinite(xs) & np.isfinite(ys)
            degrees = bool(finite.any()) and bool(
                np.all(np.abs(xs[finite]) <= 180) and np.all(np.abs(ys[finite]) <= 90)
            )
            crs = "EPSG:4326" if degrees else "EPSG:27700"
            notes.append(
                f"{file.name}: read columns {gx}/{gy} as "
                + ("lon/lat degrees" if degrees else "British National Grid metres")
            )
    if crs is None:
        raise SchemaError(
            f"{file.name} has no coordinate columns: expected lon/lat (lon, long, longitude; "
            "lat, latitude) or easting/northing; name them with lon_column=/lat_column= or "
            f"x_column=/y_column=. Its columns are: {', '.join(cols)}."
        )
    bounds = UK_BOUNDS_WGS84 if crs == "EPSG:4326" else BNG_BOUNDS
    as_given, swapped = _inside(xs, ys, bounds), _inside(ys, xs, bounds)
    if swapped > as_given:
        xs, ys = ys, xs
        notes.append(
            f"{file.name}: the coordinate columns look swapped ({swapped} rows fall in the UK "
            f"when swapped, {as_given} as labelled); read them swapped"
        )
        log.warning(notes[-1])
    points: list[object] = [
        Point(x, y) if math.isfinite(x) and math.isfinite(y) else None
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
    ]
    return points, crs, notes


# --------------------------------------------------------------------------- shared assembly


def _assemble(
    attributes: pd.DataFrame,
    geometries: Sequence[object],
    crs: object,
    file: Path,
    *,
    source: str,
    category: str | None,
    category_column: str | None,
    category_map: Mapping[str, str | None] | None,
    name_column: str | None,
    address_columns: Sequence[str],
    capacity_column: str | None,
    id_column: str | None,
    bbox_wgs84: Sequence[float] | None,
    notes: Sequence[str],
) -> AssetRead:
    if not source or not str(source).strip():
        raise ConfigError("Every asset file needs a source key (e.g. source='gm_libraries').")
    cols = [str(c) for c in attributes.columns]
    if category is not None:
        resolve = _category_resolver(category, category_column, category_map)
        category_col = None
    else:
        category_col = (
            _find_column(cols, category_column, (), "category", file) if category_column else None
        )
        resolve = _category_resolver(None, category_col, category_map)
    name_col = _find_column(cols, name_column, NAME_CANDIDATES, "name", file)
    if address_columns:
        address_cols = [
            c for c in (_find_column(cols, a, (), "address", file) for a in address_columns) if c
        ]
    else:
        wanted = {_norm(c) for c in ADDRESS_CANDIDATES}
        address_cols = [c for c in cols if _norm(c) in wanted]
    capacity_col = _find_column(cols, capacity_column, CAPACITY_CANDIDATES, "capacity", file)
    id_col = _find_column(cols, id_column, (), "id", file) if id_column else None

    rejected: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    rows = attributes.to_dict(orient="records")
    for number, (row, geometry) in enumerate(zip(rows, geometries, strict=True), start=1):
        cat = resolve(row.get(category_col) if category_col else None)
        if cat is None:
            rejected[CATEGORY_NOT_MAPPED] += 1
            continue
        if name_col is not None:
            name = _name(row.get(name_col))
        elif address_cols:
            name = _first_part(row.get(address_cols[0]))
        else:
            name = ""
        if id_col is not None:
            ident = clean_text(row.get(id_col))
            if re.fullmatch(r"-?\d+\.0", ident):  # an integer id stored as float
                ident = ident[:-2]
            asset_id = f"{source}:{ident}" if ident else f"{source}:row{number}"
        else:
            asset_id = f"{source}:{number}"
        records.append(
            {
                "asset_id": asset_id,
                "name": name,
                "category": cat,
                "source": source,
                "address": _join_address([row.get(c) for c in address_cols]),
                "capacity": to_float(row.get(capacity_col)) if capacity_col else math.nan,
                "tags": tags_json(row),
                "geometry": geometry,
            }
        )
    return finish_assets(
        records,
        crs=crs,
        rows_in=len(rows),
        rejected=rejected,
        bbox_wgs84=bbox_wgs84,
        notes=notes,
    )


def _existing(path: PathArg) -> Path:
    file = Path(path)
    if not file.is_file():
        raise DataSourceError(f"Asset file {file} not found (or not a file).")
    return file


def assets_from_table(
    path: PathArg,
    *,
    source: str,
    category: str | None = None,
    category_column: str | None = None,
    category_map: Mapping[str, str | None] | None = None,
    name_column: str | None = None,
    lon_column: str | None = None,
    lat_column: str | None = None,
    x_column: str | None = None,
    y_column: str | None = None,
    address_columns: Sequence[str] = (),
    capacity_column: str | None = None,
    id_column: str | None = None,
    bbox_wgs84: Sequence[float] | None = None,
    sep: str | None = None,
    header: bool = True,
    columns: Sequence[str] | None = None,
    encoding: str | None = None,
) -> AssetRead:
    """Assets from a CSV/TSV register with coordinate columns.

    Parameters
    ----------
    path
        The table.  Read as UTF-8 (with or without BOM), falling back to
        Windows-1252; every cell is read as text (codes keep leading zeros;
        ``NA`` and blanks count as missing numbers).
    source
        Source key, used in ``source`` and ``asset_id`` (``<source>:<row>``,
        rows numbered from 1 after the header, or ``<source>:<id>`` with
        ``id_column``).
    category, category_column, category_map
        Fixed category, or a column and a map of its values (module docstring).
    name_column, address_columns, capacity_column
        Override the columns found by name.
    lon_column, lat_column
        Longitude/latitude columns (degrees, WGS84).
    x_column, y_column
        Easting/northing columns (British National Grid metres); used when
        there are no lon/lat columns.
    id_column
        A column identifying each asset.  Rows repeating an id (e.g. one row
        per facility of a sports site) are kept once and counted as
        ``"duplicate"``.
    bbox_wgs84
        ``(west, south, east, north)``: keep only assets inside it.
    sep, header, columns, encoding
        How to parse the file: separator (sniffed when ``None``; ``.tsv`` is
        tab), whether the first line is a header, column names for a file
        without one, text encoding.

    Notes
    -----
    Swapped coordinate columns (latitudes in the longitude column) are
    detected by which reading puts more rows in the UK, read swapped, and
    reported in ``notes``.
    """
    file = _existing(path)
    frame, notes = _read_table(file, sep=sep, header=header, columns=columns, encoding=encoding)
    points, crs, point_notes = _table_points(
        frame,
        file,
        lon_column=lon_column,
        lat_column=lat_column,
        x_column=x_column,
        y_column=y_column,
    )
    return _assemble(
        frame,
        points,
        crs,
        file,
        source=source,
        category=category,
        category_column=category_column,
        category_map=category_map,
        name_column=name_column,
        address_columns=address_columns,
        capacity_column=capacity_column,
        id_column=id_column,
        bbox_wgs84=bbox_wgs84,
        notes=[*notes, *point_notes],
    )


# --------------------------------------------------------------------------- vector files

_VECTOR_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb")


def _vector_path(file: Path, layer: str | None) -> tuple[str, str | None]:
    """The path pyogrio should open, and the layer inside it."""
    if file.suffix.lower() != ".zip":
        if file.suffix.lower() in (".geojson", ".json"):
            _check_geojson_crs(file)
        return str(file), layer
    members = inspect_zip(file)
    candidates = [
        info.filename
        for info in members
        if PurePosixPath(info.filename).suffix.lower() in _VECTOR_SUFFIXES and not info.is_dir()
    ]
    if layer is not None:
        matching = [m for m in candidates if PurePosixPath(m).stem == layer or m == layer]
        if matching:
            return f"/vsizip/{file.resolve()}/{matching[0]}", None
    if len(candidates) != 1:
        raise SchemaError(
            f"{file.name} holds {len(candidates)} vector files "
            f"({', '.join(candidates) or 'none'}); name the one to read with layer=."
        )
    return f"/vsizip/{file.resolve()}/{candidates[0]}", layer


def _check_geojson_crs(file: Path) -> None:
    """Refuse linked CRSs (GDAL would fetch them); check named ones are supported."""
    with file.open("rb") as handle:
        head = handle.read(1 << 20).decode("utf-8", "replace")
    found = re.search(r'"crs"\s*:\s*(\{.*?\}\s*\})', head, re.S)
    if not found:
        return
    try:
        member = json.loads(found.group(1))
    except json.JSONDecodeError:
        if '"link"' in found.group(1):
            raise SchemaError(f"{file.name} has a linked 'crs' member; remove it.") from None
        return
    geojson_crs({"crs": member})


def _guess_crs(frame: Any, file: Path) -> tuple[str, str]:
    bounds = frame.total_bounds
    if (
        np.all(np.isfinite(bounds))
        and max(abs(bounds[0]), abs(bounds[2])) <= 180
        and max(abs(bounds[1]), abs(bounds[3])) <= 90
    ):
        return "EPSG:4326", f"{file.name} has no CRS; its coordinates fit lon/lat degrees"
    return "EPSG:27700", f"{file.name} has no CRS; read it as British National Grid metres"


def assets_from_vector(
    path: PathArg,
    *,
    source: str,
    category: str | None = None,
    category_column: str | None = None,
    category_map: Mapping[str, str | None] | None = None,
    name_column: str | None = None,
    address_columns: Sequence[str] = (),
    capacity_column: str | None = None,
    id_column: str | None = None,
    layer: str | None = None,
    bbox_wgs84: Sequence[float] | None = None,
) -> AssetRead:
    """Assets from a GeoJSON, GeoPackage or shapefile (also a zipped one).

    Points are used as they are; polygons and lines become a point inside
    them (``representative_point`` in EPSG:27700).  GeoJSON is lon/lat (an
    old-style ``crs`` member naming CRS84 means the same); other files are
    converted from the CRS they declare.  Options are those of
    :func:`assets_from_table`, plus ``layer`` for a GeoPackage or a zip with
    several files.  Features without geometry are rejected as
    ``"no coordinates"``.
    """
    import pyogrio  # imported late: the app configures GDAL before first use

    file = _existing(path)
    target, layer_name = _vector_path(file, layer)
    try:
        frame = pyogrio.read_dataframe(target, layer=layer_name)
    except Exception as exc:  # pyogrio's errors are not one hierarchy
        raise DataSourceError(f"Cannot read {file.name} as a vector file: {exc}") from exc
    notes: list[str] = []
    crs: object = frame.crs
    if crs is None:
        crs, note = _guess_crs(frame, file)
        notes.append(note)
        log.warning(note)
    geometries = list(frame.geometry.values)
    geometries = [None if g is None or shapely.is_empty(g) else g for g in geometries]
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return _assemble(
        attributes,
        geometries,
        crs,
        file,
        source=source,
        category=category,
        category_column=category_column,
        category_map=category_map,
        name_column=name_column,
        address_columns=address_columns,
        capacity_column=capacity_column,
        id_column=id_column,
        bbox_wgs84=bbox_wgs84,
        notes=notes,
    )


# --------------------------------------------------------------------------- sources files


def _read_overpass_file(
    path: PathArg, *, source: str = "osm_overpass", bbox_wgs84: Sequence[float] | None = None
) -> AssetRead:
    file = _existing(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{file.name} is not Overpass JSON: {exc}") from exc
    return assets_from_overpass_json(data, source=source, bbox_wgs84=bbox_wgs84)  # type: ignore[arg-type]  # checked there


#: ``format`` value -> reader.
SPEC_FORMATS: dict[str, Callable[..., AssetRead]] = {
    "overpass_json": _read_overpass_file,
    "osm_pbf": assets_from_osm_pbf,
    "geofabrik_shp_zip": assets_from_geofabrik_shp_zip,
    "osm_geojson": assets_from_osm_geojson,
    "pubs_tsv": assets_from_pubs_tsv,
    "table": assets_from_table,
    "vector": assets_from_vector,
    "asset_parquet": assets_from_asset_parquet,
    LIBRARIES_FORMAT: assets_from_libraries_basic,
    EPRACCUR_FORMAT: assets_from_epraccur,
}

#: Keys a spec may carry for people, ignored by the readers.
SPEC_METADATA_KEYS = frozenset(
    {"title", "description", "licence", "license", "attribution", "url", "vintage", "notes"}
)


def assets_from_spec(
    spec: Mapping[str, Any],
    *,
    base_dir: PathArg,
    bbox_wgs84: Sequence[float] | None = None,
) -> AssetRead:
    """Read the asset file a spec describes.

    ``spec["format"]`` is one of :data:`SPEC_FORMATS`; ``spec["path"]`` is
    relative to ``base_dir``; the other keys are the reader's keyword options
    (``source``, ``category``, ``category_map``, ``name_column``...), plus
    free-text keys of :data:`SPEC_METADATA_KEYS`.  ``bbox_wgs84`` given here
    overrides one in the spec.

    Example (TOML)::

        [[assets]]
        format = "table"
        path = "community_assets/gm_libraries.csv"
        source = "gm_libraries"
        category = "library"
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(f"An asset spec must be a table of options, got {spec!r}.")
    fmt = spec.get("format")
    if fmt not in SPEC_FORMATS:
        raise ConfigError(
            f"Asset spec format {fmt!r} is not known; use one of {', '.join(SPEC_FORMATS)}."
        )
    if not spec.get("path"):
        raise ConfigError(f"Asset spec {dict(spec)!r} has no path.")
    reader = SPEC_FORMATS[fmt]
    accepted = {
        name
        for name, p in inspect.signature(reader).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    options = {
        k: v for k, v in spec.items() if k not in ("format", "path") and k not in SPEC_METADATA_KEYS
    }
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ConfigError(
            f"Asset spec for {spec['path']!r} ({fmt}) has unknown option(s) "
            f"{', '.join(unknown)}; accepted: {', '.join(sorted(accepted))}."
        )
    for key in ("address_columns", "columns", "bbox_wgs84"):
        if isinstance(options.get(key), list):
            options[key] = tuple(options[key])
    if bbox_wgs84 is not None:
        options["bbox_wgs84"] = tuple(bbox_wgs84)
    file = Path(base_dir) / str(spec["path"])
    if not file.is_file():
        raise DataSourceError(
            f"Asset file {file} (from spec path {spec['path']!r}) not found; check the path "
            "in the sources file and the data folder."
        )
    result = reader(file, **options)
    log.info("%s: %s", spec["path"], result.summary())
    return result
