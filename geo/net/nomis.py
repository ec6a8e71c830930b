"""The Nomis API (Census 2021 tables by small area).

Nomis cuts anonymous responses at 25,000 rows without saying so, and answers
HTTP 200 with a page that is not CSV both for a bad query (an XML or text
``error``) and when it is rate-limiting.  :class:`NomisClient` pages with
``RecordOffset``/``RecordLimit``, retries non-CSV pages that do not name a
query error, keeps a minimum interval between its requests
(``Settings.nomis_interval``), and splits long lists of geography codes so
that no request URL is longer than ``Settings.nomis_max_url`` characters.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from geo.errors import DownloadError
from geo.net._http import BodyError, Transport
from geo.net._util import cache_key, params_text, show, text_of
from geo.progress import Progress

logger = logging.getLogger(__name__)

NOMIS_API = "https://www.nomisweb.co.uk/api/v01"
NOMIS_PAGE_ROWS = 25_000
_MAX_PAGES = 5000
#: Words with which Nomis states that the query itself is wrong (not retried).
_QUERY_ERROR = re.compile(
    r"cannot create query|unknown|invalid|not (?:available|found|recognised|recognized)", re.I
)


def _not_csv(body: bytes) -> bool:
    """Whether a non-empty body is an error page rather than CSV."""
    stripped = body.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not stripped:
        return False
    first_line = stripped.split("\n", 1)[0]
    return stripped.startswith(("<", "{")) or (
        "," not in first_line and (len(first_line.split()) >= 3 or "error" in first_line.lower())
    )


def _retry_error_page(body: bytes) -> None:
    """Raise :class:`BodyError` (retried) for a non-CSV page that names no query error."""
    if _not_csv(body) and not _QUERY_ERROR.search(text_of(body, 2000)):
        raise BodyError(
            f"Nomis answered with a page that is not CSV ({text_of(body, 160)}); this is how "
            "Nomis shows that it is limiting requests"
        )


def split_codes(url: str, params: Mapping[str, str], codes: Sequence[str], limit: int) -> list[str]:
    """Comma-joined groups of ``codes`` whose request URLs stay within ``limit`` characters.

    The length counted is that of ``url?params&geography=…&RecordOffset=…&RecordLimit=…``
    as :mod:`requests` encodes it (commas become ``%2C``).
    """
    probe = {**params, "geography": "", "RecordOffset": "9" * 9, "RecordLimit": "25000"}
    fixed = len(url) + 1 + len(urllib.parse.urlencode(probe))
    room = limit - fixed
    groups: list[list[str]] = [[]]
    used = 0
    for code in codes:
        cost = len(urllib.parse.quote_plus(code)) + (3 if groups[-1] else 0)
        if groups[-1] and used + cost > room:
            groups.append([])
            used, cost = 0, len(urllib.parse.quote_plus(code))
        if cost > room:
            raise ValueError(f"A Nomis request for {code!r} would exceed {limit} characters.")
        groups[-1].append(code)
        used += cost
    return [",".join(group) for group in groups if group]


class NomisClient(Transport):
    """Nomis API queries on top of :class:`Transport`."""

    _nomis_last = float("-inf")

    def _nomis_get(self, url: str, params: dict[str, str], what: str) -> bytes:
        """One Nomis request, at least ``settings.nomis_interval`` after the previous one."""
        wait = self._nomis_last + self.settings.nomis_interval - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        try:
            return self._get_bytes("GET", url, what=what, params=params, check=_retry_error_page)
        finally:
            self._nomis_last = time.monotonic()

    def nomis_geography_csv(
        self,
        dataset_id: str,
        codes: Sequence[str],
        params: Mapping[str, Any],
        *,
        progress: Progress | None = None,
        base_url: str = NOMIS_API,
        description: str = "",
    ) -> bytes:
        """A Nomis query for a list of geography codes, as one CSV.

        The codes are sorted and split so that every request URL stays within
        ``settings.nomis_max_url`` characters; each group is fetched (and
        cached) with :meth:`nomis_csv` and the CSVs are joined under one header.
        """
        url = f"{base_url.rstrip('/')}/dataset/{dataset_id}.data.csv"
        query = params_text(params)
        groups = split_codes(url, query, sorted(codes), self.settings.nomis_max_url)
        lines: list[str] = []
        for group in groups:
            raw = self.nomis_csv(
                dataset_id,
                {**query, "geography": group},
                progress=progress,
                base_url=base_url,
                description=description,
            )
            text = raw.decode("utf-8-sig").splitlines()
            lines.extend(text if not lines else text[1:])
        return ("\n".join(lines) + "\n").encode()

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
            Called as ``progress(what, rows_done, expected_rows_or_None)``.
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
            for k, v in params_text(params).items()
            if k.lower() not in ("recordoffset", "recordlimit")
        }
        key = cache_key("nomis", dataset_id, url, query)
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
                raise self._offline_error(what, show(url, query))
            combined, rows = self._nomis_pages(url, query, dataset_id, base_url, progress, what)
            if expected_rows is not None and rows != expected_rows:
                raise DownloadError(
                    f"Nomis sent {rows} rows for {what} but {expected_rows} were expected "
                    f"({show(url, query)}); the result was not kept. Nomis cuts anonymous "
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
            body = self._nomis_get(url, page_params, what)
            page_header, data, count = self._nomis_page(
                body, show(url, page_params), dataset_id, base_url, first=header is None
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
                progress(what, rows, None)
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
        if _not_csv(body):
            raise DownloadError(
                f"Nomis returned an error instead of CSV for {shown}: {text_of(body, 240)}. "
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
