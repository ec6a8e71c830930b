"""England's level per uncertainty draw, computed once: cached answers equal computed ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.risk.drawlevels import DrawLevels, forget_levels
from geo.tablecache import DrawLevelStore

COLUMNS = [
    "risk_rank_p05",
    "risk_rank_p95",
    "top_tercile_share",
    "robust_priority",
    "expected_lonely_p05",
    "expected_lonely_p95",
]


def _levels_files(cache_dir):
    return {p: p.stat().st_mtime_ns for p in cache_dir.glob("national/risk-draws-*.npz")}


def _ranges(settings, model):
    result = run_analysis("Rutland", Parameters(model=model, permutations=99), settings=settings)
    totals = (result.totals["expected_lonely_p05"], result.totals["expected_lonely_p95"])
    return result.areas[COLUMNS], totals


@pytest.mark.parametrize("model", ["evidence", "older", "all-ages"])
def test_levels_from_memory_or_disk_give_the_computed_ranges_exactly(
    demo_settings, tmp_path, model
):
    settings = demo_settings.replace(cache_dir=tmp_path / "cache")
    forget_levels()
    computed, computed_totals = _ranges(settings, model)
    written = _levels_files(settings.cache_dir)
    # the older people's model's levels (for the counts), and the evidence model's own
    assert len(written) == (2 if model == "evidence" else 1)

    forget_levels()
    from_disk, disk_totals = _ranges(settings, model)
    assert _levels_files(settings.cache_dir) == written  # read, not computed and rewritten

    for path in written:
        path.unlink()
    from_memory, memory_totals = _ranges(settings, model)
    assert _levels_files(settings.cache_dir) == {}  # memory answered; the store was not asked

    assert computed["risk_rank_p05"].notna().all() and computed["robust_priority"].notna().all()
    for other in (from_disk, from_memory):
        pd.testing.assert_frame_equal(computed, other, check_exact=True)
    assert computed_totals == disk_totals == memory_totals


def test_the_store_keeps_levels_with_and_without_england_means(tmp_path):
    from geo.config import Settings

    store = DrawLevelStore(Settings(cache_dir=tmp_path))
    solved = DrawLevels(np.array([-3.1, -2.9, np.nextafter(-3.0, 0.0)]), None)
    drawn = DrawLevels(np.array([-2.6, -2.7]), np.array([0.071, 0.069]))
    store.save("solved", solved)
    store.save("drawn", drawn)
    back_solved, back_drawn = store.load("solved"), store.load("drawn")
    assert back_solved is not None and back_drawn is not None
    assert back_solved.intercepts.tobytes() == solved.intercepts.tobytes()
    assert back_solved.reference_means is None
    assert back_drawn.reference_means is not None
    assert back_drawn.reference_means.tobytes() == drawn.reference_means.tobytes()
    assert store.load("neither") is None
