"""The loops of :mod:`geo.gaps.moran`: NumPy for small problems, numba-compiled for large ones.

Both versions use the same random draws and, for the hot-spot test the app
and reports use, make their sums in the same order, so they give the same
bits (tested).  For esda's own draw scheme, used only to compare with esda,
the global statistic's sums are made in another order: the two agree to a
relative 1e-12, not bit for bit.  Loading numba costs about a second per
process, more than a small region's whole test takes in NumPy, so the
compiled versions (:mod:`geo.gaps._moran_numba`) are imported only for
problems of at least :data:`COMPILED_FROM` cells of work, and only when
numba is installed.
"""

from __future__ import annotations

import importlib.util
import threading
from types import ModuleType

import numpy as np

__all__ = [
    "COMPILED_FROM",
    "HAVE_NUMBA",
    "esda_table",
    "events_by_position",
    "global_sims",
    "global_sims_numpy",
    "global_sims_pairs",
    "global_sims_pairs_numpy",
    "local_counts",
    "local_counts_numpy",
]

HAVE_NUMBA = importlib.util.find_spec("numba") is not None
#: Work (area × permutation × neighbour cells, or the like) from which the compiled
#: loops are used: below it NumPy (about 0.2 s for Manchester's 32 million) is faster
#: than loading numba.
COMPILED_FROM: int = 100_000_000
# numba's default thread pool does not accept parallel work from two Python threads at
# once (the app serves each browser session from its own thread): one at a time.
_PARALLEL = threading.Lock()
# Areas per block of the NumPy version: bounds its memory to about 32 MB of float64.
_BLOCK_CELLS = 4_000_000


# --------------------------------------------------------------------------- NumPy


def esda_table_numpy(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """esda's permutation table: ``np.random.choice(n - 1, max_card, replace=False)`` per row."""
    state = np.random.RandomState(seed)
    table = np.empty((permutations, max_card), dtype=np.int64)
    for k in range(permutations):
        table[k] = state.choice(n - 1, size=max_card, replace=False)
    return table


def local_counts_numpy(
    z: np.ndarray, cards: np.ndarray, observed: np.ndarray, table: np.ndarray, scaling: float
) -> np.ndarray:
    """Per area, how many permuted local statistics are ≥ the observed one."""
    n = z.size
    permutations, max_card = table.shape
    counts = np.zeros(n, dtype=np.int64)
    step = max(1, _BLOCK_CELLS // (permutations * max_card))
    for start in range(0, n, step):
        idx = np.arange(start, min(start + step, n))
        drawn = table[None, :, :] + (table[None, :, :] >= idx[:, None, None])
        values = z[drawn]
        for c in np.unique(cards[idx]):
            sel = cards[idx] == c
            counts[idx[sel]] = _count_block(
                values[sel], int(c), z[idx[sel]], observed[idx[sel]], scaling
            )
    return counts


def _count_block(
    values: np.ndarray, c: int, zi: np.ndarray, observed: np.ndarray, scaling: float
) -> np.ndarray:
    weight = 1.0 / c
    lag = values[:, :, 0] * weight
    for j in range(1, c):
        lag = lag + values[:, :, j] * weight
    stats = zi[:, None] * lag * scaling
    return (stats >= observed[:, None]).sum(axis=1)


def global_sims_numpy(
    z: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    permutations: int,
    seed: int,
) -> np.ndarray:
    """``Σ z_π · W z_π`` for esda's permutations (NumPy's legacy generator seeded with ``seed``)."""
    from scipy import sparse

    n = z.size
    w = sparse.csr_array((data, indices, indptr), shape=(n, n))
    state = np.random.RandomState(seed)
    out = np.empty(permutations)
    for k in range(permutations):
        zp = state.permutation(z)
        out[k] = (zp * (w @ zp)).sum()
    return out


# splitmix64 (Steele, Lea & Flood 2014): a small, fast generator, one stream per permutation.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def _mix(x: np.ndarray) -> np.ndarray:
    x = (x ^ (x >> _S30)) * _MIX1
    x = (x ^ (x >> _S27)) * _MIX2
    return x ^ (x >> _S31)


def global_sims_pairs_numpy(
    z: np.ndarray, a: np.ndarray, b: np.ndarray, weight: np.ndarray, seeds: np.ndarray
) -> np.ndarray:
    """``Σ_pairs weight·z_π(a)·z_π(b)``, permutation ``k`` shuffled from ``seeds[k]``.

    Fisher–Yates shuffles driven by splitmix64, vectorised over blocks of
    permutations; the same shuffles as the compiled version.
    """
    n = z.size
    out = np.empty(seeds.size)
    block = max(1, _BLOCK_CELLS // max(n, 1))
    for start in range(0, seeds.size, block):
        state = seeds[start : start + block].astype(np.uint64)
        rows = np.arange(state.size)
        zp = np.tile(z, (state.size, 1))
        for i in range(n - 1, 0, -1):
            state = state + _GOLDEN
            j = ((_mix(state) >> _S11).astype(np.float64) * _UNIT * (i + 1)).astype(np.int64)
            held = zp[:, i].copy()
            zp[:, i] = zp[rows, j]
            zp[rows, j] = held
        terms = weight * zp[:, a] * zp[:, b]
        # summed left to right, as the compiled loop does, so both give the same bits
        out[start : start + block] = np.cumsum(terms, axis=1)[:, -1] if terms.size else 0.0
    return out


def events_by_position(table: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``table`` holding each position: ``rows[ptr[p]:ptr[p + 1]]`` hold ``p``."""
    max_card = table.shape[1]
    flat = table.ravel()
    order = np.argsort(flat, kind="stable")
    rows = (order // max_card).astype(np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(flat, minlength=n), out=ptr[1:])
    return ptr, rows


def _compiled(work: int) -> ModuleType | None:
    """The compiled loops for a problem of ``work`` cells, or None to use NumPy."""
    if not HAVE_NUMBA or work < COMPILED_FROM:
        return None
    from geo.gaps import _moran_numba

    return _moran_numba


def global_sims_pairs(
    z: np.ndarray, a: np.ndarray, b: np.ndarray, weight: np.ndarray, seeds: np.ndarray
) -> np.ndarray:
    """``Σ_pairs weight·z_π(a)·z_π(b)`` for one permutation per seed (in parallel with numba)."""
    compiled = _compiled(seeds.size * (z.size + a.size))
    if compiled is None:
        return global_sims_pairs_numpy(z, a, b, weight, seeds)
    with _PARALLEL:
        return compiled.global_sims_pairs_nb(
            np.ascontiguousarray(z, dtype=np.float64),
            a.astype(np.int64),
            b.astype(np.int64),
            np.ascontiguousarray(weight, dtype=np.float64),
            seeds.astype(np.uint64),
        )


def esda_table(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """esda's permutation table for ``seed`` (identical with or without numba)."""
    compiled = _compiled(permutations * n)
    if compiled is not None:
        return compiled.esda_table_nb(max_card, n, permutations, seed)
    return esda_table_numpy(max_card, n, permutations, seed)


def local_counts(
    z: np.ndarray, cards: np.ndarray, observed: np.ndarray, table: np.ndarray, scaling: float
) -> np.ndarray:
    """Per area, how many permuted local statistics are ≥ the observed one.

    Area ``i`` (with ``cards[i]`` neighbours, equal weights) uses the first
    ``cards[i]`` positions of each row of ``table``, shifted by one from
    ``i`` on, as its permuted neighbours.
    """
    compiled = _compiled(z.size * table.size)
    if compiled is None:
        return local_counts_numpy(z, cards, observed, table, scaling)
    ptr, rows = events_by_position(table, z.size)
    n_chunks = max(1, min(z.size // 256, 4 * compiled.get_num_threads()))
    with _PARALLEL:
        return compiled.local_counts_nb(
            np.ascontiguousarray(z, dtype=np.float64),
            np.ascontiguousarray(cards, dtype=np.int64),
            np.ascontiguousarray(observed, dtype=np.float64),
            np.ascontiguousarray(table, dtype=np.int64),
            float(scaling),
            ptr,
            rows,
            n_chunks,
        )


def global_sims(
    z: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    permutations: int,
    seed: int,
) -> np.ndarray:
    """``Σ z_π · W z_π`` for esda's ``Moran`` permutations after ``np.random.seed(seed)``."""
    compiled = _compiled(permutations * (z.size + data.size))
    if compiled is None:
        return global_sims_numpy(z, indptr, indices, data, permutations, seed)
    return compiled.global_sims_nb(
        np.ascontiguousarray(z, dtype=np.float64),
        indptr.astype(np.int64),
        indices.astype(np.int64),
        np.ascontiguousarray(data, dtype=np.float64),
        int(permutations),
        int(seed),
    )
