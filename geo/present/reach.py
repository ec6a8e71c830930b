"""What an area can reach of each kind of place, in words that say why a figure is blank.

Three cases read differently and must never be confused:

* **not covered** — no source lists that kind of place in the area, so
  whether there is one is unknown (:func:`not_covered_text`);
* **none within reach** — sources cover the area and none lies near enough;
* **a distance** — minutes' walk (and metres) to the nearest one.

:func:`covered_areas` reads which areas a category is covered in from a
result's :class:`geo.provision.Coverage`; :func:`nearest_text` and
:func:`provision_text` put one value into words; :func:`area_reach` gives
one line per kind of place counted, for the area panel.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import glossary
from .labels import category_label

if TYPE_CHECKING:
    from geo.provision import Coverage
    from geo.result import Result

__all__ = [
    "area_reach",
    "covered_areas",
    "nearest_text",
    "not_covered_text",
    "provision_text",
]


def covered_areas(coverage: Coverage | None, category: str | None, index: pd.Index) -> pd.Series:
    """True where ``category`` is covered (``None``: any place, covered where measured).

    "Any place" counts only the categories covered everywhere, so it is
    covered in every area unless no category is; with no coverage record
    (an analysis made before coverage was kept) every area counts as covered.
    """
    if coverage is None:
        return pd.Series(True, index=index)
    if category is None:
        return pd.Series(bool(coverage.full), index=index)
    if category not in coverage.frame:
        return pd.Series(False, index=index)
    return coverage.frame[category].reindex(index, fill_value=False).astype(bool)


def not_covered_text(kind: str) -> str:
    """``not covered — no source lists <kind> here``."""
    return f"{glossary.label('not_covered').lower()} — no source lists {kind} here"


def nearest_text(metres: Any, *, covered: bool, kind: str, speed_m_s: float) -> str:
    """The walk to the nearest place of a kind, or why there is no figure."""
    if not covered:
        return not_covered_text(kind)
    value = _number(metres)
    if value is None:
        return f"{glossary.label('none_within_reach').lower()} (none listed nearby)"
    minutes = value / float(speed_m_s) / 60.0
    return f"{minutes:.0f} min walk ({value:,.0f} m)"


def provision_text(value: Any, *, covered: bool, kind: str, catchment_m: float) -> str:
    """Places per 1,000 residents, or why there is no figure."""
    if not covered:
        return not_covered_text(kind)
    number = _number(value)
    if number is None:
        return "no data"
    if number == 0:
        return f"{glossary.label('none_within_reach').lower()} ({catchment_m:,.0f} m)"
    return f"{number:.2f} per 1,000 residents"


def area_reach(result: Result, code: str) -> list[tuple[str, str]]:
    """(kind of place, what the area can reach of it) for each category counted."""
    areas = result.areas
    if code not in areas.index:
        return []
    row = areas.loc[code]
    index = pd.Index([code])
    speed = result.parameters.speed_m_s
    out = []
    for category in result.categories:
        kind = category_label(category)
        covered = bool(covered_areas(result.coverage, category, index).iloc[0])
        out.append(
            (
                kind,
                nearest_text(
                    row.get(f"nearest_{category}_m"),
                    covered=covered,
                    kind=kind.lower(),
                    speed_m_s=speed,
                ),
            )
        )
    return out


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number
