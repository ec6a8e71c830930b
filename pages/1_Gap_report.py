"""Gap report: the ranked priority gaps with their reasons, charts, and downloads.

Everything here is built from the analysis on the map page (same area, model,
weights, categories, walking distances and uploads).
"""

from __future__ import annotations

import streamlit as st

from ui import cache, common, config, labels, params, report_view

common.setup("Gap report", icon="📋")
common.demo_banner()

choice = params.current()
if cache.region(choice.area) is None:
    st.stop()
result = cache.analysis(choice)
if result is None:
    st.stop()
key = cache.analysis_key(choice)

st.title(f"Gap report — {result.region.name}")
st.caption(
    params.describe(choice, area_name=result.region.name, category_labels=labels.CATEGORY_LABELS)
)
st.page_link("app.py", label="Change the area or the settings on the map", icon=":material/tune:")

common.headline(result)

st.subheader("Download", divider="gray")
st.caption(
    "Files are built from the analysis above when you click (the PDF takes a few seconds). "
    "Each carries the sources, their licences and the settings used."
)
with common.guard("preparing the downloads"):
    what_if, download_key = report_view.scenario_choice(result, key, choice.area)
    report_view.download_buttons(result, download_key, what_if)

st.subheader("Priority gaps", divider="gray")
with common.guard("ranking the gaps"):
    table, any_priority = report_view.priority_frame(result)
if any_priority:
    st.caption(
        f"{len(table)} areas are in the top third for loneliness risk and the bottom third for "
        "access to community places here, ranked by gap score (ties: more residents first)."
    )
else:
    st.info(
        "No area is both in the top third for risk and the bottom third for access; "
        "these are the largest gap scores."
    )
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "Residents": st.column_config.NumberColumn(format="localized"),
        "Aged 65+": st.column_config.NumberColumn(format="localized"),
        "Places per 1,000 (E2SFCA)": st.column_config.NumberColumn(format="%.2f"),
        "Gap score": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f"),
        "Main risk factors": st.column_config.TextColumn(
            width="medium", help="The indicators that raise this area's risk most"
        ),
        "Nearest community place": st.column_config.TextColumn(width="medium"),
    },
    height=min(38 + 35 * len(table), 560),
)

left, right = st.columns(2, gap="large")
with left:
    st.markdown("**Residents by risk × access class**")
    st.altair_chart(report_view.class_chart(result), width="stretch")
    chart = report_view.asset_chart(result)
    if chart is not None:
        st.markdown("**Community places counted**")
        st.altair_chart(chart, width="stretch")
with right:
    st.markdown("**Largest gap scores**")
    st.altair_chart(report_view.top_scores_chart(result), width="stretch")

st.subheader("Who lives in the gap areas", divider="gray")
with common.guard("comparing groups"):
    equity = report_view.equity_frame(result)
st.caption(
    "Each group's share in the priority gap areas against its share in the whole area; "
    "a ratio above 1 means the group is over-represented where the gaps are."
)
st.dataframe(
    equity,
    hide_index=True,
    width="stretch",
    column_config={
        "In gap areas": st.column_config.NumberColumn(format="localized"),
        "Share in gap areas": st.column_config.NumberColumn(format="%.1f%%"),
        "Share in the whole area": st.column_config.NumberColumn(format="%.1f%%"),
        "Over-represented (ratio)": st.column_config.NumberColumn(format="%.2f"),
    },
)

with st.expander("Notes on this analysis"):
    for note in result.notes:
        st.markdown(f"- {common.md_escape(note)}")
    for note in result.region.notes:
        st.markdown(f"- {common.md_escape(note)}")

common.footer_note()
common.attribution(result.provenance, tiles=config.tiles() is not None)
