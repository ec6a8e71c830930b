"""England and its regions as comparators: the headline figures from the national tables.

A local authority's headline figures are set beside its region's and
England's.  Those are computed from the national tables the analysis already
ranks against, not from a full analysis of England: the England indicator
table (:func:`geo.national.national_indicators`), the residents of every
LSOA (:func:`geo.residents.national_residents`), the LSOA → local authority
lookup and the local authority → region lookup.  The risk models are applied
to every English small area with England as the reference, so an area's
national decile here is the one its own analysis gives.

What cannot be had this way is left out (``NaN``), never estimated: walking
distances to community places need every place in England, so the
"beyond a 10-minute walk" figures are not known for a region or England.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo import risk
from geo.config import Settings
from geo.errors import DataSourceError, SchemaError
from geo.national import national_indicators
from geo.params import Parameters
from geo.present.headlines import headline_values
from geo.regionnames import region_name
from geo.residents import national_residents
from geo.risk.ranking import decile, rank_desc
from geo.sources.access import DataAccess

log = logging.getLogger(__name__)

__all__ = ["ENGLAND", "Reference", "reference_areas", "reference_headline", "reference_part"]

#: The key of England as a comparator.
ENGLAND = "england"

#: Where a comparator's figures come from, said beside them.
BASIS = (
    "computed from the national tables (Census 2021 indicators, IoD2025 and residents of "
    "every English small area), with the same models and England's deciles; walking "
    "distances are not measured for a whole region or England"
)


@dataclass(frozen=True)
class Reference:
    """Every English small area with what its headlines need (see :func:`reference_areas`)."""

    areas: pd.DataFrame
    model: str

    def regions(self) -> list[str]:
        """The region codes present."""
        return sorted(self.areas["region_code"].dropna().unique())


def _risk_columns(frame: pd.DataFrame, national: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    """National decile of the chosen model and the expected lonely 65+, per area."""
    out = pd.DataFrame(index=frame.index)
    older = None
    try:
        older = risk.older_people_risk(frame, reference=national)
        out["expected_lonely"] = older.frame["expected_lonely_older"]
    except risk.RiskError as exc:
        log.info("no expected counts for England: %s", exc)
        out["expected_lonely"] = np.nan
    model = params.model
    if model == "older" and older is not None:
        out["risk_decile_national"] = older.frame["older_decile_national"]
        return out
    if model == "evidence" and params.weights is None and not params.user_weights:
        try:
            evidence = risk.evidence_risk(frame, reference=national)
            out["risk_decile_national"] = evidence.frame["evidence_decile_national"]
            return out
        except risk.RiskError as exc:
            log.info("evidence model unavailable for England: %s", exc)
    composite = risk.all_ages_risk(frame, weights=params.weights, reference=national)
    out["risk_decile_national"] = composite.frame["risk_decile_national"]
    return out


def _regions(access: DataAccess, codes: pd.Index) -> pd.Series:
    """Region code per LSOA through its local authority (missing where not known)."""
    unknown = pd.Series(pd.NA, index=codes, dtype="str")
    if access.check_available(["lsoa21_lookup", "lad_regions"]):
        return unknown
    try:
        lads = access.lsoa21_lookup().frame["lad_code"]
        by_lad = access.lad_regions().frame
    except (DataSourceError, SchemaError) as exc:
        log.info("regions of England's areas unavailable: %s", exc)
        return unknown
    return lads.reindex(codes).map(by_lad).astype("str")


def reference_areas(
    settings: Settings,
    params: Parameters | None = None,
    *,
    national: pd.DataFrame | None = None,
    residents: pd.DataFrame | None = None,
) -> Reference | None:
    """Every English small area: population, region, national risk decile, expected lonely 65+.

    ``None`` when the England indicator table or the residents table cannot be had.
    """
    params = (params or Parameters()).validate()
    national = national if national is not None else national_indicators(settings)
    residents = residents if residents is not None else national_residents(settings)
    if national is None or residents is None:
        return None
    own = national.drop(columns=[c for c in ("population",) if c in national])
    frame = own.join(residents[["population"]], how="inner")
    frame = frame[frame.index.str.startswith("E")]
    areas = frame[["population"]].join(_risk_columns(frame, national, params))
    areas["pop_65plus"] = frame.get("pop_65plus", np.nan)
    if "imd_score" in frame:  # IoD deciles: 1 = the most deprived 10% of England's areas
        ranked = rank_desc(pd.to_numeric(frame["imd_score"], errors="coerce"))
        areas["imd_decile"] = decile(ranked, int(ranked.notna().sum()))
    areas["region_code"] = _regions(DataAccess(settings), areas.index)
    return Reference(areas=areas, model=params.model)


def reference_part(reference: Reference, region: str = ENGLAND) -> pd.DataFrame:
    """England's small areas (``region="england"``) or one region's (its code)."""
    areas = reference.areas
    return areas if region == ENGLAND else areas[areas["region_code"] == region]


def reference_headline(reference: Reference, region: str = ENGLAND) -> dict[str, Any]:
    """The headline figures of England (``region="england"``) or one region (its code)."""
    areas = reference_part(reference, region)
    expected = pd.to_numeric(areas["expected_lonely"], errors="coerce")
    totals = {"expected_lonely": float(expected.sum()) if expected.notna().any() else np.nan}
    values = headline_values(areas, totals)
    values["name"] = "England" if region == ENGLAND else (region_name(region) or region)
    values["areas"] = len(areas)
    return values
