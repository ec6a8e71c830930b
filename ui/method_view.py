"""The Method and data page's content: the method write-up, the taxonomy, the datasets.

The write-up comes from :mod:`geo.method` block by block (text as Markdown,
tables as tables), so the page says exactly what the HTML report's appendix says.
Map colours are drawn as swatches; text cells are escaped (``st.table``
renders Markdown in cells).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from geo.method import COLOUR_COLUMN, method_blocks
from geo.params import Parameters
from geo.present import glossary as words
from geo.provenance import ProvenanceRecord
from geo.risk import indicator_table
from geo.sources.registry import licence_name, licence_url, load_sources
from geo.sources.taxonomy import CATEGORIES
from ui import common


def show(topic: str, params: Parameters, *, buffer_m: float) -> None:
    """One topic of the write-up, its headings one level below the page's tabs."""
    for block in method_blocks(topic, params, buffer_m=buffer_m, heading_offset=2):
        if isinstance(block, str):
            st.markdown(block)
        else:
            table(block.frame)


def glossary() -> None:
    """The glossary: every term the atlas uses, by section, with its meaning."""
    st.markdown("### Glossary")
    st.caption("The words the maps, the area panel, the settings and the report use.")
    for title, terms in words.groups():
        st.markdown(f"#### {title}")
        table(
            pd.DataFrame(
                {"Term": [t.label for t in terms], "Meaning": [t.definition for t in terms]}
            )
        )


def styled(frame: pd.DataFrame) -> Styler:
    """``frame`` with its text escaped and the colour column as swatches.

    The frame keeps a plain range index, which ``st.table`` leaves out, so every
    column, the first included, shows under its own header.
    """

    def clean(value: object) -> object:
        return common.md_escape(value) if isinstance(value, str) else value

    shown = frame.reset_index(drop=True)
    text = [c for c in shown.columns if c != COLOUR_COLUMN]
    styler = shown.style.format(clean, subset=text)
    if COLOUR_COLUMN in shown.columns:
        styler = styler.format(lambda _v: "", subset=[COLOUR_COLUMN]).map(
            lambda v: f"background-color: {v}; min-width: 3em", subset=[COLOUR_COLUMN]
        )
    return styler


def table(frame: pd.DataFrame) -> None:
    """A table of the write-up (full text, no cut-off columns; colours as swatches)."""
    st.table(styled(frame))


def your_weights(weights: Mapping[str, float]) -> pd.DataFrame:
    """The all-ages indicators with the default share and the share the user chose."""
    indicators = indicator_table()
    total = sum(weights.values()) or 1.0
    return pd.DataFrame(
        {
            "Indicator": indicators.index,
            "What it measures": indicators["label"],
            "Default share": (indicators["normalised_weight"] * 100).map(lambda v: f"{v:.1f}%"),
            "Your share": [f"{weights.get(n, 0.0) / total * 100:.1f}%" for n in indicators.index],
        }
    )


def taxonomy() -> pd.DataFrame:
    """Every category of community place and the OpenStreetMap tags that define it."""
    return pd.DataFrame(
        [
            {
                "Category": c.label,
                COLOUR_COLUMN: c.colour,
                "Includes": c.description,
                "OpenStreetMap tags": " | ".join(c.osm_tags) or "(registers only)",
                "Why it matters": c.why,
                "Key": c.key,
            }
            for c in CATEGORIES
        ]
    )


@st.cache_data(show_spinner=False)
def links(sources_file: str) -> list[str]:
    """One Markdown line per dataset: its official source and licence, linked."""
    sources = load_sources(Path(sources_file) if sources_file else None)
    lines = []
    for dataset_id in sources.datasets:
        d = sources.dataset(dataset_id)
        licence = _link(licence_name(d.licence), licence_url(d.licence))
        line = f"{_link(d.title, d.url)} — {licence}"
        if dataset_id in sources.local:
            line += " (a local copy is used)"
        lines.append(f"- {line}")
    return lines


def _link(text: str, url: str) -> str:
    """``text`` escaped, linked to ``url`` when it is a plain https address."""
    shown = common.md_escape(text)
    if url.startswith("https://") and not any(c in url for c in "<> \n()"):
        return f"[{shown}]({url})"
    return shown


def provenance(records: tuple[ProvenanceRecord, ...]) -> pd.DataFrame:
    """The current area's datasets as used: where read from, rows, checksum, notes."""
    rows = []
    for r in records:
        location = r.location
        if r.origin in {"local file", "cache"} and location and "://" not in location:
            location = ", ".join(Path(p.strip()).name for p in location.split(","))
        rows.append(
            {
                "Dataset": r.title,
                "Publisher": r.publisher,
                "Vintage": r.vintage,
                "Licence": r.licence_name,
                "Read from": r.origin,
                "Location": location,
                "Rows": f"{r.rows:,}" if r.rows is not None else "",
                "Retrieved": r.retrieved,
                "SHA-256": r.sha256[:12],
                "Note": r.note,
            }
        )
    return pd.DataFrame(rows)
