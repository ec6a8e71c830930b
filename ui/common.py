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
from geo.present import headlines
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


#: The figures above the map, in order (see :mod:`geo.present.headlines`).
MAP_FIGURES = (
    "residents",
    "england_top20_residents",
    "residents_beyond_10min",
    "expected_lonely",
    "high_risk_residents",
    "priority_areas",
)


def _help(figure: headlines.Figure, h: dict[str, Any], result: pipeline.Result) -> str:
    """A figure's explanation, with the range, share or scope that goes with it."""
    text = figure.help
    by_key = {f.key: f for f in headlines.FIGURES}
    if figure.key == "residents":
        text += f" {len(result.areas):,} small areas (LSOA 2021)."
    elif figure.key == "england_top20_residents":
        share = headlines.formatted(by_key["england_top20_share"], h["england_top20_share"])
        text += f" {share} of residents here."
    elif figure.key == "residents_beyond_10min":
        share = headlines.formatted(by_key["share_beyond_10min"], h["share_beyond_10min"])
        text += f" {share} of residents; {result.parameters.speed_m_s:g} m/s."
    elif figure.key == "expected_lonely":
        low = headlines.formatted(figure, h.get("expected_lonely_p05"))
        high = headlines.formatted(figure, h.get("expected_lonely_p95"))
        text += f" 90% range {low}–{high} from the coefficients' standard errors."
    elif figure.key == "priority_areas":
        people = headlines.formatted(figure, h.get("priority_residents"))
        text += f" {people} residents."
    return text


def headline(result: pipeline.Result) -> None:
    """The headline figures above the map: against England first, then within this area."""
    h = pipeline.headline(result)
    by_key = {f.key: f for f in headlines.FIGURES}
    for col, key in zip(st.columns(len(MAP_FIGURES)), MAP_FIGURES, strict=True):
        figure = by_key[key]
        col.metric(
            figure.label,
            headlines.formatted(figure, h.get(key)),
            help=_help(figure, h, result),
        )
    st.caption(
        "The first four compare with any area (England's deciles, minutes' walk, the "
        "calibrated Age UK model); the last two are relative to this area's own thirds."
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
