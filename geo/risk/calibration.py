"""Setting a model's level to a published national prevalence.

Both logistic models are calibrated so that England's expected share equals a
cited survey figure (``geo/method/risk_calibration.md``):

* the all-ages evidence model has no published intercept, so its intercept is
  solved for (:func:`solve_intercept`);
* the older people's model keeps the published Age UK coefficients and its
  relative risks, and its prevalence is rescaled (:func:`scale_to`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ADULTS_OFTEN_LONELY",
    "OLDER_OFTEN_LONELY",
    "Prevalence",
    "scale_to",
    "solve_intercept",
]


@dataclass(frozen=True)
class Prevalence:
    """A published national share of people who are often or always lonely.

    Attributes
    ----------
    share
        The proportion (0–1).
    population
        Who it describes.
    source
        Where it was read (publication, section).
    """

    share: float
    population: str
    source: str


#: Adults 16+ in England "often/always" lonely, Community Life Survey 2016–17.
ADULTS_OFTEN_LONELY = Prevalence(
    0.05,
    "adults aged 16+ in England",
    "ONS (2018) 'Loneliness - What characteristics and circumstances are associated with "
    "feeling lonely?', section 1 'Main points': 5% of adults in England reported feeling "
    "lonely often or always (Community Life Survey, August 2016 to March 2017)",
)
#: People 65+ "often" lonely, Age UK analysis (2024).
OLDER_OFTEN_LONELY = Prevalence(
    0.07,
    "people aged 65+",
    "Age UK (2024) 'You are not alone in feeling lonely', press release of 2 December 2024: "
    "7% (1 in 14) of people aged 65+ are often lonely (UK; applied here to England)",
)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def solve_intercept(eta: np.ndarray, weights: np.ndarray, target: float) -> np.ndarray:
    """The intercept(s) b0 with Σ w·expit(b0 + η) / Σ w = target.

    Parameters
    ----------
    eta
        Linear predictor without intercept: shape ``(n_areas,)`` or
        ``(n_draws, n_areas)`` (one intercept per row).  Missing values are
        left out of the mean.
    weights
        Population each area's prevalence applies to, shape ``(n_areas,)``.
    target
        The national share to reproduce (0 < target < 1).

    Returns
    -------
    numpy.ndarray
        One intercept per row (a 0-d array for a 1-d ``eta``), found by
        Newton's method from ``logit(target) − weighted mean of η``; the mean
        is increasing in b0, so the root is unique.
    """
    eta2 = np.atleast_2d(np.asarray(eta, dtype=float))
    w = np.where(np.isfinite(eta2), np.asarray(weights, dtype=float)[None, :], 0.0)
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    total = w.sum(axis=1)
    eta0 = np.where(w > 0, eta2, 0.0)
    b0 = np.log(target / (1 - target)) - (w * eta0).sum(axis=1) / total
    for _ in range(50):
        p = _expit(b0[:, None] + eta0)
        mean = (w * p).sum(axis=1) / total
        slope = (w * p * (1 - p)).sum(axis=1) / total
        step = (mean - target) / slope
        b0 = b0 - step
        if np.all(np.abs(step) < 1e-13):
            break
    return b0.reshape(()) if np.ndim(eta) == 1 else b0


def scale_to(relative_risk: np.ndarray, target: float) -> np.ndarray:
    """Calibrated prevalence = relative risk (England = 1) × the national share.

    Relative risks are unchanged, and England's weighted mean is the target
    exactly, because the relative risk's weighted mean over England is 1.
    """
    return np.clip(np.asarray(relative_risk, dtype=float) * target, 0.0, 1.0)
