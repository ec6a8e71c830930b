"""Fast hot spots: contiguity against libpysal, Local Moran's I against esda, the
contiguity cache, reproducibility and stability across seeds.

Real boundaries: Rutland from the built-in demo (always here), Trafford and
Manchester from the shared data folder, and all LSOAs of England and Wales
(slow).  The variable is real too: Census 2021 residents per hectare (TS001).
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.affinity import translate
from shapely.geometry import box

from geo import gaps
from geo.errors import GapError
from geo.gaps import _moran_kernels as kernels
from geo.gaps import adjacencycache
from geo.gaps.contiguity import queen_adjacency
from geo.gaps.moran import moran, permutation_table
from geo.gaps.stability import flag_stability, hot_spot_stability, jaccard

PROJECT = Path(__file__).resolve().parent.parent
DEMO_BOUNDARIES = PROJECT / "data" / "demo" / "lsoa21_boundaries.parquet"
BY_LAD = Path("boundaries/drkane_by_lad/lsoa")
NATIONAL = Path("boundaries/national_geographr/boundaries_lsoa21.geojson.gz")
TS001 = Path("census2021_national_lsoa21/nomis_bulk/census2021-ts001-lsoa.csv")


def _rutland() -> gpd.GeoDataFrame:
    areas = gpd.read_parquet(DEMO_BOUNDARIES)
    return areas.set_index("lsoa21_code")[["geometry"]].to_crs(27700)


def _authority(shared_data: Path, lad: str) -> gpd.GeoDataFrame:
    areas = gpd.read_file(shared_data / BY_LAD / f"{lad}.geojson")
    return areas.set_index("LSOA21CD")[["geometry"]].to_crs(27700)


def _density(shared_data: Path, areas: gpd.GeoDataFrame) -> pd.Series:
    """Residents per hectare (Census 2021 TS001) of ``areas``."""
    table = pd.read_csv(shared_data / TS001, usecols=[2, 3], dtype={"geography code": str})
    residents = table.set_index("geography code").iloc[:, 0].reindex(areas.index)
    return (residents / (areas.geometry.area / 10_000)).rename("density")


def _libpysal_queen(areas: gpd.GeoDataFrame):
    from libpysal.weights import Queen

    w = Queen.from_dataframe(areas, use_index=False, silence_warnings=True)
    ref = w.sparse.tocsr().astype(bool)
    ref.sort_indices()
    return ref


def _assert_same_adjacency(ours, ref) -> None:
    assert ours.shape == ref.shape
    assert (ours != ref).nnz == 0


@pytest.fixture(autouse=True)
def _fresh_memory():
    adjacencycache.clear_memory()
    yield
    adjacencycache.clear_memory()


# ---------------------------------------------------------------------------
# contiguity
# ---------------------------------------------------------------------------


def test_queen_equals_libpysal_on_rutland(tmp_path):
    areas = _rutland()
    ours = queen_adjacency(areas, cache_dir=tmp_path)
    _assert_same_adjacency(ours, _libpysal_queen(areas))
    assert (ours != ours.T).nnz == 0 and ours.diagonal().sum() == 0


@pytest.mark.shared_data
@pytest.mark.parametrize("lad", ["E08000009", "E08000003"])  # Trafford, Manchester
def test_queen_equals_libpysal_on_real_authorities(shared_data, tmp_path, lad):
    areas = _authority(shared_data, lad)
    _assert_same_adjacency(queen_adjacency(areas, cache_dir=tmp_path), _libpysal_queen(areas))


@pytest.mark.shared_data
@pytest.mark.slow
def test_queen_equals_libpysal_on_all_lsoas_of_england_and_wales(shared_data, tmp_path):
    areas = gpd.read_file(f"/vsigzip/{shared_data / NATIONAL}")
    ours = queen_adjacency(areas, cache_dir=tmp_path)
    assert ours.shape == (35_672, 35_672)
    _assert_same_adjacency(ours, _libpysal_queen(areas))


def test_contiguity_weights_list_neighbours_in_area_order():
    areas = _rutland()
    w = gaps.contiguity_weights(areas)
    adj = queen_adjacency(areas)
    first = areas.index[0]
    expected = [areas.index[c] for c in adj.indices[adj.indptr[0] : adj.indptr[1]]]
    assert w.neighbors[first] == expected and w.id_order == list(areas.index)


# ---------------------------------------------------------------------------
# the contiguity cache
# ---------------------------------------------------------------------------


def _squares() -> gpd.GeoDataFrame:
    geoms = [
        box(c * 100, r * 100, (c + 1) * 100, (r + 1) * 100) for r in range(3) for c in range(3)
    ]
    return gpd.GeoDataFrame(geometry=geoms, crs=27700, index=[f"a{i}" for i in range(9)])


def _counting_build():
    calls = []

    def build(geoms):
        calls.append(len(geoms))
        from geo.gaps.contiguity import _build_queen

        return _build_queen(geoms)

    return build, calls


def test_cache_reuses_the_matrix_from_memory_and_disk(tmp_path):
    geoms = _squares().geometry.to_numpy()
    build, calls = _counting_build()
    first = adjacencycache.cached_adjacency(geoms, build, cache_dir=tmp_path)
    again = adjacencycache.cached_adjacency(geoms, build, cache_dir=tmp_path)
    assert calls == [9]  # memory
    adjacencycache.clear_memory()
    from_disk = adjacencycache.cached_adjacency(geoms, build, cache_dir=tmp_path)
    assert calls == [9]  # disk
    assert len(list((tmp_path / "contiguity").glob("*.npz"))) == 1
    for other in (again, from_disk):
        assert (other != first).nnz == 0
    assert first.nnz == 2 * (12 + 8)  # 12 edge pairs and 8 corner pairs in a 3×3 grid


def test_cache_is_invalidated_when_a_vertex_moves(tmp_path):
    areas = _squares()
    before = queen_adjacency(areas, cache_dir=tmp_path)
    geoms = areas.geometry.to_numpy().copy()
    geoms[8] = translate(geoms[8], xoff=0.5)  # off the grid's vertices
    moved = areas.set_geometry(gpd.GeoSeries(geoms, index=areas.index, crs=areas.crs))
    build, calls = _counting_build()
    after = adjacencycache.cached_adjacency(moved.geometry.to_numpy(), build, cache_dir=tmp_path)
    assert calls == [9]
    assert before[[8]].nnz == 3 and after[[8]].nnz == 0
    assert len(list((tmp_path / "contiguity").glob("*.npz"))) == 2


def test_a_damaged_cache_entry_is_rebuilt(tmp_path):
    geoms = _squares().geometry.to_numpy()
    build, calls = _counting_build()
    good = adjacencycache.cached_adjacency(geoms, build, cache_dir=tmp_path)
    (entry,) = (tmp_path / "contiguity").glob("*.npz")
    entry.write_bytes(b"not an npz file")
    adjacencycache.clear_memory()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = adjacencycache.cached_adjacency(geoms, build, cache_dir=tmp_path)
    assert calls == [9, 9] and (again != good).nnz == 0


# ---------------------------------------------------------------------------
# Local Moran's I against esda
# ---------------------------------------------------------------------------


def _esda(y: np.ndarray, adj, permutations: int, seed: int):
    import esda
    from libpysal.weights import W

    ids = list(range(len(y)))
    neighbours = {i: adj.indices[adj.indptr[i] : adj.indptr[i + 1]].tolist() for i in ids}
    w = W(neighbours, id_order=ids, silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = esda.Moran_Local(
            y, w, transformation="r", permutations=permutations, seed=seed, keep_simulations=False
        )
        state = np.random.get_state()
        np.random.seed(seed)
        glob = esda.Moran(y, w, transformation="r", permutations=min(permutations, 999))
        np.random.set_state(state)
    return local, glob


@pytest.fixture(scope="module")
def trafford(shared_data):
    areas = _authority(shared_data, "E08000009")
    return areas, _density(shared_data, areas)


@pytest.mark.shared_data
@pytest.mark.slow  # esda compiles its numba kernels in every process (minutes when busy)
def test_esda_draws_give_esdas_statistic_p_values_and_quadrants(trafford, tmp_path):
    areas, density = trafford
    adj = queen_adjacency(areas, cache_dir=tmp_path)
    y = density.to_numpy()
    ours = moran(y, adj, permutations=999, seed=12345, scheme="esda")
    local, glob = _esda(y, adj, 999, 12345)
    assert np.array_equal(ours.local_i, local.Is)
    # esda keeps p-values as float32; the counts behind them are the same
    esda_counts = np.rint(local.p_sim.astype(float) * 1000).astype(int) - 1
    assert np.array_equal(np.minimum(ours.larger, 999 - ours.larger), esda_counts)
    assert np.array_equal(ours.p_value.astype(np.float32), local.p_sim)
    assert np.array_equal(ours.quadrant, local.q)
    assert ours.global_i == pytest.approx(glob.I, rel=1e-12)
    assert ours.global_p == glob.p_sim and ours.expected_i == glob.EI


@pytest.mark.shared_data
@pytest.mark.slow  # esda's numba compilation, as above
def test_fast_draws_agree_with_esda_within_monte_carlo_error(trafford, tmp_path):
    areas, density = trafford
    adj = queen_adjacency(areas, cache_dir=tmp_path)
    y = density.to_numpy()
    r = 999
    ours = moran(y, adj, permutations=r, seed=12345)
    local, _ = _esda(y, adj, r, 12345)
    assert np.array_equal(ours.local_i, local.Is)
    p = local.p_sim.astype(float)
    # both estimate the same p; the difference of two estimates has sd ≤ sqrt(2p(1-p)/R)
    tolerance = 5 * np.sqrt(2 * p * (1 - p) / r) + 2 / (r + 1)
    assert (np.abs(ours.p_value - p) <= tolerance).all()
    assert np.corrcoef(ours.p_value, p)[0, 1] > 0.98


@pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="numba is not installed")
def test_compiled_and_numpy_kernels_count_the_same(monkeypatch):
    monkeypatch.setattr(kernels, "COMPILED_FROM", 0)  # the compiled loops even for Rutland
    areas = _rutland()
    adj = queen_adjacency(areas)
    y = np.log(areas.geometry.area.to_numpy())
    z = (y - y.mean()) / y.std()
    n = len(z)
    cards = np.diff(adj.indptr)
    observed = moran(y, adj, permutations=9, seed=1).local_i
    table = permutation_table(int(cards.max()), n, 499, 3)
    scaling = (n - 1) / (z * z).sum()
    compiled = kernels.local_counts(z, cards, observed, table, scaling)
    assert np.array_equal(compiled, kernels.local_counts_numpy(z, cards, observed, table, scaling))
    assert np.array_equal(
        kernels.esda_table(int(cards.max()), n, 50, 7),
        kernels.esda_table_numpy(int(cards.max()), n, 50, 7),
    )
    w = adj.astype(float) / cards[:, None]
    w = type(adj)(w)
    args = (z, w.indptr, w.indices, w.data, 20, 5)
    assert np.allclose(kernels.global_sims(*args), kernels.global_sims_numpy(*args), rtol=1e-12)
    from scipy import sparse

    pairs = sparse.triu(w + w.T, k=1, format="coo")
    seeds = np.random.SeedSequence(2).generate_state(30)
    pair_args = (z, pairs.row, pairs.col, pairs.data, seeds)
    compiled = kernels.global_sims_pairs(*pair_args)
    assert np.array_equal(compiled, kernels.global_sims_pairs_numpy(*pair_args))
    # the pairs carry w_ab + w_ba, so unpermuted they sum to z·Wz
    unpermuted = (pairs.data * z[pairs.row] * z[pairs.col]).sum()
    assert unpermuted == pytest.approx((z * (w @ z)).sum(), rel=1e-12)


@pytest.mark.parametrize("max_card, n", [(8, 100), (5, 9), (12, 2000)])
def test_fast_permutation_table_draws_distinct_positions_uniformly(max_card, n):
    table = permutation_table(max_card, n, 4000, 11)
    assert table.shape == (4000, max_card)
    assert table.min() >= 0 and table.max() <= n - 2
    ordered = np.sort(table, axis=1)
    assert not (ordered[:, 1:] == ordered[:, :-1]).any()
    share = np.bincount(table[:, 0], minlength=n - 1) / 4000
    assert np.abs(share - 1 / (n - 1)).max() < 6 * np.sqrt(1 / (n - 1) / 4000) + 1e-9
    assert np.array_equal(table, permutation_table(max_card, n, 4000, 11))


# ---------------------------------------------------------------------------
# reproducibility and stability
# ---------------------------------------------------------------------------


@pytest.mark.shared_data
def test_same_seed_gives_identical_flags_on_manchester(shared_data, tmp_path):
    areas = _authority(shared_data, "E08000003")
    density = _density(shared_data, areas)
    a = gaps.hot_spots(areas, density, permutations=9999, seed=3, cache_dir=tmp_path)
    b = gaps.hot_spots(areas, density, permutations=9999, seed=3, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.frame["hotspot"].any() and a.global_permutations == 999
    c = gaps.hot_spots(areas, density, permutations=9999, seed=4, cache_dir=tmp_path)
    assert not c.frame["p_value"].equals(a.frame["p_value"])


def test_jaccard_and_flag_stability_by_hand():
    assert jaccard(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0])) == pytest.approx(1 / 3)
    assert jaccard(np.zeros(3), np.zeros(3)) == 1.0
    flags = pd.DataFrame(
        {
            10: [True, True, True, False],
            20: [True, True, False, False],
            30: [True, False, True, False],
        },
        index=list("abcd"),
    )
    s = flag_stability(flags)
    assert s.seeds == (10, 20, 30) and s.flagged_per_seed == (3, 2, 2)
    assert s.counts.tolist() == [3, 2, 2, 0]
    assert (s.flagged_any, s.flagged_all) == (3, 1)
    assert s.stable_share == pytest.approx(1 / 3) and s.reference_share == pytest.approx(1 / 3)
    # pairs: {abc,ab} 2/3, {abc,ac} 2/3, {ab,ac} 1/3
    assert s.jaccard_mean == pytest.approx(5 / 9) and s.jaccard_min == pytest.approx(1 / 3)
    assert "1 of 3 areas" in s.summary()


def test_planted_cluster_is_flagged_under_every_seed():
    k = 12
    geoms = [
        box(c * 1000, r * 1000, (c + 1) * 1000, (r + 1) * 1000) for r in range(k) for c in range(k)
    ]
    areas = gpd.GeoDataFrame(geometry=geoms, crs=27700, index=[f"g{i}" for i in range(k * k)])
    x, y = np.arange(k * k) % k, np.arange(k * k) // k
    inside = (x >= 3) & (x <= 7) & (y >= 3) & (y <= 7)
    values = pd.Series(np.random.default_rng(5).normal(size=k * k), index=areas.index)
    values[inside] += 4
    result = hot_spot_stability(areas, values, seeds=range(5), permutations=999)
    hot = result["hotspot"]
    assert hot.seeds == (0, 1, 2, 3, 4)
    assert hot.flagged_all >= 9 and hot.jaccard_min >= 0.5
    assert hot.counts[~inside].eq(0).all()
    assert hot.counts.index.equals(areas.index)
    with pytest.raises(GapError):
        hot_spot_stability(areas, values, seeds=[1, 1])


def test_concurrent_analyses_give_the_same_results_as_one_at_a_time():
    from concurrent.futures import ThreadPoolExecutor

    areas = _rutland()
    values = pd.Series(np.log(areas.geometry.area.to_numpy()), index=areas.index)
    alone = [gaps.hot_spots(areas, values, permutations=999, seed=s).frame for s in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(
            pool.map(
                lambda s: gaps.hot_spots(areas, values, permutations=999, seed=s).frame, range(4)
            )
        )
    for a, b in zip(alone, together, strict=True):
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.skipif(not kernels.HAVE_NUMBA, reason="numba is not installed")
def test_a_small_region_never_loads_numba():
    """Rutland's hot spots take NumPy's loops: loading numba would cost more than the test."""
    script = (
        "import sys, numpy as np\n"
        "import geopandas as gpd\n"
        "from geo.gaps.contiguity import queen_adjacency\n"
        "from geo.gaps.moran import moran\n"
        f"areas = gpd.read_parquet({str(DEMO_BOUNDARIES)!r}).to_crs(27700)\n"
        "adj = queen_adjacency(areas)\n"
        "result = moran(np.log(areas.geometry.area.to_numpy()), adj, permutations=9999, seed=1)\n"
        "assert result.p_value.size == len(areas)\n"
        "print('numba' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip() == "False"
