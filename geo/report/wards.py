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


def _numbers(areas: pd.DataFrame, column: str) -> pd.Series:
    """A column as floats (NaN where missing or not a number; all NaN when absent)."""
    if column not in areas:
        return pd.Series(np.nan, index=areas.index, dtype=float)
    return pd.to_numeric(areas[column], errors="coerce").astype(float)


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
    population = _numbers(areas, "population")
    high_risk = areas.get("is_high_risk", pd.Series(False, index=areas.index))
    high_risk = high_risk.fillna(False).astype(bool)
    priority = priority_mask(areas)
    number = priority_order(result).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    categories = [c for c in result.categories if f"nearest_{c}_m" in areas]
    medians = {
        "median_nearest_m": _numbers(areas, "nearest_any_m"),
        "median_walk_min": _numbers(areas, "walk_min_any"),
        **{f"median_nearest_{c}_m": _numbers(areas, f"nearest_{c}_m") for c in categories},
    }
    frame = pd.DataFrame(
        {
            "residents": population,
            "high_risk_residents": population.where(high_risk, 0.0),
            "priority_areas": priority.astype(int),
            "priority_residents": population.where(priority, 0.0),
            "first_priority": number,
            **medians,
        },
        index=areas.index,
    )
    groups = frame.groupby(ward_names(areas), sort=False)
    sums = ["residents", "high_risk_residents", "priority_areas", "priority_residents"]
    table = pd.concat(
        [
            groups.size().rename("areas"),
            groups[sums].sum(),
            groups["first_priority"].min(),
            groups[list(medians)].median(),
        ],
        axis=1,
    )
    if table.empty:
        return pd.DataFrame()
    table = table.rename_axis("ward").reset_index()
    table["_first"] = table["first_priority"].fillna(np.inf)
    table = table.sort_values(
        ["priority_areas", "_first", "high_risk_residents", "ward"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    columns = ["ward", "areas", *sums, "first_priority", *medians]
    return table[columns].reset_index(drop=True)
