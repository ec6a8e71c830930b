"""Indicator weights of the all-ages index: checked, normalised, and joined by user indicators."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import pandas as pd

from geo.risk.checks import RiskError
from geo.risk.indicators import INDICATORS, INDICATORS_BY_NAME, Indicator, user_indicators

__all__ = ["applied_weights", "validate_weights"]


def validate_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Check indicator weights and normalise them to sum to 1.

    Parameters
    ----------
    weights
        Indicator name → weight (any non-negative scale, e.g. points out of
        100).  Indicators not named get weight 0 (left out).

    Returns
    -------
    dict
        Every indicator name of :data:`INDICATORS`, in that order, with its
        normalised weight.

    Raises
    ------
    RiskError
        For a non-mapping, an empty mapping, unknown names, weights that are
        not finite numbers, negative weights, or weights that are all zero.
    """
    valid = ", ".join(INDICATORS_BY_NAME)
    if not isinstance(weights, Mapping):
        raise RiskError(
            f"Weights must be a mapping of indicator name to number, not "
            f"{type(weights).__name__}. Valid names: {valid}."
        )
    if not weights:
        raise RiskError(f"No weights were given. Give a weight to at least one of: {valid}.")
    unknown = [str(k) for k in weights if k not in INDICATORS_BY_NAME]
    if unknown:
        raise RiskError(
            f"Unknown indicator name(s): {', '.join(repr(u) for u in unknown)}. "
            f"Valid names: {valid}."
        )
    bad = [
        f"{k}={v!r}"
        for k, v in weights.items()
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(float(v))
    ]
    if bad:
        raise RiskError(
            f"Weights must be finite numbers; these are not: {', '.join(bad)}. "
            f"Valid names: {valid}."
        )
    negative = [f"{k}={float(v):g}" for k, v in weights.items() if float(v) < 0]
    if negative:
        raise RiskError(
            f"Weights cannot be negative: {', '.join(negative)}. Use 0 to leave an indicator "
            f"out. Valid names: {valid}."
        )
    total = math.fsum(float(v) for v in weights.values())
    if total <= 0:
        raise RiskError(
            f"All weights are zero, so no indicator would count. Give a positive weight to at "
            f"least one of: {valid}."
        )
    return {name: float(weights.get(name, 0.0)) / total for name in INDICATORS_BY_NAME}


def applied_weights(
    raw: Mapping[str, float], extra: Mapping[str, float] | None, frame: pd.DataFrame
) -> tuple[dict[str, float], tuple[Indicator, ...]]:
    """The normalised weights of every indicator, user indicators included.

    Parameters
    ----------
    raw
        Indicator name → weight, as given (checked by :func:`validate_weights`).
    extra
        User indicator column → weight on the same scale as ``raw``, or None.
    frame
        The region's areas (user indicator columns must be among them).

    Returns
    -------
    tuple
        Indicator name → weight, summing to 1 over all of them, and the
        indicators those names refer to (:data:`INDICATORS` then the user's).
    """
    applied = validate_weights(raw)
    if not extra:
        return applied, INDICATORS
    user = user_indicators(extra, frame)
    scale = math.fsum(float(v) for v in raw.values())
    total = scale + math.fsum(i.default_weight for i in user)
    applied = {k: v * scale / total for k, v in applied.items()}
    applied.update({i.name: i.default_weight / total for i in user})
    return applied, (*INDICATORS, *user)
