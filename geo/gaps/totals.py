"""Headline totals for the report: residents and expected lonely people in gap areas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import SchemaError
from geo.gaps.checks import as_numeric, column, mask

__all__ = ["gap_totals"]


def gap_totals(
    areas: pd.DataFrame,
    *,
    population: str | pd.Series = "population",
    expected_lonely: str | pd.Series | None = None,
    priority_mask: pd.Series,
    risk_high_mask: pd.Series,
    nearest_any_m: str | pd.Series | None = None,
    thresholds: Sequence[float] = (400, 800, 1600),
    unit: str = "m",
) -> dict[str, Any]:
    """Headline figures for the report.

    Parameters
    ----------
    areas
        One row per area.
    population
        Residents per area: a column of ``areas`` or a Series indexed like it.
    expected_lonely
        Expected number of lonely people per area (column or Series), if known.
    priority_mask
        True for priority gap areas (class 3-1), indexed like ``areas``.
    risk_high_mask
        True for high-risk areas (top risk tercile), indexed like ``areas``.
    nearest_any_m
        Distance (or time) from each area to its nearest asset of any kind
        (column or Series).  Use ``inf`` for "no asset reachable"; missing
        values are treated as unknown and left out of the shares.
    thresholds
        Walking thresholds in the same unit as ``nearest_any_m``.
    unit
        Suffix of the threshold keys: ``"m"`` (metres) or e.g. ``"min"``.

    Returns
    -------
    dict
        ``areas``, ``residents``, ``expected_lonely`` (None when not given);
        ``priority_areas``, ``priority_residents``,
        ``priority_residents_share`` (of all residents),
        ``priority_expected_lonely``, ``priority_expected_lonely_share``;
        ``high_risk_areas``, ``high_risk_residents``; and per threshold ``t``
        (when distances are given) ``high_risk_residents_beyond_{t}{unit}``
        and ``high_risk_share_beyond_{t}{unit}``: high-risk residents whose
        area's nearest asset is further than ``t``, and their share of the
        high-risk residents with a known distance (population-weighted); the
        same for all residents as ``residents_beyond_{t}{unit}`` and
        ``share_beyond_{t}{unit}``; and
        ``high_risk_residents_distance_unknown``.  Shares are fractions
        (0–1), NaN when the denominator is 0.

    Raises
    ------
    SchemaError
        If a named column is missing or population is missing or negative.
    GapError
        If a mask or Series does not cover the same areas.
    """
    pop = _population(areas, population)
    priority = mask(areas, priority_mask, "priority_mask")
    high = mask(areas, risk_high_mask, "risk_high_mask")
    pop_v = pop.to_numpy(dtype=float)
    out = _residents(pop_v, priority, high, areas=len(areas))
    if expected_lonely is not None:
        out.update(_lonely(areas, expected_lonely, priority))
    if nearest_any_m is not None:
        dist = as_numeric(column(areas, nearest_any_m, "nearest_any_m"), "nearest_any_m")
        out.update(_beyond(pop_v, high, dist.to_numpy(dtype=float), thresholds, unit))
    return out


def _population(areas: pd.DataFrame, population: str | pd.Series) -> pd.Series:
    """Residents per area, checked: none missing, none negative."""
    pop = as_numeric(column(areas, population, "population"), "population")
    if pop.isna().any():
        raise SchemaError(
            f"population is missing for {int(pop.isna().sum())} area(s); "
            "fill it in or drop those areas."
        )
    if (pop < 0).any():
        raise SchemaError("population has negative values.")
    return pop


def _residents(
    pop_v: np.ndarray, priority: np.ndarray, high: np.ndarray, *, areas: int
) -> dict[str, Any]:
    """Areas and residents: all, in priority gaps and at high risk."""
    residents = float(pop_v.sum())
    return {
        "areas": areas,
        "residents": residents,
        "expected_lonely": None,
        "priority_areas": int(priority.sum()),
        "priority_residents": float(pop_v[priority].sum()),
        "priority_residents_share": _share(pop_v[priority].sum(), residents),
        "priority_expected_lonely": None,
        "priority_expected_lonely_share": None,
        "high_risk_areas": int(high.sum()),
        "high_risk_residents": float(pop_v[high].sum()),
    }


def _lonely(
    areas: pd.DataFrame, expected_lonely: str | pd.Series, priority: np.ndarray
) -> dict[str, float]:
    """Expected lonely people in all areas and in the priority gap areas."""
    lonely = as_numeric(column(areas, expected_lonely, "expected_lonely"), "expected_lonely")
    lonely_v = lonely.fillna(0.0).to_numpy(dtype=float)
    total = float(lonely_v.sum())
    return {
        "expected_lonely": total,
        "priority_expected_lonely": float(lonely_v[priority].sum()),
        "priority_expected_lonely_share": _share(lonely_v[priority].sum(), total),
    }


def _beyond(
    pop_v: np.ndarray, high: np.ndarray, d: np.ndarray, thresholds: Sequence[float], unit: str
) -> dict[str, float]:
    """Residents (all and high-risk) whose nearest asset is beyond each threshold."""
    known = ~np.isnan(d)
    out = {"high_risk_residents_distance_unknown": float(pop_v[high & ~known].sum())}
    for t in thresholds:
        key = f"{_fmt(t)}{unit}"
        beyond = known & (d > t)
        hr_beyond = float(pop_v[high & beyond].sum())
        out[f"high_risk_residents_beyond_{key}"] = hr_beyond
        out[f"high_risk_share_beyond_{key}"] = _share(hr_beyond, pop_v[high & known].sum())
        all_beyond = float(pop_v[beyond].sum())
        out[f"residents_beyond_{key}"] = all_beyond
        out[f"share_beyond_{key}"] = _share(all_beyond, pop_v[known].sum())
    return out


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole > 0 else float("nan")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
