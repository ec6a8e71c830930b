"""Upload an indicator table: values by area, mapped on their own or weighted into the index."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.region import Region
from geo.uploads import UploadResult
from geo.userdata import user_column
from ui import common, config, params, session
from ui.uploads import reading, steps


def show(region: Region, choice: params.Choice) -> None:
    """Upload a table of values by area: map a column, or weigh it into the risk index."""
    upload = steps.choose_file(
        "indicators",
        accepted="A CSV, TSV or Excel table with one row per area: LSOA 2021 or 2011 codes "
        "(2011 codes are carried to 2021 with the ONS lookup), MSOA, ward or local-authority "
        "codes, or one row per record with a postcode (counted by LSOA; fewer than 5 are "
        "suppressed).",
        label=f"Indicator table for {region.name}",
        key="upload_file_indicators",
        empty="Choose a table to begin.",
        default_name="indicators",
    )
    if upload is None:
        return
    data, name, fid = upload
    options = st.session_state.setdefault("upload_options", {}).setdefault(f"ind-{fid}", {})
    try:
        with st.spinner("Reading the table…"):
            result = reading.read_indicators(
                data, name, region, config.settings(), mapping=options.get("mapping")
            )
    except Exception as exc:
        steps.fail(exc, "a table")
        return

    _found(result)
    st.subheader("3. Rows", divider="gray")
    steps.rows(result, loaded="Areas with values")

    columns = reading.value_columns(result)
    if not columns:
        st.warning("No value in this table can be used: see the rows not loaded above.")
        return
    st.subheader("4. Choose the values", divider="gray")
    chosen = st.multiselect(
        "Value columns to add", options=columns, default=columns, key=f"ind-cols-{fid}"
    )
    with st.expander(f"Values by area ({len(result.frame):,})"):
        st.dataframe(reading.indicator_preview(result, region), hide_index=True)
    if not chosen:
        st.info("Choose at least one value column.")
        return

    _map_one(region, result, chosen, fid)
    weights = _weights(chosen, fid)
    if choice.parameters.model != "all-ages" and any(weights.values()):
        st.caption("Weights only count with the all-ages risk model (chosen on the map page).")
    _add(result, name, fid, chosen, weights)


def _found(result: UploadResult) -> None:
    """Step 2: what the table was read as."""
    st.subheader("2. What we found", divider="gray")
    common.safe_table(reading.detected_table(result).set_index("What"))
    guesses = dict(result.detected.guesses)
    if guesses.get("code"):
        st.caption(
            f"Area codes read from column **{common.md_escape(str(guesses['code']))}** "
            f"({common.md_escape(str(guesses.get('key type') or 'codes'))})."
        )
    for note in result.notes:
        st.caption(common.md_escape(note))


def _map_one(region: Region, result: UploadResult, chosen: list[str], fid: str) -> None:
    """One chosen column on a map of the area."""
    shown = st.selectbox("Map one column", options=chosen, key=f"ind-map-{fid}")
    with common.guard("drawing the map"):
        m = reading.indicator_map(
            region, result.frame[shown], str(shown), config.tiles(), config.STATIC_URL
        )
        st_folium(m, height=360, returned_objects=[], key=f"ind-folium-{fid}")
    st.caption("Darker areas have higher values (fifths of the areas with a value).")


def _weights(chosen: list[str], fid: str) -> dict[str, float]:
    """A weight in the risk index per chosen column (0: mapped only)."""
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
                max_value=reading.MAX_WEIGHT,
                value=0,
                key=f"ind-w-{fid}-{user_column(str(column))}",
            )
        )
    return weights


def _add(
    result: UploadResult, name: str, fid: str, chosen: list[str], weights: dict[str, float]
) -> None:
    """The button that adds the chosen columns (and their weights) to the analysis."""
    if not st.button("Add to the analysis", type="primary", key=f"add-ind-{fid}"):
        return
    try:
        item = session.add_indicators(
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
