"""Upload a study-area boundary: the LSOAs inside it replace the area picked on the map."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.region import Region
from geo.userdata import region_from_boundary
from ui import common, config, session
from ui.uploads import reading, steps


def show(region: Region) -> None:
    """Upload a polygon and use the LSOAs inside it as the study area."""
    chosen = steps.choose_file(
        "boundary",
        accepted="A GeoJSON, GeoPackage, KML/KMZ or zipped shapefile with one or more polygons "
        "(they are merged). The study area is every LSOA 2021 whose population-weighted centre "
        "lies inside it; it can span several local authorities.",
        label="Study-area boundary",
        key="upload_file_boundary",
        empty="Choose a boundary file to begin.",
        default_name="boundary",
    )
    if chosen is None:
        return
    data, name, fid = chosen
    try:
        with st.spinner("Reading the boundary…"):
            result = reading.read_boundary(data, name)
    except Exception as exc:
        steps.fail(exc, "a boundary")
        return
    st.subheader("2. What we found", divider="gray")
    common.safe_table(reading.detected_table(result).set_index("What"))
    for note in result.notes:
        st.caption(common.md_escape(note))
    if len(result.rejections):
        with st.expander(f"Features not used, with the reason ({len(result.rejections):,})"):
            st.dataframe(reading.rejections_table(result), hide_index=True, width="stretch")
    if result.frame is None or len(result.frame) == 0:
        st.warning("This file has no polygon that can be used.")
        return
    polygon = result.frame.geometry.iat[0]
    label = st.text_input(
        "Name of the study area",
        value=name.rsplit(".", 1)[0].replace("_", " ")[:60] or "Custom study area",
        key=f"study-name-{fid}",
    )
    cache = st.session_state.setdefault("study_candidates", {})
    candidate = cache.get(fid)
    if candidate is None or candidate.name != label:
        try:
            with st.spinner("Finding the LSOAs inside the boundary…"):
                candidate = region_from_boundary(polygon, settings=config.settings(), name=label)
        except Exception as exc:
            steps.fail(exc, "a boundary")
            return
        cache.clear()  # keep one candidate: regions are large
        cache[fid] = candidate
    st.subheader("3. The study area", divider="gray")
    st.metric("LSOAs inside the boundary", f"{len(candidate.areas):,}")
    with common.guard("drawing the map"):
        m = reading.boundary_map(candidate, polygon, config.tiles(), config.STATIC_URL)
        st_folium(m, height=360, returned_objects=[], key=f"study-folium-{fid}")
    st.caption("Blue: the LSOAs counted in the study area. Line: the uploaded boundary.")
    if st.button("Use as study area", type="primary", key=f"use-study-{fid}"):
        session.use_study_area(label, candidate, identity=f"{fid}:{label}")
        st.session_state["upload_flash"] = (
            f"The map, the gaps and the report now cover {common.md_escape(label)} "
            f"({len(candidate.areas):,} LSOAs). Remove it above to go back to the local "
            "authority."
        )
        st.rerun()
