"""Which columns of an indicator table hold values, and why the others were not used.

A column is a value column when most of its cells are numbers; one with no
number at all (every cell blank, suppressed or text) is never loaded as an
empty indicator: it is named in a note with the reason, and a table left with
no value column is refused with those reasons.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import UploadError
from geo.uploads.numbers import is_missing, parse_number


def no_numbers(values: pd.Series) -> bool:
    return not any(parse_number(v) is not None for v in values.astype("str").tolist())


def _why_dropped(column: str, values: pd.Series) -> str:
    cells = values.astype("str").tolist()
    missing = sum(1 for v in cells if is_missing(v))
    numbers = sum(1 for v in cells if not is_missing(v) and parse_number(v) is not None)
    if numbers == 0:
        return (
            f"column {column!r} has no numbers ({missing:,} cells blank or marked missing, "
            f"{len(cells) - missing:,} text)"
        )
    return f"column {column!r} is mostly text ({numbers:,} of {len(cells):,} cells are numbers)"


def report_dropped(
    frame: pd.DataFrame, dropped: Sequence[str], kept: Sequence[str], notes: list[str]
) -> None:
    """Say which columns were not used as values and why; refuse a table left with none."""
    reasons = [_why_dropped(c, frame[c]) for c in dropped]
    if not kept:
        raise UploadError(
            "The table has no column of values to use"
            + (": " + "; ".join(reasons) if reasons else " besides its area codes")
            + ". Fill in the values, or choose the value columns."
        )
    if reasons:
        notes.append("Not used as values: " + "; ".join(reasons) + ".")


def row_values(
    row: dict[str, Any], columns: Sequence[str], missing: Counter[str]
) -> tuple[dict[str, float], dict[str, Any] | None]:
    """The numbers of ``columns`` in one row (NaN when marked missing), or the first bad cell."""
    out: dict[str, float] = {}
    for column in columns:
        text = str(row.get(column, "") or "")
        if is_missing(text):
            out[column] = np.nan
            missing[column] += 1
            continue
        number = parse_number(text)
        if number is None:
            return out, {column: text}
        out[column] = number
    return out, None
