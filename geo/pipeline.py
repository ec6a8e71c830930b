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
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import gaps, provision, risk
from geo.config import Settings
from geo.errors import AtlasError
from geo.national import national_indicators
from geo.provenance import Progress, ProvenanceRecord
from geo.region import Region, load_region
from geo.residents import national_residents
from geo.sources.taxonomy import CATEGORY_KEYS

log = logging.getLogger(__name__)

MODELS = ("all-ages", "older")
DEFAULT_THRESHOLDS = (400, 800, 1600)
DEFAULT_SPEED_M_S = 1.0  # a comfortable walking pace for older adults
DEFAULT_CATCHMENT_M = 1600.0
HEADLINE_MINUTES = (10, 20)

#: Columns every analysis output starts with, in this order.
OUTPUT_COLUMNS = (
    "lsoa21cd",
    "lsoa21nm",
    "ward_code",
    "ward_name",
    "lad_code",
    "lad_name",
    "population",
    "pop_65plus",
    "imd_score",
    "imd_decile",
    "risk_model",
    "risk_score",
    "risk_rank",
    "risk_decile",
    "risk_rank_national",
    "risk_decile_national",
    "expected_lonely",
    "nearest_any_m",
    "walk_min_any",
    "access_e2sfca",
    "gap_score",
    "gap_class",
    "gap_label",
    "priority_rank",
    "is_priority",
    "hotspot",
    "point_source",
)


class AnalysisError(AtlasError, ValueError):
    """The analysis cannot be run with the options given."""


@dataclass(frozen=True)
class Parameters:
    """Options of one analysis, recorded with its result."""

    model: str = "all-ages"
    weights: Mapping[str, float] | None = None
    categories: tuple[str, ...] | None = None
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    speed_m_s: float = DEFAULT_SPEED_M_S
    catchment_m: float = DEFAULT_CATCHMENT_M
    permutations: int = 999
    seed: int = 12345
    user_weights: Mapping[str, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for metadata and JSON."""
        out = asdict(self)
        out["weights"] = dict(self.weights) if self.weights else None
        out["user_weights"] = dict(self.user_weights) if self.user_weights else None
        return out


@dataclass(frozen=True)
class Result:
    """Everything one analysis produced, and where it came from."""

    region: Region
    areas: gpd.GeoDataFrame
    assets: gpd.GeoDataFrame
    parameters: Parameters
    totals: Mapping[str, Any]
    risk_used: tuple[str, ...]
    risk_weights: Mapping[str, float]
    notes: tuple[str, ...] = field(default_factory=tuple)
    categories: tuple[str, ...] = ()

    @property
    def provenance(self) -> tuple[ProvenanceRecord, ...]:
        """The region's provenance records."""
        return self.region.provenance

    def table(self) -> gpd.GeoDataFrame:
        """One row per LSOA with the documented output columns first."""
        frame = self.areas.reset_index()
        first = [c for c in OUTPUT_COLUMNS if c in frame]
        rest = [c for c in frame.columns if c not in first and c != "geometry"]
        return gpd.GeoDataFrame(frame[[*first, *rest, "geometry"]], crs=self.areas.crs)


def _check_parameters(params: Parameters) -> None:
    if params.model not in MODELS:
        raise AnalysisError(f"Unknown model {params.model!r}: use one of {', '.join(MODELS)}.")
    if params.categories is not None:
        unknown = [
            c for c in params.categories if c not in CATEGORY_KEYS and not c.startswith("user_")
        ]
        if unknown:
            raise AnalysisError(
                f"Unknown asset categories: {', '.join(unknown)}. "
                f"Known categories: {', '.join(CATEGORY_KEYS)} (and user_… for uploaded ones)."
            )
        if not params.categories:
            raise AnalysisError("Choose at least one asset category.")
    if not params.thresholds or any(t <= 0 for t in params.thresholds):
        raise AnalysisError("Walking thresholds must be positive distances in metres.")
    if not 0.2 <= params.speed_m_s <= 3:
        raise AnalysisError(
            f"Walking speed {params.speed_m_s} m/s is implausible: use 0.2–3 m/s "
            "(about 1 m/s for older adults, 1.3 m/s for most adults)."
        )
    if params.catchment_m <= 0:
        raise AnalysisError("The E2SFCA catchment must be a positive distance in metres.")
    if params.weights is not None:
        risk.validate_weights(params.weights)


def run_analysis(
    area: str | Region,
    *,
    settings: Settings,
    model: str = "all-ages",
    weights: Mapping[str, float] | None = None,
    categories: Sequence[str] | None = None,
    thresholds: Sequence[int] = DEFAULT_THRESHOLDS,
    speed_m_s: float = DEFAULT_SPEED_M_S,
    catchment_m: float = DEFAULT_CATCHMENT_M,
    permutations: int = 999,
    seed: int = 12345,
    user_weights: Mapping[str, float] | None = None,
    national: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> Result:
    """Run the whole analysis for an area.

    Parameters
    ----------
    area
        A local authority name or code (or several, or ``england``), or a
        :class:`Region` already assembled.
    settings
        Sources, cache and network settings.
    model
        ``"all-ages"`` (composite index) or ``"older"`` (Age UK model).
    weights
        Indicator weights for the all-ages index (validated; defaults
        documented in :mod:`geo.risk`).
    categories
        Asset categories counted as community provision (default: all).
    thresholds
        Walking distances (metres) for counts and headline shares.
    speed_m_s
        Walking speed used to turn distances into minutes.
    catchment_m
        E2SFCA catchment (metres).
    permutations, seed
        Local Moran's I permutations and random seed (hot spots).
    user_weights
        Uploaded indicator columns (already joined to the region, see
        :mod:`geo.userdata`) → weight in the all-ages index.
    national
        The England indicator table (default: assembled and cached by
        :func:`geo.national.national_indicators`).
    """
    params = Parameters(
        model=model,
        weights=MappingProxyType(dict(weights)) if weights else None,
        categories=tuple(categories) if categories is not None else None,
        thresholds=tuple(sorted(int(t) for t in thresholds)),
        speed_m_s=float(speed_m_s),
        catchment_m=float(catchment_m),
        permutations=int(permutations),
        seed=int(seed),
        user_weights=MappingProxyType(dict(user_weights)) if user_weights else None,
    )
    _check_parameters(params)
    region = (
        area
        if isinstance(area, Region)
        else load_region(area, settings=settings, progress=progress)
    )
    if national is None:
        national = national_indicators(settings)
    areas = region.areas
    notes: list[str] = []

    assets = region.assets
    present = set(assets["category"]) if len(assets) else set()
    chosen = params.categories or (
        *(c for c in CATEGORY_KEYS if c in present or not present),
        *sorted(c for c in present if c not in CATEGORY_KEYS),
    )
    counted = assets[assets["category"].isin(chosen)] if len(assets) else assets
    residents = national_residents(settings)
    demand = (
        None
        if residents is None
        else provision.demand_around(residents, areas, counted, reach_m=params.catchment_m)
    )

    # Risk
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
    else:
        composite = risk.all_ages_risk(
            areas, weights=params.weights, reference=national, extra=params.user_weights
        )
        notes.extend(composite.notes)
        frame = composite.frame
        if older is not None:
            frame = frame.join(older.frame, how="left")
        used, applied = composite.used, composite.weights
    expected = (
        older.frame["expected_lonely_older"]
        if older is not None
        else pd.Series(np.nan, index=areas.index, dtype=float)
    )
    frame = frame.assign(risk_model=params.model, expected_lonely=expected)

    # Provision
    prov = provision.provision_measures(
        areas,
        counted,
        categories=chosen,
        thresholds=params.thresholds,
        catchment_m=params.catchment_m,
        speed_m_s=params.speed_m_s,
        demand=demand,
    )
    notes.extend(prov.notes)

    # Gaps
    access = prov.frame["access_e2sfca"]
    result_gaps = gaps.gap_analysis(
        areas,
        frame["risk_score"],
        access,
        population="population",
        expected_lonely=frame["expected_lonely"],
        nearest_any_m=prov.frame["nearest_any_m"],
        thresholds=params.thresholds,
        permutations=params.permutations,
        seed=params.seed,
    )
    notes.extend(result_gaps.notes)
    totals = dict(result_gaps.totals)
    minutes = prov.frame["nearest_any_m"] / params.speed_m_s / 60.0
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
    joined = joined.join(prov.frame.drop(columns=[c for c in prov.frame if c in joined]))
    joined = joined.join(
        result_gaps.frame.drop(columns=[c for c in result_gaps.frame if c in joined])
    )
    _check_no_hidden_nan(joined)
    return Result(
        region=region,
        areas=joined,
        assets=assets,
        parameters=params,
        totals=MappingProxyType(totals),
        risk_used=tuple(used),
        risk_weights=MappingProxyType(dict(applied)),
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
