"""National tables (no geometry) built once and kept in the download cache as Parquet,
and the risk models' England level per uncertainty draw beside them."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.config import Settings
from geo.errors import CacheError
from geo.net.cache import Cache
from geo.net.fingerprint import code_hash, fingerprint
from geo.sources.access import DataAccess

if TYPE_CHECKING:
    from geo.risk.drawlevels import DrawLevels

log = logging.getLogger(__name__)


def cached_table(
    name: str,
    settings: Settings,
    access: DataAccess,
    build: Callable[[DataAccess], pd.DataFrame | None],
    *,
    use_cache: bool = True,
) -> pd.DataFrame | None:
    """The table ``name`` from the cache, or built by ``build(access)`` and cached.

    The cache key is a fingerprint of everything the table depends on (see
    :func:`geo.net.fingerprint.fingerprint`), so a changed file, sources file
    or method builds it again.  A table that cannot be cached is still
    returned; so is one built while a dataset failed (its
    ``frame.attrs["failed"]`` names them), which is never cached, so the next
    run tries again.
    """
    cache = Cache.from_settings(settings)
    key = f"national/{fingerprint(name, settings, access.sources)}"
    if use_cache:
        path = cache.get(key)
        if path is not None:
            try:
                return pd.read_parquet(path)
            except (OSError, ValueError) as exc:
                log.warning("cached %s table unreadable (%s); rebuilding", name, exc)
    frame = build(access)
    if frame is not None and frame.attrs.get("failed"):
        log.warning(
            "the %s table lacks %s (failed this run); it is not cached and the next run "
            "tries again",
            name,
            ", ".join(frame.attrs["failed"]),
        )
    elif frame is not None and use_cache:
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        try:
            cache.put_bytes(key, buffer.getvalue(), suffix=".parquet", meta={"table": name})
        except CacheError as exc:
            log.warning("could not cache the %s table: %s", name, exc)
    return frame


class DrawLevelStore:
    """Keeps the risk models' England level per draw (:mod:`geo.risk.drawlevels`) in the cache.

    Entries sit beside the national tables, keyed by the levels' own hash and
    the library's source, as a small ``.npz`` file.
    """

    def __init__(self, settings: Settings) -> None:
        self._cache = Cache.from_settings(settings)

    def _key(self, key: str) -> str:
        digest = hashlib.sha256(f"{code_hash()}|{key}".encode()).hexdigest()[:32]
        return f"national/risk-draws-{digest}"

    def load(self, key: str) -> DrawLevels | None:
        """The stored levels, or None (a missing or unreadable entry)."""
        from geo.risk.drawlevels import DrawLevels

        path = self._cache.get(self._key(key))
        if path is None:
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                intercepts = np.array(data["intercepts"])
                means = np.array(data["reference_means"]) if "reference_means" in data else None
        except (OSError, ValueError, KeyError) as exc:
            log.warning("cached risk draw levels unreadable (%s); computing them again", exc)
            return None
        return DrawLevels(intercepts, means)

    def save(self, key: str, levels: DrawLevels) -> None:
        """Store the levels; a cache that cannot be written is logged, not raised."""
        buffer = io.BytesIO()
        if levels.reference_means is None:
            np.savez(buffer, intercepts=levels.intercepts)
        else:
            np.savez(buffer, intercepts=levels.intercepts, reference_means=levels.reference_means)
        try:
            self._cache.put_bytes(
                self._key(key), buffer.getvalue(), suffix=".npz", meta={"table": "risk draw levels"}
            )
        except CacheError as exc:
            log.warning("could not cache the risk draw levels: %s", exc)
