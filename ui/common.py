"""Things every page does: page setup, error handling, headline figures, attribution."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from geo import pipeline
from geo.demo import BANNER as DEMO_BANNER
from geo.errors import AtlasError
from geo.provenance import ProvenanceRecord, attributions
from ui.markdown import escape_markdown

log = logging.getLogger(__name__)

OGL = (
    "Contains public sector information licensed under the "
    "[Open Government Licence v3.0](https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)."
)
OSM = (
    "Map data and community places © [OpenStreetMap contributors]"
    "(https://www.openstreetmap.org/copyright), available under the Open Database Licence."
)


PAGES = (
    ("app.py", "Map explorer", ":material/map:"),
    ("pages/1_Gap_report.py", "Gap report", ":material/format_list_numbered:"),
    ("pages/2_Upload_data.py", "Upload data", ":material/upload_file:"),
    ("pages/3_Method_and_data.py", "Method and data", ":material/menu_book:"),
    ("pages/4_Compare.py", "Compare", ":material/compare:"),
)


def setup(title: str, icon: str = "🗺️") -> None:
    """Page config (wide), logging and the page links; call first on every page."""
    st.set_page_config(page_title=f"{title} · Belonging Atlas", page_icon=icon, layout="wide")
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    st.markdown(
        """
        <style>
        div[data-testid="stMetricValue"] { font-size: 1.55rem; }
        div[data-testid="stMetricLabel"] p { font-size: 0.82rem; }
        .block-container { padding: 1.2rem 1.5rem 2rem 1.5rem; }
        </style>
        """,
        unsafe_allow_html=True,
    )
    with st.sidebar:
        st.markdown("### Belonging Atlas")
        for path, label, page_icon in PAGES:
            st.page_link(path, label=label, icon=page_icon)
        st.divider()


def demo_banner() -> None:
    """Say so, on every page, when the built-in demo is shown."""
    from ui import config  # late: ui.config imports the library

    if config.in_demo():
        st.info(DEMO_BANNER, icon=":material/info:")


@contextlib.contextmanager
def guard(doing: str) -> Iterator[None]:
    """Show the library's errors as messages and anything else as a generic one.

    Streamlit's own control flow (``st.stop``, reruns) passes through.
    """
    try:
        yield
    except AtlasError as exc:
        st.error(str(exc))
        st.stop()
    except Exception:
        log.exception("unexpected error while %s", doing)
        st.error(
            f"Something went wrong while {doing}. The details are in the server log; "
            "please report it."
        )
        st.stop()


def _share(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value) * 100:.1f}%"


def _count(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):,.0f}"


def headline(result: pipeline.Result) -> None:
    """The five figures above the map."""
    h = pipeline.headline(result)
    n = len(result.areas)
    cols = st.columns(6)
    cols[0].metric(
        "Residents",
        _count(h["residents"]),
        help=f"Usual residents of the {n:,} small areas (LSOA 2021), Census 2021.",
    )
    cols[1].metric(
        "In high-risk areas",
        _count(h["high_risk_residents"]),
        help="Residents of the third of areas here with the highest loneliness risk "
        "on the chosen model.",
    )
    cols[2].metric(
        "Lonely 65+ (est.)",
        _count(h["expected_lonely"]),
        help="People aged 65+ expected to be often lonely: the Age UK model applied to Census "
        "2021, calibrated so England's share is 7% (Age UK 2024). 90% range "
        f"{_count(h.get('expected_lonely_p05'))}–{_count(h.get('expected_lonely_p95'))} from "
        "the coefficients' standard errors. A modelled estimate, not a count.",
    )
    cols[3].metric(
        "High-risk, >10 min",
        _share(h["high_risk_share_beyond_10min"]),
        help="Share of residents of high-risk areas more than a 10-minute walk (straight line, "
        f"{result.parameters.speed_m_s:g} m/s) from any counted community place.",
    )
    cols[4].metric(
        "High-risk, >20 min",
        _share(h["high_risk_share_beyond_20min"]),
        help="As before, for a 20-minute walk.",
    )
    cols[5].metric(
        "Priority gaps",
        _count(h["priority_areas"]),
        help="Areas in the top third for risk and the bottom third for access here "
        f"({_count(h['priority_residents'])} residents).",
    )


def attribution(records: Sequence[ProvenanceRecord], *, tiles: bool) -> None:
    """Every data source's attribution, under the map or table."""
    lines = [md_escape(line) for line in attributions(records) if "OpenStreetMap" not in line]
    osm = tiles or any("OpenStreetMap" in line for line in attributions(records))
    if osm:
        lines.append(OSM)
    lines.append(OGL)
    st.caption("**Data sources and licences**  \n" + "  \n".join(lines))


def md_escape(text: object) -> str:
    """Stop Markdown, HTML and Streamlit's ``:red[…]``/``:icon:`` in a source's text."""
    return escape_markdown(text)


def safe_table(frame: pd.DataFrame) -> None:
    """``st.table`` with every text cell escaped (it renders Markdown in cells)."""

    def clean(value: object) -> object:
        return md_escape(value) if isinstance(value, str) else value

    shown = frame.map(clean)
    shown.index = [clean(i) for i in shown.index]
    shown.columns = [clean(c) for c in shown.columns]
    st.table(shown)


def footer_note() -> None:
    """A line on what the figures are (and are not)."""
    st.caption(
        "Loneliness cannot be measured for small areas: these are modelled risks from "
        "Census 2021 and the Indices of Deprivation, to be read with local knowledge. "
        "See *Method and data* for formulas, sources and limitations."
    )
