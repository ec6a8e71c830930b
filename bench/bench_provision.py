"""Benchmark of the provision measures on all of England, against baselines.

Run from the project folder (needs the real-data mirror named in
data/sources.shared.toml, and PySAL ``access`` from requirements-dev.txt)::

    python bench/bench_provision.py            # everything (about 30 s)
    python bench/bench_provision.py --quick    # ours and access only

What is timed, on the same inputs and in the same run:

* ours: :func:`geo.provision.provision_measures` (nearest distance, counts at
  400/800/1,600 m and E2SFCA for "any asset" and 10 categories);
* the idiom a geopandas user would write for the same nearest distances and
  counts: ``sjoin_nearest`` per category, and ``buffer(d)`` + ``sjoin`` +
  ``groupby().size()`` per threshold and category (plus the exact
  ``sjoin(predicate="dwithin")`` variant);
* PySAL ``access`` E2SFCA: on all of England when given a sparse cost table
  (pairs within the catchment), and with its own ``create_euclidean_distance``
  (a full origin × asset cross join) on growing subsets, extrapolated.

Each row gives seconds (median of ``--repeat`` runs for ours, one run for the
baselines), the ratio to a named baseline measured in the same run, and the
peak resident memory added while it ran.  Results are checked against each
other: nearest distances within 1e-6 m, counts equal, E2SFCA within 1e-9
relative.

Real national assets cover only some categories (GB pubs from OpenStreetMap,
warm spaces nationally; libraries, places of worship, food banks and others
only for Greater Manchester, Trafford and Norwich).  To exercise 10
categories, the same real asset points are also relabelled round-robin into 10
categories: a synthetic split of real locations, used for all comparisons.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from benchmeasure import Row, measure, print_table
from benchsetup import SHARED_SOURCES, offline_settings
from scipy.spatial import cKDTree

from geo.provision import counts_within, e2sfca, provision_measures
from geo.region import load_region

TEN = (
    "library",
    "place_of_worship",
    "community_centre",
    "arts_centre",
    "sports_leisure",
    "park",
    "pub",
    "cafe",
    "health",
    "warm_space",
)
THRESHOLDS = (400.0, 800.0, 1600.0)
CATCHMENT = 1600.0
SIGMA = CATCHMENT / 2
#: A point near Leeds city centre; access subsets are the areas nearest to it.
SUBSET_CENTRE = (430_000.0, 433_500.0)


# -- inputs --------------------------------------------------------------------


def load_inputs(sources: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, float]:
    settings = offline_settings(sources)
    start = time.perf_counter()
    region = load_region("england", settings=settings)
    seconds = time.perf_counter() - start
    return region.areas, region.assets, seconds


def ten_category_split(assets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The real asset points, relabelled round-robin into 10 categories."""
    out = assets[["asset_id", "category", "capacity", "in_region", "geometry"]].copy()
    out["real_category"] = out["category"]
    out["category"] = [TEN[k % len(TEN)] for k in range(len(out))]
    return out


# -- baselines -----------------------------------------------------------------


def geopandas_idiom(
    areas: pd.DataFrame, assets: gpd.GeoDataFrame, *, exact: bool = False
) -> pd.DataFrame:
    """Nearest distances and counts the way a geopandas user would write them."""
    points = gpd.GeoDataFrame(
        index=areas.index,
        geometry=gpd.points_from_xy(areas["point_x"], areas["point_y"]),
        crs=27700,
    )
    buffers = {} if exact else {d: points.set_geometry(points.buffer(d)) for d in THRESHOLDS}
    columns = {}
    for key in ("any", *TEN):
        subset = assets if key == "any" else assets[assets["category"] == key]
        subset = subset[["geometry"]]
        if not exact:
            joined = gpd.sjoin_nearest(points, subset, distance_col="distance")
            columns[f"nearest_{key}_m"] = joined.groupby(level=0)["distance"].min()
        for d in THRESHOLDS:
            if exact:
                hits = gpd.sjoin(points, subset, predicate="dwithin", distance=d)
            else:
                hits = gpd.sjoin(buffers[d], subset, predicate="intersects")
            label = f"count_{key}_{int(d)}m"
            columns[label] = hits.groupby(level=0).size().reindex(areas.index, fill_value=0)
    return pd.DataFrame(columns).reindex(areas.index)


def inner_counts(areas: pd.DataFrame, assets: gpd.GeoDataFrame) -> pd.DataFrame:
    """Our counts within d·cos(π/64): the inscribed radius of geopandas' buffer(d)."""
    shrink = math.cos(math.pi / 64)
    xy = areas[["point_x", "point_y"]]
    columns = {}
    for key in ("any", *TEN):
        subset = assets if key == "any" else assets[assets["category"] == key]
        counts = counts_within(xy, subset, thresholds=[d * shrink for d in THRESHOLDS])
        for d, column in zip(THRESHOLDS, counts.columns, strict=True):
            columns[f"count_{key}_{int(d)}m"] = counts[column]
    return pd.DataFrame(columns)


def access_sparse(
    areas: pd.DataFrame, assets: gpd.GeoDataFrame, cost: pd.DataFrame
) -> pd.DataFrame:
    """PySAL access E2SFCA for 'any' and each category, from a sparse cost table."""
    from access import Access, weights

    supply = pd.DataFrame(
        {"any": np.ones(len(assets))}
        | {key: (assets["category"] == key).to_numpy(dtype=float) for key in TEN},
        index=pd.Index(assets["asset_id"].to_numpy(), name="asset_id"),
    )
    model = Access(
        demand_df=pd.DataFrame({"pop": areas["population"].astype(float)}),
        demand_value="pop",
        supply_df=supply,
        supply_value=["any", *TEN],
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    return model.enhanced_two_stage_fca(
        name="e2sfca", max_cost=CATCHMENT, weight_fn=weights.gaussian(SIGMA)
    )


def access_own_workflow(areas: pd.DataFrame, assets: gpd.GeoDataFrame) -> pd.Series:
    """PySAL access end to end: its Euclidean cost (a full cross join), then E2SFCA."""
    from access import Access, weights

    demand = gpd.GeoDataFrame(
        {"pop": areas["population"].astype(float)},
        geometry=gpd.points_from_xy(areas["point_x"], areas["point_y"]),
        index=areas.index,
        crs=27700,
    )
    supply = gpd.GeoDataFrame(
        {"one": np.ones(len(assets))},
        geometry=assets.geometry.to_numpy(),
        index=pd.Index(assets["asset_id"].to_numpy(), name="asset_id"),
        crs=27700,
    )
    model = Access(demand_df=demand, demand_value="pop", supply_df=supply, supply_value="one")
    # access keeps pairs strictly below the threshold; 1 m more lets max_cost decide.
    model.create_euclidean_distance(threshold=CATCHMENT + 1)
    out = model.enhanced_two_stage_fca(
        name="e2sfca", max_cost=CATCHMENT, weight_fn=weights.gaussian(SIGMA)
    )
    return out["e2sfca_one"]


# -- checks --------------------------------------------------------------------


def compare_e2sfca(ours: pd.Series, theirs: pd.Series, per: float = 1000.0) -> tuple[float, int]:
    """Largest relative difference where access has a value, and areas it leaves out.

    Areas with no asset within the catchment are missing from access's result
    and 0 in ours; they are checked to be 0 and counted.
    """
    theirs = theirs.reindex(ours.index) * per
    reached = theirs.notna().to_numpy()
    if not (ours.to_numpy()[~reached] == 0).all():
        raise AssertionError("areas that access leaves out should have 0 access in ours")
    a, b = ours.to_numpy()[reached], theirs.to_numpy()[reached]
    scale = np.maximum(np.abs(b), np.finfo(float).tiny)
    rel = float(np.max(np.abs(a - b) / scale)) if len(a) else 0.0
    return rel, int((~reached).sum())


def nearest_areas(areas: pd.DataFrame, k: int) -> tuple[pd.DataFrame, float]:
    d = np.hypot(areas["point_x"] - SUBSET_CENTRE[0], areas["point_y"] - SUBSET_CENTRE[1])
    order = np.argsort(d.to_numpy(), kind="stable")[:k]
    return areas.iloc[order], float(d.iloc[order].max())


def assets_near(assets: gpd.GeoDataFrame, radius: float) -> gpd.GeoDataFrame:
    x, y = assets.geometry.x.to_numpy(), assets.geometry.y.to_numpy()
    return assets[np.hypot(x - SUBSET_CENTRE[0], y - SUBSET_CENTRE[1]) <= radius]


# -- main ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=SHARED_SOURCES)
    parser.add_argument("--repeat", type=int, default=5, help="runs of ours (median)")
    parser.add_argument("--access-sizes", default="1000,2000,4000")
    parser.add_argument("--quick", action="store_true", help="skip the geopandas idiom")
    args = parser.parse_args(argv)

    print("Loading all English LSOA 2021 areas and national assets …", flush=True)
    areas, real_assets, load_s = load_inputs(args.sources)
    areas = areas[["point_x", "point_y", "point_source", "population"]].copy()
    assets = ten_category_split(real_assets)
    n, m = len(areas), len(assets)
    print(
        f"load_region('england'): {n:,} areas, {m:,} assets in {load_s:.1f} s "
        f"(real categories: {real_assets['category'].value_counts().to_dict()})"
    )
    print(
        f"Comparisons use the {m:,} real asset points relabelled round-robin into "
        f"{len(TEN)} categories (a synthetic split: {', '.join(TEN)})."
    )
    size = f"{n:,} areas × {m:,} assets"
    rows: list[Row] = []

    ours_name = "ours: provision_measures, 10 categories"
    ours = measure(
        lambda: provision_measures(areas, assets, categories=TEN, thresholds=THRESHOLDS),
        repeat=args.repeat,
    )
    frame = ours.result.frame  # type: ignore[attr-defined]
    rows.append(Row(ours_name, size, ours.seconds, ours_name, 1.0, ours.peak_mb, "—"))

    real = measure(lambda: provision_measures(areas, real_assets), repeat=args.repeat)
    rows.append(
        Row(
            "ours: provision_measures, real categories (14)",
            f"{n:,} areas × {len(real_assets):,} assets",
            real.seconds,
            ours_name,
            real.seconds / ours.seconds,
            real.peak_mb,
            "—",
        )
    )
    if not args.quick:
        rows.extend(_idiom_rows(areas, assets, frame, rows[0]))
    rows.append(_access_sparse_row(areas, assets, frame, rows[0]))
    sizes = [int(s) for s in args.access_sizes.split(",") if s.strip()]
    scaling = _access_scaling_rows(areas, assets, sizes, args.repeat, rows)

    print()
    print(
        f"Python {sys.version.split()[0]}, pandas {pd.__version__}, geopandas "
        f"{gpd.__version__}, numpy {np.__version__}; peak MB = resident memory added "
        "while the step ran (VmHWM after reset)."
    )
    print()
    print_table(rows)
    _print_extrapolation(scaling, n * m, ours.seconds)
    return 0


def _idiom_rows(
    areas: pd.DataFrame, assets: gpd.GeoDataFrame, frame: pd.DataFrame, ours: Row
) -> list[Row]:
    """The geopandas idiom's rows (buffer counts and exact dwithin counts), checked against ours."""
    size, ours_name = ours.inputs, ours.method
    rows: list[Row] = []
    print("Timing the geopandas idiom (sjoin_nearest + buffer/sjoin) …", flush=True)
    idiom = measure(lambda: geopandas_idiom(areas, assets))
    got: pd.DataFrame = idiom.result  # type: ignore[assignment]
    nearest_cols = [c for c in got.columns if c.startswith("nearest_")]
    count_cols = [c for c in got.columns if c.startswith("count_")]
    worst = float(np.nanmax(np.abs(got[nearest_cols] - frame[nearest_cols]).to_numpy()))
    differ = int((got[count_cols] != frame[count_cols]).to_numpy().sum())
    total = got[count_cols].size
    if worst > 1e-6:
        raise AssertionError(f"nearest distances differ from sjoin_nearest by {worst} m")
    # buffer(d) is a 64-gon inscribed in the circle: it holds every asset within
    # d·cos(π/64) and none beyond d, so its count lies between ours at those two radii.
    inner = inner_counts(areas, assets)
    low = (got[count_cols] >= inner[count_cols]).to_numpy().all()
    high = (got[count_cols] <= frame[count_cols]).to_numpy().all()
    if not (low and high):
        raise AssertionError("buffer counts are not explained by the 64-gon approximation")
    rows.append(
        Row(
            "geopandas: sjoin_nearest + buffer(d)/sjoin counts",
            size,
            idiom.seconds,
            ours_name,
            idiom.seconds / ours.seconds,
            idiom.peak_mb,
            f"nearest max |Δ| {worst:.1e} m; counts differ in {differ} of {total:,} "
            "cells, all explained by buffer(d) being a 64-gon inside the circle "
            "(an asset up to 1.9 m inside the 1,600 m circle can fall outside it)",
        )
    )
    exact = measure(lambda: geopandas_idiom(areas, assets, exact=True))
    got = exact.result  # type: ignore[assignment]
    differ = int((got[count_cols] != frame[count_cols]).to_numpy().sum())
    if differ:
        raise AssertionError(f"{differ} counts differ from sjoin(predicate='dwithin')")
    rows.append(
        Row(
            "geopandas: sjoin(predicate='dwithin') counts only",
            size,
            exact.seconds,
            ours_name,
            exact.seconds / ours.seconds,
            exact.peak_mb,
            f"counts equal in all {total:,} cells",
        )
    )
    return rows


def _access_sparse_row(
    areas: pd.DataFrame, assets: gpd.GeoDataFrame, frame: pd.DataFrame, ours: Row
) -> Row:
    """PySAL access E2SFCA on all of England from a sparse cost table, checked against ours."""
    size, ours_name = ours.inputs, ours.method
    print("Timing PySAL access E2SFCA …", flush=True)
    xy = areas[["point_x", "point_y"]].to_numpy()
    asset_xy = np.column_stack([assets.geometry.x, assets.geometry.y])
    pairs = cKDTree(xy).sparse_distance_matrix(cKDTree(asset_xy), CATCHMENT, output_type="ndarray")
    cost = pd.DataFrame(
        {
            "origin": areas.index.to_numpy()[pairs["i"]],
            "dest": assets["asset_id"].to_numpy()[pairs["j"]],
            "cost": pairs["v"],
        }
    )
    sparse = measure(lambda: access_sparse(areas, assets, cost))
    result: pd.DataFrame = sparse.result  # type: ignore[assignment]
    worst, left_out = compare_e2sfca(frame["access_e2sfca"], result["e2sfca_any"])
    for key in TEN:
        rel, _ = compare_e2sfca(frame[f"access_e2sfca_{key}"], result[f"e2sfca_{key}"])
        worst = max(worst, rel)
    if worst > 1e-9:
        raise AssertionError(f"E2SFCA differs from access by {worst:.1e} (relative)")
    return Row(
        "access: E2SFCA ×11 from a sparse cost table",
        f"{size}, {len(cost):,} pairs ≤ 1,600 m",
        sparse.seconds,
        ours_name,
        sparse.seconds / ours.seconds,
        sparse.peak_mb,
        f"max rel Δ {worst:.1e}; {left_out} areas with no asset in reach: access blank, ours 0",
    )


def _access_scaling_rows(
    areas: pd.DataFrame, assets: gpd.GeoDataFrame, sizes: list[int], repeat: int, rows: list[Row]
) -> list[tuple[int, float, float | None]]:
    """Ours and access's own workflow on growing subsets (rows added to ``rows``).

    Returns (pairs, access seconds, access peak MB) per subset, for the extrapolation.
    """
    scaling = []
    for k in sizes:
        sub_areas, reach = nearest_areas(areas, k)
        sub_assets = assets_near(assets, reach + CATCHMENT)
        label = f"{len(sub_areas):,} areas × {len(sub_assets):,} assets"
        mine_name = f"ours: e2sfca, {len(sub_areas):,} areas"
        mine = measure(
            lambda a=sub_areas, s=sub_assets: e2sfca(
                a[["point_x", "point_y"]], a["population"], s, catchment_m=CATCHMENT
            ),
            repeat=repeat,
        )
        theirs = measure(lambda a=sub_areas, s=sub_assets: access_own_workflow(a, s))
        rel, out = compare_e2sfca(mine.result, theirs.result)  # type: ignore[arg-type]
        if rel > 1e-9:
            raise AssertionError(f"E2SFCA differs from access by {rel:.1e} on {label}")
        rows.append(Row(mine_name, label, mine.seconds, mine_name, 1.0, mine.peak_mb, "—"))
        rows.append(
            Row(
                "access: own Euclidean cost + E2SFCA",
                label,
                theirs.seconds,
                mine_name,
                theirs.seconds / mine.seconds,
                theirs.peak_mb,
                f"max rel Δ {rel:.1e}; {out} areas out of reach",
            )
        )
        scaling.append((len(sub_areas) * len(sub_assets), theirs.seconds, theirs.peak_mb))
    return scaling


def _print_extrapolation(
    scaling: list[tuple[int, float, float | None]], pairs: int, ours_seconds: float
) -> None:
    """access's own workflow extrapolated to every area × asset pair (not run)."""
    if len(scaling) >= 2:
        x = np.log([s[0] for s in scaling])
        y = np.log([s[1] for s in scaling])
        slope, intercept = np.polyfit(x, y, 1)
        full = math.exp(intercept) * pairs**slope
        largest = scaling[-1]
        memory = (
            f", peak memory ≈ {largest[2] / largest[0] * pairs / 1024:,.0f} GB (linear in pairs)"
            if largest[2]
            else ""
        )
        print()
        print(
            f"access's own workflow scales as (areas × assets)^{slope:.2f} over "
            f"{scaling[0][0]:,}–{largest[0]:,} pairs; extrapolated to all of England "
            f"({pairs:,} pairs): ≈ {full:,.0f} s{memory}, "
            f"{full / ours_seconds:,.0f}× ours — not run."
        )


if __name__ == "__main__":
    raise SystemExit(main())
