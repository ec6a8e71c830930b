"""Array work split into row blocks on a few threads.

NumPy releases the GIL in sorting, BLAS products and elementwise functions
on large numeric arrays, so blocks of rows written into a preallocated
output run in parallel on the machine's cores with threads alone, with no
copies between processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["THREADS", "blocks", "each_block"]

#: Threads used (at most two: the analysis often shares a small machine).
THREADS: int = max(1, min(2, os.cpu_count() or 1))


def blocks(n: int, size: int) -> list[slice]:
    """Consecutive slices of ``size`` rows (the last one shorter) covering ``range(n)``."""
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


def each_block(function: Callable[[slice], None], n: int, size: int) -> None:
    """Call ``function(rows)`` for each of :func:`blocks` ``(n, size)``, on the threads.

    With one block, or one thread, the calls run in this thread.  An
    exception in any block is raised here.
    """
    parts = blocks(n, size)
    if len(parts) <= 1 or THREADS == 1:
        for rows in parts:
            function(rows)
        return
    with ThreadPoolExecutor(THREADS) as pool:
        for _ in pool.map(function, parts):
            pass
