"""The Age UK model's published terms and how each is approximated from the Census.

See ``geo/method/risk.md`` (Model 1) for the sources of the coefficients and the
reasoning behind each approximation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "AGED_75_79_SHARE_OF_75_84",
    "AGE_UK_INTERCEPT",
    "AGE_UK_INTERCEPT_STD_ERROR",
    "AGE_UK_SUMMARY",
    "AGE_UK_TERMS",
    "APPROXIMATIONS",
    "GOOD_SHARE_OF_GOOD_OR_VERY_GOOD",
    "TERMS",
    "Approximation",
    "ModelTerm",
]

#: Where every coefficient was read.
AGE_UK_SUMMARY = (
    "Age UK (2015) 'Loneliness at local and neighbourhood level', summary, July 2015: "
    "table of ELSA wave 5 estimates"
)


@dataclass(frozen=True)
class ModelTerm:
    """One published term of the Age UK model.

    Attributes
    ----------
    name
        Short identifier (``poor_health``).
    label
        The term as the source labels it.
    estimate, std_error
        Published log-odds coefficient and its standard error.
    in_census
        Whether the Census measures it (terms that it does not are left out).
    source
        Where the value was read.
    """

    name: str
    label: str
    estimate: float
    std_error: float
    in_census: bool
    source: str = AGE_UK_SUMMARY


#: The published intercept (constant) of the Age UK model.
AGE_UK_INTERCEPT: float = -2.6200
AGE_UK_INTERCEPT_STD_ERROR: float = 0.6119

#: Every published term, in the order of the source table.
AGE_UK_TERMS: tuple[ModelTerm, ...] = (
    ModelTerm("poor_health", "Self-reported Health - Poor", 2.0344, 0.3894, True),
    ModelTerm("fair_health", "Self-reported Health - Fair", 1.5819, 0.3689, True),
    ModelTerm("household_size", "Household Size", -1.0402, 0.2402, True),
    ModelTerm("widowed", "Widowed", 1.0317, 0.2582, True),
    ModelTerm("good_health", "Self-reported Health - Good", 0.9842, 0.3640, True),
    ModelTerm("eye_conditions_3plus", "Eye conditions 3+", 0.8551, 0.5056, False),
    ModelTerm("pets", "Pets", 0.4284, 0.1362, False),
    ModelTerm("adl_difficulty_2plus", "Difficulty with 2+ ADL", 0.3759, 0.1779, False),
    ModelTerm("age_75_79", "Age group 75-79", -0.3542, 0.1945, True),
    ModelTerm("adl_difficulty_1", "Difficulty with 1 ADL", 0.3169, 0.1692, False),
)
#: The terms by name.
TERMS: dict[str, ModelTerm] = {t.name: t for t in AGE_UK_TERMS}

#: Share of "good" within "good or very good" health, all usual residents of
#: England, Census 2021 TS037 (good 33.71%, very good 48.49%).
GOOD_SHARE_OF_GOOD_OR_VERY_GOOD: float = 0.4101
#: Share of residents aged 75–79 within those aged 75–84, England, Census 2021 TS007A.
AGED_75_79_SHARE_OF_75_84: float = 0.5884


@dataclass(frozen=True)
class Approximation:
    """One way of measuring a model term from Census columns.

    Attributes
    ----------
    requires
        The columns it needs (in the region and, when given, the national frame).
    compute
        Frame of those columns (as floats) → the term's value per area.
    description
        The rule in plain English, as shown on the Method page.
    """

    requires: tuple[str, ...]
    compute: Callable[[pd.DataFrame], pd.Series]
    description: str


def _per_65plus(frame: pd.DataFrame, numerator: pd.Series) -> pd.Series:
    """``numerator / pop_65plus``, missing where nobody is 65+, clipped to 0–1."""
    older = frame["pop_65plus"]
    return (numerator / older.where(older > 0)).clip(0.0, 1.0)


def _alone_share(frame: pd.DataFrame) -> pd.Series:
    return _per_65plus(frame, frame["one_person_66plus"])


#: For each Census term, the rules to measure it, best first; the first rule
#: whose columns are all present is used.
APPROXIMATIONS: dict[str, tuple[Approximation, ...]] = {
    "poor_health": (
        Approximation(
            ("pct_bad_health",),
            lambda f: f["pct_bad_health"],
            "pct_bad_health: share of all residents in bad or very bad health (TS037, all ages)",
        ),
    ),
    "fair_health": (
        Approximation(
            ("pct_fair_health",),
            lambda f: f["pct_fair_health"],
            "pct_fair_health: share of all residents in fair health (TS037, all ages)",
        ),
    ),
    "good_health": (
        Approximation(
            ("pct_good_health", "pct_very_good_health"),
            lambda f: (f["pct_good_health"] - f["pct_very_good_health"]).clip(lower=0.0),
            "pct_good_health − pct_very_good_health: share of all residents in good "
            "(not very good) health (TS037, all ages)",
        ),
        Approximation(
            ("pct_good_health",),
            lambda f: GOOD_SHARE_OF_GOOD_OR_VERY_GOOD * f["pct_good_health"],
            f"{GOOD_SHARE_OF_GOOD_OR_VERY_GOOD} × pct_good_health: good-or-very-good share "
            "split by England's Census 2021 ratio of good to good-or-very-good (TS037, all ages)",
        ),
    ),
    "household_size": (
        Approximation(
            ("one_person_66plus", "pop_65plus"),
            lambda f: 2.0 - _alone_share(f),
            "2 − a, a = one-person households aged 66+ ÷ residents aged 65+ (TS003, TS007A): "
            "older people alone count 1, the others are assumed to live in pairs",
        ),
        Approximation(
            ("mean_household_size",),
            lambda f: f["mean_household_size"],
            "mean_household_size: mean size of all households (TS017), not specific to older "
            "people",
        ),
    ),
    "widowed": (
        Approximation(
            ("widowed", "pop_65plus"),
            lambda f: _per_65plus(f, f["widowed"]),
            "widowed residents (TS002, 16+) ÷ residents aged 65+ (TS007A), clipped to 0–1: "
            "assumes widowed people are mostly 65+",
        ),
        Approximation(
            ("pct_widowed",),
            lambda f: f["pct_widowed"],
            "pct_widowed: share of residents aged 16+ who are widowed (TS002), not specific to "
            "older people",
        ),
    ),
    "age_75_79": (
        Approximation(
            ("pop_75_79", "pop_65plus"),
            lambda f: _per_65plus(f, f["pop_75_79"]),
            "pop_75_79 ÷ pop_65plus (TS007A)",
        ),
        Approximation(
            ("pop_75plus", "pop_85plus", "pop_65plus"),
            lambda f: _per_65plus(
                f, AGED_75_79_SHARE_OF_75_84 * (f["pop_75plus"] - f["pop_85plus"])
            ),
            f"{AGED_75_79_SHARE_OF_75_84} × (pop_75plus − pop_85plus) ÷ pop_65plus: residents "
            "75–84 split as in England in Census 2021 (TS007A)",
        ),
    ),
}
