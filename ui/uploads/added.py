"""What this session has already added, with a remove button each and the upload set to save."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui import common, session
from ui.uploads import reading


def show() -> None:
    """List the places, indicator tables and study area in the analysis (nothing if none)."""
    added = session.uploads()
    tables = session.indicator_uploads()
    study = session.study_area()
    if not (added or tables or study):
        return
    st.subheader("Already in the analysis", divider="gray")
    for item in added:
        _row(
            f"**{common.md_escape(item.name)}** — {len(item.frame):,} places (added {item.added})",
            key=f"remove-{item.key}",
            on_click=session.remove_upload,
            args=(item.key,),
        )
    for table in tables:
        weighted = ", ".join(
            f"{common.md_escape(c)} (weight {w:g})" for c, w in table.weights.items() if w > 0
        )
        _row(
            f"**{common.md_escape(table.name)}** — indicators for {len(table.frame):,} areas; "
            + (f"in the risk index: {weighted}" if weighted else "mapped only, not in the index")
            + f" (added {table.added})",
            key=f"remove-ind-{table.key}",
            on_click=session.remove_indicators,
            args=(table.key,),
        )
    if study:
        _row(
            f"**Study area: {common.md_escape(study.name)}** — {len(study.region.areas):,} LSOAs, "
            f"used instead of the local authority picked on the map (added {study.added})",
            key="remove-study",
            on_click=session.clear_study_area,
        )
    if added or tables:
        _save_set(added, tables)


def _row(text: str, *, key: str, on_click: Callable[..., None], args: tuple[str, ...] = ()) -> None:
    cols = st.columns([5, 1], vertical_alignment="center")
    cols[0].markdown(text)
    cols[1].button("Remove", key=key, on_click=on_click, args=args, width="stretch")


def _save_set(
    added: list[session.UploadedAssets], tables: list[session.UploadedIndicators]
) -> None:
    with st.expander("Save this upload set to reuse it"):
        st.markdown(
            "A zip of the cleaned files and a `sources.toml` that names them. Unzip it and "
            "run `python -m geo analyse --sources atlas_uploads/sources.toml` to repeat the "
            "analysis with your data, or set `ATLAS_SOURCES` to it."
        )
        st.download_button(
            "Download the upload set (.zip)",
            data=reading.save_set_zip(
                [(u.name, u.frame) for u in added], [(t.name, t.frame) for t in tables]
            ),
            file_name="atlas_uploads.zip",
            mime="application/zip",
            key="save-set",
            icon=":material/download:",
        )
