"""Reading OS Code-Point Open (1.7 million postcodes): ours against plain pandas.

Rows, each timed in this run (median of ``--repeat``):

1. **pandas** — the obvious way: ``pd.read_csv(..., dtype=str,
   keep_default_na=False)`` of the whole gzip file, then
   :func:`geo.postcodes.normalise_postcode` on every postcode (the baseline);
2. **ours, first read** — :func:`geo.postcodes.read_codepoint` with an empty
   cache: pyarrow, only the needed columns, vectorised normalisation, then
   the Parquet copy written to the cache;
3. **ours, cached** — the same call in a new process state (memo cleared),
   served from the Parquet copy.

Ratios are against row 1.  Needs the real-data mirror (``ATLAS_SHARED_DATA``
or ``../shared/data``).  Run: ``.venv/bin/python bench/bench_codepoint.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geo.postcodes.codepoint as codepoint  # noqa: E402
from geo.net.cache import Cache  # noqa: E402
from geo.postcodes import normalise_postcode, read_codepoint  # noqa: E402

FILE = "postcodes_codepoint_open_gb/codepoint_open_2025_4_gb.csv.gz"


def _pandas(path: Path) -> int:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["Postcode"] = [normalise_postcode(p) for p in frame["Postcode"]]
    return len(frame.set_index("Postcode"))


def _ours(path: Path, cache_dir: Path, *, warm: bool) -> int:
    codepoint._memo.clear()
    cache = Cache(cache_dir)
    if not warm:
        for key in list(cache.keys()):
            cache.delete(key)
    return len(read_codepoint(path, cache=cache))


def _time(run, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shared = Path(os.environ.get("ATLAS_SHARED_DATA", ROOT.parent / "shared" / "data"))
    path = shared / FILE
    if not path.is_file():
        sys.exit(f"{path} not found: set ATLAS_SHARED_DATA to the real-data mirror.")
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp)
        base, rows = _time(lambda: _pandas(path), args.repeat)
        cold, rows_cold = _time(lambda: _ours(path, cache_dir, warm=False), args.repeat)
        warm, rows_warm = _time(lambda: _ours(path, cache_dir, warm=True), args.repeat)
    print(f"Code-Point Open, {rows:,} postcodes (ours: {rows_cold:,} / {rows_warm:,})")
    print(f"{'row':<22}{'seconds':>10}{'x baseline':>12}")
    for name, seconds in (("pandas + normalise", base), ("ours, first read", cold)):
        print(f"{name:<22}{seconds:>10.2f}{seconds / base:>12.2f}")
    print(f"{'ours, cached':<22}{warm:>10.2f}{warm / base:>12.2f}")


if __name__ == "__main__":
    main()
