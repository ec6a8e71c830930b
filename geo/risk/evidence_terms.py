"""The all-ages evidence model's terms: published odds ratios and their Census measures.

Every number here is read from a cited publication; ``geo/method/risk_evidence.md``
explains each choice.  The survey's own technical annex (ONS 2018, "Technical
report: logistic regression and latent class analysis of loneliness using the
Community Life Survey, August 2016 to March 2017") holds the full table of odds
ratios, but only its first sections could be read in the stored copies, so the
odds ratios are those quoted from ONS's section 4 by Webb (2018).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["EVIDENCE_TERMS", "NOT_USED", "EvidenceTerm", "significance_bound_se"]

#: Where the odds ratios were read.
WEBB_2018 = (
    "ONS (2018) 'Loneliness - What characteristics and circumstances are associated with "
    "feeling lonely?', section 4 'Which factors independently affect loneliness?' "
    "(logistic regression, Community Life Survey 2016-17), odds ratios as quoted by "
    "E. Webb, 'Analysing a recent ONS report on loneliness', Age UK blog, 16 April 2018"
)


def significance_bound_se(odds_ratio: float) -> float:
    """The largest standard error of ln(OR) consistent with p < 0.05: |ln OR| / 1.96.

    The sources report the odds ratios as independent, significant
    associations but give no confidence interval, so the widest interval that
    still excludes 1 is used: a conservative (upper) bound on the uncertainty.
    """
    return abs(math.log(odds_ratio)) / 1.959963984540054


@dataclass(frozen=True)
class EvidenceTerm:
    """One term of the evidence model.

    Attributes
    ----------
    name
        Identifier (also the column of the model's inputs).
    label
        The characteristic and its reference group, as the source states it.
    odds_ratio
        Published odds ratio of feeling lonely often/always (or more often).
    column
        Region-frame column that approximates the term's share in an area.
    approximation
        How the area's share is measured from Census 2021, in plain English.
    evidence
        Strength of the evidence for this number, in plain English.
    source
        Where the odds ratio was read.
    """

    name: str
    label: str
    odds_ratio: float
    column: str
    approximation: str
    evidence: str
    source: str = WEBB_2018

    @property
    def estimate(self) -> float:
        """The log-odds coefficient ln(OR)."""
        return math.log(self.odds_ratio)

    @property
    def std_error(self) -> float:
        """Upper bound on the coefficient's standard error (:func:`significance_bound_se`)."""
        return significance_bound_se(self.odds_ratio)


EVIDENCE_TERMS: tuple[EvidenceTerm, ...] = (
    EvidenceTerm(
        "young_adults",
        "Aged 16 to 24 (reference: aged 75 and over)",
        2.7,
        "pct_16_24",
        "pct_16_24: residents aged 16-24 as a share of all residents (TS007A, approximate "
        "band); applied against every other age, while the source's reference is 75+",
        "moderate: significant in the source; odds ratio quoted second-hand, no interval",
    ),
    EvidenceTerm(
        "bad_health",
        "Poor general health (reference: better health)",
        1.9,
        "pct_bad_health",
        "pct_bad_health: residents in bad or very bad health, share of all residents (TS037)",
        "moderate: significant in the source; odds ratio quoted second-hand, no interval",
    ),
    EvidenceTerm(
        "widowed",
        "Widowed (reference: married)",
        3.6,
        "pct_widowed",
        "pct_widowed: widowed or surviving civil partners, share of residents aged 16+ (TS002)",
        "moderate: significant in the source; odds ratio quoted second-hand, no interval",
    ),
)

#: Characteristics the same analysis links with loneliness (ONS 2018, section 1
#: "Main points") whose odds ratio could not be read in the stored sources: not
#: used, because a guessed size would be a weight in disguise.
NOT_USED: tuple[tuple[str, str], ...] = (
    ("renting", "renters reported feeling lonely more often than homeowners"),
    ("never_married", "single people were at particular risk"),
    ("disability", "people with conditions they describe as limiting were at particular risk"),
    ("women", "women reported feeling lonely more often than men (no small-area split used)"),
    ("belonging, trust", "weak belonging and little trust (not measured for small areas)"),
)
