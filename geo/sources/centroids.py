"""LSOA 2021 population-weighted centroids, from a points layer or a CSV of coordinates."""

from __future__ import annotations

import gzip
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.constants import BNG_CRS, BNG_X, BNG_Y, UK_LAT, UK_LON
from geo.errors import SchemaError
from geo.sources.tables import (
    Alias,
    Source,
    check_unique,
    clean_codes,
    find_columns,
    read_table,
)
from geo.sources.vectorfiles import GZIP_MAGIC, ZIP_MAGIC, read_vector, select_codes, to_bng

logger = logging.getLogger(__name__)

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


def _is_tabular(source: Source) -> bool:
    if isinstance(source, str | os.PathLike):
        suffixes = [s.lower() for s in Path(source).suffixes]
        return ".csv" in suffixes or ".txt" in suffixes or ".tsv" in suffixes
    if isinstance(source, bytes | bytearray):
        head = bytes(source[:2])
        data = gzip.decompress(bytes(source)) if head == GZIP_MAGIC else bytes(source)
        start = data.lstrip()[:1]
        return start not in (b"{", b"[") and data[:4] != ZIP_MAGIC and b"\x00" not in data[:512]
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
        if _in_range(x[ok], y[ok], BNG_X, BNG_Y) and x[ok].abs().max() > 180:
            crs = BNG_CRS
        elif _in_range(x[ok], y[ok], UK_LON, UK_LAT):
            crs = "EPSG:4326"
        elif _in_range(y[ok], x[ok], UK_LON, UK_LAT):
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
        if not _in_range(x[ok], y[ok], UK_LON, UK_LAT) and _in_range(y[ok], x[ok], UK_LON, UK_LAT):
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

    ``source`` and ``codes`` are as for
    :func:`~geo.sources.boundaries.read_lsoa21_boundaries` (a path, bytes or
    parsed GeoJSON; the LSOA codes to keep, missing ones listed in
    ``attrs["missing_codes"]``). Returns a GeoSeries of points in EPSG:27700
    indexed by ``lsoa21cd``.
    """
    if _is_tabular(source):
        points, code_values, name = _points_from_table(source)
    else:
        raw, name = read_vector(source, _CENTROID_WHAT)
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
    frame, missing = select_codes(frame, "lsoa21cd", codes, name, "LSOA centroids")
    check_unique(frame["lsoa21cd"], source=name, what="LSOA")
    frame = to_bng(frame, name)
    series = frame.set_index("lsoa21cd").geometry
    series.name = "geometry"
    series.attrs = {"source": name, "missing_codes": missing}
    return series
