"""Reading uploaded vector files into attributes and shapely geometries.

==============  ==========================================================
format          how it is read
==============  ==========================================================
GeoJSON         parsed here with :mod:`json` and shapely, so an old-style
                ``crs`` *link* is never fetched (it is ignored, and the CRS
                is read from the coordinates); a large file without any
                ``crs`` key is read by GDAL as Arrow columns, hardened,
                from a private copy (:mod:`geo.uploads.geojson_gdal`)
KML / KMZ       parsed in geo.uploads.kml with defusedxml (no entities, no DTDs); network
                links are never followed, only counted
GeoPackage      schema checked with Python's SQLite
                (:func:`~geo.uploads.safety.check_geopackage`), then read by
                pyogrio from a private copy named ``upload.gpkg``
zipped          the chosen layer's ``.shp .shx .dbf .prj .cpg`` members are
shapefile       extracted (size-capped) into a private folder as
                ``layer.*`` and read by pyogrio; nothing else in the zip is
                ever written or opened
==============  ==========================================================

GDAL is only called inside :func:`~geo.uploads.hardening.untrusted_gdal`, and
only when :func:`~geo.uploads.hardening.gdal_is_hardened` says the drivers
that follow references are absent.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from geo.errors import UploadError
from geo.uploads.limits import UploadLimits
from geo.uploads.parts import choose_part
from geo.uploads.safety import check_geopackage, private_dir, read_member
from geo.uploads.sniff import Sniffed, decode_text

_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_SHP_MAGIC = b"\x00\x00\x27\x0a"


@dataclass
class Features:
    """Features of one layer: attributes (text/numbers), geometries and where they came from."""

    attributes: pd.DataFrame
    geometries: list[Any]
    numbers: list[int]
    crs: str | None
    crs_how: str
    layer: str | None = None
    layers: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return len(self.numbers)

    @classmethod
    def numbered(
        cls,
        attributes: pd.DataFrame,
        geometries: list[Any],
        crs: str | None,
        crs_how: str,
        notes: list[str],
        **layer: Any,
    ) -> Features:
        """Features numbered 1, 2, ... in file order (``layer``/``layers`` as keywords)."""
        numbers = list(range(1, len(geometries) + 1))
        return cls(attributes, geometries, numbers, crs, crs_how, notes=notes, **layer)

    @classmethod
    def from_records(
        cls,
        records: list[dict[str, Any]],
        geometries: list[Any],
        crs: str | None,
        crs_how: str,
        notes: list[str],
    ) -> Features:
        """Features from one attribute mapping per feature (missing keys read as blank)."""
        attributes = pd.DataFrame.from_records(records) if records else pd.DataFrame()
        attributes = attributes.reindex(range(len(records)))
        return cls.numbered(attributes, geometries, crs, crs_how, notes)


def _cap(count: int, limits: UploadLimits) -> None:
    if count > limits.max_features:
        raise UploadError(
            f"The file has {count:,} features; uploads are limited to "
            f"{limits.max_features:,}. Split it or simplify it first."
        )


def _plain_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:2000]
    return value


# --------------------------------------------------------------------------- GeoJSON


def _named_crs(crs: Any) -> tuple[str | None, str]:
    """The CRS an old-style ``crs`` member names, or why it was ignored."""
    if not isinstance(crs, dict):
        return None, "its 'crs' member is not an object and was ignored"
    if crs.get("type") != "name":
        return None, (
            f"its 'crs' member is a {crs.get('type')!r} reference, which was ignored (never "
            "fetched)"
        )
    name = str((crs.get("properties") or {}).get("name", ""))
    compact = name.upper().replace("::", ":")
    if compact.endswith("CRS84") or compact.endswith("EPSG:4326"):
        return "EPSG:4326", f"it names {name}"
    if compact.endswith(":27700"):
        return "EPSG:27700", f"it names {name}"
    return None, f"it names the CRS {name!r}, which the atlas does not read; it was ignored"


def read_geojson(data: bytes, sniffed: Sniffed, limits: UploadLimits) -> Features:
    """Features of a GeoJSON document (FeatureCollection, Feature or bare geometry).

    A large file is read by GDAL as Arrow columns when the two readings are
    known to agree (:mod:`geo.uploads.geojson_gdal`); otherwise, and for
    every small file, it is parsed here.
    """
    from geo.uploads.geojson_gdal import read_geojson_arrow

    fast = read_geojson_arrow(data, sniffed, limits)
    if fast is not None:
        return fast
    text = decode_text(data, sniffed.encoding or "utf-8")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UploadError(f"The GeoJSON is not valid JSON ({str(exc)[:160]}).") from None
    if isinstance(document, list):
        raise UploadError("The file is a JSON list, not a GeoJSON object.")
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        raise UploadError('The file is JSON but not GeoJSON (no "type" member).')
    kind = document["type"]
    notes: list[str] = []
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise UploadError("The GeoJSON FeatureCollection has no 'features' list.")
    elif kind == "Feature":
        features = [document]
    elif kind in (
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    ):
        features = [{"type": "Feature", "properties": {}, "geometry": document}]
    else:
        raise UploadError(f"The GeoJSON type {kind!r} is not a feature or geometry.")
    _cap(len(features), limits)
    crs: str | None = None
    how = "GeoJSON is lon/lat (RFC 7946)"
    if "crs" in document:
        crs, why = _named_crs(document["crs"])
        how = f"the file's 'crs' member: {why}"
        if crs is None:
            notes.append(f"The GeoJSON's CRS: {why}; the CRS was judged from the coordinates.")
    else:
        crs = "EPSG:4326"
    rows: list[dict[str, Any]] = []
    geometries: list[Any] = []
    unreadable = 0
    for feature in features:
        props = feature.get("properties") if isinstance(feature, dict) else None
        rows.append(
            {str(k): _plain_value(v) for k, v in props.items()} if isinstance(props, dict) else {}
        )
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if geometry is None:
            geometries.append(None)
            continue
        try:
            geometries.append(shape(geometry))
        except Exception:  # shapely raises several kinds for malformed coordinates
            geometries.append("unreadable")
            unreadable += 1
    if unreadable:
        notes.append(f"{unreadable} feature geometr(ies) could not be read.")
    return Features.from_records(rows, geometries, crs, how, notes)


# --------------------------------------------------------------------------- GDAL formats


def _require_hardened_gdal() -> None:
    from geo.uploads.hardening import gdal_is_hardened

    if not gdal_is_hardened():
        raise UploadError(
            "GeoPackages and shapefiles cannot be read safely on this server: the GDAL "
            "drivers that can follow references inside files (VRT, WMS, ...) could not be "
            "switched off. Upload the data as CSV, GeoJSON or KML instead."
        )


def _from_pyogrio(path: str, layer: str | None, limits: UploadLimits) -> tuple[Any, list[str]]:
    from geo.uploads.hardening import untrusted_gdal

    with untrusted_gdal():
        _require_hardened_gdal()
        return _read_with_pyogrio(path, layer, limits)


def _read_with_pyogrio(path: str, layer: str | None, limits: UploadLimits) -> tuple[Any, list[str]]:
    import pyogrio

    notes: list[str] = []
    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception as exc:  # pyogrio's errors are not one hierarchy
        raise UploadError(
            f"The file cannot be read as a vector layer ({str(exc)[:200]})."
        ) from None
    count = int(info.get("features") or 0)
    _cap(count, limits)
    try:
        frame = pyogrio.read_dataframe(
            path,
            layer=layer,
            max_features=limits.max_features + 1,
            on_invalid="ignore",
            datetime_as_string=True,
        )
    except Exception as exc:
        raise UploadError(f"The layer cannot be read ({str(exc)[:200]}).") from None
    _cap(len(frame), limits)
    return frame, notes


def features_from_frame(
    frame: Any, layer: str | None, layers: tuple[str, ...], notes: list[str]
) -> Features:
    """The features of a frame pyogrio read, numbered from 1, with the CRS it declares."""
    crs = frame.crs.to_string() if frame.crs is not None else None
    if frame.crs is not None and frame.crs.to_epsg() is not None:
        crs = f"EPSG:{frame.crs.to_epsg()}"
    how = "declared in the file" if crs else "the file declares no CRS"
    geometries = [None if g is None else g for g in frame.geometry.values]
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
    return Features.numbered(attributes, geometries, crs, how, notes, layer=layer, layers=layers)


def read_geopackage(data: bytes, limits: UploadLimits, layer: str | None) -> Features:
    """A layer of a GeoPackage (the first unless ``layer`` names another)."""
    notes: list[str] = []
    with private_dir() as folder:
        path = folder / "upload.gpkg"
        path.write_bytes(data)
        layers = check_geopackage(path)
        chosen = choose_part(
            layers,
            layer,
            container="GeoPackage",
            part="layer",
            empty="The GeoPackage has no layers with features.",
            notes=notes,
        )
        frame, more = _from_pyogrio(str(path), chosen, limits)
    return features_from_frame(frame, chosen, tuple(layers), notes + more)


def read_shapefile_zip(data: bytes, limits: UploadLimits, layer: str | None) -> Features:
    """A shapefile from a zip (the first ``.shp`` unless ``layer`` names another)."""
    notes: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
    stems: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in members:
        path = PurePosixPath(info.filename)
        if path.suffix.lower() in _SHAPEFILE_PARTS and not path.name.startswith("._"):
            stem = str(path.with_suffix(""))
            stems.setdefault(stem, {})[path.suffix.lower()] = info
    layers = sorted(s for s, parts in stems.items() if ".shp" in parts)
    names = [PurePosixPath(s).name for s in layers]
    if layer is not None and layer not in layers and layer in names:
        layer = layers[names.index(layer)]
    chosen = choose_part(
        layers,
        layer,
        container="zip archive",
        part="layer",
        empty="The zip archive has no layers with features.",
        notes=notes,
    )
    parts = stems[chosen]
    if ".shx" not in parts:
        raise UploadError(
            f"The shapefile {chosen}.shp has no .shx index in the zip; zip the .shp, .shx, "
            ".dbf and .prj files together."
        )
    if ".dbf" not in parts:
        notes.append(f"The shapefile {chosen}.shp has no .dbf file: it has no attributes.")
    ignored = [
        m.filename
        for m in members
        if str(PurePosixPath(m.filename).with_suffix("")) != chosen
        and PurePosixPath(m.filename).suffix.lower() not in _SHAPEFILE_PARTS
    ]
    if ignored:
        notes.append(
            f"{len(ignored)} other file(s) in the zip were ignored ({', '.join(ignored[:5])})."
        )
    with private_dir() as folder:
        for suffix, info in parts.items():
            body = read_member(data, info, limits)
            if suffix == ".shp" and not body.startswith(_SHP_MAGIC):
                raise UploadError(f"{info.filename} is not a shapefile (wrong header).")
            (folder / f"layer{suffix}").write_bytes(body)
        frame, more = _from_pyogrio(str(folder / "layer.shp"), None, limits)
    if ".prj" not in parts:
        notes.append(f"The shapefile {chosen}.shp has no .prj file, so its CRS is missing.")
    return features_from_frame(frame, chosen, tuple(layers), notes + more)


def read_features(
    data: bytes, sniffed: Sniffed, limits: UploadLimits, layer: str | None
) -> Features:
    """Dispatch on the sniffed format."""
    if sniffed.format == "geojson":
        features = read_geojson(data, sniffed, limits)
    elif sniffed.format in ("kml", "kmz"):
        from geo.uploads.kml import read_kml

        features = read_kml(data, sniffed, limits)
    elif sniffed.format == "gpkg":
        features = read_geopackage(data, limits, layer)
    elif sniffed.format == "shapefile_zip":
        features = read_shapefile_zip(data, limits, layer)
    else:  # pragma: no cover - callers check
        raise UploadError(f"{sniffed.label} is not a vector format.")
    return features


# --------------------------------------------------------------------------- geometry


FAMILIES = {
    "Point": "points",
    "MultiPoint": "points",
    "LineString": "lines",
    "MultiLineString": "lines",
    "LinearRing": "lines",
    "Polygon": "polygons",
    "MultiPolygon": "polygons",
    "GeometryCollection": "collections",
}


@dataclass
class PreparedGeometry:
    """Geometries made 2D and valid, with counts of what was done."""

    geometries: list[Any]
    types: Counter[str]
    dropped_z: int = 0
    repaired: int = 0

    @property
    def mixed(self) -> bool:
        """Whether points, lines and polygons are mixed (Polygon + MultiPolygon is not)."""
        return len({FAMILIES.get(t, t) for t in self.types}) > 1


_TYPE_NAMES = (
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)


def prepare_geometries(geometries: list[Any]) -> PreparedGeometry:
    """Drop Z/M, repair invalid shapes (``make_valid``), count geometry types.

    Entries that are ``None`` or ``"unreadable"`` stay as they are; empty
    geometries become ``None``; a geometry with a non-finite coordinate
    becomes ``"unreadable"``.  Done on arrays of geometries, not one by one.
    """
    out = np.empty(len(geometries), dtype=object)
    out[:] = geometries
    given = np.flatnonzero([g is not None and not isinstance(g, str) for g in geometries])
    shapes = out[given]
    empty = shapely.is_empty(shapes)
    out[given[empty]] = None
    given, shapes = given[~empty], shapes[~empty]
    ids = shapely.get_type_id(shapes)
    types: Counter[str] = Counter(
        {_TYPE_NAMES[t]: int(n) for t, n in zip(*np.unique(ids, return_counts=True), strict=True)}
    )
    zm = shapely.has_z(shapes) | shapely.has_m(shapes)
    if zm.any():
        shapes[zm] = shapely.force_2d(shapes[zm])
    coords, which = shapely.get_coordinates(shapes, return_index=True)
    bad = np.zeros(len(shapes), dtype=bool)
    np.logical_or.at(bad, which, ~np.isfinite(coords).all(axis=1))
    invalid = ~bad & ~shapely.is_valid(shapes)
    if invalid.any():
        shapes[invalid] = shapely.make_valid(shapes[invalid])
    shapes[bad] = "unreadable"
    out[given] = shapes
    return PreparedGeometry(list(out), types, int(zm.sum()), int(invalid.sum()))
