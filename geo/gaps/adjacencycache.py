"""Adjacency matrices kept once per boundary set: in memory and in the on-disk cache.

The key is a fingerprint of the geometries themselves (every vertex's
coordinates and how many each geometry has), so the same boundaries give the
same entry whichever region or file they came from, and any change to a
single vertex gives a new one.  Entries are stored as ``.npz`` (the CSR
arrays) through :class:`geo.net.cache.Cache`, which writes atomically and
checks a checksum on every read; an entry that cannot be read or does not
fit the geometries is built again.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from scipy import sparse

from geo.config import Settings
from geo.errors import CacheError

if TYPE_CHECKING:
    from geo.net.cache import Cache

log = logging.getLogger(__name__)

__all__ = ["cached_adjacency", "clear_memory", "geometry_fingerprint"]

#: Bump when the way adjacency is worked out changes, so old entries are not reused.
METHOD_VERSION = "queen-shared-vertex-1"
_MEMORY_ENTRIES = 8
_memory: OrderedDict[str, sparse.csr_array] = OrderedDict()
_lock = threading.Lock()


def geometry_fingerprint(geoms: np.ndarray, *, method: str = METHOD_VERSION) -> str:
    """A hex digest of the geometries' vertices (exact coordinates) and ``method``."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(method.encode())
    counts = shapely.get_num_coordinates(geoms).astype(np.int64)
    digest.update(counts.tobytes())
    digest.update(np.ascontiguousarray(shapely.get_coordinates(geoms)).tobytes())
    return digest.hexdigest()


def clear_memory() -> None:
    """Forget the adjacency matrices kept in this process."""
    with _lock:
        _memory.clear()


def cached_adjacency(
    geoms: np.ndarray,
    build: Callable[[np.ndarray], sparse.csr_array],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    method: str = METHOD_VERSION,
) -> sparse.csr_array:
    """``build(geoms)``, or the same matrix from memory or the cache folder.

    Parameters
    ----------
    geoms
        The geometries (their order is the matrix's order).
    build
        Works the adjacency out when it is not cached.
    cache_dir
        The cache folder; ``None`` for the one of
        :meth:`geo.config.Settings.from_env`.  A folder that cannot be written
        only costs the saving (a warning is logged).
    method
        Names the way ``build`` works (part of the key).
    """
    key = geometry_fingerprint(geoms, method=method)
    with _lock:
        if key in _memory:
            _memory.move_to_end(key)
            return _memory[key].copy()
    cache = _disk_cache(cache_dir)
    adj = _read(cache, key, len(geoms)) if cache is not None else None
    if adj is None:
        adj = build(geoms)
        if cache is not None:
            _write(cache, key, adj)
    with _lock:
        _memory[key] = adj
        while len(_memory) > _MEMORY_ENTRIES:
            _memory.popitem(last=False)
    return adj.copy()


def _disk_cache(cache_dir: str | os.PathLike[str] | None) -> Cache | None:
    from geo.net.cache import Cache  # imports the network layer: only when needed

    if cache_dir is None:
        try:
            cache_dir = Settings.from_env().cache_dir
        except (ValueError, OSError) as exc:
            log.warning("no cache folder for contiguity (%s); working it out each time", exc)
            return None
    return Cache(Path(cache_dir))


def _entry_key(key: str) -> str:
    return f"contiguity/adjacency-{key[:20]}"


def _read(cache: Cache, key: str, n: int) -> sparse.csr_array | None:
    try:
        path = cache.get(_entry_key(key))
        if path is None:
            return None
        with np.load(path, allow_pickle=False) as npz:
            if str(npz["fingerprint"]) != key:
                return None
            adj = sparse.csr_array(
                (npz["data"], npz["indices"], npz["indptr"]), shape=tuple(npz["shape"])
            )
    except (OSError, ValueError, KeyError, CacheError) as exc:
        log.warning("cached contiguity unreadable (%s); working it out again", exc)
        return None
    if adj.shape != (n, n):
        return None
    adj.has_sorted_indices = True
    return adj


def _write(cache: Cache, key: str, adj: sparse.csr_array) -> None:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        data=adj.data,
        indices=adj.indices,
        indptr=adj.indptr,
        shape=np.array(adj.shape),
        fingerprint=np.array(key),
    )
    try:
        cache.put_bytes(
            _entry_key(key), buffer.getvalue(), suffix=".npz", meta={"method": METHOD_VERSION}
        )
    except (CacheError, OSError) as exc:
        log.warning("could not cache the contiguity (%s)", exc)
