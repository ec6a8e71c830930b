"""Risk × access classes: terciles, the nine bivariate classes, the gap score and priority ranks.

Everything is relative to the study region passed in: terciles and percentile
ranks compare each area with the other areas of the same region.  A **priority
gap** is an area in class ``3-1``: the top risk tercile and the bottom access
tercile of the region.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.gaps.checks import aligned, as_numeric

__all__ = [
    "BIVARIATE_COLOURS",
    "CLASS_LABELS",
    "PRIORITY_CLASS",
    "bivariate_classes",
    "bivariate_legend",
    "gap_score",
    "percentile_rank",
    "priority_rank",
    "terciles",
]

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
    numeric = as_numeric(values, "values")
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
    numeric = as_numeric(values, "values")
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
    risk, access = aligned(risk, access, names=("risk", "access"))
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
    risk, access = aligned(risk, access, names=("risk", "access"))
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
    score = as_numeric(gap_score, "gap_score")
    if population is not None:
        score, pop = aligned(score, population, names=("gap_score", "population"))
        pop = as_numeric(pop, "population").fillna(0.0).to_numpy(dtype=float)
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
