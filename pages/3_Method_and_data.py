"""Method and data: models, formulas, indicators and weights, sources and limitations."""

from __future__ import annotations

import streamlit as st

from geo.gaps import PRIORITY_CLASS
from ui import cache, common, config, method_view, params

common.setup("Method and data", icon="📖")
common.demo_banner()

choice = params.current()
chosen = choice.parameters
st.title("Method and data")
st.caption(
    "How Belonging Atlas measures loneliness risk, access to community places and the gaps "
    "between them — and where every number comes from."
)

tab_risk, tab_access, tab_gaps, tab_places, tab_sources, tab_limits = st.tabs(
    [
        "Loneliness risk",
        "Access",
        "Gaps and hot spots",
        "Community places",
        "Sources and licences",
        "Limitations",
    ]
)

with tab_risk:
    st.markdown(
        "Loneliness is a feeling, and no official statistic measures it for small areas. "
        "The atlas estimates **risk** from the characteristics that national surveys link to "
        "loneliness, measured for every LSOA 2021 by the Census 2021 and the English Indices "
        "of Deprivation. There are two models; choose one on the map page."
    )
    st.markdown("#### All ages: a transparent composite index")
    st.markdown(
        "Each indicator is compared with England as a z-score, capped at ±3 so one extreme "
        "value cannot dominate; the score is the weighted mean of the z-scores an area has "
        "(a missing value is never counted as average)."
    )
    st.latex(
        r"z_{ik} = \operatorname{clip}\!\left(\frac{x_{ik} - \bar{x}_k^{\mathrm{England}}}"
        r"{s_k^{\mathrm{England}}},\,-3,\,3\right), \qquad "
        r"\text{risk}_i = \frac{\sum_{k} w_k\, z_{ik}}{\sum_{k} w_k}"
    )
    st.markdown(
        "0 is the England average; +1 is one standard deviation above it. Ranks and deciles "
        "are given within the area and within England (decile 1 = the 10% most at risk)."
    )
    st.table(method_view.indicators(chosen.weights).set_index("Indicator"))
    st.caption(
        "Weights are a stated judgement, not estimates; change them under *Risk weights* on "
        "the map page. Deprivation is deliberately one small indicator: its link with "
        "loneliness largely disappears once health, widowhood and living alone are known."
    )
    st.markdown("#### People aged 65+: the Age UK model")
    st.markdown(
        "Age UK's logistic model of being *often lonely* (English Longitudinal Study of "
        "Ageing, wave 5) applied to each area's Census profile of people aged 65+:"
    )
    st.latex(
        r"\operatorname{logit}(p_i) = \beta_0 + \sum_k \beta_k\, x_{ik}, \qquad "
        r"p_i = \frac{1}{1 + e^{-\operatorname{logit}(p_i)}}, \qquad "
        r"\text{expected lonely}_i = p_i \times \text{residents } 65{+}_i"
    )
    st.markdown(
        "The map shows the relative risk p ÷ p(England). Terms the Census does not measure "
        "(pets, eye conditions, difficulties with daily activities) are left out, as in Age "
        "UK's own heat maps, so p understates the true level: use it to compare areas."
    )
    st.table(method_view.older_model().set_index("Term"))

with tab_access:
    st.markdown(
        "Access is measured from each area's **population-weighted centre** to every counted "
        "community place, in straight lines on the British National Grid. Places up to "
        f"{config.settings().region_buffer_m / 1000:g} km outside the area count too: people "
        "near a border use them."
    )
    st.markdown(
        f"- **Nearest place** and **walking minutes** = distance ÷ speed "
        f"(now {chosen.speed_m_s:g} m/s; about 1 m/s suits older adults).\n"
        f"- **Counts** of places within "
        f"{', '.join(f'{t:,} m' for t in chosen.thresholds)}.\n"
        f"- **E2SFCA** (enhanced two-step floating catchment area, Luo & Qi 2009) within "
        f"{chosen.catchment_m:,.0f} m with Gaussian distance decay: places per 1,000 residents, "
        "each place's capacity shared among everyone who can reach it."
    )
    st.latex(
        r"R_j = \frac{S_j}{\sum_{k:\,d_{kj} \le d_0} P_k\, W(d_{kj})}, \qquad "
        r"A_i = 1000 \sum_{j:\,d_{ij} \le d_0} R_j\, W(d_{ij}), \qquad "
        r"W(d) = e^{-d^2 / 2\sigma^2},\ \sigma = d_0 / 2"
    )
    st.caption(
        "S is a place's supply (1 each unless a capacity is known), P an area's residents, "
        "d0 the catchment. Checked against PySAL's access package."
    )

with tab_gaps:
    st.markdown(
        "Areas are split into thirds **within the chosen area** by risk and by access (E2SFCA "
        "for the categories counted). The nine combinations are the map's bivariate classes. "
        f"Class **{PRIORITY_CLASS}** — the top third for risk and the bottom third for "
        "access — is a **priority gap**."
    )
    st.latex(
        r"\text{gap score}_i = \tfrac{1}{2}\left(p^{\text{risk}}_i + "
        r"\left(1 - p^{\text{access}}_i\right)\right)"
    )
    st.markdown(
        "where p is the area's percentile rank (0–1) within the area. Priority rank 1 is the "
        "largest gap score (ties go to the area with more residents). **Hot spots** are "
        "clusters of high gap scores: Local Moran's I on queen contiguity with 999 "
        "permutations and a Benjamini–Hochberg false discovery rate of 5%."
    )
    st.table(method_view.gap_classes().set_index("Class"))

with tab_places:
    st.markdown(
        "Community places come from OpenStreetMap and public registers (libraries, places of "
        "worship, food banks, warm spaces), and from your own uploads. A place matching "
        "several categories takes the first in this table; private, disused or abandoned "
        "places are left out."
    )
    st.table(method_view.taxonomy().set_index("Category"))

with tab_sources:
    st.markdown("#### The datasets the atlas uses")
    with common.guard("reading the list of datasets"):
        registry = method_view.registry(config.settings_key()[0])
    st.dataframe(
        registry,
        hide_index=True,
        width="stretch",
        height=38 + 35 * len(registry),
        column_config={
            "Dataset": st.column_config.TextColumn(width="medium"),
            "Licence text": st.column_config.LinkColumn(display_text="licence"),
            "Official source": st.column_config.LinkColumn(width="medium"),
        },
    )
    region = cache.region(choice.area)
    if region is not None:
        st.markdown(f"#### Used for {region.name}")
        result = cache.analysis(choice)
        records = result.provenance if result is not None else region.provenance
        used = method_view.provenance(records)
        st.dataframe(
            used,
            hide_index=True,
            width="stretch",
            height=38 + 35 * len(used),
            column_config={
                "Dataset": st.column_config.TextColumn(width="medium"),
                "Rows": st.column_config.NumberColumn(format="localized"),
            },
        )
        for item in region.unavailable:
            st.caption(f"Not available for this area: {item.title} — {item.reason}.")
        common.attribution(records, tiles=config.tiles() is not None)

with tab_limits:
    st.markdown(
        """
- **These are risks, not counts of lonely people.** Both models estimate how common the
  circumstances linked to loneliness are in an area. They cannot say who is lonely, and they
  miss things that matter a great deal, such as the quality of relationships.
- **Area figures describe areas, not people.** A high share of people living alone and a high
  share in poor health do not mean the same people have both (the *ecological fallacy*).
- **The older people's model is old and partial.** Its coefficients come from 2010–12; four
  factors explain about a fifth of loneliness in later life; care-home residents were not
  surveyed.
- **Community places are what the data lists.** OpenStreetMap and registers miss places and
  keep some that have closed; a place's existence says nothing about what it offers, when it
  is open, or whether people feel welcome there. Add your own list on *Upload data*.
- **Distances are straight lines.** Real walks are longer, and rivers, railways and busy roads
  can cut people off from a place that looks close.
- **Gaps are relative.** Thirds, percentiles and hot spots compare areas within the chosen
  area, so every area has priority gaps, even one well served overall.
- **Small numbers.** An LSOA has about 1,500 residents; Census figures are lightly perturbed
  to protect privacy, and expected counts for one area are approximate.

Use the atlas to decide where to look and whom to ask — then check with people who know
the place.
"""
    )
