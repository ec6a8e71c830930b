"""Need × provision: where loneliness risk is high and access to community assets is low.

Everything here is relative to the study region passed in: terciles, percentile
ranks and hot spots compare each area with the other areas of the same region,
never with England as a whole.  ``risk`` is a loneliness-risk score per area
(higher = more at risk) and ``access`` an access measure per area (higher =
better provision), both pandas Series indexed by area code like the areas.

A **priority gap** is an area in class ``3-1``: the top risk tercile and the
bottom access tercile of the region.

Modules:

``classes``     terciles, the nine risk × access classes, gap score, priority rank
``contiguity``  queen contiguity (optionally with a snapping tolerance), cached per
                boundary set by ``adjacencycache``
``hotspots``    Local Moran's I with permutation p-values and Benjamini–Hochberg FDR
``moran``       the Local and global Moran's I computation (numba-compiled loops)
``stability``   how stable the hot-spot flags are across seeds
``totals``      headline totals for the report
``analysis``    all of the above composed into a :class:`GapResult`
"""

from __future__ import annotations

from geo.gaps.analysis import GapResult, GlobalMoran, gap_analysis
from geo.gaps.classes import (
    BIVARIATE_COLOURS,
    CLASS_LABELS,
    PRIORITY_CLASS,
    bivariate_classes,
    bivariate_legend,
    gap_score,
    percentile_rank,
    priority_rank,
    terciles,
)
from geo.gaps.contiguity import contiguity_weights
from geo.gaps.hotspots import (
    NO_NEIGHBOURS,
    NO_VALUE,
    NOT_SIGNIFICANT,
    QUADRANT_LABELS,
    HotSpots,
    fdr_adjust,
    hot_spots,
)
from geo.gaps.totals import gap_totals

__all__ = [
    "BIVARIATE_COLOURS",
    "CLASS_LABELS",
    "NOT_SIGNIFICANT",
    "NO_NEIGHBOURS",
    "NO_VALUE",
    "PRIORITY_CLASS",
    "QUADRANT_LABELS",
    "GapResult",
    "GlobalMoran",
    "HotSpots",
    "bivariate_classes",
    "bivariate_legend",
    "contiguity_weights",
    "fdr_adjust",
    "gap_analysis",
    "gap_score",
    "gap_totals",
    "hot_spots",
    "percentile_rank",
    "priority_rank",
    "terciles",
]
