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

import logging
from collections.abc import Mapping, Sequence
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
from geo.sources.taxonomy import CATEGORY_KEYS

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
    chosen = counted_categories(region.assets, params)
    counted = counted_assets(region.assets, chosen)
    stage = risk_stage(areas, params, national)
    prov = measure_provision(areas, counted, chosen, params, national_residents(settings))
    return finish_analysis(
        region,
        params,
        scores=stage,
        provision_frame=prov.frame,
        notes=(*stage.notes, *prov.notes),
        chosen=chosen,
        counted=counted,
    )


@dataclass(frozen=True)
class RiskStage:
    """What the risk models gave for a region's areas (see :func:`risk_stage`)."""

    frame: pd.DataFrame
    used: tuple[str, ...]
    applied: Mapping[str, float]
    detail: risk.CompositeRisk | risk.OlderRisk
    older: risk.OlderRisk | None
    notes: tuple[str, ...]


def counted_categories(assets: pd.DataFrame, params: Parameters) -> tuple[str, ...]:
    """The categories an analysis counts: the chosen ones, or every one present."""
    present = set(assets["category"]) if len(assets) else set()
    return params.categories or (
        *(c for c in CATEGORY_KEYS if c in present or not present),
        *sorted(c for c in present if c not in CATEGORY_KEYS),
    )


def counted_assets(assets: gpd.GeoDataFrame, chosen: Sequence[str]) -> gpd.GeoDataFrame:
    """The assets of the counted categories."""
    return assets[assets["category"].isin(chosen)] if len(assets) else assets


def risk_stage(areas: pd.DataFrame, params: Parameters, national: pd.DataFrame | None) -> RiskStage:
    """The risk score (and the older-people model's expected counts) per area."""
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
    if params.model == "older" and older is not None:
        frame = older.frame.rename(
            columns={
                "older_relative_risk": "risk_score",
                "older_rank": "risk_rank",
                "older_decile": "risk_decile",
                "older_rank_national": "risk_rank_national",
                "older_decile_national": "risk_decile_national",
            }
        )
        used: tuple[str, ...] = tuple(older.terms)
        applied: Mapping[str, float] = {}
        detail: risk.CompositeRisk | risk.OlderRisk = older
    else:
        composite = risk.all_ages_risk(
            areas, weights=params.weights, reference=national, extra=params.user_weights
        )
        notes.extend(composite.notes)
        frame = composite.frame
        if older is not None:
            frame = frame.join(older.frame, how="left")
        used, applied = tuple(composite.used), composite.weights
        detail = composite
    expected = (
        older.frame["expected_lonely_older"]
        if older is not None
        else pd.Series(np.nan, index=areas.index, dtype=float)
    )
    frame = frame.assign(risk_model=params.model, expected_lonely=expected)
    return RiskStage(frame, used, applied, detail, older, tuple(notes))


def measure_provision(
    areas: pd.DataFrame,
    counted: gpd.GeoDataFrame,
    chosen: Sequence[str],
    params: Parameters,
    residents: pd.DataFrame | None,
    *,
    demand_areas: pd.DataFrame | None = None,
) -> provision.ProvisionResult:
    """Every provision measure for ``areas``, with demand from everyone within reach.

    ``demand_areas`` are the areas whose residents compete for the assets
    besides the national residents (default ``areas``); pass the whole
    region when measuring only some of its areas, so that each area's
    values are those of the whole region's run.
    """
    own = areas if demand_areas is None else demand_areas
    if residents is not None:
        demand = provision.demand_around(residents, own, counted, reach_m=params.catchment_m)
    else:
        demand = None if demand_areas is None else own[list(DEMAND_COLUMNS)]
    return provision.provision_measures(
        areas,
        counted,
        categories=chosen,
        thresholds=params.thresholds,
        catchment_m=params.catchment_m,
        decay=params.decay,  # type: ignore[arg-type]  # checked by Parameters.validate
        speed_m_s=params.speed_m_s,
        demand=demand,
    )


def finish_analysis(
    region: Region,
    params: Parameters,
    *,
    scores: RiskStage,
    provision_frame: pd.DataFrame,
    notes: Sequence[str],
    chosen: Sequence[str],
    counted: gpd.GeoDataFrame,
) -> Result:
    """Gaps, totals and the :class:`Result` from the risk and provision stages."""
    areas = region.areas
    notes = list(notes)
    frame = scores.frame
    result_gaps = gaps.gap_analysis(
        areas,
        frame["risk_score"],
        provision_frame["access_e2sfca"],
        population="population",
        expected_lonely=frame["expected_lonely"],
        nearest_any_m=provision_frame["nearest_any_m"],
        thresholds=params.thresholds,
        permutations=params.permutations,
        seed=params.seed,
    )
    notes.extend(result_gaps.notes)
    totals = dict(result_gaps.totals)
    minutes = provision_frame["nearest_any_m"] / params.speed_m_s / 60.0
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
    totals["assets_counted"] = len(counted)
    totals["assets_in_region"] = int(counted["in_region"].sum()) if len(counted) else 0

    joined = areas.join(frame.drop(columns=[c for c in frame if c in areas]))
    joined = joined.join(provision_frame.drop(columns=[c for c in provision_frame if c in joined]))
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
    )


def _check_no_hidden_nan(frame: pd.DataFrame) -> None:
    """Log (never hide) measures that are missing for some areas."""
    for column in ("risk_score", "nearest_any_m", "access_e2sfca", "gap_score"):
        if column in frame:
            missing = int(frame[column].isna().sum())
            if missing:
                log.info("%s missing for %d area(s)", column, missing)


def headline(result: Result) -> dict[str, Any]:
    """The figures shown above the map and on the report's cover."""
    t = result.totals
    areas = result.areas
    return {
        "residents": float(areas["population"].sum()) if "population" in areas else np.nan,
        "high_risk_residents": t.get("high_risk_residents"),
        "expected_lonely": t.get("expected_lonely"),
        **{
            f"high_risk_share_beyond_{m}min": t.get(f"high_risk_share_beyond_{m}min")
            for m in HEADLINE_MINUTES
        },
        "priority_areas": t.get("priority_areas"),
        "priority_residents": t.get("priority_residents"),
    }
