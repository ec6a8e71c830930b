"""Reading uploaded tables (delimited text and XLSX) into text cells.

Every cell is read as text, so codes keep their leading zeros; blank cells are
``""``.  Each row keeps the number a person sees in a spreadsheet program: the
header is row 1 and the first data row is row 2 (blank lines count, as they
do in Excel; a quoted cell spanning several lines is one row).

Rows are counted **before** they are parsed: the newline count bounds the
number of rows, and only when it is over the cap are the rows counted exactly,
streaming, stopping at the cap.  A file over the cap is refused whole.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.errors import EmptyTableError, UploadError
from geo.uploads.limits import UploadLimits
from geo.uploads.parts import choose_part
from geo.uploads.sniff import decode_text

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_CODE_LIKE = re.compile(r"^([A-Z]\d{8}|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$", re.IGNORECASE)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Table:
    """A table of text cells with the row numbers people see."""

    frame: pd.DataFrame
    rows: list[int]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    header: bool = True
    notes: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return len(self.rows) + len(self.rejected)


# --------------------------------------------------------------------------- text


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, consistent, fields."""
    lines = [line for line in text[:65536].splitlines()[:30] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0, 0.0)
    for delimiter in ("\t", ",", ";", "|"):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        same = sum(1 for c in counts if c == counts[0]) / len(counts)
        score = (1 if same >= 0.8 else 0, counts[0] * same)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _count_records(data: bytes, encoding: str, delimiter: str, stop: int) -> int:
    """Records in the file, streaming, stopping once more than ``stop`` are seen."""
    handle = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    count = 0
    try:
        for _row in csv.reader(handle, delimiter=delimiter):
            count += 1
            if count > stop:
                break
    except csv.Error:
        pass
    return count


def check_row_count(data: bytes, encoding: str, delimiter: str, limits: UploadLimits) -> None:
    """Refuse a table with more than ``limits.max_rows`` data rows, before parsing it."""
    newlines = data.count(b"\n")  # every encoding accepted writes a 0x0A byte per newline
    if newlines <= limits.max_rows:
        return
    if b'"' not in data and encoding.replace("-sig", "") in ("utf-8", "cp1252"):
        # no quoted cells, so no newline inside a cell: lines are records
        records = newlines + (0 if data.endswith(b"\n") else 1)
    else:
        records = _count_records(data, encoding, delimiter, limits.max_rows + 1)
    if records - 1 > limits.max_rows:
        raise UploadError(
            f"The table has more than {limits.max_rows:,} rows (the upload limit); it was not "
            "read. Split it into smaller files, or aggregate it first."
        )


def _looks_like_data(row: Sequence[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    if not cells:
        return False
    numeric = sum(1 for c in cells if _NUMBER.match(c))
    return numeric * 2 > len(cells) or bool(_CODE_LIKE.match(cells[0]))


def _column_names(header: Sequence[str], width: int, notes: list[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    blank = renamed = 0
    for index in range(width):
        raw = header[index] if index < len(header) else ""
        name = " ".join(str(raw).replace("\ufeff", "").split())
        if not name:
            name = f"column_{index + 1}"
            blank += 1
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name}.{seen[key]}"
            renamed += 1
        else:
            seen[key] = 1
        names.append(name)
    if blank:
        notes.append(f"{blank} column(s) had no name and were called column_N.")
    if renamed:
        notes.append(f"{renamed} repeated column name(s) were numbered (name.2, name.3).")
    return names


def _build(
    records: Iterator[tuple[int, list[str]]],
    header: bool | None,
    notes: list[str],
    what: str,
    max_columns: int = UploadLimits.max_columns,
) -> tuple[pd.DataFrame, list[int], list[tuple[int, str, dict[str, str]]], bool]:
    first: tuple[int, list[str]] | None = None
    for number, row in records:
        if any(cell.strip() for cell in row):
            first = (number, row)
            break
    if first is None:
        raise UploadError(f"The {what} has no rows (only blank lines).")
    use_header = not _looks_like_data(first[1]) if header is None else header
    rows: list[list[str]] = []
    numbers: list[int] = []
    rejected: list[tuple[int, str, dict[str, str]]] = []
    width = len(first[1])
    if width > max_columns:
        raise UploadError(
            f"Row {first[0]} of the {what} has {width:,} cells; a table may have at most "
            f"{max_columns:,} columns (the upload limit). Remove the empty columns, or check "
            "that the file is a table."
        )
    if use_header:
        header_row = first[1]
    else:
        header_row = []
        rows.append(first[1])
        numbers.append(first[0])
        notes.append("The first row looks like data, so the table was read without a header.")
    blank = 0
    for number, row in records:
        if not any(cell.strip() for cell in row):
            blank += 1
            continue
        if len(row) > width:
            extra = [c for c in row[width:] if c.strip()]
            if extra:
                rejected.append(
                    (
                        number,
                        f"too many cells ({len(row)}; the header has {width})",
                        {"extra cells": " | ".join(extra[:5])},
                    )
                )
                continue
            row = row[:width]
        rows.append(row + [""] * (width - len(row)))
        numbers.append(number)
    if blank:
        notes.append(f"{blank} blank row(s) were skipped.")
    if use_header and not rows and not rejected:
        shown = ", ".join(c for c in header_row if c.strip())[:200]
        raise EmptyTableError(f"The {what} has column names ({shown}) but no rows of data.")
    columns = _column_names(header_row, width, notes)
    frame = (
        pd.DataFrame(rows, columns=columns, dtype="str")
        if rows
        else pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    )
    return frame, numbers, rejected, use_header


def _check_last_quote(text: str, first_line: int, last_line: int) -> None:
    """Refuse a table whose last row is a quote that never closes.

    The csv reader (like Excel) reads a cell opened with ``"`` up to the
    closing quote, across line breaks; one that never closes swallows every
    line after it into one cell.  A legitimate cell with line breaks closes its
    quote, so the quotes of the file pair up; an odd count with a last row
    running over several lines to the end is an unclosed quote.
    """
    if last_line > first_line and text.count('"') % 2 == 1:
        raise UploadError(
            f'A quote (") opened on line {first_line:,} is never closed, so lines '
            f"{first_line:,}–{last_line:,} would be read as one cell. Close the quote (or "
            "remove it) and upload the file again."
        )


def read_text_table(
    data: bytes,
    encoding: str,
    limits: UploadLimits,
    *,
    delimiter: str | None = None,
    header: bool | None = None,
) -> Table:
    """Parse delimited text into a :class:`Table`, after counting its rows against the cap."""
    if delimiter is None:
        delimiter = sniff_delimiter(decode_text(data[:131072], encoding))
    elif delimiter not in DELIMITERS:
        raise UploadError(
            f"The delimiter {delimiter!r} is not supported; use one of "
            f"{', '.join(repr(d) for d in DELIMITERS)}."
        )
    check_row_count(data, encoding, delimiter, limits)
    # valid UTF-8 without a byte-order mark (or a U+FFFD) is parsed as it is, undecoded
    as_is = encoding.startswith("utf-8") and not data.startswith(b"\xef\xbb\xbf")
    as_is = as_is and b"\xef\xbf\xbd" not in data
    from geo.uploads.line_tables import plain_build, plain_records

    records_of_lines = plain_records(data, delimiter, limits.max_columns) if as_is else None
    text = "" if records_of_lines is not None else decode_text(data, encoding)
    if records_of_lines is None and not as_is:
        records_of_lines = plain_records(text.encode("utf-8"), delimiter, limits.max_columns)
    if "\ufffd" in text and encoding not in ("cp1252",):
        replaced = text.count("\ufffd")
        notes = [f"{replaced} character(s) could not be decoded and show as '\ufffd'."]
    else:
        notes = []
    if encoding == "cp1252":
        notes.append(
            "The file is not UTF-8; it was read as Windows-1252 (cp1252, Excel's usual CSV "
            "encoding)."
        )

    def records() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        number = 0
        first_line = last_line = 0
        try:
            for row in reader:
                number += 1
                first_line, last_line = last_line + 1, reader.line_num
                if number > limits.max_rows + 1:  # in case the pre-count was fooled
                    raise UploadError(
                        f"The table has more than {limits.max_rows:,} rows (the upload limit)."
                    )
                yield number, row
        except csv.Error as exc:
            raise UploadError(f"The table cannot be parsed after row {number}: {exc}.") from None
        _check_last_quote(text, first_line, last_line)

    plain = plain_build(records_of_lines, header, notes)
    if plain is not None:
        frame, numbers, used = plain
        rejected: list[Any] = []
    else:
        frame, numbers, rejected, used = _build(
            records(), header, notes, "table", limits.max_columns
        )
    return Table(
        frame=frame,
        rows=numbers,
        encoding=encoding,
        delimiter=delimiter,
        header=used,
        notes=notes,
        rejected=rejected,
    )


# --------------------------------------------------------------------------- xlsx


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _sheet_rows(
    workbook: Any, worksheet: Any, limits: UploadLimits
) -> Iterator[tuple[int, list[str]]]:
    """Rows of a read-only worksheet as text cells, from the cells actually in the XML.

    The ``<dimension>`` a workbook declares is never used: openpyxl pads every
    row to the declared width (a 2.5 MB file declaring ``A1:XFD1048575`` gave
    16,384 cells a row), so rows are built from their non-blank cells only, and
    a value beyond ``limits.max_columns`` refuses the sheet.  Missing rows are
    yielded as blank rows (they count in the row numbers people see).
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    expected = 1
    with worksheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, cells in parser.parse():
            while expected < number:
                yield expected, []
                expected += 1
                if expected > limits.max_rows + 1:
                    return
            expected = number + 1
            values = {}
            for cell in cells:
                text = _cell_text(cell["value"])
                if text.strip():
                    values[int(cell["column"])] = text
            if not values:
                yield number, []
                continue
            width = max(values)
            if width > limits.max_columns:
                raise UploadError(
                    f"Row {number} has a value in column {width:,}; a sheet may have at most "
                    f"{limits.max_columns:,} columns (the upload limit). Delete the stray "
                    "cells far to the right, or save the sheet as CSV."
                )
            yield number, [values.get(column, "") for column in range(1, width + 1)]


def _open_workbook(data: bytes) -> Any:
    """The workbook, read-only, values only, without links or macros."""
    import openpyxl

    try:
        return openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False, keep_vba=False
        )
    except Exception as exc:  # openpyxl raises many kinds (KeyError, XML errors...)
        raise UploadError(
            f"The workbook cannot be read ({type(exc).__name__}: {str(exc)[:200]}). Open it in "
            "Excel and save it again as .xlsx, or save the sheet as CSV."
        ) from None


def _sheet_frame(
    workbook: Any, chosen: str, limits: UploadLimits, header: bool | None, notes: list[str]
) -> tuple[pd.DataFrame, list[int], list[tuple[int, str, dict[str, str]]], bool]:
    """The frame, row numbers, rejected rows and header use of one sheet (see :func:`_build`)."""
    worksheet = workbook[chosen]

    def records() -> Iterator[tuple[int, list[str]]]:
        for number, cells in _sheet_rows(workbook, worksheet, limits):
            if number > limits.max_rows + 1:
                raise UploadError(
                    f"The sheet {chosen!r} has more than {limits.max_rows:,} rows (the upload "
                    "limit); it was not read."
                )
            yield number, cells

    try:
        return _build(records(), header, notes, f"sheet {chosen!r}", limits.max_columns)
    except UploadError:
        raise
    except Exception as exc:
        raise UploadError(
            f"The sheet {chosen!r} cannot be read ({type(exc).__name__}: {str(exc)[:200]})."
        ) from None


def read_xlsx_table(
    data: bytes,
    limits: UploadLimits,
    *,
    sheet: str | None = None,
    header: bool | None = None,
) -> Table:
    """Read one sheet of a workbook (values, never formulas) into a :class:`Table`.

    The workbook is opened with openpyxl in read-only mode with
    ``data_only=True``: a formula cell gives the value Excel saved with it
    (openpyxl never calculates formulas; a formula never saved by Excel reads
    as blank).  External links are not loaded (``keep_links=False``) and
    macros were refused before (see :func:`~geo.uploads.safety.check_xlsx_members`).
    openpyxl parses the XML with defusedxml, which refuses entity declarations.
    """
    notes: list[str] = []
    workbook = _open_workbook(data)
    try:
        names = tuple(workbook.sheetnames)
        chosen = choose_part(
            names,
            sheet,
            container="workbook",
            part="sheet",
            notes=notes,
        )
        frame, numbers, rejected, used = _sheet_frame(workbook, chosen, limits, header, notes)
    finally:
        workbook.close()
    notes.append(
        "Formula cells were read as the values saved in the workbook; formulas are never "
        "recalculated."
    )
    return Table(
        frame=frame,
        rows=numbers,
        sheet=chosen,
        sheets=names,
        header=used,
        notes=notes,
        rejected=rejected,
    )


def read_table(
    data: bytes,
    sniffed: Any,
    limits: UploadLimits,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    header: bool | None = None,
) -> Table:
    """Read a sniffed table upload (text or XLSX)."""
    if sniffed.format == "xlsx":
        return read_xlsx_table(data, limits, sheet=sheet, header=header)
    return read_text_table(
        data, sniffed.encoding or "utf-8", limits, delimiter=delimiter, header=header
    )
