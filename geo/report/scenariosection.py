"""The report's "Scenario" section: what a what-if proposes and what it changes.

:func:`scenario_context` turns a :class:`~geo.planning.Scenario` into the
values of ``templates/scenario.html.j2`` (and the Word report's section):
the proposals (name, kind, open or close, ward), the headline totals, the
gap maps before and after (:mod:`geo.report.scenariomaps`), the areas that
changed and who lives in the areas it helps
(:func:`geo.planning.scenario_equity`).  Every string is data and is escaped
by the template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.gaps import CLASS_LABELS
from geo.pipeline import HEADLINE_MINUTES
from geo.present.labels import category_label

from .formatting import data_uri, fmt_int, fmt_num, fmt_pct, missing, text
from .scenariomaps import scenario_maps
from .wards import ward_names

if TYPE_CHECKING:
    from geo.planning import Scenario

#: At most this many changed areas are listed (the rest are counted).
CHANGED_LIMIT = 40


def scenario_context(plan: Scenario, *, maps: Mapping[str, bytes] | None = None) -> dict[str, Any]:
    """The values of the scenario section.

    ``maps`` are PNG bytes keyed ``before`` and ``after`` (default: drawn
    now with :func:`geo.report.scenariomaps.scenario_maps`).
    """
    from geo.planning import scenario_equity

    drawn = dict(maps) if maps is not None else scenario_maps(plan)
    changed = plan.comparison[plan.comparison["changed"].astype(bool)]
    rows = changed_rows(changed)
    return {
        "name": text(plan.name) or "Scenario",
        "proposals": proposal_rows(plan),
        "totals": total_rows(plan.totals),
        "maps": [
            {
                "key": key,
                "title": f"{key.capitalize()} the scenario",
                "alt": _alt(plan, key),
                "src": data_uri(drawn[key]),
            }
            for key in ("before", "after")
            if key in drawn
        ],
        "changed_rows": rows[:CHANGED_LIMIT],
        "changed_count": fmt_int(len(rows)),
        "changed_more": max(0, len(rows) - CHANGED_LIMIT),
        "equity_rows": equity_rows(scenario_equity(plan)),
    }


def proposal_rows(plan: Scenario) -> list[dict[str, str]]:
    """One row per proposal: name, kind, action and the ward it stands in."""
    proposals = plan.proposals
    if not len(proposals):
        return []
    areas = plan.before.areas
    points = proposals.to_crs(areas.crs).geometry
    inside, hit = areas.sindex.query(points, predicate="intersects")  # a border: either area
    names = ward_names(areas)
    ward = pd.Series("outside the area", index=range(len(proposals)), dtype=object)
    ward.iloc[inside] = names.iloc[hit].to_numpy()
    rows = []
    for i, rec in enumerate(proposals.to_dict(orient="records")):
        rows.append(
            {
                "name": text(rec.get("name")) or "unnamed place",
                "kind": category_label(str(rec.get("category", ""))),
                "action": str(rec.get("action", "")),
                "ward": text(ward.iloc[i]),
            }
        )
    return rows


def total_rows(totals: Mapping[str, Any]) -> list[dict[str, str]]:
    """The headline effects: priority areas before and after, residents who gain."""
    rows = [
        {
            "what": "Priority gap areas (high risk, low access)",
            "value": f"{fmt_int(totals.get('priority_areas_before'))} → "
            f"{fmt_int(totals.get('priority_areas_after'))}",
        },
        {
            "what": "Residents of areas leaving a priority gap",
            "value": fmt_int(totals.get("residents_leaving_priority")),
        },
        {
            "what": "Residents of areas becoming a priority gap",
            "value": fmt_int(totals.get("residents_entering_priority")),
        },
    ]
    for m in HEADLINE_MINUTES:
        rows.append(
            {
                "what": f"High-risk residents newly within {m} minutes' walk of a place",
                "value": fmt_int(totals.get(f"high_risk_residents_newly_within_{m}min")),
            }
        )
        lost = totals.get(f"high_risk_residents_no_longer_within_{m}min")
        if lost:
            rows.append(
                {
                    "what": f"High-risk residents no longer within {m} minutes' walk",
                    "value": fmt_int(lost),
                }
            )
    rows.append(
        {
            "what": "Areas whose figures changed",
            "value": fmt_int(totals.get("areas_changed")),
        }
    )
    return rows


def changed_rows(changed: pd.DataFrame) -> list[dict[str, str]]:
    """The areas that changed, those leaving or entering a priority gap first."""
    if changed.empty:
        return []
    was = changed["is_priority_before"].fillna(False).astype(bool)
    now = changed["is_priority_after"].fillna(False).astype(bool)
    gain = changed["nearest_any_m_before"].astype(float) - changed["nearest_any_m_after"]
    order = pd.DataFrame(
        {"moved": (was != now).astype(int), "gain": gain.fillna(np.inf)}, index=changed.index
    ).sort_values(["moved", "gain"], ascending=False, kind="stable")
    rows = []
    for code, rec in changed.loc[order.index].iterrows():
        rows.append(
            {
                "code": str(code),
                "name": text(rec.get("lsoa21nm")),
                "ward": text(rec.get("ward_name")),
                "residents": fmt_int(rec.get("population")),
                "nearest": f"{_metres(rec['nearest_any_m_before'])} → "
                f"{_metres(rec['nearest_any_m_after'])}",
                "access": f"{fmt_num(rec['access_e2sfca_before'], 2)} → "
                f"{fmt_num(rec['access_e2sfca_after'], 2)}",
                "class_before": _class(rec["gap_class_before"]),
                "class_after": _class(rec["gap_class_after"]),
                "priority": _priority(bool(was[code]), bool(now[code])),
            }
        )
    return rows


def equity_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Who lives in the areas the scenario helps, as the report's equity rows."""
    rows = []
    for rec in frame.to_dict(orient="records"):
        ratio = rec["ratio"]
        rows.append(
            {
                "group": text(rec["group"]),
                "base": text(rec["base"]),
                "count": fmt_int(rec["helped"]),
                "share_helped": fmt_pct(rec["share_helped"], 1),
                "share_all": fmt_pct(rec["share_all"], 1),
                "ratio": "" if missing(ratio) else f"{ratio:.2f}×",
            }
        )
    return rows


def _metres(value: object) -> str:
    return "none" if missing(value) else f"{fmt_int(value)} m"


def _class(value: object) -> str:
    return "no class" if missing(value) else CLASS_LABELS.get(str(value), str(value))


def _priority(was: bool, now: bool) -> str:
    if was and not now:
        return "leaves"
    if now and not was:
        return "becomes"
    return "still" if now else ""


def _alt(plan: Scenario, key: str) -> str:
    result = plan.before if key == "before" else plan.after
    n = int(result.areas["is_priority"].fillna(False).astype(bool).sum())
    opened = int((plan.proposals["action"] == "open").sum())
    closed = int((plan.proposals["action"] == "close").sum())
    return (
        f"Map of {result.region.name}'s small areas coloured by risk and access class "
        f"{key} the scenario '{text(plan.name)}': {n:,} priority gap areas outlined; "
        f"{opened} proposed place(s) marked with stars and {closed} closure(s) with crosses."
    )
