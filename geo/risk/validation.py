"""How the risk models compare with deprivation and with their own inputs, over England.

Reported, never tuned: nothing here feeds back into a model.  For every
English LSOA 2021, each model is scored against England and its score's
Spearman rank correlation with each input indicator and with the IMD is
computed (:func:`rank_correlations`).  ``bench/validate_risk.py`` prints the
table for the data at hand; the Method page shows :data:`MEASURED`, the same
table as measured on the official data named below, and a test recomputes it
from those files so the page cannot drift from the code.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from geo.risk.composite import all_ages_risk
from geo.risk.evidence import evidence_risk
from geo.risk.older import older_people_risk

#: The models compared, in the order they are shown.
MODELS: tuple[str, ...] = ("evidence", "composite", "older")

#: Inputs compared with each model (columns of the national frame), with their labels.
INDICATORS: dict[str, str] = {
    "pct_16_24": "Residents aged 16–24",
    "pct_bad_health": "Bad or very bad health",
    "pct_widowed": "Widowed (16+)",
    "pct_one_person_hh": "One-person households",
    "pct_one_person_66plus": "One-person households aged 66+",
    "pct_disabled": "Disabled under the Equality Act",
    "pct_carers": "Unpaid carers",
    "pct_divorced_separated": "Divorced or separated (16+)",
    "pct_never_married": "Never married (16+)",
    "pct_renting": "Renting households",
    "income_score": "IoD income deprivation score",
    "imd_score": "IMD score",
}

#: What :data:`MEASURED` was computed from.
MEASURED_ON = (
    "33,755 English LSOAs 2021: Census 2021 (Nomis bulk tables), English Indices of "
    "Deprivation 2025, each model with its default settings, scored against England"
)

#: Spearman's rho of each model's score with each input, as measured on :data:`MEASURED_ON`
#: (kept as data in ``geo/data/risk_validation.toml``).
MEASURED: dict[str, tuple[float, float, float]] = {
    column: (float(e), float(c), float(o))
    for column, (e, c, o) in tomllib.loads(
        (Path(__file__).resolve().parent.parent / "data" / "risk_validation.toml").read_text(
            encoding="utf-8"
        )
    )["rho"].items()
}


def model_scores(england: pd.DataFrame) -> pd.DataFrame:
    """Each model's score per LSOA, all against England (higher = more at risk)."""
    evidence = evidence_risk(england, reference=england)
    composite = all_ages_risk(england, reference=england)
    older = older_people_risk(england, reference=england)
    return pd.DataFrame(
        {
            "evidence": evidence.frame["evidence_relative_risk"],
            "composite": composite.frame["risk_score"],
            "older": older.frame["older_relative_risk"],
        }
    )


def rank_correlations(england: pd.DataFrame, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Spearman's rho of each model's score (columns) with each input present (rows)."""
    scores = model_scores(england) if scores is None else scores
    rows = {
        column: {
            m: scores[m].corr(england[column].astype(float), method="spearman") for m in MODELS
        }
        for column in INDICATORS
        if column in england.columns
    }
    return pd.DataFrame(rows).T.reindex(columns=list(MODELS))


def between_models(scores: pd.DataFrame) -> pd.DataFrame:
    """Spearman's rho between the models' scores."""
    return scores[list(MODELS)].corr(method="spearman")


def score_spread(scores: pd.DataFrame) -> pd.DataFrame:
    """5th, 50th and 95th percentile of each model's score over the areas."""
    return scores.describe(percentiles=[0.05, 0.5, 0.95]).T[["5%", "50%", "95%"]]


def measured_table() -> pd.DataFrame:
    """:data:`MEASURED` as a table: one row per input, one column per model."""
    return pd.DataFrame.from_dict(MEASURED, orient="index", columns=list(MODELS))
