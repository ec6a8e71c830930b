"""Provision measures on fixtures whose answers can be worked out by hand.

The main fixture is a 3×3 grid of 1 km square areas (x and y from 0 to
3,000 m) with each area's point at its centre, numbered row by row from the
bottom left::

    E7 (500, 2500)   E8 (1500, 2500)   E9 (2500, 2500)
    E4 (500, 1500)   E5 (1500, 1500)   E6 (2500, 1500)
    E1 (500,  500)   E2 (1500,  500)   E3 (2500,  500)

and three assets: a library at E1's centre (500, 500), a pub at (1500, 900)
(400 m north of E2's centre) and a pub at (3300, 1500), 300 m beyond the
region's east edge and 800 m east of E6's centre.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import ProvisionError, SchemaError
from geo.provision import (
    ProvisionResult,
    counts_within,
    decay_weights,
    e2sfca,
    nearest_distance,
    provision_measures,
    walking_minutes,
)
from geo.sources.taxonomy import CATEGORY_KEYS

CODES = [f"E{k}" for k in range(1, 10)]


def _areas(population: list[float] | None = None) -> gpd.GeoDataFrame:
    rows = []
    for k in range(9):
        row, col = divmod(k, 3)
        x0, y0 = col * 1000, row * 1000
        rows.append((x0 + 500.0, y0 + 500.0, (x0, y0, x0 + 1000, y0 + 1000)))
    boxes = gpd.GeoSeries([shapely.box(*b) for _, _, b in rows], crs=27700, index=CODES)
    frame = gpd.GeoDataFrame(
        {
            "point_x": [x for x, _, _ in rows],
            "point_y": [y for _, y, _ in rows],
            "point_source": ["population-weighted centroid"] * 8 + ["point inside polygon"],
            "population": population if population is not None else [1000.0] * 9,
        },
        geometry=boxes,
        index=pd.Index(CODES, name="lsoa21cd"),
        crs=27700,
    )
    return frame


def _assets(rows: list[tuple[str, str, float, float, bool]] | None = None) -> gpd.GeoDataFrame:
    rows = (
        rows
        if rows is not None
        else [
            ("lib1", "library", 500.0, 500.0, True),
            ("pub1", "pub", 1500.0, 900.0, True),
            ("pub2", "pub", 3300.0, 1500.0, False),
        ]
    )
    return gpd.GeoDataFrame(
        {
            "asset_id": [r[0] for r in rows],
            "name": [r[0] for r in rows],
            "category": [r[1] for r in rows],
            "capacity": [np.nan] * len(rows),
            "in_region": [r[4] for r in rows],
        },
        geometry=gpd.points_from_xy([r[2] for r in rows], [r[3] for r in rows]),
        crs=27700,
    )


def _xy(areas: pd.DataFrame) -> pd.DataFrame:
    return areas[["point_x", "point_y"]]


# -- nearest distance ---------------------------------------------------------


def test_nearest_distance_any_asset_by_hand():
    got = nearest_distance(_xy(_areas()), _assets())
    expected = {
        "E1": 0.0,  # the library is at its centre
        "E2": 400.0,  # pub1, straight north
        "E3": math.sqrt(1000**2 + 400**2),  # pub1 (1077 m) beats pub2 (1281 m)
        "E4": 1000.0,  # the library, straight south
        "E5": 600.0,  # pub1, straight south
        "E6": 800.0,  # pub2, over the border
        "E7": math.sqrt(1000**2 + 1600**2),  # pub1 (1887 m) beats the library (2000 m)
        "E8": 1600.0,  # pub1, straight south
        "E9": math.sqrt(800**2 + 1000**2),  # pub2
    }
    assert got.name == "nearest_any_m"
    assert list(got.index) == CODES
    np.testing.assert_allclose(got.to_numpy(), [expected[c] for c in CODES], rtol=0, atol=1e-9)


def test_nearest_distance_by_category():
    library = nearest_distance(_xy(_areas()), _assets(), category="library")
    assert library.name == "nearest_library_m"
    assert library["E1"] == 0.0
    assert library["E9"] == pytest.approx(math.sqrt(2) * 2000)
    pub = nearest_distance(_xy(_areas()), _assets(), category="pub")
    assert pub["E1"] == pytest.approx(math.sqrt(1000**2 + 400**2))


def test_nearest_distance_is_nan_without_assets():
    got = nearest_distance(_xy(_areas()), _assets(), category="park")
    assert got.isna().all() and len(got) == 9
    none = nearest_distance(_xy(_areas()), _assets([]))
    assert none.isna().all()
    assert not np.isinf(none).any()


def test_nearest_distance_accepts_a_geoseries_of_points():
    areas = _areas()
    points = gpd.GeoSeries.from_xy(areas["point_x"], areas["point_y"], crs=27700)
    got = nearest_distance(points, _assets())
    assert list(got.index) == CODES
    assert got["E2"] == 400.0


def test_nearest_distance_equals_geopandas_distance():
    rng = np.random.default_rng(7)
    o = rng.uniform(0, 10_000, (40, 2))
    a = rng.uniform(0, 10_000, (25, 2))
    origins = pd.DataFrame({"point_x": o[:, 0], "point_y": o[:, 1]})
    assets = gpd.GeoDataFrame(geometry=gpd.points_from_xy(a[:, 0], a[:, 1]), crs=27700)
    points = gpd.GeoSeries.from_xy(o[:, 0], o[:, 1], crs=27700)
    reference = [assets.distance(p).min() for p in points]
    np.testing.assert_allclose(nearest_distance(origins, assets), reference, rtol=1e-12)


# -- counts -------------------------------------------------------------------


def test_counts_within_by_hand_including_exact_thresholds():
    got = counts_within(_xy(_areas()), _assets())
    assert list(got.columns) == ["count_400m", "count_800m", "count_1600m"]
    assert got.dtypes.map(lambda t: np.issubdtype(t, np.integer)).all()
    expected = {
        #      400 800 1600
        "E1": (1, 1, 2),  # library 0 m, pub1 1077 m
        "E2": (1, 1, 2),  # pub1 exactly 400 m (counts), library 1000 m
        "E3": (0, 0, 2),  # pub1 1077 m, pub2 1281 m
        "E4": (0, 0, 2),  # library 1000 m, pub1 1166 m
        "E5": (0, 1, 2),  # pub1 600 m, library 1414 m
        "E6": (0, 1, 2),  # pub2 exactly 800 m (over the border), pub1 1166 m
        "E7": (0, 0, 0),  # nearest is 1887 m
        "E8": (0, 0, 1),  # pub1 exactly 1600 m
        "E9": (0, 0, 1),  # pub2 1281 m
    }
    assert {c: tuple(got.loc[c]) for c in CODES} == expected


def test_counts_within_category_and_no_assets():
    pubs = counts_within(_xy(_areas()), _assets(), category="pub", thresholds=(800,))
    assert pubs["count_800m"].to_dict() == {
        "E1": 0, "E2": 1, "E3": 0, "E4": 0, "E5": 1, "E6": 1, "E7": 0, "E8": 0, "E9": 0,
    }  # fmt: skip
    empty = counts_within(_xy(_areas()), _assets([]))
    assert (empty.to_numpy() == 0).all() and empty.shape == (9, 3)


def test_thresholds_are_sorted_and_deduplicated():
    got = counts_within(_xy(_areas()), _assets(), thresholds=[1600, 400, 1600.0, 402.5])
    assert list(got.columns) == ["count_400m", "count_402.5m", "count_1600m"]


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ((400, -5), "thresholds must be positive distances in metres; got -5."),
        ((0,), "thresholds must be positive distances in metres; got 0."),
        ((float("nan"),), "thresholds must be positive distances in metres; got nan."),
        ((), "thresholds is empty: give at least one distance in metres"),
        (("far",), "thresholds must be distances in metres; 'far' is not a number."),
        ("400", "thresholds must be a list of distances in metres"),
    ],
)
def test_bad_thresholds_are_explained(thresholds, message):
    with pytest.raises(ProvisionError) as caught:
        counts_within(_xy(_areas()), _assets(), thresholds=thresholds)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)


# -- E2SFCA -------------------------------------------------------------------

# Three areas on a line, two assets, catchment 1,600 m:
#   area a at x=0 (1,000 people), b at x=1,000 (2,000), c at x=3,000 (500);
#   asset s1 at x=500 (500 m from a and b, 2,500 m from c: out of reach),
#   asset s2 at x=2,500 (1,500 m from b, 500 m from c, 2,500 m from a).
LINE = pd.DataFrame(
    {"point_x": [0.0, 1000.0, 3000.0], "point_y": [0.0, 0.0, 0.0]}, index=["a", "b", "c"]
)
LINE_POP = pd.Series([1000.0, 2000.0, 500.0], index=["a", "b", "c"])
LINE_ASSETS = gpd.GeoDataFrame(
    {"asset_id": ["s1", "s2"], "category": ["library", "library"], "capacity": [3.0, 1.0]},
    geometry=gpd.points_from_xy([500.0, 2500.0], [0.0, 0.0]),
    crs=27700,
)


def test_two_step_fca_without_decay_by_hand():
    # R1 = 1 / (1000 + 2000) = 1/3000;  R2 = 1 / (2000 + 500) = 1/2500
    # A_a = R1, A_b = R1 + R2, A_c = R2;  per 1,000 residents:
    got = e2sfca(LINE, LINE_POP, LINE_ASSETS, catchment_m=1600, decay="none")
    assert got.name == "access_e2sfca"
    assert got.to_dict() == pytest.approx(
        {"a": 1000 / 3000, "b": 1000 / 3000 + 1000 / 2500, "c": 1000 / 2500}, rel=1e-12
    )


def test_e2sfca_gaussian_by_hand():
    # sigma = 1600 / 2 = 800 m;  W(d) = exp(-d² / (2·800²))
    w500 = math.exp(-(500**2) / (2 * 800**2))  # = exp(-0.1953125) ≈ 0.8226
    w1500 = math.exp(-(1500**2) / (2 * 800**2))  # = exp(-1.7578125) ≈ 0.1724
    # R1 = 1 / (1000·w500 + 2000·w500);  R2 = 1 / (2000·w1500 + 500·w500)
    r1 = 1 / (3000 * w500)
    r2 = 1 / (2000 * w1500 + 500 * w500)
    expected = {"a": w500 * r1, "b": w500 * r1 + w1500 * r2, "c": w500 * r2}
    got = e2sfca(LINE, LINE_POP, LINE_ASSETS, catchment_m=1600)
    assert got.to_dict() == pytest.approx({k: 1000 * v for k, v in expected.items()}, rel=1e-12)
    assert got["a"] == pytest.approx(1000 / 3000)  # W cancels when all demand is equidistant
    assert w500 == pytest.approx(0.822578, abs=1e-6) and w1500 == pytest.approx(0.172422, abs=1e-6)


def test_e2sfca_uses_capacity_and_conserves_supply():
    got = e2sfca(LINE, LINE_POP, LINE_ASSETS, decay="none", capacity="capacity", per=1)
    # R1 = 3 / 3000, R2 = 1 / 2500
    assert got.to_dict() == pytest.approx({"a": 3 / 3000, "b": 3 / 3000 + 1 / 2500, "c": 1 / 2500})
    # Every unit of supply with demand in reach is shared out: sum of P_i·A_i = sum of S_j.
    assert float((got * LINE_POP).sum()) == pytest.approx(4.0)
    same = e2sfca(LINE, LINE_POP, LINE_ASSETS, decay="none", capacity=[3, 1], per=1)
    pd.testing.assert_series_equal(got, same)


def test_e2sfca_step_weights():
    # Luo & Qi thirds of 1,600 m: 1.00 to 533 m, 0.68 to 1,067 m, 0.22 to 1,600 m.
    # s1: a, b at 500 m (weight 1); s2: b at 1,500 m (0.22), c at 500 m (1).
    r1 = 1 / 3000
    r2 = 1 / (2000 * 0.22 + 500 * 1.0)
    got = e2sfca(LINE, LINE_POP, LINE_ASSETS, decay="step", per=1)
    assert got.to_dict() == pytest.approx({"a": r1, "b": r1 + 0.22 * r2, "c": r2}, rel=1e-12)
    custom = e2sfca(LINE, LINE_POP, LINE_ASSETS, decay="step", steps={600: 1.0, 1600: 0.5}, per=1)
    r2 = 1 / (2000 * 0.5 + 500)
    assert custom.to_dict() == pytest.approx({"a": r1, "b": r1 + 0.5 * r2, "c": r2})


def test_decay_weights_document_the_kernel():
    w = decay_weights([0, 800, 1600, 1600.0001], catchment_m=1600)
    np.testing.assert_allclose(w, [1.0, math.exp(-0.5), math.exp(-2), 0.0])
    assert list(decay_weights([10, 600, 1500, 2000], decay="step")) == [1.0, 0.68, 0.22, 0.0]
    assert list(decay_weights([0, 1600, 1601], decay="none")) == [1.0, 1.0, 0.0]


def test_e2sfca_zero_population_area_adds_no_demand():
    pop = pd.Series([1000.0, 2000.0, 0.0], index=["a", "b", "c"])
    got = e2sfca(LINE, pop, LINE_ASSETS, decay="none", per=1)
    # R2 = 1 / (2000 + 0): c still gets an access value.
    assert got.to_dict() == pytest.approx({"a": 1 / 3000, "b": 1 / 3000 + 1 / 2000, "c": 1 / 2000})


def test_e2sfca_asset_with_no_demand_in_reach_adds_nothing():
    # s2 only reaches c, and nobody lives in c: R2 = 1/0 is taken as 0 (not inf).
    origins = LINE.assign(point_x=[0.0, 1000.0, 4000.0])
    pop = pd.Series([1000.0, 2000.0, 0.0], index=["a", "b", "c"])
    assets = LINE_ASSETS.set_geometry(gpd.points_from_xy([500.0, 4000.0], [0.0, 0.0], crs=27700))
    got = e2sfca(origins, pop, assets, decay="none", per=1)
    assert got.to_dict() == pytest.approx({"a": 1 / 3000, "b": 1 / 3000, "c": 0.0})
    assert np.isfinite(got).all()


def test_e2sfca_without_assets_in_reach_is_zero():
    far = LINE_ASSETS.set_geometry(gpd.points_from_xy([50_000.0] * 2, [0.0] * 2, crs=27700))
    assert (e2sfca(LINE, LINE_POP, far) == 0).all()
    assert (e2sfca(LINE, LINE_POP, LINE_ASSETS.iloc[:0]) == 0).all()


def test_e2sfca_aligns_population_by_index():
    shuffled = LINE_POP.iloc[::-1]
    pd.testing.assert_series_equal(
        e2sfca(LINE, shuffled, LINE_ASSETS), e2sfca(LINE, LINE_POP, LINE_ASSETS)
    )


def _dense_e2sfca(o, pop, a, supply, d0, weight):
    """Straightforward O(n·m) E2SFCA on a full distance matrix, per resident."""
    d = np.sqrt((o[:, None, 0] - a[None, :, 0]) ** 2 + (o[:, None, 1] - a[None, :, 1]) ** 2)
    w = np.where(d <= d0, weight(d), 0.0)
    demand = (pop[:, None] * w).sum(axis=0)
    ratio = np.divide(supply, demand, out=np.zeros_like(demand), where=demand > 0)
    return (w * ratio[None, :]).sum(axis=1)


def _random_case(seed: int, n: int = 80, m: int = 30):
    rng = np.random.default_rng(seed)
    o = rng.uniform(0, 6000, (n, 2)).round(1)
    a = rng.uniform(0, 6000, (m, 2)).round(1)
    index = pd.Index([f"L{k:03d}" for k in range(n)], name="lsoa21cd")
    origins = pd.DataFrame({"point_x": o[:, 0], "point_y": o[:, 1]}, index=index)
    pop = pd.Series(rng.integers(800, 3000, n).astype(float), index=index)
    assets = gpd.GeoDataFrame(
        {"asset_id": [f"s{k}" for k in range(m)], "capacity": rng.integers(1, 9, m).astype(float)},
        geometry=gpd.points_from_xy(a[:, 0], a[:, 1]),
        crs=27700,
    )
    return o, a, origins, pop, assets


@pytest.mark.parametrize("decay", ["gaussian", "step", "none"])
def test_e2sfca_equals_a_dense_reference(decay):
    o, a, origins, pop, assets = _random_case(3)
    weight = {
        "gaussian": lambda d: np.exp(-d * d / (2 * 800.0**2)),
        "step": lambda d: np.select([d <= 1600 / 3, d <= 3200 / 3, d <= 1600], [1.0, 0.68, 0.22]),
        "none": np.ones_like,
    }[decay]
    cap = assets["capacity"].to_numpy()
    expected = _dense_e2sfca(o, pop.to_numpy(), a, cap, 1600.0, weight) * 1000
    got = e2sfca(origins, pop, assets, decay=decay, capacity="capacity")
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("decay", "weight"), [("gaussian", "gaussian"), ("step", "step"), ("none", None)]
)
def test_e2sfca_equals_pysal_access(decay, weight):
    access = pytest.importorskip("access")
    o, a, origins, pop, assets = _random_case(11, n=120, m=40)
    d = np.hypot(o[:, None, 0] - a[None, :, 0], o[:, None, 1] - a[None, :, 1])
    ii, jj = np.nonzero(d <= 1600)
    cost = pd.DataFrame({"origin": origins.index[ii], "dest": assets["asset_id"].to_numpy()[jj]})
    cost["cost"] = d[ii, jj]
    supply = pd.DataFrame({"capacity": assets["capacity"].to_numpy()}, index=assets["asset_id"])
    model = access.Access(
        demand_df=pop.rename("pop").to_frame(),
        demand_value="pop",
        supply_df=supply,
        supply_value="capacity",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    fn = {
        "gaussian": access.weights.gaussian(800.0),
        "step": access.weights.step_fn({1600 / 3: 1.0, 3200 / 3: 0.68, 1600.0: 0.22}),
        None: None,
    }[weight]
    if fn is None:
        reference = model.two_stage_fca(name="x", max_cost=1600)["x_capacity"]
    else:
        reference = model.enhanced_two_stage_fca(name="x", max_cost=1600, weight_fn=fn)
        reference = reference["x_capacity"]
    got = e2sfca(origins, pop, assets, decay=decay, capacity="capacity", per=1)
    reference = reference.reindex(origins.index)
    reached = reference.notna()  # access leaves out areas with no asset in reach; we give 0
    assert (got[~reached] == 0).all()
    np.testing.assert_allclose(got[reached], reference[reached], rtol=1e-12, atol=0)
    assert reached.sum() > 100


# -- provision_measures -------------------------------------------------------


def test_provision_measures_columns_values_and_notes():
    result = provision_measures(_areas(), _assets(), categories=["library", "pub", "park"])
    assert isinstance(result, ProvisionResult)
    frame = result.frame
    assert list(frame.index) == CODES
    assert list(frame.columns) == [
        "nearest_any_m", "nearest_library_m", "nearest_pub_m", "nearest_park_m",
        "count_any_400m", "count_any_800m", "count_any_1600m",
        "count_library_400m", "count_library_800m", "count_library_1600m",
        "count_pub_400m", "count_pub_800m", "count_pub_1600m",
        "count_park_400m", "count_park_800m", "count_park_1600m",
        "access_e2sfca", "access_e2sfca_library", "access_e2sfca_pub", "access_e2sfca_park",
        "walk_min_any",
    ]  # fmt: skip
    assert frame.loc["E6", "nearest_any_m"] == 800.0
    assert frame.loc["E6", "count_pub_800m"] == 1  # the pub over the border counts
    assert frame.loc["E2", "walk_min_any"] == pytest.approx(400 / 60)
    assert frame["nearest_park_m"].isna().all()
    assert (frame.filter(like="count_park").to_numpy() == 0).all()
    assert (frame["access_e2sfca_park"] == 0).all()
    # Pieces agree with the single measures.
    xy = _xy(_areas())
    pd.testing.assert_series_equal(
        frame["nearest_any_m"], nearest_distance(xy, _assets()), check_names=False
    )
    pub_counts = counts_within(xy, _assets(), category="pub")
    np.testing.assert_array_equal(frame["count_pub_1600m"], pub_counts["count_1600m"])
    pub_assets = _assets().query("category == 'pub'")
    expected = e2sfca(xy, _areas()["population"], pub_assets)
    np.testing.assert_allclose(frame["access_e2sfca_pub"], expected, rtol=1e-12)
    np.testing.assert_allclose(
        frame["access_e2sfca"], e2sfca(xy, _areas()["population"], _assets()), rtol=1e-12
    )
    text = " ".join(result.notes)
    assert "8 of 9 areas" in text and "1 area(s) have no such centroid" in text
    assert "1 of 3 assets lie outside the region" in text
    assert "No assets of 1 category (park)" in text
    assert result.parameters["thresholds_m"] == [400.0, 800.0, 1600.0]
    assert result.parameters["sigma_m"] == 800.0


def test_provision_measures_defaults_cover_every_category():
    result = provision_measures(_areas(), _assets())
    for key in CATEGORY_KEYS:
        assert f"nearest_{key}_m" in result.frame and f"access_e2sfca_{key}" in result.frame
    assert len(result.frame.columns) == 1 + len(CATEGORY_KEYS) * 5 + 3 + 1 + 1


def test_provision_measures_without_any_assets():
    result = provision_measures(_areas(), _assets([]), categories=["library"])
    assert result.frame["nearest_any_m"].isna().all()
    assert result.frame["walk_min_any"].isna().all()
    assert (result.frame["count_any_1600m"] == 0).all()
    assert (result.frame["access_e2sfca"] == 0).all()
    assert any("no assets of the measured categories at all" in n for n in result.notes)


def test_provision_measures_zero_and_missing_population():
    pop = [1000.0] * 7 + [0.0, np.nan]
    result = provision_measures(_areas(pop), _assets(), categories=["library", "pub"])
    assert np.isfinite(result.frame["access_e2sfca"]).all()
    text = " ".join(result.notes)
    assert "1 area(s) have no population figure" in text
    assert "1 area(s) have zero population" in text


def test_provision_measures_without_a_capacity_column():
    result = provision_measures(_areas(), _assets().drop(columns="capacity"), categories=["pub"])
    assert result.parameters["capacity_column"] is None
    assert any("no 'capacity' column" in n for n in result.notes)


def test_provision_measures_uses_complete_capacities_only():
    assets = _assets()
    assets.loc[assets["category"] == "library", "capacity"] = 5.0
    assets.loc[assets["asset_id"] == "pub1", "capacity"] = 2.0  # pub2 unknown
    result = provision_measures(_areas(), assets, categories=["library", "pub"])
    assert result.parameters["capacity_used"] == {"library": True, "pub": False}
    plain = provision_measures(_areas(), _assets(), categories=["library", "pub"]).frame
    np.testing.assert_allclose(
        result.frame["access_e2sfca_library"], 5 * plain["access_e2sfca_library"]
    )
    np.testing.assert_allclose(result.frame["access_e2sfca_pub"], plain["access_e2sfca_pub"])
    assert any("only some assets of pub (1 of 2)" in n for n in result.notes)


def test_provision_measures_leaves_out_unmeasured_categories():
    result = provision_measures(_areas(), _assets(), categories=["library"])
    assert result.frame.loc["E2", "nearest_any_m"] == 1000.0  # pubs are not measured
    assert any("2 asset(s) are in categories not measured here (pub: 2)" in n for n in result.notes)


# -- walking minutes ------------------------------------------------------------


def test_walking_minutes():
    assert walking_minutes(600.0) == 10.0
    assert walking_minutes(800.0, speed_m_s=4 / 3) == pytest.approx(10.0)
    series = walking_minutes(pd.Series([60.0, np.nan], index=["x", "y"], name="nearest_pub_m"))
    assert series.name == "walk_min_pub" and series["x"] == 1.0 and np.isnan(series["y"])
    np.testing.assert_allclose(walking_minutes(np.array([120.0])), [2.0])
    with pytest.raises(ProvisionError, match=r"speed_m_s must be a positive number; got 0\."):
        walking_minutes(100.0, speed_m_s=0)


# -- errors -----------------------------------------------------------------------


def test_missing_columns_are_named():
    with pytest.raises(SchemaError) as caught:
        provision_measures(_areas().drop(columns="population"), _assets())
    assert str(caught.value).startswith("areas is missing column(s) population (it has: point_x")
    with pytest.raises(SchemaError, match=r"^origins_xy is missing column\(s\) point_y"):
        nearest_distance(_areas()[["point_x"]], _assets())
    with pytest.raises(SchemaError, match=r"^assets is missing column\(s\) category"):
        provision_measures(_areas(), _assets().drop(columns="category"))
    with pytest.raises(SchemaError, match=r"^assets has no 'category' column, needed to select"):
        nearest_distance(_xy(_areas()), _assets().drop(columns="category"), category="pub")


def test_bad_inputs_are_explained():
    xy = _xy(_areas())
    with pytest.raises(ProvisionError, match=r"^Unknown category 'pubs'\. Known categories: "):
        nearest_distance(xy, _assets(), category="pubs")
    with pytest.raises(SchemaError, match=r"^assets is in WGS 84, not British National Grid"):
        nearest_distance(xy, _assets().to_crs(4326))
    with pytest.raises(SchemaError, match=r"^1 asset\(s\) are not points \(Polygon\)"):
        mixed = _assets().geometry.where([False, True, True], _assets().buffer(10))
        nearest_distance(xy, _assets().set_geometry(mixed))
    with pytest.raises(SchemaError, match=r"^1 area\(s\) have no point coordinates \(e.g. E5\)"):
        nearest_distance(xy.assign(point_x=xy["point_x"].where(xy.index != "E5")), _assets())
    with pytest.raises(SchemaError, match=r"^population has 2 value\(s\) but there are 3 areas"):
        e2sfca(LINE, [1.0, 2.0], LINE_ASSETS)
    with pytest.raises(SchemaError, match=r"^population must be a number ≥ 0 for every area; 1"):
        e2sfca(LINE, [1.0, -2.0, 3.0], LINE_ASSETS)
    with pytest.raises(SchemaError, match=r"^assets has no column 'seats'"):
        e2sfca(LINE, LINE_POP, LINE_ASSETS, capacity="seats")
    with pytest.raises(SchemaError, match=r"^capacity must be a number ≥ 0 for every asset; 1"):
        e2sfca(LINE, LINE_POP, LINE_ASSETS, capacity=[1.0, np.nan])
    with pytest.raises(ProvisionError, match=r"^decay must be one of 'gaussian', 'step', 'none'"):
        e2sfca(LINE, LINE_POP, LINE_ASSETS, decay="exponential")  # type: ignore[arg-type]
    with pytest.raises(ProvisionError, match=r"^catchment_m must be a positive number; got -1\."):
        e2sfca(LINE, LINE_POP, LINE_ASSETS, catchment_m=-1)
    with pytest.raises(ProvisionError, match=r"^steps only applies to decay='step'\."):
        e2sfca(LINE, LINE_POP, LINE_ASSETS, steps={100: 1.0})
    with pytest.raises(SchemaError, match=r"^assets must be a GeoDataFrame of points"):
        nearest_distance(xy, pd.DataFrame({"x": [1.0]}))  # type: ignore[arg-type]


# -- properties ---------------------------------------------------------------------

coords = st.tuples(st.integers(0, 5000), st.integers(0, 5000))


def _points(xy: list[tuple[int, int]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"category": ["pub"] * len(xy)},
        geometry=gpd.points_from_xy([float(x) for x, _ in xy], [float(y) for _, y in xy]),
        crs=27700,
    )


def _origins(xy: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"point_x": [float(x) for x, _ in xy], "point_y": [float(y) for _, y in xy]},
        index=[f"o{k}" for k in range(len(xy))],
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(coords, min_size=1, max_size=12),
    st.lists(coords, min_size=0, max_size=12),
    coords,
)
def test_adding_an_asset_never_makes_provision_worse(origins, assets, extra):
    xy = _origins(origins)
    before_d = nearest_distance(xy, _points(assets))
    after_d = nearest_distance(xy, _points([*assets, extra]))
    assert (after_d <= before_d.fillna(np.inf)).all()
    before_c = counts_within(xy, _points(assets))
    after_c = counts_within(xy, _points([*assets, extra]))
    assert (after_c >= before_c).all().all()
    assert ((after_c - before_c).sum(axis=1) <= 3).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(coords, st.integers(0, 5000)), min_size=1, max_size=12),
    st.lists(coords, min_size=1, max_size=10),
    st.floats(0.01, 100),
)
def test_scaling_population_scales_e2sfca_inversely(areas, assets, k):
    xy = _origins([p for p, _ in areas])
    pop = pd.Series([float(q) for _, q in areas], index=xy.index)
    base = e2sfca(xy, pop, _points(assets))
    scaled = e2sfca(xy, pop * k, _points(assets))
    np.testing.assert_allclose(scaled.to_numpy(), base.to_numpy() / k, rtol=1e-9, atol=0)
