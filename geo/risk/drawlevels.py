"""The England level of each uncertainty draw, worked out once and kept.

In every draw of a logistic model (:mod:`geo.risk.uncertainty`) the level is
set on England: the all-ages evidence model solves its intercept over every
English area, and the older people's model needs England's mean prevalence to
calibrate its expected counts.  Those numbers depend only on the national
reference (the model's inputs and weights over England), the model's
coefficients and standard errors, the seed and the number of draws, never on
the region analysed.  They are computed once, vectorised over the draws, and
kept in memory (and, through a :class:`LevelStore`, on disk), keyed by a hash
of exactly those inputs, so every later region only scores its own areas.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from geo.risk.calibration import solve_intercept
from geo.threads import blocks

__all__ = [
    "CHUNK",
    "DrawLevels",
    "LevelStore",
    "draw_levels",
    "forget_levels",
    "levels_key",
]

#: Draws solved together.  Part of the key: Newton's method stops when every
#: draw of a chunk has converged, so the chunking fixes the last bits.
CHUNK = 50
#: Bump when the way levels are computed changes.
_FORMAT = 1
#: Level sets kept in memory (a few hundred bytes each).
_MEMORY_SIZE = 64


@dataclass(frozen=True, eq=False)
class DrawLevels:
    """England's level in each draw.

    Attributes
    ----------
    intercepts
        The intercept of each draw, shape ``(n_draws,)``: solved on England
        (evidence model) or drawn around the published one (older people).
    reference_means
        England's weighted mean prevalence in each draw (older people's model:
        what expected counts are calibrated by); None for the evidence model.
    """

    intercepts: np.ndarray
    reference_means: np.ndarray | None


class LevelStore(Protocol):
    """Somewhere to keep level sets between processes (e.g. the download cache)."""

    def load(self, key: str) -> DrawLevels | None:
        """The levels stored under ``key``, or None."""

    def save(self, key: str, levels: DrawLevels) -> None:
        """Keep ``levels`` under ``key`` (failures are the store's to report)."""


_memory: OrderedDict[str, DrawLevels] = OrderedDict()
_memory_lock = threading.Lock()


def levels_key(
    detail: Any,
    names: list[str],
    reference: tuple[np.ndarray, np.ndarray],
    *,
    target: float,
    n_draws: int,
    seed: int,
) -> str:
    """A hash of everything a model's draw levels depend on (32 hex characters)."""
    ref_x, ref_w = reference
    digest = hashlib.sha256()
    digest.update(f"{_FORMAT}|{CHUNK}|{type(detail).__name__}|{n_draws}|{seed}|".encode())
    digest.update(repr((names, float(detail.intercept), float(target))).encode())
    digest.update(repr([(detail.coefficients[n], detail.std_errors[n]) for n in names]).encode())
    for array in (ref_x, ref_w):
        contiguous = np.ascontiguousarray(array, dtype=float)
        digest.update(repr(contiguous.shape).encode())
        digest.update(contiguous.tobytes())
    return digest.hexdigest()[:32]


def draw_levels(
    betas: np.ndarray,
    intercepts: np.ndarray,
    reference: tuple[np.ndarray, np.ndarray],
    *,
    target: float,
    solve: bool,
    key: str,
    store: LevelStore | None = None,
) -> DrawLevels:
    """England's level in each draw, from memory, ``store`` or worked out.

    Parameters
    ----------
    betas
        The drawn coefficients, shape ``(n_draws, n_terms)``.
    intercepts
        The drawn intercepts (used as they are when ``solve`` is false).
    reference
        England's model inputs ``(n_areas, n_terms)`` and weights ``(n_areas,)``.
    target
        The national share the model is calibrated to.
    solve
        Solve each draw's intercept on England (evidence model); otherwise
        keep ``intercepts`` and compute England's mean prevalence per draw.
    key
        :func:`levels_key` of the same inputs.
    store
        Optional second level of caching, shared between processes.
    """
    with _memory_lock:
        found = _memory.get(key)
        if found is not None:
            _memory.move_to_end(key)
            return found
    levels = store.load(key) if store is not None else None
    if levels is None:
        levels = _compute(betas, intercepts, reference, target=target, solve=solve)
        if store is not None:
            store.save(key, levels)
    with _memory_lock:
        _memory[key] = levels
        while len(_memory) > _MEMORY_SIZE:
            _memory.popitem(last=False)
    return levels


def forget_levels() -> None:
    """Empty the in-memory level sets (a store, if any, keeps its own)."""
    with _memory_lock:
        _memory.clear()


def _compute(
    betas: np.ndarray,
    intercepts: np.ndarray,
    reference: tuple[np.ndarray, np.ndarray],
    *,
    target: float,
    solve: bool,
) -> DrawLevels:
    ref_x, ref_w = reference
    n_draws = len(betas)
    b0 = np.empty(n_draws) if solve else np.asarray(intercepts, dtype=float)
    means = None if solve else np.empty(n_draws)
    ok_w = ref_w > 0
    for part in blocks(n_draws, CHUNK):
        eta_ref = betas[part] @ ref_x.T  # (c, m)
        if solve:
            b0[part] = solve_intercept(eta_ref, ref_w, target)
        else:
            assert means is not None
            p_ref = 1.0 / (1.0 + np.exp(-(b0[part][:, None] + eta_ref)))
            ok = np.isfinite(p_ref) & ok_w
            means[part] = (np.where(ok, p_ref, 0.0) * ref_w).sum(axis=1) / (ok * ref_w).sum(axis=1)
    return DrawLevels(b0, means)
