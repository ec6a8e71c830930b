"""The transport: one :class:`requests.Session`, timeouts, retries and probes.

:class:`Transport` sends GET and POST requests with explicit timeouts, a
``User-Agent`` naming the project, and retries with exponential backoff that
honour ``Retry-After``.  When a connection cannot be made it sends one quick
probe (a plain TCP connect to the same host); if that fails too the host is
treated as unreachable for the rest of the client's life and every request to
it fails at once with a message saying what to do, instead of each dataset
retrying for minutes.  Protocol clients (:mod:`geo.net.arcgis`,
:mod:`geo.net.nomis`, :mod:`geo.net.overpass`) build on it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import math
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

from geo.config import Settings
from geo.errors import DownloadError, OfflineError, UnreachableError
from geo.net._util import short, show, text_of
from geo.net.cache import Cache
from geo.progress import Progress

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Seconds the reachability probe waits for a TCP connection.
PROBE_TIMEOUT = 2.0

_CHUNK = 256 * 1024
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
_HINT_UNREACHABLE = (
    "Check your connection and run again; or work from local copies with "
    "ATLAS_SOURCES=data/sources.shared.toml (and ATLAS_SHARED_DATA naming the data folder); "
    "or try the built-in demo with --area demo."
)

T = TypeVar("T")


class BodyError(Exception):
    """A transient problem with a response body (the request is retried)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Which answers are retried, how often, and how long to wait.

    Attributes
    ----------
    statuses
        HTTP statuses that are retried.
    retries
        Retries after the first attempt (``None``: ``settings.retries``).
    wait
        Called as ``wait(response, attempt)`` for a retried status; returns
        the seconds to wait, or ``None`` for the usual backoff.
    """

    statuses: frozenset[int] = RETRY_STATUSES
    retries: int | None = None
    wait: Callable[[requests.Response, int], float | None] | None = None


DEFAULT_POLICY = RetryPolicy()


class Transport:
    """Sends requests with retries, an offline switch and a reachability probe.

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
    on HTTP 429, 500, 502, 503, 504, on dropped connections and read
    timeouts, and on bodies cut short.  The wait is ``Retry-After`` when the
    server sends it (seconds or an HTTP date), else ``settings.backoff *
    2**attempt``; both are capped at ``settings.max_retry_after``.  Other HTTP
    errors fail at once.  A connection that cannot be made at all is probed
    once; an unreachable host fails at once with :class:`UnreachableError`.
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
        self._unreachable: dict[str, str] = {}

    def _store_answer(
        self, key: str, body: bytes, suffix: str, url: str, query: object, **meta: object
    ) -> None:
        """Cache a checked, complete answer with where it came from (never an error or a part)."""
        self.cache.put_bytes(key, body, suffix=suffix, meta={"url": url, "query": query, **meta})

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._own_session:
            self.session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _timeouts(self, read: float | None = None) -> tuple[float, float]:
        connect = min(self.settings.connect_timeout, self.settings.timeout)
        return (connect, max(self.settings.timeout, read or 0.0))

    # ------------------------------------------------------------ messages

    def _offline_error(self, what: str, url: str) -> OfflineError:
        return OfflineError(
            f"Offline mode is on ({self.settings.offline_because}): {what} is not in the cache at "
            f"{self.cache.root}. Supply a local copy of it in a sources file (--sources or "
            f"ATLAS_SOURCES), or run once online to download it from {short(url, 200)}."
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
            f"({text_of(self._snippet(response), 200)}). {hint}"
        )

    # --------------------------------------------------------- reachability

    def _probe(self, url: str, what: str, problem: str) -> UnreachableError | None:
        """One quick TCP connect to ``url``'s host; an error when it fails too."""
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        started = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=PROBE_TIMEOUT):
                return None
        except OSError as exc:
            took = time.monotonic() - started
            message = (
                f"Could not download {what}: could not connect to {host} ({problem}), and a "
                f"quick check connecting to {host}:{port} failed too ({short(exc, 100)}, "
                f"{took:.1f} s), so the network or the server looks unreachable and nothing "
                f"more was tried. {_HINT_UNREACHABLE}"
            )
            self._unreachable[host] = message
            return UnreachableError(message)

    def _check_reachable(self, url: str) -> None:
        known = self._unreachable.get(urllib.parse.urlsplit(url).hostname or "")
        if known is not None:
            raise UnreachableError(known)

    # ------------------------------------------------------------- requests

    def _send(
        self,
        method: str,
        url: str,
        sent: tuple[Mapping[str, Any] | None, Mapping[str, Any] | None, Any],
        timeout: tuple[float, float],
        *,
        what: str,
        shown: str,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[requests.Response | None, str]:
        """One attempt: the response, or None and why it is worth another try.

        ``sent`` is (query parameters, form data, JSON body). A host that is not
        reachable at all, or a request that cannot be made, raises instead.
        """
        params, data, json_body = sent
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers={"User-Agent": self.settings.user_agent, **(headers or {})},
                timeout=timeout,
                stream=True,
            )
        except requests.ReadTimeout:
            return None, f"no answer within {timeout[1]:g} s (ATLAS_TIMEOUT)"
        except (requests.ConnectionError, requests.Timeout) as exc:
            problem = f"could not connect ({short(exc, 160)})"
            if _not_connected(exc):
                unreachable = self._probe(url, what, problem)
                if unreachable is not None:
                    raise unreachable from None
            return None, problem
        except requests.RequestException as exc:
            raise DownloadError(
                f"Could not request {what} from {shown}: {short(exc)}. Check the address "
                "in the sources registry."
            ) from exc
        return response, ""

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
        policy: RetryPolicy = DEFAULT_POLICY,
        read_timeout: float | None = None,
        headers: Callable[[], Mapping[str, str]] | None = None,
    ) -> T:
        """Send a request, retrying, and hand a successful response to ``consume``.

        ``headers``, when given, is asked for extra request headers before each
        attempt (a resumed download asks for the bytes it still lacks).
        """
        shown = show(url, params)
        if self.settings.offline:
            raise self._offline_error(what, shown)
        self._check_reachable(url)
        retries = self.settings.retries if policy.retries is None else policy.retries
        attempts = retries + 1
        problem = "no attempt made"
        timeout = self._timeouts(read_timeout)
        for attempt in range(attempts):
            delay: float | None = None
            sent = (params, data, json_body)
            extra = headers() if headers is not None else None
            response, failure = self._send(
                method, url, sent, timeout, what=what, shown=shown, headers=extra
            )
            if response is None:
                problem = failure
            else:
                with response:
                    if response.status_code in policy.statuses:
                        problem = f"HTTP {response.status_code} {response.reason}"
                        delay = self._retry_after(response)
                        if policy.wait is not None and attempt < attempts - 1:
                            custom = policy.wait(response, attempt)
                            delay = custom if custom is not None else delay
                    elif response.status_code >= 400:
                        raise self._http_error(response, shown, what)
                    else:
                        try:
                            return consume(response)
                        except BodyError as exc:
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
        """Yield the body in chunks; raise :class:`BodyError` if it is cut short."""
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
                    progress(url, done, None if encoded else total)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            dropped = short(exc, 160)
        # Raw bytes off the wire: urllib3 may drop a partly read buffer when the
        # connection closes early, and with Content-Encoding the decoded size differs.
        tell = getattr(response.raw, "tell", None)
        raw_count = tell() if callable(tell) else None
        received = raw_count if encoded else max(done, raw_count or 0)
        if total is not None and received is not None and received < total:
            closed = " (the connection closed early)" if dropped else ""
            raise BodyError(f"the body was truncated: received {received} of {total} bytes{closed}")
        if dropped is not None:
            raise BodyError(f"the connection dropped after {done} bytes ({dropped})")

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
                f"({text_of(chunk, 160)}). The file may have moved or the server is showing "
                "an error page: open the address in a browser and update the sources registry."
            )
        if html and last in _TEXT_KINDS:
            raise DownloadError(
                f"{url} returned a web page (HTML) instead of the expected {last} file "
                f"({text_of(chunk, 160)}). The file may have moved or the server is showing an "
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
        check: Callable[[bytes], object] | None = None,
        policy: RetryPolicy = DEFAULT_POLICY,
        read_timeout: float | None = None,
    ) -> bytes:
        """The whole body; ``check`` may raise :class:`BodyError` to retry."""

        def consume(response: requests.Response) -> bytes:
            body = b"".join(self._iter_body(response, url))
            if check is not None:
                check(body)
            return body

        return self._request(
            method,
            url,
            what=what,
            params=params,
            data=data,
            consume=consume,
            policy=policy,
            read_timeout=read_timeout,
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
                f"{url} did not answer with JSON for {what}: {text_of(body, 200)}."
            ) from None


def _not_connected(exc: requests.RequestException) -> bool:
    """Whether the connection was never made (refused, no route, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    text = repr(exc)
    markers = ("NewConnectionError", "NameResolutionError", "Failed to resolve", "ConnectTimeout")
    return any(marker in text for marker in markers)
