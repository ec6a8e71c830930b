"""Upload data: your own places, indicators or study area (this session only).

Kind → file → what was detected → columns (automatic guesses to confirm) →
rows not loaded → add to the analysis.  A bad file never removes anything
already added: it gets a message instead.  The upload set can be saved as a
zip that ``python -m geo analyse --sources`` reuses.
"""

from __future__ import annotations

import streamlit as st

from geo.errors import AtlasError
from geo.sources.taxonomy import CATEGORY_KEYS
from ui import common, params, state, upload_view, upload_view_page

common.setup("Upload data", icon="⬆️")
common.demo_banner()

st.title("Add your own data")
st.markdown(
    "Add **places** the open data misses (lunch clubs, befriending groups, warm spaces), an "
    "**indicator table** of your own figures by area, or a **study-area boundary**. They join "
    "the map, the gaps, the report and the exports, labelled as your data. Files stay in this "
    "browser session: they are not saved on the server and disappear when you close the tab."
)

choice = params.current()
region = state.region(choice.area)
if region is None:
    st.stop()
labels = state.CATEGORY_LABELS

# --- what is already added
flash = st.session_state.pop("upload_flash", None)
if flash:
    st.success(flash)
    st.page_link("app.py", label="See it on the map", icon=":material/map:")
added = state.uploads()
tables = state.indicator_uploads()
study = state.study_area()
if added or tables or study:
    st.subheader("Already in the analysis", divider="gray")
    for item in added:
        cols = st.columns([5, 1], vertical_alignment="center")
        cols[0].markdown(
            f"**{common.md_escape(item.name)}** — {len(item.frame):,} places (added {item.added})"
        )
        cols[1].button(
            "Remove",
            key=f"remove-{item.key}",
            on_click=state.remove_upload,
            args=(item.key,),
            width="stretch",
        )
    for table in tables:
        cols = st.columns([5, 1], vertical_alignment="center")
        weighted = ", ".join(
            f"{common.md_escape(c)} (weight {w:g})" for c, w in table.weights.items() if w > 0
        )
        cols[0].markdown(
            f"**{common.md_escape(table.name)}** — indicators for {len(table.frame):,} areas; "
            + (f"in the risk index: {weighted}" if weighted else "mapped only, not in the index")
            + f" (added {table.added})"
        )
        cols[1].button(
            "Remove",
            key=f"remove-ind-{table.key}",
            on_click=state.remove_indicators,
            args=(table.key,),
            width="stretch",
        )
    if study:
        cols = st.columns([5, 1], vertical_alignment="center")
        cols[0].markdown(
            f"**Study area: {common.md_escape(study.name)}** — {len(study.region.areas):,} LSOAs, "
            f"used instead of the local authority picked on the map (added {study.added})"
        )
        cols[1].button(
            "Remove", key="remove-study", on_click=state.clear_study_area, width="stretch"
        )
    if added or tables:
        with st.expander("Save this upload set to reuse it"):
            st.markdown(
                "A zip of the cleaned files and a `sources.toml` that names them. Unzip it and "
                "run `python -m geo analyse --sources atlas_uploads/sources.toml` to repeat the "
                "analysis with your data, or set `ATLAS_SOURCES` to it."
            )
            st.download_button(
                "Download the upload set (.zip)",
                data=upload_view.save_set_zip(
                    [(u.name, u.frame) for u in added], [(t.name, t.frame) for t in tables]
                ),
                file_name="atlas_uploads.zip",
                mime="application/zip",
                key="save-set",
                icon=":material/download:",
            )

st.subheader("1. What are you adding?", divider="gray")
kind = st.radio(
    "Kind of file",
    options=list(upload_view.KINDS),
    format_func=upload_view.KINDS.get,
    horizontal=True,
    key="upload_kind",
)
if kind == "indicators":
    upload_view_page.indicators(region, choice)
    st.stop()
if kind == "boundary":
    upload_view_page.boundary(region)
    st.stop()

st.caption(
    "Accepted: CSV, TSV or Excel (.xlsx) with latitude/longitude, eastings/northings or "
    "postcodes; GeoJSON; GeoPackage; KML/KMZ; a zipped shapefile. Up to 50 MB."
)
upload = st.file_uploader(
    f"File of community places in {region.name}",
    type=upload_view.KIND_TYPES["places"],
    key="upload_file",
    help="Places more than 2 km outside the area are listed but not added.",
)
if upload is None:
    st.info(
        "Choose a file to begin. Each row needs a place's location (coordinates or a "
        "postcode); a name and a category help."
    )
    st.page_link("app.py", label="Back to the map", icon=":material/map:")
    st.stop()

data = upload.getvalue()
name = upload.name or "upload"
fid = upload_view.fingerprint(data, name)
options = st.session_state.setdefault("upload_options", {}).setdefault(fid, {})


def _read(**kwargs: object) -> object:
    try:
        return upload_view.read(data, name, region, state.settings(), **kwargs)
    except AtlasError as exc:
        st.error(f"This file cannot be used: {common.md_escape(exc)}")
        if added:
            st.caption("The places you added before are still in the analysis.")
        st.stop()
    except Exception:
        common.log.exception("unexpected error reading an upload")
        st.error(
            "This file could not be read. Check that it is one of the accepted kinds, "
            "or save it again as CSV. The places you added before are unchanged."
        )
        st.stop()


with st.spinner("Reading the file…"):
    result = _read(
        mapping=options.get("mapping"),
        swap=options.get("swap"),
        layer=options.get("layer"),
    )

st.subheader("2. What we found", divider="gray")
common.safe_table(upload_view.detected_table(result).set_index("What"))
for note in result.notes:
    st.caption(common.md_escape(note))

detected = result.detected
choices_layer = detected.sheets or detected.layers
if len(choices_layer) > 1:
    layer = st.selectbox(
        "Sheet or layer to read",
        options=list(choices_layer),
        index=list(choices_layer).index(detected.sheet or detected.layer or choices_layer[0]),
        key=f"layer-{fid}",
    )
    if layer != (detected.sheet or detected.layer):
        options["layer"] = layer
        options.pop("mapping", None)
        st.rerun()

st.subheader("3. Check the columns", divider="gray")
columns = list(detected.columns)
guesses = dict(detected.guesses)
if columns:
    st.caption("We guessed which column holds what. Change any guess that is wrong, then apply.")
    with st.form(f"mapping-{fid}"):
        picked: dict[str, object] = {}
        grid = st.columns(3)
        for i, (role, label) in enumerate(upload_view.ROLES.items()):
            guess = guesses.get(role)
            opts = [upload_view.NONE, *columns]
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
            format_func=lambda k: "(use the category column)" if not k else labels.get(k, k),
            key=f"every-{fid}",
        )
        if st.form_submit_button("Apply these columns", type="primary"):
            options["mapping"] = upload_view.mapping_from(
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

new = upload_view.unmapped_categories(result)
category_map: dict[str, str] = dict(options.get("category_map") or {})
if new:
    st.markdown(
        "**Categories the atlas does not know** — choose the nearest for each, or keep it "
        "as a category of your own (it gets its own colour on the map and is counted in the "
        "gaps like the others):"
    )
    grid = st.columns(3)
    for i, value in enumerate(new):
        own = upload_view.new_category(value, new)
        category_map[value] = grid[i % 3].selectbox(
            common.md_escape(value),
            options=[own, *CATEGORY_KEYS],
            index=None,
            placeholder="Choose a category",
            format_func=lambda k, v=value, o=own: (
                f"Keep “{v}” as a new category" if k == o else labels.get(k, k)
            ),
            key=f"newcat-{fid}-{i}",
        )
    if st.button(
        "Use these categories", disabled=not upload_view.all_mapped(list(new), category_map)
    ):
        options["category_map"] = {k: v for k, v in category_map.items() if v}
        base = options.get("mapping") or upload_view.mapping_from(
            {k: guesses.get(k) for k in upload_view.ROLES} | {"address": guesses.get("address")}
        )
        options["mapping"] = upload_view.mapping_from(
            {k: getattr(base, k) for k in upload_view.ROLES} | {"address": base.address},
            category_value=base.category_value,
            category_map=options["category_map"],
        )
        st.rerun()

st.subheader("4. Rows", divider="gray")
counts = upload_view.summary(result)
m = st.columns(4)
m[0].metric("Rows in the file", f"{counts['rows']:,}")
m[1].metric("Places ready to add", f"{counts['loaded']:,}")
m[2].metric("Rows with a problem", f"{counts['rejected']:,}")
m[3].metric("Outside the area", f"{counts['outside']:,}")
if len(result.rejections):
    with st.expander(
        f"Rows not loaded ({len(result.rejections):,})", expanded=counts["loaded"] == 0
    ):
        st.dataframe(upload_view.rejections_table(result), hide_index=True, width="stretch")
if counts["loaded"]:
    with st.expander(f"Places ready to add ({counts['loaded']:,})"):
        st.dataframe(upload_view.preview(result, labels), hide_index=True, width="stretch")

st.subheader("5. Add to the analysis", divider="gray")
ready = counts["loaded"] > 0 and not new
if new:
    st.info("Choose a category for each new category above first.")
elif not counts["loaded"]:
    st.warning("No place in this file can be used: see the rows not loaded above.")
if st.button("Add to the analysis", type="primary", disabled=not ready, key=f"add-{fid}"):
    try:
        item = state.add_upload(
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
