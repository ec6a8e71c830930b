"""The compiled (numba) loops of :mod:`geo.gaps._moran_kernels`.

Imported only when a problem is large enough to repay loading numba (about
a second per process); the NumPy versions in :mod:`geo.gaps._moran_kernels`
give the same numbers.  Compiled functions are cached on disk
(``cache=True``), so only the first run on a machine pays for compiling.
"""

# ruff: noqa: ANN001

from __future__ import annotations

import numba
import numpy as np

from geo.gaps._moran_kernels import _GOLDEN, _MIX1, _MIX2, _S11, _S27, _S30, _S31, _UNIT

__all__ = [
    "esda_table_nb",
    "get_num_threads",
    "global_sims_nb",
    "global_sims_pairs_nb",
    "local_counts_nb",
]

get_num_threads = numba.get_num_threads


@numba.njit(cache=True)
def esda_table_nb(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    # esda.crand.vec_permutations, draw for draw
    np.random.seed(seed)
    table = np.empty((permutations, max_card), dtype=np.int64)
    for k in range(permutations):
        table[k] = np.random.choice(n - 1, size=max_card, replace=False)
    return table


@numba.njit(cache=True)
def _fill_row(z, table, k, i, weights, sums, values):
    """Permuted lags of row ``k`` for area ``i``: ``sums[c, k]`` for every ``c``."""
    max_card = table.shape[1]
    for j in range(max_card):
        p = table[k, j]
        values[j] = z[p] if p < i else z[p + 1]
    for c in range(1, max_card + 1):
        acc = 0.0
        w = weights[c]
        for j in range(c):
            acc += values[j] * w
        sums[c, k] = acc


@numba.njit(cache=True, parallel=True)
def local_counts_nb(z, cards, observed, table, scaling, ptr, rows, n_chunks):
    n = z.size
    permutations, max_card = table.shape
    counts = np.zeros(n, dtype=np.int64)
    weights = np.zeros(max_card + 1)
    for c in range(1, max_card + 1):
        weights[c] = 1.0 / c
    bounds = np.linspace(0, n, n_chunks + 1).astype(np.int64)
    for chunk in numba.prange(n_chunks):
        first, stop = bounds[chunk], bounds[chunk + 1]
        sums = np.empty((max_card + 1, permutations))
        values = np.empty(max_card)
        for k in range(permutations):
            _fill_row(z, table, k, first, weights, sums, values)
        for i in range(first, stop):
            if i > first:  # draws of position i - 1 now point at area i - 1
                for e in range(ptr[i - 1], ptr[i]):
                    _fill_row(z, table, rows[e], i, weights, sums, values)
            c = cards[i]
            zi = z[i]
            obs = observed[i]
            count = 0
            for k in range(permutations):
                if zi * sums[c, k] * scaling >= obs:
                    count += 1
            counts[i] = count
    return counts


@numba.njit(cache=True)
def global_sims_nb(z, indptr, indices, data, permutations, seed):
    np.random.seed(seed)
    n = z.size
    out = np.empty(permutations)
    for k in range(permutations):
        zp = np.random.permutation(z)
        total = 0.0
        for i in range(n):
            acc = 0.0
            for e in range(indptr[i], indptr[i + 1]):
                acc += data[e] * zp[indices[e]]
            total += zp[i] * acc
        out[k] = total
    return out


@numba.njit(cache=True, parallel=True)
def global_sims_pairs_nb(z, a, b, weight, seeds):
    n = z.size
    out = np.empty(seeds.size)
    for k in numba.prange(seeds.size):
        state = np.uint64(seeds[k])
        zp = z.copy()
        for i in range(n - 1, 0, -1):
            state = state + _GOLDEN
            x = state
            x = (x ^ (x >> _S30)) * _MIX1
            x = (x ^ (x >> _S27)) * _MIX2
            x = x ^ (x >> _S31)
            j = np.int64(np.float64(x >> _S11) * _UNIT * (i + 1))
            held = zp[i]
            zp[i] = zp[j]
            zp[j] = held
        total = 0.0
        for e in range(a.size):
            total += weight[e] * zp[a[e]] * zp[b[e]]
        out[k] = total
    return out
