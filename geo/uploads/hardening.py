"""Make GDAL safe to point at files strangers upload, only while it reads them.

GDAL reads hundreds of formats, and some of them do more than read: a VRT
(even one renamed ``.geojson``, even inside a zip) opens other files on the
server or fetches URLs; a GeoJSON with an old-style ``crs`` link makes GDAL
download the link; GML fetches schemas; LIBKML follows network links; GPSBabel
runs a program; ADBC loads shared libraries; web-service drivers (WMS, WFS,
OGC API, CSW, Carto, Elasticsearch...) talk to servers named in the file.

``import geo`` changes nothing in the process: no environment variable, no
GDAL setting, no driver.  The upload readers wrap every GDAL call in
:func:`untrusted_gdal`, which for that time only

* takes every such driver (:data:`SKIPPED_DRIVERS`) out of the running GDAL
  (:mod:`geo.uploads.gdal_drivers`), so GDAL cannot open a file with them;
  :func:`gdal_is_hardened` checks it took effect, and the readers refuse to
  hand a file to GDAL when it did not;
* switches network access off for what remains (GDAL configuration options,
  :data:`SETTINGS`): ``/vsicurl/`` only opens files with an impossible
  extension (``CPL_VSIL_CURL_ALLOWED_EXTENSIONS``), HTTP timeouts are one
  second with no retries, no ``.netrc`` credentials and no signed cloud
  requests are used, and PROJ does not download grids (``PROJ_NETWORK=OFF``);
* forbids SQLite and GeoPackage files to call GDAL's SQL functions from
  triggers or views (``ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW=NO``,
  GDAL's own default, made explicit), and VRT Python pixel functions and raw
  raster bands;
* stops GDAL listing the folder a file sits in looking for side-car files
  (``GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR``);

and then puts the drivers (in their order) and the previous option values
back.  Nested and concurrent uses (threads of one Streamlit server) share one
hardened period that ends when the last of them ends; meanwhile GDAL reads in
other threads of the process see the same restrictions.

A server that wants GDAL hardened for its whole life can call
:func:`harden_gdal` before pyogrio is first imported: it puts the same
settings, and ``GDAL_SKIP``, into ``os.environ``.

The upload readers add their own defences on top (see :mod:`geo.uploads`):
they sniff the real type of a file from its first bytes, parse GeoJSON and KML
themselves (GDAL never sees them), and give GDAL only GeoPackages and
shapefiles that they copied into a private folder under fixed names.

This module imports nothing but the standard library until a guard is entered.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

#: Drivers that can follow references inside a file, reach the network, run
#: programs or load libraries.  None of them is needed by the atlas.
SKIPPED_DRIVERS: tuple[str, ...] = (
    # virtual datasets and pipelines that open other files or URLs
    "VRT",
    "OGR_VRT",
    "GDALG",
    "GTI",
    "STACIT",
    "STACTA",
    # web services named in the file or connection string
    "WMS",
    "WMTS",
    "WCS",
    "WFS",
    "OAPIF",
    "OGCAPI",
    "CSW",
    "HTTP",
    "AmigoCloud",
    "Carto",
    "Elasticsearch",
    "NGW",
    "PLSCENES",
    "PLMOSAIC",
    "EEDA",
    "EEDAI",
    "DAAS",
    "AIVector",
    # formats whose readers fetch linked documents (schemas, network links, pages)
    "ESRIJSON",
    "GeoJSONSeq",
    "TopoJSON",
    "JSONFG",
    "GML",
    "LIBKML",
    "GeoRSS",
    "MapML",
    "MVT",
    "PMTiles",
    "MBTiles",
    "PDF",
    # run an external program / load shared libraries / generic SQLite with VirtualOGR
    "GPSBabel",
    "ADBC",
    "SQLite",
    "OSM",
)

#: Drivers that must not be registered.  GMLAS (fetches XML schemas) and NAS
#: are not built into pyogrio's GDAL; naming them in ``GDAL_SKIP`` would make
#: GDAL print a warning at every start, so they are only checked for.
FORBIDDEN_DRIVERS: tuple[str, ...] = (*SKIPPED_DRIVERS, "GMLAS", "NAS")

#: Settings forced in the environment (the value of ``GDAL_SKIP`` is merged).
SETTINGS: dict[str, str] = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".atlas-no-network",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_NETRC": "NO",
    "CPL_VSIL_CURL_USE_HEAD": "NO",
    "AWS_NO_SIGN_REQUEST": "YES",
    "GS_NO_SIGN_REQUEST": "YES",
    "AZURE_NO_SIGN_REQUEST": "YES",
    "PROJ_NETWORK": "OFF",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "GDAL_VRT_ENABLE_RAWRASTERBAND": "NO",
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
}


#: The settings applied to the running GDAL (an empty value would not unset the option).
RUNTIME_SETTINGS: dict[str, str] = {
    k: v for k, v in SETTINGS.items() if k != "OGR_SQLITE_LOAD_EXTENSIONS"
}


def harden_gdal(environ: dict[str, str] | None = None) -> bool:
    """Put the GDAL safety settings into the environment, for the whole process.

    Not needed by the atlas (the upload readers use :func:`untrusted_gdal`);
    for a server that wants GDAL hardened for every read.  Idempotent.
    Returns ``True`` when GDAL had not been loaded yet (so the settings take
    full effect), ``False`` when pyogrio was already imported:
    then the network settings are also applied to the running GDAL, but the
    skipped drivers stay registered and :func:`gdal_is_hardened` says so.
    """
    env = os.environ if environ is None else environ
    skip = [d for d in env.get("GDAL_SKIP", "").replace(",", " ").split() if d]
    for driver in SKIPPED_DRIVERS:
        if driver not in skip:
            skip.append(driver)
    env["GDAL_SKIP"] = " ".join(skip)
    for key, value in SETTINGS.items():
        env[key] = value
    if environ is not None:
        return True
    if "pyogrio" in sys.modules:
        try:
            pyogrio = sys.modules["pyogrio"]
            pyogrio.set_gdal_config_options(RUNTIME_SETTINGS)
        except Exception:  # pragma: no cover - a pyogrio without that function
            log.debug("Could not apply GDAL settings at run time.", exc_info=True)
        log.warning(
            "pyogrio was imported before harden_gdal: GDAL drivers that follow references "
            "(VRT, WMS, ...) are still registered; call harden_gdal before importing pyogrio."
        )
        return False
    return True


def gdal_is_hardened() -> bool:
    """Whether the running GDAL lacks every driver of :data:`FORBIDDEN_DRIVERS`."""
    import pyogrio

    present = set(pyogrio.list_drivers())
    return not (present & set(FORBIDDEN_DRIVERS))


class _Guard:
    """One hardened period shared by every :func:`untrusted_gdal` open at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved: dict[str, Any] = {}
        self.removed: Any = None

    def enter(self) -> None:
        import pyogrio

        from geo.uploads.gdal_drivers import remove_drivers

        with self.lock:
            if self.depth == 0:
                self.saved = {k: pyogrio.get_gdal_config_option(k) for k in RUNTIME_SETTINGS}
                pyogrio.set_gdal_config_options(RUNTIME_SETTINGS)
                self.removed = remove_drivers(FORBIDDEN_DRIVERS)
            self.depth += 1

    def exit(self) -> None:
        import pyogrio

        from geo.uploads.gdal_drivers import restore_drivers

        with self.lock:
            self.depth -= 1
            if self.depth == 0:
                try:
                    restore_drivers(self.removed)
                finally:
                    pyogrio.set_gdal_config_options(self.saved)
                    self.saved, self.removed = {}, None


_GUARD = _Guard()


@contextmanager
def untrusted_gdal() -> Iterator[None]:
    """GDAL hardened for reading a stranger's file; as it was again afterwards.

    Examples
    --------
    >>> with untrusted_gdal():  # doctest: +SKIP
    ...     if not gdal_is_hardened():
    ...         raise UploadError("...")
    ...     frame = pyogrio.read_dataframe(path)
    """
    _GUARD.enter()
    try:
        yield
    finally:
        _GUARD.exit()
