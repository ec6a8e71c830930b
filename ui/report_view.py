"""The gap report page's tables, charts and downloads, from the result on screen."""

from __future__ import annotations

import logging
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from geo import pipeline
from geo.errors import AtlasError
from geo.gaps import BIVARIATE_COLOURS, CLASS_LABELS
from geo.planning import Scenario
from geo.report import export_bytes, report_html
from geo.report import tables as report_tables
from geo.report.downloads import MIME, file_stem
from ui import cache, common, labels, plan

log = logging.getLogger(__name__)

#: Session key: the analysis whose downloads the user asked to prepare.
PREPARED_KEY = "downloads_prepared_for"

#: Download buttons: format, label, what the file holds.
DOWNLOADS = (
    ("pdf", "PDF report", "A4 report: maps, ranked gaps, equity, method and sources."),
    ("html", "HTML report", "The same report as one self-contained web page."),
    ("xlsx", "Excel workbook", "Areas, priority gaps and assets, with a metadata sheet."),
    ("csv", "CSV tables (zip)", "The same tables as UTF-8 CSV files, with metadata."),
    ("gpkg", "GeoPackage", "Areas, assets and priority gaps as GIS layers (EPSG:27700)."),
    ("geojson", "GeoJSON", "Areas with every measure, WGS84, with metadata."),
)


def download_name(result: pipeline.Result, fmt: str) -> str:
    """The file name :func:`geo.report.export_bytes` gives ``fmt`` for this result."""
    stem = file_stem(result)
    return {
        "csv": f"{stem}-csv.zip",
        "geojson": f"{stem}-areas.geojson",
    }.get(fmt, f"{stem}.{fmt}")


def scenario_choice(
    result: pipeline.Result, key: tuple[Any, ...], area: str
) -> tuple[Scenario | None, tuple[Any, ...]]:
    """The session's scenario for ``area`` if the user keeps it in the report, and the key.

    The key of the downloads includes the scenario, so a changed plan builds
    new files.
    """
    if plan.plan_for(area).empty:
        return None, key
    found = plan.current(result, key, area)
    if found is None:
        return None, key
    label = f"Include the scenario '{common.md_escape(found.name)}'"
    if not st.checkbox(
        label,
        value=True,
        key="report-include-scenario",
        help="The PDF and HTML reports get a section on what the scenario proposes "
        "and what it changes (made in Plan mode on the map).",
    ):
        return None, key
    return found, (*key, ("scenario", plan.plan_for(area).identity()))


@st.cache_data(show_spinner=False, max_entries=8)
def _report_html(
    key: tuple[Any, ...], _result: pipeline.Result, _scenario: Scenario | None = None
) -> str:
    reference = cache.reference(_result.parameters)  # region and England comparators
    return report_html(_result, scenario=_scenario, reference=reference)


@st.cache_data(show_spinner=False, max_entries=24)
def _export(
    key: tuple[Any, ...], fmt: str, _result: pipeline.Result, _scenario: Scenario | None = None
) -> bytes:
    # the HTML and the PDF share one rendering of the report (its maps take longest)
    html = _report_html(key, _result, _scenario) if fmt in ("html", "pdf") else None
    content, _name, _mime = export_bytes(_result, fmt, html=html)
    return content


def _built(
    key: tuple[Any, ...], fmt: str, result: pipeline.Result, scenario: Scenario | None
) -> bytes | str:
    """The file's bytes, or a plain-English reason it could not be built."""
    try:
        return _export(key, fmt, result, scenario)
    except AtlasError as exc:
        return str(exc)
    except Exception:
        log.exception("building the %s download failed", fmt)
        return "an unexpected error (the details are in the server log; please report it)"


def download_buttons(
    result: pipeline.Result, key: tuple[Any, ...], scenario: Scenario | None = None
) -> None:
    """One button per format, built from exactly the analysis on screen.

    ``scenario`` (with its own ``key``) adds its section to the reports.

    The files are built when the user asks (the report's maps take a few
    seconds), inside the page run, so a file that cannot be built is
    reported on the page instead of a button that silently does nothing.
    """
    if st.session_state.get(PREPARED_KEY) != key:
        st.caption(
            "The files are built from the analysis on screen: the report (PDF and HTML) "
            "and the tables (Excel, CSV, GeoPackage, GeoJSON)."
        )
        if not st.button(
            "Prepare the downloads",
            type="primary",
            key="prepare-downloads",
            icon=":material/build:",
        ):
            return
        st.session_state[PREPARED_KEY] = key
    with st.spinner("Building the report and the tables…"):
        built = {fmt: _built(key, fmt, result, scenario) for fmt, _label, _help in DOWNLOADS}
    cols = st.columns(3)
    for i, (fmt, label, help_text) in enumerate(DOWNLOADS):
        outcome = built[fmt]
        with cols[i % 3]:
            if isinstance(outcome, bytes):
                st.download_button(
                    label,
                    data=outcome,
                    file_name=download_name(result, fmt),
                    mime=MIME[fmt],
                    help=help_text,
                    key=f"download-{fmt}",
                    icon=":material/download:",
                    on_click="ignore",
                    width="stretch",
                )
            else:
                st.error(f"The {label} could not be built: {outcome}", icon=":material/error:")


def priority_frame(result: pipeline.Result) -> tuple[pd.DataFrame, bool]:
    """Ranked priority gaps with the reasons, ready to show (and whether any are 3-1)."""
    table = report_tables.priority_table(result)
    priority = not table.empty
    if not priority:
        table = report_tables.top_gap_table(result, n=15)
    speed = result.parameters.speed_m_s

    def nearest(row: pd.Series) -> str:
        metres = row.get("nearest_asset_m")
        if pd.isna(metres):
            return "none loaded nearby"
        name = row.get("nearest_asset_name") or "(no name recorded)"
        category = row.get("nearest_asset_category") or ""
        return f"{name} ({category}), {metres / speed / 60:.0f} min walk"

    drivers = table.get("drivers", pd.Series("", index=table.index)).fillna("").astype(str)
    out = pd.DataFrame(
        {
            "Rank": table["priority_rank"].astype("Int64"),
            "Area": table["lsoa21nm"].astype(str),
            "Ward": table.get("ward_name", pd.Series("", index=table.index)).astype(str),
            "Main risk factors": drivers,
            "Nearest community place": table.apply(nearest, axis=1),
            "Residents": table.get("population"),
            "Aged 65+": table.get("pop_65plus"),
            "Risk decile (England)": table.get("risk_decile_national"),
            "Places per 1,000 (E2SFCA)": table.get("access_e2sfca"),
            "Gap score": table.get("gap_score"),
            "Hot spot": table.get("hotspot", pd.Series(False, index=table.index)).fillna(False),
            "Code": table["lsoa21cd"].astype(str),
        }
    )
    return out, priority


def class_chart(result: pipeline.Result) -> alt.Chart:
    """Residents in each of the nine risk × access classes."""
    a = result.areas
    pop = a["population"] if "population" in a else pd.Series(1.0, index=a.index)
    grouped = pop.groupby(a["gap_class"]).sum()
    rows = [
        {
            "class": key,
            "label": CLASS_LABELS[key],
            "residents": float(grouped.get(key, 0.0)),
            "areas": int((a["gap_class"] == key).sum()),
        }
        for key in (f"{r}-{c}" for r in (3, 2, 1) for c in (1, 2, 3))
    ]
    frame = pd.DataFrame(rows)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("residents:Q", title="Residents"),
            color=alt.Color(
                "class:N",
                scale=alt.Scale(
                    domain=list(BIVARIATE_COLOURS), range=list(BIVARIATE_COLOURS.values())
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Class"),
                alt.Tooltip("areas:Q", title="Areas"),
                alt.Tooltip("residents:Q", title="Residents", format=",.0f"),
            ],
        )
        .properties(height=260)
    )


def top_scores_chart(result: pipeline.Result, n: int = 20) -> alt.Chart:
    """The ``n`` largest gap scores, priority gaps highlighted."""
    a = result.areas.sort_values("priority_rank").head(n)
    frame = pd.DataFrame(
        {
            "area": a["lsoa21nm"].astype(str),
            "score": a["gap_score"].astype(float),
            "kind": a["is_priority"].map({True: "priority gap", False: "other"}),
            "rank": a["priority_rank"].astype(int),
        }
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("area:N", sort=alt.SortField("rank"), title=None),
            x=alt.X("score:Q", title="Gap score (0–1)", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(
                    domain=["priority gap", "other"], range=[BIVARIATE_COLOURS["3-1"], "#a5add3"]
                ),
                legend=alt.Legend(title=None),
            ),
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("rank:Q", title="Rank"),
                alt.Tooltip("score:Q", title="Gap score", format=".3f"),
            ],
        )
        .properties(height=max(200, 24 * len(frame)))
    )


def asset_chart(result: pipeline.Result) -> alt.Chart | None:
    """Community places counted, by category, inside the area and just outside."""
    assets = result.assets
    if assets.empty:
        return None
    counted = assets[assets["category"].isin(result.categories)]
    if counted.empty:
        return None
    frame = (
        counted.assign(
            side=np.where(
                counted["in_region"].fillna(False).astype(bool), "inside", "just outside"
            ),
            label=counted["category"].map(lambda c: labels.CATEGORY_LABELS.get(c, c)),
        )
        .groupby(["label", "side"])
        .size()
        .reset_index(name="places")
    )
    order = list(frame.groupby("label")["places"].sum().sort_values(ascending=False).index)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=220)),
            x=alt.X("places:Q", title="Places"),
            color=alt.Color(
                "side:N",
                scale=alt.Scale(domain=["inside", "just outside"], range=["#2b6cb0", "#a9c6e8"]),
                legend=alt.Legend(title=None),
            ),
            tooltip=["label:N", "side:N", "places:Q"],
        )
        .properties(height=max(160, 40 * len(order)))
    )


def equity_frame(result: pipeline.Result) -> pd.DataFrame:
    """Who lives in the priority gap areas, compared with the whole area."""
    table = report_tables.equity_table(result)
    return pd.DataFrame(
        {
            "Group": table["group"],
            "In gap areas": table["in_gap_areas"].round(0),
            "Share in gap areas": table["share_gap"] * 100,
            "Share in the whole area": table["share_all"] * 100,
            "Over-represented (ratio)": table["ratio"],
        }
    )
