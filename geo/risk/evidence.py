"""The all-ages evidence model: published odds ratios applied to Census proportions.

logit(p) = b0 + Σ ln(OR_k)·x_k, with x_k the area's share of term k
(:data:`EVIDENCE_TERMS`) and b0 solved so that England's adult-weighted mean of
p equals the Community Life Survey's 5% (:data:`ADULTS_OFTEN_LONELY`).  See
``geo/method/risk_evidence.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.frozen import FrozenMap
from geo.risk.calibration import ADULTS_OFTEN_LONELY, solve_intercept
from geo.risk.checks import RiskError, as_numeric, check_frame
from geo.risk.evidence_terms import EVIDENCE_TERMS, EvidenceTerm
from geo.risk.ranking import decile, national_rank, rank_desc

log = logging.getLogger(__name__)

__all__ = ["EvidenceRisk", "evidence_risk"]

_BY_NAME: dict[str, EvidenceTerm] = {t.name: t for t in EVIDENCE_TERMS}


@dataclass(frozen=True, eq=False)
class EvidenceRisk:
    """The evidence model applied to each area.

    Attributes
    ----------
    frame
        Indexed like the input: ``evidence_logit``, ``evidence_prevalence``
        (calibrated share of adults often/always lonely), ``evidence_relative_risk``
        (England = 1), ``evidence_rank``, ``evidence_decile`` and, with a
        national frame, ``evidence_rank_national`` / ``evidence_decile_national``.
    inputs
        The term shares per area, one column per term used.
    intercept
        The calibrated intercept b0.
    reference_inputs, reference_weights
        The reference areas' term shares and populations (England, or the
        region without a national frame): what calibration and relative risk
        are measured against.
    reference_means
        Population-weighted mean of each term over the reference.
    reference_prevalence
        The reference's weighted mean prevalence (the calibration target).
    reference
        Which population the reference is.
    terms
        Names of the terms used.
    notes
        Terms left out, calibration, in plain English.
    """

    frame: pd.DataFrame
    inputs: pd.DataFrame
    intercept: float
    reference_inputs: pd.DataFrame
    reference_weights: pd.Series
    reference_means: Mapping[str, float]
    reference_prevalence: float
    reference: str
    terms: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def coefficients(self) -> dict[str, float]:
        """Term → log-odds coefficient."""
        return {n: _BY_NAME[n].estimate for n in self.terms}

    @property
    def std_errors(self) -> dict[str, float]:
        """Term → standard error used for uncertainty (an upper bound)."""
        return {n: _BY_NAME[n].std_error for n in self.terms}

    @property
    def labels(self) -> dict[str, str]:
        """Term → label."""
        return {n: _BY_NAME[n].label for n in self.terms}


def evidence_risk(
    indicators: pd.DataFrame, *, reference: pd.DataFrame | None = None
) -> EvidenceRisk:
    """Apply the published all-ages odds ratios to each area's Census shares.

    Parameters
    ----------
    indicators
        One row per area with the columns of :data:`EVIDENCE_TERMS`
        (``pct_16_24``, ``pct_bad_health``, ``pct_widowed``) and ``population``.
    reference
        Optional national frame (every LSOA in England).  With it, the
        intercept is calibrated on England and relative risks are against
        England; without it, on the region itself (noted).

    Returns
    -------
    EvidenceRisk

    Raises
    ------
    RiskError
        When the frame is unusable or none of the terms' columns is present.
    """
    frame = check_frame(indicators, "indicators")
    ref = frame if reference is None else check_frame(reference, "reference")
    notes: list[str] = []
    terms = [t for t in EVIDENCE_TERMS if t.column in frame.columns and t.column in ref.columns]
    for t in EVIDENCE_TERMS:
        if t not in terms:
            notes.append(f"{t.label}: left out, the column {t.column} is absent.")
    if not terms:
        raise RiskError(
            "The all-ages evidence model needs at least one of these columns: "
            + ", ".join(t.column for t in EVIDENCE_TERMS)
            + ". Use --model composite or --model older, or add the Census columns."
        )
    inputs = _inputs(frame, terms)
    ref_inputs = inputs if reference is None else _inputs(ref, terms)
    weights = _weights(ref)
    beta = np.array([t.estimate for t in terms])
    ref_eta = ref_inputs.to_numpy(dtype=float) @ beta
    b0 = float(solve_intercept(ref_eta, weights.to_numpy(), ADULTS_OFTEN_LONELY.share))
    logit = pd.Series(b0 + inputs.to_numpy(dtype=float) @ beta, index=frame.index)
    prevalence = 1.0 / (1.0 + np.exp(-logit))
    target = ADULTS_OFTEN_LONELY.share
    where = "England" if reference is not None else f"the region ({len(frame)} areas)"
    notes.append(
        f"All-ages evidence model: intercept {b0:.4f} sets the population-weighted share over "
        f"{where} to {target:.1%}, the Community Life Survey figure for adults."
    )
    out = pd.DataFrame(index=frame.index)
    out["evidence_logit"] = logit
    out["evidence_prevalence"] = prevalence
    out["evidence_relative_risk"] = prevalence / target
    out["evidence_rank"] = rank_desc(prevalence)
    out["evidence_decile"] = decile(out["evidence_rank"], int(prevalence.notna().sum()))
    if reference is not None:
        ref_p = pd.Series(1.0 / (1.0 + np.exp(-(b0 + ref_eta))), index=ref.index)
        out["evidence_rank_national"], out["evidence_decile_national"] = national_rank(
            prevalence, ref_p
        )
    means = {t.name: _weighted_mean(ref_inputs[t.name], weights) for t in terms}
    for note in notes:
        log.debug("evidence model: %s", note)
    return EvidenceRisk(
        frame=out,
        inputs=inputs,
        intercept=b0,
        reference_inputs=ref_inputs,
        reference_weights=weights,
        reference_means=FrozenMap(means),
        reference_prevalence=target,
        reference=f"England ({len(ref)} areas)" if reference is not None else where,
        terms=tuple(t.name for t in terms),
        notes=tuple(notes),
    )


def _inputs(frame: pd.DataFrame, terms: list[EvidenceTerm]) -> pd.DataFrame:
    return pd.DataFrame(
        {t.name: as_numeric(frame[t.column], t.column) for t in terms}, index=frame.index
    )


def _weights(frame: pd.DataFrame) -> pd.Series:
    """Residents per area (equal weights when the frame has no population)."""
    if "population" not in frame.columns:
        return pd.Series(1.0, index=frame.index)
    return as_numeric(frame["population"], "population").fillna(0.0).clip(lower=0.0)


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna() & (weights > 0)
    if not ok.any():
        return float("nan")
    return float(np.average(values[ok], weights=weights[ok]))
