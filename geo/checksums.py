"""SHA-256 checksums of files, the one way the atlas fingerprints data it reads or caches."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

PathArg = str | os.PathLike[str]

_CHUNK = 1024 * 1024


def file_sha256(paths: PathArg | Iterable[PathArg]) -> str:
    """The sha256 hex digest of one file, or of several files' contents in order.

    Files are read in 1 MiB blocks, so large national files are never held in
    memory whole.
    """
    digest = hashlib.sha256()
    for path in [paths] if isinstance(paths, str | os.PathLike) else paths:
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(block)
    return digest.hexdigest()
