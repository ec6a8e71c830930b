"""The words the atlas uses, each with its label and one plain sentence.

Every label a person reads — map legends and tooltips, the area panel, the
sliders and their help, the risk chart, the report's glossary and the Method
page's — comes from :data:`TERMS`, so a term is named the same way everywhere
and explained once.  Look a term up with :func:`label` and :func:`definition`;
:func:`glossary_markdown` and :func:`glossary_html` write the whole glossary.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

__all__ = [
    "GROUPS",
    "TERMS",
    "Term",
    "definition",
    "glossary_html",
    "glossary_markdown",
    "groups",
    "help_text",
    "label",
    "term",
]


@dataclass(frozen=True)
class Term:
    """One word or phrase of the atlas.

    Attributes
    ----------
    key
        Stable identifier (an indicator's or a layer's name, ``"risk_decile"``).
    label
        What the app, maps and report call it.
    definition
        One plain sentence saying what it means.
    group
        The glossary section it is listed under (a key of :data:`GROUPS`).
    """

    key: str
    label: str
    definition: str
    group: str


#: The glossary's sections, in reading order.
GROUPS: dict[str, str] = {
    "risk": "Loneliness risk",
    "model": "Risk models",
    "indicator": "Risk indicators and model terms",
    "access": "Access to community places",
    "gap": "Gaps and priorities",
    "lens": "Lenses: what makes a gap",
    "layer": "Map layers",
    "setting": "Settings",
}


def _t(group: str, key: str, label: str, text: str) -> Term:
    return Term(key, label, text, group)


# fmt: off
TERMS: tuple[Term, ...] = (
    # --- loneliness risk
    _t("risk", "risk_decile", "Risk decile",
       "Where an area's loneliness risk falls among England's small areas, in tenths: "
       "1 is the 10% most at risk, 10 the 10% least."),
    _t("risk", "relative_risk", "Relative risk",
       "An area's predicted share of people often lonely divided by England's: 1.5× means "
       "half as many again as the England average."),
    _t("risk", "risk_score", "Risk score",
       "The all-ages index: the weighted mean of the indicators' distances from England's "
       "average (z-scores), where 0 is average and higher means more at risk."),
    _t("risk", "risk_rank", "Risk rank",
       "An area's place among the small areas of this analysis by risk, 1 being the highest."),
    _t("risk", "rank_range", "Rank range",
       "The 5th to 95th percentile of an area's risk rank when the model's coefficients are "
       "drawn from their uncertainty: a wide range means the rank is not firm."),
    _t("risk", "expected_lonely", "Lonely 65+ (est.)",
       "How many residents aged 65+ the Age UK model expects to be often lonely, calibrated "
       "to 7% of people 65+ in England."),
    _t("risk", "imd_decile", "IMD decile",
       "Where an area falls among England's small areas on the Index of Multiple Deprivation "
       "2025, in tenths: 1 is the 10% most deprived."),
    _t("risk", "small_area", "Small area (LSOA)",
       "A Census 2021 Lower layer Super Output Area, about 1,500 residents: the unit every "
       "figure is given for."),
    # --- risk models
    _t("model", "evidence", "All ages — published evidence (ONS 2018)",
       "Risk at any age from the odds ratios ONS published for living circumstances linked "
       "with loneliness, applied to each area's Census shares."),
    _t("model", "all-ages", "All ages — weighted composite index",
       "Risk at any age as a weighted mix of eleven Census and deprivation indicators, with "
       "weights you can change."),
    _t("model", "older", "People aged 65+ — Age UK model",
       "Risk in later life from Age UK's published model of who is often lonely at 65+, "
       "applied to each area's Census shares."),
    # --- indicators of the all-ages index and terms of the two logistic models
    _t("indicator", "living_alone", "Living alone",
       "Share of households with one person (Census 2021)."),
    _t("indicator", "older_living_alone", "Living alone, 66+",
       "Share of households that are one person aged 66 or over (Census 2021)."),
    _t("indicator", "bad_health", "Bad health",
       "Share of residents in bad or very bad general health (Census 2021)."),
    _t("indicator", "disability", "Disability",
       "Share of residents disabled under the Equality Act (Census 2021)."),
    _t("indicator", "carers", "Unpaid carers",
       "Share of residents who provide unpaid care (Census 2021)."),
    _t("indicator", "widowed", "Widowed",
       "Share of residents aged 16+ who are widowed or a surviving civil partner "
       "(Census 2021)."),
    _t("indicator", "divorced_separated", "Divorced / separated",
       "Share of residents aged 16+ who are divorced, separated or whose civil partnership "
       "was dissolved (Census 2021)."),
    _t("indicator", "renting", "Renting",
       "Share of households renting, socially or privately (Census 2021)."),
    _t("indicator", "young_adults", "Aged 16–24",
       "Share of residents aged 16 to 24 (Census 2021)."),
    _t("indicator", "income_deprivation", "Income deprivation",
       "The English Indices of Deprivation income score: the share of people on low incomes."),
    _t("indicator", "imd", "Deprivation (IMD)",
       "The Index of Multiple Deprivation score, which combines seven domains of "
       "deprivation."),
    _t("indicator", "poor_health", "Poor health",
       "Share of residents aged 65+ in bad or very bad health (Age UK model term)."),
    _t("indicator", "fair_health", "Fair health",
       "Share of residents aged 65+ in fair health (Age UK model term)."),
    _t("indicator", "good_health", "Good health",
       "Share of residents aged 65+ in good health (Age UK model term)."),
    _t("indicator", "household_size", "Household size",
       "Average number of people per household; larger households lower the risk "
       "(Age UK model term)."),
    _t("indicator", "age_75_79", "Aged 75–79",
       "Share of residents aged 65+ who are 75 to 79 (Age UK model term)."),
    _t("indicator", "intercept", "Constant",
       "The model's baseline log-odds, the same for every area."),
    # --- access
    _t("access", "e2sfca", "Places per 1,000 residents (E2SFCA)",
       "Provision per resident: the community places within the catchment per 1,000 people "
       "who can reach them, nearer places counting for more (the enhanced two-step floating "
       "catchment area method)."),
    _t("access", "walk", "Walking minutes to the nearest place",
       "The straight-line distance to the nearest place turned into minutes at the walking "
       "speed set; real routes are longer."),
    _t("access", "nearest_place", "Nearest place",
       "The counted community place closest to an area's population-weighted centre, in a "
       "straight line."),
    _t("access", "any_place", "Any community place",
       "Every kind of place counted that is known across the whole study area."),
    _t("access", "coverage", "Coverage",
       "Where some source lists a kind of place completely; only there can its figures be "
       "measured."),
    _t("access", "not_covered", "Not covered",
       "No source lists this kind of place here, so whether there is one is not known: "
       "its figures are left blank."),
    _t("access", "none_within_reach", "None within reach",
       "Sources cover this kind of place here, and none lies within the catchment."),
    _t("access", "place_outside", "Just outside the area",
       "A place beyond the boundary but near enough to serve residents, so it is counted; "
       "drawn hollow on the map."),
    # --- gaps
    _t("gap", "gap_class", "Gap class",
       "One of nine groups by thirds of risk and thirds of access within this area; high "
       "risk with low access is the priority gap."),
    _t("gap", "gap_score", "Gap score",
       "From 0 to 1: half the area's percentile by risk plus half its percentile by lack of "
       "access, within this area."),
    _t("gap", "gap_rank", "Gap rank",
       "An area's place among all the areas here by gap score, 1 being the largest gap."),
    _t("gap", "priority_area", "Priority gap",
       "An area in the top third by risk that the chosen lens finds poorly served."),
    _t("gap", "robust_priority", "Robust priority",
       "A priority gap in at least 80% of draws from the risk model's uncertainty."),
    _t("gap", "hot_spot", "Hot spot",
       "A cluster of neighbouring areas with large gap scores (Local Moran's I, false "
       "discovery rate 5%)."),
    _t("gap", "cold_spot", "Cold spot",
       "A cluster of neighbouring areas with small gap scores (Local Moran's I, false "
       "discovery rate 5%)."),
    _t("gap", "high_risk", "High risk",
       "In the top third of the areas here by loneliness risk."),
    # --- lenses
    _t("lens", "thin", "Thin provision",
       "A high-risk area is a gap when it has few places for the number of people who can "
       "reach them (E2SFCA)."),
    _t("lens", "far", "Far from any place",
       "A high-risk area is a gap when its nearest counted place is further than the "
       "walking time set."),
    # --- map layers
    _t("layer", "risk", "Loneliness risk",
       "Each area coloured by its risk decile on the chosen model."),
    _t("layer", "access", "Access to places",
       "Each area coloured by its places per 1,000 residents, or by walking minutes to the "
       "nearest place, for any or one kind of place."),
    _t("layer", "gaps", "Gaps: risk × access",
       "Each area coloured by its gap class, darkest for the priority gaps."),
    _t("layer", "deprivation", "Deprivation",
       "Each area coloured by its IMD 2025 decile."),
    _t("layer", "user", "Your data",
       "An indicator table you uploaded this session, in fifths of the areas with a value."),
    # --- settings (sliders and choices)
    _t("setting", "speed", "Walking speed (metres per second)",
       "How fast residents are assumed to walk: about 1.0 m/s suits older adults and "
       "1.3 m/s is a typical adult pace."),
    _t("setting", "thresholds", "Walking distances counted",
       "The distances within which places are counted for every area."),
    _t("setting", "catchment", "E2SFCA catchment",
       "How far residents are assumed to travel to a place, with nearer places counting "
       "for more."),
    _t("setting", "far_minutes", "Far means more than (minutes' walk)",
       "For the far-from-any-place lens: the walking time beyond which the nearest place "
       "counts as far."),
    _t("setting", "weight", "Risk weight",
       "How much one indicator counts in the all-ages index; weights are rescaled to sum "
       "to 100%."),
    _t("setting", "counted", "Community places counted",
       "The kinds of place access and gaps are measured from."),
)
# fmt: on

_BY_KEY: dict[str, Term] = {t.key: t for t in TERMS}


def term(key: str) -> Term:
    """The glossary entry of ``key`` (KeyError, naming the key, when there is none)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"The glossary has no term {key!r}.") from None


def label(key: str) -> str:
    """What the atlas calls ``key``."""
    return term(key).label


def definition(key: str) -> str:
    """The one-sentence meaning of ``key``."""
    return term(key).definition


def help_text(key: str, *more: str) -> str:
    """A widget's help: the term's definition, then any further sentences."""
    return " ".join((definition(key), *more))


def groups() -> Iterator[tuple[str, tuple[Term, ...]]]:
    """Each glossary section's title and its terms, in reading order."""
    for group, title in GROUPS.items():
        yield title, tuple(t for t in TERMS if t.group == group)


def glossary_markdown(*, heading_level: int = 3) -> str:
    """The glossary as Markdown: one heading per section, one bullet per term."""
    marks = "#" * heading_level
    parts: list[str] = []
    for title, terms in groups():
        parts.append(f"{marks} {title}\n")
        parts.extend(f"- **{t.label}**: {t.definition}" for t in terms)
        parts.append("")
    return "\n".join(parts).strip() + "\n"


def glossary_html(*, heading_level: int = 4) -> str:
    """The glossary as HTML (escaped): one heading and one definition list per section."""
    tag = f"h{heading_level}"
    parts = ['<div class="glossary">']
    for title, terms in groups():
        parts.append(f"<{tag}>{escape(title)}</{tag}>")
        parts.append("<dl>")
        for t in terms:
            parts.append(f"<dt>{escape(t.label)}</dt><dd>{escape(t.definition)}</dd>")
        parts.append("</dl>")
    parts.append("</div>")
    return "\n".join(parts)
