"""What every upload flow shares: the row summary and the message for a failed read."""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo.errors import AtlasError
from ui import common, session
from ui.uploads import reading


def fail(exc: Exception | None, what: str) -> None:
    """Show why a file cannot be used, say nothing added is lost, and stop the page."""
    if isinstance(exc, AtlasError):
        st.error(f"This file cannot be used: {exc}")
    else:
        common.log.exception("unexpected error reading an upload")
        st.error(
            f"This file could not be read as {what}. Check that it is one of the accepted "
            "kinds, or save it again."
        )
    if session.uploads() or session.indicator_uploads() or session.study_area():
        st.caption("What you added before is still in the analysis.")
    st.stop()


def rows(result: Any, *, loaded: str) -> None:
    """The row counts of a read file, and the rows not loaded with the reason."""
    counts = reading.summary(result)
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
            st.dataframe(reading.rejections_table(result), hide_index=True, width="stretch")
