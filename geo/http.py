"""The one place that talks to the network.

:class:`HttpClient` wraps a :class:`requests.Session` with explicit timeouts,
a ``User-Agent`` naming the project, retries with exponential backoff (for
GET and POST alike) that honour ``Retry-After``, an offline switch, and the
on-disk :class:`~geo.cache.Cache`.  On top of plain downloads it knows the
quirks of the three official APIs the atlas uses:

* **ArcGIS FeatureServer** (ONS Open Geography Portal) answers errors with
  HTTP 200 and an ``{"error": …}`` body and pages at ``maxRecordCount``;
* **Nomis** silently cuts anonymous responses at 25,000 rows and reports
  errors as HTTP 200 pages that are not CSV;
* **Overpass** may answer HTTP 200 with a ``remark`` saying the query timed
  out, beside a partial result.

Nothing partial or erroneous is ever cached: results are checked (byte counts,
feature and row counts, checksums, error bodies) before they are stored, and
stores are atomic.  Every failure is a :class:`~geo.errors.DownloadError` (or
:class:`~geo.errors.OfflineError`) whose message names the URL and says what
to do next.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import hashlib
import io
import json
import logging
import math
import posixpath
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import requests

from geo.cache import Cache
from geo.config import Settings
from geo.errors import DownloadError, OfflineError

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOMIS_API = "https://www.nomisweb.co.uk/api/v01"
NOMIS_PAGE_ROWS = 25_000
OVERPASS_URL = "https://overpass-api.de/api/interpreter"
ARCGIS_DEFAULT_PAGE = 1000
ARCGIS_CODES_PER_REQUEST = 200
ARCGIS_LONG_WHERE = 1500  # characters; longer where clauses are sent by POST

_CHUNK = 256 * 1024
_MAX_PAGES = 5000
_OVERPASS_FATAL = ("runtime error", "timed out", "out of memory")
_MAGIC = {
    ".zip": (b"PK\x03\x04", b"PK\x05\x06"),
    ".xlsx": (b"PK\x03\x04",),
    ".gz": (b"\x1f\x8b",),
    ".parquet": (b"PAR1",),
}
_TEXT_KINDS = {".csv", ".tsv", ".txt", ".json", ".geojson", ".xml"}
_HINT_NETWORK = (
    "The server may be busy or down: try again later. Check your connection, or run "
    "offline with local copies named in a sources file (--sources or ATLAS_SOURCES)."
)

T = TypeVar("T")
Progress = Callable[[int, int | None], object]


class _BodyError(Exception):
    """A transient problem while reading a response body (retried)."""


def _short(value: object, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The URL as it would be requested, shortened for messages."""
    if params:
        url = f"{url}?{urllib.parse.urlencode({k: str(v) for k, v in params.items()})}"
    return _short(url, 240)


def _text_of(body: bytes, limit: int = 300) -> str:
    """Readable text from an HTML/XML/text body, for error messages."""
    text = body[:20_000].decode("utf-8", errors="replace")
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return _short(text, limit) or "(empty body)"


def _url_suffix(url: str) -> str:
    """The file extension(s) of a URL's path, such as ``.csv`` or ``.geojson.gz``."""
    name = posixpath.basename(urllib.parse.urlparse(url).path)
    parts = name.split(".")[1:]
    suffixes = []
    for part in reversed(parts[-2:]):
        if not re.fullmatch(r"[A-Za-z0-9]{1,10}", part):
            break
        suffixes.insert(0, f".{part.lower()}")
    if len(suffixes) == 2 and suffixes[1] not in {".gz", ".zip", ".bz2", ".xz", ".pbf"}:
        suffixes = suffixes[1:]
    return "".join(suffixes)


def _params_text(params: Mapping[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[str(name)] = "true" if value else "false"
        elif isinstance(value, str | bytes) or not isinstance(value, Sequence):
            out[str(name)] = str(value)
        else:
            out[str(name)] = ",".join(str(v) for v in value)
    return out


def _cache_key(kind: str, label: str, url: str, payload: object) -> str:
    digest = hashlib.sha256(
        json.dumps([url, payload], sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()
    return f"{kind}/{label}-{digest[:32]}" if label else f"{kind}/{digest[:32]}"


def _arcgis_service(layer_url: str) -> str:
    """The service name in ``…/services/<NAME>/FeatureServer/0``."""
    parts = urllib.parse.urlparse(layer_url).path.rstrip("/").split("/")
    for index, part in enumerate(parts):
        if part.lower() in {"featureserver", "mapserver"} and index > 0:
            return parts[index - 1]
    return parts[-1] if parts else layer_url


def _sql_quote(code: str) -> str:
    return "'" + code.replace("'", "''") + "'"


class HttpClient:
    """Downloads with retries, integrity checks, an offline switch and a cache.

    Parameters
    ----------
    settings
        Timeouts, retries, backoff, ``Retry-After`` cap, user agent, offline
        flag and cache folder.
    session
        A :class:`requests.Session` to use (a new one by default; a session
        passed in is not closed by :meth:`close`).
    cache
        Where results are kept; by default ``Cache(settings.cache_dir)``.
    sleep
        Called with the number of seconds to wait between attempts (tests
        pass a recorder instead of :func:`time.sleep`).

    Notes
    -----
    Requests are retried ``settings.retries`` times after the first attempt
    on HTTP 429, 500, 502, 503, 504, on connection failures and timeouts, and
    on bodies cut short.  The wait is ``Retry-After`` when the server sends it
    (seconds or an HTTP date), else ``settings.backoff * 2**attempt``; both are
    capped at ``settings.max_retry_after``.  Other HTTP errors fail at once.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        cache: Cache | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else Cache(settings.cache_dir)
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._timeout = (settings.timeout, settings.timeout)

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ machinery

    def _offline_error(self, what: str, url: str) -> OfflineError:
        return OfflineError(
            f"Offline mode is on ({self.settings.offline_because}): {what} is not in the cache at "
            f"{self.cache.root}. Supply a local copy of it in a sources file (--sources or "
            f"ATLAS_SOURCES), or run once online to download it from {_short(url, 200)}."
        )

    def _retry_after(self, response: requests.Response) -> float | None:
        value = (response.headers.get("Retry-After") or "").strip()
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                logger.debug("Ignoring unreadable Retry-After %r", value)
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
        if not math.isfinite(seconds):
            return None
        return min(max(seconds, 0.0), self.settings.max_retry_after)

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.backoff * (2**attempt), self.settings.max_retry_after)

    @staticmethod
    def _snippet(response: requests.Response) -> bytes:
        body = b""
        try:
            for chunk in response.iter_content(4096):
                body += chunk
                if len(body) >= 8192:
                    break
        except requests.RequestException:
            pass
        return body

    def _http_error(self, response: requests.Response, url: str, what: str) -> DownloadError:
        status = response.status_code
        if status in (404, 410):
            hint = (
                "The file or service may have moved or been renamed: check the address in "
                "the sources registry (for an ArcGIS layer, open it with ?f=pjson)."
            )
        elif status in (401, 403):
            hint = "The server refused access: the dataset may now need a login or be withdrawn."
        elif 400 <= status < 500:
            hint = "The server rejected the request: check the query parameters."
        else:
            hint = "The server failed: try again later."
        return DownloadError(
            f"Could not download {what}: {url} answered HTTP {status} {response.reason} "
            f"({_text_of(self._snippet(response), 200)}). {hint}"
        )

    def _request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        consume: Callable[[requests.Response], T],
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> T:
        """Send a request, retrying, and hand a successful response to ``consume``."""
        shown = _show(url, params)
        if self.settings.offline:
            raise self._offline_error(what, shown)
        attempts = self.settings.retries + 1
        problem = "no attempt made"
        for attempt in range(attempts):
            delay: float | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    json=json_body,
                    headers={"User-Agent": self.settings.user_agent},
                    timeout=self._timeout,
                    stream=True,
                )
            except requests.ReadTimeout:
                problem = f"no answer within {self.settings.timeout:g} s (ATLAS_TIMEOUT)"
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"could not connect ({_short(exc, 160)})"
            except requests.RequestException as exc:
                raise DownloadError(
                    f"Could not request {what} from {shown}: {_short(exc)}. Check the address "
                    "in the sources registry."
                ) from exc
            else:
                with response:
                    if response.status_code in RETRY_STATUSES:
                        problem = f"HTTP {response.status_code} {response.reason}"
                        delay = self._retry_after(response)
                    elif response.status_code >= 400:
                        raise self._http_error(response, shown, what)
                    else:
                        try:
                            return consume(response)
                        except _BodyError as exc:
                            problem = str(exc)
            if attempt == attempts - 1:
                break
            wait = delay if delay is not None else self._backoff(attempt)
            logger.warning(
                "%s %s: %s; retrying in %.1f s (attempt %d of %d).",
                method,
                shown,
                problem,
                wait,
                attempt + 2,
                attempts,
            )
            self._sleep(wait)
        source = shown if what == shown else f"{what} from {shown}"
        raise DownloadError(
            f"Could not download {source}: {problem} "
            f"(gave up after {attempts} attempt{'s' if attempts != 1 else ''}). {_HINT_NETWORK}"
        )

    def _iter_body(
        self,
        response: requests.Response,
        url: str,
        *,
        progress: Progress | None = None,
        suffix: str = "",
    ) -> Iterator[bytes]:
        """Yield the body in chunks; raise :class:`_BodyError` if it is cut short."""
        length = response.headers.get("Content-Length", "")
        total = int(length) if length.strip().isdigit() else None
        encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
        encoded = encoding not in ("", "identity")
        done = 0
        first = True
        dropped: str | None = None
        try:
            for chunk in response.iter_content(_CHUNK):
                if not chunk:
                    continue
                if first:
                    self._check_kind(chunk, response, url, suffix)
                    first = False
                done += len(chunk)
                yield chunk
                if progress is not None:
                    progress(done, None if encoded else total)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            dropped = _short(exc, 160)
        # Raw bytes off the wire: urllib3 may drop a partly read buffer when the
        # connection closes early, and with Content-Encoding the decoded size differs.
        tell = getattr(response.raw, "tell", None)
        raw_count = tell() if callable(tell) else None
        received = raw_count if encoded else max(done, raw_count or 0)
        if total is not None and received is not None and received < total:
            closed = " (the connection closed early)" if dropped else ""
            raise _BodyError(
                f"the body was truncated: received {received} of {total} bytes{closed}"
            )
        if dropped is not None:
            raise _BodyError(f"the connection dropped after {done} bytes ({dropped})")

    @staticmethod
    def _check_kind(chunk: bytes, response: requests.Response, url: str, suffix: str) -> None:
        """Fail on an HTML page (or wrong magic bytes) where a data file was expected."""
        last = "." + suffix.rsplit(".", 1)[-1] if suffix else ""
        content_type = (response.headers.get("Content-Type") or "").lower()
        head = chunk[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        html = head.startswith((b"<!doctype html", b"<html")) or (
            "text/html" in content_type and head.startswith(b"<")
        )
        if last in _MAGIC and not chunk.startswith(_MAGIC[last]):
            kind = "a web page (HTML)" if html else f"data starting {chunk[:8]!r}"
            raise DownloadError(
                f"{url} returned {kind} instead of the expected {last} file "
                f"({_text_of(chunk, 160)}). The file may have moved or the server is showing "
                "an error page: open the address in a browser and update the sources registry."
            )
        if html and last in _TEXT_KINDS:
            raise DownloadError(
                f"{url} returned a web page (HTML) instead of the expected {last} file "
                f"({_text_of(chunk, 160)}). The file may have moved or the server is showing an "
                "error page: open the address in a browser and update the sources registry."
            )

    def _get_bytes(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> bytes:
        return self._request(
            method,
            url,
            what=what,
            params=params,
            data=data,
            consume=lambda response: b"".join(self._iter_body(response, url)),
        )

    def post_json(self, url: str, payload: Any, *, description: str = "") -> Any:
        """POST ``payload`` as JSON and return the parsed JSON answer (not cached).

        Retried like every request (429, 5xx, connection errors); never sent
        when offline (:class:`OfflineError`).
        """
        what = description or url
        body = self._request(
            "POST",
            url,
            what=what,
            json_body=payload,
            consume=lambda response: b"".join(self._iter_body(response, url)),
        )
        try:
            return json.loads(body)
        except ValueError:
            raise DownloadError(
                f"{url} did not answer with JSON for {what}: {_text_of(body, 200)}."
            ) from None

    # ------------------------------------------------------------- download

    @staticmethod
    def download_key(url: str, params: Mapping[str, Any] | None = None) -> str:
        """The cache key :meth:`download` uses for ``url`` and ``params`` by default."""
        name = posixpath.basename(urllib.parse.urlparse(url).path).split(".")[0]
        return _cache_key("download", name, url, _params_text(params))

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
            Called as ``progress(done_bytes, total_bytes_or_None)`` while
            data arrives.
        description
            What the file is, for messages (``"IoD2025 File 7"``).
        suffix
            Extension of the cached file; by default taken from the URL.
            ``.csv``/``.json``/``.zip``/``.gz``/``.xlsx``/``.parquet`` files
            are checked not to be an HTML error page.

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
        suffix = _url_suffix(url) if suffix is None else suffix
        params_text = _params_text(params)
        key = key or self.download_key(url, params)
        expected = expected_sha256.strip().lower() if expected_sha256 else None
        what = description or _show(url, params_text)
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
                raise self._offline_error(what, _show(url, params_text))

            def consume(response: requests.Response) -> Path:
                digest = hashlib.sha256()

                def body() -> Iterator[bytes]:
                    for chunk in self._iter_body(response, url, progress=progress, suffix=suffix):
                        digest.update(chunk)
                        yield chunk
                    actual = digest.hexdigest()
                    if expected is not None and actual != expected:
                        raise DownloadError(
                            f"The file downloaded from {url} has sha256 {actual}, not the "
                            f"expected {expected}: it was not kept. The publisher may have "
                            "replaced it; if the new file is right, update its hash in the "
                            "sources registry."
                        )

                meta = {
                    "url": url,
                    "params": params_text,
                    "description": description,
                    "content_type": response.headers.get("Content-Type"),
                    "etag": response.headers.get("ETag"),
                    "last_modified": response.headers.get("Last-Modified"),
                }
                return self.cache.put_stream(key, body(), suffix=suffix, meta=meta)

            path = self._request("GET", url, what=what, params=params_text, consume=consume)
            logger.info("Downloaded %s to %s", what, path)
            return path

    # --------------------------------------------------------------- ArcGIS

    def _arcgis_json(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any],
        *,
        layer_url: str,
        what: str,
    ) -> dict[str, Any]:
        form = _params_text(params)
        body = self._get_bytes(
            method,
            url,
            what=what,
            params=form if method == "GET" else None,
            data=form if method == "POST" else None,
        )
        check = f"{layer_url}?f=pjson"
        try:
            doc = json.loads(body)
        except ValueError:
            raise DownloadError(
                f"The ArcGIS layer {layer_url} did not return JSON ({_text_of(body, 200)}). "
                f"The service name may have changed: check it with {check} and update the "
                "sources registry."
            ) from None
        if not isinstance(doc, dict):
            raise DownloadError(f"The ArcGIS layer {layer_url} returned unexpected JSON.")
        error = doc.get("error")
        if error is not None:
            error = error if isinstance(error, dict) else {"message": error}
            details = error.get("details") or []
            extra = f" ({'; '.join(map(str, details))})" if details else ""
            raise DownloadError(
                f"The ArcGIS service {_arcgis_service(layer_url)} at {layer_url} answered "
                f"error {error.get('code', '?')}: {error.get('message', 'no message')}{extra}. "
                "The service name may have changed (ONS services carry version suffixes that "
                f"change): check it with {check} and update the sources registry."
            )
        return doc

    @staticmethod
    def _arcgis_wheres(
        where: str, codes_field: str | None, codes: list[str] | None, chunk_size: int
    ) -> list[str]:
        if codes is None:
            return [where]
        base = "" if where.strip() in ("", "1=1") else f"({where}) AND "
        return [
            f"{base}{codes_field} IN ({','.join(_sql_quote(c) for c in codes[i : i + chunk_size])})"
            for i in range(0, len(codes), chunk_size)
        ]

    def arcgis_features(
        self,
        layer_url: str,
        *,
        where: str = "1=1",
        out_fields: str | Sequence[str] = "*",
        out_sr: int = 4326,
        order_by: str | None = None,
        page_size: int | None = None,
        codes_field: str | None = None,
        codes: Sequence[str] | None = None,
        progress: Progress | None = None,
        chunk_size: int = ARCGIS_CODES_PER_REQUEST,
        description: str = "",
    ) -> dict[str, Any]:
        """All features of an ArcGIS FeatureServer layer query, as GeoJSON.

        Counts first (``returnCountOnly``), then pages with ``resultOffset`` /
        ``resultRecordCount`` in a stable order until ``exceededTransferLimit``
        is false (top level or under ``properties``) and the count is reached,
        and checks the total.

        Parameters
        ----------
        layer_url
            The layer, ``…/FeatureServer/<n>`` (a trailing ``/query`` is ignored).
        where
            SQL filter.
        out_fields
            Field names (a comma-separated string or a list) or ``"*"``.
        out_sr
            Output spatial reference (EPSG code).
        order_by
            ``orderByFields`` for stable paging; default the first out field,
            or the layer's object-id field when ``out_fields`` is ``"*"``.
        page_size
            Features per request; default the layer's ``maxRecordCount``
            (from ``?f=pjson``), or 1000.
        codes_field, codes
            Select features whose ``codes_field`` is one of ``codes``; the
            list is split into ``IN (…)`` clauses of ``chunk_size`` codes sent
            by POST (combined with ``where`` by ``AND``).
        progress
            Called as ``progress(features_done, features_total)``.
        chunk_size
            Codes per request.
        description
            What the layer is, for messages.

        Returns
        -------
        dict
            A GeoJSON ``FeatureCollection``; cached as one file.

        Raises
        ------
        DownloadError
            On an error body (the message names the service and how to check
            it), a feature count that does not match, or HTTP errors.
        OfflineError
            When offline and the result is not cached.
        """
        layer_url = layer_url.rstrip("/")
        if layer_url.lower().endswith("/query"):
            layer_url = layer_url[: -len("/query")]
        fields = out_fields if isinstance(out_fields, str) else ",".join(out_fields)
        fields = ",".join(f.strip() for f in fields.split(",") if f.strip()) or "*"
        code_list: list[str] | None = None
        if codes is not None:
            if isinstance(codes, str):
                raise TypeError("codes must be a list of codes, not one string.")
            if not codes_field:
                raise ValueError("codes_field is required with codes (e.g. 'LSOA21CD').")
            code_list = sorted({str(c).strip() for c in codes if str(c).strip()})
        if chunk_size < 1 or (page_size is not None and page_size < 1):
            raise ValueError("chunk_size and page_size must be positive.")
        service = _arcgis_service(layer_url)
        what = description or f"ArcGIS layer {service}"
        query = {
            "where": where,
            "outFields": fields,
            "outSR": out_sr,
            "orderByFields": order_by,
            "codes_field": codes_field,
            "codes": code_list,
        }
        key = _cache_key("arcgis", service, layer_url, query)
        with self.cache.lock(key):
            hit = self.cache.get(key)
            if hit is not None:
                logger.debug("Cache hit for %s: %s", what, hit)
                return json.loads(hit.read_bytes())
            if self.settings.offline:
                raise self._offline_error(what, _show(f"{layer_url}/query", {"where": where}))
            collection = self._arcgis_fetch(
                layer_url,
                where=where,
                fields=fields,
                out_sr=out_sr,
                order_by=order_by,
                page_size=page_size,
                codes_field=codes_field,
                codes=code_list,
                chunk_size=chunk_size,
                progress=progress,
                what=what,
            )
            self.cache.put_bytes(
                key,
                json.dumps(collection, separators=(",", ":")).encode("utf-8"),
                suffix=".geojson",
                meta={
                    "url": layer_url,
                    "query": query,
                    "features": len(collection["features"]),
                    "description": description,
                },
            )
            return collection

    def _arcgis_fetch(
        self,
        layer_url: str,
        *,
        where: str,
        fields: str,
        out_sr: int,
        order_by: str | None,
        page_size: int | None,
        codes_field: str | None,
        codes: list[str] | None,
        chunk_size: int,
        progress: Progress | None,
        what: str,
    ) -> dict[str, Any]:
        if codes is not None and not codes:
            return {"type": "FeatureCollection", "features": []}
        info: dict[str, Any] = {}
        if page_size is None or (order_by is None and fields == "*"):
            info = self._arcgis_json(
                "GET", layer_url, {"f": "pjson"}, layer_url=layer_url, what=what
            )
        if page_size is None:
            max_records = info.get("maxRecordCount")
            page_size = (
                max_records
                if isinstance(max_records, int) and max_records > 0
                else ARCGIS_DEFAULT_PAGE
            )
        if order_by is None:
            if fields != "*":
                order_by = fields.split(",")[0]
            else:
                order_by = info.get("objectIdField") or next(
                    (
                        f.get("name")
                        for f in info.get("fields") or []
                        if isinstance(f, dict) and f.get("type") == "esriFieldTypeOID"
                    ),
                    None,
                )
                if not order_by:
                    logger.warning(
                        "No object-id field found for %s; paging without orderByFields.", what
                    )
        wheres = self._arcgis_wheres(where, codes_field, codes, chunk_size)
        post = codes is not None or any(len(w) > ARCGIS_LONG_WHERE for w in wheres)
        method = "POST" if post else "GET"
        query_url = f"{layer_url}/query"
        counts = []
        for clause in wheres:
            doc = self._arcgis_json(
                method,
                query_url,
                {"where": clause, "returnCountOnly": "true", "f": "json"},
                layer_url=layer_url,
                what=what,
            )
            count = doc.get("count")
            if not isinstance(count, int) or count < 0:
                raise DownloadError(
                    f"The ArcGIS layer {layer_url} did not return a feature count "
                    f"({_short(doc, 160)}). Check the layer with {layer_url}?f=pjson."
                )
            counts.append(count)
        total = sum(counts)
        features: list[Any] = []
        for clause, count in zip(wheres, counts, strict=True):
            received = 0
            offset = 0
            for _page in range(_MAX_PAGES):
                if count == 0:
                    break
                params = {
                    "where": clause,
                    "outFields": fields,
                    "outSR": out_sr,
                    "returnGeometry": "true",
                    "resultOffset": offset,
                    "resultRecordCount": page_size,
                    "orderByFields": order_by,
                    "f": "geojson",
                }
                page = self._arcgis_json(method, query_url, params, layer_url=layer_url, what=what)
                batch = page.get("features")
                if not isinstance(batch, list):
                    raise DownloadError(
                        f"The ArcGIS layer {layer_url} returned a page without features "
                        f"({_short(page, 160)}). Check the layer with {layer_url}?f=pjson."
                    )
                features.extend(batch)
                received += len(batch)
                offset += len(batch)
                if progress is not None:
                    progress(len(features), total)
                props = page.get("properties")
                exceeded = bool(page.get("exceededTransferLimit")) or bool(
                    isinstance(props, dict) and props.get("exceededTransferLimit")
                )
                if not batch or received > count or (received == count and not exceeded):
                    break
            if received != count:
                raise DownloadError(
                    f"The ArcGIS layer {layer_url} said {count} features match but sent "
                    f"{received}; the result was not kept. The layer may be changing or the "
                    "server overloaded: try again later."
                )
        logger.info("Fetched %d features from %s", len(features), what)
        return {"type": "FeatureCollection", "features": features}

    # ---------------------------------------------------------------- Nomis

    def nomis_csv(
        self,
        dataset_id: str,
        params: Mapping[str, Any],
        *,
        expected_rows: int | None = None,
        progress: Progress | None = None,
        base_url: str = NOMIS_API,
        description: str = "",
    ) -> bytes:
        """A whole Nomis dataset query as CSV bytes, paged past the 25,000-row cut.

        Requests ``<base_url>/dataset/<dataset_id>.data.csv`` with
        ``RecordOffset``/``RecordLimit`` until a page has fewer than 25,000
        rows, and joins the pages under one header.  Returns bytes (not a
        DataFrame) so callers choose how to parse; the bytes are the server's
        CSV with the repeated headers removed.

        Parameters
        ----------
        dataset_id
            Such as ``"NM_2021_1"``.
        params
            Query parameters (``date``, ``geography``, ``measures``, …); lists
            are joined with commas.  ``RecordOffset``/``RecordLimit`` are set
            here.
        expected_rows
            The number of data rows the caller knows it should get (areas ×
            categories); any other number raises.
        progress
            Called as ``progress(rows_done, expected_rows_or_None)``.
        base_url
            The API root, ``https://www.nomisweb.co.uk/api/v01`` by default.
        description
            What the table is, for messages.

        Returns
        -------
        bytes
            The combined CSV (UTF-8, one header line); cached.

        Raises
        ------
        DownloadError
            On an error page instead of CSV, a header without rows, a server
            that ignores paging, a row count other than ``expected_rows``, or
            HTTP errors.
        OfflineError
            When offline and the table is not cached.
        """
        url = f"{base_url.rstrip('/')}/dataset/{dataset_id}.data.csv"
        query = {
            k: v
            for k, v in _params_text(params).items()
            if k.lower() not in ("recordoffset", "recordlimit")
        }
        key = _cache_key("nomis", dataset_id, url, query)
        what = description or f"Nomis dataset {dataset_id}"
        with self.cache.lock(key):
            hit = self.cache.get(key)
            if hit is not None:
                rows = ((self.cache.meta(key) or {}).get("meta") or {}).get("rows")
                if expected_rows is None or rows == expected_rows:
                    return hit.read_bytes()
                logger.warning(
                    "Cached %s has %s rows, not the expected %d; downloading again.",
                    what,
                    rows,
                    expected_rows,
                )
            if self.settings.offline:
                raise self._offline_error(what, _show(url, query))
            combined, rows = self._nomis_pages(url, query, dataset_id, base_url, progress, what)
            if expected_rows is not None and rows != expected_rows:
                raise DownloadError(
                    f"Nomis sent {rows} rows for {what} but {expected_rows} were expected "
                    f"({_show(url, query)}); the result was not kept. Nomis cuts anonymous "
                    "responses silently: try again later, or check the geography and category "
                    "codes."
                )
            self.cache.put_bytes(
                key,
                combined,
                suffix=".csv",
                meta={"url": url, "params": query, "rows": rows, "description": description},
            )
            return combined

    def _nomis_pages(
        self,
        url: str,
        query: dict[str, str],
        dataset_id: str,
        base_url: str,
        progress: Progress | None,
        what: str,
    ) -> tuple[bytes, int]:
        parts: list[bytes] = []
        header: bytes | None = None
        previous_first: bytes | None = None
        rows = 0
        for _page in range(_MAX_PAGES):
            page_params = {**query, "RecordOffset": str(rows), "RecordLimit": str(NOMIS_PAGE_ROWS)}
            body = self._get_bytes("GET", url, what=what, params=page_params)
            page_header, data, count = self._nomis_page(
                body, _show(url, page_params), dataset_id, base_url, first=header is None
            )
            if not page_header:  # an empty page after a full one: the end
                return b"".join(parts), rows
            if header is None:
                header = page_header
                parts.append(page_header)
            elif page_header.lstrip(b"\xef\xbb\xbf") != header.lstrip(b"\xef\xbb\xbf"):
                raise DownloadError(
                    f"Nomis changed the CSV columns between pages of {what} ({url}); the "
                    "result was not kept. Try again later."
                )
            first_line = data.split(b"\n", 1)[0]
            if count and first_line == previous_first:
                raise DownloadError(
                    f"Nomis sent the same rows twice for {what} ({url}): it ignored "
                    "RecordOffset, so the table cannot be paged; the result was not kept."
                )
            previous_first = first_line
            parts.append(data)
            rows += count
            if progress is not None:
                progress(rows, None)
            if count < NOMIS_PAGE_ROWS:
                return b"".join(parts), rows
        raise DownloadError(f"Nomis kept sending full pages for {what} ({url}); gave up.")

    @staticmethod
    def _nomis_page(
        body: bytes, shown: str, dataset_id: str, base_url: str, *, first: bool
    ) -> tuple[bytes, bytes, int]:
        """Split a page into header and rows, or raise on an error page."""
        text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
        stripped = text.strip()
        discover = f"{base_url.rstrip('/')}/dataset/{dataset_id}.def.sdmx.json"
        if not stripped:
            if first:
                raise DownloadError(
                    f"Nomis returned an empty response for {shown}. Check the dataset id and "
                    f"parameters (see {discover}), or try again later."
                )
            return b"", b"", 0
        first_line = stripped.split("\n", 1)[0]
        not_csv = stripped.startswith(("<", "{")) or (
            "," not in first_line
            and (len(first_line.split()) >= 3 or "error" in first_line.lower())
        )
        if not_csv:
            raise DownloadError(
                f"Nomis returned an error instead of CSV for {shown}: {_text_of(body, 240)}. "
                f"Check the dataset id and parameters (geography, measures, category codes; "
                f"see {discover})."
            )
        newline = body.find(b"\n")
        header = body if newline < 0 else body[: newline + 1]
        data = b"" if newline < 0 else body[newline + 1 :]
        if not header.endswith(b"\n"):
            header += b"\n"
        if data and not data.endswith(b"\n"):
            data += b"\n"
        count = sum(
            1 for row in csv.reader(io.StringIO(data.decode("utf-8", errors="replace"))) if row
        )
        if first and count == 0:
            raise DownloadError(
                f"Nomis returned only a CSV header, no rows, for {shown}: the selection "
                f"matched nothing. Check the geography and category codes (see {discover})."
            )
        return header, data, count

    # ------------------------------------------------------------- Overpass

    def overpass(
        self, query: str, *, url: str | None = OVERPASS_URL, description: str = ""
    ) -> dict[str, Any]:
        """Run an Overpass QL query (POST) and return its JSON result.

        Parameters
        ----------
        query
            The query; it must ask for JSON (``[out:json]``).
        url
            The interpreter endpoint (``None`` means the public one).
        description
            What is being fetched, for messages.

        Returns
        -------
        dict
            The parsed JSON (``elements`` and so on); cached by query text.

        Raises
        ------
        DownloadError
            When the server reports a runtime error, timeout or memory
            exhaustion in ``remark`` (the partial result is not kept), answers
            something other than JSON, or fails after retries (429/504 are
            retried with backoff).
        OfflineError
            When offline and the result is not cached.
        """
        url = url or OVERPASS_URL
        key = _cache_key("overpass", "overpass", url, {"query": query})
        what = description or "an OpenStreetMap (Overpass) query"
        with self.cache.lock(key):
            hit = self.cache.get(key)
            if hit is not None:
                return json.loads(hit.read_bytes())
            if self.settings.offline:
                raise self._offline_error(what, url)
            body = self._get_bytes("POST", url, what=what, data={"data": query})
            try:
                doc = json.loads(body)
            except ValueError:
                raise DownloadError(
                    f"Overpass at {url} did not return JSON for {what}: {_text_of(body, 240)}. "
                    "Check that the query starts with [out:json] and is valid, or try again "
                    "later if the server reports an error."
                ) from None
            if not isinstance(doc, dict) or not isinstance(doc.get("elements"), list):
                raise DownloadError(
                    f"Overpass at {url} returned JSON without elements for {what}; check the query."
                )
            remark = str(doc.get("remark") or "")
            if any(marker in remark.lower() for marker in _OVERPASS_FATAL):
                raise DownloadError(
                    f"Overpass at {url} stopped early for {what}: {_short(remark, 240)}. The "
                    "result would be partial, so it was not kept. Try again later when the "
                    "server is less busy, raise [timeout:…] or [maxsize:…] in the query, or "
                    "split the area into smaller parts."
                )
            if remark:
                logger.warning("Overpass remark for %s: %s", what, _short(remark))
            self.cache.put_bytes(
                key,
                body,
                suffix=".json",
                meta={
                    "url": url,
                    "query": query,
                    "elements": len(doc["elements"]),
                    "description": description,
                },
            )
            return doc
