"""The one place that talks to the network, and the on-disk cache of what it fetched.

* :mod:`geo.net._http` – transport: session, timeouts, ``User-Agent``,
  retries with backoff honouring ``Retry-After``, a quick reachability probe;
* :mod:`geo.net.arcgis`, :mod:`geo.net.nomis`, :mod:`geo.net.overpass` – each
  protocol's paging, error detection and etiquette;
* :mod:`geo.net.client` – :class:`HttpClient`, all of the above plus file
  downloads;
* :mod:`geo.net.cache` – the shared, atomic on-disk cache;
* :mod:`geo.net.fingerprint` – the hash assembled results are cached under.

Only this package imports :mod:`requests`.
"""

from __future__ import annotations

from geo.net.cache import Cache
from geo.net.client import HttpClient
from geo.net.nomis import NOMIS_API, NOMIS_PAGE_ROWS
from geo.net.overpass import OVERPASS_URL

__all__ = ["NOMIS_API", "NOMIS_PAGE_ROWS", "OVERPASS_URL", "Cache", "HttpClient"]
