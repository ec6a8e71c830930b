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

import logging
import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.constants import BNG_CRS
from geo.sources.centroids import read_lsoa21_centroids
from geo.sources.tables import (
    Alias,
    Source,
    check_unique,
    clean_codes,
    find_columns,
    lad_aliases,
)
from geo.sources.vectorfiles import read_vector, select_codes, to_bng

logger = logging.getLogger(__name__)

CRS = BNG_CRS


_LSOA_SPEC: dict[str, list[Alias]] = {
    "code": ["LSOA21CD", "lsoa21_code", "lsoa21cd", "area_code", "LSOA code (2021)", "code"],
    "name": ["LSOA21NM", "lsoa21_name", "lsoa21nm", "area_name", "LSOA name (2021)", "name"],
    "region_code": ["RGNCD", re.compile(r"rgn\d{2}cd"), "region_code"],
}
_LSOA_WHAT = (
    "LSOA 2021 boundaries: polygons with the LSOA code (LSOA21CD) and name (LSOA21NM), as "
    "published by the ONS Open Geography Portal"
)


_LAD_SPEC: dict[str, list[Alias]] = {
    "code": [*lad_aliases("code"), "area_code", "code"],
    "name": [*lad_aliases("name"), "area_name", "name"],
}
_LAD_WHAT = (
    "local authority district boundaries: polygons with the LAD code and name (e.g. "
    "LAD24CD, LAD24NM), as published by the ONS Open Geography Portal"
)


# --------------------------------------------------------------------------
# Reading vector sources
# --------------------------------------------------------------------------


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
    raw, name = read_vector(source, what)
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
    if "region_code" in cols:  # ONS region (RGNCD) where the layer carries it
        frame["region_code"] = clean_codes(raw[cols["region_code"]])
    gdf = gpd.GeoDataFrame(frame, geometry=raw.geometry.values, crs=raw.crs)
    gdf = gdf[gdf[index].notna()]
    gdf, missing = select_codes(gdf, index, codes, name, kind)
    check_unique(gdf[index], source=name, what=kind)
    gdf = to_bng(gdf, name)
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
        Indexed by ``lsoa21cd``, column ``lsoa21nm`` (and ``region_code``, the
        ONS region, where the layer has ``RGNCD``), polygons in EPSG:27700.

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


__all__ = [
    "CRS",
    "polygonal",
    "read_lad_boundaries",
    "read_lsoa21_boundaries",
    "read_lsoa21_centroids",
]
