"""The Upload page's steps for indicator tables and study-area boundaries.

Both keep what the user adds in ``st.session_state`` (see :mod:`ui.state`);
a file that cannot be used gets a message and nothing already added changes.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from geo.errors import AtlasError
from geo.region import Region
from geo.userdata import region_from_boundary, user_column
from ui import common, params, state, upload_view


def _fail(exc: Exception | None, what: str) -> None:
    """Show why a file cannot be used, say nothing added is lost, and stop the page."""
    if isinstance(exc, AtlasError):
        st.error(f"This file cannot be used: {common.md_escape(exc)}")
    else:
        common.log.exception("unexpected error reading an upload")
        st.error(
            f"This file could not be read as {what}. Check that it is one of the accepted "
            "kinds, or save it again."
        )
    if state.uploads() or state.indicator_uploads() or state.study_area():
        st.caption("What you added before is still in the analysis.")
    st.stop()


def _rows(result: Any, *, loaded: str) -> None:
    counts = upload_view.summary(result)
    m = st.columns(4)
    m[0].metric("Rows in the file", f"{counts['rows']:,}")
    m[1].metric(loaded, f"{counts['loaded']:,}")
    m[2].metric("Rows with a problem", f"{counts['rejected']:,}")
    m[3].metric("Outside the area", f"{counts['outside']:,}")
    if len(result.rejections):
        with st.expander(
            f"Rows not loaded, with the reason ({len(result.rejections):,})",
            expanded=counts["loaded"] == 0,
        ):
            st.dataframe(upload_view.rejections_table(result), hide_index=True, width="stretch")


def indicators(region: Region, choice: params.Choice) -> None:
    """Upload a table of values by area: map a column, or weigh it into the risk index."""
    st.caption(
        "A CSV, TSV or Excel table with one row per area: LSOA 2021 or 2011 codes (2011 codes "
        "are carried to 2021 with the ONS lookup), MSOA, ward or local-authority codes, or one "
        "row per record with a postcode (counted by LSOA; fewer than 5 are suppressed)."
    )
    upload = st.file_uploader(
        f"Indicator table for {region.name}",
        type=upload_view.KIND_TYPES["indicators"],
        key="upload_file_indicators",
    )
    if upload is None:
        st.info("Choose a table to begin.")
        return
    data = upload.getvalue()
    name = upload.name or "indicators"
    fid = upload_view.fingerprint(data, name)
    options = st.session_state.setdefault("upload_options", {}).setdefault(f"ind-{fid}", {})
    try:
        with st.spinner("Reading the table…"):
            result = upload_view.read_indicators(
                data, name, region, state.settings(), mapping=options.get("mapping")
            )
    except Exception as exc:
        _fail(exc, "a table")
        return

    st.subheader("2. What we found", divider="gray")
    common.safe_table(upload_view.detected_table(result).set_index("What"))
    guesses = dict(result.detected.guesses)
    if guesses.get("code"):
        st.caption(
            f"Area codes read from column **{common.md_escape(str(guesses['code']))}** "
            f"({common.md_escape(str(guesses.get('key type') or 'codes'))})."
        )
    for note in result.notes:
        st.caption(common.md_escape(note))

    st.subheader("3. Rows", divider="gray")
    _rows(result, loaded="Areas with values")

    columns = upload_view.value_columns(result)
    if not columns:
        st.warning("No value in this table can be used: see the rows not loaded above.")
        return
    st.subheader("4. Choose the values", divider="gray")
    chosen = st.multiselect(
        "Value columns to add", options=columns, default=columns, key=f"ind-cols-{fid}"
    )
    with st.expander(f"Values by area ({len(result.frame):,})"):
        st.dataframe(upload_view.indicator_preview(result, region), hide_index=True)
    if not chosen:
        st.info("Choose at least one value column.")
        return

    shown = st.selectbox("Map one column", options=chosen, key=f"ind-map-{fid}")
    with common.guard("drawing the map"):
        m = upload_view.indicator_map(
            region, result.frame[shown], str(shown), state.tiles(), state.STATIC_URL
        )
        st_folium(m, height=360, returned_objects=[], key=f"ind-folium-{fid}")
    st.caption("Darker areas have higher values (fifths of the areas with a value).")

    st.markdown(
        "**Add to the loneliness risk index?** A weight above 0 adds the column to the all-ages "
        "risk index (higher values mean higher risk; the built-in indicators weigh 1 to 3). "
        "Leave 0 to map it only."
    )
    weights: dict[str, float] = {}
    grid = st.columns(min(3, len(chosen)))
    for i, column in enumerate(chosen):
        weights[column] = float(
            grid[i % 3].slider(
                common.md_escape(column),
                min_value=0,
                max_value=upload_view.MAX_WEIGHT,
                value=0,
                key=f"ind-w-{fid}-{user_column(str(column))}",
            )
        )
    if choice.parameters.model != "all-ages" and any(weights.values()):
        st.caption("Weights only count with the all-ages risk model (chosen on the map page).")
    if st.button("Add to the analysis", type="primary", key=f"add-ind-{fid}"):
        try:
            item = state.add_indicators(
                name,
                result.frame[list(chosen)],
                rows_in=result.rows_in,
                identity=f"{fid}:{sorted(chosen)}",
                weights=weights,
            )
        except Exception:
            common.log.exception("could not add an indicator upload")
            st.error("These values could not be added. Nothing already added has changed.")
            return
        weighted = [c for c, w in item.weights.items() if w > 0]
        st.session_state["upload_flash"] = (
            f"Added {len(item.frame.columns)} indicator column(s) from "
            f"{common.md_escape(name)} for {len(item.frame):,} areas"
            + (
                f"; {', '.join(common.md_escape(c) for c in weighted)} now count in the risk index."
                if weighted
                else "."
            )
        )
        st.rerun()


def boundary(region: Region) -> None:
    """Upload a polygon and use the LSOAs inside it as the study area."""
    st.caption(
        "A GeoJSON, GeoPackage, KML/KMZ or zipped shapefile with one or more polygons (they "
        "are merged). The study area is every LSOA 2021 whose population-weighted centre lies "
        "inside it; it can span several local authorities."
    )
    upload = st.file_uploader(
        "Study-area boundary",
        type=upload_view.KIND_TYPES["boundary"],
        key="upload_file_boundary",
    )
    if upload is None:
        st.info("Choose a boundary file to begin.")
        return
    data = upload.getvalue()
    name = upload.name or "boundary"
    fid = upload_view.fingerprint(data, name)
    try:
        with st.spinner("Reading the boundary…"):
            result = upload_view.read_boundary(data, name)
    except Exception as exc:
        _fail(exc, "a boundary")
        return
    st.subheader("2. What we found", divider="gray")
    common.safe_table(upload_view.detected_table(result).set_index("What"))
    for note in result.notes:
        st.caption(common.md_escape(note))
    if len(result.rejections):
        with st.expander(f"Features not used, with the reason ({len(result.rejections):,})"):
            st.dataframe(upload_view.rejections_table(result), hide_index=True, width="stretch")
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
                candidate = region_from_boundary(polygon, settings=state.settings(), name=label)
        except Exception as exc:
            _fail(exc, "a boundary")
            return
        cache.clear()  # keep one candidate: regions are large
        cache[fid] = candidate
    st.subheader("3. The study area", divider="gray")
    st.metric("LSOAs inside the boundary", f"{len(candidate.areas):,}")
    with common.guard("drawing the map"):
        m = upload_view.boundary_map(candidate, polygon, state.tiles(), state.STATIC_URL)
        st_folium(m, height=360, returned_objects=[], key=f"study-folium-{fid}")
    st.caption("Blue: the LSOAs counted in the study area. Line: the uploaded boundary.")
    if st.button("Use as study area", type="primary", key=f"use-study-{fid}"):
        state.use_study_area(label, candidate, identity=f"{fid}:{label}")
        st.session_state["upload_flash"] = (
            f"The map, the gaps and the report now cover {common.md_escape(label)} "
            f"({len(candidate.areas):,} LSOAs). Remove it above to go back to the local "
            "authority."
        )
        st.rerun()
