"""Where a cache entry's files live, and the small file-system helpers the cache uses."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

SIDECAR_SUFFIX = ".meta.json"
TEMP_SUFFIX = ".tmp"
LOCK_DIR = ".locks"
SIDECAR_VERSION = 1

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
SUFFIX_RE = re.compile(r"^(\.[A-Za-z0-9_-]{1,16}){0,3}$")
STEM_RE = re.compile(r"^([A-Za-z0-9_-]*-)?[0-9a-f]{20}$")
RESERVED_ENDINGS = (SIDECAR_SUFFIX, TEMP_SUFFIX, ".lock")


@dataclass(frozen=True)
class Entry:
    """Where one key's files live."""

    folder: Path
    stem: str
    lock_path: Path

    @property
    def sidecar(self) -> Path:
        return self.folder / f"{self.stem}{SIDECAR_SUFFIX}"

    def data(self, suffix: str) -> Path:
        return self.folder / f"{self.stem}{suffix}"


def _slug(text: str, limit: int) -> str:
    return _SAFE.sub("_", text).strip("_-")[:limit].strip("_-")


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere; best effort
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def entry_for(root: Path, key: str) -> Entry:
    """Where the files of ``key`` live under the cache folder ``root``."""
    if not isinstance(key, str) or not key.strip():
        raise ValueError(f"A cache key must be a non-empty string, got {key!r}.")
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    head, sep, rest = key.partition("/")
    folder = _slug(head, 32) if sep else ""
    folder = folder or "misc"
    name = _slug(rest if sep else key, 48)
    stem = f"{name}-{digest}" if name else digest
    return Entry(
        folder=root / folder,
        stem=stem,
        lock_path=root / LOCK_DIR / folder / f"{stem}.lock",
    )
