"""Community assets from vector registers: GeoJSON, GeoPackage, shapefile.

:func:`assets_from_vector` reads any file pyogrio opens (also one inside a
zip, checked first by :func:`geo.sources.osm_shpzip.inspect_zip`); polygons
and lines become a point inside them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from geo.errors import DataSourceError, SchemaError, UploadError
from geo.sources.assetfiles import AssetRead
from geo.sources.osm_geojson import geojson_crs
from geo.sources.osm_shpzip import inspect_zip
from geo.sources.register_rows import (
    REGISTER_LIMITS,
    CategoryRule,
    PathArg,
    RegisterOptions,
    assets_from_places,
    check_register,
    existing_file,
    read_failure,
)
from geo.uploads.places import PlaceOptions, places_from_features
from geo.uploads.vectors import features_from_frame

log = logging.getLogger(__name__)

__all__ = ["assets_from_vector"]

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
    converted from the CRS they declare (a missing CRS is judged from the
    coordinates, one they contradict is corrected, with a note), and rows
    that lie in the UK only with latitude and longitude swapped are read
    swapped, by the places reader (:mod:`geo.uploads.places`).  Options are
    those of
    :func:`assets_from_table`, plus ``layer`` for a GeoPackage or a zip with
    several files.  Features without geometry are rejected as
    ``"no geometry"``.
    """
    import pyogrio  # imported late: the app configures GDAL before first use

    file = existing_file(path)
    target, layer_name = _vector_path(file, layer)
    try:
        frame = pyogrio.read_dataframe(target, layer=layer_name)
    except Exception as exc:  # pyogrio's errors are not one hierarchy
        raise DataSourceError(f"Cannot read {file.name} as a vector file: {exc}") from exc
    features = features_from_frame(frame, layer_name, (), [])
    rule = CategoryRule(category, category_column, category_map)
    options = RegisterOptions(
        source, name_column, tuple(address_columns), capacity_column, id_column, bbox_wgs84
    )
    check_register(rule, options)
    how = PlaceOptions(mapping=options.mapping(rule), on_ambiguity="auto", limits=REGISTER_LIMITS)
    try:
        places = places_from_features(features, how)
    except UploadError as exc:
        raise read_failure(file, exc) from None
    return assets_from_places(places, file, rule, options)
