"""Hot spots: Local Moran's I with permutation tests and a false-discovery-rate correction.

Method of :func:`hot_spots`:

* **Neighbours**: queen contiguity (areas sharing a boundary point, the
  same as ``libpysal.weights.Queen.from_dataframe``; see
  :mod:`geo.gaps.contiguity`, worked out once per boundary set and cached),
  row-standardised, so an area's *lag* is the mean of its neighbours'
  values.  With ``snap_m > 0`` areas whose boundaries come within that many
  metres are neighbours too, for boundaries simplified polygon by polygon
  (slivers and gaps).  The default is 0: on the ONS generalised boundaries
  and on the simplified national layer, queen contiguity already equals
  "boundaries intersect" and leaves no islands in Manchester, Leeds or
  Cornwall, while a 1–20 m tolerance adds links between areas that only
  nearly touch.
* **Islands** (areas with no neighbours) and areas without a value are
  left out of the statistic: they get no ``local_i``, no quadrant, and are
  never hot spots; a note lists how many.  Neighbours are found among the
  areas with a value, so an area whose only neighbours lack a value is an
  island too.
* **Local Moran's I** with ``permutations`` conditional permutations,
  seeded for reproducible results, computed as esda's ``Moran_Local`` does
  (:mod:`geo.gaps.moran`: the same statistic and quadrants; the same
  p-values for the same seed with ``draws="esda"``, the same distribution
  of draws and so p-values within Monte-Carlo error with the default, much
  faster, ``draws="fast"``).  The pseudo p-value is ``(M + 1)/(R + 1)``,
  ``M`` being the number of the ``R`` permuted statistics at least as
  extreme as the observed one in its own tail (esda's and GeoDa's
  convention; esda calls it "directed").  It is a one-tailed value, about
  half a two-tailed one; the false-discovery-rate step below is what keeps
  the flags conservative.
* **Multiple testing**: with ``fdr=True`` an area is significant when its
  Benjamini–Hochberg adjusted p-value ``p_fdr`` (over all tested areas) is
  at most ``alpha``; otherwise when ``p_value ≤ alpha``.  With ``R``
  permutations no p-value is below ``1/(R + 1)``, so too few permutations
  find nothing: with 199 permutations and 100 areas, areas at the smallest
  possible p-value (0.005) pass only when there are at least ten of them.
  Use 999 or more (the analysis uses 9,999).
* **Quadrants**: ``HH`` high value among high neighbours (a *hot spot*
  when significant), ``LL`` (*cold spot*), ``HL`` and ``LH`` (outliers),
  relative to the mean of the tested areas.
* **Global Moran's I** (as ``esda.Moran``) with the same weights and a
  permutation pseudo p-value in the same convention, from at most 999
  permutations (drawn as esda draws them after seeding NumPy).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import GapError
from geo.gaps.checks import aligned_to_areas, as_numeric, check_geometry, check_hot_spot_options
from geo.gaps.contiguity import tested_weights

__all__ = [
    "NOT_SIGNIFICANT",
    "NO_NEIGHBOURS",
    "NO_VALUE",
    "QUADRANT_LABELS",
    "HotSpots",
    "fdr_adjust",
    "hot_spots",
]

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

# esda's quadrant codes (PySAL scheme) → our codes.
_ESDA_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


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
    global_permutations
        Permutations of the global test (at most 999).
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
    global_permutations: int = 999


def fdr_adjust(p_values: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values).

    For the ``m`` known p-values sorted ascending, ``q_(k) = min over j ≥ k of
    m·p_(j)/j``, capped at 1.  Rejecting every test with ``q ≤ α`` is the
    Benjamini–Hochberg (1995) step-up procedure at false discovery rate ``α``.
    Missing p-values stay missing and do not count in ``m``.  The same numbers
    as :func:`scipy.stats.false_discovery_control` (``method="bh"``; tested
    equal to the last bit), without importing :mod:`scipy.stats`, which
    parses its distributions' documentation on import (0.8 s of an England
    run).

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
    if finite.any():
        q[finite] = _bh_adjust(p[finite])
    if as_series:
        return pd.Series(q, index=p_values.index, name=p_values.name)  # type: ignore[union-attr]  # a Series here
    return q


def _bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values of a 1-D array of p-values in [0, 1].

    Sorted ascending, ``p(i) · m / i``, then the running minimum from the
    largest down, clipped to [0, 1], in the input's order.
    """
    m = len(p)
    order = np.argsort(p)
    adjusted = p[order] * (m / np.arange(1, m + 1, dtype=float))
    np.minimum.accumulate(adjusted[::-1], out=adjusted[::-1])
    out = np.empty(m)
    out[order] = adjusted
    return np.clip(out, 0.0, 1.0)


def hot_spots(
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    permutations: int = 999,
    alpha: float = 0.05,
    seed: int = 12345,
    fdr: bool = True,
    snap_m: float = 0.0,
    draws: str = "fast",
    cache_dir: str | os.PathLike[str] | None = None,
) -> HotSpots:
    """Clusters of high and low values: Local Moran's I with permutation tests.

    The method (neighbours, islands, p-values, multiple testing, quadrants) is
    described in the module documentation.

    Parameters
    ----------
    areas
        Polygons per area (index = area code); a projected CRS in metres is
        needed when ``snap_m > 0``.
    values
        The variable, indexed like ``areas`` (e.g. the gap score).
    permutations
        Number of random permutations (at least 1; 999 or 9,999 are usual).
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
    draws
        ``"fast"`` (default) or ``"esda"`` to reproduce esda's random draws
        (and so its p-values) for the same seed; see :mod:`geo.gaps.moran`.
    cache_dir
        Where the contiguity of these boundaries is kept between runs
        (``None``: the cache folder of :meth:`geo.config.Settings.from_env`).

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
    check_hot_spot_options(permutations=permutations, alpha=alpha, snap_m=snap_m)
    if draws not in ("fast", "esda"):
        raise GapError(f"draws must be 'fast' or 'esda', not {draws!r}.")
    check_geometry(areas, need_metres=snap_m > 0)
    values = as_numeric(values, "values")
    values = aligned_to_areas(values, areas, "values")
    if np.isinf(values.to_numpy(dtype=float)).any():
        raise GapError("values contain infinite numbers; replace them with finite values or NaN.")
    adj, tested, islands, neighbours = tested_weights(
        areas, values, snap_m=snap_m, cache_dir=cache_dir
    )
    frame = _empty_hot_spot_frame(areas.index, values, neighbours)
    notes = _method_notes(
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        fdr=fdr,
        snap_m=snap_m,
        missing=int(values.isna().sum()),
        islands=islands,
    )
    stats = _test(
        frame,
        values,
        adj,
        tested,
        notes,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        fdr=fdr,
        draws=draws,
    )
    return HotSpots(
        frame=frame,
        global_i=float(stats.global_i) if stats else float("nan"),
        global_p=float(stats.global_p) if stats else float("nan"),
        notes=tuple(notes),
        expected_i=float(stats.expected_i) if stats else float("nan"),
        islands=tuple(islands),
        permutations=permutations,
        alpha=alpha,
        fdr=fdr,
        global_permutations=stats.global_permutations if stats else 0,
    )


def _test(
    frame: pd.DataFrame,
    values: pd.Series,
    adj: Any,
    tested: pd.Index,
    notes: list[str],
    *,
    permutations: int,
    seed: int,
    alpha: float,
    fdr: bool,
    draws: str,
) -> Any:
    """Run the local and global tests on the connected areas with a value.

    Fills in ``frame`` and appends to ``notes``; returns the
    :class:`geo.gaps.moran.MoranResult`, or None when there is nothing to test.
    """
    y = values.loc[tested].to_numpy(dtype=float) if len(tested) else np.empty(0)
    if len(tested) < 3:
        notes.append("Too few connected areas with a value (fewer than 3) for hot spots.")
        return None
    if np.ptp(y) == 0:
        notes.append("Every area has the same value: there are no hot spots to find.")
        return None
    from geo.gaps.moran import moran

    stats = moran(y, adj, permutations=permutations, seed=seed, scheme=draws)
    _classify(frame, tested, stats.local_i, stats.p_value, stats.quadrant, alpha=alpha, fdr=fdr)
    notes.append(
        f"{int(frame['hotspot'].sum())} hot spot(s) and {int(frame['coldspot'].sum())} "
        f"cold spot(s) among {len(tested)} areas tested; global Moran's I = "
        f"{stats.global_i:.3f} (pseudo p = {stats.global_p:.3g}, "
        f"{stats.global_permutations} permutations)."
    )
    return stats


def _method_notes(
    *,
    permutations: int,
    seed: int,
    alpha: float,
    fdr: bool,
    snap_m: float,
    missing: int,
    islands: list[Any],
) -> list[str]:
    """Plain-English notes on the method and on the areas left out."""
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
    if missing:
        notes.append(f"{missing} area(s) without a value were left out of the hot-spot analysis.")
    if islands:
        shown = ", ".join(map(str, islands[:5])) + (" …" if len(islands) > 5 else "")
        notes.append(
            f"{len(islands)} area(s) have no neighbouring area ({shown}) and were left out "
            "of the hot-spot analysis."
        )
    return notes


def _classify(
    frame: pd.DataFrame,
    tested: pd.Index,
    local_i: np.ndarray,
    p_sim: np.ndarray,
    quads: np.ndarray,
    *,
    alpha: float,
    fdr: bool,
) -> None:
    """Fill in the statistics, quadrants, significance and cluster labels of the tested areas."""
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
