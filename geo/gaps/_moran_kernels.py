"""The loops of :mod:`geo.gaps.moran`: numba-compiled when numba is installed, NumPy otherwise.

Both versions give the same numbers: the sums are made in the same order
and the same random draws are used.  Compiled functions are cached on disk
(``cache=True``), so only the first run on a machine pays for compiling.
"""

from __future__ import annotations

import numpy as np

try:  # numba is optional: the NumPy versions below give the same results, more slowly
    import numba
except ImportError:  # pragma: no cover - exercised where numba is not installed
    numba = None

__all__ = [
    "HAVE_NUMBA",
    "esda_table",
    "events_by_position",
    "global_sims",
    "global_sims_numpy",
    "local_counts",
    "local_counts_numpy",
]

HAVE_NUMBA = numba is not None
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


def events_by_position(table: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``table`` holding each position: ``rows[ptr[p]:ptr[p + 1]]`` hold ``p``."""
    max_card = table.shape[1]
    flat = table.ravel()
    order = np.argsort(flat, kind="stable")
    rows = (order // max_card).astype(np.int64)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(flat, minlength=n), out=ptr[1:])
    return ptr, rows


# --------------------------------------------------------------------------- numba

if numba is not None:

    @numba.njit(cache=True)
    def _esda_table_nb(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
        # esda.crand.vec_permutations, draw for draw
        np.random.seed(seed)
        table = np.empty((permutations, max_card), dtype=np.int64)
        for k in range(permutations):
            table[k] = np.random.choice(n - 1, size=max_card, replace=False)
        return table

    @numba.njit(cache=True)
    def _fill_row(z, table, k, i, weights, sums, values):  # noqa: ANN001
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
    def _local_counts_nb(z, cards, observed, table, scaling, ptr, rows, n_chunks):  # noqa: ANN001
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
    def _global_sims_nb(z, indptr, indices, data, permutations, seed):  # noqa: ANN001
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


def esda_table(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """esda's permutation table for ``seed`` (identical with or without numba)."""
    if numba is not None:
        return _esda_table_nb(max_card, n, permutations, seed)
    return esda_table_numpy(max_card, n, permutations, seed)


def local_counts(
    z: np.ndarray, cards: np.ndarray, observed: np.ndarray, table: np.ndarray, scaling: float
) -> np.ndarray:
    """Per area, how many permuted local statistics are ≥ the observed one.

    Area ``i`` (with ``cards[i]`` neighbours, equal weights) uses the first
    ``cards[i]`` positions of each row of ``table``, shifted by one from
    ``i`` on, as its permuted neighbours.
    """
    if numba is None:
        return local_counts_numpy(z, cards, observed, table, scaling)
    ptr, rows = events_by_position(table, z.size)
    n_chunks = max(1, min(z.size // 256, 4 * numba.get_num_threads()))
    return _local_counts_nb(
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
    if numba is None:
        return global_sims_numpy(z, indptr, indices, data, permutations, seed)
    return _global_sims_nb(
        np.ascontiguousarray(z, dtype=np.float64),
        indptr.astype(np.int64),
        indices.astype(np.int64),
        np.ascontiguousarray(data, dtype=np.float64),
        int(permutations),
        int(seed),
    )
