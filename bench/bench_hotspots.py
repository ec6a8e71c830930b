"""Benchmark of the hot-spot stage on all of England, against esda + libpysal.

Run from the project folder (needs the real-data folder, ``ATLAS_SHARED_DATA``
or ``../shared/data``)::

    python bench/bench_hotspots.py             # everything (several minutes: esda is slow)
    python bench/bench_hotspots.py --quick     # ours only, and libpysal's contiguity
    python bench/bench_hotspots.py --permutations 999 --repeat 5

Inputs: the 33,755 English LSOA 2021 polygons of the national boundary layer
(``boundaries/national_geographr/boundaries_lsoa21.geojson.gz``, in
EPSG:27700) and a real variable, Census 2021 residents per hectare (TS001).

What is timed, in the same run:

1. our contiguity built from the polygons (cold: empty cache folder);
2. our contiguity read back from the on-disk cache (a new process's case);
3. our contiguity from memory (a second analysis in the same process);
4. libpysal ``Queen.from_dataframe`` (the baseline of rows 1–3);
5. our hot-spot stage, warm: :func:`geo.gaps.hot_spots` with the contiguity
   on disk, Local Moran's I with ``--permutations`` (9,999) and the global
   test — what ``python -m geo analyse --area england`` spends on hot spots;
6. the same with ``draws="esda"`` (esda's own random draws, for identical
   p-values);
7. esda + libpysal the way a user writes it (the baseline of rows 5–6):
   ``Queen.from_dataframe``, ``esda.Moran_Local(y, w, permutations=R,
   seed=…)`` and ``esda.Moran(y, w)`` (999 permutations); esda's numba
   kernels are compiled in an untimed warm-up first;
8. stability: :func:`geo.gaps.stability.hot_spot_stability` over ten seeds.

Checks: our contiguity equals libpysal's; our local I equals esda's; with
``draws="esda"`` the permutation counts (so the p-values) equal esda's.
Peak MB is the resident memory added while the step ran (``VmHWM``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parent.parent
for path in (PROJECT, PROJECT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from benchmeasure import Row, measure, print_table  # noqa: E402

from geo.gaps import adjacencycache  # noqa: E402
from geo.gaps.contiguity import queen_adjacency  # noqa: E402
from geo.gaps.hotspots import hot_spots  # noqa: E402
from geo.gaps.stability import hot_spot_stability  # noqa: E402

NATIONAL = Path("boundaries/national_geographr/boundaries_lsoa21.geojson.gz")
TS001 = Path("census2021_national_lsoa21/nomis_bulk/census2021-ts001-lsoa.csv")
SEED = 12345


def load_england(shared: Path) -> tuple[gpd.GeoDataFrame, pd.Series]:
    """English LSOA 2021 polygons (EPSG:27700) with a neighbour, and residents per hectare.

    Areas without a neighbour (the Isles of Scilly) are dropped, so that esda
    and ours test the same areas (ours leaves islands out; esda would keep
    them in the mean and standard deviation).
    """
    areas = gpd.read_file(f"/vsigzip/{shared / NATIONAL}")
    areas = areas[areas["lsoa21_code"].str.startswith("E")].set_index("lsoa21_code")
    areas = areas[["geometry"]].to_crs(27700)
    with tempfile.TemporaryDirectory() as tmp:
        linked = np.diff(queen_adjacency(areas, cache_dir=tmp).indptr) > 0
    adjacencycache.clear_memory()
    areas = areas[linked]
    table = pd.read_csv(shared / TS001, usecols=[2, 3], dtype={"geography code": str})
    residents = table.set_index("geography code").iloc[:, 0].reindex(areas.index)
    return areas, (residents / (areas.geometry.area / 10_000)).rename("density")


def libpysal_queen(areas: gpd.GeoDataFrame) -> object:
    from libpysal.weights import Queen

    return Queen.from_dataframe(areas, use_index=False, silence_warnings=True)


def esda_user(areas: gpd.GeoDataFrame, y: np.ndarray, permutations: int) -> tuple[object, object]:
    """What a user writes: queen weights, Moran_Local and Moran."""
    import esda

    w = libpysal_queen(areas)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = esda.Moran_Local(y, w, permutations=permutations, seed=SEED)
        glob = esda.Moran(y, w)
    return local, glob


def _contiguity_rows(areas: gpd.GeoDataFrame, repeat: int, cache: Path) -> tuple[list[Row], object]:
    n = f"{len(areas):,} polygons"

    def cold() -> object:
        adjacencycache.clear_memory()
        with tempfile.TemporaryDirectory() as empty:
            return queen_adjacency(areas, cache_dir=empty)

    def disk() -> object:
        adjacencycache.clear_memory()
        return queen_adjacency(areas, cache_dir=cache)

    built = measure(cold, repeat=repeat)
    queen_adjacency(areas, cache_dir=cache)
    from_disk = measure(disk, repeat=repeat)
    memory = measure(lambda: queen_adjacency(areas, cache_dir=cache), repeat=repeat)
    lib = measure(lambda: libpysal_queen(areas))
    ref = lib.result.sparse.tocsr().astype(bool)  # type: ignore[attr-defined]
    same = (ref != built.result).nnz == 0  # type: ignore[operator]
    check = f"equal to libpysal queen: {same} ({built.result.nnz:,} links)"  # type: ignore[attr-defined]
    base = "libpysal Queen.from_dataframe"
    rows = [
        Row(
            "ours: contiguity, cold (shared vertices)",
            n,
            built.seconds,
            base,
            0,
            built.peak_mb,
            check,
        ),
        Row(
            "ours: contiguity from the disk cache",
            n,
            from_disk.seconds,
            base,
            0,
            from_disk.peak_mb,
            "—",
        ),
        Row("ours: contiguity from memory", n, memory.seconds, base, 0, memory.peak_mb, "—"),
        Row(base, n, lib.seconds, base, 0, lib.peak_mb, "—"),
    ]
    for row in rows:
        row.ratio = row.seconds / lib.seconds
    return rows, lib.result


def _esda_rows(
    rows: list[Row],
    areas: gpd.GeoDataFrame,
    y: np.ndarray,
    r: int,
    warm: Callable[[str], object],
    fast: pd.DataFrame,
    n: str,
    base: str,
) -> None:
    """Ours with esda's draws and esda itself, checked against each other (rows added)."""
    exact = measure(lambda: warm("esda"))
    import esda  # compile esda's kernels outside the timing
    from libpysal.weights import lat2W

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        esda.Moran_Local(np.arange(25.0), lat2W(5, 5), permutations=9, seed=1)
    cpu = time.process_time()
    theirs = measure(lambda: esda_user(areas, y, r))
    cpu = time.process_time() - cpu
    local, _ = theirs.result
    e = exact.result.frame
    delta = np.abs(e["local_i"].to_numpy() - local.Is).max()
    # compare the counts behind the p-values (esda may keep them as float32)
    ours_m = np.rint(e["p_value"].to_numpy() * (r + 1))
    same_p = int((ours_m == np.rint(np.asarray(local.p_sim, dtype=float) * (r + 1))).sum())
    fast_p = fast["p_value"].to_numpy()
    rows[-1].check += f"; p-values vs esda: max |Δ| {np.abs(fast_p - local.p_sim).max():.4f}"
    rows.append(
        Row(
            "ours: hot_spots, draws='esda'",
            n,
            exact.seconds,
            base,
            0,
            exact.peak_mb,
            f"local I vs esda max |Δ| {delta:.1e}; "
            f"p-value equal to esda's in {same_p:,} of {len(e):,}",
        )
    )
    rows.append(Row(base, n, theirs.seconds, base, 0, theirs.peak_mb, f"CPU {cpu:.1f} s"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--permutations", type=int, default=9999)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="skip esda and the esda draws")
    args = parser.parse_args(argv)
    shared = Path(os.environ.get("ATLAS_SHARED_DATA", PROJECT.parent / "shared" / "data"))
    if not (shared / NATIONAL).is_file():
        print(f"The national boundaries are not at {shared / NATIONAL}; set ATLAS_SHARED_DATA.")
        return 2
    areas, density = load_england(shared)
    y = density.to_numpy()
    r = args.permutations
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        rows, _ = _contiguity_rows(areas, args.repeat, cache)
        hot_spots(areas, density, permutations=9, cache_dir=cache)  # compiles, if not cached yet

        def warm(draws: str = "fast") -> object:
            adjacencycache.clear_memory()
            return hot_spots(
                areas, density, permutations=r, seed=SEED, draws=draws, cache_dir=cache
            )

        cpu = time.process_time()
        ours = measure(warm, repeat=args.repeat)
        cpu = (time.process_time() - cpu) / args.repeat
        spots = ours.result
        n = f"{len(areas):,} areas, R = {r:,}"
        base = "esda + libpysal: Queen, Moran_Local, Moran" if not args.quick else rows[3].method
        rows.append(
            Row(
                "ours: hot_spots, warm (contiguity on disk)",
                n,
                ours.seconds,
                base,
                0,
                ours.peak_mb,
                f"{int(spots.frame['hotspot'].sum()):,} hot spots; CPU {cpu:.2f} s a run",
            )
        )
        if not args.quick:
            _esda_rows(rows, areas, y, r, warm, spots.frame, n, base)
        stable = measure(
            lambda: hot_spot_stability(areas, density, permutations=r, cache_dir=cache)
        )
        rows.append(
            Row("ours: stability over 10 seeds", n, stable.seconds, base, 0, stable.peak_mb, "—")
        )
        baseline = next(row.seconds for row in rows if row.method == base)
        for row in rows[4:]:
            row.ratio = row.seconds / baseline
    print_table(rows)
    print("\nStability of the flags over ten seeds:")
    for flag, result in stable.result.items():
        print(f"  {flag}: {result.summary()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
