"""Tables for the Method and data page (plain DataFrames; Streamlit shows text safely)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.gaps import BIVARIATE_COLOURS, CLASS_LABELS
from geo.provenance import ProvenanceRecord
from geo.risk import indicator_table, model_table
from geo.sources.registry import licence_name, licence_url, load_sources
from geo.sources.taxonomy import CATEGORIES


def indicators(weights: Mapping[str, float] | None) -> pd.DataFrame:
    """The all-ages indicators with default and current weights (as shares)."""
    table = indicator_table()
    out = pd.DataFrame(
        {
            "Indicator": table["label"],
            "Column": table["column"],
            "Default weight": table["default_weight"],
            "Default share": (table["normalised_weight"] * 100).map(lambda v: f"{v:.1f}%"),
            "Why it counts": table["rationale"],
        }
    )
    if weights is not None:
        total = sum(weights.values()) or 1.0
        out.insert(4, "Your share", [weights.get(name, 0.0) / total * 100 for name in table.index])
    return out.reset_index(drop=True)


def older_model() -> pd.DataFrame:
    """The Age UK model's terms, estimates and how each is measured here."""
    table = model_table()
    return pd.DataFrame(
        {
            "Term": table["label"],
            "Estimate (log-odds)": table["estimate"].map(lambda v: f"{v:+.4f}"),
            "Std error": table["std_error"].map(lambda v: f"{v:.4f}"),
            "Used": table["used"].map({True: "yes", False: "no — not in the Census"}),
            "Measured here as": table["approximations"],
        }
    ).reset_index(drop=True)


def gap_classes() -> pd.DataFrame:
    """The nine risk × access classes."""
    rows = [
        {
            "Class": f"{r}-{a}",
            "Meaning": CLASS_LABELS[f"{r}-{a}"],
            "Risk third": ("low", "middle", "high")[r - 1],
            "Access third": ("low", "middle", "high")[a - 1],
            "Map colour": BIVARIATE_COLOURS[f"{r}-{a}"],
        }
        for r in (3, 2, 1)
        for a in (1, 2, 3)
    ]
    return pd.DataFrame(rows)


def taxonomy() -> pd.DataFrame:
    """Every category of community place and the OpenStreetMap tags that define it."""
    return pd.DataFrame(
        [
            {
                "Category": c.label,
                "Key": c.key,
                "Includes": c.description,
                "OpenStreetMap tags": " | ".join(c.osm_tags) or "(registers only)",
                "Why it matters": c.why,
                "Map colour": c.colour,
            }
            for c in CATEGORIES
        ]
    )


@st.cache_data(show_spinner=False)
def registry(sources_file: str) -> pd.DataFrame:
    """The registry of datasets: publisher, vintage, geography, licence, where online."""
    sources = load_sources(Path(sources_file) if sources_file else None)
    rows = []
    for dataset_id in sources.datasets:
        d = sources.dataset(dataset_id)
        rows.append(
            {
                "Dataset": d.title,
                "Publisher": d.publisher,
                "Vintage": d.vintage,
                "Geography": d.geography,
                "Licence": licence_name(d.licence),
                "Licence text": licence_url(d.licence),
                "Official source": d.url,
                "Local copy used": "yes" if dataset_id in sources.local else "",
                "Id": d.id,
            }
        )
    return pd.DataFrame(rows)


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
                "Rows": r.rows,
                "Retrieved": r.retrieved,
                "SHA-256": r.sha256[:12],
                "Note": r.note,
            }
        )
    return pd.DataFrame(rows)
