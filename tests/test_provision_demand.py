"""Demand from everyone within reach: residents across a border compete for assets.

The hand-worked case: a library at (0, 0); the region's one area R1 at
(0, 800) with 1,000 residents; across the border O1 at (0, -800) with 3,000
residents, and O2 at (2000, 0) with 5,000 residents, beyond the 1,600 m
catchment.  With the Gaussian decay (sigma = 800 m) both R1 and O1 are
weighted W(800) = exp(-1/2), so the library's ratio is
R = 1 / (1000 e^-1/2 + 3000 e^-1/2) = e^1/2 / 4000 and R1's access is
1000 * e^-1/2 * R = 0.25 per 1,000 residents (1.0 if O1 were ignored).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.errors import SchemaError
from geo.provision import demand_around, e2sfca, provision_measures

CATS = ["library", "pub", "park"]


def _frame(rows: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "point_x": [r[0] for r in rows.values()],
            "point_y": [r[1] for r in rows.values()],
            "population": [r[2] for r in rows.values()],
        },
        index=pd.Index(list(rows), name="lsoa21cd"),
    )


def _assets(xy: np.ndarray, categories: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "asset_id": [f"a{k}" for k in range(len(xy))],
            "category": categories,
            "capacity": np.nan,
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=27700,
    )


REGION = _frame({"R1": (0.0, 800.0, 1000.0)})
AROUND = _frame({"R1": (0.0, 800.0, 1.0), "O1": (0.0, -800.0, 3000.0), "O2": (2000.0, 0.0, 5000.0)})
LIBRARY = _assets(np.array([[0.0, 0.0]]), ["library"])


def test_residents_across_the_border_share_an_asset_by_hand():
    alone = provision_measures(REGION, LIBRARY, categories=["library"])
    shared = provision_measures(REGION, LIBRARY, categories=["library"], demand=AROUND)
    assert alone.frame.loc["R1", "access_e2sfca"] == pytest.approx(1.0, rel=1e-12)
    # R1's own row in AROUND (population 1) is ignored: its own 1,000 residents count.
    assert shared.frame.loc["R1", "access_e2sfca"] == pytest.approx(0.25, rel=1e-12)
    assert shared.frame.loc["R1", "access_e2sfca_library"] == pytest.approx(0.25, rel=1e-12)
    got = e2sfca(REGION, REGION["population"], LIBRARY, demand=AROUND)
    assert got["R1"] == pytest.approx(0.25, rel=1e-12)
    # nearest and counts do not depend on demand
    assert shared.frame.loc["R1", "nearest_any_m"] == 800.0
    assert shared.frame.loc["R1", "count_any_800m"] == 1
    assert any("1 area(s) around them (3,000 residents)" in n for n in shared.notes)
    assert any("only the residents of the 1 area(s)" in n for n in alone.notes)


def test_step_decay_across_the_border_by_hand():
    # Luo & Qi zones over 1,600 m: R1 and O1 at 800 m are in the middle zone (0.68).
    around = AROUND.assign(point_y=[800.0, -400.0, 0.0])  # O1 now 400 m away: first zone, 1.0
    got = e2sfca(REGION, REGION["population"], LIBRARY, decay="step", demand=around)
    expected = 0.68 / (1000 * 0.68 + 3000 * 1.0) * 1000  # W(d_R1) R, per 1,000
    assert got["R1"] == pytest.approx(expected, rel=1e-12)


def test_demand_across_the_border_equals_pysal_access():
    access = pytest.importorskip("access")
    rng = np.random.default_rng(7)
    n, m = 240, 50
    points = rng.uniform(0, 8000, (n, 2)).round(1)
    everyone = _frame({f"L{k:03d}": (*points[k], float(rng.integers(500, 3000))) for k in range(n)})
    asset_xy = rng.uniform(0, 8000, (m, 2)).round(1)
    assets = _assets(asset_xy, ["library"] * m)
    region = everyone[everyone["point_x"] < 3000]  # a region; the rest lie across its border
    d = np.hypot(
        points[:, None, 0] - asset_xy[None, :, 0], points[:, None, 1] - asset_xy[None, :, 1]
    )
    ii, jj = np.nonzero(d <= 1600)
    cost = pd.DataFrame(
        {"origin": everyone.index[ii], "dest": assets["asset_id"].to_numpy()[jj], "cost": d[ii, jj]}
    )
    model = access.Access(
        demand_df=everyone[["population"]],
        demand_value="population",
        supply_df=pd.DataFrame({"supply": np.ones(m)}, index=assets["asset_id"]),
        supply_value="supply",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    reference = model.enhanced_two_stage_fca(
        name="x", max_cost=1600, weight_fn=access.weights.gaussian(800.0)
    )["x_supply"].reindex(region.index)
    got = e2sfca(region, region["population"], assets, per=1, demand=everyone)
    reached = reference.notna()
    assert reached.sum() > 50
    np.testing.assert_allclose(got[reached], reference[reached], rtol=1e-12, atol=0)
    assert (got[~reached] == 0).all()
    # without the residents across the border, the region's access is overstated
    alone = e2sfca(region, region["population"], assets, per=1)
    edge = reached & (got > 0)
    assert (alone[edge] >= got[edge] * (1 - 1e-12)).all() and (alone[edge] > got[edge]).any()


def _grid_case() -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """A 12 km × 6 km strip of areas every 500 m and dense assets of three kinds."""
    rng = np.random.default_rng(3)
    xs, ys = np.meshgrid(np.arange(250, 12000, 500.0), np.arange(250, 6000, 500.0))
    codes = [f"E{k:04d}" for k in range(xs.size)]
    pop = rng.integers(800, 3000, xs.size).astype(float)
    everyone = _frame(
        {c: (x, y, p) for c, x, y, p in zip(codes, xs.ravel(), ys.ravel(), pop, strict=True)}
    )
    m = 260
    xy = rng.uniform(-500, 12500, (m, 2)) * [1, 6500 / 13000]
    assets = _assets(xy.round(1), list(rng.choice(CATS, m)))
    return everyone, assets


def _run(areas: pd.DataFrame, everyone: pd.DataFrame, assets: gpd.GeoDataFrame) -> pd.DataFrame:
    """A region's run: the assets within 2 km of its areas, demand from everyone in reach."""
    xy = np.column_stack([assets.geometry.x, assets.geometry.y])
    d = np.hypot(
        areas["point_x"].to_numpy()[:, None] - xy[None, :, 0],
        areas["point_y"].to_numpy()[:, None] - xy[None, :, 1],
    )
    local = assets[(d <= 2000).any(axis=0)]
    demand = demand_around(everyone, areas, local, reach_m=1600)
    return provision_measures(areas, local, categories=CATS, demand=demand).frame


def test_an_area_scores_the_same_in_its_own_a_joined_and_the_national_run():
    everyone, assets = _grid_case()
    west = everyone[everyone["point_x"] < 4000]
    middle = everyone[(everyone["point_x"] > 4000) & (everyone["point_x"] < 8000)]
    own = _run(west, everyone, assets)
    joined = _run(pd.concat([west, middle]), everyone, assets).loc[west.index]
    national = _run(everyone, everyone, assets).loc[west.index]
    assert own.columns.equals(national.columns)
    assert own.filter(like="nearest_").notna().all().all()
    for other in (joined, national):
        pd.testing.assert_frame_equal(own, other, check_exact=False, rtol=1e-9, atol=0)
    # and it is not the same without the neighbours' residents
    alone = provision_measures(west, assets, categories=CATS).frame
    assert (alone["access_e2sfca"] > own["access_e2sfca"] * (1 + 1e-6)).sum() > 10


def test_demand_around_keeps_the_region_and_the_areas_within_reach():
    got = demand_around(AROUND, REGION, LIBRARY, reach_m=1600)
    assert list(got.index) == ["R1", "O1"]
    assert got.loc["R1", "population"] == 1000.0  # the region's own row wins
    exactly = demand_around(AROUND, REGION, LIBRARY, reach_m=800)
    assert list(exactly.index) == ["R1", "O1"]  # exactly at the reach counts
    assert list(demand_around(AROUND, REGION, LIBRARY.iloc[:0], reach_m=1600).index) == ["R1"]
    assert math.isclose(float(got["population"].sum()), 4000.0)


def test_bad_demand_is_explained():
    with pytest.raises(SchemaError, match="population"):
        provision_measures(REGION, LIBRARY, demand=AROUND.drop(columns="population"))
    with pytest.raises(SchemaError, match="repeated"):
        e2sfca(REGION, REGION["population"], LIBRARY, demand=pd.concat([AROUND, AROUND]))
    with pytest.raises(SchemaError, match="DataFrame"):
        e2sfca(REGION, REGION["population"], LIBRARY, demand=[1, 2])  # type: ignore[arg-type]
