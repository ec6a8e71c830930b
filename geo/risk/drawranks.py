"""Ranks of every area in every uncertainty draw, from one sort per draw.

The uncertainty draws (:mod:`geo.risk.uncertainty`) need, per draw, each
area's rank from the top (1 = highest score, ties sharing the smallest rank,
like ``scipy.stats.rankdata(-x, method="min")``) and whether it is in the top
third by the tercile rule of :mod:`geo.gaps.terciles` (ascending average rank
``r`` among ``n`` areas is high when 3(r − 1) > 2(n − 1)).  Both come from
the same ascending sort: an area whose tie group spans sorted positions
``start..end`` (0-based) has descending minimum rank ``n − end`` and average
rank ``(start + end) / 2 + 1``.  Rows are sorted in blocks on two threads
(:mod:`geo.threads`), so England's 400 × 33,755 draws take about
a second instead of four.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.threads import each_block

__all__ = ["DrawRanks", "draw_ranks", "rank_quantiles"]

#: Draws sorted together in one block.
BLOCK_ROWS: int = 25
#: Areas per block when quantiles over the draws are taken on the threads.
QUANTILE_AREAS: int = 4096


@dataclass(frozen=True, eq=False)
class DrawRanks:
    """Ranks of the areas in each draw.

    Attributes
    ----------
    ranks
        ``(n_areas, n_draws)`` int32: rank from the top in each draw.
    high
        ``(n_draws, n_areas)`` bool: in the top tercile in that draw.
    """

    ranks: np.ndarray
    high: np.ndarray


def draw_ranks(scores: np.ndarray) -> DrawRanks:
    """Ranks and top-tercile flags of a ``(n_draws, n_areas)`` array of finite scores."""
    n_draws, n_areas = scores.shape
    ranks = np.empty((n_areas, n_draws), dtype=np.int32)
    high = np.empty((n_draws, n_areas), dtype=bool)
    each_block(lambda rows: _rank_block(scores, rows, ranks, high), n_draws, BLOCK_ROWS)
    return DrawRanks(ranks, high)


def rank_quantiles(ranks: np.ndarray, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """Per area, the ``low`` quantile of its ranks rounded down and the ``high`` one rounded up.

    The same values as ``numpy.quantile`` with ``method="lower"`` and
    ``method="higher"`` over the draws, from one partial sort.
    """
    n_draws = ranks.shape[1]
    lo = int(np.floor(low * (n_draws - 1)))
    hi = int(np.ceil(high * (n_draws - 1)))
    out_lo = np.empty(ranks.shape[0], dtype=ranks.dtype)
    out_hi = np.empty(ranks.shape[0], dtype=ranks.dtype)

    def fill(areas: slice) -> None:  # blocks of areas, on the threads
        part = np.partition(ranks[areas], [lo, hi], axis=1)
        out_lo[areas], out_hi[areas] = part[:, lo], part[:, hi]

    each_block(fill, ranks.shape[0], QUANTILE_AREAS)
    return out_lo, out_hi


def _rank_block(scores: np.ndarray, rows: slice, ranks: np.ndarray, high: np.ndarray) -> None:
    block = scores[rows]
    n = block.shape[1]
    order = np.argsort(block, axis=1)  # ties need no order: ranks come from tie groups
    ordered = np.take_along_axis(block, order, axis=1)
    first = np.ones(ordered.shape, dtype=bool)
    first[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    last = np.ones(ordered.shape, dtype=bool)
    last[:, :-1] = first[:, 1:]
    position = np.broadcast_to(np.arange(n, dtype=np.int64), ordered.shape)
    start = np.maximum.accumulate(np.where(first, position, 0), axis=1)
    end = np.minimum.accumulate(np.where(last, position, n - 1)[:, ::-1], axis=1)[:, ::-1]
    from_top = np.empty(ordered.shape, dtype=np.int32)
    np.put_along_axis(from_top, order, (n - end).astype(np.int32), axis=1)
    in_top = np.empty(ordered.shape, dtype=bool)
    np.put_along_axis(in_top, order, 3 * (start + end) > 4 * (n - 1), axis=1)
    ranks[:, rows] = from_top.T
    high[rows] = in_top
