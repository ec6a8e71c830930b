"""What every upload flow shares: choosing the file, the row summary and the message for a
failed read."""

from __future__ import annotations

from typing import Any, NamedTuple

import streamlit as st

from geo.errors import AtlasError
from ui import common, session
from ui.uploads import reading


class Chosen(NamedTuple):
    """The uploaded file: its bytes, its name and the fingerprint its choices are kept under."""

    data: bytes
    name: str
    fid: str


def choose_file(
    kind: str,
    *,
    accepted: str,
    label: str,
    key: str,
    empty: str,
    default_name: str,
    help: str | None = None,
) -> Chosen | None:
    """Say what is accepted and ask for a file of ``kind``; None (with ``empty``) until one is."""
    st.caption(accepted)
    upload = st.file_uploader(label, type=reading.KIND_TYPES[kind], key=key, help=help)
    if upload is None:
        st.info(empty)
        return None
    data = upload.getvalue()
    name = upload.name or default_name
    return Chosen(data, name, reading.fingerprint(data, name))


def fail(exc: Exception | None, what: str) -> None:
    """Show why a file cannot be used, say nothing added is lost, and stop the page."""
    if isinstance(exc, AtlasError):
        st.error(f"This file cannot be used: {common.md_escape(exc)}")
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
