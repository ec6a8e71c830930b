"""The options of one analysis: one frozen, hashable, picklable value.

The command line, the app and :func:`geo.pipeline.run_analysis` all build a
:class:`Parameters`; a result records the one it was made with, and caches
key on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from geo.errors import AtlasError
from geo.frozen import FrozenMap, freeze

MODELS = ("evidence", "all-ages", "older")
DECAYS = ("gaussian", "step", "none")
#: The two readings of "gap": thin provision (low E2SFCA access per resident)
#: or far from any place (walking time to the nearest place above a threshold).
LENSES = ("thin", "far")
DEFAULT_FAR_MINUTES = 10.0
DEFAULT_THRESHOLDS = (400, 800, 1600)
DEFAULT_SPEED_M_S = 1.0  # a comfortable walking pace for older adults
DEFAULT_CATCHMENT_M = 1600.0
DEFAULT_PERMUTATIONS = 9999  # Local Moran's I: p-values down to 1/10,000 (about 1 s for England)
DEFAULT_SEED = 12345


class AnalysisError(AtlasError, ValueError):
    """The analysis cannot be run with the options given."""


@dataclass(frozen=True)
class Parameters:
    """Options of one analysis, recorded with its result.

    Attributes
    ----------
    model
        ``"evidence"`` (all ages, published odds ratios; the default),
        ``"all-ages"`` (weighted composite index) or ``"older"`` (Age UK model).
    weights
        Indicator → weight for the all-ages index; None for the documented
        defaults (:data:`geo.risk.DEFAULT_WEIGHTS`).
    categories
        Asset categories counted as community provision; None for every
        category the region's sources supply.
    thresholds
        Walking distances in metres for counts and headline shares (sorted).
    speed_m_s
        Walking speed that turns distances into minutes.
    catchment_m
        E2SFCA catchment in metres.
    decay
        E2SFCA distance decay: ``"gaussian"``, ``"step"`` or ``"none"``.
    permutations, seed
        Local Moran's I permutations (default 9,999, so the smallest pseudo
        p-value is 0.0001) and random seed (hot spots).
    user_weights
        Uploaded indicator column → weight in the all-ages index.
    lens
        What makes a gap: ``"thin"`` (low access per resident, E2SFCA) or
        ``"far"`` (the nearest place is more than ``far_minutes`` away on foot).
    far_minutes
        Walking minutes (at ``speed_m_s``) beyond which an area is far from
        any place, for the ``"far"`` lens.

    Mappings are stored as :class:`geo.frozen.FrozenMap` and sequences as
    tuples, whatever was passed, so parameters hash, compare and pickle as
    plain values.
    """

    model: str = "evidence"
    weights: Mapping[str, float] | None = None
    categories: tuple[str, ...] | None = None
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    speed_m_s: float = DEFAULT_SPEED_M_S
    catchment_m: float = DEFAULT_CATCHMENT_M
    decay: str = "gaussian"
    permutations: int = DEFAULT_PERMUTATIONS
    seed: int = DEFAULT_SEED
    user_weights: Mapping[str, float] | None = None
    lens: str = "thin"
    far_minutes: float = DEFAULT_FAR_MINUTES

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        put("weights", _frozen_weights(self.weights))
        put("user_weights", _frozen_weights(self.user_weights))
        if self.categories is not None:
            put("categories", tuple(str(c) for c in self.categories))
        put("thresholds", tuple(sorted(int(t) for t in self.thresholds)))
        put("speed_m_s", float(self.speed_m_s))
        put("catchment_m", float(self.catchment_m))
        put("permutations", int(self.permutations))
        put("seed", int(self.seed))
        put("far_minutes", float(self.far_minutes))

    def replace(self, **changes: Any) -> Parameters:
        """A copy with some options changed."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (dicts and lists), for metadata and JSON."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def validate(self) -> Parameters:
        """Check every option; raise :class:`AnalysisError` saying how to fix it."""
        from geo.risk import validate_weights  # the weight rules live with the index
        from geo.sources.taxonomy import CATEGORY_KEYS

        if self.model not in MODELS:
            raise AnalysisError(f"Unknown model {self.model!r}: use one of {', '.join(MODELS)}.")
        if self.categories is not None:
            unknown = [
                c for c in self.categories if c not in CATEGORY_KEYS and not c.startswith("user_")
            ]
            if unknown:
                raise AnalysisError(
                    f"Unknown asset categories: {', '.join(unknown)}. "
                    f"Known categories: {', '.join(CATEGORY_KEYS)} (and user_… for uploaded ones)."
                )
            if not self.categories:
                raise AnalysisError("Choose at least one asset category.")
        if not self.thresholds or any(t <= 0 for t in self.thresholds):
            raise AnalysisError("Walking thresholds must be positive distances in metres.")
        if not 0.2 <= self.speed_m_s <= 3:
            raise AnalysisError(
                f"Walking speed {self.speed_m_s} m/s is implausible: use 0.2–3 m/s "
                "(about 1 m/s for older adults, 1.3 m/s for most adults)."
            )
        if self.catchment_m <= 0:
            raise AnalysisError("The E2SFCA catchment must be a positive distance in metres.")
        if self.decay not in DECAYS:
            raise AnalysisError(f"Unknown decay {self.decay!r}: use one of {', '.join(DECAYS)}.")
        if self.lens not in LENSES:
            raise AnalysisError(
                f"Unknown lens {self.lens!r}: use thin (little provision per resident) or "
                "far (far from any place)."
            )
        if not 0 < self.far_minutes <= 120:
            raise AnalysisError(
                f"{self.far_minutes:g} walking minutes is not a usable threshold: use 1–120."
            )
        if self.permutations < 0:
            raise AnalysisError("The number of permutations cannot be negative.")
        if self.weights is not None:
            validate_weights(self.weights)
        return self


def _frozen_weights(
    weights: Mapping[str, float] | Sequence[tuple[str, float]] | None,
) -> FrozenMap[str, float] | None:
    if weights is None:
        return None
    pairs = weights.items() if isinstance(weights, Mapping) else weights
    return freeze({str(k): float(v) for k, v in pairs})
