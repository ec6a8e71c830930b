"""Reading and validating files that users upload: assets, indicators, boundaries.

Uploads are hostile until proven otherwise.  Before any parser sees a file:

1. its size is capped (:class:`UploadLimits`, 50 MB by default);
2. its real type is sniffed from its first bytes, never from its name
   (:mod:`geo.uploads.sniff`); GDAL virtual datasets, other XML/JSON, old
   ``.xls``, gzip and binary files are refused;
3. archives are inspected from their member list without expanding anything
   (names with ``..`` or absolute paths, symbolic links, nested archives,
   encrypted members, member count, total size, compression ratio), and
   workbooks with macros, external links or data connections are refused
   (:mod:`geo.uploads.safety`);
4. table rows are counted (streaming) against the row cap before parsing,
   and features against the feature cap;
5. GDAL is hardened while it reads an upload, and only then
   (:func:`untrusted_gdal`, :mod:`geo.uploads.hardening`), and is only given
   GeoPackages and shapefiles copied into a private folder under fixed
   names; GeoJSON and KML are parsed here and never reach GDAL; workbooks
   are read with openpyxl as values, with defusedxml parsing the XML.

Public functions
----------------
:func:`read_assets_upload`
    Community assets (CSV/TSV/XLSX with coordinates or postcodes, GeoJSON,
    GeoPackage, KML/KMZ, zipped shapefile) into the standard asset frame.
:func:`read_indicators_upload`
    A table of values keyed by LSOA 2021/2011, MSOA, ward or local-authority
    codes, or by postcode (aggregated to LSOA counts with small-number
    suppression).
:func:`read_boundary_upload`
    A study area (dissolved) or custom small areas.
:func:`check_upload`
    What ``python -m geo check FILE --kind …`` prints: a :class:`CheckReport`.

Each returns (or reports on) an :class:`UploadResult` that accounts for every
input row: ``rows_in == loaded + len(rejections)``.  See
:mod:`geo.uploads.result`.

This package imports its modules lazily, so importing it loads neither pandas
nor GDAL.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "read_assets_upload": "geo.uploads.assets",
    "read_indicators_upload": "geo.uploads.indicators",
    "read_boundary_upload": "geo.uploads.boundaries",
    "check_upload": "geo.uploads.report",
    "CheckReport": "geo.uploads.report",
    "UploadResult": "geo.uploads.result",
    "Detected": "geo.uploads.result",
    "Suggestion": "geo.uploads.result",
    "ColumnMapping": "geo.uploads.columns",
    "UploadLimits": "geo.uploads.limits",
    "harden_gdal": "geo.uploads.hardening",
    "gdal_is_hardened": "geo.uploads.hardening",
    "untrusted_gdal": "geo.uploads.hardening",
    "sniff": "geo.uploads.sniff",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo.uploads' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
