"""Planning tools: what-if scenarios and site suggestions, on hand-checkable fixtures.

The tiny mirror (tests/tiny_mirror.py) is a 3×3 grid of 1 km LSOAs with three
libraries: at E01900001's point, at E01900009's point, and one across the
eastern border.
"""

from __future__ import annotations

import io
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.cli import main
from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.planning import ScenarioError, scenario, suggest
from geo.planning.suggest import _problem, _value, area_weights


def _place(x: float, y: float, category: str = "library", **extra: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"category": [category], **{k: [v] for k, v in extra.items()}},
        geometry=[Point(x, y)],
        crs="EPSG:27700",
    )


def _assert_same_areas(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert list(a.index) == list(b.index)
    for column in a.columns:
        if column == "geometry":
            continue
        x, y = a[column], b[column]
        if pd.api.types.is_float_dtype(x):
            np.testing.assert_allclose(
                x.to_numpy(float), y.to_numpy(float), rtol=1e-9, atol=1e-12, err_msg=column
            )
        else:
            assert x.astype(object).equals(y.astype(object)), column


def test_a_place_at_an_areas_point_sets_its_distance_to_zero_and_raises_access(
    tiny_before, tiny_settings
):
    code = "E01900005"  # the middle square: √2 km from the two libraries at the corners
    x, y = tiny_before.areas.loc[code, ["point_x", "point_y"]]
    assert tiny_before.areas.loc[code, "nearest_any_m"] == pytest.approx(1414.21, abs=0.01)
    plan = scenario(tiny_before, add=_place(x, y, name="Hub"), settings=tiny_settings)
    row = plan.comparison.loc[code]
    assert row["nearest_any_m_after"] == pytest.approx(0.0, abs=1e-6)
    assert row["walk_min_any_after"] == pytest.approx(0.0, abs=1e-6)
    assert row["access_e2sfca_after"] > row["access_e2sfca_before"]
    assert bool(row["recomputed"]) and bool(row["changed"])
    assert plan.totals["places_added"] == 1 and plan.totals["places_closed"] == 0
    assert plan.proposals["action"].tolist() == ["open"]
    assert plan.after.assets["source"].eq("proposal").sum() == 1
    # the analysis it started from is untouched
    assert tiny_before.areas.loc[code, "nearest_any_m"] == pytest.approx(1414.21, abs=0.01)


def test_closing_the_only_place_in_reach_drops_access_to_zero(tiny_settings):
    # with a 600 m catchment only the library at E01900001's point reaches it
    params = Parameters(permutations=99, catchment_m=600.0, thresholds=(400, 600))
    result = run_analysis("Testham", params, settings=tiny_settings)
    assert result.areas.loc["E01900001", "access_e2sfca"] > 0
    plan = scenario(result, close=["test_libraries:1"], settings=tiny_settings)
    row = plan.comparison.loc["E01900001"]
    assert row["access_e2sfca_after"] == 0.0
    assert row["nearest_any_m_after"] > row["nearest_any_m_before"]
    assert plan.totals["places_closed"] == 1
    assert "test_libraries:1" not in set(plan.after.assets["asset_id"])


@pytest.mark.parametrize(
    "change",
    [
        {"add": (401500.0, 301500.0)},
        {"add": (404000.0, 299000.0)},  # outside, beyond the eastern border
        {"close": ["test_libraries:2"]},
        {"add": (400800.0, 302100.0), "close": ["test_libraries:1", "test_libraries:3"]},
    ],
)
def test_the_incremental_scenario_equals_a_full_rerun(tiny_before, tiny_settings, change):
    add = _place(*change["add"]) if "add" in change else None
    plan = scenario(tiny_before, add=add, close=change.get("close", ()), settings=tiny_settings)
    full = run_analysis(
        plan.after.region,
        tiny_before.parameters.replace(categories=tiny_before.categories),
        settings=tiny_settings,
    )
    _assert_same_areas(plan.after.areas, full.areas)
    for key, value in full.totals.items():
        assert plan.after.totals[key] == pytest.approx(value, nan_ok=True), key


def test_only_areas_the_change_can_reach_are_measured_again(tiny_before, tiny_settings):
    # a small catchment and thresholds: a place in the far corner reaches few areas
    params = Parameters(permutations=99, catchment_m=500.0, thresholds=(400, 500))
    result = run_analysis("Testham", params, settings=tiny_settings)
    plan = scenario(result, add=_place(400100.0, 302900.0), settings=tiny_settings)
    recomputed = set(plan.comparison.index[plan.comparison["recomputed"]])
    assert "E01900007" in recomputed  # its point is 566 m away but its nearest was 1 km
    assert "E01900003" not in recomputed
    assert plan.totals["areas_recomputed"] == len(recomputed) < len(result.areas)


def test_scenarios_say_what_is_wrong(tiny_before, tiny_settings):
    with pytest.raises(ScenarioError, match="changes nothing"):
        scenario(tiny_before, settings=tiny_settings)
    with pytest.raises(ScenarioError, match="not counted in this analysis"):
        scenario(tiny_before, add=_place(401000, 301000, category="pub"), settings=tiny_settings)
    with pytest.raises(ScenarioError, match="No place with id nope"):
        scenario(tiny_before, close=["nope"], settings=tiny_settings)
    no_crs = gpd.GeoDataFrame({"category": ["library"]}, geometry=[Point(401000, 301000)])
    with pytest.raises(ScenarioError, match="coordinate system"):
        scenario(tiny_before, add=no_crs, settings=tiny_settings)
    with pytest.raises(ScenarioError, match="capacity"):
        scenario(tiny_before, add=_place(401000, 301000, capacity=-3), settings=tiny_settings)


def _brute_force(problem, k: int) -> float:
    m = problem.gain.shape[1]
    return max(_value(problem, list(c)) for c in itertools.combinations(range(m), k))


def _candidates() -> gpd.GeoDataFrame:
    xs = [400500, 401500, 402500, 401000, 402000, 400200, 402900, 401500]
    ys = [302500, 301500, 302500, 302000, 301000, 301200, 302900, 300200]
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in zip(xs, ys, strict=True)], crs=27700)


@pytest.mark.parametrize("objective", ["mclp", "p-median"])
@pytest.mark.parametrize("sites", [1, 2, 3])
def test_the_exact_solution_is_the_brute_force_optimum(tiny_before, objective, sites):
    found = suggest(
        tiny_before,
        sites=sites,
        candidates=_candidates(),
        threshold_m=800.0,
        objective=objective,
        weight="high_risk_residents",
    )
    assert found.method == "exact"
    points = np.column_stack([_candidates().geometry.x, _candidates().geometry.y])
    w = area_weights(tiny_before.areas, "high_risk_residents")
    problem = _problem(tiny_before.areas, w, points, 800.0, objective)
    assert found.value == pytest.approx(_brute_force(problem, sites))
    assert found.greedy_value <= found.value + 1e-9
    assert found.gap == pytest.approx((found.value - found.greedy_value) / found.value)
    assert len(found.sites) == sites
    assert found.sites["adds"].sum() == pytest.approx(found.value)
    assert list(found.curve["sites"]) == list(range(1, sites + 1))
    assert found.curve["value"].is_monotonic_increasing


def test_mclp_covers_the_high_risk_row_with_one_central_site(tiny_before):
    # the top row (E01900007-9) is high risk; 7 and 8 are over 800 m from a library,
    # and a site at (401000, 302500) reaches both
    found = suggest(
        tiny_before,
        sites=1,
        candidates=_place(401000.0, 302500.0),
        threshold_m=800.0,
        weight="high_risk_residents",
    )
    pop = tiny_before.areas["population"]
    assert found.value == pytest.approx(pop["E01900007"] + pop["E01900008"])
    assert found.sites.loc[0, "areas_reached"] == 2


def test_greedy_is_used_beyond_the_exact_limit_and_is_within_the_reported_bound(tiny_before):
    exact = suggest(tiny_before, sites=2, candidates=_candidates(), weight="high_risk_residents")
    greedy = suggest(
        tiny_before, sites=2, candidates=_candidates(), weight="high_risk_residents", exact_limit=0
    )
    assert greedy.method == "greedy" and np.isnan(greedy.gap)
    assert greedy.value == pytest.approx(exact.greedy_value)
    # the greedy MCLP is within 1 - 1/e of the optimum
    assert greedy.value >= (1 - 1 / np.e) * exact.value - 1e-9


def test_the_default_candidates_are_a_grid_inside_the_area(tiny_before):
    found = suggest(tiny_before, sites=2, weight="high_risk_residents")
    assert "400 m grid" in found.candidates
    inside = found.sites.within(tiny_before.areas.geometry.union_all())
    assert inside.all()
    assert {"x", "y", "lon", "lat", "adds", "nearest_lsoa"} <= set(found.sites.columns)


def test_suggest_says_when_expected_counts_are_missing(tiny_before):
    with pytest.raises(Exception, match="high_risk_residents instead"):
        suggest(tiny_before, sites=1, weight="expected_lonely")


def test_cli_scenario_writes_before_and_after_per_area(tiny_settings, tmp_path):
    places = tmp_path / "proposed.csv"
    places.write_text(
        "name,category,easting,northing\nNew library,library,401500,301500\n", encoding="utf-8"
    )
    out = tmp_path / "scenario.csv"
    buffer = io.StringIO()
    argv = ["scenario", "--area", "Testham", "--add", str(places), "--out", str(out), "-q"]
    argv += [
        "--sources",
        str(tiny_settings.sources_file),
        "--offline",
        "--cache-dir",
        str(tiny_settings.cache_dir),
    ]
    argv += ["--permutations", "99", "--close", "test_libraries:2"]
    assert main(argv, out=buffer) == 0, buffer.getvalue()
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table["lsoa21cd"].tolist()[0].startswith("E019")
    for measure in ("access_e2sfca", "nearest_any_m", "gap_class", "priority_rank"):
        assert {f"{measure}_before", f"{measure}_after"} <= set(table.columns)
    row = table.set_index("lsoa21cd").loc["E01900005"]
    assert row["nearest_any_m_after"] == pytest.approx(0.0, abs=0.01)
    assert "places added: 1" in buffer.getvalue()
    assert "places closed: 1" in buffer.getvalue()


def test_cli_suggest_writes_the_sites(tiny_settings, tmp_path):
    out = tmp_path / "sites.gpkg"
    buffer = io.StringIO()
    argv = ["suggest", "--area", "Testham", "--sites", "2", "--out", str(out), "-q"]
    argv += [
        "--sources",
        str(tiny_settings.sources_file),
        "--offline",
        "--cache-dir",
        str(tiny_settings.cache_dir),
    ]
    argv += ["--permutations", "99", "--weight", "high_risk_residents"]
    assert main(argv, out=buffer) == 0, buffer.getvalue()
    sites = gpd.read_file(out, layer="areas")
    assert len(sites) == 2
    assert {"x", "y", "lon", "lat", "adds", "objective_value", "optimality_gap"} <= set(sites)
    assert "greedy optimality gap" in buffer.getvalue()


def test_cli_scenario_needs_a_change(tiny_settings, tmp_path):
    argv = ["scenario", "--area", "Testham", "--out", str(tmp_path / "x.csv"), "-q"]
    argv += ["--sources", str(tiny_settings.sources_file), "--offline"]
    assert main(argv, out=io.StringIO()) == 1


def test_equity_counts_the_people_in_the_areas_a_scenario_helps(tiny_before, tiny_settings):
    from geo.planning import scenario_equity, suggestion_equity

    x, y = tiny_before.areas.loc["E01900005", ["point_x", "point_y"]]
    plan = scenario(tiny_before, add=_place(x, y), settings=tiny_settings)
    table = scenario_equity(plan).set_index("group")
    c = plan.comparison
    helped = (c["nearest_any_m_after"] < c["nearest_any_m_before"] - 1e-6) | (
        c["access_e2sfca_after"] > c["access_e2sfca_before"] * (1 + 1e-9)
    )
    assert helped["E01900005"]
    pop = tiny_before.areas["population"]
    assert table.loc["All residents", "helped"] == pytest.approx(pop[helped].sum())
    assert table.loc["All residents", "share_helped"] == pytest.approx(
        pop[helped].sum() / pop.sum()
    )
    assert {"share_helped", "share_all", "ratio"} <= set(table.columns)

    found = suggest(
        tiny_before, sites=1, candidates=_place(401000.0, 302500.0), weight="high_risk_residents"
    )
    reached = suggestion_equity(tiny_before, found).set_index("group")
    assert set(found.reached) == {"E01900007", "E01900008"}
    assert reached.loc["All residents", "helped"] == pytest.approx(
        pop["E01900007"] + pop["E01900008"]
    )
