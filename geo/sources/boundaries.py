"""Area geometries: LSOA 2021 polygons, local authority polygons, LSOA centroids.

Methods
-------
Sources are read with pyogrio (GDAL) from a path, or from the raw ``bytes`` of
a download, or from a GeoJSON answer already parsed into a ``dict`` (or a list
of such pages). Gzip-compressed files (``.geojson.gz``) are recognised by their
magic bytes and decompressed in memory (pyogrio does not detect a bare ``.gz``);
GeoParquet files (the built-in demo's) are read with geopandas.
Small GeoJSON answers (under 2 MB, e.g. one region's ArcGIS pages) are parsed in
Python, which catches ArcGIS error bodies and empty answers; larger files go to
GDAL. The whole layer is read once and filtered by code in memory: GDAL's
GeoJSON driver parses the entire file even with an attribute filter, so a
``where`` clause saves nothing, while projecting and repairing only the
selected areas does. Measured on the national 35,672-polygon layer
(``boundaries_lsoa21.geojson.gz``, 2.4 MB gzip / 17 MB): all areas ≈ 2.0 s,
one local authority's areas ≈ 1.0 s.

Columns are found by name (case-insensitive): the ONS names (``LSOA21CD``,
``LSOA21NM``, ``LAD24CD``/``LAD24NM`` or any other year — the latest wins),
geographr's (``lsoa21_code``, ``ltla24_code``…) and Trafford Data Lab's
harmonised ``area_code``/``area_name``.

Every output is in British National Grid (EPSG:27700). A layer without a CRS
is taken to be WGS84 longitude/latitude when its coordinates fit that range
(GeoJSON's default), British National Grid when they fit that one, and is
rejected otherwise. Invalid polygons are repaired with
:func:`shapely.make_valid`, keeping only their polygonal parts (a repaired
bow-tie can carry stray lines or points, which are dropped).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.errors import DataSourceError, SchemaError
from geo.sources.tables import (
    Alias,
    Source,
    check_unique,
    clean_codes,
    find_columns,
    read_table,
    source_name,
    valid_code_list,
)

logger = logging.getLogger(__name__)

CRS = "EPSG:27700"

_GZIP_MAGIC = b"\x1f\x8b"
_PARSE_JSON_BELOW = 2 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"

_LSOA_SPEC: dict[str, list[Alias]] = {
    "code": ["LSOA21CD", "lsoa21_code", "lsoa21cd", "area_code", "LSOA code (2021)", "code"],
    "name": ["LSOA21NM", "lsoa21_name", "lsoa21nm", "area_name", "LSOA name (2021)", "name"],
}
_LSOA_WHAT = (
    "LSOA 2021 boundaries: polygons with the LSOA code (LSOA21CD) and name (LSOA21NM), as "
    "published by the ONS Open Geography Portal"
)

_LAD_SPEC: dict[str, list[Alias]] = {
    "code": [
        re.compile(r"lad\d{2}cd"),
        re.compile(r"ltla\d{2}_code"),
        re.compile(r"ltla\d{2}cd"),
        "lad_code",
        "area_code",
        "code",
    ],
    "name": [
        re.compile(r"lad\d{2}nm"),
        re.compile(r"ltla\d{2}_name"),
        re.compile(r"ltla\d{2}nm"),
        "lad_name",
        "area_name",
        "name",
    ],
}
_LAD_WHAT = (
    "local authority district boundaries: polygons with the LAD code and name (e.g. "
    "LAD24CD, LAD24NM), as published by the ONS Open Geography Portal"
)

_CENTROID_SPEC: dict[str, list[Alias]] = {
    "code": ["LSOA21CD", "lsoa21_code", "lsoa21cd", "LSOACD", "lsoa_code", "area_code", "code"],
    "x": ["X", "x", "BNG_E", "easting", "x_coordinate"],
    "y": ["Y", "y", "BNG_N", "northing", "y_coordinate"],
    "lon": ["long", "longitude", "lon", "lng", "LONG"],
    "lat": ["lat", "latitude", "LAT"],
}
_CENTROID_WHAT = (
    "LSOA 2021 population-weighted centroids: points with LSOA21CD (the ONS shapefile or "
    "GeoJSON), or a CSV with LSOA21CD and X/Y (British National Grid) or latitude/longitude "
    "columns"
)

# Plausible coordinate ranges for Great Britain.
_LON = (-8.7, 1.8)
_LAT = (49.8, 60.9)
_BNG_X = (0.0, 700_000.0)
_BNG_Y = (0.0, 1_300_000.0)


# --------------------------------------------------------------------------
# Reading vector sources
# --------------------------------------------------------------------------


def _vector_input(source: Source, what: str) -> tuple[Any, str]:
    """What pyogrio can open for ``source``, and the source's name."""
    name = source_name(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            raise DataSourceError(f"File {path} does not exist.")
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head[:2] == _GZIP_MAGIC:
            # pyogrio cannot detect a bare .gz; decompress in memory (fast: ~0.1 s for 17 MB).
            return gzip.decompress(path.read_bytes()), name
        return str(path), name
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        if data[:2] == _GZIP_MAGIC:
            data = gzip.decompress(data)
        return data, name
    if isinstance(source, dict | list):
        return source, name
    raise TypeError(f"Cannot read {what} from a {type(source).__name__}.")


def _check_json_answer(obj: Any, name: str) -> None:
    pages = obj if isinstance(obj, list) else [obj]
    for page in pages:
        if isinstance(page, dict) and "error" in page:
            raise DataSourceError(f"{name}: the server answered with an error: {page['error']!r}.")


def _read_geoparquet(source: Source, name: str) -> gpd.GeoDataFrame | None:
    """The layer when ``source`` is a GeoParquet file (or its bytes), else ``None``."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            return None
        with open(path, "rb") as fh:
            if fh.read(4) != _PARQUET_MAGIC:
                return None
        data = path.read_bytes()
    elif isinstance(source, bytes | bytearray) and bytes(source[:4]) == _PARQUET_MAGIC:
        data = bytes(source)
    else:
        return None
    try:
        return gpd.read_parquet(io.BytesIO(data))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{name} cannot be read as GeoParquet: {exc}.") from exc


def _read_vector(source: Source, what: str) -> tuple[gpd.GeoDataFrame, str]:
    parquet = _read_geoparquet(source, source_name(source))
    if parquet is not None:
        return parquet, source_name(source)
    data, name = _vector_input(source, what)
    if isinstance(data, bytes):
        stripped = data.lstrip()[:1]
        small = len(data) <= _PARSE_JSON_BELOW
        if stripped == b"[" or (stripped == b"{" and (small or b'"error"' in data[:2048])):
            # Small answers (ArcGIS pages for one region), lists of pages and error
            # bodies are parsed here: errors are caught, empty answers are fine and
            # only a *named* "crs" member is honoured. Large files go to GDAL,
            # which is ~4x faster than building shapely objects from Python dicts.
            try:
                data = json.loads(data)
            except json.JSONDecodeError as exc:
                raise SchemaError(f"{name} looks like JSON but cannot be parsed: {exc}.") from None
    if isinstance(data, dict | list):
        _check_json_answer(data, name)
        pages = data if isinstance(data, list) else [data]
        features: list[dict] = []
        for page in pages:
            if "features" not in page:
                raise SchemaError(
                    f"{name}: a GeoJSON answer must have a 'features' list; found keys "
                    f"{sorted(page)}. It should be {what}."
                )
            features.extend(page["features"])
        crs = _geojson_crs(pages[0])
        if not features:
            frame = gpd.GeoDataFrame({"geometry": gpd.GeoSeries([], crs=crs)}, crs=crs)
        else:
            frame = gpd.GeoDataFrame.from_features(features, crs=crs)
        return frame, name
    try:
        frame = pyogrio.read_dataframe(data if isinstance(data, str) else io.BytesIO(data))
    except pyogrio.errors.DataSourceError as exc:
        raise SchemaError(
            f"{name} cannot be read as a vector layer ({exc}); it should be {what}."
        ) from exc
    return frame, name


def _geojson_crs(obj: dict) -> str | None:
    """The CRS a GeoJSON answer names, or None (then guessed from the coordinates).

    Only a *named* CRS (``{"type": "name", ...}``) or an ArcGIS
    ``spatialReference`` wkid is read; links are never followed.
    """
    ref = obj.get("spatialReference") or {}
    wkid = ref.get("latestWkid") or ref.get("wkid")
    if wkid:
        return f"EPSG:{int(wkid)}"
    member = obj.get("crs") or {}
    if isinstance(member, dict) and member.get("type") == "name":
        text = str((member.get("properties") or {}).get("name", ""))
        if text.upper().endswith("CRS84"):
            return "EPSG:4326"
        match = re.search(r"EPSG:+(\d+)$", text, flags=re.I)
        if match:
            return f"EPSG:{match.group(1)}"
    return None


def _to_bng(frame: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Project to EPSG:27700, guessing a missing CRS from the coordinate range."""
    if frame.crs is None:
        if frame.empty:
            return frame.set_crs(CRS)
        minx, miny, maxx, maxy = frame.total_bounds
        if (
            _LON[0] - 1 <= minx
            and maxx <= _LON[1] + 1
            and _LAT[0] - 1 <= miny <= maxy <= _LAT[1] + 1
        ):
            frame = frame.set_crs("EPSG:4326")
            logger.info("%s has no CRS; coordinates look like longitude/latitude (WGS84).", name)
        elif _BNG_X[0] <= minx and maxx <= _BNG_X[1] and _BNG_Y[0] <= miny <= maxy <= _BNG_Y[1]:
            frame = frame.set_crs(CRS)
            logger.info("%s has no CRS; coordinates look like British National Grid.", name)
        else:
            raise SchemaError(
                f"{name} has no coordinate reference system and its coordinates "
                f"({minx:.1f}, {miny:.1f}) – ({maxx:.1f}, {maxy:.1f}) are neither longitude/"
                "latitude in Great Britain nor British National Grid metres. Save it with a CRS."
            )
    if frame.crs.to_epsg() != 27700:
        frame = frame.to_crs(CRS)
    return frame


def polygonal(geometries: Any) -> np.ndarray:
    """Repair invalid geometries with :func:`shapely.make_valid`, keeping polygonal parts.

    Parameters
    ----------
    geometries
        Array-like of shapely geometries.

    Returns
    -------
    numpy.ndarray
        Geometries that are valid Polygons or MultiPolygons (or None where no
        polygonal part survived). Valid inputs are returned unchanged.
    """
    geoms = np.asarray(geometries, dtype=object).copy()
    present = ~shapely.is_missing(geoms)
    bad = np.flatnonzero(present & ~shapely.is_valid(geoms))
    if len(bad) == 0:
        return geoms
    fixed = shapely.make_valid(geoms[bad])
    for pos, geom in zip(bad, fixed, strict=True):
        geoms[pos] = _keep_polygons(geom)
    return geoms


def _keep_polygons(geom: shapely.Geometry) -> shapely.Geometry | None:
    kind = shapely.get_type_id(geom)
    if kind in (3, 6):  # Polygon, MultiPolygon
        return geom
    parts = shapely.get_parts(geom)
    polys: list[shapely.Geometry] = []
    for part in parts:
        part_kind = shapely.get_type_id(part)
        if part_kind == 3:
            polys.append(part)
        elif part_kind == 6:
            polys.extend(shapely.get_parts(part))
        elif part_kind == 7:
            inner = _keep_polygons(part)
            if inner is not None:
                polys.extend(shapely.get_parts(inner))
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


def _select(
    frame: pd.DataFrame, code_col: str, codes: Sequence[str] | None, name: str, what: str
) -> tuple[pd.DataFrame, list[str]]:
    if codes is None:
        return frame, []
    wanted = valid_code_list(codes)
    keep = frame[code_col].isin(wanted)
    missing = sorted(set(wanted) - set(frame.loc[keep, code_col]))
    if missing:
        logger.warning(
            "%s: %d of %d requested %s not found, e.g. %s",
            name,
            len(missing),
            len(set(wanted)),
            what,
            ", ".join(missing[:5]),
        )
    return frame.loc[keep], missing


def _areas(
    source: Source,
    codes: Sequence[str] | None,
    *,
    spec: dict[str, list[Alias]],
    what: str,
    index: str,
    name_col: str,
    kind: str,
) -> gpd.GeoDataFrame:
    raw, name = _read_vector(source, what)
    raw.attrs["source"] = name
    cols = find_columns(raw, spec, required=["code"], what=what, source=name)
    frame = pd.DataFrame(
        {
            index: clean_codes(raw[cols["code"]]),
            name_col: (
                raw[cols["name"]].astype("str").str.strip().where(raw[cols["name"]].notna())
                if "name" in cols
                else pd.Series(pd.NA, index=raw.index, dtype="str")
            ),
        },
        index=raw.index,
    )
    gdf = gpd.GeoDataFrame(frame, geometry=raw.geometry.values, crs=raw.crs)
    gdf = gdf[gdf[index].notna()]
    gdf, missing = _select(gdf, index, codes, name, kind)
    check_unique(gdf[index], source=name, what=kind)
    gdf = _to_bng(gdf, name)
    gdf = gdf.set_geometry(polygonal(gdf.geometry.values), crs=CRS)
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        logger.warning("%s: %d %s have no polygon and are dropped.", name, int(empty.sum()), kind)
        gdf = gdf[~empty]
    out = gdf.set_index(index)
    out.attrs = {"source": name, "missing_codes": missing}
    return out


# --------------------------------------------------------------------------
# Public loaders
# --------------------------------------------------------------------------


def read_lsoa21_boundaries(
    source: Source, *, codes: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """Read LSOA 2021 polygons.

    Accepts the ONS boundary layers (``LSOA21CD``, ``LSOA21NM``; the ArcGIS
    GeoJSON answer or files split by local authority), the national geographr
    layer (``lsoa21_code``, ``lsoa21_name``; also gzip-compressed) and Trafford
    Data Lab's files (``area_code``, ``area_name``).

    Parameters
    ----------
    source
        Path (``.geojson``, ``.geojson.gz``, ``.gpkg``, ``.shp``…), bytes, or
        a parsed GeoJSON ``dict``.
    codes
        Keep only these LSOA codes. Codes not in the file are listed in
        ``attrs["missing_codes"]`` (and logged), not raised.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``lsoa21cd``, column ``lsoa21nm``, polygons in EPSG:27700.

    Raises
    ------
    SchemaError
        When the code column is missing or a code appears twice.
    """
    return _areas(
        source,
        codes,
        spec=_LSOA_SPEC,
        what=_LSOA_WHAT,
        index="lsoa21cd",
        name_col="lsoa21nm",
        kind="LSOA",
    )


def read_lad_boundaries(source: Source, *, codes: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Read local authority district polygons.

    Accepts ONS layers (``LAD24CD``/``LAD24NM`` or any other year; the latest
    year wins when several are present), geographr's ``ltla24_code`` /
    ``ltla24_name`` and Trafford Data Lab's ``area_code``/``area_name``.

    Parameters
    ----------
    source
        Path, bytes, or a parsed GeoJSON ``dict``.
    codes
        Keep only these LAD codes (missing ones in ``attrs["missing_codes"]``).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``lad_code``, column ``lad_name``, polygons in EPSG:27700.
    """
    return _areas(
        source,
        codes,
        spec=_LAD_SPEC,
        what=_LAD_WHAT,
        index="lad_code",
        name_col="lad_name",
        kind="local authorities",
    )


def _is_tabular(source: Source) -> bool:
    if isinstance(source, str | os.PathLike):
        suffixes = [s.lower() for s in Path(source).suffixes]
        return ".csv" in suffixes or ".txt" in suffixes or ".tsv" in suffixes
    if isinstance(source, bytes | bytearray):
        head = bytes(source[:2])
        data = gzip.decompress(bytes(source)) if head == _GZIP_MAGIC else bytes(source)
        start = data.lstrip()[:1]
        return start not in (b"{", b"[") and data[:4] != _ZIP_MAGIC and b"\x00" not in data[:512]
    return False


def _in_range(x: pd.Series, y: pd.Series, xr: tuple[float, float], yr: tuple[float, float]) -> bool:
    return bool(x.between(*xr).all() and y.between(*yr).all())


def _points_from_table(source: Source) -> tuple[gpd.GeoSeries, pd.Series, str]:
    table = read_table(source, what=_CENTROID_WHAT)
    name = table.attrs["source"]
    cols = find_columns(table, _CENTROID_SPEC, required=["code"], what=_CENTROID_WHAT)
    codes = clean_codes(table[cols["code"]])

    def num(col: str) -> pd.Series:
        return pd.to_numeric(table[cols[col]].str.replace(",", ""), errors="coerce")

    if "x" in cols and "y" in cols:
        x, y = num("x"), num("y")
        ok = x.notna() & y.notna()
        if _in_range(x[ok], y[ok], _BNG_X, _BNG_Y) and x[ok].abs().max() > 180:
            crs = CRS
        elif _in_range(x[ok], y[ok], _LON, _LAT):
            crs = "EPSG:4326"
        elif _in_range(y[ok], x[ok], _LON, _LAT):
            logger.warning("%s: X/Y look like latitude/longitude swapped; swapping them.", name)
            x, y, crs = y, x, "EPSG:4326"
        else:
            raise SchemaError(
                f"{name}: X/Y are neither British National Grid metres (x 0–700,000, "
                "y 0–1,300,000) nor longitude/latitude in Great Britain."
            )
    elif "lon" in cols and "lat" in cols:
        x, y = num("lon"), num("lat")
        ok = x.notna() & y.notna()
        crs = "EPSG:4326"
        if not _in_range(x[ok], y[ok], _LON, _LAT) and _in_range(y[ok], x[ok], _LON, _LAT):
            logger.warning("%s: latitude and longitude look swapped; swapping them.", name)
            x, y = y, x
    else:
        from geo.sources.tables import missing_columns_error

        raise missing_columns_error(
            name,
            {"x/y or longitude/latitude": ["X", "Y", "latitude", "longitude"]},
            list(table.columns),
            _CENTROID_WHAT,
        )
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), index=table.index, crs=crs)
    points[~ok] = None
    return points, codes, name


def read_lsoa21_centroids(source: Source, *, codes: Sequence[str] | None = None) -> gpd.GeoSeries:
    """Read LSOA 2021 population-weighted centroids.

    Accepts the ONS shapefile (``LSOA_PopCentroids_EW_2021_V3.shp``, field
    ``LSOA21CD``, British National Grid), the ArcGIS GeoJSON answer (point
    geometry in WGS84), or a CSV with ``LSOA21CD`` and either ``X``/``Y``
    (British National Grid metres, as in ONS CSV exports) or
    latitude/longitude columns. Coordinates in a CSV are checked against Great
    Britain's ranges; swapped columns are detected, swapped back and logged.

    Parameters
    ----------
    source
        Path, bytes, or a parsed GeoJSON ``dict``.
    codes
        Keep only these LSOA codes (missing ones in ``attrs["missing_codes"]``).

    Returns
    -------
    geopandas.GeoSeries
        Points in EPSG:27700 indexed by ``lsoa21cd``.
    """
    if _is_tabular(source):
        points, code_values, name = _points_from_table(source)
    else:
        raw, name = _read_vector(source, _CENTROID_WHAT)
        raw.attrs["source"] = name
        cols = find_columns(raw, _CENTROID_SPEC, required=["code"], what=_CENTROID_WHAT)
        code_values = clean_codes(raw[cols["code"]])
        geoms = raw.geometry.values
        points = gpd.GeoSeries(geoms, index=raw.index, crs=raw.crs)
        kinds = points.geom_type.dropna().unique()
        if len(kinds) and set(kinds) - {"Point"}:
            # Polygons given where points were expected: use a point inside each.
            logger.warning("%s holds %s, not points: using a point inside each.", name, kinds)
            points = points.representative_point()
    frame = gpd.GeoDataFrame(
        {"lsoa21cd": code_values.values}, geometry=points.values, crs=points.crs
    )
    frame = frame[frame["lsoa21cd"].notna()]
    frame, missing = _select(frame, "lsoa21cd", codes, name, "LSOA centroids")
    check_unique(frame["lsoa21cd"], source=name, what="LSOA")
    frame = _to_bng(frame, name)
    series = frame.set_index("lsoa21cd").geometry
    series.name = "geometry"
    series.attrs = {"source": name, "missing_codes": missing}
    return series
