"""Ranks and deciles of risk scores, within the region and against England."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["RANK_TOLERANCE", "decile", "national_rank", "rank_desc"]

#: Relative tolerance within which a score from outside the national frame
#: ties with a national score (so floating-point noise cannot move a rank).
RANK_TOLERANCE: float = 1e-12


def rank_desc(score: pd.Series) -> pd.Series:
    """Rank within the series: 1 = highest.

    Parameters
    ----------
    score
        Scores per area.

    Returns
    -------
    pandas.Series
        Nullable integers 1…n; ties in order of appearance; missing scores
        have no rank.
    """
    return score.rank(ascending=False, method="first").astype("Int64")


def decile(rank: pd.Series, n: int) -> pd.Series:
    """Decile 1 = the first (highest-risk) 10% of ``n`` ranked areas.

    Parameters
    ----------
    rank
        Ranks 1…n (see :func:`rank_desc`).
    n
        How many areas are ranked.

    Returns
    -------
    pandas.Series
        Nullable integers 1–10, balanced (10 areas per decile for 100 areas).
    """
    if n <= 0:
        return rank.astype("Int64")
    return ((rank - 1) * 10 // n + 1).astype("Int64")


def national_rank(score: pd.Series, ref_score: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rank (1 + reference areas scoring higher) and decile within the reference.

    Scores are compared with a relative tolerance of :data:`RANK_TOLERANCE`:
    a reference score counts as higher only when it exceeds the area's score
    by more than that.  An area that is also in the reference, with a score
    equal to the reference's own score for it within that tolerance, is
    ranked by the reference's score, so a score recomputed for the region
    that differs in its last binary digits cannot count the area as scoring
    higher than itself.  (Where the region's data for an area differ from the
    national frame's, the region's score is ranked.)

    Parameters
    ----------
    score
        Scores of the region's areas.
    ref_score
        Scores of every area of the reference (England), on the same scale.

    Returns
    -------
    tuple of pandas.Series
        National rank (1 = highest in England) and national decile (1 = the
        highest-risk 10% of the reference, capped at 10), indexed like
        ``score``; missing where ``score`` is missing.
    """
    known_ref = ref_score.dropna()
    ref = np.sort(known_ref.to_numpy(dtype=float))
    n = len(ref)
    values = score.to_numpy(dtype=float)
    tolerance = RANK_TOLERANCE * np.maximum(1.0, np.abs(values))
    own = known_ref[~known_ref.index.duplicated()].reindex(score.index).to_numpy(dtype=float)
    same = np.abs(own - values) <= tolerance  # False where either is missing
    values = np.where(same, own, values) + tolerance
    higher = n - np.searchsorted(ref, values, side="right")
    rank = pd.Series(higher + 1, index=score.index, dtype="Int64").mask(score.isna())
    if n == 0:
        decile_ = pd.Series(pd.NA, index=score.index, dtype="Int64")
    else:
        decile_ = ((rank - 1) * 10 // n + 1).clip(upper=10).astype("Int64")
    return rank, decile_
