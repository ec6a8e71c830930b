"""Loneliness-risk models: the Age UK model by hand, the all-ages index, weights."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import AtlasError
from geo.risk import (
    AGE_UK_INTERCEPT,
    DEFAULT_WEIGHTS,
    INDICATORS,
    CompositeRisk,
    RiskError,
    all_ages_risk,
    contributions,
    expected_count,
    indicator_table,
    model_table,
    older_people_risk,
    validate_weights,
)
from geo.risk.terms import TERMS

PROJECT = Path(__file__).resolve().parent.parent
NAMES = [i.name for i in INDICATORS]
COLUMNS = {i.name: i.column for i in INDICATORS}


# --------------------------------------------------------------------------
# Age UK model (people aged 65+)
# --------------------------------------------------------------------------


def _older_area(**overrides: float) -> dict[str, float]:
    row = {
        "pct_bad_health": 0.10,
        "pct_fair_health": 0.20,
        "pct_good_health": 0.70,  # good or very good
        "pct_very_good_health": 0.40,  # so good (not very good) = 0.30
        "one_person_66plus": 30,
        "pop_65plus": 100,
        "widowed": 25,
        "pop_75_79": 20,
    }
    row.update(overrides)
    return row


def test_age_uk_model_reproduced_by_hand():
    frame = pd.DataFrame([_older_area()], index=pd.Index(["E01000001"], name="lsoa21cd"))
    result = older_people_risk(frame)
    # x: poor 0.10, fair 0.20, good 0.70 − 0.40 = 0.30,
    #    household size 2 − 30/100 = 1.7, widowed 25/100 = 0.25, aged 75–79 20/100 = 0.20
    # logit = −2.6200 + 2.0344·0.10 + 1.5819·0.20 + 0.9842·0.30 − 1.0402·1.7
    #         + 1.0317·0.25 − 0.3542·0.20
    #       = −2.6200 + 0.20344 + 0.31638 + 0.29526 − 1.76834 + 0.257925 − 0.07084
    #       = −3.386175
    # p = 1 / (1 + e^3.386175) = 1 / (1 + 29.5527) = 0.0327303
    inputs = result.inputs.loc["E01000001"]
    assert inputs["poor_health"] == pytest.approx(0.10)
    assert inputs["fair_health"] == pytest.approx(0.20)
    assert inputs["good_health"] == pytest.approx(0.30)
    assert inputs["household_size"] == pytest.approx(1.7)
    assert inputs["widowed"] == pytest.approx(0.25)
    assert inputs["age_75_79"] == pytest.approx(0.20)
    row = result.frame.loc["E01000001"]
    assert row["older_logit"] == pytest.approx(-3.386175, abs=1e-9)
    assert row["older_prevalence"] == pytest.approx(0.0327303, abs=1e-7)
    assert row["older_prevalence"] == pytest.approx(1 / (1 + math.exp(3.386175)))
    # expected count = calibrated prevalence × residents 65+: the only area is the
    # reference, so its relative risk is 1 and its prevalence the national 7%
    assert row["older_prevalence_calibrated"] == pytest.approx(0.07)
    assert row["expected_lonely_older"] == pytest.approx(7.0)
    # one area: it is its own reference
    assert row["older_relative_risk"] == pytest.approx(1.0)
    assert set(result.terms) == {
        "poor_health",
        "fair_health",
        "good_health",
        "household_size",
        "widowed",
        "age_75_79",
    }
    assert "Pets" in " ".join(result.notes)


def test_age_uk_fallback_approximations_by_hand():
    frame = pd.DataFrame(
        {
            "pct_bad_health": [0.08],
            "pct_fair_health": [0.15],
            "pct_good_health": [0.77],  # good or very good: split 0.4101 good
            "mean_household_size": [2.5],  # no counts of older people living alone
            "pct_widowed": [0.06],  # no widowed count
            "pop_65plus": [100],
            "pop_75plus": [50],
            "pop_85plus": [10],  # 75–84 = 40, of which 0.5884 taken as 75–79
        },
        index=["E01000002"],
    )
    result = older_people_risk(frame)
    # good = 0.4101 × 0.77 = 0.315777; aged 75–79 = 0.5884 × 40 / 100 = 0.23536
    # logit = −2.62 + 2.0344·0.08 + 1.5819·0.15 + 0.9842·0.315777 − 1.0402·2.5
    #         + 1.0317·0.06 − 0.3542·0.23536 = −4.5311378
    inputs = result.inputs.loc["E01000002"]
    assert inputs["good_health"] == pytest.approx(0.315777)
    assert inputs["age_75_79"] == pytest.approx(0.23536)
    assert inputs["household_size"] == pytest.approx(2.5)
    assert inputs["widowed"] == pytest.approx(0.06)
    assert result.frame.loc["E01000002", "older_logit"] == pytest.approx(-4.5311378, abs=1e-7)
    assert result.frame.loc["E01000002", "older_prevalence"] == pytest.approx(0.0106537, abs=1e-7)
    notes = " ".join(result.notes)
    assert "mean_household_size" in notes and "pct_widowed" in notes
    assert "0.4101" in result.approximations["good_health"]


def test_missing_term_is_left_out_and_named():
    frame = pd.DataFrame(
        {"pct_bad_health": [0.1, 0.2], "pct_fair_health": [0.1, 0.1]}, index=["a", "b"]
    )
    result = older_people_risk(frame)
    assert result.terms == ("poor_health", "fair_health")
    notes = " ".join(result.notes)
    assert "Household Size" in notes and "left out" in notes
    assert result.frame["expected_lonely_older"].isna().all()
    assert (
        result.frame.loc["b", "older_relative_risk"] > result.frame.loc["a", "older_relative_risk"]
    )


def test_relative_risk_is_one_for_an_area_equal_to_the_reference():
    same = pd.DataFrame([_older_area()] * 3, index=["a", "b", "c"])
    assert older_people_risk(same).frame["older_relative_risk"].tolist() == pytest.approx([1] * 3)

    national = pd.DataFrame([_older_area()] * 5, index=[f"n{i}" for i in range(5)])
    region = pd.DataFrame(
        [_older_area(), _older_area(pct_bad_health=0.2, pct_good_health=0.6)], index=["a", "b"]
    )
    result = older_people_risk(region, reference=national)
    assert result.frame.loc["a", "older_relative_risk"] == pytest.approx(1.0)
    assert result.frame.loc["b", "older_relative_risk"] > 1.0
    assert "England" in result.reference
    assert result.frame.loc["a", "older_rank_national"] == 1
    assert result.frame.loc["b", "older_rank_national"] == 1


def test_reference_prevalence_is_weighted_by_older_residents():
    region = pd.DataFrame(
        [
            _older_area(pop_65plus=100),
            _older_area(pop_65plus=300, one_person_66plus=150, widowed=90, pop_75_79=60),
        ],
        index=["a", "b"],
    )
    result = older_people_risk(region)
    p = result.frame["older_prevalence"]
    p_ref = (p["a"] * 100 + p["b"] * 300) / 400
    assert result.reference_prevalence == pytest.approx(p_ref)
    assert result.frame["older_relative_risk"].tolist() == pytest.approx((p / p_ref).tolist())
    # calibrated: relative risk × 7% × residents 65+, so the region's total is 7% of 400
    assert result.frame["expected_lonely_older"].tolist() == pytest.approx(
        [p["a"] / p_ref * 0.07 * 100, p["b"] / p_ref * 0.07 * 300]
    )
    assert result.frame["expected_lonely_older"].sum() == pytest.approx(0.07 * 400)
    # b: more living alone (household size 1.5 against 1.7) and more widowed (0.30 against 0.25)
    assert result.frame.loc["b", "older_rank"] == 1


def test_expected_count_helper():
    prevalence = pd.Series([0.1, 0.2, np.nan, np.nan], index=list("abcd"))
    population = pd.Series([100, 0, 50, np.nan], index=list("abcd"))
    counts = expected_count(prevalence, population)
    assert counts["a"] == pytest.approx(10.0)
    assert counts["b"] == 0.0
    assert math.isnan(counts["c"]) and math.isnan(counts["d"])


def test_area_with_no_older_residents_has_no_prediction_but_zero_expected():
    region = pd.DataFrame(
        [_older_area(), _older_area(pop_65plus=0, one_person_66plus=0, widowed=0, pop_75_79=0)],
        index=["a", "b"],
    )
    frame = older_people_risk(region).frame
    assert math.isnan(frame.loc["b", "older_prevalence"])
    assert frame.loc["b", "expected_lonely_older"] == 0.0
    assert pd.isna(frame.loc["b", "older_rank"])


def test_missing_value_gives_no_prediction_not_zero():
    region = pd.DataFrame([_older_area(), _older_area(pct_bad_health=np.nan)], index=["a", "b"])
    frame = older_people_risk(region).frame
    assert math.isnan(frame.loc["b", "older_prevalence"])
    assert frame.loc["a", "older_relative_risk"] == pytest.approx(1.0)


def test_older_model_input_errors():
    with pytest.raises(RiskError, match="divide by 100"):
        older_people_risk(pd.DataFrame([_older_area(pct_bad_health=10.0)], index=["a"]))
    with pytest.raises(RiskError, match="none were found"):
        older_people_risk(pd.DataFrame({"population": [1000]}, index=["a"]))
    with pytest.raises(RiskError, match="repeats area codes"):
        older_people_risk(pd.DataFrame([_older_area()] * 2, index=["a", "a"]))
    text = pd.DataFrame([_older_area()], index=["a"]).astype(object)
    text.loc["a", "widowed"] = "n/a"
    with pytest.raises(RiskError, match="widowed must hold numbers"):
        older_people_risk(text)
    with pytest.raises(ValueError):  # RiskError is also a ValueError and an AtlasError
        older_people_risk(pd.DataFrame())
    assert issubclass(RiskError, AtlasError)


def test_older_contributions_are_relative_to_the_reference():
    region = pd.DataFrame(
        [_older_area(pop_65plus=100), _older_area(pop_65plus=300, one_person_66plus=150)],
        index=["a", "b"],
    )
    result = older_people_risk(region)
    table = contributions(result, "a")
    assert "intercept" not in table.index
    # household size: a 1.7, b 2 − 150/300 = 1.5; reference (100·1.7 + 300·1.5)/400 = 1.55
    assert table.loc["household_size", "reference"] == pytest.approx(1.55)
    assert table.loc["household_size", "contribution"] == pytest.approx(-1.0402 * (1.7 - 1.55))
    # they sum to the area's log-odds minus those of an area with the reference's means
    means = result.reference_means
    at_means = AGE_UK_INTERCEPT + sum(TERMS[n].estimate * means[n] for n in result.terms)
    assert table["contribution"].sum() == pytest.approx(
        result.frame.loc["a", "older_logit"] - at_means
    )


def test_model_table_lists_every_published_term():
    table = model_table()
    assert table.loc["intercept", "estimate"] == -2.6200
    assert len(table) == 11
    assert table.loc["poor_health", "estimate"] == 2.0344
    assert table.loc["age_75_79", "estimate"] == -0.3542
    assert not table.loc["pets", "used"]
    assert table["source"].str.contains("Age UK").all()


# --------------------------------------------------------------------------
# All-ages composite index
# --------------------------------------------------------------------------


def _random_frame(n: int, seed: int, prefix: str = "E01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {i.column: rng.uniform(0.01, 0.9, n) for i in INDICATORS}
    data["imd_score"] = rng.uniform(1, 80, n)
    return pd.DataFrame(data, index=[f"{prefix}{k:06d}" for k in range(n)])


NATIONAL = _random_frame(60, seed=1, prefix="N")


def test_missing_indicators_reweight_and_are_never_zero():
    # reference values 0 and 0.2 for both columns: mean 0.1, standard deviation 0.1
    reference = pd.DataFrame(
        {"pct_bad_health": [0.0, 0.2], "pct_renting": [0.0, 0.2]}, index=["r1", "r2"]
    )
    region = pd.DataFrame(
        {
            "pct_bad_health": [0.3, np.nan, np.nan, 0.5],
            "pct_renting": [0.0, 0.2, np.nan, 0.1],
        },
        index=["A", "B", "C", "D"],
    )
    result = all_ages_risk(region, weights={"bad_health": 3, "renting": 1}, reference=reference)
    frame = result.frame
    # A: z = 2 and −1 → (3·2 + 1·(−1)) / 4 = 1.25
    assert frame.loc["A", "risk_score"] == pytest.approx(1.25)
    # B: only renting, z = 1 → 1.0 (not (3·0 + 1·1)/4 = 0.25)
    assert frame.loc["B", "risk_score"] == pytest.approx(1.0)
    assert frame.loc["B", "indicators_used"] == "renting"
    assert frame.loc["B", "n_indicators"] == 1
    assert frame.loc["B", "weight_coverage"] == pytest.approx(0.25)
    # C: nothing → no score, no rank
    assert math.isnan(frame.loc["C", "risk_score"])
    assert pd.isna(frame.loc["C", "risk_rank"]) and pd.isna(frame.loc["C", "risk_decile"])
    assert frame.loc["C", "indicators_used"] == ""
    # D: z = 4 is capped at 3, z = 0 → (3·3 + 0) / 4 = 2.25
    assert frame.loc["D", "z_bad_health"] == 3.0
    assert frame.loc["D", "risk_score"] == pytest.approx(2.25)
    assert frame.loc[["D", "A", "B"], "risk_rank"].tolist() == [1, 2, 3]
    assert result.used == ("bad_health", "renting")
    assert dict(result.weights) == pytest.approx({"bad_health": 0.75, "renting": 0.25})
    assert any("lack some indicators" in n for n in result.notes)
    assert any("no indicator values" in n for n in result.notes)


def test_score_equals_weighted_mean_of_available_z():
    region = _random_frame(30, seed=7)
    region.iloc[::3, 0] = np.nan
    region.iloc[1::4, 5] = np.nan
    result = all_ages_risk(region, reference=NATIONAL)
    w = pd.Series(result.weights)
    z = result.frame[[f"z_{n}" for n in result.used]].set_axis(list(result.used), axis=1)
    expected = (z * w).sum(axis=1) / z.notna().mul(w).sum(axis=1)
    pd.testing.assert_series_equal(result.frame["risk_score"], expected, check_names=False)
    assert (result.frame["n_indicators"] < len(NAMES)).sum() > 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(
        st.one_of(st.just(math.nan), st.floats(0.0, 1.0)), min_size=5 * 11, max_size=5 * 11
    ),
    weights=st.lists(st.floats(0.0, 10.0), min_size=11, max_size=11).filter(lambda w: sum(w) > 0),
    area=st.integers(0, 4),
    indicator=st.integers(0, 10),
    step=st.floats(0.0, 1.0),
)
def test_score_is_monotone_in_each_positive_indicator(values, weights, area, indicator, step):
    columns = [i.column for i in INDICATORS]
    region = pd.DataFrame(
        np.array(values).reshape(5, 11), columns=columns, index=[f"a{k}" for k in range(5)]
    )
    given_weights = dict(zip(NAMES, weights, strict=True))
    old = region.iloc[area, indicator]
    if math.isnan(old):
        return
    try:
        before = all_ages_risk(region, weights=given_weights, reference=NATIONAL)
    except RiskError:  # every weighted column is empty: nothing to compare
        return
    raised = region.copy()
    raised.iloc[area, indicator] = min(1.0, old + step)
    after = all_ages_risk(raised, weights=given_weights, reference=NATIONAL)
    code = region.index[area]
    s0, s1 = before.frame.loc[code, "risk_score"], after.frame.loc[code, "risk_score"]
    assert INDICATORS[indicator].direction == 1
    if given_weights[NAMES[indicator]] > 0:
        assert not math.isnan(s0)  # the area has this weighted indicator, so it is scored
    if math.isnan(s0):
        assert math.isnan(s1)
    else:
        assert s1 >= s0 - 1e-12


def test_national_rank_and_decile_against_reference():
    reference = pd.DataFrame({"imd_score": np.arange(100, dtype=float)})
    reference.index = [f"n{k}" for k in range(100)]
    region = pd.DataFrame({"imd_score": [99.5, 50.0, -1.0]}, index=["top", "mid", "low"])
    result = all_ages_risk(region, weights={"imd": 1}, reference=reference)
    frame = result.frame
    # top scores above all 100 reference areas; 49 reference areas (51…99) beat mid;
    # all 100 beat low (rank 101, decile capped at 10)
    assert frame["risk_rank_national"].tolist() == [1, 50, 101]
    assert frame["risk_decile_national"].tolist() == [1, 5, 10]
    assert frame["risk_rank"].tolist() == [1, 2, 3]
    assert "England" in result.reference


def test_national_rank_uses_the_national_score_of_an_area_in_the_national_frame():
    # The region's score for n50 is one floating-point unit below the national
    # frame's score for the same area; n50 must not count as scoring above itself.
    reference = pd.DataFrame({"imd_score": np.arange(100, dtype=float)})
    reference.index = [f"n{k}" for k in range(100)]
    region = reference.loc[["n50", "n10"]].copy()
    region.loc["n50", "imd_score"] = np.nextafter(50.0, 0.0)
    result = all_ages_risk(region, weights={"imd": 1}, reference=reference)
    national = all_ages_risk(reference, weights={"imd": 1}, reference=reference)
    assert result.frame.loc["n50", "risk_score"] < national.frame.loc["n50", "risk_score"]
    # 49 areas (51…99) score higher than n50, 89 (11…99) higher than n10
    assert result.frame["risk_rank_national"].tolist() == [50, 90]
    assert national.frame.loc[["n50", "n10"], "risk_rank_national"].tolist() == [50, 90]
    assert result.frame["risk_decile_national"].tolist() == [5, 9]


def test_region_cut_from_the_national_frame_gets_the_national_ranks():
    # Scores recomputed for a region can differ from the national frame's in the
    # last binary digit (the weighted sum is evaluated on arrays of another size);
    # the national rank of an area must not depend on the region it is analysed in.
    national = _random_frame(3000, seed=11, prefix="N")
    own = all_ages_risk(national, reference=national).frame
    by_hand = own["risk_score"].map(lambda s: 1 + int((own["risk_score"] > s).sum()))
    assert own["risk_rank_national"].tolist() == by_hand.tolist()
    older_own = older_people_risk(_older_national(national), reference=_older_national(national))
    for seed in range(12):
        rng = np.random.default_rng(seed)
        codes = np.sort(rng.choice(len(national), 40 + 23 * seed, replace=False))
        region = national.iloc[codes]
        frame = all_ages_risk(region, reference=national).frame
        expected = own.loc[region.index, ["risk_rank_national", "risk_decile_national"]]
        pd.testing.assert_frame_equal(frame[expected.columns], expected)
        older = older_people_risk(
            _older_national(national).iloc[codes], reference=_older_national(national)
        ).frame
        pd.testing.assert_series_equal(
            older["older_rank_national"], older_own.frame.loc[region.index, "older_rank_national"]
        )


def _older_national(frame: pd.DataFrame) -> pd.DataFrame:
    """Census columns of the older people's model, made up from an index frame."""
    good = 0.9 - frame["pct_bad_health"] * 0.5
    return pd.DataFrame(
        {
            "pct_bad_health": frame["pct_bad_health"] * 0.2,
            "pct_fair_health": frame["pct_disabled"] * 0.2,
            "pct_good_health": good,
            "pct_very_good_health": good * frame["pct_carers"],
            "pop_65plus": 100.0,
            "one_person_66plus": frame["pct_one_person_66plus"] * 60,
            "widowed": frame["pct_widowed"] * 50,
            "pop_75_79": frame["pct_16_24"] * 30,
        },
        index=frame.index,
    )


def test_national_rank_follows_the_region_data_where_they_differ_from_the_national_frame():
    reference = pd.DataFrame({"imd_score": np.arange(100, dtype=float)})
    reference.index = [f"n{k}" for k in range(100)]
    region = reference.loc[["n50", "n10"]].copy()
    region.loc["n50", "imd_score"] = 80.5  # the region's own (e.g. newer) value for n50
    frame = all_ages_risk(region, weights={"imd": 1}, reference=reference).frame
    # 19 national areas (81…99) score above 80.5
    assert frame["risk_rank_national"].tolist() == [20, 90]


def test_national_rank_treats_near_equal_scores_outside_the_national_frame_as_ties():
    from geo.risk.ranking import national_rank

    reference = pd.Series([0.1 + 0.2, 0.2, 0.1], index=["n1", "n2", "n3"])  # 0.30000000000000004
    score = pd.Series([0.3, 0.25, np.nan], index=["x", "y", "z"])
    rank, decile = national_rank(score, reference)
    # x ties with n1 (a difference of one unit in the last place), y is below n1
    assert rank.tolist()[:2] == [1, 2] and pd.isna(rank.iloc[2])
    assert decile.tolist()[:2] == [1, 4]


def test_user_indicators_do_not_enter_national_ranks():
    region = _random_frame(30, seed=4)
    region["survey"] = np.arange(30, dtype=float)[::-1]
    plain = all_ages_risk(region, reference=NATIONAL).frame
    mixed = all_ages_risk(region, reference=NATIONAL, extra={"survey": 50}).frame
    assert not mixed["risk_rank"].equals(plain["risk_rank"])  # the survey moves regional ranks
    pd.testing.assert_series_equal(mixed["risk_rank_national"], plain["risk_rank_national"])
    pd.testing.assert_series_equal(mixed["risk_decile_national"], plain["risk_decile_national"])


def test_deciles_are_balanced_for_100_areas():
    result = all_ages_risk(_random_frame(100, seed=3))
    frame = result.frame
    assert sorted(frame["risk_rank"].tolist()) == list(range(1, 101))
    assert frame["risk_decile"].value_counts().sort_index().tolist() == [10] * 10
    top = frame.sort_values("risk_score", ascending=False)
    assert (top["risk_decile"].iloc[:10] == 1).all() and (top["risk_decile"].iloc[-10:] == 10).all()
    assert frame["risk_rank_national"].isna().all()
    assert "region itself" in result.reference
    # without a reference, z-scores are against the region: mean 0 per indicator
    assert frame[[f"z_{n}" for n in result.used]].mean().abs().max() < 0.05


def test_absent_or_constant_indicators_are_dropped_with_a_note():
    region = _random_frame(20, seed=5).drop(columns=["pct_carers"])
    region["pct_16_24"] = 0.1
    result = all_ages_risk(region)
    assert "carers" not in result.used and "young_adults" not in result.used
    notes = " ".join(result.notes)
    assert "pct_carers" in notes and "does not vary" in notes
    assert sum(result.weights.values()) == pytest.approx(1.0)
    assert "z_carers" not in result.frame.columns
    assert result.frame["risk_score"].notna().all()


def test_indicator_missing_from_the_national_frame_is_dropped():
    result = all_ages_risk(_random_frame(10, seed=2), reference=NATIONAL.drop(columns="imd_score"))
    assert "imd" not in result.used
    assert "national frame has no imd_score" in " ".join(result.notes)


def test_no_usable_indicator_is_an_error():
    with pytest.raises(RiskError, match="No weighted indicator"):
        all_ages_risk(pd.DataFrame({"population": [1, 2]}, index=["a", "b"]))
    with pytest.raises(RiskError, match="No weighted indicator"):
        all_ages_risk(_random_frame(5, seed=1), weights={"carers": 1}, reference=NATIONAL.iloc[:1])


def test_contributions_explain_one_area():
    result = all_ages_risk(_random_frame(20, seed=11), reference=NATIONAL)
    code = result.frame["risk_score"].idxmax()
    table = contributions(result, code)
    assert table["contribution"].sum() == pytest.approx(result.frame.loc[code, "risk_score"])
    assert table["contribution"].is_monotonic_decreasing
    assert set(table.index) == set(result.used)
    assert table["weight"].sum() == pytest.approx(1.0)
    with pytest.raises(RiskError, match="not in this result"):
        contributions(result, "E01999999")


def test_contributions_with_a_missing_indicator():
    region = _random_frame(10, seed=4)
    region.loc[region.index[0], "pct_renting"] = np.nan
    result = all_ages_risk(region)
    table = contributions(result, region.index[0])
    assert math.isnan(table.loc["renting", "contribution"])
    assert table.index[-1] == "renting"
    assert table["weight_in_area"].sum() == pytest.approx(1.0)
    assert table["contribution"].sum() == pytest.approx(result.frame["risk_score"].iloc[0])


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------


def test_default_weights_validate_and_sum_to_one():
    normalised = validate_weights(DEFAULT_WEIGHTS)
    assert list(normalised) == NAMES
    assert sum(normalised.values()) == pytest.approx(1.0)
    assert normalised["imd"] < normalised["bad_health"]
    assert sum(DEFAULT_WEIGHTS.values()) == 100
    table = indicator_table()
    assert table["normalised_weight"].sum() == pytest.approx(1.0)
    assert table.loc["imd", "column"] == "imd_score"
    assert (table["direction"] == 1).all()


def test_partial_weights_leave_other_indicators_out():
    normalised = validate_weights({"bad_health": 2, "renting": 6})
    assert normalised["bad_health"] == pytest.approx(0.25)
    assert normalised["renting"] == pytest.approx(0.75)
    assert normalised["imd"] == 0.0
    result = all_ages_risk(_random_frame(10, seed=9), weights={"bad_health": 2, "renting": 6})
    assert result.used == ("bad_health", "renting")


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"loneliness": 1}, r"Unknown indicator name\(s\): 'loneliness'"),
        ({"bad_health": -1}, "cannot be negative: bad_health=-1"),
        ({"bad_health": math.nan}, "finite numbers; these are not: bad_health=nan"),
        ({"bad_health": math.inf}, "finite numbers"),
        ({"bad_health": "5"}, "finite numbers"),
        ({"bad_health": True}, "finite numbers"),
        ({"bad_health": 0, "renting": 0}, "All weights are zero"),
        ({}, "No weights were given"),
        ([("bad_health", 1)], "must be a mapping"),
    ],
)
def test_invalid_weights_are_rejected_with_a_clear_message(weights, message):
    with pytest.raises(RiskError, match=message) as info:
        validate_weights(weights)
    assert "living_alone" in str(info.value)  # the valid names are listed
    with pytest.raises(RiskError, match=message):
        all_ages_risk(_random_frame(5, seed=1), weights=weights)


# --------------------------------------------------------------------------
# Real data: Manchester from the shared public files
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manchester(shared_settings):
    from geo.region import load_region

    return load_region("Manchester", settings=shared_settings).areas


@pytest.mark.shared_data
def test_manchester_all_ages_index(manchester):
    result = all_ages_risk(manchester)
    assert isinstance(result, CompositeRisk)
    frame = result.frame
    assert len(frame) == 295
    assert np.isfinite(frame["risk_score"]).all()
    assert sorted(frame["risk_rank"].tolist()) == list(range(1, 296))
    assert set(frame["risk_decile"]) == set(range(1, 11))
    assert set(result.used) == set(NAMES)
    top = frame["risk_score"].idxmax()
    assert contributions(result, top)["contribution"].sum() == pytest.approx(
        frame.loc[top, "risk_score"]
    )


@pytest.mark.shared_data
def test_manchester_older_people_model(manchester):
    result = older_people_risk(manchester)
    frame = result.frame
    assert len(frame) == 295
    assert np.isfinite(frame["older_prevalence"]).all()
    assert frame["older_prevalence"].between(0.005, 0.2).all()
    assert sorted(frame["older_rank"].tolist()) == list(range(1, 296))
    # relative risk averages 1 over the region's older residents
    older = manchester["pop_65plus"]
    assert (frame["older_relative_risk"] * older).sum() / older.sum() == pytest.approx(1.0)
    assert frame["expected_lonely_older"].sum() == pytest.approx(0.07 * older.sum())
    assert "household_size" in result.terms and "widowed" in result.terms


def test_user_indicator_joins_the_index_with_its_weight():
    frame = pd.DataFrame(
        {"pct_bad_health": [0.02, 0.05, 0.08, 0.05], "survey_lonely": [10.0, 20.0, 30.0, 90.0]},
        index=pd.Index(["A", "B", "C", "D"], name="lsoa21cd"),
    )
    base = all_ages_risk(frame, weights={"bad_health": 1})
    mixed = all_ages_risk(frame, weights={"bad_health": 1}, extra={"survey_lonely": 1})
    assert "user:survey_lonely" in mixed.used
    assert mixed.weights["user:survey_lonely"] == pytest.approx(0.5)
    # B and D tie on health; the survey breaks the tie in D's favour
    assert base.frame.loc["B", "risk_score"] == pytest.approx(base.frame.loc["D", "risk_score"])
    assert mixed.frame.loc["D", "risk_score"] > mixed.frame.loc["B", "risk_score"]
    table = contributions(mixed, "D")
    assert "survey_lonely (user data)" in set(table["label"])
    with pytest.raises(RiskError, match="not a column"):
        all_ages_risk(frame, extra={"missing_column": 1})
    with pytest.raises(RiskError, match="finite number"):
        all_ages_risk(frame, extra={"survey_lonely": -2})


def test_method_write_up_ships_with_the_package_and_matches_the_code():
    from geo.risk import AGE_UK_TERMS, method_text

    text = method_text()
    assert text.startswith("# Loneliness risk by small area")
    assert "## Model 1" in text and "## Model 2" in text and "## Sources" in text
    # every published coefficient and every indicator with its column and weight
    for term in AGE_UK_TERMS:
        assert f"{abs(term.estimate):.4f}" in text and f"{term.std_error:.4f}" in text
    for ind in INDICATORS:
        assert f"| {ind.name} | {ind.column} | {ind.default_weight:g} |" in text
    assert f"{AGE_UK_INTERCEPT:.4f}".replace("-", "−") in text
