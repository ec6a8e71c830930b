"""Model 2: the all-ages composite index (weighted mean of capped z-scores).

See ``geo/method/risk.md`` (Model 2) for the indicators, weights, normalisation,
missing data and ranks.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.frozen import FrozenMap
from geo.risk.checks import RiskError, as_numeric, check_frame
from geo.risk.indicators import DEFAULT_WEIGHTS, USER_PREFIX, Indicator
from geo.risk.ranking import decile, national_rank, rank_desc
from geo.risk.weights import applied_weights, validate_weights

log = logging.getLogger(__name__)

__all__ = ["WINSOR_LIMIT", "CompositeRisk", "all_ages_risk"]

#: z-scores are capped at ± this value.
WINSOR_LIMIT: float = 3.0


@dataclass(frozen=True, eq=False)
class CompositeRisk:
    """The all-ages index for each area.

    Attributes
    ----------
    frame
        Indexed like the input: ``risk_score``, ``risk_rank``, ``risk_decile``,
        ``risk_rank_national`` and ``risk_decile_national`` (missing without a
        national frame), ``n_indicators``, ``weight_coverage``,
        ``indicators_used`` and one ``z_<name>`` column per indicator used.
    values
        The raw indicator values used, one column per indicator name.
    used
        Names of the indicators used.
    weights
        The normalised weights applied (sum 1 over ``used``).
    reference
        What the z-scores are measured against.
    notes
        Indicators dropped and why, in plain English.
    """

    frame: pd.DataFrame
    values: pd.DataFrame
    used: tuple[str, ...]
    weights: Mapping[str, float]
    reference: str
    notes: tuple[str, ...]


def all_ages_risk(
    indicators: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    reference: pd.DataFrame | None = None,
    extra: Mapping[str, float] | None = None,
) -> CompositeRisk:
    """Combine the all-ages indicators into a loneliness-risk score per area.

    Parameters
    ----------
    indicators
        One row per area (index = LSOA code) holding the indicator columns of
        :data:`INDICATORS`; absent columns drop their indicator.
    weights
        Indicator name → weight; :data:`DEFAULT_WEIGHTS` when not given.
        Checked by :func:`validate_weights`.
    reference
        Optional national frame (every LSOA in England, same columns).  With
        it, z-scores are against England and national ranks and deciles are
        given; without it, against the region itself.
    extra
        User indicators: column of ``indicators`` → weight, on the same scale
        as ``weights`` (so with the defaults, points out of 100 more).  Higher
        values mean higher risk.  They are standardised within the region
        (there is no national distribution for them) and named ``user:<column>``;
        national ranks use the national indicators only.

    Returns
    -------
    CompositeRisk

    Raises
    ------
    RiskError
        For invalid weights, an unusable frame, or when no weighted
        indicator is available.
    """
    raw = DEFAULT_WEIGHTS if weights is None else weights
    validate_weights(raw)  # weights are checked before the frames
    frame = check_frame(indicators, "indicators")
    ref = None if reference is None else check_frame(reference, "reference")
    applied, catalogue = applied_weights(raw, extra, frame)

    notes: list[str] = []
    values, z, ref_z = _standardise(catalogue, applied, frame, ref, notes)
    used = tuple(z)
    used_weights = _used_weights(applied, used, notes)

    zframe = pd.DataFrame(z, index=frame.index)
    score, n_used, coverage, listed = _composite(zframe, used_weights)
    rank = rank_desc(score)
    columns: dict[str, pd.Series] = {
        "risk_score": score,
        "risk_rank": rank,
        "risk_decile": decile(rank, int(score.notna().sum())),
    }
    columns.update(_national_columns(zframe, ref_z, used_weights, frame.index, ref))
    reference_text = (
        f"England: the {len(ref)} areas of the national frame"
        if ref is not None
        else f"the region itself ({len(frame)} areas; no national frame)"
    )
    notes.append(f"Indicators are z-scores against {reference_text}, capped at ±{WINSOR_LIMIT:g}.")
    columns.update(n_indicators=n_used, weight_coverage=coverage, indicators_used=listed)
    columns.update({f"z_{name}": zframe[name] for name in used})
    notes.extend(_coverage_notes(n_used, len(used)))

    for note in notes:
        log.debug("all-ages index: %s", note)
    return CompositeRisk(
        frame=pd.DataFrame(columns, index=frame.index),
        values=pd.DataFrame(values, index=frame.index),
        used=used,
        weights=FrozenMap(used_weights),
        reference=reference_text,
        notes=tuple(notes),
    )


def _standardise(
    catalogue: Sequence[Indicator],
    applied: Mapping[str, float],
    frame: pd.DataFrame,
    ref: pd.DataFrame | None,
    notes: list[str],
) -> tuple[dict[str, pd.Series], dict[str, pd.Series], dict[str, pd.Series]]:
    """Raw values, z-scores of the region and z-scores of the reference, per indicator used.

    Indicators that cannot be used are left out, with a note appended to ``notes``;
    a :class:`RiskError` when none can be used.
    """
    values: dict[str, pd.Series] = {}
    z: dict[str, pd.Series] = {}
    ref_z: dict[str, pd.Series] = {}
    for ind in catalogue:
        if applied[ind.name] <= 0:
            continue
        column = ind.column
        if column not in frame.columns:
            notes.append(f"{ind.name} left out: the region has no {column} column.")
            continue
        x = as_numeric(frame[column], column)
        if x.isna().all():
            notes.append(f"{ind.name} left out: {column} has no values in the region.")
            continue
        user_indicator = ind.name.startswith(USER_PREFIX)
        national_ref = None if user_indicator else ref
        national = national_ref is not None
        if national_ref is not None and column not in national_ref.columns:
            notes.append(
                f"{ind.name} left out: the national frame has no {column} column, so it "
                "cannot be measured against England."
            )
            continue
        basis = as_numeric(national_ref[column], column) if national_ref is not None else x
        mean, sd = float(basis.mean()), float(basis.std(ddof=0))
        if not (math.isfinite(mean) and math.isfinite(sd)) or sd <= 1e-12 * max(1.0, abs(mean)):
            notes.append(f"{ind.name} left out: {column} does not vary across the reference.")
            continue
        values[ind.name] = x
        z[ind.name] = _zscore(x, mean, sd, ind.direction)
        if national:
            ref_z[ind.name] = _zscore(basis, mean, sd, ind.direction)
        if user_indicator:
            notes.append(f"{ind.name} (user data) is standardised within the region.")
    if not z:
        columns = ", ".join(f"{i.column} ({i.name})" for i in catalogue if applied[i.name] > 0)
        raise RiskError(
            "No weighted indicator can be used, so no risk score can be computed. The region "
            f"needs at least one of these columns with values that vary: {columns}."
        )
    return values, z, ref_z


def _used_weights(
    applied: Mapping[str, float], used: tuple[str, ...], notes: list[str]
) -> dict[str, float]:
    """The weights rescaled to sum to 1 over the indicators used (noted when any was dropped)."""
    total = math.fsum(applied[n] for n in used)
    used_weights = {n: applied[n] / total for n in used}
    if len(used) < sum(1 for v in applied.values() if v > 0):
        notes.append(
            "Weights were rescaled over the indicators used: "
            + ", ".join(f"{n} {w:.3f}" for n, w in used_weights.items())
            + "."
        )
    return used_weights


def _national_columns(
    zframe: pd.DataFrame,
    ref_z: Mapping[str, pd.Series],
    weights: Mapping[str, float],
    index: pd.Index,
    ref: pd.DataFrame | None,
) -> dict[str, pd.Series]:
    """``risk_rank_national`` and ``risk_decile_national``.

    Missing without a reference, or when no national indicator is used.

    Both the region's areas and the reference are scored on the national
    indicators only: user indicators have no national distribution.
    """
    if ref is None or not ref_z:
        nothing = pd.Series(pd.NA, index=index, dtype="Int64")
        return {"risk_rank_national": nothing, "risk_decile_national": nothing}
    ref_score, *_ = _composite(pd.DataFrame(ref_z, index=ref.index), weights)
    if list(ref_z) == list(zframe.columns):
        score = _composite(zframe, weights)[0]
    else:
        score = _composite(zframe[list(ref_z)], weights)[0]
    rank, national_decile = national_rank(score, ref_score)
    return {"risk_rank_national": rank, "risk_decile_national": national_decile}


def _coverage_notes(n_used: pd.Series, n_indicators: int) -> list[str]:
    """Notes on areas scored on some indicators only, and on areas with none."""
    notes = []
    partial = int(((n_used > 0) & (n_used < n_indicators)).sum())
    if partial:
        notes.append(
            f"{partial} area(s) lack some indicators and are scored on the rest "
            "(see indicators_used)."
        )
    unscored = int((n_used == 0).sum())
    if unscored:
        notes.append(f"{unscored} area(s) have no indicator values and no score.")
    return notes


def _zscore(x: pd.Series, mean: float, sd: float, direction: int) -> pd.Series:
    z = np.clip(direction * (x.to_numpy(dtype=float) - mean) / sd, -WINSOR_LIMIT, WINSOR_LIMIT)
    return pd.Series(z, index=x.index, name=x.name)


def _composite(
    zframe: pd.DataFrame, weights: Mapping[str, float]
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Weighted mean of the available z-scores per area (missing never counts as 0)."""
    w = np.array([weights[c] for c in zframe.columns])
    zs = zframe.to_numpy(dtype=float)
    have = ~np.isnan(zs)
    weight_have = (have * w).sum(axis=1)
    weighted = np.where(have, zs, 0.0) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(weight_have > 0, weighted / weight_have, np.nan)
    names = np.array(zframe.columns, dtype=object)
    listed = [", ".join(names[row]) for row in have]
    index = zframe.index
    return (
        pd.Series(score, index=index, name="risk_score"),
        pd.Series(have.sum(axis=1), index=index, name="n_indicators"),
        pd.Series(weight_have / w.sum(), index=index, name="weight_coverage"),
        pd.Series(listed, index=index, name="indicators_used", dtype="str"),
    )
