"""What the report says: an analysis result turned into the template's values.

:func:`report_context` returns plain Python values (strings already formatted
for people, lists of rows) so the Jinja2 template only lays them out.  Every
string here is data: the template escapes all of it (autoescape), including
names that come from OpenStreetMap, registers and uploads.
"""

from __future__ import annotations

import base64
import math
import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pandas as pd

from geo import __version__, risk
from geo.pipeline import HEADLINE_MINUTES, headline
from geo.sources.registry import licence_name
from geo.sources.taxonomy import CATEGORIES

from . import staticmaps, tables

if TYPE_CHECKING:
    from geo.pipeline import Result

#: Most assets listed in the printed directory (the exports always hold all).
DIRECTORY_LIMIT = 2500

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


def report_context(
    result: Result,
    *,
    maps: Mapping[str, bytes] | None = None,
    generated: datetime | None = None,
) -> dict[str, Any]:
    """Everything the report template shows, formatted.

    Parameters
    ----------
    result
        The analysis to report.
    maps
        PNG bytes keyed ``risk``, ``access``, ``gaps``, ``assets`` (default:
        drawn now with :func:`geo.report.staticmaps.all_maps`).
    generated
        The report's date (default: now).
    """
    generated = generated or datetime.now()
    maps = dict(maps) if maps is not None else staticmaps.all_maps(result)
    region = result.region
    priority = tables.priority_table(result)
    fallback = tables.top_gap_table(result) if priority.empty else None
    mask, is_priority = tables.gap_areas(result)
    return {
        "title": f"Loneliness risk and community provision: {region.name}",
        "area_name": region.name,
        "area_key": region.key,
        "lad_codes": ", ".join(region.lad_codes[:12]) + ("…" if len(region.lad_codes) > 12 else ""),
        "generated": _date(generated),
        "generated_iso": generated.strftime("%Y-%m-%d"),
        "version": __version__,
        "n_areas": f"{len(result.areas):,}",
        "vintages": _vintages(result),
        "model": MODEL_LABELS.get(result.parameters.model, result.parameters.model),
        "parameters": _parameters(result),
        "figures": _figures(result),
        "maps": _maps(result, maps),
        "priority_rows": _area_rows(priority),
        "priority_count": len(priority),
        "fallback_rows": _area_rows(fallback) if fallback is not None else [],
        "risk_column": _risk_column(result),
        "equity_rows": _equity_rows(tables.equity_table(result, mask)),
        "equity_scope": "the priority gap areas"
        if is_priority
        else f"the {int(mask.sum())} areas with the largest gap scores (there is no "
        "priority gap area)",
        "directory": _directory(result),
        "method": _method(result),
        "sources": _sources(result),
        "asset_sources": _asset_sources(result),
        "caveats": list(CAVEATS),
        "analysis_notes": list(result.notes),
        "region_notes": list(region.notes),
        "unavailable": [
            {"title": u.title, "dataset": u.dataset, "reason": u.reason} for u in region.unavailable
        ],
    }


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]  # bad ones caught
    except (TypeError, ValueError):
        return False


def fmt_int(value: object, *, nearest: int = 1) -> str:
    """``12,345`` (``–`` when missing), optionally rounded to ``nearest``."""
    if _missing(value):
        return "–"
    number = float(value)  # type: ignore[arg-type]  # a number: not _missing
    if nearest > 1:
        number = round(number / nearest) * nearest
    return f"{number:,.0f}"


def fmt_pct(value: object, digits: int = 0) -> str:
    """``12%`` from a fraction (``–`` when missing)."""
    if _missing(value):
        return "–"
    return f"{float(value):.{digits}%}"  # type: ignore[arg-type]  # a number: not _missing


def fmt_num(value: object, digits: int = 1) -> str:
    """A number with ``digits`` decimals (``–`` when missing)."""
    if _missing(value):
        return "–"
    return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]  # a number: not _missing


def _date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# ---------------------------------------------------------------------------
# Cover and headline figures
# ---------------------------------------------------------------------------


def _vintages(result: Result) -> list[dict[str, str]]:
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


def _parameters(result: Result) -> list[dict[str, str]]:
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


def _figures(result: Result) -> list[dict[str, str]]:
    h = headline(result)
    t = result.totals
    residents = h.get("residents")
    speed = result.parameters.speed_m_s
    expected = result.areas.get("expected_lonely")
    lonely_known = expected is not None and bool(expected.notna().any())
    figures = [
        {
            "value": fmt_int(residents),
            "label": "residents (Census 2021)",
            "note": f"in {len(result.areas):,} small areas (LSOA 2021)",
        },
        {
            "value": fmt_int(h.get("high_risk_residents")),
            "label": "people living in the highest-risk third of areas",
            "note": f"{fmt_pct(_share(h.get('high_risk_residents'), residents))} of residents; "
            f"{t.get('high_risk_areas', 0):,} areas",
        },
        {
            "value": fmt_int(h.get("expected_lonely"), nearest=10) if lonely_known else "–",
            "label": "older people (65+) expected to be often lonely",
            "note": "estimate from the Age UK model; an understatement (see method)"
            if lonely_known
            else "not available: the Census tables the Age UK model needs are missing",
        },
    ]
    for minutes in HEADLINE_MINUTES:
        share = h.get(f"high_risk_share_beyond_{minutes}min")
        people = t.get(f"high_risk_residents_beyond_{minutes}min")
        figures.append(
            {
                "value": fmt_pct(share, 1 if share is not None and 0 < share < 0.01 else 0),
                "label": f"of high-risk residents live beyond {minutes} minutes' walk "
                "of any community asset",
                "note": f"{fmt_int(people)} people; {minutes * 60 * speed:,.0f} m in a "
                "straight line",
            }
        )
    figures.append(
        {
            "value": fmt_int(h.get("priority_areas")),
            "label": "priority gap areas (high risk, low access)",
            "note": f"home to {fmt_int(h.get('priority_residents'))} people "
            f"({fmt_pct(t.get('priority_residents_share'))} of residents)",
        }
    )
    if lonely_known and t.get("priority_areas"):
        figures.append(
            {
                "value": fmt_int(t.get("priority_expected_lonely"), nearest=10),
                "label": "older people expected to be often lonely in the priority gap areas",
                "note": f"{fmt_pct(t.get('priority_expected_lonely_share'))} of the area's "
                "estimate",
            }
        )
    return figures


def _share(part: object, whole: object) -> float:
    if _missing(part) or _missing(whole) or float(whole) == 0:  # type: ignore[arg-type]  # numbers: not _missing
        return float("nan")
    return float(part) / float(whole)  # type: ignore[arg-type]  # numbers: not _missing


# ---------------------------------------------------------------------------
# Maps
# ---------------------------------------------------------------------------


def _maps(result: Result, maps: Mapping[str, bytes]) -> list[dict[str, str]]:
    p = result.parameters
    national = result.areas.get("risk_decile_national")
    scope = "England" if national is not None and national.notna().any() else "this area"
    captions = {
        "risk": (
            "Where loneliness risk is highest",
            f"Loneliness-risk decile of each small area within {scope} (1 = the 10% of "
            f"areas with the highest risk). Model: {MODEL_LABELS.get(p.model, p.model)}.",
        ),
        "access": (
            "Access to community assets",
            "Enhanced two-step floating catchment (E2SFCA): community assets per 1,000 "
            f"residents within {p.catchment_m:,.0f} m, nearer assets counting more and each "
            "asset shared among everyone who can reach it. Darker is better provided.",
        ),
        "gaps": (
            "Gaps: high risk and low access",
            "Each area's risk tercile and access tercile within this area. Dark blue, "
            "outlined: priority gap areas (highest third for risk, lowest third for access); "
            "numbers are priority ranks, as in the table.",
        ),
        "assets": (
            "Community assets by category",
            "Assets counted as provision, inside the area (solid) and within the buffer "
            "around it (faded), which residents near the border also use.",
        ),
    }
    out = []
    for key in ("risk", "access", "gaps", "assets"):
        if key in maps:
            title, caption = captions[key]
            out.append(
                {"key": key, "title": title, "caption": caption, "src": _data_uri(maps[key])}
            )
    return out


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def _risk_column(result: Result) -> str:
    national = result.areas.get("risk_decile_national")
    return "england" if national is not None and national.notna().any() else "local"


def _area_rows(frame: pd.DataFrame | None) -> list[dict[str, object]]:
    if frame is None or frame.empty:
        return []
    rows = []
    for rec in frame.to_dict(orient="records"):
        distance = rec.get("nearest_any_m")
        minutes = rec.get("walk_min_any")
        near_name = rec.get("nearest_asset_name")
        rows.append(
            {
                "rank": fmt_int(rec.get("priority_rank")),
                "code": str(rec.get("lsoa21cd", "")),
                "name": _text(rec.get("lsoa21nm")),
                "ward": _text(rec.get("ward_name")),
                "residents": fmt_int(rec.get("population")),
                "decile_england": fmt_int(rec.get("risk_decile_national")),
                "decile_local": fmt_int(rec.get("risk_decile")),
                "access": fmt_num(rec.get("access_e2sfca"), 2),
                "distance": f"{fmt_int(distance)} m" if not _missing(distance) else "none",
                "minutes": f"{fmt_int(minutes)} min" if not _missing(minutes) else "",
                "asset": _text(near_name),
                "asset_category": ""
                if _text(near_name).startswith("unnamed ")
                else _text(rec.get("nearest_asset_category")),
                "drivers": _text(rec.get("drivers")) or "–",
                "hotspot": bool(rec.get("hotspot")) if not _missing(rec.get("hotspot")) else False,
            }
        )
    return rows


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


def _equity_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    rows = []
    for rec in frame.to_dict(orient="records"):
        ratio = rec["ratio"]
        rows.append(
            {
                "group": rec["group"],
                "base": rec["base"],
                "count": fmt_int(rec["in_gap_areas"], nearest=1),
                "share_gap": fmt_pct(rec["share_gap"], 1),
                "share_all": fmt_pct(rec["share_all"], 1),
                "ratio": "" if _missing(ratio) else f"{ratio:.2f}×",
                "over": (not _missing(ratio)) and ratio >= 1.2,
                "under": (not _missing(ratio)) and ratio <= 1 / 1.2,
            }
        )
    return rows


def _directory(result: Result) -> dict[str, Any]:
    """Named assets (or unnamed ones with an address) listed; the rest counted."""
    frame = tables.asset_directory(result)
    total = len(frame)
    listable = frame["named"] | ~frame["where"].str.match(r"^-?\d+\.\d+, -?\d+\.\d+$")
    listed = frame[listable]
    shown = listed.head(DIRECTORY_LIMIT)
    groups = []
    for key, part in frame.groupby("category", sort=False):
        rows = shown[shown["category"] == key]
        unlisted = len(part) - len(rows)
        plural = part["category_label"].iloc[0].lower()
        groups.append(
            {
                "key": key,
                "label": part["category_label"].iloc[0],
                "count": f"{len(part):,}",
                "rows": [
                    {"name": n, "where": w, "source": s}
                    for n, w, s in zip(rows["name"], rows["where"], rows["source"], strict=True)
                ],
                "unlisted": f"{unlisted:,} {'more ' if len(rows) else ''}{plural} "
                f"{'entry' if unlisted == 1 else 'entries'} without a name or address"
                if unlisted and len(listed) <= DIRECTORY_LIMIT
                else (f"{unlisted:,} more not listed" if unlisted else ""),
            }
        )
    inside = result.assets["in_region"].fillna(False).astype(bool) if len(result.assets) else None
    outside = int((~inside).sum()) if inside is not None else 0
    return {
        "groups": groups,
        "total": f"{total:,}",
        "listed": f"{len(shown):,}",
        "truncated": len(listed) > len(shown),
        "outside": f"{outside:,}",
    }


def _asset_sources(result: Result) -> list[dict[str, str]]:
    sources = set(result.assets["source"].astype(str)) if len(result.assets) else set()
    return [
        {"key": rec.dataset, "title": rec.title, "vintage": rec.vintage}
        for rec in result.provenance
        if rec.dataset in sources
    ]


# ---------------------------------------------------------------------------
# Method and sources
# ---------------------------------------------------------------------------


def _method(result: Result) -> dict[str, Any]:
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
        "indicator_rows": indicator_rows,
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


def _sources(result: Result) -> list[dict[str, str]]:
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
