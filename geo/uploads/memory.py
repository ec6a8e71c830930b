"""Handing freed memory back to the system between the stages of a large upload.

A 500,000-row table is read by three allocators in turn: Arrow's pool (text
columns), the C library's (GEOS points, numpy) and Python's own.  Memory one
of them frees is not reused by the others, so without a hand-back the peak is
the sum of every stage's working copies.  :func:`release_freed` returns what
is free in Arrow's pool and in the C heap to the system; it frees nothing that
is in use.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


@functools.cache
def _libc_function(name: str) -> object | None:
    """A function of the C library (``malloc_trim``, ``mallopt``), or None where it has none."""
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    try:
        return getattr(ctypes.CDLL(library), name, None)
    except OSError:
        return None


_M_ARENA_MAX = -8  # glibc's mallopt parameter


def limit_arenas(count: int) -> bool:
    """At most ``count`` malloc arenas from now on (glibc); ``False`` where unsupported.

    The ``MALLOC_ARENA_MAX`` variable is read only when a process starts, so a
    worker that is already running sets the limit with ``mallopt``.
    """
    mallopt = _libc_function("mallopt")
    return bool(callable(mallopt) and mallopt(_M_ARENA_MAX, int(count)) == 1)


def arrow_pool() -> str:
    """The backend of Arrow's default memory pool in this process (``system``, ``mimalloc``...)."""
    import pyarrow as pa

    return str(pa.default_memory_pool().backend_name)


def release_freed() -> None:
    """Return freed memory to the system (Arrow's pool, then the C heap where glibc has it)."""
    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    trim = _libc_function("malloc_trim")
    if callable(trim):
        trim(0)
