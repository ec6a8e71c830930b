"""Belonging Atlas — the map explorer.

Run with ``make run``. Opens on Manchester (E08000003); pick any English
local authority in the sidebar.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import maps
from geo.provenance import attributions, provenance_table
from geo.sources.taxonomy import CATEGORIES
from ui import state

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
st.set_page_config(page_title="Belonging Atlas", page_icon="🗺️", layout="wide")

st.title("Belonging Atlas")
st.caption(
    "Where loneliness risk is high and the community spaces that protect against it are "
    "thin — from official small-area data and open maps of community places."
)

authorities = state.authorities()
if authorities is None:
    st.stop()

names = list(authorities["lad_name"])
codes = list(authorities["lad_code"])
default = codes.index(state.DEFAULT_AREA) if state.DEFAULT_AREA in codes else 0
with st.sidebar:
    st.header("Area")
    choice = st.selectbox(
        "Local authority",
        options=range(len(codes)),
        index=default,
        format_func=lambda i: f"{names[i]} ({codes[i]})",
        help="Type to search by name or code.",
    )
area_code = codes[choice]

region = state.region(area_code)
if region is None:
    st.stop()

areas = region.areas
assets = region.assets
inside = assets[assets["in_region"]] if len(assets) else assets

cols = st.columns(4)
cols[0].metric("Small areas (LSOA 2021)", f"{len(areas):,}")
if "population" in areas:
    cols[1].metric("Residents (Census 2021)", f"{int(areas['population'].sum()):,}")
cols[2].metric("Community places in the area", f"{len(inside):,}")
if "imd_decile" in areas:
    most = int((areas["imd_decile"] <= 2).sum())
    cols[3].metric("Areas in England's most deprived 20%", f"{most:,}")

labels = {c.key: c.label for c in CATEGORIES}
colours = {c.key: c.colour for c in CATEGORIES}

props = pd.DataFrame(
    {
        "name": areas["lsoa21nm"],
        "code": areas.index,
        "ward": areas.get("ward_name"),
        "imd_decile": areas.get("imd_decile"),
        "population": areas.get("population"),
        "colour": maps.decile_colour(areas["imd_decile"])
        if "imd_decile" in areas
        else maps.NO_DATA,
    },
    index=areas.index,
)
geojson = maps.simplified_geojson(areas, props)
m = maps.base_map(region.bounds_wgs84, tiles=state.tiles(), static_url=state.STATIC_URL)
maps.choropleth_layer(
    geojson,
    colour_property="colour",
    name="Deprivation (IMD 2025 decile)",
    tooltip_fields=["name", "code", "ward", "imd_decile", "population"],
    tooltip_aliases=["Area", "Code", "Ward", "IMD decile (1 = most deprived)", "Residents"],
    m=m,
)
maps.asset_layer(assets, colours=colours, labels=labels, m=m)
maps.layer_control(m)

map_col, legend_col = st.columns([4, 1])
with map_col:
    st_folium(m, height=620, use_container_width=True, returned_objects=[], key=f"map-{area_code}")
with legend_col:
    st.markdown(
        maps.legend_html(
            "IMD 2025 decile",
            [
                (c, f"{i}{' most deprived' if i == 1 else ' least deprived' if i == 10 else ''}")
                for i, c in enumerate(maps.DECILE_COLOURS, start=1)
            ],
        ),
        unsafe_allow_html=True,
    )
    if len(inside):
        counts = inside["category"].value_counts()
        st.markdown(
            maps.legend_html(
                "Community places",
                [(colours.get(k, "#444"), f"{labels.get(k, k)} ({n})") for k, n in counts.items()],
            ),
            unsafe_allow_html=True,
        )

tab_sources, tab_notes, tab_areas = st.tabs(["Sources", "Notes", "Areas"])
with tab_sources:
    st.dataframe(provenance_table(region.provenance), hide_index=True, use_container_width=True)
with tab_notes:
    for item in region.unavailable:
        st.warning(f"{item.title}: {item.reason}")
    for note in region.notes:
        st.info(note)
with tab_areas:
    shown = [
        c for c in ("lsoa21nm", "ward_name", "population", "imd_score", "imd_decile") if c in areas
    ]
    st.dataframe(pd.DataFrame(areas[shown]), use_container_width=True)

st.caption(" · ".join(attributions(region.provenance)))
