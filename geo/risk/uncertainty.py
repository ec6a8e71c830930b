"""How sure the ranks are: Monte Carlo over the models' uncertain inputs.

* Logistic models (evidence, older people): every coefficient is drawn from a
  normal distribution with its standard error (independent draws: no
  covariances are published), the level re-calibrated in each draw.
* Composite index: the weights are drawn from a Dirichlet distribution
  centred on the weights applied (concentration :data:`CONCENTRATION`).

Each draw ranks the region's areas; the 5th and 95th percentiles of an area's
rank, and the share of draws that put it in the region's top risk tercile,
are reported.  Draws use a fixed seed, so the same inputs give the same ranges.
See ``geo/method/risk_uncertainty.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.risk.calibration import ADULTS_OFTEN_LONELY, OLDER_OFTEN_LONELY
from geo.risk.composite import CompositeRisk
from geo.risk.drawlevels import CHUNK, LevelStore, draw_levels, levels_key
from geo.risk.drawranks import QUANTILE_AREAS, draw_ranks, rank_quantiles
from geo.risk.evidence import EvidenceRisk
from geo.risk.older import OlderRisk
from geo.risk.terms import AGE_UK_INTERCEPT_STD_ERROR
from geo.threads import each_block

__all__ = [
    "CONCENTRATION",
    "N_DRAWS",
    "ROBUST_SHARE",
    "Uncertainty",
    "rank_ranges",
    "score_draws",
    "top_tercile",
    "uncertainty",
]

#: Draws per analysis.
N_DRAWS: int = 400
#: Dirichlet concentration (sum of the parameters): a weight w varies with
#: standard deviation √(w(1−w)/(1+20)), about ±50% of a weight of 0.15.
CONCENTRATION: float = 20.0
#: Share of draws an area must stay in the priority class to be robust.
ROBUST_SHARE: float = 0.8


def score_draws(
    detail: Any, *, n_draws: int = N_DRAWS, seed: int = 0, store: LevelStore | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Scores of the region's areas in each draw, and expected counts when justified.

    Parameters
    ----------
    detail
        A :class:`EvidenceRisk`, :class:`OlderRisk` or :class:`CompositeRisk`.
    n_draws, seed
        Number of draws and the seed of the random generator.
    store
        Where England's level in each draw is kept between processes (see
        :mod:`geo.risk.drawlevels`); it is always kept in memory.

    Returns
    -------
    tuple
        Array ``(n_draws, n_areas)`` of scores (higher = more risk) and, for
        the older people's model only (published standard errors), the
        calibrated expected number of lonely people 65+ per draw; None otherwise.
    """
    rng = np.random.default_rng(seed)
    if isinstance(detail, CompositeRisk):
        return _composite_draws(detail, n_draws, rng), None
    if isinstance(detail, EvidenceRisk | OlderRisk):
        return _logistic_draws(detail, n_draws, seed, rng, store)
    raise TypeError(f"No uncertainty model for {type(detail).__name__}.")


@dataclass(frozen=True, eq=False)
class Uncertainty:
    """Rank ranges per area and, where justified, the range of the region's total count.

    Attributes
    ----------
    frame
        See :func:`rank_ranges`.
    total_expected
        5th and 95th percentiles of the region's expected number of lonely
        people 65+ (older people's model only), else None.
    """

    frame: pd.DataFrame
    total_expected: tuple[float, float] | None


def rank_ranges(detail: Any, *, n_draws: int = N_DRAWS, seed: int = 0) -> pd.DataFrame:
    """Per area: 5th–95th percentile rank and the share of draws in the top tercile.

    Returns
    -------
    pandas.DataFrame
        Indexed like the model's frame: ``risk_rank_p05``, ``risk_rank_p95``
        (1 = highest risk in the region; missing for unscored areas),
        ``top_tercile_share`` and, for the older people's model,
        ``expected_lonely_p05`` / ``expected_lonely_p95``.
    """
    return uncertainty(detail, n_draws=n_draws, seed=seed).frame


def uncertainty(
    detail: Any,
    *,
    n_draws: int = N_DRAWS,
    seed: int = 0,
    store: LevelStore | None = None,
    ranks: bool = True,
) -> Uncertainty:
    """:func:`rank_ranges` and the range of the region's total expected count.

    With ``ranks=False`` only the expected counts' ranges are computed (the
    frame has no rank columns): for the older people's counts shown beside
    another model's ranks.
    """
    scores, counts = score_draws(detail, n_draws=n_draws, seed=seed, store=store)
    index = detail.frame.index
    out = _rank_frame(scores, index) if ranks else pd.DataFrame(index=index)
    total = None
    if counts is not None:
        low, high = _quantiles(counts, (0.05, 0.95))
        out["expected_lonely_p05"] = low
        out["expected_lonely_p95"] = high
        sums = np.nansum(counts, axis=1)
        total = (float(np.quantile(sums, 0.05)), float(np.quantile(sums, 0.95)))
    return Uncertainty(out, total)


def top_tercile(scores: np.ndarray) -> np.ndarray:
    """Whether each score is in the top third, by the rule of ``geo.gaps.terciles``.

    High when 3(r − 1) > 2(n − 1), r the ascending average rank among the n
    known scores; missing scores are never high.
    """
    out = np.zeros(scores.shape, dtype=bool)
    ok = np.isfinite(scores)
    n = int(ok.sum())
    if n:
        out[ok] = draw_ranks(scores[ok][None, :]).high[0]
    return out


def _rank_frame(scores: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """The rank columns of :func:`rank_ranges` from the draws' scores."""
    n = scores.shape[1]
    p05, p95, share = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    known = np.isfinite(scores).all(axis=0)
    if known.any():
        drawn = draw_ranks(scores[:, known])
        low, high = rank_quantiles(drawn.ranks, 0.05, 0.95)
        p05[known], p95[known] = low, high
        if (np.isfinite(scores) == known[None, :]).all():
            flags = drawn.high
        else:  # rows missing different areas: each row's tercile among its own
            flags = np.stack([top_tercile(row) for row in scores])[:, known]
        share[known] = flags.mean(axis=0)
    out = pd.DataFrame(index=index)
    out["risk_rank_p05"] = pd.array(p05, dtype="Int64")
    out["risk_rank_p95"] = pd.array(p95, dtype="Int64")
    out["top_tercile_share"] = share
    return out


def _quantiles(values: np.ndarray, qs: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Linear quantiles over the draws of the areas known in every draw (else NaN)."""
    out = np.full((2, values.shape[1]), np.nan)
    ok = np.isfinite(values).all(axis=0)
    if ok.any():
        known = values[:, ok]
        found = np.empty((2, known.shape[1]))

        def fill(columns: slice) -> None:  # blocks of areas, on the threads
            found[:, columns] = np.quantile(known[:, columns], qs, axis=0)

        each_block(fill, known.shape[1], QUANTILE_AREAS)
        out[:, ok] = found
    return out[0], out[1]


def _composite_draws(detail: CompositeRisk, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    names = list(detail.used)
    w = np.array([detail.weights[n] for n in names], dtype=float)
    z = detail.frame[[f"z_{n}" for n in names]].to_numpy(dtype=float)
    draws = rng.dirichlet(CONCENTRATION * w / w.sum(), size=n_draws)  # (d, k)
    have = np.isfinite(z)
    num = np.where(have, z, 0.0) @ draws.T  # (n, d)
    den = have.astype(float) @ draws.T
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(den > 0, num / den, np.nan)
    return score.T


def _logistic_draws(
    detail: Any, n_draws: int, seed: int, rng: np.random.Generator, store: LevelStore | None
) -> tuple[np.ndarray, np.ndarray | None]:
    names = list(detail.terms)
    beta = np.array([detail.coefficients[n] for n in names])
    se = np.array([detail.std_errors[n] for n in names])
    betas = rng.normal(beta, se, size=(n_draws, len(names)))
    x = detail.inputs[names].to_numpy(dtype=float)
    older = isinstance(detail, OlderRisk)
    intercepts = rng.normal(detail.intercept, AGE_UK_INTERCEPT_STD_ERROR, size=n_draws)
    reference = (
        detail.reference_inputs[names].to_numpy(dtype=float),
        detail.reference_weights.to_numpy(dtype=float),
    )
    target = OLDER_OFTEN_LONELY.share if older else ADULTS_OFTEN_LONELY.share
    key = levels_key(detail, names, reference, target=target, n_draws=n_draws, seed=seed)
    levels = draw_levels(
        betas, intercepts, reference, target=target, solve=not older, key=key, store=store
    )
    scores = np.empty((n_draws, len(x)))
    counts = np.empty((n_draws, len(x))) if older else None

    def fill(part: slice) -> None:  # p = 1 / (1 + exp(−(b0 + βx))), in place
        p = scores[part]
        np.matmul(betas[part], x.T, out=p)
        p += levels.intercepts[part][:, None]
        np.negative(p, out=p)
        np.exp(p, out=p)
        p += 1.0
        np.reciprocal(p, out=p)
        if counts is not None:
            assert levels.reference_means is not None
            np.divide(p, levels.reference_means[part][:, None], out=counts[part])
            counts[part] *= target

    each_block(fill, n_draws, CHUNK)
    if counts is not None:
        if detail.population is None:
            return scores, None
        counts *= detail.population.to_numpy(dtype=float)[None, :]
    return scores, counts
