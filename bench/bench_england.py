"""Benchmark of the whole command line on all of England, cold and warm, against a PySAL idiom.

Run from the project folder (needs the real-data mirror)::

    python bench/bench_england.py                 # cold, 3 warm runs, the idiom
    python bench/bench_england.py --repeat 1 --no-idiom

Every row is a separate process, timed from start to exit, with its peak
resident memory (``ru_maxrss`` of the child):

* **cold**: ``python -m geo analyse --area england --out FILE`` with an
  empty cache folder (``ATLAS_CACHE_DIR``), reading the mirror through
  ``ATLAS_SOURCES=data/sources.shared.toml`` offline: every file parsed, the
  region and national tables assembled and cached, contiguity built;
* **warm**: the same command again (median of ``--repeat``), the caches full;
* **idiom** (the baseline): what a user writes for a lighter version of the
  same job with geopandas, libpysal and esda, from the same files: read the
  LSOA boundaries, population-weighted centroids, IoD2025 and three Census
  tables; a logistic risk score from the ONS odds ratios with its intercept
  solved for England (``scipy.optimize.brentq``); the nearest place and
  places within 400/800/1,600 m (``sjoin_nearest``, ``buffer`` + ``sjoin``)
  for the GB pubs; a gap score; ``Queen.from_dataframe`` and
  ``esda.Moran_Local`` (9,999 permutations) on it; the table written to
  Parquet.  It does less than ours (no E2SFCA, no uncertainty draws, one
  asset source), so the ratio understates the difference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ATLAS_SHARED_DATA", PROJECT.parent / "shared" / "data"))


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def _cli(out: Path) -> list[str]:
    options = ["--area", "england", "--quiet", "--out", str(out)]
    return [sys.executable, "-m", "geo", "analyse", *options]


def idiom(out: Path) -> None:
    """The geopandas + libpysal + esda way (run in its own process)."""
    import esda
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from libpysal.weights import Queen
    from scipy.optimize import brentq

    areas = gpd.read_file(
        f"/vsigzip/{SHARED}/boundaries/national_geographr/boundaries_lsoa21.geojson.gz"
    ).to_crs(27700)
    code = next(c for c in areas.columns if c.lower() in {"lsoa21_code", "lsoa21cd"})
    areas = areas[areas[code].str.startswith("E")].set_index(code)
    centroids = gpd.read_file(
        SHARED / "lsoa21_pop_weighted_centroids/LSOA_PopCentroids_EW_2021_V3.shp"
    ).set_index("LSOA21CD")
    iod = pd.read_csv(SHARED / "imd2025_england/File_7_IoD2025_reconstructed.csv")
    iod = iod.set_index("LSOA code (2021)")
    census = SHARED / "census2021_national_lsoa21/nomis_bulk"
    ts001 = pd.read_csv(census / "census2021-ts001-lsoa.csv").set_index("geography code")
    ts007 = pd.read_csv(census / "census2021-ts007a-lsoa.csv").set_index("geography code")
    ts037 = pd.read_csv(census / "census2021-ts037-lsoa.csv").set_index("geography code")
    pop = ts001["Residence type: Total; measures: Value"]
    young = ts007.filter(like="15 to 19").sum(axis=1) * 0.4 + ts007.filter(like="20 to 24").sum(
        axis=1
    )
    health = ts037.filter(regex="(Bad|Very bad) health$").sum(axis=1)
    frame = pd.DataFrame(
        {"population": pop, "young": young / pop, "bad_health": health / pop}
    ).reindex(areas.index)
    frame["imd"] = iod["Index of Multiple Deprivation (IMD) Score"].reindex(frame.index)
    eta = np.log(2.7) * frame["young"] + np.log(1.9) * frame["bad_health"]
    w = frame["population"]

    def share(b0: float) -> float:
        return float((w / (1 + np.exp(-(b0 + eta)))).sum() / w.sum() - 0.05)

    b0 = brentq(share, -20, 20)
    frame["risk"] = 1 / (1 + np.exp(-(b0 + eta)))
    frame["risk_rank"] = frame["risk"].rank(ascending=False, method="min")

    pubs = pd.read_csv(
        SHARED / "community_assets/osm_uk_pubs_mlj/pubnames.tsv", sep="\t", header=None
    )
    places = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pubs[4], pubs[3]), crs=4326).to_crs(27700)
    points = centroids.loc[centroids.index.intersection(frame.index), ["geometry"]]
    nearest = gpd.sjoin_nearest(points, places, distance_col="d").groupby(level=0)["d"].min()
    frame["nearest_m"] = nearest
    for d in (400, 800, 1600):
        rings = gpd.GeoDataFrame(geometry=points.buffer(d), index=points.index)
        counts = gpd.sjoin(rings, places, predicate="contains").groupby(level=0).size()
        frame[f"count_{d}"] = counts.reindex(frame.index, fill_value=0)
    frame["gap"] = frame["risk"].rank(pct=True) - frame["count_800"].rank(pct=True)

    weights = Queen.from_dataframe(areas, use_index=True)
    weights.transform = "r"
    islands = set(weights.islands)
    keep = [c for c in areas.index if c not in islands]
    sub = Queen.from_dataframe(areas.loc[keep], use_index=True)
    sub.transform = "r"
    y = frame.loc[keep, "gap"].fillna(0.0).to_numpy()
    local = esda.Moran_Local(y, sub, permutations=9999, seed=12345)
    frame.loc[keep, "local_i"] = local.Is
    frame.loc[keep, "p_sim"] = local.p_sim
    frame.to_parquet(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs (median)")
    parser.add_argument("--no-idiom", action="store_true", help="skip the PySAL idiom")
    parser.add_argument("--idiom-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.idiom_only:
        idiom(args.idiom_only)
        return 0
    if not (SHARED / "SOURCES.md").is_file():
        raise SystemExit(f"the real-data mirror is not at {SHARED} (set ATLAS_SHARED_DATA)")
    with tempfile.TemporaryDirectory() as tmp:
        # as a user's Python runs it: compiled modules are cached (some shells set
        # PYTHONDONTWRITEBYTECODE, which recompiles every module of ours at each start)
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "ATLAS_SOURCES": str(PROJECT / "data/sources.shared.toml"),
            "ATLAS_SHARED_DATA": str(SHARED),
            "ATLAS_CACHE_DIR": str(Path(tmp) / "cache"),
            "ATLAS_OFFLINE": "1",
        }
        out = Path(tmp) / "england.parquet"
        rows = [("cold: empty cache", *_timed(_cli(out), env))]
        warm = [_timed(_cli(out), env) for _ in range(args.repeat)]
        rows.append(
            (
                f"warm: median of {args.repeat}",
                statistics.median(s for s, _ in warm),
                max(m for _, m in warm),
            )
        )
        if not args.no_idiom:
            command = [sys.executable, __file__, "--idiom-only", str(Path(tmp) / "idiom.parquet")]
            rows.append(("idiom: geopandas + libpysal + esda", *_timed(command, env)))
    base = rows[-1][1] if not args.no_idiom else rows[1][1]
    print(f"{'what':40s} {'seconds':>8s} {'ratio':>10s} {'peak MB':>8s}")
    for what, seconds, peak in rows:
        print(f"{what:40s} {seconds:8.2f} {seconds / base:9.3f}× {peak:8,.0f}")
    print(f"(ratio: against the {'idiom' if not args.no_idiom else 'warm run'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
