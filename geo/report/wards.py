"""Priority areas by ward: consecutive priority numbers, a ward summary, place names.

``priority_rank`` (from :mod:`geo.gaps`) ranks every small area by gap score,
so the priority gap areas alone carry ranks with holes (1, 2, 3, 4, 6 …).  The
report numbers the priority areas 1, 2, 3 … in that order instead
(:func:`priority_order`), in its tables and on its maps alike.

:func:`ward_summary` adds the areas up by electoral ward (the ONS best-fit
LSOA → ward lookup the region carries): residents, residents of the
highest-risk third of areas, priority areas and the median distance to the
nearest community place, overall and for each category counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from geo.pipeline import Result

from geo.present.wards import NO_WARD, WARD, ward_names

__all__ = ["NO_WARD", "WARD", "priority_mask", "priority_order", "ward_names", "ward_summary"]


def priority_mask(areas: pd.DataFrame) -> pd.Series:
    """True for the priority gap areas."""
    if "is_priority" not in areas:
        return pd.Series(False, index=areas.index)
    return areas["is_priority"].fillna(False).astype(bool)


def priority_order(result: Result) -> pd.Series:
    """The priority gap areas numbered 1, 2, 3 … in gap-score order (``Int64``).

    Indexed like ``result.areas``; areas that are not priority gaps are missing.
    """
    areas = result.areas
    out = pd.Series(pd.NA, index=areas.index, dtype="Int64", name="priority_number")
    chosen = areas[priority_mask(areas)].sort_values("priority_rank", kind="stable")
    out.loc[chosen.index] = np.arange(1, len(chosen) + 1)
    return out


def _median(values: pd.Series) -> float:
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.median()) if len(values) else float("nan")


def ward_summary(result: Result) -> pd.DataFrame:
    """One row per ward, most priority areas first.

    Returns
    -------
    pandas.DataFrame
        ``ward``, ``areas``, ``residents``, ``high_risk_residents``
        (residents of areas in the highest-risk third here),
        ``priority_areas``, ``priority_residents``, ``first_priority``
        (the ward's best priority number), ``median_nearest_m`` and
        ``median_walk_min`` (medians over the ward's areas), then
        ``median_nearest_<category>_m`` for each category counted.
    """
    areas = result.areas
    order = priority_order(result)
    frame = pd.DataFrame(
        {
            "ward": ward_names(areas),
            "population": pd.to_numeric(areas.get("population"), errors="coerce"),
            "high_risk": areas.get("is_high_risk", pd.Series(False, index=areas.index))
            .fillna(False)
            .astype(bool),
            "priority": priority_mask(areas),
            "number": order.astype("Float64"),
        },
        index=areas.index,
    )
    rows = []
    categories = [c for c in result.categories if f"nearest_{c}_m" in areas]
    for ward, part in frame.groupby("ward", sort=False):
        codes = part.index
        row: dict[str, object] = {
            "ward": ward,
            "areas": len(part),
            "residents": float(part["population"].sum()),
            "high_risk_residents": float(part.loc[part["high_risk"], "population"].sum()),
            "priority_areas": int(part["priority"].sum()),
            "priority_residents": float(part.loc[part["priority"], "population"].sum()),
            "first_priority": part["number"].min() if part["priority"].any() else np.nan,
            "median_nearest_m": _median(areas.loc[codes].get("nearest_any_m", pd.Series())),
            "median_walk_min": _median(areas.loc[codes].get("walk_min_any", pd.Series())),
        }
        for cat in categories:
            row[f"median_nearest_{cat}_m"] = _median(areas.loc[codes, f"nearest_{cat}_m"])
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["_first"] = pd.to_numeric(table["first_priority"], errors="coerce").fillna(np.inf)
    table = table.sort_values(
        ["priority_areas", "_first", "high_risk_residents", "ward"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    return table.drop(columns="_first").reset_index(drop=True)
