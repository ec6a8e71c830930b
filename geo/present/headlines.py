"""The headline figures, what each one means, and how each is shown.

One place builds them for the map page, the Compare page, the report and
``python -m geo analyse``.  Two kinds are kept apart in their labels:

* **Against England** (absolute): residents of England's 20% of small areas
  most at risk (national deciles 1–2 of the chosen model), residents beyond a
  10-minute walk of any covered community place, the expected number of people
  65+ often lonely with its 90% range.  These compare across areas.
* **Within this area** (relative): residents of *the third of this area's
  small areas with the highest risk*, their share beyond a walk, the priority
  gaps.  By construction every area has such a third: they do not compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ENGLAND_TOP_DECILES", "FIGURES", "Figure", "formatted", "headline_values"]

#: National deciles counted as "England's top 20%" (1 = the highest-risk 10%).
ENGLAND_TOP_DECILES = 2
#: The walk (minutes) of the absolute access headline.
WALK_MINUTES = 10


@dataclass(frozen=True)
class Figure:
    """One headline: its key in :func:`headline_values`, label, kind and explanation."""

    key: str
    label: str
    kind: str  # "count" or "share"
    scope: str  # "england" (absolute) or "here" (relative to this area)
    help: str


FIGURES: tuple[Figure, ...] = (
    Figure("residents", "Residents", "count", "england", "Usual residents, Census 2021."),
    Figure(
        "england_top20_residents",
        "In England's 20% highest-risk areas",
        "count",
        "england",
        "Residents of small areas in England's two highest-risk deciles on the chosen model "
        "(the 20% of English small areas with the highest risk).",
    ),
    Figure(
        "england_top20_share",
        "Share in England's 20% highest-risk areas",
        "share",
        "england",
        "The same as a share of residents; England's own share is about 20%.",
    ),
    Figure(
        "residents_beyond_10min",
        f"Beyond {WALK_MINUTES} min walk of any place",
        "count",
        "england",
        f"Residents whose nearest counted community place is more than a {WALK_MINUTES}-minute "
        "walk away (straight line at the walking speed chosen).",
    ),
    Figure(
        "share_beyond_10min",
        f"Share beyond {WALK_MINUTES} min walk",
        "share",
        "england",
        "The same as a share of residents with a known distance.",
    ),
    Figure(
        "expected_lonely",
        "Lonely 65+ (est.)",
        "count",
        "england",
        "People aged 65+ expected to be often lonely: the Age UK model applied to Census "
        "2021, calibrated so England's share is 7% (Age UK 2024). A modelled estimate, "
        "not a count.",
    ),
    Figure(
        "high_risk_residents",
        "In this area's highest-risk third",
        "count",
        "here",
        "Residents of the third of this area's small areas with the highest risk (relative: "
        "every area has such a third).",
    ),
    Figure(
        "high_risk_share_beyond_10min",
        "That third, >10 min walk",
        "share",
        "here",
        "Share of the residents of this area's highest-risk third beyond a 10-minute walk "
        "of any counted community place.",
    ),
    Figure(
        "priority_areas",
        "Priority gaps (this area)",
        "count",
        "here",
        "Small areas in this area's highest third for risk and lowest third for access.",
    ),
)


def _sum(values: pd.Series) -> float:
    return float(pd.to_numeric(values, errors="coerce").fillna(0).sum())


def headline_values(areas: pd.DataFrame, totals: Mapping[str, Any]) -> dict[str, Any]:
    """Every headline's value (NaN or None where not known), from a result's areas and totals."""
    pop = pd.to_numeric(areas.get("population"), errors="coerce")
    residents = float(pop.sum()) if "population" in areas else float("nan")
    decile = pd.to_numeric(areas.get("risk_decile_national"), errors="coerce")
    top = float("nan")
    if "population" in areas and decile is not None and decile.notna().any():
        top = float(pop[decile <= ENGLAND_TOP_DECILES].sum())
    return {
        "residents": residents,
        "england_top20_residents": top,
        "england_top20_share": top / residents if residents > 0 else float("nan"),
        "residents_beyond_10min": totals.get(f"residents_beyond_{WALK_MINUTES}min"),
        "share_beyond_10min": totals.get(f"share_beyond_{WALK_MINUTES}min"),
        "high_risk_residents": totals.get("high_risk_residents"),
        "expected_lonely": totals.get("expected_lonely"),
        "expected_lonely_p05": totals.get("expected_lonely_p05"),
        "expected_lonely_p95": totals.get("expected_lonely_p95"),
    }


def formatted(figure: Figure, value: Any) -> str:
    """A figure's value for people: ``12,345``, ``21.3%`` or ``—`` when not known."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return "—"
    if figure.kind == "share":
        return f"{float(value) * 100:.1f}%"
    return f"{float(value):,.0f}"
