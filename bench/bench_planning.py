"""Benchmark of the planning tools: an incremental what-if, and exact vs greedy site choice.

Run from the project folder (needs the real-data mirror named in
data/sources.shared.toml)::

    python bench/bench_planning.py                      # Trafford and Manchester
    python bench/bench_planning.py --areas Trafford --sites 3

What is timed, in the same run and on the same inputs:

* **what-if**: :func:`geo.planning.scenario` adding one community centre at
  the point of the area farthest from any place, against the baseline of a
  full :func:`geo.pipeline.run_analysis` of the changed region (the result is
  checked equal to it);
* **site choice** for N = 1…``--sites`` in the largest area given: the exact
  MCLP (HiGHS through :func:`scipy.optimize.milp`) against the greedy
  heuristic, with both objectives and the greedy optimality gap.

Each line gives seconds and the ratio to its baseline.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import Point

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from geo.config import Settings  # noqa: E402
from geo.params import Parameters  # noqa: E402
from geo.pipeline import run_analysis  # noqa: E402
from geo.planning import scenario, suggest  # noqa: E402
from geo.residents import national_residents  # noqa: E402


def _timed(call):
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def what_if(area: str, settings: Settings, params: Parameters) -> None:
    result = run_analysis(area, params, settings=settings)
    residents = national_residents(settings)
    areas = result.areas
    code = areas["nearest_any_m"].idxmax()
    category = "community_centre" if "community_centre" in result.categories else "pub"
    add = gpd.GeoDataFrame(
        {"name": ["Proposed hub"], "category": [category]},
        geometry=[Point(*areas.loc[code, ["point_x", "point_y"]])],
        crs=areas.crs,
    )
    plan, seconds = _timed(
        lambda: scenario(result, add=add, settings=settings, residents=residents)
    )
    params_full = result.parameters.replace(categories=result.categories)
    full, baseline = _timed(lambda: run_analysis(plan.after.region, params_full, settings=settings))
    worst = 0.0
    for column in ("access_e2sfca", "nearest_any_m", "gap_score"):
        a = plan.after.areas[column].to_numpy(float)
        b = full.areas[column].to_numpy(float)
        scale = np.maximum(np.abs(b), 1e-12)
        worst = max(worst, float(np.nanmax(np.abs(a - b) / scale)))
    print(
        f"what-if {result.region.name}: {len(areas)} areas, "
        f"{plan.totals['areas_recomputed']} re-measured; incremental {seconds:.2f} s, "
        f"full rerun {baseline:.2f} s (×{baseline / seconds:.1f}); "
        f"largest relative difference {worst:.1e}"
    )


def sites(area: str, settings: Settings, params: Parameters, most: int, threshold: float) -> None:
    result = run_analysis(area, params, settings=settings)
    lonely = result.areas["expected_lonely"].notna().any()
    weight = "expected_lonely" if lonely else "high_risk_residents"
    for objective in ("mclp", "p-median"):
        print(f"site choice {result.region.name} ({objective}, {threshold:,.0f} m, {weight}):")
        for n in range(1, most + 1):
            options = {"sites": n, "weight": weight, "objective": objective}
            options["threshold_m"] = threshold
            exact, t_exact = _timed(lambda o=options: suggest(result, **o))
            greedy, t_greedy = _timed(lambda o=options: suggest(result, **o, exact_limit=0))
            print(
                f"  N={n}: exact {exact.value:,.2f} in {t_exact:.2f} s; greedy "
                f"{greedy.value:,.2f} in {t_greedy:.2f} s (exact ×{t_exact / t_greedy:.1f} "
                f"the greedy time); gap {exact.gap:.2%}"
            )
        print(f"  candidates: {exact.candidates}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", type=Path, default=PROJECT / "data" / "sources.shared.toml")
    parser.add_argument("--areas", default="Trafford,Manchester")
    parser.add_argument("--sites", type=int, default=5)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--threshold", type=float, default=400.0)
    args = parser.parse_args(argv)
    settings = Settings.from_env(sources_file=args.sources, offline=True)
    params = Parameters(permutations=args.permutations)
    names = [a.strip() for a in args.areas.split(",") if a.strip()]
    for name in names:
        what_if(name, settings, params)
    sites(names[-1], settings, params, args.sites, args.threshold)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
