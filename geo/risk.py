"""Loneliness risk by small area: two documented models.

Belonging Atlas gives each LSOA (2021) two complementary measures of the risk
that people living there feel lonely.  Neither is a count of lonely people:
loneliness is a feeling, and no official statistic measures it for small
areas.  Both are built from Census 2021 and the Indices of Deprivation, and
both should be read alongside local knowledge.

1. **Older people (65+): the Age UK model** — a published statistical model
   of who is *often lonely* in later life, applied to each area's Census
   profile.  It gives a predicted prevalence, a relative risk and an expected
   number of lonely older people.
2. **All ages: a transparent composite index** — eleven indicators that the
   evidence links to loneliness at any age, standardised and combined with
   stated weights you can change.  It gives a score, ranks and deciles.

Deprivation (the IMD) is deliberately **not** the index.  Age UK found that
area deprivation, poverty and rurality were not significant once health,
widowhood and household size were known [3], and a study of the English
Longitudinal Study of Ageing (ELSA) found little link between loneliness and
area deprivation after individual circumstances were allowed for [9].  The
IMD therefore enters the all-ages index as one indicator with a small weight.

Model 1 — older people (Age UK, ELSA wave 5)
--------------------------------------------
Age UK (Green and Iparraguirre) fitted a logistic regression of being
*often lonely* on the characteristics of people aged 65+ in ELSA wave 5
(2010–12), and ONS applied it to Census 2011 small areas to make the Age UK
loneliness heat maps [1][2][3][5].  For an individual,

    logit(p) = b0 + Σ_k b_k · x_k,        p = 1 / (1 + e^(−logit))

and the heat maps apply the same formula to an area, with each ``x_k`` the
*proportion* of the area's older residents who have characteristic ``k``
(household size enters as a number of people).

**Coefficients.**  All estimates below are from the table of ELSA wave 5
estimates in Age UK's summary "Loneliness at local and neighbourhood level"
(July 2015) [1]; the Age UK heat-map page confirms which four factors were
taken from the Census (marital status, self-reported health, age and
household size) [2].

==============================  =========  ========  ===================
Term                            Estimate   Std err   Used here
==============================  =========  ========  ===================
Constant (intercept)            −2.6200    0.6119    yes
Self-reported health: poor       2.0344    0.3894    yes
Self-reported health: fair       1.5819    0.3689    yes
Household size (per person)     −1.0402    0.2402    yes
Widowed                          1.0317    0.2582    yes
Self-reported health: good       0.9842    0.3640    yes
Eye conditions (3 or more)       0.8551    0.5056    no — not in Census
Has pets                         0.4284    0.1362    no — not in Census
Difficulty with 2+ ADLs          0.3759    0.1779    no — not in Census
Age group 75–79                 −0.3542    0.1945    yes
Difficulty with 1 ADL            0.3169    0.1692    no — not in Census
==============================  =========  ========  ===================

(ADL = activities of daily living.)  The reference health category is
"very good" (the omitted category of the health terms).  That table lists
**no other marital status and no other age group**: divorced, separated,
never married, 65–74 and 80+ have no published coefficient, so they are
not used (they sit in the reference category).  Age UK's full report
(Iparraguirre 2016, "Predicting the prevalence of loneliness at older
ages" [3]) and the later journal version (Iparraguirre 2017, a spatial
two-level mixed-effects model [4]) were found only as abstracts; their
coefficient tables could not be read, so nothing here is taken from them.
Some summaries of the 2016 report mention housing tenure; no tenure
coefficient was found in a readable source, so tenure is not used.  As in
the Age UK heat maps, the four non-Census terms are left out, which is
equivalent to setting them to 0 for everybody: the predicted prevalence
understates the true level (the GLA's notes on the heat-map data say the
same [5]) and is meant for comparing areas.

**How each 65+ proportion is approximated from Census 2021.**  Census
tables at LSOA level are mostly for all ages (there is no LSOA table of
health by age), so each term needs an approximation.  For every term the
first rule whose columns are present is used (in the region *and* in the
national frame, when one is given, so both are treated alike); the rule
used is recorded in ``OlderRisk.approximations``.

* *Poor health* ≈ ``pct_bad_health``: share of **all residents** in bad or
  very bad health (TS037).  The Census's "bad" and "very bad" are taken as
  ELSA's "poor".  This is an all-ages share and understates older people's
  poor health (in 2011, 50% of people 65+ in households reported good or
  very good health against 88% of those under 65 [11]); it is used because
  no better small-area figure exists, and what matters for comparing areas
  is that areas with more poor health overall tend to have more poor
  health among their older residents.
* *Fair health* ≈ ``pct_fair_health``, all residents (TS037), same caveat.
* *Good health*: the region frame's ``pct_good_health`` counts good **and**
  very good health, but very good is the model's reference, so the two
  must be separated.  (a) If a column ``pct_very_good_health`` is present,
  good = ``pct_good_health − pct_very_good_health`` exactly.  (b) Otherwise
  good ≈ 0.4101 × ``pct_good_health``: the share of "good" within
  "good or very good" for all residents of England in Census 2021 (TS037:
  good 33.71%, very good 48.49% of all usual residents; computed from the
  Nomis bulk file).  Counting very good as good would flatten the health
  gradient; dropping the term would understate the level.
* *Household size* (people in the older person's household): Census
  household size is per household and is dominated by families with
  children, so the all-household mean is a poor guide to the households
  older people live in.  (a) With ``one_person_66plus`` and ``pop_65plus``:
  let ``a`` = one-person households aged 66+ ÷ residents aged 65+ (TS003,
  TS007A; the share of older people living alone, clipped to 0–1), and
  assume the older people who do not live alone live in two-person
  households (most live as couples [12]): household size ≈ ``a·1 +
  (1 − a)·2 = 2 − a``.  For England, a ≈ 0.289, so about 1.71 people.
  The Census band starts at 66, so 65-year-olds living alone are missed,
  and residents of care homes count in ``pop_65plus`` but not in any
  household; both make ``a`` slightly low.  (b) Otherwise
  ``mean_household_size`` (all households, TS017), recorded in the notes.
* *Widowed*: (a) with ``widowed`` and ``pop_65plus``: widowed residents
  (TS002, all ages 16+) ÷ residents aged 65+, clipped to 0–1.  This
  assumes widowed people are mostly 65+ (it slightly overstates where many
  younger people are widowed); in England it gives 0.268.  The share of
  all adults (``pct_widowed``, 4.1% in England) is mostly a measure of how
  old an area's adults are, not of widowhood among its older people.
  (b) Otherwise ``pct_widowed`` (share of residents 16+), noted.
* *Age 75–79*: (a) with ``pop_75_79`` and ``pop_65plus``: their ratio.
  (b) Otherwise 0.5884 × (``pop_75plus`` − ``pop_85plus``) ÷
  ``pop_65plus``: 0.5884 is the share of 75–79 within 75–84 in England in
  Census 2021 (TS007A), so the split of 75–84 is assumed to follow the
  national one.  The coefficient is small, so the effect is small.

A term whose columns are all absent is left out for every area (and for
the reference) and named in ``OlderRisk.notes``; an area missing a value
of a used term gets no prediction (never a 0).

**Outputs** (``OlderRisk.frame``):

* ``older_logit`` and ``older_prevalence`` = p, the predicted proportion of
  people 65+ who are often lonely;
* ``older_relative_risk`` = p ÷ p_ref.  Age UK present the model as relative
  risk [2].  p_ref is the **England prevalence** — the 65+-weighted mean of
  p over the national frame — when ``reference`` (a frame of all English
  LSOAs with the same columns) is given, otherwise the 65+-weighted mean
  over the region itself; ``OlderRisk.reference`` says which.  1.0 means an
  average risk, 1.2 a risk 20% above the reference;
* ``expected_lonely_older`` = p × ``pop_65plus`` (0 where nobody is 65+):
  planners need counts as well as risks, since a moderate risk in an area
  with many older people can mean more lonely people;
* ``older_rank`` (1 = highest prevalence in the region), ``older_decile``
  (1 = highest 10% in the region) and, with a national frame,
  ``older_rank_national`` / ``older_decile_national``.

**Caveats.**  This is an *area-level application of an individual-level
model* (the ecological caveat): the formula predicts a person's chance from
their own characteristics, and applying it to area proportions gives an
approximation of the area's average chance, not a measurement — it cannot
say which people are lonely, and it assumes the relationships found in
2010–12 still hold.  The four factors explain only about 20% of
loneliness among older people in ELSA [2].  ELSA surveyed people in
private households; areas with care homes need care [5].

Model 2 — all ages: a transparent composite index
-------------------------------------------------
ONS's analysis of the Community Life Survey 2016–17 found that people aged
16–24, women, people who are single or widowed, people in poor health or
with limiting conditions, renters, and people with a weak sense of
belonging or little trust in neighbours reported feeling lonely more
often [6].  In that analysis, people aged 16–24 were about 2.7 times as
likely to report loneliness as those 75+, people in poor health 1.9 times
and widowed people 3.6 times as likely as married people [7].  Sex,
belonging and trust are not measured for small areas, so the index uses
the Census and IoD indicators below (see :data:`INDICATORS`).

=======================  ===========================  ======  ==========================
Indicator                Column                       Weight  Evidence
=======================  ===========================  ======  ==========================
living_alone             pct_one_person_hh            15      ONS 2018 [6], ONS 2020 [8]
older_living_alone       pct_one_person_66plus        10      Age UK [1][3]
bad_health               pct_bad_health               15      ONS 2018 [6][7], Age UK [1]
disability               pct_disabled                 10      ONS 2018 [6]
carers                   pct_carers                    5      Carers UK 2019 [10]
widowed                  pct_widowed                  10      ONS 2018 [6][7], Age UK [1]
divorced_separated       pct_divorced_separated        5      ONS 2020 [8]
renting                  pct_renting                  10      ONS 2018 [6], ONS 2020 [8]
young_adults             pct_16_24                    10      ONS 2018 [6][7]
income_deprivation       income_score                  5      IoD income domain
imd                      imd_score                     5      IoD; see [3][9]
=======================  ===========================  ======  ==========================

Weights are out of 100 and are normalised to sum to 1.  They are a stated
judgement, not estimates, and the app lets you change them.  The reasoning:
poor health and living alone get the most (15 each) because they are the
strongest factors in both the all-ages (ONS) and later-life (Age UK)
evidence.  Widowhood, renting, young adults, disability and older people
living alone get 10: each has clear evidence, but disability overlaps with
bad health, and older people living alone are also counted in living
alone.  Unpaid carers (evidence from a self-selected survey [10]) and
divorce or separation (weaker evidence [8]) get 5.  Income deprivation and
the IMD get 5 each: deprivation's link with loneliness largely disappears
once individual circumstances are known [3][9], and the IMD already
contains the income domain (22.5% of it), so the two together are kept
small.  All indicators point the same way: a higher value means a higher
risk.  Where many students live, ``pct_16_24`` and renting are both high;
read those areas with that in mind.

**Normalisation.**  Each indicator is turned into a z-score against a
reference distribution of areas: z = (x − mean) ÷ standard deviation,
capped at ±3 so that one extreme value cannot dominate.  The reference is
**England** (every LSOA in ``reference``) when a national frame is given;
otherwise the region itself.  An indicator with no variation in the
reference carries no information and is dropped (noted).  With a national
frame, a score of 0 is the England average and +1 is one standard
deviation above it, on average across the indicators.

**Composite and missing data.**  ``risk_score`` = Σ w_k·z_k ÷ Σ w_k, summed
over the indicators the area *has*.  An area missing an indicator is
scored on the rest, with their weights rescaled; a missing value is never
treated as 0 (which would mean "average").  ``indicators_used`` lists the
indicators behind each area's score, ``n_indicators`` counts them and
``weight_coverage`` gives the share of the total weight they carry.  An
area with none gets no score.  An indicator whose column is absent from the
region — or, with a national frame, from the national frame — is dropped
for every area and named in ``CompositeRisk.notes``.

**Ranks and deciles.**  ``risk_rank`` is 1 for the highest score in the
region (ties in order of appearance, so ranks are 1…n) and
``risk_decile`` is 1 for the highest-risk 10% in the region (balanced: 10
areas per decile for 100 areas).  With a national frame,
``risk_rank_national`` is 1 + the number of English areas with a higher
score and ``risk_decile_national`` is 1 for the highest-risk 10% of
England, as in the IoD.  ``contributions(result, code)`` shows how each
indicator moves one area's score (z × its weight in that area).

**Caveats.**  The index ranks areas by how many known risk factors their
residents have; it is not a prevalence and has no units.  Indicators are
correlated (health and disability, renting and young adults), so their
weights overlap.  Area shares do not say whether the same people combine
several factors (the ecological caveat again).

Sources
-------
[1] Age UK (2015) *Loneliness at local and neighbourhood level*, summary,
    July 2015 — table of ELSA wave 5 estimates (every coefficient above).
    Read at scribd.com/document/542239690/loneliness-2015.
[2] Age UK, *Loneliness maps* (heat-map page): relative risk for 32,844
    LSOAs from Census 2011 marital status, self-reported health, age and
    household size, which predict about 20% of loneliness at 65+ in ELSA.
    ageuk.org.uk/professional-resources-home/research/loneliness-maps/
[3] Iparraguirre J (2016) *Predicting the prevalence of loneliness at older
    ages*, Age UK (abstracts: SCIE Social Care Online; Centre for Policy on
    Ageing Ageinfo): poor health the biggest factor, then widowhood and
    living alone; deprivation, poverty and rurality not significant.
[4] Iparraguirre JL (2017) Predicting the prevalence of loneliness in old
    age across small geographical areas in England. *Arch Epidemiol*
    AEPD-104, doi:10.29011/AEPD-104.000004 (not used for coefficients).
[5] GLA London Datastore, *Probability of loneliness for those aged 65 and
    over* (Age UK estimates: log odds, prevalence, ranks; notes on
    underestimation and communal establishments).
[6] ONS (2018) *Loneliness – What characteristics and circumstances are
    associated with feeling lonely?*, 10 April 2018 (Community Life Survey
    2016–17). ons.gov.uk/peoplepopulationandcommunity/wellbeing/articles/
    lonelinesswhatcharacteristicsandcircumstancesareassociatedwithfeeling
    lonely/2018-04-10
[7] Webb E (2018) *Analysing a recent ONS report on loneliness*, Age UK
    blog, 16 April 2018 (odds ratios from [6]).
[8] ONS (2020) *Coronavirus and loneliness, Great Britain*: bad or very bad
    health, renting, living alone (working age) and being single, divorced
    or separated linked with loneliness.
[9] Victor CR, Pikhartova J (2020) Lonely places or lonely people?
    Investigating the relationship between loneliness and place of
    residence. *BMC Public Health* 20:778 (PMC7251825).
[10] Carers UK / Carers Week (2019) *Getting Carers Connected*: 35% of
    unpaid carers always or often lonely against 5% of the public.
[11] ONS (2013) *What does the 2011 Census tell us about older people?*
[12] ONS (2023) *Profile of the older population living in England and
    Wales in 2021 and changes since 2011* (3.3 million people 65+ living
    alone; 2.7% of people 65+ in communal establishments).
[13] Census 2021 tables TS002, TS003, TS007A, TS037 (Nomis bulk files,
    England totals) for the constants 0.4101 and 0.5884.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from geo.errors import AtlasError

log = logging.getLogger(__name__)

__all__ = [
    "AGED_75_79_SHARE_OF_75_84",
    "AGE_UK_INTERCEPT",
    "AGE_UK_TERMS",
    "DEFAULT_WEIGHTS",
    "GOOD_SHARE_OF_GOOD_OR_VERY_GOOD",
    "INDICATORS",
    "WINSOR_LIMIT",
    "CompositeRisk",
    "Indicator",
    "ModelTerm",
    "OlderRisk",
    "RiskError",
    "all_ages_risk",
    "contributions",
    "expected_count",
    "indicator_table",
    "model_table",
    "older_people_risk",
    "validate_weights",
]


class RiskError(AtlasError, ValueError):
    """Indicators or weights cannot be turned into a risk measure."""


# --------------------------------------------------------------------------
# Model 1: the Age UK model for people aged 65+
# --------------------------------------------------------------------------

_AGE_UK_SUMMARY = (
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
    source: str = _AGE_UK_SUMMARY


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
_TERMS = {t.name: t for t in AGE_UK_TERMS}

#: Share of "good" within "good or very good" health, all usual residents of
#: England, Census 2021 TS037 (good 33.71%, very good 48.49%).
GOOD_SHARE_OF_GOOD_OR_VERY_GOOD: float = 0.4101
#: Share of residents aged 75–79 within those aged 75–84, England, Census 2021 TS007A.
AGED_75_79_SHARE_OF_75_84: float = 0.5884


@dataclass(frozen=True)
class _Approximation:
    requires: tuple[str, ...]
    compute: Callable[[pd.DataFrame], pd.Series]
    description: str


def _per_65plus(frame: pd.DataFrame, numerator: pd.Series) -> pd.Series:
    """``numerator / pop_65plus``, missing where nobody is 65+, clipped to 0–1."""
    older = frame["pop_65plus"]
    return (numerator / older.where(older > 0)).clip(0.0, 1.0)


def _alone_share(frame: pd.DataFrame) -> pd.Series:
    return _per_65plus(frame, frame["one_person_66plus"])


_APPROXIMATIONS: dict[str, tuple[_Approximation, ...]] = {
    "poor_health": (
        _Approximation(
            ("pct_bad_health",),
            lambda f: f["pct_bad_health"],
            "pct_bad_health: share of all residents in bad or very bad health (TS037, all ages)",
        ),
    ),
    "fair_health": (
        _Approximation(
            ("pct_fair_health",),
            lambda f: f["pct_fair_health"],
            "pct_fair_health: share of all residents in fair health (TS037, all ages)",
        ),
    ),
    "good_health": (
        _Approximation(
            ("pct_good_health", "pct_very_good_health"),
            lambda f: (f["pct_good_health"] - f["pct_very_good_health"]).clip(lower=0.0),
            "pct_good_health − pct_very_good_health: share of all residents in good "
            "(not very good) health (TS037, all ages)",
        ),
        _Approximation(
            ("pct_good_health",),
            lambda f: GOOD_SHARE_OF_GOOD_OR_VERY_GOOD * f["pct_good_health"],
            f"{GOOD_SHARE_OF_GOOD_OR_VERY_GOOD} × pct_good_health: good-or-very-good share "
            "split by England's Census 2021 ratio of good to good-or-very-good (TS037, all ages)",
        ),
    ),
    "household_size": (
        _Approximation(
            ("one_person_66plus", "pop_65plus"),
            lambda f: 2.0 - _alone_share(f),
            "2 − a, a = one-person households aged 66+ ÷ residents aged 65+ (TS003, TS007A): "
            "older people alone count 1, the others are assumed to live in pairs",
        ),
        _Approximation(
            ("mean_household_size",),
            lambda f: f["mean_household_size"],
            "mean_household_size: mean size of all households (TS017), not specific to older "
            "people",
        ),
    ),
    "widowed": (
        _Approximation(
            ("widowed", "pop_65plus"),
            lambda f: _per_65plus(f, f["widowed"]),
            "widowed residents (TS002, 16+) ÷ residents aged 65+ (TS007A), clipped to 0–1: "
            "assumes widowed people are mostly 65+",
        ),
        _Approximation(
            ("pct_widowed",),
            lambda f: f["pct_widowed"],
            "pct_widowed: share of residents aged 16+ who are widowed (TS002), not specific to "
            "older people",
        ),
    ),
    "age_75_79": (
        _Approximation(
            ("pop_75_79", "pop_65plus"),
            lambda f: _per_65plus(f, f["pop_75_79"]),
            "pop_75_79 ÷ pop_65plus (TS007A)",
        ),
        _Approximation(
            ("pop_75plus", "pop_85plus", "pop_65plus"),
            lambda f: _per_65plus(
                f, AGED_75_79_SHARE_OF_75_84 * (f["pop_75plus"] - f["pop_85plus"])
            ),
            f"{AGED_75_79_SHARE_OF_75_84} × (pop_75plus − pop_85plus) ÷ pop_65plus: residents "
            "75–84 split as in England in Census 2021 (TS007A)",
        ),
    ),
}


@dataclass(frozen=True, eq=False)
class OlderRisk:
    """The Age UK model applied to each area.

    Attributes
    ----------
    frame
        Indexed like the input: ``older_logit``, ``older_prevalence``,
        ``older_relative_risk``, ``expected_lonely_older``, ``older_rank``,
        ``older_decile`` (1 = highest 10% in the region) and, with a national
        frame, ``older_rank_national`` and ``older_decile_national``.
    inputs
        The approximated 65+ proportions (and household size), one column per
        term used.
    reference_prevalence
        The prevalence the relative risk divides by.
    reference
        Which population that prevalence describes.
    terms
        The model terms used.
    approximations
        How each term was approximated from the Census.
    notes
        Terms left out, fallbacks and values clipped, in plain English.
    """

    frame: pd.DataFrame
    inputs: pd.DataFrame
    reference_prevalence: float
    reference: str
    terms: tuple[str, ...]
    approximations: Mapping[str, str]
    notes: tuple[str, ...]


def older_people_risk(
    indicators: pd.DataFrame, *, reference: pd.DataFrame | None = None
) -> OlderRisk:
    """Apply the Age UK (ELSA wave 5) loneliness model to each area.

    Parameters
    ----------
    indicators
        One row per area (index = LSOA code) with the Census columns of the
        region frame (``pct_bad_health``, ``pop_65plus`` …); absent columns
        are allowed and handled as the module documentation describes.
    reference
        Optional national frame (every LSOA in England, same columns).  With
        it, relative risk is against the England prevalence and national
        ranks and deciles are given; without it, against the region's own
        65+-weighted mean.

    Returns
    -------
    OlderRisk

    Raises
    ------
    RiskError
        When the frame is unusable (duplicate codes, non-numeric values,
        shares outside 0–1) or no Census term of the model can be computed.
    """
    frame = _check_frame(indicators, "indicators")
    ref = None if reference is None else _check_frame(reference, "reference")
    available = set(frame.columns) if ref is None else set(frame.columns) & set(ref.columns)
    chosen, notes = _choose_approximations(available, frame, ref)
    if not chosen:
        needed = sorted({c for alts in _APPROXIMATIONS.values() for a in alts for c in a.requires})
        raise RiskError(
            "The older people's model needs Census health, household, marital status or age "
            f"columns, and none were found. Any of these columns will do: {', '.join(needed)}."
        )

    inputs, clip_notes = _model_inputs(frame, chosen)
    notes.extend(clip_notes)
    logit = _logit(inputs)
    prevalence = _expit(logit)

    older = _numeric(frame["pop_65plus"], "pop_65plus") if "pop_65plus" in frame else None
    if ref is not None:
        ref_inputs, _ = _model_inputs(ref, chosen)
        ref_prevalence = _expit(_logit(ref_inputs))
        ref_older = _numeric(ref["pop_65plus"], "pop_65plus") if "pop_65plus" in ref else None
        p_ref, how = _weighted_mean(ref_prevalence, ref_older)
        reference_text = f"England: {how} over the {len(ref)} areas of the national frame"
    else:
        ref_prevalence = None
        p_ref, how = _weighted_mean(prevalence, older)
        reference_text = f"the region: {how} over its {len(frame)} areas (no national frame)"
    notes.append(f"Relative risk is against {reference_text} (p_ref = {p_ref:.4f}).")

    out = pd.DataFrame(index=frame.index)
    out["older_logit"] = logit
    out["older_prevalence"] = prevalence
    out["older_relative_risk"] = prevalence / p_ref if p_ref > 0 else np.nan
    if older is not None:
        out["expected_lonely_older"] = expected_count(prevalence, older)
    else:
        out["expected_lonely_older"] = np.nan
        notes.append("pop_65plus is absent, so expected counts could not be computed.")
    out["older_rank"] = _rank_desc(prevalence)
    out["older_decile"] = _decile(out["older_rank"], int(prevalence.notna().sum()))
    if ref_prevalence is not None:
        rank, decile = _national_rank(prevalence, ref_prevalence)
        out["older_rank_national"] = rank
        out["older_decile_national"] = decile

    for note in notes:
        log.debug("older people's model: %s", note)
    return OlderRisk(
        frame=out,
        inputs=inputs,
        reference_prevalence=float(p_ref),
        reference=reference_text,
        terms=tuple(chosen),
        approximations=MappingProxyType({k: a.description for k, a in chosen.items()}),
        notes=tuple(notes),
    )


def _choose_approximations(
    available: set[str], frame: pd.DataFrame, ref: pd.DataFrame | None
) -> tuple[dict[str, _Approximation], list[str]]:
    chosen: dict[str, _Approximation] = {}
    notes: list[str] = []
    for name, alternatives in _APPROXIMATIONS.items():
        for rank, alt in enumerate(alternatives):
            if set(alt.requires) <= available:
                chosen[name] = alt
                if rank > 0:
                    better = alternatives[0].requires
                    notes.append(
                        f"{_TERMS[name].label}: approximated by {alt.description}, because "
                        f"{_missing_from(better, frame, ref)}."
                    )
                break
        else:
            cols = sorted({c for a in alternatives for c in a.requires})
            notes.append(
                f"{_TERMS[name].label} (coefficient {_TERMS[name].estimate:+.4f}) is left out: "
                f"none of the columns it needs ({', '.join(cols)}) is present"
                + ("" if ref is None else " in both the region and the national frame")
                + "."
            )
    left_out = [t.label for t in AGE_UK_TERMS if not t.in_census]
    notes.append(
        "Not measured by the Census and left out, as in the Age UK heat maps: "
        + "; ".join(left_out)
        + ". Predicted prevalence therefore understates the true level; use it to compare areas."
    )
    return chosen, notes


def _missing_from(columns: tuple[str, ...], frame: pd.DataFrame, ref: pd.DataFrame | None) -> str:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        return f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} absent"
    absent = [c for c in columns if ref is not None and c not in ref.columns]
    return f"the national frame has no {', '.join(absent)}"


def _model_inputs(
    frame: pd.DataFrame, chosen: Mapping[str, _Approximation]
) -> tuple[pd.DataFrame, list[str]]:
    needed = sorted({c for a in chosen.values() for c in a.requires})
    numeric = pd.DataFrame({c: _numeric(frame[c], c) for c in needed}, index=frame.index)
    inputs = pd.DataFrame(index=frame.index)
    notes: list[str] = []
    for name, alt in chosen.items():
        inputs[name] = alt.compute(numeric).astype(float)
    for column, label in (
        ("one_person_66plus", "older people living alone"),
        ("widowed", "widowed residents"),
    ):
        if column in needed and "pop_65plus" in needed:
            over = (numeric[column] > numeric["pop_65plus"]) & (numeric["pop_65plus"] > 0)
            if over.any():
                notes.append(
                    f"In {int(over.sum())} area(s) the count of {label} exceeds the residents "
                    "aged 65+; the share was capped at 1."
                )
    return inputs, notes


def _logit(inputs: pd.DataFrame) -> pd.Series:
    logit = pd.Series(AGE_UK_INTERCEPT, index=inputs.index, dtype=float)
    for name in inputs.columns:
        logit = logit + _TERMS[name].estimate * inputs[name]
    return logit


def _expit(logit: pd.Series) -> pd.Series:
    return 1.0 / (1.0 + np.exp(-logit))


def _weighted_mean(values: pd.Series, weights: pd.Series | None) -> tuple[float, str]:
    ok = values.notna()
    if weights is not None:
        ok &= weights.notna() & (weights >= 0)
        total = float(weights[ok].sum())
        if total > 0:
            return float((values[ok] * weights[ok]).sum() / total), "mean weighted by residents 65+"
    if not ok.any():
        return math.nan, "no area could be scored"
    return float(values[ok].mean()), "unweighted mean of areas (no 65+ counts)"


def expected_count(prevalence: pd.Series, population: pd.Series) -> pd.Series:
    """Expected number of people with a condition: prevalence × population.

    Parameters
    ----------
    prevalence
        Proportions 0–1, indexed by area code.
    population
        The population the prevalence applies to, aligned on the same index.

    Returns
    -------
    pandas.Series
        ``prevalence × population``; 0 where the population is 0 (even if the
        prevalence is undefined there) and missing where either is missing.
    """
    population = population.reindex(prevalence.index).astype(float)
    count = prevalence.astype(float) * population
    return count.mask(population == 0, 0.0).rename("expected_count")


# --------------------------------------------------------------------------
# Model 2: the all-ages composite index
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    """One indicator of the all-ages index.

    Attributes
    ----------
    name
        Identifier used in weights and in ``z_<name>`` columns.
    column
        Column of the region frame it reads.
    label
        Plain-English description.
    direction
        +1 when a higher value means a higher risk, −1 when lower does.
    default_weight
        Default weight (points out of 100; normalised before use).
    rationale
        Why it is in the index, with its source.
    """

    name: str
    column: str
    label: str
    direction: int
    default_weight: float
    rationale: str


#: The indicators of the all-ages index (see the module documentation).
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "living_alone",
        "pct_one_person_hh",
        "Households of one person",
        1,
        15,
        "Living alone is among the strongest correlates of loneliness at all ages; ONS "
        "profiles of lonely people include older people living alone and working-age adults "
        "living alone (ONS 2018; ONS 2020).",
    ),
    Indicator(
        "older_living_alone",
        "pct_one_person_66plus",
        "Households of one person aged 66+",
        1,
        10,
        "Age UK's model: household size is the second strongest Census factor for loneliness "
        "at 65+ (Age UK 2015; Iparraguirre 2016). Overlaps with living alone, hence 10.",
    ),
    Indicator(
        "bad_health",
        "pct_bad_health",
        "Residents in bad or very bad health",
        1,
        15,
        "Poor health is the biggest factor in later life (Age UK 2015) and is independently "
        "linked with loneliness at all ages (ONS 2018: about 1.9 times as likely).",
    ),
    Indicator(
        "disability",
        "pct_disabled",
        "Residents disabled under the Equality Act",
        1,
        10,
        "People with limiting conditions report loneliness more often (ONS 2018). Overlaps "
        "with bad health, hence 10.",
    ),
    Indicator(
        "carers",
        "pct_carers",
        "Residents providing unpaid care",
        1,
        5,
        "35% of unpaid carers said they were always or often lonely against 5% of the public "
        "(Carers UK, Carers Week 2019; a self-selected survey, hence 5).",
    ),
    Indicator(
        "widowed",
        "pct_widowed",
        "Residents 16+ who are widowed",
        1,
        10,
        "Widowed people are at particular risk (ONS 2018: about 3.6 times as likely as "
        "married people; Age UK 2015 coefficient 1.03).",
    ),
    Indicator(
        "divorced_separated",
        "pct_divorced_separated",
        "Residents 16+ who are divorced, dissolved or separated",
        1,
        5,
        "Divorced or separated people were more likely to report loneliness (ONS 2020); "
        "weaker evidence than widowhood, hence 5.",
    ),
    Indicator(
        "renting",
        "pct_renting",
        "Households renting (social or private)",
        1,
        10,
        "Renters report loneliness more often than owners; 'younger renters with little "
        "trust and sense of belonging' is one of ONS's three profiles (ONS 2018).",
    ),
    Indicator(
        "young_adults",
        "pct_16_24",
        "Residents aged 16 to 24",
        1,
        10,
        "Adults aged 16–24 report feeling lonely most often (ONS 2018: about 2.7 times as "
        "likely as people 75+). High where students live.",
    ),
    Indicator(
        "income_deprivation",
        "income_score",
        "Income deprivation (IoD income score, a rate)",
        1,
        5,
        "Low income limits social participation, but its link with loneliness largely goes "
        "once health and living arrangements are known (Age UK; Victor & Pikhartova 2020).",
    ),
    Indicator(
        "imd",
        "imd_score",
        "Index of Multiple Deprivation score",
        1,
        5,
        "One indicator among several, not the index: area deprivation was not significant in "
        "Age UK's model and weakly linked in ELSA (Victor & Pikhartova 2020); it also "
        "contains the income domain.",
    ),
)
_INDICATORS = {i.name: i for i in INDICATORS}

#: Default weights (points out of 100; :func:`validate_weights` normalises them).
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {i.name: float(i.default_weight) for i in INDICATORS}
)
#: z-scores are capped at ± this value.
WINSOR_LIMIT: float = 3.0


@dataclass(frozen=True, eq=False)
class CompositeRisk:
    """The all-ages index for each area.

    Attributes
    ----------
    frame
        Indexed like the input: ``risk_score``, ``risk_rank``, ``risk_decile``,
        ``risk_rank_national`` and ``risk_decile_national`` (missing without a
        national frame), ``n_indicators``, ``weight_coverage``,
        ``indicators_used`` and one ``z_<name>`` column per indicator used.
    values
        The raw indicator values used, one column per indicator name.
    used
        Names of the indicators used.
    weights
        The normalised weights applied (sum 1 over ``used``).
    reference
        What the z-scores are measured against.
    notes
        Indicators dropped and why, in plain English.
    """

    frame: pd.DataFrame
    values: pd.DataFrame
    used: tuple[str, ...]
    weights: Mapping[str, float]
    reference: str
    notes: tuple[str, ...]


def validate_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Check indicator weights and normalise them to sum to 1.

    Parameters
    ----------
    weights
        Indicator name → weight (any non-negative scale, e.g. points out of
        100).  Indicators not named get weight 0 (left out).

    Returns
    -------
    dict
        Every indicator name of :data:`INDICATORS`, in that order, with its
        normalised weight.

    Raises
    ------
    RiskError
        For a non-mapping, an empty mapping, unknown names, weights that are
        not finite numbers, negative weights, or weights that are all zero.
    """
    valid = ", ".join(_INDICATORS)
    if not isinstance(weights, Mapping):
        raise RiskError(
            f"Weights must be a mapping of indicator name to number, not "
            f"{type(weights).__name__}. Valid names: {valid}."
        )
    if not weights:
        raise RiskError(f"No weights were given. Give a weight to at least one of: {valid}.")
    unknown = [str(k) for k in weights if k not in _INDICATORS]
    if unknown:
        raise RiskError(
            f"Unknown indicator name(s): {', '.join(repr(u) for u in unknown)}. "
            f"Valid names: {valid}."
        )
    bad = [
        f"{k}={v!r}"
        for k, v in weights.items()
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(float(v))
    ]
    if bad:
        raise RiskError(
            f"Weights must be finite numbers; these are not: {', '.join(bad)}. "
            f"Valid names: {valid}."
        )
    negative = [f"{k}={float(v):g}" for k, v in weights.items() if float(v) < 0]
    if negative:
        raise RiskError(
            f"Weights cannot be negative: {', '.join(negative)}. Use 0 to leave an indicator "
            f"out. Valid names: {valid}."
        )
    total = math.fsum(float(v) for v in weights.values())
    if total <= 0:
        raise RiskError(
            f"All weights are zero, so no indicator would count. Give a positive weight to at "
            f"least one of: {valid}."
        )
    return {name: float(weights.get(name, 0.0)) / total for name in _INDICATORS}


def all_ages_risk(
    indicators: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    reference: pd.DataFrame | None = None,
    extra: Mapping[str, float] | None = None,
) -> CompositeRisk:
    """Combine the all-ages indicators into a loneliness-risk score per area.

    Parameters
    ----------
    indicators
        One row per area (index = LSOA code) holding the indicator columns of
        :data:`INDICATORS`; absent columns drop their indicator.
    weights
        Indicator name → weight; :data:`DEFAULT_WEIGHTS` when not given.
        Checked by :func:`validate_weights`.
    reference
        Optional national frame (every LSOA in England, same columns).  With
        it, z-scores are against England and national ranks and deciles are
        given; without it, against the region itself.
    extra
        User indicators: column of ``indicators`` → weight, on the same scale
        as ``weights`` (so with the defaults, points out of 100 more).  Higher
        values mean higher risk.  They are standardised within the region
        (there is no national distribution for them) and named ``user:<column>``;
        national ranks use the national indicators only.

    Returns
    -------
    CompositeRisk

    Raises
    ------
    RiskError
        For invalid weights, an unusable frame, or when no weighted
        indicator is available.
    """
    raw = DEFAULT_WEIGHTS if weights is None else weights
    applied = validate_weights(raw)
    frame = _check_frame(indicators, "indicators")
    ref = None if reference is None else _check_frame(reference, "reference")
    catalogue = INDICATORS
    if extra:
        user = _user_indicators(extra, frame)
        scale = math.fsum(float(v) for v in raw.values())
        total = scale + math.fsum(i.default_weight for i in user)
        applied = {k: v * scale / total for k, v in applied.items()}
        applied.update({i.name: i.default_weight / total for i in user})
        catalogue = (*INDICATORS, *user)

    notes: list[str] = []
    values: dict[str, pd.Series] = {}
    z: dict[str, pd.Series] = {}
    ref_z: dict[str, pd.Series] = {}
    for ind in catalogue:
        if applied[ind.name] <= 0:
            continue
        column = ind.column
        if column not in frame.columns:
            notes.append(f"{ind.name} left out: the region has no {column} column.")
            continue
        x = _numeric(frame[column], column)
        if x.isna().all():
            notes.append(f"{ind.name} left out: {column} has no values in the region.")
            continue
        user_indicator = ind.name.startswith("user:")
        if ref is not None and not user_indicator:
            if column not in ref.columns:
                notes.append(
                    f"{ind.name} left out: the national frame has no {column} column, so it "
                    "cannot be measured against England."
                )
                continue
            basis = _numeric(ref[column], column)
        else:
            basis = x
        mean, sd = float(basis.mean()), float(basis.std(ddof=0))
        if not (math.isfinite(mean) and math.isfinite(sd)) or sd <= 1e-12 * max(1.0, abs(mean)):
            notes.append(f"{ind.name} left out: {column} does not vary across the reference.")
            continue
        values[ind.name] = x
        z[ind.name] = _zscore(x, mean, sd, ind.direction)
        if ref is not None and not user_indicator:
            ref_z[ind.name] = _zscore(basis, mean, sd, ind.direction)
        if user_indicator:
            notes.append(f"{ind.name} (user data) is standardised within the region.")

    if not z:
        columns = ", ".join(f"{i.column} ({i.name})" for i in catalogue if applied[i.name] > 0)
        raise RiskError(
            "No weighted indicator can be used, so no risk score can be computed. The region "
            f"needs at least one of these columns with values that vary: {columns}."
        )

    used = tuple(z)
    total = math.fsum(applied[n] for n in used)
    used_weights = {n: applied[n] / total for n in used}
    if len(used) < sum(1 for v in applied.values() if v > 0):
        notes.append(
            "Weights were rescaled over the indicators used: "
            + ", ".join(f"{n} {w:.3f}" for n, w in used_weights.items())
            + "."
        )

    zframe = pd.DataFrame(z, index=frame.index)
    score, n_used, coverage, listed = _composite(zframe, used_weights)

    rank = _rank_desc(score)
    columns: dict[str, pd.Series] = {
        "risk_score": score,
        "risk_rank": rank,
        "risk_decile": _decile(rank, int(score.notna().sum())),
    }
    if ref is not None:
        ref_score, *_ = _composite(pd.DataFrame(ref_z, index=ref.index), used_weights)
        columns["risk_rank_national"], columns["risk_decile_national"] = _national_rank(
            score, ref_score
        )
        reference_text = f"England: the {len(ref)} areas of the national frame"
    else:
        nothing = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        columns["risk_rank_national"] = columns["risk_decile_national"] = nothing
        reference_text = f"the region itself ({len(frame)} areas; no national frame)"
    notes.append(f"Indicators are z-scores against {reference_text}, capped at ±{WINSOR_LIMIT:g}.")
    columns.update(n_indicators=n_used, weight_coverage=coverage, indicators_used=listed)
    columns.update({f"z_{name}": zframe[name] for name in used})
    out = pd.DataFrame(columns, index=frame.index)
    partial = int(((n_used > 0) & (n_used < len(used))).sum())
    if partial:
        notes.append(
            f"{partial} area(s) lack some indicators and are scored on the rest "
            "(see indicators_used)."
        )
    unscored = int((n_used == 0).sum())
    if unscored:
        notes.append(f"{unscored} area(s) have no indicator values and no score.")

    for note in notes:
        log.debug("all-ages index: %s", note)
    return CompositeRisk(
        frame=out,
        values=pd.DataFrame(values, index=frame.index),
        used=used,
        weights=MappingProxyType(used_weights),
        reference=reference_text,
        notes=tuple(notes),
    )


def _user_indicators(extra: Mapping[str, float], frame: pd.DataFrame) -> tuple[Indicator, ...]:
    """User indicator columns and weights, checked."""
    out = []
    for column, weight in extra.items():
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            raise RiskError(
                f"Weight for user indicator {column!r} must be a number, not {weight!r}."
            )
        if not math.isfinite(float(weight)) or float(weight) < 0:
            raise RiskError(
                f"Weight for user indicator {column!r} must be a finite number 0 or more, "
                f"not {weight!r}."
            )
        if column not in frame.columns:
            raise RiskError(
                f"User indicator {column!r} is not a column of the areas. Columns from the "
                "uploaded table must be joined to the region before they can be weighted."
            )
        out.append(
            Indicator(
                name=f"user:{column}",
                column=column,
                label=f"{column} (user data)",
                direction=1,
                default_weight=float(weight),
                rationale="Supplied by the user; higher values are taken to mean higher risk.",
            )
        )
    return tuple(out)


def _zscore(x: pd.Series, mean: float, sd: float, direction: int) -> pd.Series:
    z = np.clip(direction * (x.to_numpy(dtype=float) - mean) / sd, -WINSOR_LIMIT, WINSOR_LIMIT)
    return pd.Series(z, index=x.index, name=x.name)


def _composite(
    zframe: pd.DataFrame, weights: Mapping[str, float]
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Weighted mean of the available z-scores per area (missing never counts as 0)."""
    w = np.array([weights[c] for c in zframe.columns])
    zs = zframe.to_numpy(dtype=float)
    have = ~np.isnan(zs)
    weight_have = (have * w).sum(axis=1)
    weighted = np.where(have, zs, 0.0) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(weight_have > 0, weighted / weight_have, np.nan)
    names = np.array(zframe.columns, dtype=object)
    listed = [", ".join(names[row]) for row in have]
    index = zframe.index
    return (
        pd.Series(score, index=index, name="risk_score"),
        pd.Series(have.sum(axis=1), index=index, name="n_indicators"),
        pd.Series(weight_have / w.sum(), index=index, name="weight_coverage"),
        pd.Series(listed, index=index, name="indicators_used", dtype="str"),
    )


def contributions(result: CompositeRisk | OlderRisk, code: str) -> pd.DataFrame:
    """How each indicator (or model term) drives one area's risk.

    Parameters
    ----------
    result
        A :class:`CompositeRisk` or an :class:`OlderRisk`.
    code
        The area's code (an index value of the result).

    Returns
    -------
    pandas.DataFrame
        For a composite: one row per indicator used, with ``label``,
        ``value``, ``z``, ``weight`` (normalised), ``weight_in_area`` (rescaled
        over the indicators the area has) and ``contribution`` = z ×
        weight_in_area; the contributions sum to the area's ``risk_score``.
        For the older people's model: ``intercept`` and one row per term, with
        ``label``, ``value`` (the approximated proportion or household size),
        ``coefficient`` and ``contribution`` = coefficient × value (log-odds);
        they sum to ``older_logit``.  Rows are sorted by contribution, largest
        first; missing values stay missing.

    Raises
    ------
    RiskError
        When the code is not an area of the result.
    """
    if code not in result.frame.index:
        raise RiskError(
            f"Area {code!r} is not in this result; it covers {len(result.frame)} areas."
        )
    if isinstance(result, OlderRisk):
        rows = [
            {
                "term": "intercept",
                "label": "Constant",
                "value": 1.0,
                "coefficient": AGE_UK_INTERCEPT,
                "contribution": AGE_UK_INTERCEPT,
            }
        ]
        for name in result.terms:
            value = float(result.inputs.at[code, name])
            rows.append(
                {
                    "term": name,
                    "label": _TERMS[name].label,
                    "value": value,
                    "coefficient": _TERMS[name].estimate,
                    "contribution": _TERMS[name].estimate * value,
                }
            )
        table = pd.DataFrame(rows).set_index("term")
    else:
        z = pd.Series({n: result.frame.at[code, f"z_{n}"] for n in result.used}, dtype=float)
        weights = pd.Series(result.weights, dtype=float)
        in_area = weights.where(z.notna())
        in_area = in_area / in_area.sum() if in_area.notna().any() else in_area
        table = pd.DataFrame(
            {
                "label": [
                    _INDICATORS[n].label if n in _INDICATORS else f"{n[5:]} (user data)"
                    for n in result.used
                ],
                "value": [result.values.at[code, n] for n in result.used],
                "z": z,
                "weight": weights,
                "weight_in_area": in_area,
                "contribution": z * in_area,
            },
            index=pd.Index(result.used, name="indicator"),
        )
    return table.sort_values("contribution", ascending=False, na_position="last")


# --------------------------------------------------------------------------
# Tables for the Method page
# --------------------------------------------------------------------------


def model_table() -> pd.DataFrame:
    """The Age UK model's published terms and how each is used.

    Returns
    -------
    pandas.DataFrame
        Indexed by term (``intercept`` first): ``label``, ``estimate``,
        ``std_error``, ``used``, ``approximations`` (the rules, best first) and
        ``source``.
    """
    rows = [
        {
            "term": "intercept",
            "label": "Constant",
            "estimate": AGE_UK_INTERCEPT,
            "std_error": AGE_UK_INTERCEPT_STD_ERROR,
            "used": True,
            "approximations": "",
            "source": _AGE_UK_SUMMARY,
        }
    ]
    for term in AGE_UK_TERMS:
        alts = _APPROXIMATIONS.get(term.name, ())
        rows.append(
            {
                "term": term.name,
                "label": term.label,
                "estimate": term.estimate,
                "std_error": term.std_error,
                "used": term.in_census,
                "approximations": " | otherwise ".join(a.description for a in alts)
                or "not measured by the Census: left out",
                "source": term.source,
            }
        )
    return pd.DataFrame(rows).set_index("term")


def indicator_table() -> pd.DataFrame:
    """:data:`INDICATORS` as a table, with the default weights normalised.

    Returns
    -------
    pandas.DataFrame
        Indexed by indicator name: ``column``, ``label``, ``direction``,
        ``default_weight`` (points), ``normalised_weight`` and ``rationale``.
    """
    normalised = validate_weights(DEFAULT_WEIGHTS)
    return pd.DataFrame(
        [
            {
                "indicator": i.name,
                "column": i.column,
                "label": i.label,
                "direction": i.direction,
                "default_weight": i.default_weight,
                "normalised_weight": normalised[i.name],
                "rationale": i.rationale,
            }
            for i in INDICATORS
        ]
    ).set_index("indicator")


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------


def _check_frame(frame: object, what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise RiskError(
            f"The {what} must be a table (DataFrame) indexed by area code, not "
            f"{type(frame).__name__}."
        )
    if len(frame) == 0:
        raise RiskError(f"The {what} table has no areas.")
    if not frame.index.is_unique:
        dupes = frame.index[frame.index.duplicated()].unique()[:5]
        raise RiskError(
            f"The {what} table repeats area codes ({', '.join(map(str, dupes))}); each area "
            "must appear once."
        )
    for column in frame.columns:
        if isinstance(column, str) and column.startswith("pct_"):
            x = _numeric(frame[column], column).to_numpy()
            with np.errstate(invalid="ignore"):
                outside = np.flatnonzero((x < 0) | (x > 1 + 1e-9))
            if len(outside):
                first = outside[0]
                raise RiskError(
                    f"Column {column} of the {what} table must hold fractions from 0 to 1, but "
                    f"has {x[first]:g} (area {frame.index[first]}). If it holds "
                    "percentages, divide by 100."
                )
    return frame


def _numeric(series: pd.Series, name: str) -> pd.Series:
    """The column as floats, with ±inf as missing; a clear error for text."""
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        try:
            series = pd.to_numeric(series, errors="raise")
        except (ValueError, TypeError) as exc:
            bad = next(
                (v for v in series if pd.notna(v) and pd.isna(pd.to_numeric(v, errors="coerce"))),
                None,
            )
            raise RiskError(
                f"Column {name} must hold numbers; it has {bad!r}. Fix or remove that value."
            ) from exc
    values = series.to_numpy(dtype=float, na_value=np.nan)
    values = np.where(np.isinf(values), np.nan, values)
    return pd.Series(values, index=series.index, name=series.name)


def _rank_desc(score: pd.Series) -> pd.Series:
    """1 = highest; ties in order of appearance; missing scores have no rank."""
    return score.rank(ascending=False, method="first").astype("Int64")


def _decile(rank: pd.Series, n: int) -> pd.Series:
    """Decile 1 = the first (highest-risk) 10% of ``n`` ranked areas."""
    if n <= 0:
        return rank.astype("Int64")
    return ((rank - 1) * 10 // n + 1).astype("Int64")


def _national_rank(score: pd.Series, ref_score: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rank (1 + reference areas scoring higher) and decile within the reference."""
    ref = np.sort(ref_score.dropna().to_numpy(dtype=float))
    n = len(ref)
    values = score.to_numpy(dtype=float)
    higher = n - np.searchsorted(ref, values, side="right")
    rank = pd.Series(higher + 1, index=score.index, dtype="Int64").mask(score.isna())
    if n == 0:
        decile = pd.Series(pd.NA, index=score.index, dtype="Int64")
    else:
        decile = ((rank - 1) * 10 // n + 1).clip(upper=10).astype("Int64")
    return rank, decile
