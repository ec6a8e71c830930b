"""Class breaks for choropleth maps: quantiles of the areas shown, and classing.

``mapclassify`` is not a dependency; numpy's quantiles give the same
equal-count breaks.  Repeated breaks (many equal values) are merged, so a
layer may have fewer classes than asked for, never an empty one.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd


def quantile_breaks(values: pd.Series | np.ndarray, classes: int = 5) -> np.ndarray:
    """Edges of ``classes`` equal-count classes of the finite values.

    Parameters
    ----------
    values
        Numbers; NaN and infinities are ignored.
    classes
        How many classes to aim for (5 = fifths).

    Returns
    -------
    numpy.ndarray
        Increasing edges, lowest value first and highest last; repeats
        merged.  Empty when there is no finite value; two equal edges when
        every value is the same.
    """
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return np.array([], dtype=float)
    edges = np.unique(np.quantile(v, np.linspace(0, 1, classes + 1)))
    if len(edges) < 2:
        edges = np.array([edges[0], edges[0]])
    return edges


def classify(
    values: pd.Series | np.ndarray, edges: np.ndarray, *, right: bool = True
) -> np.ndarray:
    """The class (0 = lowest) of each value between ``edges``; NaN when not classed.

    With ``right=True`` classes are closed on the right, ``(a, b]``, the first
    also on the left; with ``right=False`` they are ``[a, b)``, the last also
    closed.  Values outside the edges, and missing values, get NaN.
    """
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    out = np.full(len(v), np.nan)
    if len(edges) < 2:
        return out
    n = len(edges) - 1
    inside = np.isfinite(v) & (v >= edges[0]) & (v <= edges[-1])
    side: Literal["left", "right"] = "left" if right else "right"
    k = np.searchsorted(edges, v[inside], side=side) - 1
    out[inside] = np.clip(k, 0, n - 1)
    return out
