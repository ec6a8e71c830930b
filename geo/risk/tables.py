"""The tables the Method page shows: the Age UK model's terms and the indicators."""

from __future__ import annotations

import pandas as pd

from geo.risk.indicators import DEFAULT_WEIGHTS, INDICATORS
from geo.risk.terms import (
    AGE_UK_INTERCEPT,
    AGE_UK_INTERCEPT_STD_ERROR,
    AGE_UK_SUMMARY,
    AGE_UK_TERMS,
    APPROXIMATIONS,
)
from geo.risk.weights import validate_weights

__all__ = ["indicator_table", "model_table"]


def model_table() -> pd.DataFrame:
    """The Age UK model's published terms and how each is used.

    Returns
    -------
    pandas.DataFrame
        Indexed by term (``intercept`` first): ``label``, ``estimate``,
        ``std_error``, ``used``, ``approximations`` (the rules, best first) and
        ``source``.
    """
    rows = [
        {
            "term": "intercept",
            "label": "Constant",
            "estimate": AGE_UK_INTERCEPT,
            "std_error": AGE_UK_INTERCEPT_STD_ERROR,
            "used": True,
            "approximations": "",
            "source": AGE_UK_SUMMARY,
        }
    ]
    for term in AGE_UK_TERMS:
        alts = APPROXIMATIONS.get(term.name, ())
        rows.append(
            {
                "term": term.name,
                "label": term.label,
                "estimate": term.estimate,
                "std_error": term.std_error,
                "used": term.in_census,
                "approximations": " | otherwise ".join(a.description for a in alts)
                or "not measured by the Census: left out",
                "source": term.source,
            }
        )
    return pd.DataFrame(rows).set_index("term")


def indicator_table() -> pd.DataFrame:
    """:data:`INDICATORS` as a table, with the default weights normalised.

    Returns
    -------
    pandas.DataFrame
        Indexed by indicator name: ``column``, ``label``, ``direction``,
        ``default_weight`` (points), ``normalised_weight`` and ``rationale``.
    """
    normalised = validate_weights(DEFAULT_WEIGHTS)
    return pd.DataFrame(
        [
            {
                "indicator": i.name,
                "column": i.column,
                "label": i.label,
                "direction": i.direction,
                "default_weight": i.default_weight,
                "normalised_weight": normalised[i.name],
                "rationale": i.rationale,
            }
            for i in INDICATORS
        ]
    ).set_index("indicator")
