"""Column-wise text cleaning of a places upload: names, addresses, ids, tags.

The same rules as :func:`~geo.uploads.asset_rows.text` and friends, applied
to whole columns as Arrow arrays: the cells that are already clean (most of
them) pass through Arrow kernels, and only the others (line breaks, repeated
spaces, ``<br>``, non-ASCII letters, quotes) go through the Python function,
so a 500,000-row table costs a few vectorised passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.uploads.asset_rows import _NA_NAMES, first_part, join_address, text

_ENCODE_TEXT = json.encoder.encode_basestring  # JSON string literal, non-ASCII kept
# cells that text() would change: markup, runs of or odd whitespace, edge spaces or commas
_NOT_CLEAN = r"<|\s\s|^[\s,]|[\s,]$|[\t\n\x0b\f\r\x1c-\x1f]"
_NOT_PLAIN_JSON = r'["\\\x00-\x1f]'
_NA = pa.array(sorted(_NA_NAMES))


def _arrow_cells(values: Sequence[Any] | np.ndarray | pd.Series) -> pa.Array | pa.ChunkedArray:
    """Cells as Arrow strings (chunked as pandas holds them; nulls where missing)."""
    if isinstance(values, pd.Series) and values.dtype != object:
        return pa.array(values.astype("str"))
    cells = pd.Series(np.asarray(values, dtype=object), dtype=object)
    return pa.array(cells.where(~cells.isna(), "").astype(str).tolist(), type=pa.string())


def _filled(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.fill_null(arr.cast(pa.string()), "")


def arrow_text(values: Sequence[Any] | np.ndarray | pd.Series) -> pa.Array:
    """Cells as an Arrow string array; missing values ``""``, others as ``str()`` gives."""
    return _filled(_arrow_cells(values))


def _hybrid(
    arr: pa.Array, slow: pa.Array, fast: Callable[[pa.Array], pa.Array], exact: Callable
) -> pa.Array:
    """``fast`` on every cell, then ``exact`` (Python) on the cells where ``slow`` is true."""
    out = fast(arr) if len(arr) else arr
    if not pc.any(slow).as_py():
        return out
    index = np.flatnonzero(slow.to_numpy(zero_copy_only=False))
    fixed = pa.array([exact(v) for v in arr.take(pa.array(index)).to_pylist()], type=pa.string())
    return pc.replace_with_mask(out, slow, fixed)


def text_column(values: Any) -> pa.Array:
    """Each cell as one line of text (``<br>`` becomes ``", "``, missing values ``""``)."""
    arr = arrow_text(values)
    slow = pc.or_(pc.invert(pc.string_is_ascii(arr)), pc.match_substring_regex(arr, _NOT_CLEAN))
    return _hybrid(arr, slow, lambda a: a, text)


def casefold(arr: pa.Array) -> pa.Array:
    """``str.casefold`` of each cell (Arrow's lower case for ASCII cells)."""
    return _hybrid(arr, pc.invert(pc.string_is_ascii(arr)), pc.utf8_lower, str.casefold)


def drop_placeholders(arr: pa.Array) -> pa.Array:
    """Cells such as ``n/a`` or ``unknown`` read as blank."""
    placeholder = pc.is_in(casefold(arr), value_set=_NA)
    return pc.if_else(placeholder, "", arr)


def name_column(values: Any) -> pa.Array:
    """Place names, placeholders read as no name."""
    return drop_placeholders(text_column(values))


def first_part_column(values: Any) -> pa.Array:
    """The first part of each address (before a comma or ``<br>``), as a name."""
    arr = arrow_text(values)

    def head(a: pa.Array) -> pa.Array:
        return pc.replace_substring_regex(a, r"(?is)(,|<br\s*/?>).*", "", max_replacements=1)

    parts = _hybrid(arr, pc.invert(pc.string_is_ascii(arr)), head, lambda v: v)
    return _hybrid(parts, pc.invert(pc.string_is_ascii(arr)), name_column, first_part)


def address_column(columns: Sequence[Any], n: int) -> pa.Array:
    """Address parts joined with commas, skipping blanks and parts already included."""
    if not columns:
        return pa.array([""] * n, type=pa.string())
    parts = [drop_placeholders(text_column(c)) for c in columns]
    if len(parts) == 1:
        return parts[0]
    rows = zip(*(p.to_pylist() for p in parts), strict=True)
    return pa.array([join_address(row) for row in rows], type=pa.string())


def json_text(arr: pa.Array) -> pa.Array:
    """Each cell as a JSON string literal (non-ASCII kept, as ``json.dumps`` would write)."""
    slow = pc.match_substring_regex(arr, _NOT_PLAIN_JSON)
    return _hybrid(arr, slow, lambda a: pc.binary_join_element_wise('"', a, '"', ""), _ENCODE_TEXT)


_TAG_BATCH = 65_536  # rows joined at a time, so the working copies stay small


def tags_column(columns: dict[str, Any], index: np.ndarray) -> pa.ChunkedArray:
    """``{"column":"value",...}`` of the text cells of rows ``index`` (sorted, distinct).

    Built a batch of rows at a time: only the finished text is kept whole.
    """
    if not columns:
        return pa.chunked_array([pa.array(["{}"] * len(index), type=pa.string())])
    cells = {column: _arrow_cells(values) for column, values in columns.items()}
    keys = [("{" if k == 0 else ",") + _ENCODE_TEXT(str(c)) + ":" for k, c in enumerate(cells)]
    out: list[pa.Array] = []
    for start in range(0, len(index), _TAG_BATCH):
        take = pa.array(index[start : start + _TAG_BATCH], type=pa.int64())
        pieces: list[Any] = []
        for key, values in zip(keys, cells.values(), strict=True):
            pieces += [key, json_text(_filled(values.take(take)))]
        out.append(pc.binary_join_element_wise(*pieces, "}", ""))
    return pa.chunked_array(out, type=pa.string())
