"""Where each asset category is known: coverage per area and category.

An asset source is complete only over some extent (a nation, a list of local
authorities, an area: see :class:`geo.regiontypes.SourceCoverage`).  An area
is *covered* for a category when at least one source that supplies the
category is complete there.  Outside coverage a category's measures are
missing (NaN), never the distance to a far-away place that happens to be in
some other area's register.  The "any place" measures and the gap classes
use only the categories covered across the whole study area (*full*
categories); the others (*partial* or *uncovered*) are named, with why, so
a joined or national run never compares areas that were measured against
different lists of places.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geo.regiontypes import Region, SourceCoverage
from geo.sources.registry import NATIONAL_EXTENTS
from geo.sources.taxonomy import CATEGORY_KEYS

__all__ = [
    "Coverage",
    "area_coverage",
    "coverage_notice",
    "coverage_records",
    "mask_uncovered",
    "region_coverage",
]


@dataclass(frozen=True)
class Coverage:
    """Which categories are known where, for one study area.

    Attributes
    ----------
    frame
        Booleans, one row per area (index like the areas), one column per
        category measured: whether any source of that category covers it.
    sources
        Category → (title, extent in words) of each source that supplies it.
    full
        Categories covered in every area: the "any place" measures and the
        gap classes use these alone.
    partial
        Categories covered in some areas only (measured there, NaN elsewhere,
        left out of "any place" and the gap classes).
    uncovered
        Categories asked for that no source covers anywhere in the area.
    """

    frame: pd.DataFrame
    sources: dict[str, tuple[tuple[str, str], ...]]
    full: tuple[str, ...]
    partial: tuple[str, ...]
    uncovered: tuple[str, ...]

    @property
    def measured(self) -> tuple[str, ...]:
        """Categories with a value somewhere (full, then partial)."""
        return (*self.full, *self.partial)

    def share(self, category: str) -> float:
        """Fraction of areas covered for ``category`` (0–1)."""
        if category not in self.frame or not len(self.frame):
            return 0.0
        return float(self.frame[category].mean())

    def dropped(self, labels: dict[str, str] | None = None) -> list[str]:
        """One short phrase per category left out of "any place" and the gaps, with why."""
        labels = labels or {}
        n = len(self.frame)
        out = []
        for key in self.partial:
            known = int(self.frame[key].sum())
            titles = "; ".join(t for t, _ in self.sources.get(key, ()))
            out.append(f"{labels.get(key, key)}: known in only {known} of {n} areas ({titles})")
        for key in self.uncovered:
            out.append(f"{labels.get(key, key)}: no source covers this area")
        return out

    def dropped_note(self, labels: dict[str, str] | None = None) -> str:
        """A sentence naming every category left out and why ("" when none)."""
        dropped = self.dropped(labels)
        if not dropped:
            return ""
        return (
            "Left out of 'any place' and the gaps because they are not known everywhere "
            "(each is shown only where it is known): " + "; ".join(dropped) + "."
        )

    def summary(self, labels: dict[str, str] | None = None) -> dict[str, object]:
        """Plain values for metadata: categories by coverage, share covered, sources."""
        labels = labels or {}
        return {
            "any_place_categories": list(self.full),
            "partly_covered_categories": list(self.partial),
            "uncovered_categories": list(self.uncovered),
            "share_of_areas_covered": {k: round(self.share(k), 4) for k in self.measured},
            "sources_by_category": {
                k: [f"{title} ({label})" for title, label in v] for k, v in self.sources.items()
            },
            "dropped": self.dropped(labels),
        }


def coverage_records(
    declared: Sequence[SourceCoverage], assets: pd.DataFrame, areas: pd.DataFrame
) -> tuple[SourceCoverage, ...]:
    """The declared records, plus one per asset source that has none.

    A source in ``assets`` with no record (a region assembled before
    coverage was recorded, or by hand) is taken to cover the whole study
    area for the categories it holds, as before coverage was known.
    """
    known = {c.source for c in declared}
    extra = []
    if len(assets) and "source" in assets:
        sources = assets["source"].astype(str)
        if sources.isin(known).all():
            return tuple(declared)
        whole = shapely.union_all(areas.geometry.values).buffer(1.0).wkt if len(areas) else ""
        for source, rows in assets.groupby(sources, sort=False):
            if source in known:
                continue
            categories = tuple(dict.fromkeys(rows["category"].astype(str)))
            extra.append(
                SourceCoverage(source, source, categories, "area", "the study area", (), whole)
            )
    return (*declared, *extra)


def region_coverage(region: Region, asked: Sequence[str] | None = None) -> Coverage:
    """Which categories a region's sources cover, for those asked (default: all covered).

    With no category asked, every category that some source covers in part
    of the region and that has a place in the region or its buffer is
    measured (taxonomy order, then uploaded ones); places of other
    categories just over the border stay in the assets, uncounted.  A region
    with no such category gets every taxonomy category, each uncovered.
    """
    records = coverage_records(region.coverage, region.assets, region.areas)
    if asked:
        return area_coverage(region.areas, records, tuple(asked))
    supplied = {c for rec in records for c in rec.categories}
    if len(region.assets):
        supplied &= set(region.assets["category"].astype(str))
    every = (
        *(c for c in CATEGORY_KEYS if c in supplied),
        *sorted(c for c in supplied if c not in CATEGORY_KEYS),
    )
    found = area_coverage(region.areas, records, every)
    return area_coverage(region.areas, records, found.measured or CATEGORY_KEYS)


def area_coverage(
    areas: pd.DataFrame,
    records: Iterable[SourceCoverage],
    categories: Sequence[str],
) -> Coverage:
    """Which of ``categories`` each area's sources cover.

    Parameters
    ----------
    areas
        The study area's LSOAs: index = LSOA code (its first letter names the
        nation), ``lad_code``, and ``point_x`` / ``point_y`` (EPSG:27700) for
        sources that cover an area rather than authorities.
    records
        Where each source is complete (:func:`coverage_records`).
    categories
        The categories asked for, in order.
    """
    n = len(areas)
    covered = {key: np.zeros(n, dtype=bool) for key in categories}
    sources: dict[str, list[tuple[str, str]]] = {key: [] for key in categories}
    for rec in records:
        wanted = [c for c in rec.categories if c in covered]
        if not wanted:
            continue
        inside = _inside(areas, rec)
        if not inside.any():
            continue
        for key in wanted:
            covered[key] |= inside
            sources[key].append((rec.title, rec.label))
    frame = pd.DataFrame(covered, index=areas.index, columns=list(categories), dtype=bool)
    full = tuple(c for c in categories if n and frame[c].all())
    partial = tuple(c for c in categories if frame[c].any() and c not in full)
    uncovered = tuple(c for c in categories if not frame[c].any())
    named = {k: tuple(dict.fromkeys(v)) for k, v in sources.items() if v}
    return Coverage(frame, named, full, partial, uncovered)


def _inside(areas: pd.DataFrame, rec: SourceCoverage) -> np.ndarray:
    """Which areas one source covers."""
    if rec.extent == "national":
        prefixes = NATIONAL_EXTENTS.get(rec.label.casefold(), ("E", "W"))
        return np.asarray(areas.index.astype(str).str.startswith(prefixes), dtype=bool)
    if rec.extent == "authorities":
        return areas["lad_code"].isin(rec.lad_codes).to_numpy(dtype=bool)
    if not rec.area_wkt:
        return np.zeros(len(areas), dtype=bool)
    shape = shapely.from_wkt(rec.area_wkt)
    x = pd.to_numeric(areas["point_x"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(areas["point_y"], errors="coerce").to_numpy(dtype=float)
    return np.asarray(shapely.contains_xy(shape, x, y), dtype=bool)


def mask_uncovered(frame: pd.DataFrame, coverage: Coverage) -> pd.DataFrame:
    """``frame`` with each category's columns set to NaN where it is not covered.

    The columns of a category ``c`` are ``nearest_c_m``, ``count_c_<d>m`` and
    ``access_e2sfca_c`` (see :func:`geo.provision.provision_measures`).
    """
    out = frame.copy()
    for key in coverage.frame.columns:
        missing = ~coverage.frame[key].reindex(out.index, fill_value=False).to_numpy(dtype=bool)
        if not missing.any():
            continue
        own = re.compile(
            rf"^(nearest_{re.escape(key)}_m|access_e2sfca_{re.escape(key)}|"
            rf"count_{re.escape(key)}_[0-9.]+m)$"
        )
        columns = [c for c in out.columns if own.match(str(c))]
        for column in columns:
            values = out[column].astype(float)
            values[missing] = np.nan
            out[column] = values
    return out


def coverage_notice(
    coverage: Coverage, area_name: str, labels: dict[str, str] | None = None, *, total: int = 0
) -> str:
    """One plain paragraph on what was measured and where coverage is thin.

    Parameters
    ----------
    coverage
        The study area's coverage.
    area_name
        The study area's name, as people know it ("Leeds").
    labels
        Category key → name for people.
    total
        How many categories the taxonomy has (to say "3 of 14"); 0 to leave out.
    """
    labels = labels or {}
    named = _listed([_in_sentence(labels.get(k, k)) for k in coverage.full])
    if not coverage.full:
        text = (
            f"Coverage: no category of community place is known across all of {area_name}, "
            "so 'any place' and the gap classes cannot be measured here."
        )
    elif total and len(coverage.full) <= total // 2:
        text = (
            f"Coverage: for {area_name}, only these kinds of place are known everywhere: "
            f"{named}. The gaps below measure access to those alone "
            f"({len(coverage.full)} of {total} kinds of place)."
        )
    else:
        text = f"Coverage: gaps and 'any place' measure access to {named}."
    dropped = coverage.dropped_note(labels)
    return f"{text} {dropped}" if dropped else text


def _in_sentence(label: str) -> str:
    """A label inside a sentence: lower case, except words in capitals (GP, IMD)."""
    words = label.split(" ")
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)


def _listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
