"""Column-wise text cleaning of a places upload: names, addresses, ids, tags.

The same rules as :func:`~geo.uploads.asset_rows.text` and friends, applied
to whole columns with pandas string methods, so a 500,000-row table costs a
few vectorised passes rather than a Python call per cell.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from geo.uploads.asset_rows import _NA_NAMES, join_address

_ENCODE_TEXT = json.encoder.encode_basestring  # JSON string literal, non-ASCII kept
_BR = r"(?i)\s*<br\s*/?>\s*"


def _as_text(values: Sequence[Any] | np.ndarray) -> pd.Series:
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    return series.where(~series.isna(), "").astype(str)


def text_column(values: Sequence[Any] | np.ndarray) -> pd.Series:
    """Each cell as one line of text (``<br>`` becomes ``", "``, missing values ``""``)."""
    cells = _as_text(values).str.replace(_BR, ", ", regex=True)
    return cells.str.replace(r"\s+", " ", regex=True).str.strip(" ,")


def drop_placeholders(cells: pd.Series) -> pd.Series:
    """Cells such as ``n/a`` or ``unknown`` read as blank."""
    return cells.where(~cells.str.casefold().isin(_NA_NAMES), "")


def name_column(values: Sequence[Any] | np.ndarray) -> pd.Series:
    """Place names, placeholders read as no name."""
    return drop_placeholders(text_column(values))


def first_part_column(values: Sequence[Any] | np.ndarray) -> pd.Series:
    """The first part of each address (before a comma or ``<br>``), as a name."""
    head = _as_text(values).str.replace(r"(?is)(,|<br\s*/?>).*\Z", "", regex=True)
    return name_column(head.to_numpy(dtype=object))


def address_column(columns: Sequence[Sequence[Any] | np.ndarray], n: int) -> list[str]:
    """Address parts joined with commas, skipping blanks and parts already included."""
    if not columns:
        return [""] * n
    parts = [drop_placeholders(text_column(c)).tolist() for c in columns]
    if len(parts) == 1:
        return parts[0]
    return [join_address(row) for row in zip(*parts, strict=True)]


def tags_column(columns: dict[str, Any], index: np.ndarray) -> list[str]:
    """``{"column":"value",...}`` of the text cells of rows ``index`` (JSON objects)."""
    if not columns:
        return ["{}"] * len(index)
    pieces = []
    for number, (column, values) in enumerate(columns.items()):
        key = ("{" if number == 0 else ",") + _ENCODE_TEXT(str(column)) + ":"
        cells = np.asarray(values, dtype=object)[index]
        pieces.append([key + _ENCODE_TEXT(str(v)) for v in cells])
    return ["".join(row) + "}" for row in zip(*pieces, strict=True)]
