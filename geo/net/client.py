"""The HTTP client the rest of the atlas uses: files, ArcGIS, Nomis, Overpass.

:class:`HttpClient` combines the transport (:mod:`geo.net._http`: session,
timeouts, ``User-Agent``, retries honouring ``Retry-After``, the offline
switch and the reachability probe) with each protocol's paging and error
detection (:mod:`geo.net.arcgis`, :mod:`geo.net.nomis`,
:mod:`geo.net.overpass`) and adds plain file downloads into the on-disk
:class:`~geo.net.cache.Cache`.

Nothing partial or erroneous is ever cached: results are checked (byte counts,
feature and row counts, checksums, error bodies) before they are stored, and
stores are atomic.  Every failure is a :class:`~geo.errors.DownloadError` (or
:class:`~geo.errors.OfflineError`) whose message names the URL and says what
to do next.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import requests

from geo.errors import DownloadError
from geo.net._util import cache_key, params_text, show, url_suffix
from geo.net.arcgis import ArcGisClient
from geo.net.nomis import NomisClient
from geo.net.overpass import OverpassClient
from geo.net.resume import download_resuming
from geo.progress import Progress

logger = logging.getLogger(__name__)


class HttpClient(ArcGisClient, NomisClient, OverpassClient):
    """Downloads with retries, integrity checks, an offline switch and a cache.

    See :class:`geo.net._http.Transport` for the parameters and the retry rules.
    """

    def __enter__(self) -> HttpClient:
        return self

    @staticmethod
    def download_key(url: str, params: Mapping[str, Any] | None = None) -> str:
        """The cache key :meth:`download` uses for ``url`` and ``params`` by default."""
        name = posixpath.basename(urllib.parse.urlparse(url).path).split(".")[0]
        return cache_key("download", name, url, params_text(params))

    def cached(
        self,
        url: str,
        *,
        key: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> bool:
        """Whether :meth:`download` of ``url`` would be served from the cache.

        Checks the entry's size against its sidecar but does not re-hash it;
        :meth:`download` still verifies the checksum when it serves the file.
        """
        return self.cache.get(key or self.download_key(url, params), verify=False) is not None

    def download(
        self,
        url: str,
        *,
        key: str | None = None,
        params: Mapping[str, Any] | None = None,
        expected_sha256: str | None = None,
        progress: Progress | None = None,
        description: str = "",
        suffix: str | None = None,
        expected_md5: str | None = None,
        resume: bool = False,
    ) -> Path:
        """Download a file into the cache (once) and return its path.

        Parameters
        ----------
        url
            The file's address.
        key
            Cache key; by default derived from ``url`` and ``params``.
        params
            Query parameters.
        expected_sha256
            The file's known sha256; a different download is rejected, and a
            cached copy with another checksum is downloaded again.
        progress
            Called as ``progress(url, done_bytes, total_bytes_or_None)`` while
            data arrives (:data:`geo.progress.Progress`).
        description
            What the file is, for messages (``"IoD2025 File 7"``).
        suffix
            Extension of the cached file; by default taken from the URL.
            ``.csv``/``.json``/``.zip``/``.gz``/``.xlsx``/``.parquet`` files
            are checked not to be an HTML error page.
        expected_md5
            The file's published md5 (Geofabrik's ``.md5`` files); a
            different download is rejected and not cached.
        resume
            Keep what arrived when the connection drops and ask for the rest
            with an HTTP Range request (:mod:`geo.net.resume`), in this run
            or the next; for large files.

        Returns
        -------
        Path
            The cached file (do not modify it).

        Raises
        ------
        DownloadError
            On HTTP errors, a truncated body, a checksum mismatch, or an HTML
            page instead of data; nothing is cached.
        OfflineError
            When offline and the file is not cached.
        """
        suffix = url_suffix(url) if suffix is None else suffix
        query = params_text(params)
        key = key or self.download_key(url, params)
        expected = expected_sha256.strip().lower() if expected_sha256 else None
        what = description or show(url, query)
        with self.cache.lock(key):
            hit = self.cache.get(key)
            if hit is not None:
                record = self.cache.meta(key) or {}
                if expected is None or record.get("sha256") == expected:
                    logger.debug("Cache hit for %s: %s", what, hit)
                    return hit
                logger.warning(
                    "Cached copy of %s has sha256 %s, not the expected %s; downloading again.",
                    what,
                    record.get("sha256"),
                    expected,
                )
            if self.settings.offline:
                raise self._offline_error(what, show(url, query))

            if resume:
                path = download_resuming(
                    self,
                    url if not query else f"{url}?{urllib.parse.urlencode(query)}",
                    key=key,
                    what=what,
                    suffix=suffix,
                    meta={"url": url, "params": query, "description": description},
                    expected_md5=expected_md5,
                    expected_sha256=expected,
                    progress=progress,
                )
                logger.info("Downloaded %s to %s", what, path)
                return path

            def consume(response: requests.Response) -> Path:
                meta = {
                    "url": url,
                    "params": query,
                    "description": description,
                    "content_type": response.headers.get("Content-Type"),
                    "etag": response.headers.get("ETag"),
                    "last_modified": response.headers.get("Last-Modified"),
                }
                chunks = self._checked_chunks(
                    response, url, expected, progress, suffix, expected_md5
                )
                return self.cache.put_stream(key, chunks, suffix=suffix, meta=meta)

            path = self._request("GET", url, what=what, params=query, consume=consume)
            logger.info("Downloaded %s to %s", what, path)
            return path

    def _checked_chunks(
        self,
        response: requests.Response,
        url: str,
        expected: str | None,
        progress: Progress | None,
        suffix: str,
        expected_md5: str | None = None,
    ) -> Iterator[bytes]:
        """The body's chunks; at the end, raise if its sha256 (md5) is not the expected one."""
        digest = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False) if expected_md5 else None
        for chunk in self._iter_body(response, url, progress=progress, suffix=suffix):
            digest.update(chunk)
            if md5 is not None:
                md5.update(chunk)
            yield chunk
        if md5 is not None and md5.hexdigest() != expected_md5.strip().lower():  # type: ignore[union-attr]
            raise DownloadError(
                f"The file downloaded from {url} has md5 {md5.hexdigest()}, not the "
                f"published {expected_md5}: it was not kept. Try again later (the publisher "
                "may have been replacing the file)."
            )
        actual = digest.hexdigest()
        if expected is not None and actual != expected:
            raise DownloadError(
                f"The file downloaded from {url} has sha256 {actual}, not the "
                f"expected {expected}: it was not kept. The publisher may have "
                "replaced it; if the new file is right, update its hash in the "
                "sources registry."
            )
