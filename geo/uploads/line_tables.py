"""Tables whose records are their lines, parsed by Arrow's CSV reader into text columns.

Most uploads have no quoted cell spanning lines; for them every line is a
record, so Arrow's multi-threaded reader can parse the whole table as columns
and the rows still keep the numbers people see (the header is row 1).  Any
other table (multi-line cells, uneven rows, undecodable text) is left to the
csv module in :mod:`geo.uploads.tables`.
"""

from __future__ import annotations

import csv
import functools
import io
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from geo.errors import EmptyTableError
from geo.uploads.tables import _column_names, _looks_like_data


def plain_records(raw: bytes, delimiter: str, max_columns: int) -> Any:
    """All records of a UTF-8 table whose records are its lines, as an Arrow table of text.

    When no quoted cell spans lines, every line is a record and the rows keep
    their numbers; Arrow's reader then parses the table as columns.  ``None``
    (read it with the csv module instead) when the bytes are not valid UTF-8,
    have NULs or bare carriage returns, start with a blank line, have a record
    over several lines (Arrow finds fewer records than lines) or a row whose
    number of cells differs from the first row's.
    """
    if b"\x00" in raw or raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    end = raw.find(b"\n")
    first = raw[: end if end >= 0 else len(raw)].decode("utf-8", "replace").removesuffix("\r")
    try:
        width = len(next(csv.reader([first], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return None
    if not first.strip() or width > max_columns:
        return None
    uneven: list[Any] = []
    try:
        table = pv.read_csv(
            io.BytesIO(raw),
            read_options=pv.ReadOptions(autogenerate_column_names=True),
            parse_options=pv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=functools.partial(_skip, uneven),
            ),
            convert_options=pv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    return None if uneven or table.num_rows != lines else table


def plain_build(
    table: Any, header: bool | None, notes: list[str]
) -> tuple[pd.DataFrame, list[int], bool] | None:
    """The table, row numbers and header of :func:`plain_records` (rows as wide as the first)."""
    if table is None or not table.num_rows:
        return None
    first = [str(table.column(i)[0]) for i in range(table.num_columns)]
    use_header = not _looks_like_data(first) if header is None else header
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        empty = pc.equal(pc.utf8_trim_whitespace(column), "")
        blank &= np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    keep = ~blank
    if use_header:
        keep[0] = False
    else:
        notes.append("The first row looks like data, so the table was read without a header.")
    skipped = int(blank.sum())
    if skipped:
        notes.append(f"{skipped} blank row(s) were skipped.")
    if use_header and not keep.any():
        shown = ", ".join(c for c in first if c.strip())[:200]
        raise EmptyTableError(f"The table has column names ({shown}) but no rows of data.")
    columns = _column_names(first if use_header else [], table.num_columns, notes)
    index = np.flatnonzero(keep)
    if len(index) == table.num_rows - int(use_header):  # no blank rows: a view, not a copy
        table = table.slice(int(use_header))
    else:
        table = table.take(index)
    frame = table.rename_columns(columns).to_pandas()
    return frame.astype("str"), (index + 1).tolist(), use_header


def _skip(seen: list[Any], row: Any) -> str:
    """Arrow's handler for a row of the wrong width: note it, and skip it."""
    seen.append(row)
    return "skip"
