"""How much the hot-spot flags depend on the random seed of the permutations.

A permutation p-value is itself random: an area near the significance
threshold may be flagged under one seed and not under another.
:func:`hot_spot_stability` repeats :func:`geo.gaps.hot_spots` with several
seeds (the contiguity is worked out once) and reports, for the hot spots and
the cold spots:

* ``flagged_any`` / ``flagged_all`` — areas flagged under at least one seed /
  under every seed;
* ``stable_share`` — ``flagged_all / flagged_any``: the share of the areas
  ever flagged that are flagged whatever the seed;
* ``reference_share`` — of the areas flagged with the first seed (the one an
  analysis reports), the share flagged under every seed;
* ``jaccard_mean`` / ``jaccard_min`` — the Jaccard index
  ``|A ∩ B| / |A ∪ B|`` of the flagged sets over every pair of seeds
  (1 when both are empty).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import GapError
from geo.gaps.hotspots import hot_spots

__all__ = ["FlagStability", "flag_stability", "hot_spot_stability", "jaccard"]

#: Ten seeds: the analysis's default first, then nine others.
DEFAULT_SEEDS = (12345, 1, 2, 3, 4, 5, 6, 7, 8, 9)


@dataclass(frozen=True)
class FlagStability:
    """Stability of one flag (hot spot or cold spot) across seeds; see the module notes."""

    seeds: tuple[int, ...]
    counts: pd.Series
    flagged_per_seed: tuple[int, ...]
    flagged_any: int
    flagged_all: int
    stable_share: float
    reference_share: float
    jaccard_mean: float
    jaccard_min: float

    def summary(self) -> str:
        """One plain-English line."""
        return (
            f"{self.flagged_per_seed[0]} flagged with seed {self.seeds[0]}; "
            f"{self.flagged_all} of {self.flagged_any} areas ever flagged are flagged under all "
            f"{len(self.seeds)} seeds ({self.stable_share:.1%}); "
            f"{self.reference_share:.1%} of those flagged with seed {self.seeds[0]} are; "
            f"Jaccard between seeds mean {self.jaccard_mean:.3f}, min {self.jaccard_min:.3f}."
        )


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard index of two boolean masks (1 when both are empty)."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    union = int((a | b).sum())
    return 1.0 if union == 0 else int((a & b).sum()) / union


def flag_stability(flags: pd.DataFrame) -> FlagStability:
    """Stability of boolean flags: one column per seed (the first is the reference)."""
    if flags.shape[1] < 2:
        raise GapError("Stability needs flags from at least two seeds.")
    masks = flags.to_numpy(dtype=bool)
    counts = pd.Series(masks.sum(axis=1), index=flags.index, name="seeds_flagged")
    ever = masks.any(axis=1)
    always = masks.all(axis=1)
    reference = masks[:, 0]
    pairs = [jaccard(masks[:, a], masks[:, b]) for a, b in combinations(range(masks.shape[1]), 2)]
    return FlagStability(
        seeds=tuple(int(s) for s in flags.columns),
        counts=counts,
        flagged_per_seed=tuple(int(n) for n in masks.sum(axis=0)),
        flagged_any=int(ever.sum()),
        flagged_all=int(always.sum()),
        stable_share=float(always.sum() / ever.sum()) if ever.any() else 1.0,
        reference_share=float((always & reference).sum() / reference.sum())
        if reference.any()
        else 1.0,
        jaccard_mean=float(np.mean(pairs)),
        jaccard_min=float(np.min(pairs)),
    )


def hot_spot_stability(
    areas: gpd.GeoDataFrame,
    values: pd.Series,
    *,
    seeds: Iterable[int] = DEFAULT_SEEDS,
    flags: Sequence[str] = ("hotspot", "coldspot"),
    **options: Any,
) -> dict[str, FlagStability]:
    """Run :func:`geo.gaps.hot_spots` once per seed and report how stable the flags are.

    Parameters
    ----------
    areas, values
        As for :func:`geo.gaps.hot_spots`.
    seeds
        At least two seeds; the first is the reference (default: the
        analysis's seed and nine others).
    flags
        Columns of the hot-spot frame to compare.
    **options
        Passed to :func:`geo.gaps.hot_spots` (``permutations``, ``alpha``,
        ``fdr``, ``snap_m``, ``draws``, ``cache_dir``).

    Returns
    -------
    dict
        Flag name → :class:`FlagStability`.
    """
    seeds = tuple(int(s) for s in seeds)
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise GapError("Stability needs at least two seeds, all different.")
    runs = [hot_spots(areas, values, seed=seed, **options).frame for seed in seeds]
    return {
        flag: flag_stability(
            pd.DataFrame({seed: run[flag] for seed, run in zip(seeds, runs, strict=True)})
        )
        for flag in flags
    }
