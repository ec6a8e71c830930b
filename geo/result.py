"""What one analysis produced: :class:`Result`, read-only and shareable.

The app keeps one result per set of parameters and shares it between
browser sessions, so nothing reached through it can change it: the frames
are handed out as copies (pandas' copy-on-write makes those cheap, and
arrays taken from them are read-only), and the mappings are frozen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from geo.frozen import FrozenMap
from geo.params import Parameters
from geo.provenance import ProvenanceRecord

if TYPE_CHECKING:  # imported for annotations only
    from geo.provision import Coverage
    from geo.region import Region
    from geo.risk import CompositeRisk, EvidenceRisk, OlderRisk

#: Columns every analysis output starts with, in this order.
OUTPUT_COLUMNS = (
    "lsoa21cd",
    "lsoa21nm",
    "ward_code",
    "ward_name",
    "lad_code",
    "lad_name",
    "region_code",
    "region_name",
    "population",
    "pop_65plus",
    "imd_score",
    "imd_decile",
    "risk_model",
    "risk_score",
    "risk_rank",
    "risk_decile",
    "risk_rank_national",
    "risk_decile_national",
    "risk_rank_p05",
    "risk_rank_p95",
    "robust_priority",
    "expected_lonely",
    "expected_lonely_p05",
    "expected_lonely_p95",
    "nearest_any_m",
    "walk_min_any",
    "access_e2sfca",
    "gap_score",
    "gap_class",
    "gap_label",
    "priority_rank",
    "is_priority",
    "hotspot",
    "point_source",
)


class Result:
    """Everything one analysis produced, and where it came from.

    Attributes
    ----------
    region
        The study region analysed (:class:`geo.region.Region`): its areas as
        loaded, its assets, provenance and unavailable datasets.
    areas
        One row per LSOA 2021 (index ``lsoa21cd``, EPSG:27700): the region's
        columns joined with the risk, provision and gap columns (see
        :data:`OUTPUT_COLUMNS` and the README).  A copy on each access.
    assets
        Every asset loaded for the region (inside it and in its buffer),
        including categories not counted.  A copy on each access.
    parameters
        The :class:`geo.params.Parameters` the analysis ran with.
    totals
        Headline figures (read-only): ``areas``, ``residents``,
        ``expected_lonely``; ``priority_areas``, ``priority_residents``,
        ``priority_residents_share``, ``priority_expected_lonely``,
        ``priority_expected_lonely_share``; ``high_risk_areas``,
        ``high_risk_residents``, ``high_risk_residents_distance_unknown``;
        per walking threshold ``t`` metres ``high_risk_residents_beyond_{t}m``,
        ``high_risk_share_beyond_{t}m``, ``residents_beyond_{t}m``,
        ``share_beyond_{t}m``; the same per headline minute ``n`` as
        ``…_beyond_{n}min``; ``assets_counted`` and ``assets_in_region``.
        Shares are fractions (0–1), NaN when their denominator is 0.
    risk_used
        Indicators (all-ages) or model terms (older) that made the score.
    risk_weights
        Normalised weights applied to ``risk_used`` (empty for the older model).
    risk_detail
        The risk model's own output (:class:`geo.risk.EvidenceRisk`,
        :class:`geo.risk.CompositeRisk` or :class:`geo.risk.OlderRisk`) behind
        ``risk_score``, with its rank ranges in ``areas`` (``risk_rank_p05``,
        ``risk_rank_p95``, ``robust_priority``), so explanations never
        recompute it.
    older_detail
        The Age UK model's output (expected counts), or None where it could
        not be computed.
    notes
        Plain-English notes on methods, fallbacks and missing data.
    categories
        The asset categories counted, in order.
    coverage
        Which categories are known in which areas
        (:class:`geo.provision.Coverage`): ``coverage.full`` are those known
        everywhere, over which "any place" and the gap classes are measured;
        ``coverage.dropped()`` says which were left out and why.  None for a
        result made without it.
    """

    __slots__ = (
        "_areas",
        "_assets",
        "categories",
        "coverage",
        "notes",
        "older_detail",
        "parameters",
        "region",
        "risk_detail",
        "risk_used",
        "risk_weights",
        "totals",
    )
    # The slots' types, for the checker (annotations only: no class attributes).
    region: Region
    _areas: gpd.GeoDataFrame
    _assets: gpd.GeoDataFrame
    parameters: Parameters
    totals: FrozenMap[str, Any]
    risk_used: tuple[str, ...]
    risk_weights: FrozenMap[str, float]
    risk_detail: CompositeRisk | OlderRisk | None
    older_detail: OlderRisk | None
    notes: tuple[str, ...]
    categories: tuple[str, ...]
    coverage: Coverage | None

    def __init__(
        self,
        *,
        region: Region,
        areas: gpd.GeoDataFrame,
        assets: gpd.GeoDataFrame,
        parameters: Parameters,
        totals: Mapping[str, Any],
        risk_used: tuple[str, ...],
        risk_weights: Mapping[str, float],
        risk_detail: EvidenceRisk | CompositeRisk | OlderRisk | None = None,
        older_detail: OlderRisk | None = None,
        notes: tuple[str, ...] = (),
        categories: tuple[str, ...] = (),
        coverage: Coverage | None = None,
    ) -> None:
        put = object.__setattr__
        put(self, "region", region)
        put(self, "_areas", areas.copy(deep=False))
        put(self, "_assets", assets.copy(deep=False))
        put(self, "parameters", parameters)
        put(self, "totals", FrozenMap(totals))
        put(self, "risk_used", tuple(risk_used))
        put(self, "risk_weights", FrozenMap(risk_weights))
        put(self, "risk_detail", risk_detail)
        put(self, "older_detail", older_detail)
        put(self, "notes", tuple(notes))
        put(self, "categories", tuple(categories))
        put(self, "coverage", coverage)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Result is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Result is read-only: cannot delete {name!r}")

    def __repr__(self) -> str:
        return (
            f"<Result {self.region.key} ({self.region.name}): {len(self._areas)} areas, "
            f"{len(self._assets)} assets, model {self.parameters.model}, "
            f"{self.totals.get('priority_areas', 0)} priority areas>"
        )

    def _state(self) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in self.__slots__ if not name.startswith("_")}
        state["areas"] = self._areas
        state["assets"] = self._assets
        return state

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._state(),))

    def replace(self, **changes: Any) -> Result:
        """A new result with some attributes changed (this one is left as it is)."""
        return Result(**{**self._state(), **changes})

    @property
    def areas(self) -> gpd.GeoDataFrame:
        """The areas with every output column (a copy: changing it changes nothing here)."""
        return self._areas.copy(deep=False)

    @property
    def assets(self) -> gpd.GeoDataFrame:
        """Every asset loaded for the region (a copy)."""
        return self._assets.copy(deep=False)

    @property
    def provenance(self) -> tuple[ProvenanceRecord, ...]:
        """The region's provenance records."""
        return self.region.provenance

    def coverage_notice(self) -> str:
        """What was measured, from which sources, and where coverage is thin, in words."""
        from geo.provision import coverage_notice
        from geo.sources.taxonomy import CATEGORY_KEYS, category_labels

        if self.coverage is None:
            return ""
        return coverage_notice(
            self.coverage, self.region.name, category_labels(), total=len(CATEGORY_KEYS)
        )

    def coverage_summary(self) -> dict[str, Any]:
        """The coverage notice, the lens and the categories by coverage, as plain values."""
        from geo.sources.taxonomy import category_labels

        params = self.parameters
        lens = (
            f"far from any place: nearest place more than {params.far_minutes:g} minutes' walk"
            if params.lens == "far"
            else "thin provision: few places per resident within reach (E2SFCA)"
        )
        out: dict[str, Any] = {"notice": self.coverage_notice(), "lens": lens}
        if self.coverage is not None:
            out.update(self.coverage.summary(category_labels()))
        return out

    def table(self) -> gpd.GeoDataFrame:
        """One row per LSOA with the documented output columns first."""
        frame = self._areas.reset_index()
        first = [c for c in OUTPUT_COLUMNS if c in frame]
        rest = [c for c in frame.columns if c not in first and c != "geometry"]
        return gpd.GeoDataFrame(frame[[*first, *rest, "geometry"]], crs=self._areas.crs)


def _rebuild(state: dict[str, Any]) -> Result:
    return Result(**state)
