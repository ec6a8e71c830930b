"""The draws' ranks from one sort agree with scipy's rankdata and numpy's quantiles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from geo.risk.drawranks import BLOCK_ROWS, draw_ranks, rank_quantiles
from geo.risk.uncertainty import top_tercile


@pytest.mark.parametrize("n_draws", [1, BLOCK_ROWS - 1, BLOCK_ROWS + 3, 3 * BLOCK_ROWS])
def test_ranks_and_terciles_match_rankdata_with_ties(n_draws: int) -> None:
    rng = np.random.default_rng(n_draws)
    scores = rng.random((n_draws, 301))
    scores[:, :120] = np.round(scores[:, :120], 1)  # many ties
    drawn = draw_ranks(scores)
    expected = rankdata(-scores, axis=1, method="min").astype(np.int32)
    assert (drawn.ranks == expected.T).all()
    average = rankdata(scores, axis=1, method="average")
    assert (drawn.high == (3.0 * (average - 1.0) > 2.0 * (scores.shape[1] - 1))).all()
    assert (drawn.high == np.stack([top_tercile(row) for row in scores])).all()


def test_all_tied_and_single_area() -> None:
    drawn = draw_ranks(np.ones((4, 5)))
    assert (drawn.ranks == 1).all()
    assert not drawn.high.any()  # average rank 3 of 5: not in the top third
    single = draw_ranks(np.array([[0.2], [0.7]]))
    assert (single.ranks == 1).all()


@pytest.mark.parametrize("n_draws", [2, 7, 400])
def test_rank_quantiles_equal_numpy_lower_and_higher(n_draws: int) -> None:
    rng = np.random.default_rng(5)
    ranks = rng.integers(1, 50, size=(60, n_draws)).astype(np.int32)
    low, high = rank_quantiles(ranks, 0.05, 0.95)
    assert (low == np.quantile(ranks, 0.05, axis=1, method="lower")).all()
    assert (high == np.quantile(ranks, 0.95, axis=1, method="higher")).all()
