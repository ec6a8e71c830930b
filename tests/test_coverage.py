"""Provision coverage: which kinds of place are known where, and the two lenses on "gap".

Small fixtures use the tiny mirror (Testham, a 3×3 grid of 1 km LSOAs, and
Otherby, one square to its east) with two asset sources of uneven coverage:
libraries known everywhere in England, parks known only for Otherby.  Real
runs (Leeds, Manchester with Trafford, Blackpool with Rutland) need the
shared data folder and skip without it.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.cli import main
from geo.config import Settings
from geo.params import AnalysisError, Parameters
from geo.pipeline import run_analysis
from geo.provision import area_coverage, coverage_notice, mask_uncovered
from geo.regiontypes import SourceCoverage
from tests.tiny_mirror import OTHERBY, TESTHAM, X0, Y0, _asset_points, write_mirror

PROJECT = Path(__file__).resolve().parent.parent
BOTH = f"{TESTHAM},{OTHERBY}"


def _uneven_mirror(root: Path, *, parks_cover: str) -> Settings:
    """The tiny mirror, libraries declared national, plus a parks list covering ``parks_cover``."""
    sources = write_mirror(root)
    parks = [
        "name,lon,lat",
        *(
            f'"{n}",{lon},{lat}'
            for n, lon, lat in _asset_points(
                [("Otherby Park", X0 + 3500, Y0 + 500), ("Testham Park", X0 + 1500, Y0 + 1500)]
            )
        ),
    ]
    (root / "parks.csv").write_text("\n".join(parks) + "\n", encoding="utf-8")
    text = sources.read_text(encoding="utf-8").replace(
        'attribution = "Test attribution"\n',
        'attribution = "Test attribution"\ncoverage = "England"\n',
    )
    text += f"""
[[assets]]
format = "table"
path = "parks.csv"
source = "otherby_parks"
title = "Parks in Otherby"
category = "park"
licence = "OGL-UK-3.0"
attribution = "Test attribution"
covers = {parks_cover}
"""
    sources.write_text(text, encoding="utf-8")
    return Settings(sources_file=sources, offline=True, cache_dir=root / "cache")


@pytest.fixture()
def uneven(tmp_path):
    return _uneven_mirror(tmp_path / "mirror", parks_cover=f'["{OTHERBY}"]')


def test_measures_outside_coverage_are_missing_and_gaps_use_covered_categories(uneven):
    result = run_analysis(BOTH, Parameters(permutations=9), settings=uneven)
    a = result.areas
    testham = a["lad_code"] == TESTHAM
    assert result.coverage.full == ("library",)
    assert result.coverage.partial == ("park",)
    assert result.categories == ("library", "park")
    # the Testham park is listed, but the list is complete only for Otherby
    assert a.loc[testham, "nearest_park_m"].isna().all()
    assert a.loc[testham, "access_e2sfca_park"].isna().all()
    assert a.loc[testham, "count_park_800m"].isna().all()
    assert a.loc[~testham, "nearest_park_m"].notna().all()
    assert a.loc["E01900010", "nearest_park_m"] == pytest.approx(0.0, abs=0.5)
    # "any place" is libraries alone: the parks do not shorten it anywhere
    assert np.allclose(a["nearest_any_m"], a["nearest_library_m"])
    assert np.allclose(a["count_any_800m"], a["count_library_800m"])
    assert np.allclose(a["access_e2sfca"], a["access_e2sfca_library"])
    assert a.loc[testham, "gap_class"].notna().all()
    # the dropped category is named with why, in the notes and the notice
    note = next(n for n in result.notes if n.startswith("Left out of 'any place'"))
    assert "Park / recreation ground: known in only 1 of 10 areas (Parks in Otherby)" in note
    summary = result.coverage_summary()
    assert summary["any_place_categories"] == ["library"]
    assert summary["partly_covered_categories"] == ["park"]
    assert "Park / recreation ground" in summary["notice"]
    assert summary["notice"].startswith("Coverage: for Testham and Otherby, only")


def test_a_list_complete_everywhere_joins_any_place(tmp_path):
    settings = _uneven_mirror(tmp_path / "mirror", parks_cover=f'["{TESTHAM}", "{OTHERBY}"]')
    result = run_analysis(BOTH, Parameters(permutations=9), settings=settings)
    a = result.areas
    assert result.coverage.full == ("library", "park")
    assert not result.coverage.partial
    centre = "E01900005"  # the Testham park is at its centre
    assert a.loc[centre, "nearest_park_m"] == pytest.approx(0.0, abs=0.5)
    assert a.loc[centre, "nearest_any_m"] == pytest.approx(0.0, abs=0.5)
    assert a.loc[centre, "nearest_library_m"] > 500


def test_an_asked_category_no_source_covers_is_named(uneven):
    result = run_analysis(
        TESTHAM, Parameters(categories=("library", "cafe"), permutations=9), settings=uneven
    )
    assert result.coverage.uncovered == ("cafe",)
    assert result.areas["nearest_cafe_m"].isna().all()
    assert any("Café: no source covers this area" in n for n in result.notes)


def test_far_lens_marks_high_risk_areas_beyond_the_walk(uneven):
    params = Parameters(permutations=9, lens="far", far_minutes=15)
    result = run_analysis(TESTHAM, params, settings=uneven)
    a = result.areas
    far = a["walk_min_any"] > 15
    expected = a["is_high_risk"].astype(bool) & far
    assert far.any() and (~far).any()
    assert (a["is_priority"] == expected).all()
    assert any(n.startswith("Lens: far from any place") for n in result.notes)
    assert "more than 15 minutes" in result.coverage_summary()["lens"]
    thin = run_analysis(TESTHAM, Parameters(permutations=9), settings=uneven)
    assert any(n.startswith("Lens: thin provision") for n in thin.notes)
    with pytest.raises(AnalysisError, match="Unknown lens"):
        Parameters(lens="near").validate()


def test_coverage_by_nation_authority_and_area():
    areas = pd.DataFrame(
        {
            "lad_code": ["E1", "E2", "W1"],
            "point_x": [100.0, 5000.0, 9000.0],
            "point_y": [100.0, 5000.0, 9000.0],
        },
        index=["E01000001", "E01000002", "W01000003"],
    )
    records = [
        SourceCoverage("pubs", "Pubs", ("pub",), "national", "England"),
        SourceCoverage("gp", "GPs", ("health",), "authorities", "1 authority", ("E2",)),
        SourceCoverage(
            "mine", "Mine", ("cafe",), "area", "here", area_wkt=shapely.box(0, 0, 200, 200).wkt
        ),
    ]
    cover = area_coverage(areas, records, ("pub", "health", "cafe", "park"))
    assert cover.frame["pub"].tolist() == [True, True, False]
    assert cover.frame["health"].tolist() == [False, True, False]
    assert cover.frame["cafe"].tolist() == [True, False, False]
    assert cover.uncovered == ("park",)
    assert cover.full == ()
    measures = pd.DataFrame(
        {"nearest_health_m": [1.0, 2.0, 3.0], "count_health_400m": [1, 2, 3]}, index=areas.index
    )
    masked = mask_uncovered(measures, cover)
    assert masked["nearest_health_m"].isna().tolist() == [True, False, True]
    assert masked["count_health_400m"].isna().tolist() == [True, False, True]
    assert "no category of community place is known across all of X" in coverage_notice(cover, "X")


@pytest.mark.shared_data
def test_leeds_outputs_carry_the_coverage_notice(shared_settings, tmp_path):
    out = io.StringIO()
    target = tmp_path / "leeds.csv"
    code = main(
        [
            "analyse",
            "--area",
            "E08000035",
            "--sources",
            str(shared_settings.sources_file),
            "--offline",
            "--cache-dir",
            str(shared_settings.cache_dir),
            "--permutations",
            "9",
            "--quiet",
            "--out",
            str(target),
        ],
        out=out,
    )
    assert code == 0
    text = out.getvalue()
    assert "Coverage: for Leeds, only these kinds of place are known everywhere" in text
    assert "pub / bar and warm space" in text
    assert "Lens: thin provision" in text
    table = pd.read_csv(target, encoding="utf-8-sig")
    assert "nearest_park_m" not in table  # nothing covers parks in Leeds: not measured
    meta = pd.read_csv(target.with_suffix(".metadata.csv"), encoding="utf-8-sig")
    rows = meta[meta["kind"] == "coverage"].set_index("name")["value"]
    assert "pub / bar and warm space" in rows["notice"]
    assert rows["any_place_categories"] == '["pub", "warm_space"]'


@pytest.mark.shared_data
def test_manchester_and_trafford_names_the_dropped_categories(shared_settings):
    result = run_analysis(
        "Manchester,Trafford", Parameters(permutations=9), settings=shared_settings
    )
    cover = result.coverage
    assert {"park", "sports_leisure", "health", "community_garden"} <= set(cover.partial)
    assert {"library", "pub", "warm_space"} <= set(cover.full)
    a = result.areas
    manchester = a["lad_code"] == "E08000003"
    assert a.loc[manchester, "nearest_park_m"].isna().all()
    assert a.loc[~manchester, "nearest_park_m"].notna().all()
    note = next(n for n in result.notes if n.startswith("Left out of 'any place'"))
    for label in ("Park / recreation ground", "GP / health centre", "Sports / leisure centre"):
        assert label in note
    # both authorities are measured against the same list, so both have priority gaps
    priority = a[a["is_priority"]]
    assert set(priority["lad_code"]) == {"E08000003", "E08000009"}


@pytest.mark.shared_data
def test_joined_run_leaves_a_category_blank_where_nothing_covers_it(shared_settings):
    # Rutland's OpenStreetMap extract lists cafés; Blackpool has only national lists
    result = run_analysis("Blackpool,Rutland", Parameters(permutations=9), settings=shared_settings)
    a = result.areas
    blackpool = a["lad_code"] == "E06000009"
    assert "cafe" in result.coverage.partial
    assert a.loc[blackpool, "nearest_cafe_m"].isna().all()
    assert a.loc[~blackpool, "nearest_cafe_m"].notna().all()
    assert set(result.coverage.full) == {"pub", "warm_space"}


def test_fetch_says_which_sources_cover_which_categories(uneven):
    out = io.StringIO()
    args = ["fetch", "--area", BOTH, "--sources", str(uneven.sources_file), "--offline"]
    code = main([*args, "--cache-dir", str(uneven.cache_dir), "--quiet"], out=out)
    assert code == 0
    text = out.getvalue()
    assert "Coverage: for Testham and Otherby, only these kinds of place" in text
    assert "Park / recreation ground: 10% of areas covered, by Parks in Otherby" in text
    assert "Library: 100% of areas covered, by Test libraries (England)" in text


def test_report_and_exports_name_what_was_counted(uneven, tmp_path):
    from geo.report import export_files, report_html

    result = run_analysis(BOTH, Parameters(permutations=9), settings=uneven)
    html = report_html(result)
    assert 'id="coverage-cover"' in html and 'id="coverage-summary"' in html
    assert "Park / recreation ground: known in only 1 of 10 areas (Parks in Otherby)" in html
    assert "thin provision" in html
    paths = export_files(result, tmp_path, ["xlsx", "gpkg"])
    book = next(p for p in paths if p.suffix == ".xlsx")
    meta = pd.read_excel(book, sheet_name="metadata")
    rows = meta[meta["kind"] == "coverage"].set_index("name")["value"]
    assert rows["any_place_categories"] == '["library"]'
    assert rows["partly_covered_categories"] == '["park"]'
    assert "Parks in Otherby" in rows["notice"]
    gpkg = next(p for p in paths if p.suffix == ".gpkg")
    table = gpd.read_file(gpkg, layer="metadata")
    assert "coverage" in set(table["kind"])
