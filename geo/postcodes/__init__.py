"""UK postcodes: normalising them and finding where they are.

:func:`normalise_postcode` puts a postcode in its standard form (upper case,
one space before the last three characters) or returns ``None`` when it is not
a valid UK postcode pattern.

:func:`geocode_postcodes` finds each postcode's location (and LSOA codes
where the source has them):

* **offline**, from OS Code-Point Open (every live GB postcode with BNG
  coordinates; :mod:`geo.postcodes.codepoint`, recognised by its columns,
  read with pyarrow and cached as Parquet by the file's sha256), or
* **offline**, from a directory the user supplies: the ONS Postcode Directory
  (ONSPD) or National Statistics Postcode Lookup (NSPL) CSV (columns
  ``pcds``/``pcd7``/``pcd8``/``pcd``, ``lat``/``long``,
  ``oseast1m``/``osnrth1m``, ``doterm``, ``lsoa21``/``lsoa11`` or their
  ``...cd`` forms), or a simple table of postcode, latitude, longitude (with
  or without a header).  The directory is streamed in chunks and only the
  postcodes asked for are kept, so a national file does not fill memory.
  ``lat`` 99.999999 means the postcode has no coordinates (Channel Islands,
  Isle of Man, some large users);
* **online**, through postcodes.io's bulk endpoint
  (``POST https://api.postcodes.io/postcodes``, 100 postcodes a request, a
  short pause between requests, retries by :class:`~geo.net.HttpClient`),
  never when ``settings.offline``.

Nothing is dropped silently: every postcode asked for is either in
``GeocodeResult.found`` or in ``GeocodeResult.unmatched`` with a reason
(``not a valid postcode``, ``postcode not found``, ``postcode terminated``,
``postcode has no coordinates``, and with Code-Point Open ``Northern Ireland
postcode (not in Code-Point Open)``).

:func:`~geo.postcodes.table.postcode_table` finds the postcode table a
sources file names (dataset ``postcodes``), and
:func:`~geo.postcodes.table.postcode_geocoder` gives a geocoder using it (or
postcodes.io when there is none and the atlas is online).

Modules: :mod:`~geo.postcodes.normalise`, :mod:`~geo.postcodes.directory`
(ONSPD/NSPL), :mod:`~geo.postcodes.codepoint`, :mod:`~geo.postcodes.geocode`,
:mod:`~geo.postcodes.table`.  Terminated postcodes (ONSPD ``doterm``
set) still have a location; they are only used with ``allow_terminated=True``.
"""

from __future__ import annotations

from geo.postcodes.codepoint import CODEPOINT_COLUMNS, is_codepoint, read_codepoint
from geo.postcodes.directory import read_postcode_directory
from geo.postcodes.geocode import (
    BATCH_SIZE,
    POSTCODES_IO_URL,
    GeocodeResult,
    PostcodeGeocoder,
    geocode_postcodes,
)
from geo.postcodes.normalise import (
    INVALID,
    NO_COORDINATES,
    NORTHERN_IRELAND,
    NOT_FOUND,
    TERMINATED,
    normalise_postcode,
    normalise_postcodes,
)
from geo.postcodes.table import postcode_geocoder, postcode_table

__all__ = [
    "BATCH_SIZE",
    "CODEPOINT_COLUMNS",
    "INVALID",
    "NORTHERN_IRELAND",
    "NOT_FOUND",
    "NO_COORDINATES",
    "POSTCODES_IO_URL",
    "TERMINATED",
    "GeocodeResult",
    "PostcodeGeocoder",
    "geocode_postcodes",
    "is_codepoint",
    "normalise_postcode",
    "normalise_postcodes",
    "postcode_geocoder",
    "postcode_table",
    "read_codepoint",
    "read_postcode_directory",
]
