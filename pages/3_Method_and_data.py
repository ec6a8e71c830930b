"""Method and data: models, formulas, indicators and weights, sources and limitations.

The text of each tab is the method write-up of :mod:`geo.method`, the same the
HTML report's appendix prints, with the figures of the analysis on screen.
"""

from __future__ import annotations

import streamlit as st

from ui import cache, common, config, method_view, params

common.setup("Method and data", icon="📖")
common.demo_banner()

choice = params.current()
chosen = choice.parameters
buffer_m = config.settings().region_buffer_m
st.title("Method and data")
st.caption(
    "How Belonging Atlas measures loneliness risk, access to community places and the gaps "
    "between them — and where every number comes from."
)

tabs = st.tabs(
    [
        "Loneliness risk",
        "Access",
        "Gaps and hot spots",
        "Community places",
        "Sources and licences",
        "Limitations",
        "Glossary",
    ]
)
tab_risk, tab_access, tab_gaps, tab_places, tab_sources, tab_limits, tab_glossary = tabs

with tab_risk:
    method_view.show("risk", chosen, buffer_m=buffer_m)
    if chosen.weights is not None:
        st.markdown("#### Your weights")
        st.caption("The shares of the weights chosen under *Risk weights* on the map page.")
        method_view.table(method_view.your_weights(chosen.weights))

with tab_access:
    method_view.show("provision", chosen, buffer_m=buffer_m)

with tab_gaps:
    method_view.show("gaps", chosen, buffer_m=buffer_m)

with tab_places:
    st.markdown(
        "Community places come from OpenStreetMap and public registers (libraries, places of "
        "worship, food banks, warm spaces), and from your own uploads. A place matching "
        "several categories takes the first in this table; private, disused or abandoned "
        "places are left out."
    )
    method_view.table(method_view.taxonomy())

with tab_sources:
    method_view.show("sources", chosen, buffer_m=buffer_m)
    with (
        st.expander("Where to find each dataset online"),
        common.guard("reading the list of datasets"),
    ):
        st.markdown("\n".join(method_view.links(config.settings_key()[0])))
    region = cache.region(choice.area)
    if region is not None:
        st.markdown(f"#### Used for {common.md_escape(region.name)}")
        result = cache.analysis(choice)
        records = result.provenance if result is not None else region.provenance
        method_view.table(method_view.provenance(records))
        for item in region.unavailable:
            st.caption(
                f"Not available for this area: {common.md_escape(item.title)} — "
                f"{common.md_escape(item.reason)}."
            )
        common.attribution(records, tiles=config.tiles() is not None)

with tab_limits:
    method_view.show("limitations", chosen, buffer_m=buffer_m)

with tab_glossary:
    method_view.glossary()
