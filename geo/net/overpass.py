"""The Overpass API (OpenStreetMap), used politely.

Overpass may answer HTTP 200 with a ``remark`` saying the query timed out,
beside a partial result; it answers 429 when the caller has no free slot and
504 when it is overloaded.  :class:`OverpassClient`:

* waits longer for an answer than the query's own ``[timeout:N]``;
* retries only 429 and 504, a few times (``Settings.overpass_retries``);
  after a 429 it reads ``/api/status`` and waits for the next free slot
  (at most ``Settings.overpass_max_wait`` seconds);
* never keeps a partial or erroneous result;
* splits a large area into tiles no wider than ``Settings.overpass_tile_km``
  and merges their elements, each OSM element once (by type and id).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from typing import Any

import requests

from geo.errors import DownloadError
from geo.net._http import RetryPolicy, Transport
from geo.net._util import cache_key, short, text_of

logger = logging.getLogger(__name__)

OVERPASS_URL = "https://overpass-api.de/api/interpreter"
#: Seconds the client waits beyond the query's ``[timeout:N]`` for the answer.
READ_MARGIN = 30.0
_FATAL = ("runtime error", "timed out", "out of memory")
_TIMEOUT = re.compile(r"\[timeout:\s*(\d+)\s*\]")
_SLOTS_NOW = re.compile(r"(\d+)\s+slots?\s+available\s+now", re.I)
_SLOT_AFTER = re.compile(r"slot available after:?[^\n]*?in\s+(-?\d+)\s+seconds?", re.I)

BBox = tuple[float, float, float, float]


def status_wait(text: str) -> float | None:
    """Seconds until a slot is free, from the text of Overpass's ``/api/status``.

    ``"2 slots available now."`` gives 0; ``"Slot available after:
    2025-01-01T10:00:05Z, in 12 seconds."`` gives 12 (the soonest such line);
    a text with neither gives ``None``.
    """
    now = _SLOTS_NOW.search(text)
    if now is not None and int(now.group(1)) > 0:
        return 0.0
    waits = [max(0.0, float(n)) for n in _SLOT_AFTER.findall(text)]
    return min(waits) if waits else None


def status_url(url: str) -> str:
    """The ``/status`` address beside an ``…/interpreter`` endpoint."""
    base = url.rstrip("/")
    return (base.rsplit("/", 1)[0] if base.endswith("/interpreter") else base) + "/status"


def query_timeout(query: str) -> float | None:
    """The ``[timeout:N]`` of an Overpass QL query, in seconds, if it has one."""
    match = _TIMEOUT.search(query)
    return float(match.group(1)) if match else None


def tiles(bbox: BBox, max_km: float) -> list[BBox]:
    """Split ``(west, south, east, north)`` into tiles at most ``max_km`` wide and tall."""
    west, south, east, north = bbox
    mid = math.radians((south + north) / 2)
    width = (east - west) * 111.32 * max(math.cos(mid), 0.01)
    height = (north - south) * 110.57
    columns = max(1, math.ceil(width / max_km))
    rows = max(1, math.ceil(height / max_km))
    dx, dy = (east - west) / columns, (north - south) / rows
    return [
        (west + i * dx, south + j * dy, west + (i + 1) * dx, south + (j + 1) * dy)
        for j in range(rows)
        for i in range(columns)
    ]


def merge_elements(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """One Overpass answer from several: every element once, by (type, id)."""
    seen: set[tuple[object, object]] = set()
    elements = []
    for doc in docs:
        for element in doc.get("elements", []):
            key = (element.get("type"), element.get("id"))
            if key in seen:
                continue
            seen.add(key)
            elements.append(element)
    head = {k: v for k, v in (docs[0] if docs else {}).items() if k != "elements"}
    return {**head, "elements": elements}


class OverpassClient(Transport):
    """Overpass queries on top of :class:`Transport`."""

    def _slot_wait(self, response: requests.Response, attempt: int) -> float | None:
        """After a 429, the wait until ``/api/status`` says a slot is free (bounded)."""
        if response.status_code != 429:
            return None
        url = status_url(response.url.split("?", 1)[0])
        try:
            body = self._get_bytes(
                "GET", url, what="the Overpass status", policy=RetryPolicy(frozenset(), 0)
            )
        except DownloadError as exc:
            logger.info("Overpass status unavailable (%s); using the usual backoff.", exc)
            return None
        wait = status_wait(body.decode("utf-8", errors="replace"))
        if wait is None:
            return None
        logger.info("Overpass says a slot is free in %.0f s.", wait)
        return min(wait + 1.0, self.settings.overpass_max_wait)

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
            something other than JSON, or fails after retries (only 429 and
            504 are retried).
        OfflineError
            When offline and the result is not cached.
        """
        url = url or OVERPASS_URL
        key = cache_key("overpass", "overpass", url, {"query": query})
        what = description or "an OpenStreetMap (Overpass) query"
        with self.cache.lock(key):
            hit = self.cache.get(key)
            if hit is not None:
                return json.loads(hit.read_bytes())
            if self.settings.offline:
                raise self._offline_error(what, url)
            policy = RetryPolicy(
                frozenset({429, 504}), self.settings.overpass_retries, self._slot_wait
            )
            server_timeout = query_timeout(query)
            body = self._get_bytes(
                "POST",
                url,
                what=what,
                data={"data": query},
                policy=policy,
                read_timeout=None if server_timeout is None else server_timeout + READ_MARGIN,
            )
            doc = _checked(body, url, what)
            meta = {"elements": len(doc["elements"]), "description": description}
            self._store_answer(key, body, ".json", url, query, **meta)
            return doc

    def overpass_area(
        self,
        bbox: BBox,
        build_query: Callable[[BBox], str],
        *,
        url: str | None = OVERPASS_URL,
        description: str = "",
    ) -> dict[str, Any]:
        """Run ``build_query(tile)`` for each tile of ``bbox`` and merge the answers.

        Parameters
        ----------
        bbox
            ``(west, south, east, north)`` in degrees.
        build_query
            Makes the Overpass QL for one ``(west, south, east, north)`` tile.
        url, description
            As for :meth:`overpass`.

        Returns
        -------
        dict
            One answer whose ``elements`` hold every element of every tile
            once; each tile's answer is cached on its own.
        """
        parts = tiles(bbox, self.settings.overpass_tile_km)
        if len(parts) > 1:
            logger.info("Overpass: the area is split into %d tiles.", len(parts))
        docs = []
        for n, tile in enumerate(parts, start=1):
            label = f"{description or 'OpenStreetMap places'} (tile {n} of {len(parts)})"
            docs.append(
                self.overpass(
                    build_query(tile), url=url, description=label if len(parts) > 1 else description
                )
            )
        return merge_elements(docs)


def _checked(body: bytes, url: str, what: str) -> dict[str, Any]:
    """The parsed answer, or an error for non-JSON, no elements, or a fatal remark."""
    try:
        doc = json.loads(body)
    except ValueError:
        raise DownloadError(
            f"Overpass at {url} did not return JSON for {what}: {text_of(body, 240)}. "
            "Check that the query starts with [out:json] and is valid, or try again "
            "later if the server reports an error."
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("elements"), list):
        raise DownloadError(
            f"Overpass at {url} returned JSON without elements for {what}; check the query."
        )
    remark = str(doc.get("remark") or "")
    if any(marker in remark.lower() for marker in _FATAL):
        raise DownloadError(
            f"Overpass at {url} stopped early for {what}: {short(remark, 240)}. The "
            "result would be partial, so it was not kept. Try again later when the "
            "server is less busy, raise [timeout:…] or [maxsize:…] in the query, or "
            "split the area into smaller parts (ATLAS_OVERPASS_TILE_KM)."
        )
    if remark:
        logger.warning("Overpass remark for %s: %s", what, short(remark))
    return doc
