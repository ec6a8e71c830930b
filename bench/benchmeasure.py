"""Timing and memory of one benchmark step, and the table of results.

:func:`measure` gives the median seconds of a step and the peak resident
memory it added (Linux ``VmHWM`` after resetting it); :class:`Row` is one
line of a results table, printed by :func:`print_table` with its ratio to a
baseline measured in the same run.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the process's peak RSS (Linux ≥ 4.0); False when not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _trim() -> None:
    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@dataclass
class Measured:
    seconds: float
    peak_mb: float | None
    result: object


def measure(fn: Callable[[], object], *, repeat: int = 1) -> Measured:
    """Median seconds over ``repeat`` runs, and the peak RSS added by the runs."""
    _trim()
    can_reset = _reset_peak()
    base = _status_kb("VmRSS")
    times = []
    result = None
    for _ in range(repeat):
        result = None
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    peak = _status_kb("VmHWM")
    if can_reset and base is not None and peak is not None:
        peak_mb: float | None = (peak - base) / 1024
    else:
        peak_mb = None
    return Measured(statistics.median(times), peak_mb, result)


@dataclass
class Row:
    method: str
    inputs: str
    seconds: float
    baseline: str
    ratio: float
    peak_mb: float | None
    check: str


def print_table(rows: list[Row]) -> None:
    by_method = {r.method: k for k, r in enumerate(rows, start=1)}
    headers = ("#", "method", "inputs", "seconds", "ratio", "peak MB")
    cells = [
        (
            str(k),
            r.method,
            r.inputs,
            f"{r.seconds:.3f}" if r.seconds < 1 else f"{r.seconds:.2f}",
            f"{r.ratio:.1f}× #{by_method[r.baseline]}",
            "n/a" if r.peak_mb is None else f"{max(r.peak_mb, 0.0):,.0f}",
        )
        for k, r in enumerate(rows, start=1)
    ]
    widths = [max(len(h), *(len(c[k]) for c in cells)) for k, h in enumerate(headers)]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for c in cells:
        print(" | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))
    print()
    print("ratio = seconds / seconds of the row named after it, measured in the same run.")
    print("Agreement:")
    for k, r in enumerate(rows, start=1):
        if r.check != "—":
            print(f"  #{k}: {r.check}")
