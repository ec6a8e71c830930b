"""The report's method appendix: data vintages, parameters, method values, sources.

These were once the report's cover; they now follow the findings, so the
first page can tell the story and the appendix keeps the audit trail.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from markupsafe import Markup

from geo import risk
from geo.method import TOPICS, method_html
from geo.pipeline import HEADLINE_MINUTES
from geo.present.glossary import glossary_html
from geo.risk.evidence_terms import EVIDENCE_TERMS
from geo.sources.registry import licence_name
from geo.sources.taxonomy import CATEGORIES

from . import tables
from .formatting import fmt_int, fmt_num, fmt_pct

if TYPE_CHECKING:
    from geo.pipeline import Result

MODEL_LABELS = {
    "all-ages": "All ages: composite index of Census and deprivation indicators",
    "older": "People aged 65+: Age UK loneliness model (ELSA wave 5)",
}

CAVEATS = (
    "Loneliness is a feeling: no official statistic counts lonely people in small areas. "
    "The risk measures rank areas by how many known risk factors their residents have; "
    "they say nothing about any one person (the ecological fallacy).",
    "Terciles, classes and priority ranks compare areas within this area only. A priority "
    "gap in one council is not comparable with one in another; England deciles are.",
    "Distances are straight lines from each small area's population-weighted centre, not "
    "walking routes, which are longer; walking minutes assume the speed stated on the "
    "cover. Barriers such as main roads, rivers and railways are not seen.",
    "Community assets are those in the sources listed. Coverage of OpenStreetMap and "
    "registers varies by place and category: an area can look under-provided because its "
    "assets are not recorded. Check the directory against local knowledge.",
    "Assets count equally whatever their size, opening hours or accessibility, unless a "
    "capacity was given.",
    "Census 2021 was taken during the COVID-19 pandemic (21 March 2021); some answers, "
    "such as health and work, may reflect that time.",
)


def vintages(result: Result) -> list[dict[str, str]]:
    """One line per dataset; Census tables in one line, asset sources in another."""
    rows: list[dict[str, str]] = []
    census = [p for p in result.provenance if p.dataset.startswith("census_")]
    assets = set(result.assets["source"].astype(str)) if len(result.assets) else set()
    if census:
        codes = ", ".join(p.dataset.removeprefix("census_").upper() for p in census)
        rows.append({"what": f"Census 2021 tables {codes}", "vintage": census[0].vintage})
    for rec in result.provenance:
        if rec.dataset.startswith("census_") or rec.dataset in assets:
            continue
        rows.append({"what": rec.title, "vintage": rec.vintage})
    found = [rec for rec in result.provenance if rec.dataset in assets]
    if found:
        rows.append(
            {
                "what": f"Community assets: {len(found)} source{'s' if len(found) > 1 else ''}",
                "vintage": "; ".join(f"{r.title} ({r.vintage})" for r in found),
            }
        )
    return rows


def parameters(result: Result) -> list[dict[str, str]]:
    p = result.parameters
    counted = [tables.category_label(c) for c in result.categories]
    rows = [
        {"name": "Risk model", "value": MODEL_LABELS.get(p.model, p.model)},
        {
            "name": "Asset categories counted",
            "value": ", ".join(counted) if counted else "none found",
        },
        {
            "name": "Walking distances counted",
            "value": ", ".join(f"{t:,} m" for t in p.thresholds),
        },
        {
            "name": "Walking speed",
            "value": f"{p.speed_m_s:g} m/s ({p.speed_m_s * 60:.0f} m a minute), straight line",
        },
        {
            "name": "E2SFCA catchment",
            "value": f"{p.catchment_m:,.0f} m, Gaussian decay (σ = {p.catchment_m / 2:,.0f} m)",
        },
        {
            "name": "Hot spots",
            "value": f"Local Moran's I, {p.permutations:,} permutations, seed {p.seed}, "
            "false discovery rate 5%",
        },
    ]
    if p.model != "older" and result.risk_weights:
        weights = ", ".join(
            f"{tables.INDICATOR_WORDS.get(k, k)} {v:.0%}" for k, v in result.risk_weights.items()
        )
        custom = " (changed from the defaults)" if p.weights else " (defaults)"
        rows.append({"name": "Index weights" + custom, "value": weights})
    return rows


def asset_sources(result: Result) -> list[dict[str, str]]:
    sources = set(result.assets["source"].astype(str)) if len(result.assets) else set()
    return [
        {"key": rec.dataset, "title": rec.title, "vintage": rec.vintage}
        for rec in result.provenance
        if rec.dataset in sources
    ]


def method(result: Result) -> dict[str, Any]:
    p = result.parameters
    indicator_rows = []
    by_name = {i.name: i for i in risk.INDICATORS}
    for name, weight in result.risk_weights.items():
        ind = by_name.get(name)
        if ind is None:  # an uploaded indicator, "user:<column>"
            column = name.split(":", 1)[-1]
            label = column.removeprefix("user_").replace("_", " ") + " (your data)"
            indicator_rows.append({"label": label, "column": column, "weight": fmt_pct(weight, 1)})
            continue
        indicator_rows.append(
            {"label": ind.label, "column": ind.column, "weight": fmt_pct(weight, 1)}
        )
    model_rows = []
    for term, row in risk.model_table().iterrows():
        model_rows.append(
            {
                "term": str(row["label"]),
                "estimate": f"{row['estimate']:+.4f}",
                "used": "yes" if row["used"] else "no: not in the Census",
                "how": str(row["approximations"]) if term != "intercept" else "",
            }
        )
    categories = [
        {"label": c.label, "why": c.why, "counted": c.key in result.categories} for c in CATEGORIES
    ]
    known = {c.key for c in CATEGORIES}
    categories += [
        {"label": tables.category_label(k), "why": "Uploaded by the user.", "counted": True}
        for k in result.categories
        if k not in known
    ]
    return {
        "model": p.model,
        # the method write-up, as on the app's Method page (the package's own text)
        "topics": [Markup(method_html(t, p, heading_offset=2)) for t in TOPICS],
        # every term the maps and tables use, with its meaning (escaped by glossary_html)
        "glossary": Markup(glossary_html(heading_level=4)),
        "indicator_rows": indicator_rows,
        "evidence_rows": [
            {
                "label": t.label,
                "odds_ratio": f"{t.odds_ratio:g}",
                "measure": t.approximation,
                "evidence": t.evidence,
            }
            for t in EVIDENCE_TERMS
        ],
        "model_rows": model_rows,
        "categories": categories,
        "catchment": f"{p.catchment_m:,.0f}",
        "sigma": f"{p.catchment_m / 2:,.0f}",
        "speed": f"{p.speed_m_s:g}",
        "thresholds": ", ".join(f"{t:,}" for t in p.thresholds),
        "minutes": " and ".join(str(m) for m in HEADLINE_MINUTES),
        "permutations": f"{p.permutations:,}",
        "morans_i": fmt_num(result.totals.get("global_morans_i"), 3),
        "morans_p": fmt_num(result.totals.get("global_morans_p"), 3),
        "hot_spots": fmt_int(result.totals.get("hot_spot_areas")),
    }


def sources(result: Result) -> list[dict[str, str]]:
    """One row per dataset; Census tables with the same licence share one row."""
    rows: list[dict[str, str]] = []
    census = [r for r in result.provenance if r.dataset.startswith("census_")]
    for rec in result.provenance:
        if rec.dataset.startswith("census_"):
            if rec is not census[0]:
                continue
            tables_ = ", ".join(r.dataset.removeprefix("census_").upper() for r in census)
            rows.append(
                {
                    "dataset": ", ".join(r.dataset for r in census),
                    "title": f"Census 2021 tables {tables_}",
                    "publisher": rec.publisher,
                    "vintage": rec.vintage,
                    "licence": licence_name(rec.licence),
                    "attribution": rec.attribution,
                    "rows": ", ".join(sorted({f"{r.rows:,}" for r in census})),
                    "origin": _origin(
                        rec.origin, "; ".join(r.location for r in census if r.location)
                    ),
                    "note": " ".join(
                        dict.fromkeys(f"{r.dataset}: {r.note}" for r in census if r.note)
                    ),
                }
            )
            continue
        rows.append(
            {
                "dataset": rec.dataset,
                "title": rec.title,
                "publisher": rec.publisher,
                "vintage": rec.vintage,
                "licence": licence_name(rec.licence),
                "attribution": rec.attribution,
                "rows": f"{rec.rows:,}",
                "origin": _origin(rec.origin, rec.location),
                "note": rec.note,
            }
        )
    return rows


def _origin(origin: str, location: str) -> str:
    """Where a dataset was read, without exposing server paths."""
    first = location.split(";")[0].strip()
    parsed = urlparse(first)
    if parsed.scheme in ("http", "https"):
        return f"{origin}: {parsed.netloc}{parsed.path}"
    names = [os.path.basename(part.strip()) for part in location.split(";") if part.strip()]
    return f"{origin}: {', '.join(names)}" if names else origin
