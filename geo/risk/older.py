"""Model 1: the Age UK (ELSA wave 5) loneliness model for people aged 65+.

The published logistic model is applied to each area's Census proportions; see
``geo/method/risk.md`` (Model 1) for the method, its approximations and caveats.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from geo.frozen import FrozenMap
from geo.risk.calibration import OLDER_OFTEN_LONELY, scale_to
from geo.risk.checks import RiskError, as_numeric, check_frame
from geo.risk.ranking import decile, national_rank, rank_desc
from geo.risk.terms import AGE_UK_INTERCEPT, AGE_UK_TERMS, APPROXIMATIONS, TERMS, Approximation

log = logging.getLogger(__name__)

__all__ = ["OlderRisk", "expected_count", "older_people_risk"]


@dataclass(frozen=True, eq=False)
class OlderRisk:
    """The Age UK model applied to each area.

    Attributes
    ----------
    frame
        Indexed like the input: ``older_logit``, ``older_prevalence`` (the
        model as published, without its non-Census terms),
        ``older_relative_risk``, ``older_prevalence_calibrated`` (relative risk
        × the published national share, :data:`OLDER_OFTEN_LONELY`),
        ``expected_lonely_older`` (calibrated prevalence × residents 65+), ``older_rank``,
        ``older_decile`` (1 = highest 10% in the region) and, with a national
        frame, ``older_rank_national`` and ``older_decile_national``.
    inputs
        The approximated 65+ proportions (and household size), one column per
        term used.
    reference_prevalence
        The prevalence the relative risk divides by.
    reference
        Which population that prevalence describes.
    terms
        The model terms used.
    approximations
        How each term was approximated from the Census.
    notes
        Terms left out, fallbacks and values clipped, in plain English.
    reference_inputs, reference_weights
        The reference areas' term values and residents 65+ (England, or the
        region without a national frame).
    reference_means
        Mean of each term over the reference, weighted by residents 65+: what
        an area's drivers are measured against.
    intercept
        The published intercept.
    population
        Residents aged 65+ per area (None without ``pop_65plus``).
    """

    frame: pd.DataFrame
    inputs: pd.DataFrame
    reference_prevalence: float
    reference: str
    terms: tuple[str, ...]
    approximations: Mapping[str, str]
    notes: tuple[str, ...]
    reference_inputs: pd.DataFrame | None = None
    reference_weights: pd.Series | None = None
    reference_means: Mapping[str, float] = FrozenMap({})
    intercept: float = AGE_UK_INTERCEPT
    population: pd.Series | None = None

    @property
    def coefficients(self) -> dict[str, float]:
        """Term → published log-odds coefficient."""
        return {n: TERMS[n].estimate for n in self.terms}

    @property
    def std_errors(self) -> dict[str, float]:
        """Term → published standard error."""
        return {n: TERMS[n].std_error for n in self.terms}

    @property
    def labels(self) -> dict[str, str]:
        """Term → label."""
        return {n: TERMS[n].label for n in self.terms}


def older_people_risk(
    indicators: pd.DataFrame, *, reference: pd.DataFrame | None = None
) -> OlderRisk:
    """Apply the Age UK (ELSA wave 5) loneliness model to each area.

    Parameters
    ----------
    indicators
        One row per area (index = LSOA code) with the Census columns of the
        region frame (``pct_bad_health``, ``pop_65plus`` …); absent columns
        are allowed and handled as ``geo/method/risk.md`` describes.
    reference
        Optional national frame (every LSOA in England, same columns).  With
        it, relative risk is against the England prevalence and national
        ranks and deciles are given; without it, against the region's own
        65+-weighted mean.

    Returns
    -------
    OlderRisk

    Raises
    ------
    RiskError
        When the frame is unusable (duplicate codes, non-numeric values,
        shares outside 0–1) or no Census term of the model can be computed.
    """
    frame = check_frame(indicators, "indicators")
    ref = None if reference is None else check_frame(reference, "reference")
    available = set(frame.columns) if ref is None else set(frame.columns) & set(ref.columns)
    chosen, notes = _choose_approximations(available, frame, ref)
    if not chosen:
        needed = sorted({c for alts in APPROXIMATIONS.values() for a in alts for c in a.requires})
        raise RiskError(
            "The older people's model needs Census health, household, marital status or age "
            f"columns, and none were found. Any of these columns will do: {', '.join(needed)}."
        )

    inputs, clip_notes = _model_inputs(frame, chosen)
    notes.extend(clip_notes)
    logit = _logit(inputs)
    prevalence = expit(logit)
    older = as_numeric(frame["pop_65plus"], "pop_65plus") if "pop_65plus" in frame else None
    ref_inputs = inputs if ref is None else _model_inputs(ref, chosen)[0]
    ref_prevalence, p_ref, reference_text = _reference_prevalence(
        frame, ref, ref_inputs, prevalence, older
    )
    notes.append(f"Relative risk is against {reference_text} (a prevalence of {p_ref:.4f}).")
    notes.append(
        f"Expected counts are calibrated: relative risk × {OLDER_OFTEN_LONELY.share:.0%} "
        f"({OLDER_OFTEN_LONELY.population} often lonely, Age UK 2024), so the reference's "
        f"share is {OLDER_OFTEN_LONELY.share:.0%} rather than the uncalibrated {p_ref:.1%}."
    )
    out = _older_frame(logit, prevalence, older, p_ref, ref_prevalence)
    if older is None:
        notes.append("pop_65plus is absent, so expected counts could not be computed.")
    base = frame if ref is None else ref
    ref_weights = (
        as_numeric(base["pop_65plus"], "pop_65plus").fillna(0.0)
        if "pop_65plus" in base
        else pd.Series(1.0, index=base.index)
    )
    means = {n: _weighted_mean(ref_inputs[n], ref_weights)[0] for n in chosen}

    for note in notes:
        log.debug("older people's model: %s", note)
    return OlderRisk(
        frame=out,
        inputs=inputs,
        reference_prevalence=float(p_ref),
        reference=reference_text,
        terms=tuple(chosen),
        approximations=FrozenMap({k: a.description for k, a in chosen.items()}),
        notes=tuple(notes),
        reference_inputs=ref_inputs,
        reference_weights=ref_weights,
        reference_means=FrozenMap(means),
        population=older,
    )


def _reference_prevalence(
    frame: pd.DataFrame,
    ref: pd.DataFrame | None,
    ref_inputs: pd.DataFrame,
    prevalence: pd.Series,
    older: pd.Series | None,
) -> tuple[pd.Series | None, float, str]:
    """The national prevalence per area (or None), p_ref and what p_ref describes."""
    if ref is None:
        p_ref, how = _weighted_mean(prevalence, older)
        return None, p_ref, f"the region: {how} over its {len(frame)} areas (no national frame)"
    ref_prevalence = expit(_logit(ref_inputs))
    ref_older = as_numeric(ref["pop_65plus"], "pop_65plus") if "pop_65plus" in ref else None
    p_ref, how = _weighted_mean(ref_prevalence, ref_older)
    return (
        ref_prevalence,
        p_ref,
        f"England: {how} over the {len(ref)} areas of the national frame",
    )


def _older_frame(
    logit: pd.Series,
    prevalence: pd.Series,
    older: pd.Series | None,
    p_ref: float,
    ref_prevalence: pd.Series | None,
) -> pd.DataFrame:
    """The model's output columns (see :class:`OlderRisk`)."""
    out = pd.DataFrame(index=logit.index)
    out["older_logit"] = logit
    out["older_prevalence"] = prevalence
    out["older_relative_risk"] = prevalence / p_ref if p_ref > 0 else np.nan
    calibrated = pd.Series(
        scale_to(out["older_relative_risk"].to_numpy(), OLDER_OFTEN_LONELY.share),
        index=logit.index,
    )
    out["older_prevalence_calibrated"] = calibrated
    if older is not None:
        out["expected_lonely_older"] = expected_count(calibrated, older)
    else:
        out["expected_lonely_older"] = np.nan
    out["older_rank"] = rank_desc(prevalence)
    out["older_decile"] = decile(out["older_rank"], int(prevalence.notna().sum()))
    if ref_prevalence is not None:
        rank, national_decile = national_rank(prevalence, ref_prevalence)
        out["older_rank_national"] = rank
        out["older_decile_national"] = national_decile
    return out


def _choose_approximations(
    available: set[str], frame: pd.DataFrame, ref: pd.DataFrame | None
) -> tuple[dict[str, Approximation], list[str]]:
    chosen: dict[str, Approximation] = {}
    notes: list[str] = []
    for name, alternatives in APPROXIMATIONS.items():
        for rank, alt in enumerate(alternatives):
            if set(alt.requires) <= available:
                chosen[name] = alt
                if rank > 0:
                    better = alternatives[0].requires
                    notes.append(
                        f"{TERMS[name].label}: approximated by {alt.description}, because "
                        f"{_missing_from(better, frame, ref)}."
                    )
                break
        else:
            cols = sorted({c for a in alternatives for c in a.requires})
            notes.append(
                f"{TERMS[name].label} (coefficient {TERMS[name].estimate:+.4f}) is left out: "
                f"none of the columns it needs ({', '.join(cols)}) is present"
                + ("" if ref is None else " in both the region and the national frame")
                + "."
            )
    left_out = [t.label for t in AGE_UK_TERMS if not t.in_census]
    notes.append(
        "Not measured by the Census and left out, as in the Age UK heat maps: "
        + "; ".join(left_out)
        + ". Predicted prevalence therefore understates the true level; use it to compare areas."
    )
    return chosen, notes


def _missing_from(columns: tuple[str, ...], frame: pd.DataFrame, ref: pd.DataFrame | None) -> str:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        return f"{', '.join(absent)} {'is' if len(absent) == 1 else 'are'} absent"
    absent = [c for c in columns if ref is not None and c not in ref.columns]
    return f"the national frame has no {', '.join(absent)}"


def _model_inputs(
    frame: pd.DataFrame, chosen: Mapping[str, Approximation]
) -> tuple[pd.DataFrame, list[str]]:
    needed = sorted({c for a in chosen.values() for c in a.requires})
    numeric = pd.DataFrame({c: as_numeric(frame[c], c) for c in needed}, index=frame.index)
    inputs = pd.DataFrame(index=frame.index)
    notes: list[str] = []
    for name, alt in chosen.items():
        inputs[name] = alt.compute(numeric).astype(float)
    for column, label in (
        ("one_person_66plus", "older people living alone"),
        ("widowed", "widowed residents"),
    ):
        if column in needed and "pop_65plus" in needed:
            over = (numeric[column] > numeric["pop_65plus"]) & (numeric["pop_65plus"] > 0)
            if over.any():
                notes.append(
                    f"In {int(over.sum())} area(s) the count of {label} exceeds the residents "
                    "aged 65+; the share was capped at 1."
                )
    return inputs, notes


def _logit(inputs: pd.DataFrame) -> pd.Series:
    logit = pd.Series(AGE_UK_INTERCEPT, index=inputs.index, dtype=float)
    for name in inputs.columns:
        logit = logit + TERMS[name].estimate * inputs[name]
    return logit


def _weighted_mean(values: pd.Series, weights: pd.Series | None) -> tuple[float, str]:
    ok = values.notna()
    if weights is not None:
        ok &= weights.notna() & (weights >= 0)
        total = float(weights[ok].sum())
        if total > 0:
            return float((values[ok] * weights[ok]).sum() / total), "mean weighted by residents 65+"
    if not ok.any():
        return math.nan, "no area could be scored"
    return float(values[ok].mean()), "unweighted mean of areas (no 65+ counts)"


def expected_count(prevalence: pd.Series, population: pd.Series) -> pd.Series:
    """Expected number of people with a condition: prevalence × population.

    Parameters
    ----------
    prevalence
        Proportions 0–1, indexed by area code.
    population
        The population the prevalence applies to, aligned on the same index.

    Returns
    -------
    pandas.Series
        ``prevalence × population``; 0 where the population is 0 (even if the
        prevalence is undefined there) and missing where either is missing.
    """
    population = population.reindex(prevalence.index).astype(float)
    count = prevalence.astype(float) * population
    return count.mask(population == 0, 0.0).rename("expected_count")
