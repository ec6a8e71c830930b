"""The analysis: region → risk, provision, gaps → one immutable result.

:func:`run_analysis` is what the app, the command line and the reports call.
It orchestrates only; the methods live in :mod:`geo.risk`,
:mod:`geo.provision` and :mod:`geo.gaps`.

Output columns (:data:`OUTPUT_COLUMNS`, stable and documented in the README):
one row per LSOA 2021 with identifiers, population and deprivation, the risk
score with its ranks and deciles, the expected number of older people often
lonely, distances and counts to community assets, E2SFCA access, the gap
class, score and priority rank, and the hot-spot flag.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import gaps, provision, risk
from geo.config import Settings
from geo.national import national_indicators
from geo.params import (
    DEFAULT_CATCHMENT_M,
    DEFAULT_SPEED_M_S,
    DEFAULT_THRESHOLDS,
    MODELS,
    AnalysisError,
    Parameters,
)
from geo.provenance import Progress
from geo.provision.demand import DEMAND_COLUMNS
from geo.region import Region, load_region
from geo.residents import national_residents
from geo.result import OUTPUT_COLUMNS, Result
from geo.sources.taxonomy import category_labels
from geo.tablecache import DrawLevelStore

log = logging.getLogger(__name__)

HEADLINE_MINUTES = (10, 20)

__all__ = [
    "DEFAULT_CATCHMENT_M",
    "DEFAULT_SPEED_M_S",
    "DEFAULT_THRESHOLDS",
    "HEADLINE_MINUTES",
    "MODELS",
    "OUTPUT_COLUMNS",
    "AnalysisError",
    "Parameters",
    "Result",
    "headline",
    "run_analysis",
]


def run_analysis(
    area: str | Region,
    params: Parameters | None = None,
    *,
    settings: Settings,
    national: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> Result:
    """Run the whole analysis for an area.

    Parameters
    ----------
    area
        A local authority name or code (or several, or ``england``), or a
        :class:`Region` already assembled (e.g. with the user's own data,
        see :mod:`geo.userdata`).
    params
        The options (:class:`geo.params.Parameters`; default: its defaults).
    settings
        Sources, cache and network settings.
    national
        The England indicator table (default: assembled and cached by
        :func:`geo.national.national_indicators`).
    progress
        Told of each dataset while the region is assembled.
    """
    params = (params or Parameters()).validate()
    region = (
        area
        if isinstance(area, Region)
        else load_region(area, settings=settings, progress=progress)
    )
    if national is None:
        national = national_indicators(settings)
    areas = region.areas
    notes: list[str] = []

    cover = provision.region_coverage(region, params.categories)
    chosen = tuple(cover.frame.columns)
    if cover.dropped_note():
        notes.append(cover.dropped_note(category_labels()))
    counted = counted_assets(region.assets, cover.measured)
    with ThreadPoolExecutor(1) as pool:
        scores = risk_stage(areas, params, national, store=DrawLevelStore(settings), pool=pool)
        notes.extend(scores.notes)
        prov, measures = measure_provision(
            areas, counted, chosen, scores.params, national_residents(settings), cover
        )
        notes.extend(prov.notes)
        return finish_analysis(
            region,
            scores.params,
            scores=scores,
            measures=measures,
            notes=notes,
            chosen=chosen,
            counted=counted,
            cover=cover,
        )


@dataclass(frozen=True)
class RiskStage:
    """What the risk models gave for a region's areas (see :func:`risk_stage`).

    ``params`` are the parameters with the model actually used (the
    composite index when the evidence model could not run or was weighted).
    """

    frame: pd.DataFrame
    used: tuple[str, ...]
    applied: Mapping[str, float]
    detail: Any
    older: risk.OlderRisk | None
    total_expected: tuple[float, float] | None
    params: Parameters
    notes: tuple[str, ...]
    ranges: Future[RiskStage] | None = None  # the stage with its ranges, being computed


def counted_assets(assets: gpd.GeoDataFrame, categories: Sequence[str]) -> gpd.GeoDataFrame:
    """The assets of the categories measured."""
    return assets[assets["category"].isin(categories)] if len(assets) else assets


def risk_stage(
    areas: pd.DataFrame,
    params: Parameters,
    national: pd.DataFrame | None,
    *,
    store: risk.LevelStore | None = None,
    pool: Executor | None = None,
) -> RiskStage:
    """The risk score, its rank ranges and the expected counts per area.

    ``store`` keeps England's level per uncertainty draw between processes
    (see :mod:`geo.risk.drawlevels`).  With ``pool`` the ranges are computed
    there and the stage returned at once; :func:`completed` waits for them.
    """
    notes: list[str] = []
    try:
        older = risk.older_people_risk(areas, reference=national)
    except risk.RiskError as exc:
        if params.model == "older":
            raise
        older = None
        notes.append(f"Expected numbers of lonely older people are not available: {exc}")
    if older is not None:
        notes.extend(older.notes)
    params = _available_model(areas, national, params, notes)
    frame, used, applied, detail = _chosen_model(areas, national, params, older, notes)
    expected = (
        older.frame["expected_lonely_older"]
        if older is not None
        else pd.Series(np.nan, index=areas.index, dtype=float)
    )
    frame = frame.assign(risk_model=params.model, expected_lonely=expected)
    stage = RiskStage(frame, tuple(used), applied, detail, older, None, params, tuple(notes))
    if pool is None:
        return _with_ranges(stage, store)
    # the draws run on while provision and the gaps are computed: the gaps need the
    # scores, not their ranges (mostly NumPy sorting and products, outside the GIL)
    return dataclasses.replace(stage, ranges=pool.submit(_with_ranges, stage, store))


def completed(stage: RiskStage) -> RiskStage:
    """``stage`` with its ranges, waiting for them if :func:`risk_stage` left them running."""
    return stage.ranges.result() if stage.ranges is not None else stage


def _with_ranges(stage: RiskStage, store: risk.LevelStore | None) -> RiskStage:
    """``stage`` with its rank ranges and the expected counts' ranges."""
    detail, older, seed = stage.detail, stage.older, stage.params.seed
    ranges = risk.uncertainty(detail, seed=seed, store=store)
    parts = [ranges.frame[["risk_rank_p05", "risk_rank_p95", "top_tercile_share"]]]
    counts = None
    if older is not None:
        counts = (
            ranges
            if detail is older
            else risk.uncertainty(older, seed=seed, store=store, ranks=False)
        )
        parts.append(counts.frame[["expected_lonely_p05", "expected_lonely_p95"]])
    frame = stage.frame.join(parts)
    last = ["risk_model", "expected_lonely"]  # after the ranges: the area frame's order
    frame = frame[[c for c in frame.columns if c not in last] + last]
    total = counts.total_expected if counts is not None else None
    return dataclasses.replace(stage, frame=frame, total_expected=total)


def measure_provision(
    areas: pd.DataFrame,
    counted: gpd.GeoDataFrame,
    chosen: Sequence[str],
    params: Parameters,
    residents: pd.DataFrame | None,
    cover: provision.Coverage,
    *,
    demand_areas: pd.DataFrame | None = None,
) -> tuple[provision.ProvisionResult, pd.DataFrame]:
    """Every provision measure for ``areas`` (and the same with NaN outside coverage).

    Demand comes from everyone within reach: ``demand_areas`` (default
    ``areas``) and the national residents.  Pass the whole region as
    ``demand_areas`` when measuring only some of its areas, so that each
    area's values are those of the whole region's run.
    """
    own = areas if demand_areas is None else demand_areas
    if residents is not None:
        demand = provision.demand_around(residents, own, counted, reach_m=params.catchment_m)
    else:
        demand = None if demand_areas is None else own[list(DEMAND_COLUMNS)]
    prov = provision.provision_measures(
        areas,
        counted,
        categories=chosen,
        thresholds=params.thresholds,
        catchment_m=params.catchment_m,
        decay=params.decay,  # type: ignore[arg-type]  # checked by Parameters.validate
        speed_m_s=params.speed_m_s,
        demand=demand,
        any_categories=cover.full,
    )
    return prov, _within_coverage(prov.frame, cover)


def finish_analysis(
    region: Region,
    params: Parameters,
    *,
    scores: RiskStage,
    measures: pd.DataFrame,
    notes: Sequence[str],
    chosen: Sequence[str],
    counted: gpd.GeoDataFrame,
    cover: provision.Coverage,
) -> Result:
    """Gaps, totals and the :class:`Result` from the risk and provision stages."""
    areas = region.areas
    notes = list(notes)
    frame = scores.frame
    result_gaps = gaps.gap_analysis(
        areas,
        frame["risk_score"],
        measures["access_e2sfca"],
        population="population",
        expected_lonely=frame["expected_lonely"],
        nearest_any_m=measures["nearest_any_m"],
        thresholds=params.thresholds,
        permutations=params.permutations,
        seed=params.seed,
        lens=params.lens,
        walk_minutes=measures["walk_min_any"],
        far_minutes=params.far_minutes,
    )
    notes.extend(result_gaps.notes)
    scores = completed(scores)  # waits for the draws when they ran beside the gaps
    frame = scores.frame
    totals = dict(result_gaps.totals)
    minutes = measures["nearest_any_m"] / params.speed_m_s / 60.0
    walk = gaps.gap_totals(
        areas,
        population="population",
        priority_mask=result_gaps.frame["is_priority"],
        risk_high_mask=result_gaps.frame["is_high_risk"],
        nearest_any_m=minutes,
        thresholds=HEADLINE_MINUTES,
        unit="min",
    )
    totals.update({k: v for k, v in walk.items() if k.endswith("min")})
    if scores.total_expected is not None:
        totals["expected_lonely_p05"], totals["expected_lonely_p95"] = scores.total_expected
    totals["assets_counted"] = len(counted)
    totals["assets_in_region"] = int(counted["in_region"].sum()) if len(counted) else 0

    robust = (result_gaps.frame["access_tercile"] == 1) & (
        frame["top_tercile_share"] >= risk.ROBUST_SHARE
    )
    robust = robust.astype("boolean").mask(frame["top_tercile_share"].isna())
    frame = frame.assign(robust_priority=robust)
    joined = areas.join(frame.drop(columns=[c for c in frame if c in areas]))
    joined = joined.join(measures.drop(columns=[c for c in measures if c in joined]))
    joined = joined.join(
        result_gaps.frame.drop(columns=[c for c in result_gaps.frame if c in joined])
    )
    _check_no_hidden_nan(joined)
    return Result(
        region=region,
        areas=joined,
        assets=region.assets,
        parameters=params,
        totals=totals,
        risk_used=scores.used,
        risk_weights=scores.applied,
        risk_detail=scores.detail,
        older_detail=scores.older,
        notes=tuple(dict.fromkeys(notes)),
        categories=tuple(chosen),
        coverage=cover,
    )


def _available_model(
    areas: pd.DataFrame, national: pd.DataFrame | None, params: Parameters, notes: list[str]
) -> Parameters:
    """The parameters, with the composite index when the evidence model cannot run or is weighted.

    The evidence model needs Census shares (16–24, health, marital status); data
    without them (a sources file with IoD only) still get a risk map, and the
    result's parameters and notes say which model made it.
    """
    if params.model != "evidence":
        return params
    if params.weights is not None or params.user_weights:
        notes.append(
            "Indicator weights were given, so the weighted composite index was used: the "
            "evidence model's odds ratios are published figures, not weights."
        )
        return params.replace(model="all-ages")
    needed = [t.column for t in risk.EVIDENCE_TERMS]
    have = [c for c in needed if c in areas and (national is None or c in national)]
    if have:
        return params
    notes.append(
        "The all-ages evidence model needs Census columns (" + ", ".join(needed) + ") that "
        "these data do not have, so the weighted composite index was used instead."
    )
    return params.replace(model="all-ages")


_RENAMED = ("relative_risk", "risk_score"), ("rank", "risk_rank"), ("decile", "risk_decile")


def _chosen_model(
    areas: pd.DataFrame,
    national: pd.DataFrame | None,
    params: Parameters,
    older: risk.OlderRisk | None,
    notes: list[str],
) -> tuple[pd.DataFrame, tuple[str, ...], Mapping[str, float], Any]:
    """The chosen model's frame (with ``risk_*`` columns), terms, weights and output."""
    if params.model in ("older", "evidence"):
        detail: Any = older if params.model == "older" else None
        if detail is None:
            detail = risk.evidence_risk(areas, reference=national)  # checked by run_analysis
            notes.extend(detail.notes)
        prefix = "older_" if params.model == "older" else "evidence_"
        names = {f"{prefix}{a}": b for a, b in _RENAMED}
        names.update({f"{prefix}{a}_national": f"{b}_national" for a, b in _RENAMED[1:]})
        frame = detail.frame.rename(columns=names)
        for column in ("risk_rank_national", "risk_decile_national"):
            if column not in frame:
                frame[column] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        if params.model == "evidence" and older is not None:
            frame = frame.join(older.frame, how="left")
        return frame, tuple(detail.terms), {}, detail
    composite = risk.all_ages_risk(
        areas, weights=params.weights, reference=national, extra=params.user_weights
    )
    notes.extend(composite.notes)
    frame = composite.frame
    if older is not None:
        frame = frame.join(older.frame, how="left")
    return frame, composite.used, composite.weights, composite


def _within_coverage(frame: pd.DataFrame, cover: provision.Coverage) -> pd.DataFrame:
    """Measures with NaN outside each category's coverage ("any" too when nothing is full)."""
    out = provision.mask_uncovered(frame, cover)
    if not cover.full:
        anywhere = [c for c in out if c.startswith(("nearest_any", "count_any_", "walk_min_any"))]
        out[[*anywhere, "access_e2sfca"]] = np.nan
    return out


def _check_no_hidden_nan(frame: pd.DataFrame) -> None:
    """Log (never hide) measures that are missing for some areas."""
    for column in ("risk_score", "nearest_any_m", "access_e2sfca", "gap_score"):
        if column in frame:
            missing = int(frame[column].isna().sum())
            if missing:
                log.info("%s missing for %d area(s)", column, missing)


def headline(result: Result) -> dict[str, Any]:
    """The figures shown above the map, on the Compare page and the report's cover.

    See :mod:`geo.present.headlines` for what each means: those against England
    (``england_top20_*``, ``*_beyond_10min``, ``expected_lonely``) and those
    relative to this area (``high_risk_*``, ``priority_*``).
    """
    from geo.present.headlines import headline_values

    t = result.totals
    return {
        **headline_values(result.areas, t),
        **{
            f"high_risk_share_beyond_{m}min": t.get(f"high_risk_share_beyond_{m}min")
            for m in HEADLINE_MINUTES
        },
        "priority_areas": t.get("priority_areas"),
        "priority_residents": t.get("priority_residents"),
    }
