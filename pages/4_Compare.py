"""Compare two local authorities side by side, on the same scales."""

from __future__ import annotations

import streamlit as st

from ui import cache, common, compare_view

common.setup("Compare")
common.demo_banner()
st.markdown("#### Compare two areas")
authorities = cache.authorities()
if authorities is None:
    st.stop()
compare_view.render(authorities)
common.footer_note()
