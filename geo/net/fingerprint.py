"""A fingerprint of everything an assembled result depends on.

Assembled regions (:mod:`geo.regioncache`) and the national table
(:mod:`geo.national`) are cached under a hash of the product version, the
library's own source code, the registry, the sources file, the size and
modification time of every local file it names, and the settings that shape
the result, so a change to any of them never reuses an old result.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from geo import __version__
from geo.config import Settings
from geo.sources.registry import Sources

#: Bump when the layout of cached assembled results changes.
FORMAT = 1


@lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of the library's source, so a changed method never reuses old results."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(key: str, settings: Settings, sources: Sources) -> str:
    """A hash of everything a cached result for ``key`` depends on.

    Parameters
    ----------
    key
        The result's name (a region key such as ``E08000003`` or
        ``E06000001+E06000002``, or a table name); ``+``-separated local
        authority codes also select per-authority local files.
    settings
        The settings in use (the region buffer shapes a region; a result
        assembled offline, perhaps without some datasets, is kept apart from
        one assembled online).
    sources
        The registry with any sources file applied.

    Returns
    -------
    str
        32 hexadecimal characters.
    """
    digest = hashlib.sha256()
    shape = f"{key}|{settings.region_buffer_m}|{'offline' if settings.offline else 'online'}"
    digest.update(f"{FORMAT}|{__version__}|{code_hash()}|{shape}".encode())
    digest.update(Path(sources.registry_file).read_bytes())
    if sources.sources_file is not None:
        digest.update(Path(sources.sources_file).read_bytes())
    paths: list[Path] = []
    for local in sources.local.values():
        paths.extend(local.base / p for p in (*local.parts, *local.choices) if "{lad}" not in p)
        for choice in local.choices:
            if "{lad}" in choice:
                for lad in key.split("+"):
                    paths.append(local.base / choice.replace("{lad}", lad))
    paths.extend(a.path for a in sources.asset_files)
    for path in sorted(set(paths)):
        try:
            stat = path.stat()
            digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
        except OSError:
            digest.update(f"{path}|missing".encode())
    return digest.hexdigest()[:32]
