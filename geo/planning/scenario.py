"""What if a place opens or closes: a scenario and how it changes the analysis.

:func:`scenario` takes an analysis :class:`~geo.result.Result`, adds proposed
places and/or closes existing ones, and returns a :class:`Scenario`: the new
result and a per-area comparison (before / after) with totals.

It is incremental: provision is measured again only for the areas the change
can reach — areas within the largest count distance or the E2SFCA catchment
of a changed place, and areas whose nearest place (of any kind counted, or of
the changed place's kind) the change could alter.  Every other area keeps its
values, which are exactly what a full rerun would give them: an area's
provision depends only on the places and residents within reach of it.  The
relative measures (gap classes, priority ranks, hot spots) are then computed
again over the whole study area, as in a full run.  When a changed category
measures supply by capacity, every area is measured again (a place without a
capacity changes how the whole category is counted).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.config import Settings
from geo.frozen import FrozenMap
from geo.params import AnalysisError
from geo.pipeline import (
    HEADLINE_MINUTES,
    RiskStage,
    counted_assets,
    finish_analysis,
    measure_provision,
)
from geo.provision import region_coverage
from geo.region import Region
from geo.residents import national_residents
from geo.result import Result

#: Source name of places proposed in a scenario.
PROPOSAL_SOURCE = "proposal"

#: Measures compared before and after (per category ones are added for the
#: categories of the changed places).
COMPARED = (
    "nearest_any_m",
    "walk_min_any",
    "access_e2sfca",
    "gap_class",
    "priority_rank",
    "is_priority",
)

_PROPOSAL_COLUMNS = ("asset_id", "name", "category", "source", "address", "capacity", "tags")


@dataclass(frozen=True)
class Scenario:
    """A what-if and its effect.

    Attributes
    ----------
    name
        The scenario's name.
    before, after
        The analysis as it is, and with the proposals applied.
    proposals
        One row per change (EPSG:27700 points): ``asset_id``, ``name``,
        ``category``, ``capacity``, ``action`` (``open`` or ``close``).
    comparison
        One row per area (index ``lsoa21cd``): ``lsoa21nm``, ``ward_name``,
        ``population``, ``is_high_risk``, ``expected_lonely``, then
        ``<measure>_before`` and ``<measure>_after`` for each compared
        measure, ``recomputed`` (provision measured again) and ``changed``
        (any compared measure differs).
    totals
        ``places_added``, ``places_closed``, ``areas_recomputed``,
        ``areas_changed``, ``priority_areas_before`` / ``_after``,
        ``residents_leaving_priority``, ``residents_entering_priority``,
        ``expected_lonely_leaving_priority``, ``expected_lonely_entering_priority``
        and, per headline minute ``n``, ``high_risk_residents_newly_within_{n}min``
        and ``high_risk_residents_no_longer_within_{n}min``.
    measures
        The measures compared, in order.
    """

    name: str
    before: Result
    after: Result
    proposals: gpd.GeoDataFrame
    comparison: pd.DataFrame
    totals: FrozenMap
    measures: tuple[str, ...]

    def table(self) -> pd.DataFrame:
        """The comparison as a flat table (``lsoa21cd`` first) for exports."""
        return self.comparison.reset_index()


class ScenarioError(AnalysisError):
    """A scenario that cannot be applied (the message says what to change)."""


def scenario(
    result: Result,
    *,
    add: gpd.GeoDataFrame | None = None,
    close: Iterable[str] = (),
    settings: Settings | None = None,
    name: str = "Scenario",
    residents: pd.DataFrame | None = None,
) -> Scenario:
    """Apply proposed openings and closures to an analysis.

    Parameters
    ----------
    result
        The analysis to change.
    add
        Proposed places: points with a CRS, a ``category`` counted by the
        analysis, and optionally ``name``, ``capacity`` and ``asset_id``.
    close
        ``asset_id`` values of places in ``result.assets`` to close.
    settings
        Used to read the table of every area's residents (the demand from
        across the border), as the analysis did.  ``None`` with
        ``residents=None``: only the study area's residents compete.
    name
        The scenario's name (for reports and downloads).
    residents
        That table already read (:func:`geo.residents.national_residents`).
    """
    region = result.region
    params = result.parameters
    chosen = tuple(result.categories)
    proposed = proposed_places(add, chosen, region)
    closing = _closures(result.assets, close)
    if not len(proposed) and not len(closing):
        raise ScenarioError("The scenario changes nothing: add a place or close one.")
    if residents is None and settings is not None:
        residents = national_residents(settings)

    kept = result.assets[~result.assets["asset_id"].isin(closing["asset_id"])]
    assets = gpd.GeoDataFrame(
        pd.concat([kept, proposed], ignore_index=True), geometry="geometry", crs=kept.crs
    )
    cover = result.coverage or region_coverage(region, chosen)
    counted = counted_assets(assets, cover.measured)
    changed = pd.concat([proposed, closing[closing["category"].isin(chosen)]], ignore_index=True)
    note = _note(name, proposed, closing)
    after_region = dataclasses.replace(region, assets=assets, notes=(*region.notes, note))

    before = result.areas
    reach = _recompute_mask(before, changed, counted, params.thresholds, params.catchment_m)
    _, measured = measure_provision(
        region.areas[reach],
        counted,
        chosen,
        params,
        residents,
        cover,
        demand_areas=region.areas,
    )
    measures = _spliced(before, measured, reach)
    after = finish_analysis(
        after_region,
        params,
        scores=_risk_of(result, measures),
        measures=measures,
        notes=(*result.notes, note),
        chosen=chosen,
        counted=counted,
        cover=cover,
    )
    proposals = _proposals_frame(proposed, closing)
    measures = _measures(changed)
    comparison = compare(result, after, measures, recomputed=reach)
    totals = scenario_totals(comparison, proposals)
    return Scenario(name, result, after, proposals, comparison, FrozenMap(totals), measures)


def proposed_places(
    add: gpd.GeoDataFrame | None, categories: Iterable[str], region: Region
) -> gpd.GeoDataFrame:
    """Proposed places as standard asset rows (EPSG:27700), checked."""
    crs = region.areas.crs
    if add is None or not len(add):
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in (*_PROPOSAL_COLUMNS, "in_region")},
            geometry=gpd.GeoSeries([], crs=crs),
        )
    if not isinstance(add, gpd.GeoDataFrame) or add.crs is None:
        raise ScenarioError(
            "Proposed places need point geometries with a coordinate system "
            "(e.g. a GeoDataFrame in EPSG:27700 or EPSG:4326)."
        )
    if "category" not in add:
        raise ScenarioError("Give each proposed place a 'category' column.")
    frame = add.to_crs(crs).reset_index(drop=True)
    if not frame.geometry.geom_type.eq("Point").all() or frame.geometry.is_empty.any():
        raise ScenarioError("Proposed places must be single points (one per place).")
    counted = set(categories)
    unknown = sorted(set(frame["category"]) - counted)
    if unknown:
        raise ScenarioError(
            f"Category {', '.join(map(repr, unknown))} is not counted in this analysis; "
            f"counted categories: {', '.join(sorted(counted))}."
        )
    out = pd.DataFrame(index=frame.index)
    out["asset_id"] = _proposal_ids(frame)
    out["name"] = frame["name"].astype(str) if "name" in frame else "Proposed place"
    out["category"] = frame["category"].astype(str)
    out["source"] = PROPOSAL_SOURCE
    out["address"] = frame["address"].astype(str) if "address" in frame else ""
    out["capacity"] = _capacities(frame)
    out["tags"] = "{}"
    hits, _ = region.areas.sindex.query(frame.geometry, predicate="intersects")
    out["in_region"] = np.isin(np.arange(len(frame)), hits)
    return gpd.GeoDataFrame(out, geometry=frame.geometry.to_numpy(), crs=crs)


def _proposal_ids(frame: pd.DataFrame) -> list[str]:
    given = frame["asset_id"].astype(str) if "asset_id" in frame else None
    ids = [
        str(given.iloc[i]) if given is not None else f"{PROPOSAL_SOURCE}:{i + 1}"
        for i in range(len(frame))
    ]
    if len(set(ids)) != len(ids):
        raise ScenarioError("Two proposed places have the same asset_id: give each its own.")
    return ids


def _capacities(frame: pd.DataFrame) -> np.ndarray:
    if "capacity" not in frame:
        return np.full(len(frame), np.nan)
    values = pd.to_numeric(frame["capacity"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isnan(values) & (values <= 0)
    if bad.any():
        raise ScenarioError("A proposed place's capacity must be a positive number (or blank).")
    return values


def _closures(assets: gpd.GeoDataFrame, close: Iterable[str]) -> gpd.GeoDataFrame:
    ids = list(dict.fromkeys(str(c) for c in close))
    unknown = [c for c in ids if c not in set(assets["asset_id"])]
    if unknown:
        raise ScenarioError(
            f"No place with id {', '.join(unknown[:5])} in this analysis: "
            "use the asset_id shown for a place (e.g. in the places export)."
        )
    return assets[assets["asset_id"].isin(ids)]


def _recompute_mask(
    areas: pd.DataFrame,
    changed: pd.DataFrame,
    counted: pd.DataFrame,
    thresholds: Iterable[float],
    catchment_m: float,
) -> np.ndarray:
    """Which areas the changed places can affect (see the module docstring)."""
    n = len(areas)
    if not len(changed):
        return np.zeros(n, dtype=bool)
    categories = set(changed["category"])
    with_capacity = counted[counted["category"].isin(categories)]
    if "capacity" in with_capacity and with_capacity["capacity"].notna().any():
        return np.ones(n, dtype=bool)
    if "capacity" in changed and pd.to_numeric(changed["capacity"]).notna().any():
        return np.ones(n, dtype=bool)
    xy = areas[["point_x", "point_y"]].to_numpy(dtype=float)
    points = np.column_stack([changed.geometry.x, changed.geometry.y])
    reach = max(max(thresholds), catchment_m) * (1 + 1e-9)
    mask = np.zeros(n, dtype=bool)
    near = cKDTree(points).query_ball_point(xy, reach, return_length=True)
    mask |= np.asarray(near) > 0
    for category in categories:
        here = points[(changed["category"] == category).to_numpy()]
        distance, _ = cKDTree(here).query(xy, k=1)
        for column in ("nearest_any_m", f"nearest_{category}_m"):
            current = areas[column].to_numpy(dtype=float)
            mask |= np.isnan(current) | (distance <= current * (1 + 1e-9) + 1e-6)
    return mask


def _spliced(before: pd.DataFrame, measured: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """The provision columns of ``before`` with the re-measured areas replaced."""
    columns = {}
    for column in measured.columns:
        values = before[column].to_numpy(dtype=measured[column].dtype, copy=True)
        values[mask] = measured[column].to_numpy()
        columns[column] = values
    return pd.DataFrame(columns, index=before.index)


def _risk_of(result: Result, provision_frame: pd.DataFrame) -> RiskStage:
    """The risk stage of ``result`` (risk does not depend on the places)."""
    areas = result.areas
    own = set(result.region.areas.columns)
    start = len(result.region.areas.columns)
    stop = list(areas.columns).index(provision_frame.columns[0])
    columns = [c for c in areas.columns[start:stop] if c not in own]
    assert result.risk_detail is not None  # every Result from run_analysis has one
    totals = result.totals
    low, high = totals.get("expected_lonely_p05"), totals.get("expected_lonely_p95")
    return RiskStage(
        frame=areas[columns],
        used=tuple(result.risk_used),
        applied=dict(result.risk_weights),
        detail=result.risk_detail,
        older=result.older_detail,
        total_expected=(low, high) if low is not None and high is not None else None,
        params=result.parameters,
        notes=(),
    )


def _measures(changed: pd.DataFrame) -> tuple[str, ...]:
    per_category = [
        m
        for c in sorted(set(changed["category"]))
        for m in (f"nearest_{c}_m", f"access_e2sfca_{c}")
    ]
    return (*COMPARED, *per_category)


def compare(
    before: Result, after: Result, measures: Iterable[str], *, recomputed: np.ndarray
) -> pd.DataFrame:
    """Per area, each measure before and after, and whether anything changed."""
    a, b = before.areas, after.areas
    keep = [c for c in ("lsoa21nm", "ward_name", "population", "is_high_risk") if c in a]
    frame = pd.DataFrame(a[keep]).assign(expected_lonely=a["expected_lonely"])
    changed = np.zeros(len(a), dtype=bool)
    for m in measures:
        frame[f"{m}_before"] = a[m]
        frame[f"{m}_after"] = b[m]
        changed |= ~_same(a[m], b[m])
    frame["recomputed"] = recomputed
    frame["changed"] = changed
    return frame


def _same(x: pd.Series, y: pd.Series) -> np.ndarray:
    if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
        xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
        close = np.isclose(xv, yv, rtol=1e-9, atol=1e-9)
        return close | (np.isnan(xv) & np.isnan(yv))
    both_missing = (x.isna() & y.isna()).to_numpy()
    equal = (x.astype(object) == y.astype(object)).fillna(False).to_numpy(dtype=bool)
    return both_missing | equal


def scenario_totals(comparison: pd.DataFrame, proposals: pd.DataFrame) -> dict[str, Any]:
    """Headline effects of a scenario (see :attr:`Scenario.totals`)."""
    c = comparison
    pop = c["population"].fillna(0.0).astype(float)
    lonely = c["expected_lonely"].astype(float)
    was = c["is_priority_before"].fillna(False).astype(bool)
    now = c["is_priority_after"].fillna(False).astype(bool)
    leaving, entering = was & ~now, now & ~was
    high = c["is_high_risk"].fillna(False).astype(bool) if "is_high_risk" in c else was & False
    totals: dict[str, Any] = {
        "places_added": int((proposals["action"] == "open").sum()),
        "places_closed": int((proposals["action"] == "close").sum()),
        "areas_recomputed": int(c["recomputed"].sum()),
        "areas_changed": int(c["changed"].sum()),
        "priority_areas_before": int(was.sum()),
        "priority_areas_after": int(now.sum()),
        "residents_leaving_priority": float(pop[leaving].sum()),
        "residents_entering_priority": float(pop[entering].sum()),
        "expected_lonely_leaving_priority": _sum_or_nan(lonely[leaving]),
        "expected_lonely_entering_priority": _sum_or_nan(lonely[entering]),
    }
    walk_b = c["walk_min_any_before"].astype(float)
    walk_a = c["walk_min_any_after"].astype(float)
    for m in HEADLINE_MINUTES:
        inside_b, inside_a = walk_b <= m, walk_a <= m
        totals[f"high_risk_residents_newly_within_{m}min"] = float(
            pop[high & inside_a & ~inside_b].sum()
        )
        totals[f"high_risk_residents_no_longer_within_{m}min"] = float(
            pop[high & inside_b & ~inside_a].sum()
        )
    return totals


def _sum_or_nan(values: pd.Series) -> float:
    return float(values.sum()) if values.notna().any() or not len(values) else float("nan")


def _proposals_frame(proposed: gpd.GeoDataFrame, closing: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    columns = ["asset_id", "name", "category", "capacity", "address"]
    rows = [
        pd.DataFrame(proposed[columns]).assign(action="open"),
        pd.DataFrame(closing[columns]).assign(action="close"),
    ]
    geometry = [*proposed.geometry, *closing.geometry]
    frame = pd.concat(rows, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=proposed.crs or closing.crs)


def _note(name: str, proposed: pd.DataFrame, closing: pd.DataFrame) -> str:
    label = re.sub(r"\s+", " ", str(name)).strip() or "Scenario"
    return (
        f"Scenario '{label}': {len(proposed)} proposed place(s) added and "
        f"{len(closing)} place(s) closed; the figures show the area as if that had happened."
    )
