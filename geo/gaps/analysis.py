"""Gap analysis: classes, gap score, priority ranks, hot spots and totals in one result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.gaps.checks import aligned_to_areas, as_numeric, column
from geo.gaps.classes import (
    PRIORITY_CLASS,
    bivariate_classes,
    gap_score,
    percentile_rank,
    priority_rank,
)
from geo.gaps.hotspots import HotSpots, hot_spots
from geo.gaps.totals import gap_totals

__all__ = ["GapResult", "GlobalMoran", "gap_analysis"]

# Columns of the hot-spot result carried into the gap frame.
_HOT_SPOT_COLUMNS = [
    "neighbours",
    "local_i",
    "p_value",
    "p_fdr",
    "quadrant",
    "cluster",
    "hotspot",
    "coldspot",
]


@dataclass(frozen=True)
class GlobalMoran:
    """Global Moran's I of the gap score, for the report."""

    i: float
    p_value: float
    expected_i: float
    permutations: int


@dataclass(frozen=True)
class GapResult:
    """Everything :func:`gap_analysis` found.

    Attributes
    ----------
    frame
        One row per area (index like the areas); columns listed in
        :func:`gap_analysis`.
    totals
        Figures for the report (:func:`gap_totals`).
    global_moran
        Global Moran's I of the gap score.
    notes
        Plain-English notes on the methods and anything left out.
    hot_spots
        The full hot-spot result.
    """

    frame: pd.DataFrame
    totals: dict[str, Any]
    global_moran: GlobalMoran
    notes: tuple[str, ...] = field(default_factory=tuple)
    hot_spots: HotSpots | None = None


def gap_analysis(
    areas: gpd.GeoDataFrame,
    risk: pd.Series,
    access: pd.Series,
    *,
    population: str | pd.Series = "population",
    expected_lonely: str | pd.Series | None = None,
    nearest_any_m: str | pd.Series | None = None,
    thresholds: Sequence[float] = (400, 800, 1600),
    permutations: int = 999,
    alpha: float = 0.05,
    seed: int = 12345,
    fdr: bool = True,
    snap_m: float = 0.0,
    lens: str = "thin",
    walk_minutes: pd.Series | None = None,
    far_minutes: float = 10.0,
) -> GapResult:
    """Classes, gap score, priority ranks, hot spots and totals in one go.

    Two lenses read "gap" differently.  *Thin provision* (``lens="thin"``):
    a **priority gap** is an area in class ``3-1``, the top third of the
    region's areas by risk and the bottom third by ``access``.  *Far from
    any place* (``lens="far"``): the classes and score use walking time to
    the nearest place instead of ``access`` (longer = less access), and a
    priority gap is an area in the top third by risk whose nearest place is
    more than ``far_minutes`` away.  Hot spots are clusters of high *gap
    score* (Local Moran's I, see :func:`hot_spots`).

    Parameters
    ----------
    areas
        Areas (index = area code, polygons).
    risk, access
        Per area, indexed like ``areas``; see :func:`bivariate_classes`.
    population, expected_lonely, nearest_any_m, thresholds
        See :func:`gap_totals`.
    permutations, alpha, seed, fdr, snap_m
        See :func:`hot_spots`.
    lens, walk_minutes, far_minutes
        ``"thin"`` or ``"far"``; the far lens needs ``walk_minutes`` (per
        area, indexed like ``areas``; NaN where unknown) and the threshold.

    Returns
    -------
    GapResult
        ``frame`` (index like ``areas``) has ``risk_tercile``,
        ``access_tercile``, ``gap_class``, ``gap_label``, ``gap_colour``,
        ``risk_percentile``, ``access_percentile``, ``gap_score``,
        ``priority_rank``, ``is_priority``, ``is_high_risk``, and from the
        hot spots ``neighbours``, ``local_i``, ``p_value``, ``p_fdr``,
        ``quadrant``, ``cluster``, ``hotspot`` and ``coldspot``.
    """
    risk = aligned_to_areas(as_numeric(risk, "risk"), areas, "risk")
    access = aligned_to_areas(as_numeric(access, "access"), areas, "access")
    pop = as_numeric(column(areas, population, "population"), "population")

    if lens == "far":
        if walk_minutes is None:
            raise ValueError("The far lens needs walk_minutes (minutes to the nearest place).")
        minutes = aligned_to_areas(as_numeric(walk_minutes, "walk_minutes"), areas, "walk_minutes")
        frame = _classes(risk, -minutes, pop)
        far = minutes.gt(far_minutes).fillna(False).to_numpy(dtype=bool)
        frame["is_priority"] = frame["is_high_risk"].to_numpy(dtype=bool) & far
    elif lens == "thin":
        frame = _classes(risk, access, pop)
    else:
        raise ValueError(f"Unknown lens {lens!r}: use thin or far.")
    spots = hot_spots(
        areas,
        frame["gap_score"],
        permutations=permutations,
        alpha=alpha,
        seed=seed,
        fdr=fdr,
        snap_m=snap_m,
    )
    frame = frame.join(spots.frame[_HOT_SPOT_COLUMNS])
    totals = gap_totals(
        areas,
        population=pop,
        expected_lonely=expected_lonely,
        priority_mask=frame["is_priority"],
        risk_high_mask=frame["is_high_risk"],
        nearest_any_m=nearest_any_m,
        thresholds=thresholds,
    )
    return _result(frame, totals, spots, pop, _lens_notes(lens, far_minutes))


def _result(
    frame: pd.DataFrame,
    totals: dict[str, Any],
    spots: HotSpots,
    pop: pd.Series,
    lens_notes: tuple[str, ...],
) -> GapResult:
    """The result, with the hot-spot figures added to the totals."""
    totals.update(
        hot_spot_areas=int(frame["hotspot"].sum()),
        hot_spot_residents=float(pop[frame["hotspot"]].sum()),
        global_morans_i=spots.global_i,
        global_morans_p=spots.global_p,
    )
    return GapResult(
        frame=frame,
        totals=totals,
        global_moran=GlobalMoran(
            i=spots.global_i,
            p_value=spots.global_p,
            expected_i=spots.expected_i,
            permutations=spots.global_permutations,
        ),
        notes=_notes(int(frame["gap_class"].isna().sum()), spots, lens_notes),
        hot_spots=spots,
    )


def _classes(risk: pd.Series, access: pd.Series, pop: pd.Series) -> pd.DataFrame:
    """Classes, percentiles, gap score, priority rank and the priority / high-risk flags."""
    classes = bivariate_classes(risk, access)
    score = gap_score(risk, access)
    return classes.assign(
        risk_percentile=percentile_rank(risk).rename(None),
        access_percentile=percentile_rank(access).rename(None),
        gap_score=score,
        priority_rank=priority_rank(score, population=pop),
        is_priority=classes["gap_class"].eq(PRIORITY_CLASS).fillna(False).astype(bool),
        is_high_risk=classes["risk_tercile"].eq(3).fillna(False).astype(bool),
    )


def _lens_notes(lens: str, far_minutes: float) -> tuple[str, ...]:
    if lens == "far":
        return (
            "Lens: far from any place. Access is read as walking time to the nearest place "
            f"(longer = less access); a priority gap is a high-risk area (top third) whose "
            f"nearest place is more than {far_minutes:g} minutes' walk away.",
        )
    return (
        "Lens: thin provision. Priority gap (class 3-1): top third of areas by loneliness "
        "risk and bottom third by access to community assets (places per 1,000 residents "
        "within reach, E2SFCA).",
    )


def _notes(unclassified: int, spots: HotSpots, lens_notes: tuple[str, ...]) -> tuple[str, ...]:
    notes = [
        "Terciles, percentiles and classes compare areas within this region only.",
        *lens_notes,
        "Gap score = (risk percentile + (1 − access percentile)) / 2, from 0 to 1.",
    ]
    if unclassified:
        notes.append(f"{unclassified} area(s) lack a risk or access value and have no class.")
    notes.append("Hot spots are clusters of high gap score.")
    notes.extend(spots.notes)
    return tuple(notes)
