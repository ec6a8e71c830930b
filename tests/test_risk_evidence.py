"""The all-ages evidence model, calibration to published prevalences, and rank ranges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from geo.gaps import terciles
from geo.risk import (
    ADULTS_OFTEN_LONELY,
    EVIDENCE_TERMS,
    OLDER_OFTEN_LONELY,
    all_ages_risk,
    contributions,
    evidence_risk,
    older_people_risk,
    rank_ranges,
)
from geo.risk.uncertainty import top_tercile

#: Three areas with shares worked by hand: 16–24, bad health, widowed, residents.
THREE = pd.DataFrame(
    {
        "pct_16_24": [0.10, 0.30, 0.05],
        "pct_bad_health": [0.05, 0.04, 0.10],
        "pct_widowed": [0.05, 0.02, 0.12],
        "population": [1000.0, 2000.0, 1000.0],
    },
    index=pd.Index(["E01000001", "E01000002", "E01000003"], name="lsoa21cd"),
)


def _by_hand_intercept(frame: pd.DataFrame) -> float:
    """b0 with Σ pop·expit(b0 + η) / Σ pop = 5%, η from the published odds ratios."""
    eta = (
        math.log(2.7) * frame["pct_16_24"]
        + math.log(1.9) * frame["pct_bad_health"]
        + math.log(3.6) * frame["pct_widowed"]
    )
    pop = frame["population"]

    def gap(b0: float) -> float:
        p = 1 / (1 + np.exp(-(b0 + eta)))
        return float((p * pop).sum() / pop.sum() - 0.05)

    return brentq(gap, -10, 10, xtol=1e-14)


def test_the_terms_are_the_cited_odds_ratios():
    ors = {t.name: t.odds_ratio for t in EVIDENCE_TERMS}
    assert ors == {"young_adults": 2.7, "bad_health": 1.9, "widowed": 3.6}
    for term in EVIDENCE_TERMS:
        assert "ONS (2018)" in term.source and "section 4" in term.source
        assert term.evidence and term.approximation
        # the widest standard error still significant at 5%: the CI's lower end is 1
        assert math.exp(term.estimate - 1.959963984540054 * term.std_error) == pytest.approx(1)


def test_evidence_model_reproduced_by_hand_for_three_areas():
    result = evidence_risk(THREE)
    b0 = _by_hand_intercept(THREE)
    assert result.intercept == pytest.approx(b0, abs=1e-10)
    # E01000002: logit = b0 + ln 2.7·0.30 + ln 1.9·0.04 + ln 3.6·0.02
    hand = {
        "E01000001": b0 + 0.993252 * 0.10 + 0.641854 * 0.05 + 1.280934 * 0.05,
        "E01000002": b0 + 0.993252 * 0.30 + 0.641854 * 0.04 + 1.280934 * 0.02,
        "E01000003": b0 + 0.993252 * 0.05 + 0.641854 * 0.10 + 1.280934 * 0.12,
    }
    for code, logit in hand.items():
        row = result.frame.loc[code]
        assert row["evidence_logit"] == pytest.approx(logit, abs=1e-6)
        p = 1 / (1 + math.exp(-logit))
        assert row["evidence_prevalence"] == pytest.approx(p, abs=1e-8)
        assert row["evidence_relative_risk"] == pytest.approx(p / 0.05, abs=1e-6)
    # the population-weighted share over the reference is the survey's 5%
    p = result.frame["evidence_prevalence"]
    assert (p * THREE["population"]).sum() / THREE["population"].sum() == pytest.approx(0.05)
    # η: 0.1633, 0.3490, 0.2676, so the area of young adults is first
    assert result.frame["evidence_rank"].tolist() == [3, 1, 2]


_share = st.floats(0.0, 0.4, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    base=st.tuples(_share, _share, _share),
    term=st.sampled_from([0, 1, 2]),
    bump=st.floats(1e-3, 0.3),
)
def test_evidence_risk_rises_with_every_term(base, term, bump):
    """Each odds ratio is above 1, so raising one share raises the relative risk."""
    columns = ["pct_16_24", "pct_bad_health", "pct_widowed"]
    low = dict(zip(columns, base, strict=True), population=1000.0)
    high = dict(low)
    high[columns[term]] = low[columns[term]] + bump
    frame = pd.DataFrame([low, high], index=["low", "high"])
    out = evidence_risk(frame, reference=THREE).frame
    assert out.loc["high", "evidence_relative_risk"] > out.loc["low", "evidence_relative_risk"]


def test_evidence_contributions_are_relative_to_the_reference():
    result = evidence_risk(THREE)
    table = contributions(result, "E01000003")
    mean_widowed = (0.05 * 1000 + 0.02 * 2000 + 0.12 * 1000) / 4000
    assert table.loc["widowed", "reference"] == pytest.approx(mean_widowed)
    assert table.loc["widowed", "contribution"] == pytest.approx(
        math.log(3.6) * (0.12 - mean_widowed)
    )
    assert table.index[0] == "widowed"


def test_missing_columns_say_what_is_needed():
    from geo.risk import RiskError

    with pytest.raises(RiskError, match="pct_16_24"):
        evidence_risk(pd.DataFrame({"population": [1.0]}, index=["a"]))


# --- rank ranges ----------------------------------------------------------


def _two_way_region() -> pd.DataFrame:
    """A first on both indicators; B and C trade places with the weights; the rest low."""
    rows = {
        "A": (0.30, 0.30),
        "B": (0.25, 0.05),
        "C": (0.05, 0.25),
        **{f"F{i}": (0.02 + 0.001 * i, 0.02 + 0.001 * (9 - i)) for i in range(9)},
    }
    return pd.DataFrame(
        {
            "pct_bad_health": [v[0] for v in rows.values()],
            "pct_renting": [v[1] for v in rows.values()],
        },
        index=list(rows),
    )


def test_one_area_is_robustly_first_and_another_flips():
    index = all_ages_risk(_two_way_region(), weights={"bad_health": 50, "renting": 50})
    ranges = rank_ranges(index, n_draws=300, seed=7)
    assert ranges.loc["A", "risk_rank_p05"] == ranges.loc["A", "risk_rank_p95"] == 1
    assert ranges.loc["A", "top_tercile_share"] == 1.0
    # B is second when bad health weighs more and third when renting does
    assert ranges.loc["B", "risk_rank_p05"] == 2 and ranges.loc["B", "risk_rank_p95"] == 3
    assert ranges.loc["C", "risk_rank_p05"] == 2 and ranges.loc["C", "risk_rank_p95"] == 3
    # the low areas never reach the top third
    assert (ranges.loc[[f"F{i}" for i in range(9)], "top_tercile_share"] < 0.8).all()


def test_a_fixed_seed_gives_identical_rank_ranges():
    index = all_ages_risk(_two_way_region(), weights={"bad_health": 50, "renting": 50})
    first = rank_ranges(index, n_draws=200, seed=3)
    again = rank_ranges(index, n_draws=200, seed=3)
    pd.testing.assert_frame_equal(first, again)
    model = evidence_risk(THREE)
    pd.testing.assert_frame_equal(
        rank_ranges(model, n_draws=100, seed=11), rank_ranges(model, n_draws=100, seed=11)
    )


def test_top_tercile_follows_the_gap_classes_rule():
    values = pd.Series([5.0, 1.0, 3.0, 3.0, 9.0, 2.0, 7.0, np.nan, 4.0, 8.0])
    expected = terciles(values).eq(3).fillna(False).to_numpy()
    assert (top_tercile(values.to_numpy()) == expected).all()


# --- calibration on England -------------------------------------------------


@pytest.fixture(scope="module")
def england(shared_settings):
    from geo.national import national_indicators

    frame = national_indicators(shared_settings)
    if frame is None:
        pytest.skip("the national Census frame could not be built from the shared data")
    return frame


@pytest.mark.shared_data
def test_evidence_model_reproduces_the_survey_share_for_england(england):
    result = evidence_risk(england, reference=england)
    p = result.frame["evidence_prevalence"]
    pop = england["population"].astype(float)
    ok = p.notna() & pop.notna()
    share = float((p[ok] * pop[ok]).sum() / pop[ok].sum())
    assert abs(share - ADULTS_OFTEN_LONELY.share) < 0.001  # 0.1 percentage point
    # relative risk is against that share: its population-weighted mean is 1
    rr = result.frame["evidence_relative_risk"]
    assert float((rr[ok] * pop[ok]).sum() / pop[ok].sum()) == pytest.approx(1.0)


@pytest.mark.shared_data
def test_older_counts_reproduce_the_published_share_for_england(england):
    result = older_people_risk(england, reference=england)
    older = england["pop_65plus"].astype(float)
    ok = result.frame["expected_lonely_older"].notna() & (older > 0)
    share = float(result.frame["expected_lonely_older"][ok].sum() / older[ok].sum())
    assert abs(share - OLDER_OFTEN_LONELY.share) < 0.001
    # relative risks are those of the uncalibrated model
    rr = result.frame["older_prevalence"] / result.reference_prevalence
    assert np.allclose(result.frame["older_relative_risk"], rr, equal_nan=True)
