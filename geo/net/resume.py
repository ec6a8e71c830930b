"""Large downloads that survive a dropped connection: HTTP Range resume.

The body is written to a partial file kept in the cache folder
(``partial/<hash of the key>.part``) as it arrives.  When the connection
drops, the next attempt (in this run or a later one) asks for the rest with
``Range: bytes=N-``:

* ``206 Partial Content`` whose ``Content-Range`` starts at N: the bytes are
  appended;
* ``200 OK`` (the server ignores ranges): the partial file is started again;
* a ``206`` for another range, or ``416`` (nothing there to resume, e.g. the
  file was replaced): the partial file is dropped and the file downloaded
  whole.

Only a complete file whose md5 (and sha256, when known) is the published one
is moved into the cache; a file that fails the check is deleted.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from geo.errors import DownloadError
from geo.net._http import BodyError, Transport
from geo.progress import Progress

log = logging.getLogger(__name__)

__all__ = ["download_resuming", "partial_path"]

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def partial_path(transport: Transport, key: str) -> Path:
    """Where the unfinished download of cache ``key`` is kept."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return transport.cache.root / "partial" / f"{digest}.part"


def download_resuming(
    transport: Transport,
    url: str,
    *,
    key: str,
    what: str,
    suffix: str,
    meta: Mapping[str, Any],
    expected_md5: str | None = None,
    expected_sha256: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Download ``url`` into the cache under ``key``, resuming a partial file if there is one.

    The caller holds the cache lock of ``key``.  Raises
    :class:`~geo.errors.DownloadError` when every attempt fails (the partial
    file is kept for the next run) or the finished file fails its checksum.
    """
    part = partial_path(transport, key)
    part.parent.mkdir(parents=True, exist_ok=True)

    def headers() -> dict[str, str]:
        size = part.stat().st_size if part.exists() else 0
        return {"Range": f"bytes={size}-"} if size else {}

    def consume(response: requests.Response) -> Path:
        start = _start(response, part)
        with part.open("ab" if start else "wb") as out:
            for chunk in transport._iter_body(
                response,
                url,
                progress=_offset(progress, start),
                suffix="" if start else suffix,
            ):
                out.write(chunk)
        _verify(part, url, expected_md5, expected_sha256)
        return transport.cache.put_file(key, part, suffix=suffix, meta=dict(meta))

    try:
        return transport._request("GET", url, what=what, consume=consume, headers=headers)
    except DownloadError as exc:
        if "HTTP 416" not in str(exc) or not part.exists():
            raise
        log.warning("%s: the server has nothing to resume from; downloading it whole", what)
        part.unlink()
        return transport._request("GET", url, what=what, consume=consume, headers=headers)


def _start(response: requests.Response, part: Path) -> int:
    """The offset the body starts at, after checking it against the partial file."""
    size = part.stat().st_size if part.exists() else 0
    if response.status_code != 206:
        return 0  # a whole body: the partial file is written again
    match = _CONTENT_RANGE.fullmatch((response.headers.get("Content-Range") or "").strip())
    if match is None or int(match.group(1)) != size:
        part.unlink(missing_ok=True)
        raise BodyError(
            f"asked for bytes from {size}, the server sent "
            f"{response.headers.get('Content-Range') or 'no Content-Range'}; starting again"
        )
    log.info("resuming %s at byte %d", response.url, size)
    return size


def _offset(progress: Progress | None, start: int) -> Progress | None:
    if progress is None or not start:
        return progress

    def shifted(url: str, done: int, total: int | None) -> None:
        progress(url, start + done, None if total is None else start + total)

    return shifted


def _verify(part: Path, url: str, md5: str | None, sha256: str | None) -> None:
    """Delete the file and raise when it is not the published one."""
    digests = {"md5": hashlib.md5(usedforsecurity=False), "sha256": hashlib.sha256()}
    with part.open("rb") as handle:
        while block := handle.read(1 << 20):
            for digest in digests.values():
                digest.update(block)
    for name, wanted in (("md5", md5), ("sha256", sha256)):
        got = digests[name].hexdigest()
        if wanted is not None and got != wanted.strip().lower():
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"The file downloaded from {url} has {name} {got}, not the published "
                f"{wanted}: it was not kept. Try again later (the publisher may have been "
                "replacing the file)."
            )
