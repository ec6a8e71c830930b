"""The whole analysis, as the app, the CLI and the reports run it."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.config import Settings
from geo.params import Parameters
from geo.pipeline import OUTPUT_COLUMNS, AnalysisError, headline, run_analysis
from geo.risk import RiskError
from tests.tiny_mirror import write_mirror

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def tiny(tmp_path):
    sources = write_mirror(tmp_path / "mirror")
    return Settings(sources_file=sources, offline=True, cache_dir=tmp_path / "cache")


def test_tiny_analysis_has_every_output_column(tiny):
    result = run_analysis("Testham", Parameters(permutations=99), settings=tiny)
    table = result.table()
    assert len(table) == 9
    assert list(table.columns[:5]) == ["lsoa21cd", "lsoa21nm", "ward_code", "ward_name", "lad_code"]
    for column in (
        "risk_score",
        "risk_rank",
        "nearest_any_m",
        "access_e2sfca",
        "gap_score",
        "gap_class",
        "priority_rank",
        "hotspot",
        "count_any_400m",
    ):
        assert column in table, column
    # the library at the grid's centre-left square is 0 m from E01900001's point
    assert table.set_index("lsoa21cd").loc["E01900001", "nearest_any_m"] == pytest.approx(
        0.0, abs=0.05
    )
    assert sorted(table["priority_rank"]) == list(range(1, 10))
    assert result.parameters.thresholds == (400, 800, 1600)
    assert result.totals["residents"] == pytest.approx(12_600)


def test_options_are_checked_with_clear_messages(tiny):
    with pytest.raises(AnalysisError, match="Unknown model"):
        run_analysis("Testham", Parameters(model="teens"), settings=tiny)
    with pytest.raises(AnalysisError, match="Unknown asset categories: spaceport"):
        run_analysis("Testham", Parameters(categories=["library", "spaceport"]), settings=tiny)
    with pytest.raises(AnalysisError, match="positive"):
        run_analysis("Testham", Parameters(thresholds=[400, -5]), settings=tiny)
    with pytest.raises(AnalysisError, match="implausible"):
        run_analysis("Testham", Parameters(speed_m_s=12), settings=tiny)
    with pytest.raises(RiskError):
        run_analysis("Testham", Parameters(weights={"bad_health": -1}), settings=tiny)


def test_cli_analyse_writes_each_format(tiny, tmp_path):
    for suffix in (".csv", ".xlsx", ".gpkg", ".geojson", ".parquet"):
        out = io.StringIO()
        path = tmp_path / f"testham{suffix}"
        code = main(
            ["analyse", "--area", "Testham", "--sources", str(tiny.sources_file), "--offline",
             "--cache-dir", str(tiny.cache_dir), "--permutations", "99", "-q", "--out", str(path)],
            out=out,
        )  # fmt: skip
        assert code == 0, out.getvalue()
        assert path.is_file()
        assert f"Wrote 9 rows to {path}" in out.getvalue()
    back = pd.read_csv(tmp_path / "testham.csv", encoding="utf-8-sig")
    present = [c for c in OUTPUT_COLUMNS if c in back.columns]
    assert list(back.columns[: len(present)]) == present
    assert (tmp_path / "testham.metadata.csv").is_file()
    assert len(gpd.read_file(tmp_path / "testham.gpkg", layer="areas")) == 9


def test_cli_analyse_bad_weights_exit_1(tiny, capsys):
    code = main(
        ["analyse", "--area", "Testham", "--sources", str(tiny.sources_file), "--offline",
         "--cache-dir", str(tiny.cache_dir), "--weights", "bad_health=lots", "-q"],
        out=io.StringIO(),
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "not a number" in err and "Traceback" not in err


MEASURES = (
    "population", "imd_score", "imd_decile", "risk_score", "risk_rank", "risk_decile",
    "risk_rank_national", "risk_decile_national", "expected_lonely", "nearest_any_m",
    "access_e2sfca", "gap_score", "gap_class", "priority_rank", "hotspot",
)  # fmt: skip


@pytest.mark.parametrize(
    "area",
    [
        pytest.param("Manchester", marks=pytest.mark.shared_data),
        pytest.param("Trafford", marks=pytest.mark.shared_data),
        "Rutland",  # the mirror, or the built-in demo without it
    ],
)
@pytest.mark.parametrize("model", ["all-ages", "older"])
def test_real_analysis_gives_every_area_each_measure(request, area, model):
    fixture = "rutland_settings" if area == "Rutland" else "shared_settings"
    settings = request.getfixturevalue(fixture)
    result = run_analysis(area, Parameters(model=model, permutations=199), settings=settings)
    table = result.table()
    for column in MEASURES:
        assert table[column].notna().all(), f"{column} missing for some areas"
    # one authority: every category measured is known in all of it
    assert result.coverage.full == result.categories
    for category in result.categories:
        column = f"nearest_{category}_m"
        assert table[column].notna().all() and np.isfinite(table[column]).all(), column
    assert table["lsoa21cd"].is_unique
    assert table["risk_decile_national"].between(1, 10).all()
    figures = headline(result)
    assert figures["residents"] == pytest.approx(table["population"].sum())
    assert 0 <= figures["high_risk_share_beyond_10min"] <= 1
    assert figures["priority_areas"] == int(table["is_priority"].sum())
    if area != "Rutland":  # Rutland's 26 areas may have no high-risk, low-access one
        assert figures["priority_areas"] > 0


@pytest.mark.parametrize("model", ["evidence", "all-ages"])  # the tiny mirror has no 65+ data
def test_risk_ranges_drawn_beside_the_gaps_equal_those_drawn_first(tiny, model):
    from concurrent.futures import ThreadPoolExecutor

    from geo.national import national_indicators
    from geo.pipeline import completed, risk_stage
    from geo.region import load_region

    areas = load_region("Testham", settings=tiny).areas
    national = national_indicators(tiny)
    params = Parameters(model=model).validate()
    first = risk_stage(areas, params, national)
    with ThreadPoolExecutor(1) as pool:
        pending = risk_stage(areas, params, national, pool=pool)
        assert pending.ranges is not None and "risk_rank_p05" not in pending.frame
        beside = completed(pending)
    pd.testing.assert_frame_equal(beside.frame, first.frame, check_exact=True)
    assert beside.total_expected == first.total_expected and beside.notes == first.notes
    assert list(beside.frame.columns[-2:]) == ["risk_model", "expected_lonely"]
