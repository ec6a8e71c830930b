"""Upload a file of community places: file → what was found → columns → categories → add.

Each choice the user makes (sheet or layer, column roles, swapped coordinates,
categories) is kept per file in ``st.session_state["upload_options"]`` and the
file is read again with it.  A bad file never removes anything already added.
"""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from geo.errors import AtlasError
from geo.region import Region
from geo.sources.taxonomy import CATEGORY_KEYS
from geo.uploads import UploadResult
from ui import common, config, session
from ui.labels import CATEGORY_LABELS
from ui.uploads import reading, steps


def show(region: Region) -> None:
    """The places flow for ``region``; each step reruns the page with the new choice."""
    chosen = steps.choose_file(
        "places",
        accepted="Accepted: CSV, TSV or Excel (.xlsx) with latitude/longitude, "
        "eastings/northings or postcodes; GeoJSON; GeoPackage; KML/KMZ; a zipped shapefile. "
        "Up to 50 MB.",
        label=f"File of community places in {region.name}",
        key="upload_file",
        empty="Choose a file to begin. Each row needs a place's location (coordinates or a "
        "postcode); a name and a category help.",
        default_name="upload",
        help="Places more than 2 km outside the area are listed but not added.",
    )
    if chosen is None:
        st.page_link("app.py", label="Back to the map", icon=":material/map:")
        return
    data, name, fid = chosen
    options = st.session_state.setdefault("upload_options", {}).setdefault(fid, {})
    with st.spinner("Reading the file…"):
        result = _read(data, name, region, options)
    if result is None:
        return
    _found(result, fid, options)
    _columns(result, fid, options)
    new = _categories(result, fid, options)
    loaded = _rows(result)
    _add(result, name, fid, options, ready=loaded > 0 and not new, new=bool(new))


def _read(data: bytes, name: str, region: Region, options: dict[str, Any]) -> UploadResult | None:
    """The file read with the user's choices so far, or None after saying why it cannot be."""
    try:
        return reading.read(
            data,
            name,
            region,
            config.settings(),
            mapping=options.get("mapping"),
            swap=options.get("swap"),
            layer=options.get("layer"),
        )
    except AtlasError as exc:
        st.error(f"This file cannot be used: {common.md_escape(exc)}")
        if session.uploads():
            st.caption("The places you added before are still in the analysis.")
    except Exception:
        common.log.exception("unexpected error reading an upload")
        st.error(
            "This file could not be read. Check that it is one of the accepted kinds, "
            "or save it again as CSV. The places you added before are unchanged."
        )
    return None


def _found(result: UploadResult, fid: str, options: dict[str, Any]) -> None:
    """Step 2: what was detected, and the sheet or layer to read when there are several."""
    st.subheader("2. What we found", divider="gray")
    common.safe_table(reading.detected_table(result).set_index("What"))
    for note in result.notes:
        st.caption(common.md_escape(note))
    detected = result.detected
    choices = detected.sheets or detected.layers
    if len(choices) > 1:
        layer = st.selectbox(
            "Sheet or layer to read",
            options=list(choices),
            index=list(choices).index(detected.sheet or detected.layer or choices[0]),
            key=f"layer-{fid}",
        )
        if layer != (detected.sheet or detected.layer):
            options["layer"] = layer
            options.pop("mapping", None)
            st.rerun()


def _columns(result: UploadResult, fid: str, options: dict[str, Any]) -> None:
    """Step 3: confirm or change the guessed role of each column; swap coordinates if asked."""
    st.subheader("3. Check the columns", divider="gray")
    columns = list(result.detected.columns)
    guesses = dict(result.detected.guesses)
    if columns:
        st.caption(
            "We guessed which column holds what. Change any guess that is wrong, then apply."
        )
        with st.form(f"mapping-{fid}"):
            picked: dict[str, object] = {}
            grid = st.columns(3)
            for i, (role, label) in enumerate(reading.ROLES.items()):
                guess = guesses.get(role)
                opts = [reading.NONE, *columns]
                picked[role] = grid[i % 3].selectbox(
                    label,
                    options=opts,
                    index=opts.index(guess) if guess in opts else 0,
                    key=f"role-{fid}-{role}",
                )
            picked["address"] = st.multiselect(
                "Address columns (optional)",
                options=columns,
                default=[c for c in (guesses.get("address") or []) if c in columns],
                key=f"role-{fid}-address",
            )
            every = st.selectbox(
                "Or give every row one category",
                options=["", *CATEGORY_KEYS],
                format_func=lambda k: (
                    "(use the category column)" if not k else CATEGORY_LABELS.get(k, k)
                ),
                key=f"every-{fid}",
            )
            if st.form_submit_button("Apply these columns", type="primary"):
                options["mapping"] = reading.mapping_from(
                    picked,
                    category_value=every or None,
                    category_map=options.get("category_map"),
                )
                st.rerun()
    else:
        st.caption("This file's locations come from its geometry; no columns to choose.")
    for suggestion in result.suggestions:
        if suggestion.parameter == "swap_coordinates":
            st.warning(common.md_escape(suggestion.message))
            if st.button("Swap them", key=f"swap-{fid}"):
                options["swap"] = suggestion.value
                st.rerun()


def _categories(result: UploadResult, fid: str, options: dict[str, Any]) -> dict[str, str]:
    """Categories the atlas does not know: the nearest of its own for each, or kept as new."""
    new = reading.unmapped_categories(result)
    if not new:
        return new
    category_map: dict[str, Any] = dict(options.get("category_map") or {})
    st.markdown(
        "**Categories the atlas does not know** — choose the nearest for each, or keep it "
        "as a category of your own (it gets its own colour on the map and is counted in the "
        "gaps like the others):"
    )
    grid = st.columns(3)
    for i, value in enumerate(new):
        own: str = reading.new_category(value, new)
        category_map[value] = grid[i % 3].selectbox(
            common.md_escape(value),
            options=[own, *CATEGORY_KEYS],
            index=None,
            placeholder="Choose a category",
            format_func=functools.partial(_category_option, own=own, value=value),
            key=f"newcat-{fid}-{i}",
        )
    if st.button("Use these categories", disabled=not reading.all_mapped(list(new), category_map)):
        options["category_map"] = {k: v for k, v in category_map.items() if v}
        guesses = dict(result.detected.guesses)
        base = options.get("mapping") or reading.mapping_from(
            {k: guesses.get(k) for k in reading.ROLES} | {"address": guesses.get("address")}
        )
        options["mapping"] = reading.mapping_from(
            {k: getattr(base, k) for k in reading.ROLES} | {"address": base.address},
            category_value=base.category_value,
            category_map=options["category_map"],
        )
        st.rerun()
    return new


def _rows(result: UploadResult) -> int:
    """Step 4: the row counts, the rows not loaded and the places ready; the number ready."""
    st.subheader("4. Rows", divider="gray")
    counts = reading.summary(result)
    m = st.columns(4)
    m[0].metric("Rows in the file", f"{counts['rows']:,}")
    m[1].metric("Places ready to add", f"{counts['loaded']:,}")
    m[2].metric("Rows with a problem", f"{counts['rejected']:,}")
    m[3].metric("Outside the area", f"{counts['outside']:,}")
    if len(result.rejections):
        with st.expander(
            f"Rows not loaded ({len(result.rejections):,})", expanded=counts["loaded"] == 0
        ):
            st.dataframe(reading.rejections_table(result), hide_index=True, width="stretch")
    if counts["loaded"]:
        with st.expander(f"Places ready to add ({counts['loaded']:,})"):
            st.dataframe(reading.preview(result, CATEGORY_LABELS), hide_index=True, width="stretch")
    return counts["loaded"]


def _add(
    result: UploadResult, name: str, fid: str, options: dict[str, Any], *, ready: bool, new: bool
) -> None:
    """Step 5: add the places to this session's analysis."""
    st.subheader("5. Add to the analysis", divider="gray")
    if new:
        st.info("Choose a category for each new category above first.")
    elif not ready:
        st.warning("No place in this file can be used: see the rows not loaded above.")
    if not st.button("Add to the analysis", type="primary", disabled=not ready, key=f"add-{fid}"):
        return
    try:
        item = session.add_upload(
            name, result.frame, rows_in=result.rows_in, identity=f"{fid}:{options!r}"
        )
    except Exception:
        common.log.exception("could not add an upload")
        st.error("These places could not be added. Nothing already added has changed.")
    else:
        st.session_state["upload_flash"] = (
            f"Added {len(item.frame):,} places from {common.md_escape(name)}. They now count in "
            "the map, the gaps, the report and the exports, labelled as your data."
        )
        st.rerun()


def _category_option(key: str, *, own: str, value: str) -> str:
    """How a choice reads in a new category's picker."""
    return f"Keep “{value}” as a new category" if key == own else CATEGORY_LABELS.get(key, key)
