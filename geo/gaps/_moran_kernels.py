"""The loops of :mod:`geo.gaps.moran`: numba-compiled when numba is installed, NumPy otherwise.

Both versions give the same numbers: the sums are made in the same order
and the same random draws are used.  Compiled functions are cached on disk
(``cache=True``), so only the first run on a machine pays for compiling.
"""

from __future__ import annotations

import threading

import numpy as np

try:  # numba is optional: the NumPy versions below give the same results, more slowly
    import numba
except ImportError:  # pragma: no cover - exercised where numba is not installed
    numba = None  # type: ignore[assignment]  # the module or None: checked before use

__all__ = [
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

HAVE_NUMBA = numba is not None
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
        out[start : start + block] = (weight * zp[:, a] * zp[:, b]).sum(axis=1)
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

    @numba.njit(cache=True, parallel=True)
    def _global_sims_pairs_nb(z, a, b, weight, seeds):  # noqa: ANN001
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


def global_sims_pairs(
    z: np.ndarray, a: np.ndarray, b: np.ndarray, weight: np.ndarray, seeds: np.ndarray
) -> np.ndarray:
    """``Σ_pairs weight·z_π(a)·z_π(b)`` for one permutation per seed (in parallel with numba)."""
    if numba is None:
        return global_sims_pairs_numpy(z, a, b, weight, seeds)
    with _PARALLEL:
        return _global_sims_pairs_nb(
            np.ascontiguousarray(z, dtype=np.float64),
            a.astype(np.int64),
            b.astype(np.int64),
            np.ascontiguousarray(weight, dtype=np.float64),
            seeds.astype(np.uint64),
        )


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
    with _PARALLEL:
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
