"""Where should the next community places go? Site suggestions for an analysis.

:func:`suggest` chooses ``sites`` new locations among candidate points,
keeping every existing place where it is, for one of two classic objectives:

``"mclp"`` (maximal covering location problem, Church & ReVelle 1974)
    Maximise the weight of areas *newly* within ``threshold_m`` of a place:
    an area already within reach of an existing place adds nothing.
``"p-median"`` (Hakimi 1964; weighted, with fixed existing places)
    Minimise the weighted distance from each area to its nearest place,
    existing or new.  Areas with no place at all count at
    :data:`NO_PLACE_DISTANCE_M` until one is added.

Distances are straight lines in metres (EPSG:27700) from each area's point
(its population-weighted centroid) to each candidate, as everywhere else in
the analysis.  The weight of an area is its expected number of lonely people
(``expected_lonely``) or its residents if it is a high-risk area
(``high_risk_residents``).

Problems small enough (``exact_limit`` candidate-area pairs) are solved
exactly as integer programmes with HiGHS (:func:`scipy.optimize.milp`);
larger ones greedily (add the site with the largest gain, repeat).  Where the
exact solve ran, the greedy objective is reported beside it, with the
optimality gap.  The coverage curve gives, for 1…``sites`` sites, the
objective reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import optimize, sparse
from scipy.spatial import cKDTree

from geo.params import AnalysisError
from geo.result import Result

Objective = Literal["mclp", "p-median"]
Weight = Literal["expected_lonely", "high_risk_residents"]

OBJECTIVES: tuple[str, ...] = ("mclp", "p-median")
WEIGHTS: tuple[str, ...] = ("expected_lonely", "high_risk_residents")
#: Distance an area with no place at all counts at in the p-median objective.
NO_PLACE_DISTANCE_M = 10_000.0
#: Spacing of the default candidate grid.
GRID_SPACING_M = 400.0
#: Largest problem (candidate–area pairs) solved exactly by default.
EXACT_LIMIT = 200_000


@dataclass(frozen=True)
class Suggestion:
    """Suggested sites and how good they are.

    Attributes
    ----------
    sites
        One row per chosen site, in the order the greedy pass would add them
        (EPSG:27700 points): ``site``, ``x``, ``y`` (BNG metres), ``lon``,
        ``lat``, ``adds`` (gain in the objective when the site is added after
        the ones before it), ``areas_reached`` (areas newly within the
        threshold) and ``nearest_lsoa``.
    objective, weight, threshold_m
        What was optimised.
    value
        The objective of the chosen sites: weight newly covered (MCLP) or
        weighted distance saved in metre-weights (p-median).
    greedy_value
        The greedy solution's objective.
    gap
        Relative optimality gap of the greedy solution, ``(exact - greedy) /
        exact`` (``NaN`` when no exact solve ran).
    method
        ``"exact"`` (HiGHS) or ``"greedy"``.
    curve
        Objective reached with 1…``sites`` sites (``sites``, ``value``,
        ``greedy_value``).
    candidates
        Which candidates were used, in words.
    baseline
        The objective's reference: weight not yet covered (MCLP) or weighted
        distance today (p-median).
    reached
        Codes of the areas the chosen sites help (newly within the threshold
        for MCLP; nearer to a place for the p-median).
    """

    sites: gpd.GeoDataFrame
    objective: str
    weight: str
    threshold_m: float
    value: float
    greedy_value: float
    gap: float
    method: str
    curve: pd.DataFrame
    candidates: str
    baseline: float
    reached: tuple[str, ...] = ()

    def table(self) -> gpd.GeoDataFrame:
        """The sites with what was optimised and how well, one row per site (for files)."""
        return self.sites.assign(
            objective=self.objective,
            weight=self.weight,
            threshold_m=self.threshold_m,
            method=self.method,
            objective_value=self.value,
            optimality_gap=self.gap,
        )


def suggest(
    result: Result,
    *,
    sites: int = 3,
    candidates: gpd.GeoDataFrame | None = None,
    threshold_m: float = 800.0,
    objective: Objective = "mclp",
    weight: Weight = "expected_lonely",
    exact_limit: int = EXACT_LIMIT,
) -> Suggestion:
    """Choose ``sites`` new places for an analysis (see the module docstring).

    ``candidates``: points with a CRS (default: a regular grid every
    :data:`GRID_SPACING_M` metres inside the study area).
    """
    if objective not in OBJECTIVES:
        raise AnalysisError(f"objective must be one of {', '.join(OBJECTIVES)}.")
    if weight not in WEIGHTS:
        raise AnalysisError(f"weight must be one of {', '.join(WEIGHTS)}.")
    if int(sites) < 1:
        raise AnalysisError("Suggest at least one site.")
    if not threshold_m > 0:
        raise AnalysisError("threshold_m must be a positive distance in metres.")
    areas = result.areas
    w = area_weights(areas, weight)
    points, described = candidate_points(result, candidates)
    problem = _problem(areas, w, points, float(threshold_m), objective)
    sites = min(int(sites), len(points))
    greedy_order, greedy_gains = _greedy(problem, sites)
    exact = problem.pairs <= exact_limit
    curve_rows = []
    chosen = greedy_order
    value = float(np.sum(greedy_gains))
    for k in range(1, sites + 1):
        g = float(np.sum(greedy_gains[:k]))
        e = _exact(problem, k)[1] if exact else float("nan")
        curve_rows.append({"sites": k, "value": e if exact else g, "greedy_value": g})
    greedy_value = float(np.sum(greedy_gains))
    if exact:
        chosen, value = _exact(problem, sites)
        chosen = _in_greedy_order(problem, chosen)
        if greedy_value > value:  # the solver stops within its tolerance: keep the better
            chosen, value = greedy_order, greedy_value
    gap = max(0.0, (value - greedy_value) / value) if exact and value > 0 else float("nan")
    if exact and value <= 0:
        gap = 0.0
    return Suggestion(
        sites=_sites_frame(problem, chosen, points, areas),
        objective=objective,
        weight=weight,
        threshold_m=float(threshold_m),
        value=value,
        greedy_value=greedy_value,
        gap=gap,
        method="exact" if exact else "greedy",
        curve=pd.DataFrame(curve_rows),
        candidates=described,
        baseline=problem.baseline,
        reached=_reached(problem, chosen, areas.index),
    )


def area_weights(areas: pd.DataFrame, weight: str) -> np.ndarray:
    """Each area's weight: expected lonely people, or residents of high-risk areas."""
    if weight == "expected_lonely":
        values = pd.to_numeric(areas["expected_lonely"], errors="coerce")
        if values.isna().all():
            raise AnalysisError(
                "Expected numbers of lonely people are not available for this area: "
                "weight by high_risk_residents instead."
            )
        return values.fillna(0.0).to_numpy(dtype=float)
    high = areas["is_high_risk"].fillna(False).astype(bool)
    return np.where(high, areas["population"].fillna(0.0).astype(float), 0.0)


def candidate_points(result: Result, candidates: gpd.GeoDataFrame | None) -> tuple[np.ndarray, str]:
    """Candidate sites as BNG coordinates, and a sentence saying what they are."""
    areas = result.areas
    if candidates is not None:
        if not isinstance(candidates, gpd.GeoDataFrame) or candidates.crs is None:
            raise AnalysisError("Candidate sites need point geometries with a coordinate system.")
        geometry = candidates.to_crs(areas.crs).geometry
        if not geometry.geom_type.eq("Point").all():
            raise AnalysisError("Candidate sites must be points.")
        xy = np.column_stack([geometry.x, geometry.y])
        return xy, f"{len(xy):,} candidate site(s) given"
    xy = grid_inside(areas, GRID_SPACING_M)
    return xy, (
        f"{len(xy):,} points of a regular {GRID_SPACING_M:,.0f} m grid inside the study area "
        "(no list of candidate buildings was given)"
    )


def grid_inside(areas: gpd.GeoDataFrame, spacing_m: float) -> np.ndarray:
    """Points of a regular grid (aligned to whole multiples of the spacing) inside the areas."""
    x0, y0, x1, y1 = areas.total_bounds
    xs = np.arange(np.ceil(x0 / spacing_m), np.floor(x1 / spacing_m) + 1) * spacing_m
    ys = np.arange(np.ceil(y0 / spacing_m), np.floor(y1 / spacing_m) + 1) * spacing_m
    gx, gy = np.meshgrid(xs, ys)
    points = gpd.GeoSeries(gpd.points_from_xy(gx.ravel(), gy.ravel()), crs=areas.crs)
    inside = points.within(areas.geometry.union_all()).to_numpy()
    return np.column_stack([gx.ravel()[inside], gy.ravel()[inside]])


@dataclass(frozen=True)
class _Problem:
    """Candidate × area gains: adding candidate j gives area i ``gain`` (sparse)."""

    gain: sparse.csc_matrix  # areas × candidates
    weights: np.ndarray
    objective: str
    baseline: float

    @property
    def pairs(self) -> int:
        return int(self.gain.nnz)


def _problem(
    areas: pd.DataFrame, w: np.ndarray, points: np.ndarray, threshold: float, objective: str
) -> _Problem:
    xy = areas[["point_x", "point_y"]].to_numpy(dtype=float)
    existing = areas["nearest_any_m"].to_numpy(dtype=float)
    if objective == "mclp":
        open_ = ~(existing <= threshold) & (w > 0)
        radii = np.full(len(xy), threshold)
    else:
        existing = np.where(np.isnan(existing), NO_PLACE_DISTANCE_M, existing)
        open_ = w > 0
        radii = existing
    rows = np.flatnonzero(open_)
    found = (
        cKDTree(points).query_ball_point(xy[rows], radii[rows] * (1 + 1e-12))
        if len(points) and len(rows)
        else []
    )
    lengths = np.array([len(f) for f in found], dtype=np.int64)
    i = np.repeat(rows, lengths)
    j = np.concatenate([np.asarray(f, dtype=np.int64) for f in found]) if len(i) else i
    d = np.hypot(*(points[j] - xy[i]).T) if len(i) else np.empty(0)
    if objective == "mclp":
        keep, data = d <= threshold, np.ones(len(i))
    else:
        keep, data = d < existing[i], existing[i] - d
    shape = (len(xy), len(points))
    gain = sparse.csc_matrix((data[keep], (i[keep], j[keep])), shape=shape)
    baseline = float(w[open_].sum()) if objective == "mclp" else float(np.sum(w * existing))
    return _Problem(gain, w, objective, baseline)


def _value(problem: _Problem, chosen: Sequence[int]) -> float:
    """Objective of a set of sites: weight newly covered, or weighted metres saved."""
    if not len(chosen):
        return 0.0
    best = problem.gain[:, list(chosen)].max(axis=1).toarray().ravel()
    return float(np.sum(problem.weights * best))


def _greedy(problem: _Problem, sites: int) -> tuple[list[int], np.ndarray]:
    """Add, ``sites`` times, the candidate with the largest gain in the objective."""
    gain = problem.gain.tocsc()
    w = problem.weights
    current = np.zeros(gain.shape[0])
    order: list[int] = []
    gains = []
    for _ in range(sites):
        best_j, best_gain = -1, -1.0
        for j in range(gain.shape[1]):
            if j in order:
                continue
            start, stop = gain.indptr[j], gain.indptr[j + 1]
            rows, vals = gain.indices[start:stop], gain.data[start:stop]
            g = float(np.sum(w[rows] * np.maximum(vals - current[rows], 0.0)))
            if g > best_gain:
                best_j, best_gain = j, g
        order.append(best_j)
        gains.append(best_gain)
        column = gain[:, best_j].toarray().ravel()
        current = np.maximum(current, column)
    return order, np.array(gains)


def _exact(problem: _Problem, sites: int) -> tuple[list[int], float]:
    """The optimum for ``sites`` sites, as an integer programme solved by HiGHS."""
    coo = problem.gain.tocoo()
    keep = problem.weights[coo.row] > 0
    rows, cols, vals = coo.row[keep], coo.col[keep], coo.data[keep]
    m, n_pairs = problem.gain.shape[1], len(rows)
    areas = np.unique(rows)
    if not n_pairs:
        return list(range(min(sites, m))), 0.0
    area_pos = {a: k for k, a in enumerate(areas)}
    # variables: y_j (m sites, binary), x_p (one per area–site pair, 0..1)
    c = np.concatenate([np.zeros(m), -problem.weights[rows] * vals])
    pair = np.arange(n_pairs)
    one_site = sparse.csr_matrix((np.ones(m), (np.zeros(m), np.arange(m))), shape=(1, m + n_pairs))
    # x_p <= y_j
    link = sparse.csr_matrix(
        (np.r_[np.ones(n_pairs), -np.ones(n_pairs)], (np.r_[pair, pair], np.r_[m + pair, cols])),
        shape=(n_pairs, m + n_pairs),
    )
    # each area served by at most one new site
    served = sparse.csr_matrix(
        (np.ones(n_pairs), ([area_pos[a] for a in rows], m + pair)),
        shape=(len(areas), m + n_pairs),
    )
    constraints = [
        optimize.LinearConstraint(one_site, sites, sites),
        optimize.LinearConstraint(link, -np.inf, 0.0),
        optimize.LinearConstraint(served, 0.0, 1.0),
    ]
    integrality = np.r_[np.ones(m), np.zeros(n_pairs)]
    solved = optimize.milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=optimize.Bounds(0.0, 1.0),
        options={"disp": False, "time_limit": 120.0},
    )
    if solved.x is None:
        raise AnalysisError(f"The site problem could not be solved exactly: {solved.message}")
    chosen = [int(j) for j in np.flatnonzero(solved.x[:m] > 0.5)]
    return chosen, _value(problem, chosen)


def _reached(problem: _Problem, chosen: Sequence[int], index: pd.Index) -> tuple[str, ...]:
    """The areas with a gain from at least one chosen site (and some weight)."""
    if not len(chosen):
        return ()
    gains = problem.gain[:, list(chosen)].max(axis=1).toarray().ravel()
    return tuple(index[(gains > 0) & (problem.weights > 0)])


def _in_greedy_order(problem: _Problem, chosen: Sequence[int]) -> list[int]:
    """The chosen sites ordered by what each adds after the ones before it."""
    order: list[int] = []
    rest = list(chosen)
    while rest:
        gains = [_value(problem, [*order, j]) for j in rest]
        order.append(rest.pop(int(np.argmax(gains))))
    return order


def _sites_frame(
    problem: _Problem, chosen: Sequence[int], points: np.ndarray, areas: pd.DataFrame
) -> gpd.GeoDataFrame:
    xy = points[list(chosen)] if len(chosen) else np.empty((0, 2))
    geometry = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=areas.crs)
    lonlat = geometry.to_crs(4326)
    adds, reached, before = [], [], 0.0
    for k in range(len(chosen)):
        total = _value(problem, chosen[: k + 1])
        adds.append(total - before)
        before = total
        column = problem.gain[:, chosen[k]].toarray().ravel()
        reached.append(int(np.sum((column > 0) & (problem.weights > 0))))
    area_xy = areas[["point_x", "point_y"]].to_numpy(dtype=float)
    _, nearest = cKDTree(area_xy).query(xy, k=1) if len(xy) else (None, np.array([], int))
    frame = pd.DataFrame(
        {
            "site": np.arange(1, len(chosen) + 1),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "lon": lonlat.x.to_numpy(),
            "lat": lonlat.y.to_numpy(),
            "adds": adds,
            "areas_reached": reached,
            "nearest_lsoa": areas.index.to_numpy()[np.asarray(nearest, dtype=int)],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=areas.crs)
