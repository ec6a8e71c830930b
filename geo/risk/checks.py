"""Checks shared by the risk models: the input frame and its numeric columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.errors import AtlasError

__all__ = ["RiskError", "as_numeric", "check_frame"]


class RiskError(AtlasError, ValueError):
    """Indicators or weights cannot be turned into a risk measure."""


def check_frame(frame: object, what: str) -> pd.DataFrame:
    """The frame, checked: a non-empty table with unique area codes and 0–1 shares.

    Parameters
    ----------
    frame
        The table to check (one row per area, indexed by area code).
    what
        What the table is, for error messages (``"indicators"``).

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself.

    Raises
    ------
    RiskError
        For a non-table, an empty table, repeated area codes, or a ``pct_``
        column with values outside 0–1 or that are not numbers.
    """
    if not isinstance(frame, pd.DataFrame):
        raise RiskError(
            f"The {what} must be a table (DataFrame) indexed by area code, not "
            f"{type(frame).__name__}."
        )
    if len(frame) == 0:
        raise RiskError(f"The {what} table has no areas.")
    if not frame.index.is_unique:
        dupes = frame.index[frame.index.duplicated()].unique()[:5]
        raise RiskError(
            f"The {what} table repeats area codes ({', '.join(map(str, dupes))}); each area "
            "must appear once."
        )
    for column in frame.columns:
        if isinstance(column, str) and column.startswith("pct_"):
            x = as_numeric(frame[column], column).to_numpy()
            with np.errstate(invalid="ignore"):
                outside = np.flatnonzero((x < 0) | (x > 1 + 1e-9))
            if len(outside):
                first = outside[0]
                raise RiskError(
                    f"Column {column} of the {what} table must hold fractions from 0 to 1, but "
                    f"has {x[first]:g} (area {frame.index[first]}). If it holds "
                    "percentages, divide by 100."
                )
    return frame


def as_numeric(series: pd.Series, name: str) -> pd.Series:
    """The column as floats, with ±inf as missing; a clear error for text."""
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        try:
            series = pd.to_numeric(series, errors="raise")
        except (ValueError, TypeError) as exc:
            bad = next(
                (v for v in series if pd.notna(v) and pd.isna(pd.to_numeric(v, errors="coerce"))),
                None,
            )
            raise RiskError(
                f"Column {name} must hold numbers; it has {bad!r}. Fix or remove that value."
            ) from exc
    values = series.to_numpy(dtype=float, na_value=np.nan)
    values = np.where(np.isinf(values), np.nan, values)
    return pd.Series(values, index=series.index, name=series.name)
