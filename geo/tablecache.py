"""National tables (no geometry) built once and kept in the download cache as Parquet."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable

import pandas as pd

from geo.config import Settings
from geo.errors import CacheError
from geo.net.cache import Cache
from geo.net.fingerprint import fingerprint
from geo.sources.access import DataAccess

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
