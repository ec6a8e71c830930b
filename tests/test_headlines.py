"""The headline figures: against England (absolute) and within the area (relative)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from geo.params import Parameters
from geo.pipeline import headline, run_analysis
from geo.present.headlines import FIGURES, formatted


@pytest.fixture(scope="module")
def rutland(rutland_settings):
    return run_analysis("E06000017", Parameters(permutations=99), settings=rutland_settings)


def test_england_headlines_equal_sums_over_the_result_columns(rutland):
    areas = rutland.areas
    pop = areas["population"].astype(float)
    decile = pd.to_numeric(areas["risk_decile_national"])
    minutes = areas["nearest_any_m"] / rutland.parameters.speed_m_s / 60
    known = minutes.notna()
    h = headline(rutland)
    assert decile.notna().all()
    assert h["residents"] == pytest.approx(pop.sum())
    assert h["england_top20_residents"] == pytest.approx(pop[decile <= 2].sum())
    assert h["england_top20_share"] == pytest.approx(pop[decile <= 2].sum() / pop.sum())
    assert h["residents_beyond_10min"] == pytest.approx(pop[known & (minutes > 10)].sum())
    assert h["share_beyond_10min"] == pytest.approx(
        pop[known & (minutes > 10)].sum() / pop[known].sum()
    )
    assert h["expected_lonely"] == pytest.approx(areas["expected_lonely"].sum())
    assert h["expected_lonely_p05"] < h["expected_lonely"] < h["expected_lonely_p95"]
    high = areas["is_high_risk"].astype(bool)
    assert h["high_risk_residents"] == pytest.approx(pop[high].sum())


def test_relative_and_absolute_figures_are_labelled_apart():
    here = {f.key for f in FIGURES if f.scope == "here"}
    assert here == {"high_risk_residents", "high_risk_share_beyond_10min", "priority_areas"}
    labels = {f.key: f.label for f in FIGURES}
    assert labels["high_risk_residents"] == "In this area's highest-risk third"
    assert "England" in labels["england_top20_residents"]
    assert "the third of this area's small areas with the highest risk" in next(
        f.help for f in FIGURES if f.key == "high_risk_residents"
    )
    share = next(f for f in FIGURES if f.kind == "share")
    assert formatted(share, 0.2134) == "21.3%"
    assert formatted(share, np.nan) == "—"
    assert formatted(FIGURES[0], 12345.4) == "12,345"


def test_cli_analyse_prints_both_groups_with_the_range(rutland_settings, monkeypatch):
    from geo.cli import main

    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    out = io.StringIO()
    code = main(
        [
            "analyse",
            "--area",
            "E06000017",
            "--permutations",
            "99",
            "-q",
            "--offline",
            "--sources",
            str(rutland_settings.sources_file),
            "--cache-dir",
            str(rutland_settings.cache_dir),
        ],
        out=out,
    )
    text = out.getvalue()
    assert code == 0, text
    assert "Against England:" in text and "Within this area:" in text
    assert "In England's 20% highest-risk areas: " in text
    assert "(90% range " in text


def test_england_and_region_figures_agree_with_the_area_analysis(rutland, rutland_settings):
    from geo.reference import reference_areas, reference_headline

    reference = reference_areas(rutland_settings, rutland.parameters)
    if reference is None:  # the demo has no residents table for all of England
        pytest.skip("England's residents table is not in these data")
    areas = reference.areas
    own = rutland.areas
    # the national tables rank every area as its own analysis does
    pd.testing.assert_series_equal(
        areas.loc[own.index, "risk_decile_national"].astype("Int64"),
        own["risk_decile_national"].astype("Int64"),
        check_names=False,
    )
    england = reference_headline(reference)
    assert england["residents"] == pytest.approx(areas["population"].sum())
    top = areas.loc[areas["risk_decile_national"] <= 2, "population"].sum()
    assert england["england_top20_residents"] == pytest.approx(top)
    assert england["residents_beyond_10min"] is None  # not measured for England
    region = own["region_code"].iloc[0]
    if pd.notna(region):  # the demo and the mirror both know Rutland's region
        east = reference_headline(reference, region)
        assert east["name"] == "East Midlands"
        inside = areas[areas["region_code"] == region]
        assert east["residents"] == pytest.approx(inside["population"].sum())
