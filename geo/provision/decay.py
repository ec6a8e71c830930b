"""E2SFCA distance decay: the weight W(d) of a distance within the catchment."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from geo.errors import ProvisionError
from geo.provision.checks import check_positive

#: Luo & Qi (2009) zone weights, as fractions of the catchment radius.
LUO_QI_STEPS: tuple[tuple[float, float], ...] = ((1 / 3, 1.0), (2 / 3, 0.68), (1.0, 0.22))
DECAYS = ("gaussian", "step", "none")

Decay = Literal["gaussian", "step", "none"]


def decay_weights(
    distance_m: pd.Series | Sequence[float] | np.ndarray | float,
    *,
    catchment_m: float = 1600.0,
    decay: Decay = "gaussian",
    sigma_m: float | None = None,
    steps: Mapping[float, float] | None = None,
) -> np.ndarray:
    """The E2SFCA weight :math:`W(d)` of each distance (0 beyond the catchment).

    Parameters
    ----------
    distance_m
        Distances in metres.
    catchment_m, decay, sigma_m, steps
        As for :func:`e2sfca`.

    Returns
    -------
    numpy.ndarray
        Weights between 0 and 1 (for the built-in decays), one per distance.
    """
    radius = check_positive(catchment_m, "catchment_m")
    weight = decay_function(decay, radius, sigma_m=sigma_m, steps=steps)
    d = np.asarray(distance_m, dtype=float)
    return np.where(d <= radius, weight(d), 0.0)


def decay_function(
    decay: str,
    radius: float,
    *,
    sigma_m: float | None = None,
    steps: Mapping[float, float] | None = None,
) -> Callable[[np.ndarray], np.ndarray]:
    """The weight function :math:`W(d)` of a decay (valid within the catchment)."""
    if decay not in DECAYS:
        raise ProvisionError(
            f"decay must be one of {', '.join(repr(d) for d in DECAYS)}; got {decay!r}."
        )
    if decay == "none":
        if sigma_m is not None or steps is not None:
            raise ProvisionError(
                "sigma_m and steps only apply to the 'gaussian' and 'step' decays."
            )
        return lambda d: np.ones_like(d, dtype=float)
    if decay == "gaussian":
        if steps is not None:
            raise ProvisionError("steps only applies to decay='step'.")
        sigma = radius / 2 if sigma_m is None else check_positive(sigma_m, "sigma_m")
        # Written as access.weights.gaussian writes it, so results agree bit for bit.
        return lambda d: np.exp(-d * d / (2 * sigma**2))
    if sigma_m is not None:
        raise ProvisionError("sigma_m only applies to decay='gaussian'.")
    table = steps_for(decay, radius, steps)
    bounds = np.array([b for b, _ in table])
    weights = np.array([w for _, w in table] + [0.0])
    return lambda d: weights[np.searchsorted(bounds, d, side="left")]


def steps_for(
    decay: str, radius: float, steps: Mapping[float, float] | None
) -> list[tuple[float, float]]:
    """Zone table ``[(upper bound m, weight), ...]`` in increasing distance for the step decay."""
    if steps is None:
        return [(radius * f, w) for f, w in LUO_QI_STEPS]
    if not isinstance(steps, Mapping) or not steps:
        raise ProvisionError(
            "steps must be a non-empty mapping {upper distance in metres: weight}, "
            "such as {400: 1.0, 800: 0.68, 1600: 0.22}."
        )
    table = []
    for bound, w in steps.items():
        b = check_positive(bound, "each steps distance")
        try:
            value = float(w)
        except (TypeError, ValueError):
            value = float("nan")
        if not math.isfinite(value) or value < 0:
            raise ProvisionError(f"steps weights must be numbers ≥ 0; got {w!r} for {bound!r} m.")
        table.append((b, value))
    return sorted(table)
