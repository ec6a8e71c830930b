"""Loneliness risk by small area: three documented models.

0. **All ages, from published evidence** (the default) — ONS 2018 odds ratios
   applied to each area's Census shares, calibrated to the national prevalence
   (:func:`evidence_risk`).
1. **Older people (65+)** — the Age UK (ELSA wave 5) logistic model applied to
   each area's Census profile: predicted prevalence, relative risk and
   expected number of lonely older people (:func:`older_people_risk`).
2. **All ages** — a transparent composite index of eleven weighted,
   standardised indicators: score, ranks and deciles (:func:`all_ages_risk`).

The method, its sources and its caveats are written up in
``geo/method/risk.md`` (read it with :func:`method_text`).  Modules:

``evidence_terms`` the all-ages evidence model's odds ratios and sources
``evidence``    the all-ages evidence model
``calibration`` national prevalences and calibration to them
``uncertainty`` rank ranges under coefficient and weight uncertainty
``drawlevels``  England's level per draw, computed once and kept
``terms``       the Age UK model's terms and their Census approximations
``older``       the older people's model
``indicators``  the all-ages indicators and user indicators
``weights``     checking and normalising weights
``composite``   the all-ages index
``ranking``     ranks and deciles, regional and national
``explain``     what drives one area's risk
``tables``      the tables the Method page shows
"""

from __future__ import annotations

from geo.risk.calibration import ADULTS_OFTEN_LONELY, OLDER_OFTEN_LONELY, Prevalence
from geo.risk.checks import RiskError
from geo.risk.composite import WINSOR_LIMIT, CompositeRisk, all_ages_risk
from geo.risk.drawlevels import DrawLevels, LevelStore
from geo.risk.evidence import EvidenceRisk, evidence_risk
from geo.risk.evidence_terms import EVIDENCE_TERMS, EvidenceTerm
from geo.risk.explain import area_explanation, contributions, top_drivers
from geo.risk.indicators import DEFAULT_WEIGHTS, INDICATORS, Indicator
from geo.risk.older import OlderRisk, expected_count, older_people_risk
from geo.risk.tables import indicator_table, model_table
from geo.risk.terms import (
    AGE_UK_INTERCEPT,
    AGE_UK_TERMS,
    AGED_75_79_SHARE_OF_75_84,
    GOOD_SHARE_OF_GOOD_OR_VERY_GOOD,
    ModelTerm,
)
from geo.risk.uncertainty import ROBUST_SHARE, Uncertainty, rank_ranges, uncertainty
from geo.risk.weights import validate_weights

__all__ = [
    "ADULTS_OFTEN_LONELY",
    "AGED_75_79_SHARE_OF_75_84",
    "AGE_UK_INTERCEPT",
    "AGE_UK_TERMS",
    "DEFAULT_WEIGHTS",
    "EVIDENCE_TERMS",
    "GOOD_SHARE_OF_GOOD_OR_VERY_GOOD",
    "INDICATORS",
    "OLDER_OFTEN_LONELY",
    "ROBUST_SHARE",
    "WINSOR_LIMIT",
    "CompositeRisk",
    "DrawLevels",
    "EvidenceRisk",
    "EvidenceTerm",
    "Indicator",
    "LevelStore",
    "ModelTerm",
    "OlderRisk",
    "Prevalence",
    "RiskError",
    "Uncertainty",
    "all_ages_risk",
    "area_explanation",
    "contributions",
    "evidence_risk",
    "expected_count",
    "indicator_table",
    "method_text",
    "model_table",
    "older_people_risk",
    "rank_ranges",
    "top_drivers",
    "uncertainty",
    "validate_weights",
]


def method_text() -> str:
    """The write-up of the risk models (Markdown), as shipped with the package.

    Returns
    -------
    str
        ``geo/method/risk.md`` with its figures and tables filled from the
        code's constants (:func:`geo.method.method_markdown`).
    """
    from geo.method import method_markdown  # late: geo.method reads this package

    return method_markdown("risk")
