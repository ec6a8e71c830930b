"""Need × provision: where loneliness risk is high and access to community assets is low.

Everything here is relative to the study region that is passed in: terciles,
percentile ranks and hot spots compare each area with the other areas of the
same region, never with England as a whole.

Inputs
------
``risk``
    A loneliness-risk score per area (higher = more at risk).
``access``
    An access measure per area (higher = better provision), for example
    E2SFCA places per 1,000 residents, or the negative distance to the nearest
    asset.

Both are pandas Series indexed by area code, like the areas.

Measures
--------
:func:`terciles`
    1 low, 2 middle, 3 high, from mid-rank percentile ranks.
:func:`bivariate_classes`
    The nine risk × access classes (``"3-1"`` = high risk, low access), with
    plain-English labels (:data:`CLASS_LABELS`) and map colours
    (:data:`BIVARIATE_COLOURS`).
:func:`gap_score`
    ``(risk percentile + (1 − access percentile)) / 2``, between 0 and 1.
:func:`priority_rank`
    1 = the largest gap score; ties go to the larger population.
:func:`hot_spots`
    Local Moran's I (PySAL ``esda``) on queen contiguity with permutation
    pseudo p-values and a Benjamini–Hochberg false-discovery-rate correction.
:func:`gap_totals`
    Residents and expected lonely people in priority gap areas; the share of
    high-risk residents beyond walking thresholds of any asset.
:func:`gap_analysis`
    All of the above, composed into a :class:`GapResult`.

A **priority gap** is an area in class ``3-1``: the top risk tercile and the
bottom access tercile of the region.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import GapError, SchemaError

log = logging.getLogger(__name__)

#: The priority gap class: high risk tercile, low access tercile.
PRIORITY_CLASS = "3-1"

#: Plain-English label of each risk × access class, keyed ``"<risk>-<access>"``
#: with terciles 1 (low), 2 (middle) and 3 (high).
CLASS_LABELS: dict[str, str] = {
    "3-1": "High risk, low access — priority gap",
    "3-2": "High risk, middling access",
    "3-3": "High risk, good access",
    "2-1": "Middling risk, low access",
    "2-2": "Middling risk and access",
    "2-3": "Middling risk, good access",
    "1-1": "Low risk, low access",
    "1-2": "Low risk, middling access",
    "1-3": "Low risk, good access",
}

#: Map colour of each class: Joshua Stevens' 3×3 blue–pink bivariate scheme.
#: Risk runs along the pink axis and *lack* of access along the teal axis, so
#: the darkest cell is the priority gap (3-1) and the lightest grey is low risk
#: with good access (1-3).  The two hues differ in lightness as well as hue,
#: which keeps the classes apart for the common red–green colour-vision
#: deficiencies; always show the legend (and the labels) beside the map.
BIVARIATE_COLOURS: dict[str, str] = {
    "1-3": "#e8e8e8",
    "1-2": "#ace4e4",
    "1-1": "#5ac8c8",
    "2-3": "#dfb0d6",
    "2-2": "#a5add3",
    "2-1": "#5698b9",
    "3-3": "#be64ac",
    "3-2": "#8c62aa",
    "3-1": "#3b4994",
}

#: Local Moran's I quadrants: first letter the area's value, second letter the
#: average of its neighbours (H above the region's mean, L below).
QUADRANT_LABELS: dict[str, str] = {
    "HH": "hot spot",
    "LL": "cold spot",
    "HL": "high outlier (high among low)",
    "LH": "low outlier (low among high)",
}

#: ``cluster`` label of an area that is not significant, has no neighbours or
#: has no value.
NOT_SIGNIFICANT = "not significant"
NO_NEIGHBOURS = "no neighbours"
NO_VALUE = "no value"

# esda's conditional randomisation seeds NumPy's global random state; this lock
# keeps concurrent analyses (a multi-user app) from interleaving their draws, and
# the global state is restored afterwards.
_RANDOM_LOCK = threading.Lock()
# esda's quadrant codes (PySAL scheme) → our codes.
_ESDA_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HotSpots:
    """Local and global Moran's I of one variable.

    Attributes
    ----------
    frame
        One row per area (index like the areas): ``neighbours`` (count),
        ``local_i``, ``p_value`` (permutation pseudo p-value), ``p_fdr``
        (Benjamini–Hochberg adjusted), ``quadrant`` (``HH``, ``LL``, ``HL``,
        ``LH``), ``significant``, ``cluster`` (plain English), ``hotspot``
        (``HH`` and significant) and ``coldspot`` (``LL`` and significant).
    global_i
        Global Moran's I (NaN when it could not be computed).
    global_p
        Its permutation pseudo p-value.
    notes
        Plain-English notes: method, islands, areas left out.
    expected_i
        Expected value of I under no spatial autocorrelation, −1/(n − 1).
    islands
        Codes of areas with no neighbours (no statistic, never a hot spot).
    permutations, alpha, fdr
        The options used.
    """

    frame: pd.DataFrame
    global_i: float
    global_p: float
    notes: tuple[str, ...] = ()
    expected_i: float = float("nan")
    islands: tuple[Any, ...] = ()
    permutations: int = 999
    alpha: float = 0.05
    fdr: bool = True


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


# ---------------------------------------------------------------------------
# Ranks and classes
# ---------------------------------------------------------------------------


def percentile_rank(values: pd.Series) -> pd.Series:
    """Percentile rank within the region, from 0 (lowest) to 1 (highest).

    ``(r − 1) / (n − 1)`` where ``r`` is the area's rank among the ``n`` areas
    with a value, tied values sharing their average rank.  A lone area gets
    0.5; missing values stay missing.  Reversing the order of the values turns
    ``p`` into ``1 − p``.

    Parameters
    ----------
    values
        Numbers per area.

    Returns
    -------
    pandas.Series
        Floats between 0 and 1, indexed like ``values``.
    """
    numeric = _numeric(values, "values")
    rank = numeric.rank(method="average")
    n = int(rank.notna().sum())
    if n <= 1:
        return (rank * 0 + 0.5).rename(values.name)
    return ((rank - 1.0) / (n - 1)).rename(values.name)


def terciles(values: pd.Series) -> pd.Series:
    """Split areas into thirds: 1 low, 2 middle, 3 high.

    Method: the percentile rank ``p`` of :func:`percentile_rank` (average rank
    for ties).  An area is *low* when ``p < 1/3``, *high* when ``p > 2/3`` and
    *middle* otherwise, so areas exactly on a boundary go to the middle.  The
    comparison is done in exact arithmetic on ranks, so the result does not
    depend on floating-point noise or on the order of the rows.

    Equal values always share a tercile, so with many ties the thirds can be
    unequal (if every value is the same, every area is *middle*).  With 9
    distinct values there are three of each; with 10, three, four and three.

    Parameters
    ----------
    values
        Numbers per area; missing values stay missing.

    Returns
    -------
    pandas.Series
        Nullable integers (``Int64``) 1, 2 or 3, indexed like ``values``.
    """
    numeric = _numeric(values, "values")
    rank = numeric.rank(method="average")
    n = int(rank.notna().sum())
    # p = (r − 1)/(n − 1); p < 1/3 ⇔ 3(r − 1) < n − 1 and p > 2/3 ⇔ 3(r − 1) > 2(n − 1).
    # r is a multiple of ½, so 3(r − 1) is exact in floating point.
    x = 3.0 * (rank.to_numpy(dtype=float) - 1.0)
    tercile = np.where(x < n - 1, 1, np.where(x > 2 * (n - 1), 3, 2))
    out = pd.Series(tercile, index=values.index, dtype="Int64", name=values.name)
    out[rank.isna().to_numpy()] = pd.NA
    return out


def bivariate_classes(risk: pd.Series, access: pd.Series) -> pd.DataFrame:
    """The nine risk × access classes of every area.

    Parameters
    ----------
    risk
        Loneliness-risk score per area (higher = more at risk).
    access
        Access measure per area (higher = better provision), with the same
        area codes as ``risk``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``risk``: ``risk_tercile`` and ``access_tercile`` (1 low,
        2 middle, 3 high; see :func:`terciles`), ``gap_class`` (``"3-1"``,
        risk first), ``gap_label`` (:data:`CLASS_LABELS`) and ``gap_colour``
        (:data:`BIVARIATE_COLOURS`).  An area missing either value has no
        class.

    Raises
    ------
    GapError
        If the two Series do not cover the same areas.
    """
    risk, access = _aligned(risk, access, names=("risk", "access"))
    risk_t = terciles(risk)
    access_t = terciles(access)
    known = (risk_t.notna() & access_t.notna()).to_numpy()
    codes = np.full(len(risk), None, dtype=object)
    codes[known] = [
        f"{r}-{a}"
        for r, a in zip(
            risk_t.to_numpy(dtype=int, na_value=0)[known],
            access_t.to_numpy(dtype=int, na_value=0)[known],
            strict=True,
        )
    ]
    gap_class = pd.Series(codes, index=risk.index, dtype="str")
    return pd.DataFrame(
        {
            "risk_tercile": risk_t.rename(None),
            "access_tercile": access_t.rename(None),
            "gap_class": gap_class,
            "gap_label": gap_class.map(CLASS_LABELS).astype("str"),
            "gap_colour": gap_class.map(BIVARIATE_COLOURS).astype("str"),
        },
        index=risk.index,
    )


def bivariate_legend() -> pd.DataFrame:
    """The 3×3 legend: one row per class, highest risk first, lowest access first.

    Returns
    -------
    pandas.DataFrame
        Columns ``gap_class``, ``risk_tercile``, ``access_tercile``,
        ``gap_label`` and ``gap_colour``.
    """
    rows = [
        {
            "gap_class": f"{r}-{a}",
            "risk_tercile": r,
            "access_tercile": a,
            "gap_label": CLASS_LABELS[f"{r}-{a}"],
            "gap_colour": BIVARIATE_COLOURS[f"{r}-{a}"],
        }
        for r in (3, 2, 1)
        for a in (1, 2, 3)
    ]
    return pd.DataFrame(rows)


def gap_score(risk: pd.Series, access: pd.Series) -> pd.Series:
    """How much an area combines high risk with low access, from 0 to 1.

    ``gap_score = (p_risk + (1 − p_access)) / 2`` where ``p_risk`` and
    ``p_access`` are the area's percentile ranks within the region
    (:func:`percentile_rank`: 0 for the lowest value, 1 for the highest, ties
    share their average rank).  1 means the highest risk and the lowest access
    in the region; 0 the lowest risk and the best access; risk and access
    weigh the same.  Ranks make the score independent of the units and the
    skew of either measure.  Missing either value gives a missing score.

    Parameters
    ----------
    risk
        Loneliness-risk score per area (higher = more at risk).
    access
        Access measure per area (higher = better provision).

    Returns
    -------
    pandas.Series
        Named ``gap_score``, indexed like ``risk``.

    Raises
    ------
    GapError
        If the two Series do not cover the same areas.
    """
    risk, access = _aligned(risk, access, names=("risk", "access"))
    score = (percentile_rank(risk) + (1.0 - percentile_rank(access))) / 2.0
    return score.rename("gap_score")


def priority_rank(gap_score: pd.Series, *, population: pd.Series | None = None) -> pd.Series:
    """Rank areas by gap score: 1 = highest priority.

    Ties in the score go to the area with more residents (when ``population``
    is given), then to the area code in ascending order, so every area gets a
    distinct rank.  Areas without a score get no rank.

    Parameters
    ----------
    gap_score
        Score per area (higher = bigger gap).
    population
        Residents per area, same areas as ``gap_score``.

    Returns
    -------
    pandas.Series
        Nullable integers (``Int64``) named ``priority_rank``.
    """
    score = _numeric(gap_score, "gap_score")
    if population is not None:
        score, pop = _aligned(score, population, names=("gap_score", "population"))
        pop = _numeric(pop, "population").fillna(0.0).to_numpy(dtype=float)
    else:
        pop = np.zeros(len(score))
    values = score.to_numpy(dtype=float)
    known = ~np.isnan(values)
    codes = np.asarray(score.index.astype(str))
    # lexsort: last key is primary → score (descending), population (descending), code.
    order = np.lexsort((codes[known], -pop[known], -values[known]))
    ranks = np.empty(int(known.sum()), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    out = pd.Series(pd.NA, index=score.index, dtype="Int64", name="priority_rank")
    out[known] = ranks
    return out


# ---------------------------------------------------------------------------
# False discovery rate
# ---------------------------------------------------------------------------


def fdr_adjust(p_values: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values).

    For the ``m`` known p-values sorted ascending, ``q_(k) = min over j ≥ k of
    m·p_(j)/j``, capped at 1.  Rejecting every test with ``q ≤ α`` is the
    Benjamini–Hochberg (1995) step-up procedure at false discovery rate ``α``.
    Missing p-values stay missing and do not count in ``m``.

    Parameters
    ----------
    p_values
        P-values between 0 and 1.

    Returns
    -------
    pandas.Series or numpy.ndarray
        The same shape and index as the input.
    """
    as_series = isinstance(p_values, pd.Series)
    p = np.asarray(p_values, dtype=float)
    finite = ~np.isnan(p)
    if ((p[finite] < 0) | (p[finite] > 1)).any():
        raise GapError("p-values must lie between 0 and 1.")
    q = np.full(p.shape, np.nan)
    known = p[finite]
    m = known.size
    if m:
        order = np.argsort(known, kind="stable")
        scaled = known[order] * m / np.arange(1, m + 1)
        adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
        out = np.empty(m)
        out[order] = np.minimum(adjusted, 1.0)
        q[finite] = out
    if as_series:
        return pd.Series(q, index=p_values.index, name=p_values.name)  # type: ignore[union-attr]
    return q


# ---------------------------------------------------------------------------
# Hot spots
# ---------------------------------------------------------------------------


def hot_spots(
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    permutations: int = 999,
    alpha: float = 0.05,
    seed: int = 12345,
    fdr: bool = True,
    snap_m: float = 0.0,
) -> HotSpots:
    """Clusters of high and low values: Local Moran's I with permutation tests.

    Notes
    -----
    * **Neighbours**: queen contiguity (areas sharing a boundary point,
      ``libpysal.weights.Queen.from_dataframe``), row-standardised, so an
      area's *lag* is the mean of its neighbours' values.  With ``snap_m > 0``
      areas whose boundaries come within that many metres are neighbours too,
      for boundaries simplified polygon by polygon (slivers and gaps).  The
      default is 0: on the ONS generalised boundaries and on the simplified
      national layer, queen contiguity already equals "boundaries intersect"
      and leaves no islands in Manchester, Leeds or Cornwall, while a 1–20 m
      tolerance adds links between areas that only nearly touch.
    * **Islands** (areas with no neighbours) and areas without a value are
      left out of the statistic: they get no ``local_i``, no quadrant, and are
      never hot spots; a note lists how many.  Neighbours are found among the
      areas with a value, so an area whose only neighbours lack a value is an
      island too.
    * **Local Moran's I** (``esda.Moran_Local``) with ``permutations``
      conditional permutations, seeded for reproducible results.  The pseudo
      p-value is ``(M + 1)/(R + 1)``, ``M`` being the number of the ``R``
      permuted statistics at least as extreme as the observed one in its own
      tail (esda's and GeoDa's convention; esda calls it "directed").  It is
      a one-tailed value, about half a two-tailed one; the false-discovery-rate
      step below is what keeps the flags conservative.
    * **Multiple testing**: with ``fdr=True`` an area is significant when its
      Benjamini–Hochberg adjusted p-value ``p_fdr`` (over all tested areas) is
      at most ``alpha``; otherwise when ``p_value ≤ alpha``.  With ``R``
      permutations no p-value is below ``1/(R + 1)``, so too few permutations
      find nothing: with 199 permutations and 100 areas, areas at the smallest
      possible p-value (0.005) pass only when there are at least ten of them.
      Use 999 or more.
    * **Quadrants**: ``HH`` high value among high neighbours (a *hot spot*
      when significant), ``LL`` (*cold spot*), ``HL`` and ``LH`` (outliers),
      relative to the mean of the tested areas.
    * **Global Moran's I** (``esda.Moran``) with the same weights and a
      permutation pseudo p-value in the same convention.

    Parameters
    ----------
    areas
        Polygons per area (index = area code); a projected CRS in metres is
        needed when ``snap_m > 0``.
    values
        The variable, indexed like ``areas`` (e.g. the gap score).
    permutations
        Number of random permutations (at least 1; 999 is usual).
    alpha
        Significance level, between 0 and 1.
    seed
        Seed of the permutations: the same inputs and seed give the same
        result.
    fdr
        Control the false discovery rate (Benjamini–Hochberg) rather than
        testing each area at ``alpha``.
    snap_m
        Snapping tolerance in metres for extra neighbours (see above).

    Returns
    -------
    HotSpots

    Raises
    ------
    SchemaError
        If ``areas`` has no usable geometry.
    GapError
        If ``values`` does not cover the same areas, or an option is invalid.
    """
    _check_hot_spot_options(permutations=permutations, alpha=alpha, snap_m=snap_m)
    _check_geometry(areas, need_metres=snap_m > 0)
    values = _numeric(values, "values")
    values = _aligned_to_areas(values, areas, "values")
    if np.isinf(values.to_numpy(dtype=float)).any():
        raise GapError("values contain infinite numbers; replace them with finite values or NaN.")
    weights, islands, neighbours = _contiguity(areas, values, snap_m=snap_m)
    frame = _empty_hot_spot_frame(areas.index, values, neighbours)
    notes = [
        f"Hot spots: Local Moran's I on queen contiguity (row-standardised), "
        f"{permutations} permutations (seed {seed}), "
        + (
            f"Benjamini–Hochberg false discovery rate {alpha:g}."
            if fdr
            else f"each area tested at {alpha:g} (no multiple-testing correction)."
        )
    ]
    if snap_m > 0:
        notes.append(f"Areas within {snap_m:g} m of each other were also counted as neighbours.")
    missing = int(values.isna().sum())
    if missing:
        notes.append(f"{missing} area(s) without a value were left out of the hot-spot analysis.")
    if islands:
        shown = ", ".join(map(str, islands[:5])) + (" …" if len(islands) > 5 else "")
        notes.append(
            f"{len(islands)} area(s) have no neighbouring area ({shown}) and were left out "
            "of the hot-spot analysis."
        )

    global_i = global_p = expected_i = float("nan")
    tested = list(weights.id_order) if weights is not None else []
    y = values.loc[tested].to_numpy(dtype=float) if tested else np.empty(0)
    if len(tested) < 3:
        notes.append("Too few connected areas with a value (fewer than 3) for hot spots.")
    elif np.ptp(y) == 0:
        notes.append("Every area has the same value: there are no hot spots to find.")
    else:
        local_i, p_sim, quads, global_i, global_p, expected_i = _moran(
            y, weights, permutations=permutations, seed=seed
        )
        frame.loc[tested, "local_i"] = local_i
        frame.loc[tested, "p_value"] = p_sim
        frame.loc[tested, "p_fdr"] = fdr_adjust(p_sim)
        frame.loc[tested, "quadrant"] = [_ESDA_QUADRANTS[int(q)] for q in quads]
        test_p = frame["p_fdr"] if fdr else frame["p_value"]
        significant = (test_p <= alpha).fillna(False).astype(bool)
        frame["significant"] = significant
        quadrant = frame["quadrant"]
        frame["hotspot"] = significant & quadrant.eq("HH").fillna(False).astype(bool)
        frame["coldspot"] = significant & quadrant.eq("LL").fillna(False).astype(bool)
        cluster = quadrant.map(QUADRANT_LABELS).where(significant, NOT_SIGNIFICANT)
        frame["cluster"] = frame["cluster"].where(frame["quadrant"].isna(), cluster)
        notes.append(
            f"{int(frame['hotspot'].sum())} hot spot(s) and {int(frame['coldspot'].sum())} "
            f"cold spot(s) among {len(tested)} areas tested; global Moran's I = "
            f"{global_i:.3f} (pseudo p = {global_p:.3g})."
        )
    return HotSpots(
        frame=frame,
        global_i=float(global_i),
        global_p=float(global_p),
        notes=tuple(notes),
        expected_i=float(expected_i),
        islands=tuple(islands),
        permutations=permutations,
        alpha=alpha,
        fdr=fdr,
    )


def contiguity_weights(areas: gpd.GeoDataFrame, *, snap_m: float = 0.0) -> Any:
    """Queen contiguity weights of ``areas`` (binary, ids = the index).

    Parameters
    ----------
    areas
        Polygons per area.
    snap_m
        Also link areas whose boundaries come within this many metres.

    Returns
    -------
    libpysal.weights.W
    """
    from libpysal.weights import Queen, W

    _check_geometry(areas, need_metres=snap_m > 0)
    queen = Queen.from_dataframe(areas, use_index=True, silence_warnings=True)
    if snap_m <= 0:
        return queen
    geoms = areas.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=snap_m)
    ids = list(areas.index)
    position = {k: n for n, k in enumerate(ids)}
    neighbours = {k: set(v) for k, v in queen.neighbors.items()}
    for a, b in zip(i[i != j], j[i != j], strict=True):
        neighbours[ids[a]].add(ids[b])
    return W(
        {k: sorted(v, key=position.__getitem__) for k, v in neighbours.items()},
        id_order=ids,
        silence_warnings=True,
    )


def _contiguity(
    areas: gpd.GeoDataFrame, values: pd.Series, *, snap_m: float
) -> tuple[Any, list[Any], pd.Series]:
    """Weights among areas with a value, minus islands; islands; neighbour counts."""
    from libpysal.weights import w_subset

    with_value = values.notna().to_numpy()
    neighbours = pd.Series(pd.NA, index=areas.index, dtype="Int64", name="neighbours")
    if not with_value.any():
        return None, [], neighbours
    w = contiguity_weights(areas.loc[with_value], snap_m=snap_m)
    cards = pd.Series(w.cardinalities).reindex(w.id_order)
    neighbours.loc[cards.index] = cards.to_numpy()
    islands = [k for k in w.id_order if w.cardinalities[k] == 0]
    if islands:
        keep = [k for k in w.id_order if w.cardinalities[k] > 0]
        if not keep:
            return None, islands, neighbours
        w = w_subset(w, keep, silence_warnings=True)
    return w, islands, neighbours


def _moran(
    y: np.ndarray, w: Any, *, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float, float]:
    """esda's local and global Moran's I, reproducibly and without side effects."""
    import esda

    with _RANDOM_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        state = np.random.get_state()
        try:
            local = esda.Moran_Local(
                y,
                w,
                transformation="r",
                permutations=permutations,
                keep_simulations=False,
                seed=seed,
                n_jobs=1,
            )
            np.random.seed(seed)
            glob = esda.Moran(y, w, transformation="r", permutations=permutations)
        finally:
            np.random.set_state(state)
    return (
        np.asarray(local.Is, dtype=float),
        np.asarray(local.p_sim, dtype=float),
        np.asarray(local.q),
        float(glob.I),
        float(glob.p_sim),
        float(glob.EI),
    )


def _empty_hot_spot_frame(
    index: pd.Index, values: pd.Series, neighbours: pd.Series
) -> pd.DataFrame:
    cluster = np.where(values.isna().to_numpy(), NO_VALUE, NO_NEIGHBOURS)
    return pd.DataFrame(
        {
            "neighbours": neighbours,
            "local_i": np.nan,
            "p_value": np.nan,
            "p_fdr": np.nan,
            "quadrant": pd.Series(None, index=index, dtype="str"),
            "significant": False,
            "cluster": pd.Series(cluster, index=index, dtype="str"),
            "hotspot": False,
            "coldspot": False,
        },
        index=index,
    )


# ---------------------------------------------------------------------------
# Totals for the report
# ---------------------------------------------------------------------------


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
    pop = _numeric(_column(areas, population, "population"), "population")
    if pop.isna().any():
        raise SchemaError(
            f"population is missing for {int(pop.isna().sum())} area(s); "
            "fill it in or drop those areas."
        )
    if (pop < 0).any():
        raise SchemaError("population has negative values.")
    priority = _mask(areas, priority_mask, "priority_mask")
    high = _mask(areas, risk_high_mask, "risk_high_mask")
    pop_v = pop.to_numpy(dtype=float)
    residents = float(pop_v.sum())

    out: dict[str, Any] = {
        "areas": len(areas),
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
    if expected_lonely is not None:
        lonely = _numeric(_column(areas, expected_lonely, "expected_lonely"), "expected_lonely")
        lonely_v = lonely.fillna(0.0).to_numpy(dtype=float)
        total = float(lonely_v.sum())
        out["expected_lonely"] = total
        out["priority_expected_lonely"] = float(lonely_v[priority].sum())
        out["priority_expected_lonely_share"] = _share(lonely_v[priority].sum(), total)
    if nearest_any_m is not None:
        dist = _numeric(_column(areas, nearest_any_m, "nearest_any_m"), "nearest_any_m")
        d = dist.to_numpy(dtype=float)
        known = ~np.isnan(d)
        out["high_risk_residents_distance_unknown"] = float(pop_v[high & ~known].sum())
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


# ---------------------------------------------------------------------------
# Composition
# ---------------------------------------------------------------------------


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
) -> GapResult:
    """Classes, gap score, priority ranks, hot spots and totals in one go.

    A **priority gap** is an area in class ``3-1``: the top third of the
    region's areas by risk and the bottom third by access.  Hot spots are
    clusters of high *gap score* (Local Moran's I, see :func:`hot_spots`).

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
    risk = _aligned_to_areas(_numeric(risk, "risk"), areas, "risk")
    access = _aligned_to_areas(_numeric(access, "access"), areas, "access")
    pop = _numeric(_column(areas, population, "population"), "population")

    classes = bivariate_classes(risk, access)
    score = gap_score(risk, access)
    frame = classes.assign(
        risk_percentile=percentile_rank(risk).rename(None),
        access_percentile=percentile_rank(access).rename(None),
        gap_score=score,
        priority_rank=priority_rank(score, population=pop),
        is_priority=classes["gap_class"].eq(PRIORITY_CLASS).fillna(False).astype(bool),
        is_high_risk=classes["risk_tercile"].eq(3).fillna(False).astype(bool),
    )
    spots = hot_spots(
        areas,
        score,
        permutations=permutations,
        alpha=alpha,
        seed=seed,
        fdr=fdr,
        snap_m=snap_m,
    )
    hs = spots.frame[
        ["neighbours", "local_i", "p_value", "p_fdr", "quadrant", "cluster", "hotspot", "coldspot"]
    ]
    frame = frame.join(hs)
    totals = gap_totals(
        areas,
        population=pop,
        expected_lonely=expected_lonely,
        priority_mask=frame["is_priority"],
        risk_high_mask=frame["is_high_risk"],
        nearest_any_m=nearest_any_m,
        thresholds=thresholds,
    )
    totals["hot_spot_areas"] = int(frame["hotspot"].sum())
    totals["hot_spot_residents"] = float(pop[frame["hotspot"]].sum())
    totals["global_morans_i"] = spots.global_i
    totals["global_morans_p"] = spots.global_p

    notes = [
        "Terciles, percentiles and classes compare areas within this region only.",
        "Priority gap (class 3-1): top third of areas by loneliness risk and bottom third "
        "by access to community assets.",
        "Gap score = (risk percentile + (1 − access percentile)) / 2, from 0 to 1.",
    ]
    unclassified = int(classes["gap_class"].isna().sum())
    if unclassified:
        notes.append(f"{unclassified} area(s) lack a risk or access value and have no class.")
    notes.append("Hot spots are clusters of high gap score.")
    notes.extend(spots.notes)
    return GapResult(
        frame=frame,
        totals=totals,
        global_moran=GlobalMoran(
            i=spots.global_i,
            p_value=spots.global_p,
            expected_i=spots.expected_i,
            permutations=permutations,
        ),
        notes=tuple(notes),
        hot_spots=spots,
    )


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def _numeric(values: pd.Series, name: str) -> pd.Series:
    if not isinstance(values, pd.Series):
        raise GapError(f"{name} must be a pandas Series indexed by area code.")
    if not values.index.is_unique:
        dup = values.index[values.index.duplicated()].unique()[:5]
        raise GapError(f"{name} has repeated area codes ({', '.join(map(str, dup))}).")
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        try:
            return pd.to_numeric(values, errors="raise").astype(float)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{name} must be numbers; it has {values.dtype} values.") from exc
    return values.astype(float)


def _aligned(a: pd.Series, b: pd.Series, *, names: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    """``b`` reordered like ``a``; both must cover the same area codes."""
    a = _numeric(a, names[0])
    b = _numeric(b, names[1])
    if not a.index.equals(b.index):
        _same_codes(a.index, b.index, names)
        b = b.reindex(a.index)
    return a, b


def _aligned_to_areas(values: pd.Series, areas: pd.DataFrame, name: str) -> pd.Series:
    if not values.index.equals(areas.index):
        _same_codes(areas.index, values.index, ("areas", name))
        values = values.reindex(areas.index)
    return values


def _same_codes(left: pd.Index, right: pd.Index, names: tuple[str, str]) -> None:
    only_left = left.difference(right)
    only_right = right.difference(left)
    if len(only_left) or len(only_right):
        parts = []
        if len(only_left):
            parts.append(
                f"{len(only_left)} area(s) in {names[0]} but not in {names[1]} "
                f"(e.g. {', '.join(map(str, only_left[:3]))})"
            )
        if len(only_right):
            parts.append(
                f"{len(only_right)} area(s) in {names[1]} but not in {names[0]} "
                f"(e.g. {', '.join(map(str, only_right[:3]))})"
            )
        raise GapError(
            f"{names[0]} and {names[1]} cover different areas: {'; '.join(parts)}. "
            "Index both by the same area codes (reindex one like the other)."
        )


def _column(areas: pd.DataFrame, spec: str | pd.Series, what: str) -> pd.Series:
    if isinstance(spec, pd.Series):
        return _aligned_to_areas(spec, areas, what)
    if spec not in areas.columns:
        raise SchemaError(
            f"The areas have no column {spec!r} for {what}. "
            f"Pass the column name or a Series indexed like the areas."
        )
    return areas[spec]


def _mask(areas: pd.DataFrame, mask: pd.Series, name: str) -> np.ndarray:
    if not isinstance(mask, pd.Series):
        raise GapError(f"{name} must be a pandas Series of True/False indexed like the areas.")
    mask = _aligned_to_areas(mask, areas, name)
    return mask.fillna(False).astype(bool).to_numpy()


def _check_geometry(areas: gpd.GeoDataFrame, *, need_metres: bool) -> None:
    if not isinstance(areas, gpd.GeoDataFrame) or areas.geometry is None:
        raise SchemaError("areas must be a GeoDataFrame of polygons indexed by area code.")
    if not areas.index.is_unique:
        dup = areas.index[areas.index.duplicated()].unique()[:5]
        raise SchemaError(f"areas has repeated area codes ({', '.join(map(str, dup))}).")
    geom = areas.geometry
    bad = geom.isna() | geom.is_empty
    if bad.any():
        raise SchemaError(
            f"{int(bad.sum())} area(s) have no geometry "
            f"(e.g. {', '.join(map(str, areas.index[bad.to_numpy()][:3]))}); drop or fix them."
        )
    kinds = set(geom.geom_type.unique())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(f"areas must be polygons; found {', '.join(sorted(kinds))}.")
    if need_metres and (areas.crs is None or not areas.crs.is_projected):
        raise SchemaError(
            "A snapping tolerance in metres needs areas in a projected CRS "
            "(EPSG:27700): call areas.to_crs(27700) first."
        )


def _check_hot_spot_options(*, permutations: int, alpha: float, snap_m: float) -> None:
    if int(permutations) != permutations or permutations < 1:
        raise GapError(f"permutations must be a whole number of at least 1, not {permutations!r}.")
    if not 0 < alpha < 1:
        raise GapError(f"alpha must lie between 0 and 1, not {alpha!r}.")
    if snap_m < 0:
        raise GapError(f"snap_m must be 0 or more metres, not {snap_m!r}.")


def _share(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole > 0 else float("nan")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


__all__ = [
    "BIVARIATE_COLOURS",
    "CLASS_LABELS",
    "PRIORITY_CLASS",
    "QUADRANT_LABELS",
    "GapResult",
    "GlobalMoran",
    "HotSpots",
    "bivariate_classes",
    "bivariate_legend",
    "contiguity_weights",
    "fdr_adjust",
    "gap_analysis",
    "gap_score",
    "gap_totals",
    "hot_spots",
    "percentile_rank",
    "priority_rank",
    "terciles",
]
