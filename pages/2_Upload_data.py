"""Upload data: your own places, indicators or study area (this session only).

Kind → file → what was detected → columns (automatic guesses to confirm) →
rows not loaded → add to the analysis.  A bad file never removes anything
already added: it gets a message instead.  The upload set can be saved as a
zip that ``python -m geo analyse --sources`` reuses.
"""

from __future__ import annotations

import streamlit as st

from ui import cache, common, params
from ui.uploads import added, boundaries, indicators, places, reading

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
region = cache.region(choice.area)
if region is None:
    st.stop()

flash = st.session_state.pop("upload_flash", None)
if flash:
    st.success(flash)
    st.page_link("app.py", label="See it on the map", icon=":material/map:")
added.show()

st.subheader("1. What are you adding?", divider="gray")
kind = st.radio(
    "Kind of file",
    options=list(reading.KINDS),
    format_func=reading.KINDS.get,
    horizontal=True,
    key="upload_kind",
)
if kind == "indicators":
    indicators.show(region, choice)
elif kind == "boundary":
    boundaries.show(region)
else:
    places.show(region)
