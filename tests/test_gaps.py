"""Need × provision gaps: terciles, classes, gap score, ranks, hot spots and totals.

Most answers here can be worked out by hand on grids of 1 km squares.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geo import gaps
from geo.errors import AtlasError, GapError, SchemaError

PROJECT = Path(__file__).resolve().parent.parent
PERMS = 199
# Finding a planted cluster of ~25 areas among 100 under the FDR step needs at least ten
# areas at the smallest p-value; with 199 permutations that depends on the draws.
FIND_PERMS = 999


def grid(k: int, *, extra: list[shapely.Geometry] | None = None) -> gpd.GeoDataFrame:
    """A k×k grid of 1 km squares (row by row from the south-west), plus extra polygons."""
    geoms = [
        box(c * 1000, r * 1000, (c + 1) * 1000, (r + 1) * 1000) for r in range(k) for c in range(k)
    ]
    geoms += extra or []
    index = pd.Index([f"E01{i:06d}" for i in range(len(geoms))], name="lsoa21cd")
    population = 1000 + 10 * np.arange(len(geoms))
    return gpd.GeoDataFrame({"population": population}, geometry=geoms, crs=27700, index=index)


def xy(k: int) -> tuple[np.ndarray, np.ndarray]:
    cells = np.arange(k * k)
    return cells % k, cells // k


def series(values, index=None, name=None) -> pd.Series:
    values = np.asarray(values, dtype=float)
    if index is None:
        index = [f"a{i}" for i in range(len(values))]
    return pd.Series(values, index=index, name=name)


# ---------------------------------------------------------------------------
# terciles and percentile ranks
# ---------------------------------------------------------------------------


def test_nine_values_give_three_of_each_tercile():
    values = series(range(1, 10))
    assert gaps.terciles(values).tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    shuffled = values.sample(frac=1, random_state=3)
    assert gaps.terciles(shuffled).to_dict() == gaps.terciles(values).to_dict()


def test_tercile_boundaries_and_sizes():
    # 10 values: percentiles 0, 1/9, …, 1 → 3 low, 4 middle, 3 high
    assert gaps.terciles(series(range(10))).value_counts().sort_index().tolist() == [3, 4, 3]
    # 4 values: percentiles 0, 1/3, 2/3, 1 → the boundaries go to the middle
    assert gaps.terciles(series([5, 6, 7, 8])).tolist() == [1, 2, 2, 3]
    # a single value and constant values are "middle"
    assert gaps.terciles(series([42])).tolist() == [2]
    assert gaps.terciles(series([3, 3, 3, 3])).tolist() == [2, 2, 2, 2]


def test_ties_share_a_tercile_and_missing_stays_missing():
    # six zeros (mid-rank 3.5 → p = 0.3) and four ones (mid-rank 8.5 → p = 0.83)
    t = gaps.terciles(series([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]))
    assert t.tolist() == [1] * 6 + [3] * 4
    with_nan = gaps.terciles(series([1, np.nan, 2, 3]))
    assert str(with_nan.dtype) == "Int64"
    assert with_nan.isna().tolist() == [False, True, False, False]
    assert with_nan.dropna().tolist() == [1, 2, 3]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=40))
def test_terciles_are_monotone_and_mirror_under_reversal(values):
    s = series(values)
    t = gaps.terciles(s)
    order = np.argsort(s.to_numpy(), kind="stable")
    assert (np.diff(t.to_numpy(dtype=int)[order]) >= 0).all()
    assert (gaps.terciles(-s) == 4 - t).all()
    p = gaps.percentile_rank(s)
    assert p.between(0, 1).all()
    assert np.allclose(gaps.percentile_rank(-s), 1 - p)


def test_percentile_rank_by_hand():
    assert gaps.percentile_rank(series([10, 30, 20, 20])).tolist() == [0, 1, 0.5, 0.5]
    assert gaps.percentile_rank(series([7])).tolist() == [0.5]


# ---------------------------------------------------------------------------
# bivariate classes, labels and colours
# ---------------------------------------------------------------------------


def test_nine_classes_labels_and_colours():
    risk = series([1, 2, 3, 4, 5, 6, 7, 8, 9])
    access = series([1, 4, 7, 2, 5, 8, 3, 6, 9])
    classes = gaps.bivariate_classes(risk, access)
    assert classes["gap_class"].tolist() == [
        "1-1", "1-2", "1-3", "2-1", "2-2", "2-3", "3-1", "3-2", "3-3",
    ]  # fmt: skip
    assert classes.loc["a6", "gap_label"] == "High risk, low access — priority gap"
    assert classes.loc["a8", "gap_label"] == "High risk, good access"
    assert classes.loc["a0", "gap_label"] == "Low risk, low access"
    assert classes.loc["a4", "gap_label"] == "Middling risk and access"
    assert (classes["gap_label"] == classes["gap_class"].map(gaps.CLASS_LABELS)).all()
    assert (classes["gap_colour"] == classes["gap_class"].map(gaps.BIVARIATE_COLOURS)).all()


def test_palette_and_legend_cover_the_nine_classes():
    keys = {f"{r}-{a}" for r in (1, 2, 3) for a in (1, 2, 3)}
    assert set(gaps.CLASS_LABELS) == keys == set(gaps.BIVARIATE_COLOURS)
    colours = list(gaps.BIVARIATE_COLOURS.values())
    assert len(set(colours)) == 9
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)

    def lightness(hex_colour: str) -> float:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    darkest = min(gaps.BIVARIATE_COLOURS, key=lambda k: lightness(gaps.BIVARIATE_COLOURS[k]))
    lightest = max(gaps.BIVARIATE_COLOURS, key=lambda k: lightness(gaps.BIVARIATE_COLOURS[k]))
    assert (darkest, lightest) == ("3-1", "1-3")
    legend = gaps.bivariate_legend()
    assert len(legend) == 9 and legend.iloc[0]["gap_class"] == "3-1"
    assert set(legend["gap_colour"]) == set(colours)


def test_class_missing_when_a_value_is_missing():
    classes = gaps.bivariate_classes(series([1, 2, np.nan]), series([3, np.nan, 1]))
    assert classes["gap_class"].isna().tolist() == [False, True, True]
    assert classes["gap_label"].isna().tolist() == [False, True, True]


def test_access_is_aligned_by_code_not_by_position():
    risk = series([1, 2, 3], index=["a", "b", "c"])
    access = series([30, 10, 20], index=["c", "a", "b"])  # a=10, b=20, c=30
    classes = gaps.bivariate_classes(risk, access)
    assert classes["access_tercile"].tolist() == [1, 2, 3]
    assert list(classes.index) == ["a", "b", "c"]


# ---------------------------------------------------------------------------
# gap score and priority rank
# ---------------------------------------------------------------------------


def test_gap_score_by_hand_and_ordering():
    risk = series([1, 2, 3], index=["a", "b", "c"])
    access = series([3, 1, 2], index=["a", "b", "c"])
    # p_risk = 0, 0.5, 1; p_access = 1, 0, 0.5
    score = gaps.gap_score(risk, access)
    assert score.name == "gap_score"
    assert score.tolist() == [0.0, 0.75, 0.75]
    # high risk + low access beats every other combination
    r = series([1, 2, 3, 4, 5, 6, 7, 8, 9])
    a = series([1, 4, 7, 2, 5, 8, 3, 6, 9])
    s = gaps.gap_score(r, a)
    assert s.idxmax() == "a6"  # class 3-1
    assert s.idxmin() == "a2"  # class 1-3
    assert s.between(0, 1).all()


def test_priority_rank_ties_go_to_larger_population_then_code():
    score = series([0.0, 0.75, 0.75, np.nan], index=["a", "b", "c", "d"])
    pop = series([10, 20, 30, 40], index=["a", "b", "c", "d"])
    ranks = gaps.priority_rank(score, population=pop)
    assert ranks.name == "priority_rank"
    assert ranks.loc[["c", "b", "a"]].tolist() == [1, 2, 3]
    assert pd.isna(ranks.loc["d"])
    # no population: ties by area code
    assert gaps.priority_rank(score).loc[["b", "c", "a"]].tolist() == [1, 2, 3]
    # population given in another order is aligned by code
    ranks2 = gaps.priority_rank(score, population=pop.iloc[::-1])
    assert ranks2.equals(ranks)


# ---------------------------------------------------------------------------
# Benjamini–Hochberg
# ---------------------------------------------------------------------------


def test_bh_adjustment_by_hand():
    p = series([0.01, 0.04, 0.03, 0.005, 0.2, np.nan])
    # sorted 0.005, 0.01, 0.03, 0.04, 0.2 (m = 5) → ×5/k: .025 .025 .05 .05 .2, then running min
    q = gaps.fdr_adjust(p)
    assert np.allclose(q.iloc[:5], [0.025, 0.05, 0.05, 0.025, 0.2])
    assert np.isnan(q.iloc[5])
    assert (q.iloc[:5] <= 0.05).tolist() == [True, True, True, True, False]
    assert np.allclose(gaps.fdr_adjust(np.array([0.9, 0.95])), [0.95, 0.95])


def test_bh_agrees_with_esda_cutoff():
    import esda

    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(5, 60))
        p = np.concatenate([rng.uniform(0, 0.01, n // 4), rng.uniform(0, 1, n - n // 4)])
        cutoff = esda.fdr(p, 0.05)
        ours = gaps.fdr_adjust(p) <= 0.05
        assert (ours == (p <= cutoff)).all()


def _bh_step_up(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg q-values written out: q_(k) = min over j ≥ k of m·p_(j)/j, ≤ 1."""
    q = np.full(p.shape, np.nan)
    finite = ~np.isnan(p)
    known = p[finite]
    m = known.size
    if m:
        order = np.argsort(known, kind="stable")
        scaled = known[order] * m / np.arange(1, m + 1)
        adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
        out = np.empty(m)
        out[order] = np.minimum(adjusted, 1.0)
        q[finite] = out
    return q


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.001, 0.05, 1.0, math.nan])),
        min_size=0,
        max_size=80,
    )
)
def test_bh_equals_the_step_up_procedure_written_out(p):
    p = np.array(p, dtype=float)
    q = gaps.fdr_adjust(p)
    expected = _bh_step_up(p)
    assert q.shape == p.shape
    np.testing.assert_allclose(q, expected, rtol=1e-14, atol=0)
    assert (np.isnan(q) == np.isnan(p)).all()
    series = gaps.fdr_adjust(pd.Series(p, index=[f"a{k}" for k in range(len(p))], name="p"))
    assert series.name == "p" and list(series.index) == [f"a{k}" for k in range(len(p))]
    np.testing.assert_allclose(series.to_numpy(), expected, rtol=1e-14, atol=0)


def test_bh_rejects_p_values_outside_0_1():
    with pytest.raises(GapError, match="between 0 and 1"):
        gaps.fdr_adjust(np.array([0.2, 1.5]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=50))
def test_bh_q_values_are_monotone_and_not_below_p(p):
    p = np.array(p)
    q = gaps.fdr_adjust(p)
    assert (q >= p - 1e-12).all() and (q <= 1).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(q[order]) >= -1e-12).all()


# ---------------------------------------------------------------------------
# contiguity and hot spots
# ---------------------------------------------------------------------------


def test_queen_neighbours_match_shapely_touches():
    far = [box(20_000, 0, 21_000, 1000), box(30_000, 0, 31_000, 1000), box(31_000, 0, 32_000, 1000)]
    areas = grid(5, extra=far)
    w = gaps.contiguity_weights(areas)
    geoms = areas.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="touches")
    touches = np.bincount(i[i != j], minlength=len(areas))
    queen = np.array([w.cardinalities[k] for k in areas.index])
    assert (queen == touches).all()
    # corner 3, edge 5, inside 8; the lone square 0; the detached pair 1 each
    assert queen[[0, 1, 6]].tolist() == [3, 5, 8]
    assert queen[25:].tolist() == [0, 1, 1]


def test_snapping_links_areas_across_a_small_gap():
    areas = grid(2, extra=[box(2000.5, 0, 3000, 1000)])  # 0.5 m east of the grid
    strict = gaps.contiguity_weights(areas)
    snapped = gaps.contiguity_weights(areas, snap_m=1.0)
    new = areas.index[4]
    assert strict.cardinalities[new] == 0
    assert set(snapped.neighbors[new]) == {areas.index[1], areas.index[3]}
    with pytest.raises(SchemaError, match="projected CRS"):
        gaps.contiguity_weights(areas.to_crs(4326), snap_m=1.0)


def planted(k: int = 10, lo: int = 2, hi: int = 6, seed: int = 0):
    areas = grid(k)
    x, y = xy(k)
    inside = (x >= lo) & (x <= hi) & (y >= lo) & (y <= hi)
    values = pd.Series(np.random.default_rng(seed).normal(size=k * k), index=areas.index)
    values[inside] += 4
    return areas, values, inside


def test_planted_cluster_is_found_as_hot_spots():
    areas, values, inside = planted()
    before = np.random.get_state()[1].copy()
    result = gaps.hot_spots(areas, values, permutations=FIND_PERMS, seed=12345)
    assert (np.random.get_state()[1] == before).all()  # global random state untouched
    frame = result.frame
    assert frame["hotspot"].sum() >= 9
    assert not frame.loc[~inside, "hotspot"].any()
    assert (frame.loc[frame["hotspot"], "quadrant"] == "HH").all()
    assert (frame.loc[frame["hotspot"], "cluster"] == "hot spot").all()
    assert (frame.loc[frame["hotspot"], "p_fdr"] <= 0.05).all()
    assert result.global_i > 0.3 and result.global_p <= 0.01
    assert result.expected_i == pytest.approx(-1 / 99)
    assert set(frame.columns) >= {"local_i", "p_value", "p_fdr", "quadrant", "hotspot"}
    # the centre of the cluster is a high value among high neighbours
    assert frame.loc[areas.index[44], "quadrant"] == "HH"


def test_hot_spots_are_reproducible_with_the_seed():
    areas, values, _ = planted()
    a = gaps.hot_spots(areas, values, permutations=PERMS, seed=7)
    b = gaps.hot_spots(areas, values, permutations=PERMS, seed=7)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert (a.global_i, a.global_p) == (b.global_i, b.global_p)


def test_moran_i_matches_a_direct_computation():
    areas, values, _ = planted(k=6, lo=1, hi=3)
    result = gaps.hot_spots(areas, values, permutations=PERMS)
    geoms = areas.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="touches")
    keep = i != j
    i, j = i[keep], j[keep]
    n = len(values)
    z = values.to_numpy() - values.mean()
    lag = np.bincount(i, weights=z[j], minlength=n) / np.bincount(i, minlength=n)
    assert result.global_i == pytest.approx((z * lag).sum() / (z * z).sum())
    local = (n - 1) * z * lag / (z * z).sum()
    assert np.allclose(result.frame["local_i"], local)


def test_checkerboard_has_negative_global_moran():
    k = 6
    areas = grid(k)
    x, y = xy(k)
    board = pd.Series(((x + y) % 2).astype(float), index=areas.index)
    result = gaps.hot_spots(areas, board, permutations=PERMS)
    assert result.global_i < result.expected_i < 0
    stripes = pd.Series((x % 2).astype(float), index=areas.index)
    striped = gaps.hot_spots(areas, stripes, permutations=PERMS)
    assert striped.global_i < -0.4 and striped.global_p <= 0.01
    assert not striped.frame["hotspot"].any()


def test_random_values_give_no_fdr_hot_spots():
    areas = grid(10)
    for seed in range(3):
        values = pd.Series(np.random.default_rng(seed).normal(size=100), index=areas.index)
        with_fdr = gaps.hot_spots(areas, values, permutations=PERMS)
        assert with_fdr.frame["hotspot"].sum() <= 1
        without = gaps.hot_spots(areas, values, permutations=PERMS, fdr=False)
        assert without.frame["significant"].sum() >= with_fdr.frame["significant"].sum()
        assert (without.frame["significant"] == (without.frame["p_value"] <= 0.05)).all()


def test_islands_and_missing_values_are_left_out_with_a_note():
    far = [box(20_000, 0, 21_000, 1000), box(40_000, 0, 41_000, 1000)]
    areas, values, inside = planted()
    areas = pd.concat([areas, grid(0, extra=far).set_index(pd.Index(["X1", "X2"]))])
    areas.index.name = "lsoa21cd"
    values = pd.concat([values, pd.Series([10.0, -3.0], index=["X1", "X2"])])
    values.iloc[0] = np.nan
    result = gaps.hot_spots(areas, values, permutations=FIND_PERMS)
    frame = result.frame
    assert result.islands == ("X1", "X2")
    assert frame.loc[["X1", "X2"], "neighbours"].tolist() == [0, 0]
    assert frame.loc[["X1", "X2"], "local_i"].isna().all()
    assert frame.loc[["X1", "X2"], "quadrant"].isna().all()
    assert (frame.loc[["X1", "X2"], "cluster"] == gaps.NO_NEIGHBOURS).all()
    assert not frame.loc[["X1", "X2"], "hotspot"].any()
    first = areas.index[0]
    assert frame.loc[first, "cluster"] == gaps.NO_VALUE and pd.isna(frame.loc[first, "local_i"])
    assert frame["local_i"].notna().sum() == 99
    assert any("2 area(s) have no neighbouring area (X1, X2)" in n for n in result.notes)
    assert any("1 area(s) without a value" in n for n in result.notes)
    assert frame.loc[frame["hotspot"]].index.isin(areas.index[:100][inside]).all()
    assert frame["hotspot"].sum() >= 9


def test_constant_values_and_tiny_regions_give_no_hot_spots():
    areas = grid(3)
    flat = gaps.hot_spots(areas, pd.Series(1.0, index=areas.index), permutations=PERMS)
    assert not flat.frame["hotspot"].any() and np.isnan(flat.global_i)
    assert any("same value" in n for n in flat.notes)
    two = grid(1, extra=[box(1000, 0, 2000, 1000)])
    small = gaps.hot_spots(two, pd.Series([1.0, 2.0], index=two.index), permutations=PERMS)
    assert any("Too few" in n for n in small.notes)


# ---------------------------------------------------------------------------
# totals
# ---------------------------------------------------------------------------


def test_totals_by_hand():
    idx = pd.Index(["a", "b", "c", "d"], name="lsoa21cd")
    areas = pd.DataFrame(
        {
            "population": [100, 200, 300, 400],
            "lonely": [10.0, 20.0, 30.0, 40.0],
            "nearest": [400.0, 900.0, 2000.0, np.nan],
        },
        index=idx,
    )
    totals = gaps.gap_totals(
        areas,
        expected_lonely="lonely",
        priority_mask=pd.Series([True, False, False, True], index=idx),
        risk_high_mask=pd.Series([True, True, False, True], index=idx),
        nearest_any_m="nearest",
    )
    assert totals["areas"] == 4 and totals["residents"] == 1000
    assert totals["priority_areas"] == 2
    assert totals["priority_residents"] == 500
    assert totals["priority_residents_share"] == 0.5
    assert totals["expected_lonely"] == 100
    assert totals["priority_expected_lonely"] == 50
    assert totals["priority_expected_lonely_share"] == 0.5
    assert totals["high_risk_areas"] == 3 and totals["high_risk_residents"] == 700
    # high-risk areas with a known distance: a (400 m, 100) and b (900 m, 200)
    assert totals["high_risk_residents_distance_unknown"] == 400
    assert totals["high_risk_residents_beyond_400m"] == 200  # 400 m is not beyond 400 m
    assert totals["high_risk_share_beyond_400m"] == pytest.approx(2 / 3)
    assert totals["high_risk_share_beyond_800m"] == pytest.approx(2 / 3)
    assert totals["high_risk_share_beyond_1600m"] == 0
    # all residents with a known distance: 600
    assert totals["share_beyond_400m"] == pytest.approx(5 / 6)
    assert totals["share_beyond_1600m"] == pytest.approx(0.5)
    minutes = gaps.gap_totals(
        areas,
        priority_mask=pd.Series(False, index=idx),
        risk_high_mask=pd.Series(False, index=idx),
        nearest_any_m="nearest",
        thresholds=(7.5,),
        unit="min",
    )
    assert minutes["expected_lonely"] is None
    assert np.isnan(minutes["high_risk_share_beyond_7.5min"])
    assert minutes["priority_residents_share"] == 0


def test_totals_errors():
    idx = pd.Index(["a", "b"])
    areas = pd.DataFrame({"population": [1, 2]}, index=idx)
    ok = pd.Series([True, False], index=idx)
    with pytest.raises(SchemaError, match="no column 'people'"):
        gaps.gap_totals(areas, population="people", priority_mask=ok, risk_high_mask=ok)
    with pytest.raises(GapError, match="cover different areas"):
        gaps.gap_totals(areas, priority_mask=pd.Series([True], index=["z"]), risk_high_mask=ok)
    with pytest.raises(SchemaError, match="population is missing"):
        gaps.gap_totals(areas.assign(population=[1, np.nan]), priority_mask=ok, risk_high_mask=ok)


# ---------------------------------------------------------------------------
# composition and errors
# ---------------------------------------------------------------------------


def test_gap_analysis_on_a_grid():
    k = 10
    areas = grid(k)
    x, y = xy(k)
    rng = np.random.default_rng(5)
    # risk rises to the north-east; access falls there: a planted gap in the corner
    risk = pd.Series(x + y + rng.normal(0, 0.5, k * k), index=areas.index)
    access = pd.Series(-(x + y) + rng.normal(0, 0.5, k * k), index=areas.index)
    nearest = pd.Series(150.0 * (x + y), index=areas.index)
    areas["expected"] = areas["population"] * 0.1
    result = gaps.gap_analysis(
        areas,
        risk,
        access.iloc[::-1],
        expected_lonely="expected",
        nearest_any_m=nearest,
        permutations=PERMS,
    )
    frame = result.frame
    for column in (
        "risk_tercile", "access_tercile", "gap_class", "gap_label", "gap_score",
        "priority_rank", "is_priority", "local_i", "p_value", "hotspot", "quadrant",
    ):  # fmt: skip
        assert column in frame, column
    assert list(frame.index) == list(areas.index)
    assert (frame["is_priority"] == (frame["gap_class"] == "3-1")).all()
    assert frame.loc[frame["priority_rank"] == 1, "gap_score"].iloc[0] == frame["gap_score"].max()
    assert frame["priority_rank"].sort_values().tolist() == list(range(1, 101))
    assert frame.loc[areas.index[-1], "gap_class"] == "3-1"  # the north-east corner
    assert frame["hotspot"].any() and frame.loc[frame["hotspot"], "is_priority"].mean() > 0.5
    totals = result.totals
    assert totals["priority_areas"] == int(frame["is_priority"].sum()) > 0
    assert totals["priority_expected_lonely"] == pytest.approx(
        areas.loc[frame["is_priority"], "expected"].sum()
    )
    assert totals["hot_spot_areas"] == int(frame["hotspot"].sum())
    assert 0 <= totals["high_risk_share_beyond_800m"] <= 1
    assert result.global_moran.i > 0.5 and result.global_moran.p_value <= 0.01
    assert result.global_moran.permutations == PERMS
    assert any("3-1" in n for n in result.notes)


def test_misaligned_or_broken_inputs_raise_clear_errors():
    areas = grid(3)
    risk = pd.Series(np.arange(9.0), index=areas.index)
    with pytest.raises(GapError, match="cover different areas") as info:
        gaps.bivariate_classes(risk, risk.iloc[:-1])
    assert isinstance(info.value, ValueError) and isinstance(info.value, AtlasError)
    assert "1 area(s) in risk but not in access" in str(info.value)
    with pytest.raises(GapError, match="cover different areas"):
        gaps.gap_score(risk, risk.rename(lambda c: c + "x"))
    with pytest.raises(GapError, match="repeated area codes"):
        gaps.terciles(pd.Series([1.0, 2.0], index=["a", "a"]))
    with pytest.raises(SchemaError, match="must be numbers"):
        gaps.terciles(pd.Series(["x", "y"]))
    with pytest.raises(GapError, match="cover different areas"):
        gaps.hot_spots(areas, risk.iloc[1:], permutations=PERMS)
    with pytest.raises(GapError, match="cover different areas"):
        gaps.gap_analysis(areas, risk, risk.iloc[:4], permutations=PERMS)
    with pytest.raises(SchemaError, match="no column 'people'"):
        gaps.gap_analysis(areas, risk, risk, population="people", permutations=PERMS)
    with pytest.raises(GapError, match="permutations"):
        gaps.hot_spots(areas, risk, permutations=0)
    with pytest.raises(GapError, match="alpha"):
        gaps.hot_spots(areas, risk, alpha=5)
    with pytest.raises(SchemaError, match="GeoDataFrame"):
        gaps.hot_spots(pd.DataFrame(index=areas.index), risk)
    points = areas.set_geometry(areas.centroid)
    with pytest.raises(SchemaError, match="polygons"):
        gaps.hot_spots(points, risk)
    with pytest.raises(GapError, match="infinite"):
        gaps.hot_spots(areas, risk.replace(0.0, -np.inf))


# ---------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manchester(shared_settings):
    from geo.region import load_region

    return load_region("Manchester", settings=shared_settings)


@pytest.mark.shared_data
def test_manchester_hot_spots_and_gaps(manchester):
    areas = manchester.areas
    values = areas["pct_bad_health"]
    spots = gaps.hot_spots(areas, values, permutations=PERMS)
    frame = spots.frame
    assert len(frame) == len(areas) == 295
    # every area has a quadrant unless it has no neighbours
    assert (frame["quadrant"].notna() | (frame["neighbours"] == 0)).all()
    assert frame["quadrant"].notna().sum() == len(areas) - len(spots.islands)
    assert len(spots.islands) == 0  # the BGC boundaries of Manchester form one piece
    assert spots.global_i > 0.3 and spots.global_p <= 0.01  # ill health clusters
    assert frame["hotspot"].sum() > 0

    # a full analysis: risk = bad health, access = minus the distance to the nearest asset
    assets = manchester.assets.to_crs(27700)
    points = gpd.points_from_xy(areas["point_x"], areas["point_y"], crs=27700)
    _, distance = shapely.STRtree(assets.geometry.to_numpy()).query_nearest(
        np.asarray(points), return_distance=True, all_matches=False
    )
    nearest = pd.Series(distance, index=areas.index)
    result = gaps.gap_analysis(areas, values, -nearest, nearest_any_m=nearest, permutations=PERMS)
    assert result.frame["gap_class"].notna().all()
    assert result.totals["priority_areas"] == int(result.frame["is_priority"].sum()) > 0
    assert result.totals["high_risk_residents"] > 0
    print("Manchester:", result.totals, result.notes, sep="\n")


def test_fdr_adjust_equals_scipy_bh_exactly() -> None:
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(4)
    for size in (1, 2, 7, 2001):
        p = np.round(rng.random(size), 3)  # ties included
        p[: min(5, size)] = [0.0, 1.0, 1.0, 0.0001, 0.05][: min(5, size)]
        assert (gaps.fdr_adjust(p) == false_discovery_control(p, method="bh")).all()


def test_fdr_adjust_keeps_missing_values_and_the_series_index() -> None:
    p = pd.Series([0.01, np.nan, 0.04, 0.03], index=list("abcd"), name="p")
    q = gaps.fdr_adjust(p)
    assert list(q.index) == list("abcd") and q.name == "p" and np.isnan(q["b"])
    np.testing.assert_allclose(q.dropna().to_numpy(), [0.03, 0.04, 0.04])
