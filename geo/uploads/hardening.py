"""Make GDAL safe to point at files strangers upload, before it is first loaded.

GDAL reads hundreds of formats, and some of them do more than read: a VRT
(even one renamed ``.geojson``, even inside a zip) opens other files on the
server or fetches URLs; a GeoJSON with an old-style ``crs`` link makes GDAL
download the link; GML fetches schemas; LIBKML follows network links; GPSBabel
runs a program; ADBC loads shared libraries; web-service drivers (WMS, WFS,
OGC API, CSW, Carto, Elasticsearch...) talk to servers named in the file.

:func:`harden_gdal` puts settings into ``os.environ`` that GDAL reads when it
starts:

* ``GDAL_SKIP`` lists every such driver (:data:`SKIPPED_DRIVERS`), so GDAL
  never registers them.  ``GDAL_SKIP`` is only read when GDAL registers its
  drivers, which pyogrio does on import: **harden_gdal must run before
  pyogrio (or geopandas' file reading) is first imported**.  ``geo/__init__.py``
  calls it, so importing anything from ``geo`` first is enough.
  :func:`gdal_is_hardened` checks it took effect; the upload readers refuse to
  hand a file to GDAL when it did not.
* Network access is switched off for what remains: ``/vsicurl/`` only opens
  files with an impossible extension (``CPL_VSIL_CURL_ALLOWED_EXTENSIONS``),
  HTTP timeouts are one second with no retries, no ``.netrc`` credentials and
  no signed cloud requests are used, and PROJ does not download grids
  (``PROJ_NETWORK=OFF``).
* SQLite and GeoPackage files may not call GDAL's SQL functions from triggers
  or views (``ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW=NO``, GDAL's own
  default, made explicit), and VRT Python pixel functions and raw raster
  bands are off.
* ``GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR``: GDAL does not list the folder a
  file sits in looking for side-car files.

The upload readers add their own defences on top (see :mod:`geo.uploads`):
they sniff the real type of a file from its first bytes, parse GeoJSON and KML
themselves (GDAL never sees them), and give GDAL only GeoPackages and
shapefiles that they copied into a private folder under fixed names.

This module imports nothing but the standard library, so ``geo/__init__.py``
stays light.
"""

from __future__ import annotations

import logging
import os
import sys

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


def harden_gdal(environ: dict[str, str] | None = None) -> bool:
    """Put the GDAL safety settings into the environment.

    Idempotent.  Returns ``True`` when GDAL had not been loaded yet (so the
    settings take full effect), ``False`` when pyogrio was already imported:
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
            pyogrio.set_gdal_config_options(
                {k: v for k, v in SETTINGS.items() if k != "OGR_SQLITE_LOAD_EXTENSIONS"}
            )
        except Exception:  # pragma: no cover - a pyogrio without that function
            log.debug("Could not apply GDAL settings at run time.", exc_info=True)
        log.warning(
            "pyogrio was imported before geo: GDAL drivers that follow references "
            "(VRT, WMS, ...) are still registered. Import geo first."
        )
        return False
    return True


def gdal_is_hardened() -> bool:
    """Whether the running GDAL lacks every driver of :data:`FORBIDDEN_DRIVERS`."""
    import pyogrio

    present = set(pyogrio.list_drivers())
    return not (present & set(FORBIDDEN_DRIVERS))
