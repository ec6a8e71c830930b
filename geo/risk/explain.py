"""What drives one area's risk: each indicator's (or model term's) contribution."""

from __future__ import annotations

import pandas as pd

from geo.risk.checks import RiskError
from geo.risk.composite import CompositeRisk
from geo.risk.indicators import INDICATORS_BY_NAME, USER_PREFIX
from geo.risk.older import OlderRisk
from geo.risk.terms import AGE_UK_INTERCEPT, TERMS

__all__ = ["contributions"]


def contributions(result: CompositeRisk | OlderRisk, code: str) -> pd.DataFrame:
    """How each indicator (or model term) drives one area's risk.

    Parameters
    ----------
    result
        A :class:`CompositeRisk` or an :class:`OlderRisk`.
    code
        The area's code (an index value of the result).

    Returns
    -------
    pandas.DataFrame
        For a composite: one row per indicator used, with ``label``,
        ``value``, ``z``, ``weight`` (normalised), ``weight_in_area`` (rescaled
        over the indicators the area has) and ``contribution`` = z ×
        weight_in_area; the contributions sum to the area's ``risk_score``.
        For the older people's model: ``intercept`` and one row per term, with
        ``label``, ``value`` (the approximated proportion or household size),
        ``coefficient`` and ``contribution`` = coefficient × value (log-odds);
        they sum to ``older_logit``.  Rows are sorted by contribution, largest
        first; missing values stay missing.

    Raises
    ------
    RiskError
        When the code is not an area of the result.
    """
    if code not in result.frame.index:
        raise RiskError(
            f"Area {code!r} is not in this result; it covers {len(result.frame)} areas."
        )
    table = (
        _older_terms(result, code) if isinstance(result, OlderRisk) else _indicators(result, code)
    )
    return table.sort_values("contribution", ascending=False, na_position="last")


def _older_terms(result: OlderRisk, code: str) -> pd.DataFrame:
    """Intercept and model terms of one area, in log-odds."""
    rows = [
        {
            "term": "intercept",
            "label": "Constant",
            "value": 1.0,
            "coefficient": AGE_UK_INTERCEPT,
            "contribution": AGE_UK_INTERCEPT,
        }
    ]
    for name in result.terms:
        value = float(result.inputs.at[code, name])
        rows.append(
            {
                "term": name,
                "label": TERMS[name].label,
                "value": value,
                "coefficient": TERMS[name].estimate,
                "contribution": TERMS[name].estimate * value,
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
