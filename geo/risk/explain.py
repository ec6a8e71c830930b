"""What drives one area's risk: each term's contribution relative to England.

One definition for every front end (app panel, report, ``python -m geo explain``):

* logistic models (all-ages evidence, older people): coefficient × (the area's
  value − England's weighted mean of it), in log-odds; the contributions sum
  to the area's log-odds minus the log-odds of an area with England's means;
* composite index: z-score against England × the indicator's weight in the
  area; the contributions sum to the area's ``risk_score``.

Without a national frame "England" is the region itself.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.risk.checks import RiskError
from geo.risk.composite import CompositeRisk
from geo.risk.evidence import EvidenceRisk
from geo.risk.indicators import INDICATORS_BY_NAME, USER_PREFIX
from geo.risk.older import OlderRisk

if TYPE_CHECKING:
    from geo.result import Result

__all__ = ["UNITS", "area_explanation", "contributions", "top_drivers"]

#: What a contribution is measured in, by kind of model.
UNITS = {
    "logistic": "log-odds of loneliness added, against an area with England's average values",
    "composite": "score points (z-score against England × weight)",
}


def contributions(result: CompositeRisk | OlderRisk | EvidenceRisk, code: str) -> pd.DataFrame:
    """How each indicator (or model term) moves one area's risk away from England's.

    Parameters
    ----------
    result
        A :class:`CompositeRisk`, :class:`OlderRisk` or :class:`EvidenceRisk`.
    code
        The area's code (an index value of the result).

    Returns
    -------
    pandas.DataFrame
        For a composite: one row per indicator used, with ``label``,
        ``value``, ``z``, ``weight`` (normalised), ``weight_in_area`` (rescaled
        over the indicators the area has) and ``contribution`` = z ×
        weight_in_area; they sum to the area's ``risk_score``.  For a logistic
        model: one row per term, with ``label``, ``value``, ``reference``
        (England's weighted mean), ``coefficient`` and ``contribution`` =
        coefficient × (value − reference), in log-odds.  Rows are sorted by
        contribution, largest first; missing values stay missing.

    Raises
    ------
    RiskError
        When the code is not an area of the result.
    """
    if code not in result.frame.index:
        raise RiskError(
            f"Area {code!r} is not in this result; it covers {len(result.frame)} areas."
        )
    table = _indicators(result, code) if isinstance(result, CompositeRisk) else _terms(result, code)
    return table.sort_values("contribution", ascending=False, na_position="last")


def top_drivers(
    result: CompositeRisk | OlderRisk | EvidenceRisk, code: str, *, n: int = 3
) -> pd.DataFrame:
    """The ``n`` largest positive contributions of one area (rows of :func:`contributions`)."""
    table = contributions(result, code)
    return table[table["contribution"] > 0].head(n)


def _terms(result: OlderRisk | EvidenceRisk, code: str) -> pd.DataFrame:
    """Terms of one area, in log-odds relative to the reference's means."""
    rows = []
    for name in result.terms:
        value = float(result.inputs.at[code, name])
        ref = float(result.reference_means.get(name, math.nan))
        coef = result.coefficients[name]
        rows.append(
            {
                "term": name,
                "label": result.labels[name],
                "value": value,
                "reference": ref,
                "coefficient": coef,
                "contribution": coef * (value - ref),
            }
        )
    return pd.DataFrame(rows).set_index("term")


def _indicators(result: CompositeRisk, code: str) -> pd.DataFrame:
    """Indicators of one area: value, z, weights and z × weight in the area."""
    z = pd.Series({n: result.frame.at[code, f"z_{n}"] for n in result.used}, dtype=float)
    weights = pd.Series(result.weights, dtype=float)
    in_area = weights.where(z.notna())
    in_area = in_area / in_area.sum() if in_area.notna().any() else in_area
    return pd.DataFrame(
        {
            "label": [_label(n) for n in result.used],
            "value": [result.values.at[code, n] for n in result.used],
            "z": z,
            "weight": weights,
            "weight_in_area": in_area,
            "contribution": z * in_area,
        },
        index=pd.Index(result.used, name="indicator"),
    )


def _label(name: str) -> str:
    if name in INDICATORS_BY_NAME:
        return INDICATORS_BY_NAME[name].label
    return f"{name.removeprefix(USER_PREFIX)} (user data)"


def _fmt(value: Any, spec: str) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if not math.isfinite(number) else format(number, spec)


def area_explanation(result: Result, code: str, *, n: int = 3) -> str:
    """One area's risk figures and drivers, as plain text (for the command line).

    Raises
    ------
    RiskError
        When the area is not in the result or the result carries no risk model.
    """
    if code not in result.areas.index:
        raise RiskError(
            f"LSOA {code!r} is not in this area ({len(result.areas)} LSOAs). Check the code, "
            "or choose the local authority that contains it."
        )
    detail = result.risk_detail
    if detail is None:
        raise RiskError("This result carries no risk model, so there is nothing to explain.")
    row = result.areas.loc[code]
    kind = "composite" if isinstance(detail, CompositeRisk) else "logistic"
    lines = [
        f"{code} {row.get('lsoa21nm', '')}".rstrip(),
        f"Risk model: {result.parameters.model}",
        f"Risk score: {_fmt(row.get('risk_score'), '.3f')}"
        + (" (relative risk, England = 1)" if kind == "logistic" else " (z-score scale)"),
        f"Rank in area: {_fmt(row.get('risk_rank'), '.0f')} of {len(result.areas)}"
        f" (5th-95th percentile under uncertainty: {_fmt(row.get('risk_rank_p05'), '.0f')}"
        f"-{_fmt(row.get('risk_rank_p95'), '.0f')})",
        f"Robust priority: {_yes_no(row.get('robust_priority'))}",
        f"Lonely 65+ (expected, Age UK model calibrated): {_fmt(row.get('expected_lonely'), '.1f')}"
        f" (90% range {_fmt(row.get('expected_lonely_p05'), '.1f')}"
        f"-{_fmt(row.get('expected_lonely_p95'), '.1f')})",
        f"Top drivers ({UNITS[kind]}):",
    ]
    drivers = top_drivers(detail, code, n=n)
    if drivers.empty:
        lines.append("  none: every term is at or below England's average")
    for name, d in drivers.iterrows():
        lines.append(
            f"  {name}: {d['label']} = {_fmt(d['value'], '.3f')} (+{d['contribution']:.3f})"
        )
    return "\n".join(lines)


def _yes_no(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    return "yes" if bool(value) else "no"
