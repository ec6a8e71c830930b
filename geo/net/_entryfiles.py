"""The files of one cache entry: its sidecar, temporary files, the atomic commit, removal.

Callers hold the entry's lock (see :mod:`geo.net.cache`); these functions only
touch the file system.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geo.errors import CacheError
from geo.net._entries import (
    RESERVED_ENDINGS,
    SIDECAR_VERSION,
    SUFFIX_RE,
    TEMP_SUFFIX,
    Entry,
    fsync_dir,
    unlink_quietly,
)

#: Temporary files older than this (seconds) were left by killed writers.
STALE_TEMP_SECONDS = 3600.0


def check_suffix(suffix: str) -> str:
    if not SUFFIX_RE.match(suffix) or suffix.endswith(RESERVED_ENDINGS):
        raise ValueError(
            f"Cache file suffix {suffix!r} is not allowed: use up to three parts like "
            "'.csv' or '.geojson.gz' (letters, digits, '_' and '-'), not ending in "
            f"{', '.join(RESERVED_ENDINGS)}."
        )
    return suffix


def read_sidecar(entry: Entry) -> dict[str, Any] | None:
    """The sidecar's record, ``None`` when absent, or raise ValueError if unusable."""
    try:
        text = entry.sidecar.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    record = json.loads(text)
    if not isinstance(record, dict):
        raise ValueError("the sidecar is not a JSON object")
    name = record.get("file")
    if (
        not isinstance(name, str)
        or Path(name).name != name
        or not name.startswith(entry.stem)
        or not isinstance(record.get("sha256"), str)
        or not isinstance(record.get("size"), int)
    ):
        raise ValueError("the sidecar lacks a valid file name, sha256 or size")
    check_suffix(name[len(entry.stem) :])
    return record


def entry_files(entry: Entry) -> list[Path]:
    if not entry.folder.is_dir():
        return []
    return [
        p
        for p in entry.folder.iterdir()
        if p.name == entry.stem or p.name.startswith(f"{entry.stem}.")
    ]


def remove_files(entry: Entry, *, temps: bool = False) -> None:
    for path in entry_files(entry):
        if temps or not path.name.endswith(TEMP_SUFFIX):
            unlink_quietly(path)


def new_temp(entry: Entry) -> Path:
    try:
        entry.folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f"{entry.stem}.", suffix=TEMP_SUFFIX, dir=entry.folder)
    except OSError as exc:
        raise write_error(entry, exc) from exc
    os.close(fd)
    return Path(name)


def write_error(entry: Entry, exc: OSError) -> CacheError:
    return CacheError(
        f"Could not write the cache entry {entry.stem} in {entry.folder}: {exc}. Check free "
        "disk space and permissions, or choose another folder with ATLAS_CACHE_DIR."
    )


def commit(
    entry: Entry,
    key: str,
    tmp: Path,
    suffix: str,
    sha256: str,
    size: int,
    meta: Mapping[str, Any] | None,
) -> Path:
    """Move ``tmp`` into place, then write the sidecar (caller holds the lock).

    A file-system error becomes :class:`CacheError` saying how to fix it.
    """
    now = time.time()
    record = {
        "version": SIDECAR_VERSION,
        "key": key,
        "file": entry.data(suffix).name,
        "sha256": sha256,
        "size": size,
        "created": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        "created_unix": now,
        "meta": dict(meta or {}),
    }
    try:
        sidecar_text = json.dumps(record, indent=1, sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Cache metadata for {key!r} is not JSON-serialisable: {exc}") from exc
    try:
        return _move_into_place(entry, tmp, entry.data(suffix), sidecar_text)
    except CacheError:
        raise
    except OSError as exc:
        raise write_error(entry, exc) from exc


def _move_into_place(entry: Entry, tmp: Path, target: Path, sidecar_text: str) -> Path:
    os.replace(tmp, target)
    side_tmp = new_temp(entry)
    try:
        with open(side_tmp, "w", encoding="utf-8") as handle:
            handle.write(sidecar_text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(side_tmp, entry.sidecar)
    finally:
        unlink_quietly(side_tmp)
    fsync_dir(entry.folder)
    for path in entry_files(entry):  # an earlier suffix, or a killed writer's data
        if path not in (target, entry.sidecar) and not path.name.endswith(TEMP_SUFFIX):
            unlink_quietly(path)
    sweep_temps(entry)
    return target


def sweep_temps(entry: Entry) -> None:
    """Remove old temporary files of this entry left by killed writers."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for path in entry.folder.glob(f"{entry.stem}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
