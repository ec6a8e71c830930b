"""The coverage notice above the map: what was measured, from which sources, and which lens."""

from __future__ import annotations

import streamlit as st

from geo import pipeline
from geo.sources.taxonomy import CATEGORY_KEYS
from ui import common


def notice(result: pipeline.Result) -> None:
    """Say which kinds of place were measured, where coverage is thin, and which lens is used."""
    summary = result.coverage_summary()
    text = str(summary.get("notice", ""))
    if not text:
        return
    full = summary.get("any_place_categories") or ()
    left_out = summary.get("partly_covered_categories") or summary.get("uncovered_categories")
    thin = bool(left_out) or len(full) <= len(CATEGORY_KEYS) // 2
    body = (
        f"{common.md_escape(text)}  \n*Gaps are read through the lens "
        f"**{common.md_escape(str(summary['lens']))}**.*"
    )
    if thin:
        st.warning(body, icon=":material/layers:")
    else:
        st.info(body, icon=":material/layers:")
