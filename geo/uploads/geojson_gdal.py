"""Large GeoJSON uploads read by GDAL as Arrow columns, under the same rules as the Python reader.

:func:`geo.uploads.vectors.read_geojson` parses GeoJSON with :mod:`json` and
builds one shapely geometry per feature: exact, but a 150,000-feature file
spends most of its time in that loop.  For a large file whose reading is
known to agree, :func:`read_geojson_arrow` hands it to GDAL's GeoJSON driver
instead (``pyogrio.read_arrow``), inside :func:`~geo.uploads.hardening.untrusted_gdal`,
from a private copy named ``upload.geojson``, and gets the attributes as
Arrow columns and the geometries as WKB.

It declines (returns ``None``, and the Python reader reads the file) whenever
the two readers could disagree or a message of the Python reader's is needed:

* the file is small (under :data:`MIN_BYTES`), not UTF-8, or GDAL is not
  hardened;
* the text has a ``crs`` key anywhere (even written with ``\\u`` escapes):
  GDAL would follow an old-style ``crs`` link, and the Python reader reads a
  named CRS and ignores links;
* GDAL finds no features, or any feature without a readable geometry (the
  Python reader tells missing from unreadable ones);
* an attribute is nested (an object or list: GDAL re-formats its JSON), mixes
  numbers and text, or is called ``id`` (GDAL may add the features' ``id``
  member as one);
* GDAL cannot read the file at all.

The feature cap is checked from GDAL's count before any feature is read.
GeoJSON is lon/lat (RFC 7946): the CRS is ``EPSG:4326`` and the axis order
is the file's, x = longitude, as in the Python reader.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from geo.uploads.limits import UploadLimits
from geo.uploads.safety import private_dir
from geo.uploads.sniff import Sniffed

#: Files smaller than this are always read by the Python reader.
MIN_BYTES = 1_000_000
_WGS84 = "EPSG:4326"
_CRS_KEY = re.compile(rb'"(?:c|\\u0063)(?:r|\\u0072)(?:s|\\u0073)"', re.IGNORECASE)
_PLAIN_TYPES = ("OFTString", "OFTInteger", "OFTInteger64", "OFTReal")


def _may_use_gdal(data: bytes, sniffed: Sniffed) -> bool:
    encoding = (sniffed.encoding or "utf-8").lower().replace("_", "-")
    return (
        len(data) >= MIN_BYTES
        and encoding in ("utf-8", "ascii")
        and not data.startswith(b"\xef\xbb\xbf")
        and _CRS_KEY.search(data) is None
    )


def _agrees(meta: dict[str, Any]) -> bool:
    """Whether every attribute is read as the Python reader reads it."""
    fields = [str(f) for f in meta.get("fields", ())]
    types = list(meta.get("ogr_types", ()))
    subtypes = list(meta.get("ogr_subtypes", ()))
    return (
        "id" not in (f.casefold() for f in fields)
        and all(t in _PLAIN_TYPES for t in types)
        and all(s in ("OFSTNone", "OFSTBoolean") for s in subtypes)
    )


def _read(path: str, limits: UploadLimits) -> tuple[dict[str, Any], Any] | None:
    import pyogrio

    from geo.uploads.hardening import gdal_is_hardened
    from geo.uploads.vectors import _cap

    if not gdal_is_hardened():  # checked inside the guard, where it must hold
        return None
    try:
        info = pyogrio.read_info(path)
    except Exception:  # pyogrio's errors are not one hierarchy: the Python reader says why
        return None
    count = int(info.get("features") or 0)
    if count <= 0:
        return None
    _cap(count, limits)
    try:
        meta, table = pyogrio.read_arrow(
            path, max_features=limits.max_features + 1, DATE_AS_STRING="YES"
        )
    except Exception:
        return None
    return meta, table


def read_geojson_arrow(data: bytes, sniffed: Sniffed, limits: UploadLimits) -> Any | None:
    """The :class:`~geo.uploads.vectors.Features` of a large GeoJSON read by GDAL, or ``None``."""
    import shapely

    from geo.uploads.hardening import untrusted_gdal
    from geo.uploads.vectors import Features, _cap

    if not _may_use_gdal(data, sniffed):
        return None
    with private_dir() as folder, untrusted_gdal():
        path = folder / "upload.geojson"
        path.write_bytes(data)
        read = _read(str(path), limits)
    if read is None:
        return None
    meta, table = read
    _cap(table.num_rows, limits)
    geometry_column = table.schema.names[-1]
    wkb = table.column(geometry_column).to_numpy(zero_copy_only=False)
    geometries = shapely.from_wkb(wkb, on_invalid="ignore")
    if not _agrees(meta) or shapely.is_missing(geometries).any():
        return None
    attributes = table.drop_columns([geometry_column]).to_pandas(types_mapper=pd.ArrowDtype)
    how = "GeoJSON is lon/lat (RFC 7946)"
    return Features.numbered(attributes.reset_index(drop=True), list(geometries), _WGS84, how, [])
