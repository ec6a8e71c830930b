"""Belonging Atlas — the map explorer.

Run with ``make run``. Opens on Manchester (E08000003), or on the built-in demo
(Rutland) when there is no data folder and no internet; pick any English
local authority in the sidebar.  The page is thin: it reads the widgets,
asks :mod:`ui.cache` for the cached analysis, and renders.
"""

from __future__ import annotations

import streamlit as st

from ui import (
    cache,
    common,
    config,
    controls,
    coverage_view,
    mapview,
    panel,
    params,
    plan,
    search,
    session,
    share,
)

common.setup("Map explorer")
common.demo_banner()

st.markdown(
    "#### Belonging Atlas · "
    '<span style="font-weight:400;font-size:0.95rem;color:#555">where people are most at '
    "risk of loneliness, and where the community places that protect against it are "
    "missing — England's small areas (LSOA 2021)</span>",
    unsafe_allow_html=True,
)

authorities = cache.authorities()
if authorities is None:
    st.stop()
share.read_once(set(authorities["lad_code"]))

with st.sidebar:
    area = controls.area_picker(authorities)
    region = cache.region(area)
    if region is None:
        st.stop()
    choice, view = controls.analysis_controls(region, area)

result = cache.analysis(choice)
if result is None:
    st.info("Change the settings in the sidebar, or reset the risk weights, to try again.")
    st.stop()
params.remember(choice)
key = cache.analysis_key(choice)
before = result
result, shown_key, _plan = plan.active(before, key, choice.area)

added = session.uploads()
if added:
    st.caption(
        f"Includes {sum(len(u.frame) for u in added):,} community places you uploaded "
        f"({', '.join(common.md_escape(u.name) for u in added)}), in this session only. "
        "Manage them on *Upload data*."
    )

# --- the map and its side panel
layer_row = st.columns([3.2, 1.3, 1.3, 1.0], vertical_alignment="bottom")
view = controls.layer_controls(result, view, layer_row[:3])
with layer_row[3]:
    plan.toggle()

geoms = cache.geometries(choice.area, key[1])
map_key = f"map-{choice.area}"
clicked = mapview.clicked_area(st.session_state.get(map_key), geoms, seen_key="seen_click")
if clicked:
    st.session_state[params.SELECTED] = clicked
selected = st.session_state.get(params.SELECTED)
if selected not in result.areas.index:
    selected = None

map_col, side_col = st.columns(mapview.MAP_SPLIT, gap="small")
with map_col, common.guard("drawing the map"):
    out = mapview.render(
        result,
        shown_key,
        view,
        selected=selected,
        extra=[*plan.map_layers(before, choice.area), *search.map_layers()],
        clicks=plan.is_on(),
    )
    plan.remember_click(out)
    st.caption(
        common.md_escape(mapview.classes(result, view).note)
        + " Hover an area or a place for its figures; click an area for the details."
    )
    coverage_view.notice(result)
with side_col:
    search.finder(result)
    search.near_here(result)
    selected = st.session_state.get(params.SELECTED)
    if selected in result.areas.index:
        with common.guard("describing this area"):
            panel.render(result, choice, str(selected))
    else:
        controls.priority_shortcuts(result)

common.headline(result)
share.write(
    area=choice.area,
    layer=view.layer,
    model=choice.parameters.model,
    selected=str(selected) if selected in result.areas.index else None,
)
plan.section(before, key, choice.area)

common.footer_note()
for note in result.region.unavailable:
    st.caption(f"Not available here: {note.title} — {note.reason}.")
common.attribution(result.provenance, tiles=config.tiles() is not None)
