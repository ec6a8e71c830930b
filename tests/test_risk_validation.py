"""The Method page's model comparison is what the code computes from the official files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.method import method_markdown, method_tables
from geo.national import national_indicators
from geo.risk import validation


def test_the_method_page_shows_the_measured_table():
    table = method_tables()["validation"]
    assert list(table["Compared with"]) == [validation.INDICATORS[c] for c in validation.MEASURED]
    text = method_markdown("risk")
    assert "How the models compare" in text
    assert "IMD score" in text
    imd = validation.MEASURED["imd_score"]
    assert f"{imd[0]:.2f}" in text and f"{imd[2]:.2f}" in text


def test_rank_correlations_on_a_small_frame_match_pandas():
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"imd_score": rng.random(50), "pct_renting": rng.random(50)})
    scores = pd.DataFrame({m: rng.random(50) for m in validation.MODELS})
    table = validation.rank_correlations(frame, scores)
    assert list(table.index) == ["pct_renting", "imd_score"]
    expected = scores["older"].corr(frame["imd_score"], method="spearman")
    assert table.loc["imd_score", "older"] == pytest.approx(expected)


def test_the_measured_table_is_what_the_official_files_give(shared_settings):
    england = national_indicators(shared_settings)
    assert england is not None and len(england) == 33_755
    recomputed = validation.rank_correlations(england)
    measured = validation.measured_table()
    assert list(recomputed.index) == list(measured.index)
    # MEASURED is printed to three decimals.
    assert np.abs(recomputed.to_numpy() - measured.to_numpy()).max() <= 0.0005 + 1e-12
