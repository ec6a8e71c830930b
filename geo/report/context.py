"""What the report says: an analysis result turned into the template's values.

:func:`report_context` returns plain Python values (strings already formatted
for people, lists of rows) so the Jinja2 template only lays them out.  Every
string here is data: the template escapes all of it (autoescape), including
names that come from OpenStreetMap, registers and uploads.  The parts live in
their own modules: :mod:`.summary` (page 1), :mod:`.wards`,
:mod:`.directory`, :mod:`.appendix` (method, vintages, sources) and
:mod:`.formatting`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo import __version__
from geo.pipeline import HEADLINE_MINUTES, headline
from geo.present.classes import risk_decile_column
from geo.regionnames import REGION_NOT_KNOWN, region_name

from . import appendix, staticmaps, summary, tables, wards
from .appendix import CAVEATS, MODEL_LABELS
from .basemap import basemap_from_env
from .directory import DIRECTORY_LIMIT, directory_context
from .formatting import (
    columns_as_code,
    data_uri,
    date_text,
    fmt_int,
    fmt_num,
    fmt_pct,
    join_words,
    missing,
    text,
)
from .formatting import (
    share as share_of,
)
from .mapjob import MAP_KEYS, ReportMaps
from .scenariosection import scenario_context

if TYPE_CHECKING:
    from geo.pipeline import Result
    from geo.planning import Scenario
    from geo.reference import Reference

__all__ = [
    "CAVEATS",
    "DIRECTORY_LIMIT",
    "MODEL_LABELS",
    "fmt_int",
    "fmt_num",
    "fmt_pct",
    "report_context",
]


def report_context(
    result: Result,
    *,
    maps: Mapping[str, bytes] | ReportMaps | None = None,
    generated: datetime | None = None,
    scenario: Scenario | None = None,
    reference: Reference | None = None,
) -> dict[str, Any]:
    """Everything the report template shows, formatted.

    Parameters
    ----------
    result
        The analysis to report.
    maps
        PNG bytes keyed ``risk``, ``access``, ``gaps``, ``assets`` (default:
        drawn now with :func:`geo.report.staticmaps.all_maps`), or maps being
        drawn (:class:`geo.report.mapjob.ReportMaps`): the images then point
        to them, for :func:`geo.report.render.report_documents`.
    generated
        The report's date (default: now).
    scenario
        A what-if of this analysis (:func:`geo.planning.scenario`): the
        report then has a "Scenario" section (``scenario`` is ``None`` otherwise).
    reference
        England's small areas (:func:`geo.reference.reference_areas`): the
        summary's figures are then set beside the region's and England's.
    """
    generated = generated or datetime.now()
    if isinstance(maps, ReportMaps):
        basemap = maps.basemap
    elif maps is None:
        basemap = basemap_from_env()
        maps = staticmaps.all_maps(result, basemap=basemap)
    else:
        basemap = None
        maps = dict(maps)
    tile_note = [basemap.note()] if basemap is not None and basemap.note() else []
    region = result.region
    priority = tables.priority_table(result)
    fallback = tables.top_gap_table(result) if priority.empty else None
    mask, is_priority = tables.gap_areas(result)
    numbers = wards.priority_order(result)
    return {
        "title": f"Loneliness risk and community provision: {region.name}",
        "area_name": region.name,
        "area_key": region.key,
        "lad_codes": ", ".join(region.lad_codes[:12]) + ("…" if len(region.lad_codes) > 12 else ""),
        "generated": date_text(generated),
        "generated_iso": generated.strftime("%Y-%m-%d"),
        "version": __version__,
        "n_areas": f"{len(result.areas):,}",
        "places": [p.row() for p in summary.top_places(result)],
        "gap_meaning": summary.gap_meaning(result),
        "far_minutes": summary.FAR_MINUTES,
        "comparators": summary.comparators(result, reference),
        "region_name": _region_name(result),
        "vintages": appendix.vintages(result),
        "model": MODEL_LABELS.get(result.parameters.model, result.parameters.model),
        "parameters": appendix.parameters(result),
        "figures": _figures(result),
        "maps": _maps(result, maps),
        "map_source": maps if isinstance(maps, ReportMaps) else None,
        "priority_rows": _area_rows(priority, numbers),
        "priority_count": len(priority),
        "fallback_rows": _area_rows(fallback, None) if fallback is not None else [],
        "risk_column": _risk_column(result),
        "ward_rows": _ward_rows(wards.ward_summary(result)),
        "equity_rows": _equity_rows(tables.equity_table(result, mask)),
        "equity_scope": "the priority gap areas"
        if is_priority
        else f"the {int(mask.sum())} areas with the largest gap scores (there is no "
        "priority gap area)",
        "directory": directory_context(result),
        "method": appendix.method(result),
        "sources": appendix.sources(result),
        "asset_sources": appendix.asset_sources(result),
        "caveats": list(CAVEATS),
        "coverage": result.coverage_summary(),
        "analysis_notes": [columns_as_code(n) for n in (*result.notes, *tile_note)],
        "region_notes": [columns_as_code(n) for n in region.notes],
        "unavailable": [
            {"title": u.title, "dataset": u.dataset, "reason": u.reason} for u in region.unavailable
        ],
        "scenario": scenario_context(scenario) if scenario is not None else None,
    }


def _region_name(result: Result) -> str:
    """The region's name for the comparators' heading ("Region (not known)" without one)."""
    codes = result.areas.get("region_code")
    known = codes.dropna() if codes is not None else pd.Series(dtype="str")
    name = region_name(str(known.mode().iloc[0])) if len(known) else None
    return name or f"Region ({REGION_NOT_KNOWN})"


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
            "value": fmt_int(h.get("england_top20_residents")),
            "label": "people living in England's 20% of small areas most at risk of loneliness",
            "note": f"{fmt_pct(h.get('england_top20_share'))} of residents (England: about 20%); "
            "England's deciles on the chosen model",
        },
        {
            "value": fmt_int(h.get("residents_beyond_10min")),
            "label": "residents beyond 10 minutes' walk of any community place",
            "note": f"{fmt_pct(h.get('share_beyond_10min'))} of residents; "
            f"{10 * 60 * speed:,.0f} m in a straight line",
        },
        {
            "value": fmt_int(h.get("high_risk_residents")),
            "label": "people living in the third of this area's small areas with the highest "
            "risk (relative to this area)",
            "note": f"{fmt_pct(share_of(h.get('high_risk_residents'), residents))} of residents; "
            f"{t.get('high_risk_areas', 0):,} areas",
        },
        {
            "value": fmt_int(h.get("expected_lonely"), nearest=10) if lonely_known else "–",
            "label": "older people (65+) expected to be often lonely",
            "note": "Age UK model calibrated to 7% of people 65+ often lonely (Age UK 2024); "
            f"90% range {fmt_int(h.get('expected_lonely_p05'), nearest=10)}–"
            f"{fmt_int(h.get('expected_lonely_p95'), nearest=10)} (see method)"
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
                "label": f"of the residents of this area's highest-risk third live beyond "
                f"{minutes} minutes' walk of any community asset",
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


def _maps(result: Result, maps: Mapping[str, bytes] | ReportMaps) -> list[dict[str, str]]:
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
            "numbers are the priority areas in order, as in the table (1 = largest gap). "
            "Grey lines and names: electoral wards.",
        ),
        "assets": (
            "Community assets by category",
            "Assets counted as provision, inside the area (solid) and within the buffer "
            "around it (faded), which residents near the border also use.",
        ),
    }
    out = []
    for key in MAP_KEYS:
        if isinstance(maps, ReportMaps) or key in maps:
            title, caption = captions[key]
            out.append(
                {
                    "key": key,
                    "title": title,
                    "caption": caption,
                    "alt": _alt(result, key),
                    "src": maps.url(key) if isinstance(maps, ReportMaps) else data_uri(maps[key]),
                }
            )
    return out


def _top_wards(areas: pd.DataFrame, mask: pd.Series, n: int = 3) -> str:
    names = wards.ward_names(areas[mask])
    counts = names.value_counts()
    return join_words(list(counts.index[:n]))


def _alt(result: Result, key: str) -> str:
    """What each map shows, in words, for people who cannot see it."""
    areas = result.areas
    name = result.region.name
    base = f"Map of {name}'s {len(areas):,} small areas with electoral ward boundaries"
    if key == "risk":
        decile = pd.to_numeric(areas.get(risk_decile_column(areas)), errors="coerce")
        high = decile <= 3
        where = _top_wards(areas, high)
        return (
            f"{base}, coloured by loneliness-risk decile (dark = highest risk). "
            f"{int(high.sum()):,} areas are in the three highest-risk deciles"
            + (f", most of them in {where}." if where else ".")
        )
    if key == "access":
        access = pd.to_numeric(areas.get("access_e2sfca"), errors="coerce")
        low = access <= access.quantile(0.2)
        where = _top_wards(areas, low)
        return (
            f"{base}, coloured by access to community places per resident (dark = better "
            "provided)." + (f" The lowest access is in {where}." if where else "")
        )
    if key == "gaps":
        mask = wards.priority_mask(areas)
        where = _top_wards(areas, mask, 4)
        return (
            f"{base}, coloured by risk and access class. {int(mask.sum()):,} priority gap "
            "areas are outlined and numbered" + (f", in {where} and other wards." if where else ".")
        )
    n_in = int(result.assets["in_region"].fillna(False).sum()) if len(result.assets) else 0
    return (
        f"{base}, with {n_in:,} community places inside the area drawn as symbols by "
        "category; places just outside are faded."
    )


def _risk_column(result: Result) -> str:
    national = result.areas.get("risk_decile_national")
    return "england" if national is not None and national.notna().any() else "local"


def _rank_range(rec: dict) -> str:
    """``3–7``: the 5th–95th percentile rank under model uncertainty, or empty."""
    low, high = rec.get("risk_rank_p05"), rec.get("risk_rank_p95")
    return "" if missing(low) or missing(high) else f"{fmt_int(low)}–{fmt_int(high)}"


def _area_rows(frame: pd.DataFrame | None, numbers: pd.Series | None) -> list[dict[str, Any]]:
    """Table rows; ``numbers`` are the consecutive priority numbers (else 1, 2, 3 … in order)."""
    if frame is None or frame.empty:
        return []
    rows = []
    for i, rec in enumerate(frame.to_dict(orient="records"), start=1):
        code = str(rec.get("lsoa21cd", ""))
        number = numbers.get(code) if numbers is not None else i
        distance = rec.get("nearest_any_m")
        minutes = rec.get("walk_min_any")
        near_name = rec.get("nearest_asset_name")
        rows.append(
            {
                "rank": fmt_int(number if number is not None else i),
                "code": code,
                "name": text(rec.get("lsoa21nm")),
                "ward": text(rec.get("ward_name")),
                "residents": fmt_int(rec.get("population")),
                "decile_england": fmt_int(rec.get("risk_decile_national")),
                "decile_local": fmt_int(rec.get("risk_decile")),
                "rank_range": _rank_range(rec),
                "robust": not missing(rec.get("robust_priority"))
                and bool(rec.get("robust_priority")),
                "access": fmt_num(rec.get("access_e2sfca"), 2),
                "distance": f"{fmt_int(distance)} m" if not missing(distance) else "none",
                "minutes": f"{fmt_int(minutes)} min" if not missing(minutes) else "",
                "asset": text(near_name),
                "asset_category": ""
                if text(near_name).startswith("unnamed ")
                else text(rec.get("nearest_asset_category")),
                "drivers": text(rec.get("drivers")) or "–",
                "hotspot": bool(rec.get("hotspot")) if not missing(rec.get("hotspot")) else False,
            }
        )
    return rows


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
                "ratio": "" if missing(ratio) else f"{ratio:.2f}×",
                "over": (not missing(ratio)) and ratio >= 1.2,
                "under": (not missing(ratio)) and ratio <= 1 / 1.2,
            }
        )
    return rows


def _ward_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    rows = []
    for rec in frame.to_dict(orient="records"):
        rows.append(
            {
                "ward": rec["ward"],
                "areas": fmt_int(rec["areas"]),
                "residents": fmt_int(rec["residents"]),
                "high_risk": fmt_int(rec["high_risk_residents"]),
                "priority": fmt_int(rec["priority_areas"]),
                "first": fmt_int(rec["first_priority"]) if rec["priority_areas"] else "",
                "nearest": f"{fmt_int(rec['median_nearest_m'])} m"
                if not missing(rec["median_nearest_m"])
                else "–",
                "minutes": fmt_num(rec["median_walk_min"], 0),
            }
        )
    return rows
