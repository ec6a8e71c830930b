"""Per-row working state of a places upload, and the locations of table rows.

The attributes are kept as columns (an Arrow-backed text Series per column
of a table, a list per column of a vector file), never one mapping per row.
Coordinates are parsed column-wise (pandas'
``to_numeric`` first, :func:`~geo.uploads.numbers.parse_number` only for the
cells it cannot read: ``"1,234"``, ``"53,48"`` with a decimal comma, ``"£3"``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.errors import AtlasError, UploadError
from geo.uploads import result as R
from geo.uploads.columns import ColumnMapping, find, guess
from geo.uploads.locate import BNG, WGS84
from geo.uploads.numbers import parse_number

Geocoder = Callable[[Sequence[str]], Any]
_BR = re.compile(r"(?i)\s*<br\s*/?>\s*")
_NA_NAMES = frozenset({"", "na", "n/a", "nan", "null", "none", "unknown", "unnamed", "-"})
#: Number cells (case-folded) that mean "no value", not a value that is not a number.
NO_NUMBER = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "--"})


def text(value: Any) -> str:
    """A cell as one line of text; ``<br>`` becomes ``", "``, missing values ``""``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    out = _BR.sub(", ", str(value))
    return " ".join(out.split()).strip(" ,")


def name_text(value: Any) -> str:
    """A place name, with placeholders such as ``n/a`` or ``unknown`` read as no name."""
    out = text(value)
    return "" if out.casefold() in _NA_NAMES else out


def first_part(value: Any) -> str:
    """The first part of an address (before a comma or ``<br>``), as a name."""
    raw = "" if value is None else str(value)
    return name_text(re.split(r"(?i),|<br\s*/?>", raw, maxsplit=1)[0])


def join_address(parts: Sequence[Any]) -> str:
    """Address parts joined with commas, skipping blanks and parts already included."""
    out: list[str] = []
    for part in parts:
        piece = text(part)
        if (
            piece
            and piece.casefold() not in _NA_NAMES
            and not any(piece.casefold() in previous.casefold() for previous in out)
        ):
            out.append(piece)
    return ", ".join(out)


class Rows:
    """Per-row working state: attribute columns, source geometry and CRS, or a failure.

    A table's rows are points given by coordinates: they are kept as the
    ``(n, 2)`` float array ``xy`` (NaN where a row has none), never as
    geometry objects.  A vector file's rows keep their shapes in ``geometry``
    (and ``xy`` is ``None``).
    """

    def __init__(
        self, numbers: list[int], columns: dict[str, Any], *, points: bool = False
    ) -> None:
        self.numbers = numbers
        self.columns = columns
        n = len(numbers)
        self.geometry: np.ndarray = np.full(0 if points else n, None, dtype=object)
        self.xy: np.ndarray | None = np.full((n, 2), np.nan) if points else None
        self.crs: list[str | None] = [None] * n
        self.failed: list[tuple[str, dict[str, Any]] | None] = [None] * n

    def __len__(self) -> int:
        return len(self.numbers)

    def fail(self, i: int, reason: str, values: dict[str, Any]) -> None:
        if self.failed[i] is None:
            self.failed[i] = (reason, values)

    def value(self, column: str | None, i: int) -> Any:
        return self.columns[column][i] if column is not None else None

    def cells(self, column: str, index: np.ndarray) -> Any:
        """The cells of ``column`` in rows ``index`` (sorted, distinct; a Series for tables)."""
        values = self.columns[column]
        if isinstance(values, pd.Series):
            if len(index) == len(values):  # every row (index is sorted and distinct)
                return values
            return values.iloc[index].reset_index(drop=True)
        return np.asarray(values, dtype=object)[index]

    def row(self, i: int) -> dict[str, Any]:
        return {column: values[i] for column, values in self.columns.items()}

    def has_geometry(self, i: int) -> bool:
        if self.xy is not None:
            return bool(np.isfinite(self.xy[i]).all())
        return self.geometry[i] is not None

    def source_xy(self, i: int) -> tuple[float, float] | None:
        """The first coordinate pair of row ``i`` as given in the file, if any."""
        if not self.has_geometry(i):
            return None
        if self.xy is not None:
            return float(self.xy[i, 0]), float(self.xy[i, 1])
        x, y = shapely.get_coordinates(self.geometry[i])[0][:2]
        return float(x), float(y)


def coordinate_columns(
    columns: list[str], mapping: ColumnMapping
) -> tuple[str | None, str | None, str]:
    """The two coordinate columns and how they were chosen (``lonlat``, ``bng``, ``xy``)."""
    if mapping.lon or mapping.lat:
        if not (mapping.lon and mapping.lat):
            raise UploadError("Choose both a longitude and a latitude column.")
        return (
            find(columns, mapping.lon, "longitude"),
            find(columns, mapping.lat, "latitude"),
            "lonlat",
        )
    if mapping.x or mapping.y:
        if not (mapping.x and mapping.y):
            raise UploadError("Choose both an easting (x) and a northing (y) column.")
        return find(columns, mapping.x, "easting"), find(columns, mapping.y, "northing"), "bng"
    lon, lat = guess(columns, "lon"), guess(columns, "lat")
    if lon and lat:
        return lon, lat, "lonlat"
    x, y = guess(columns, "x"), guess(columns, "y")
    if x and y:
        return x, y, "xy"
    return None, None, "none"


def numbers(values: Sequence[Any], decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """Finite floats of a column (NaN where not a number), and which cells are blank.

    Cells that mean "no value" (:data:`NO_NUMBER`: ``NA``, ``n/a``, ``-``...)
    count as blank, so a row with ``NA`` coordinates has missing coordinates
    (and is placed by its postcode when it can be).
    """
    cells = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    cells = cells.astype(str).str.strip()
    blank = cells.str.casefold().isin(NO_NUMBER).to_numpy()
    out = np.array(pd.to_numeric(cells, errors="coerce"), dtype=float)
    out[~np.isfinite(out)] = np.nan
    if decimal_comma:
        out[cells.str.contains(",", regex=False).to_numpy()] = np.nan
    retry = np.flatnonzero(np.isnan(out) & ~blank)
    for i in retry:
        number = parse_number(cells.iat[i], decimal_comma=decimal_comma)
        out[i] = np.nan if number is None else number
    return out, blank


def table_geometry(
    rows: Rows,
    xcol: str,
    ycol: str,
    decimal_comma: bool,
    pending: list[int],
    has_postcode: bool,
) -> Counter[str]:
    """Points of the rows with coordinates (degrees or BNG metres, judged per row)."""
    x, xblank = numbers(rows.columns[xcol], decimal_comma)
    y, yblank = numbers(rows.columns[ycol], decimal_comma)
    both_blank = xblank & yblank
    one_blank = xblank ^ yblank
    bad = ~both_blank & ~one_blank & ~(np.isfinite(x) & np.isfinite(y))
    zero = ~bad & (x == 0) & (y == 0)
    ok = ~(both_blank | one_blank | bad | zero)
    xs, ys = rows.columns[xcol], rows.columns[ycol]
    for i in np.flatnonzero(~ok):
        values = {xcol: xs[i], ycol: ys[i]}
        if both_blank[i] and has_postcode:
            pending.append(int(i))
        elif both_blank[i] or one_blank[i]:
            rows.fail(int(i), R.MISSING_COORDINATES, values)
        elif bad[i]:
            rows.fail(int(i), R.BAD_COORDINATES, values)
        else:
            rows.fail(int(i), R.ZERO_COORDINATES, values)
    # degrees when they fit (|y| up to 180 so a swapped latitude is still degrees)
    degrees = ok & (np.abs(x) <= 180) & (np.abs(y) <= 180)
    metres = ok & ~degrees
    assert rows.xy is not None, "table rows are points"
    rows.xy[ok, 0], rows.xy[ok, 1] = x[ok], y[ok]
    for i in np.flatnonzero(ok):
        rows.crs[i] = WGS84 if degrees[i] else BNG
    return Counter({"degrees": int(degrees.sum()), "metres": int(metres.sum())})


def geocode_rows(
    rows: Rows,
    pending: list[int],
    postcode_col: str | None,
    geocoder: Geocoder | None,
    notes: list[str],
) -> None:
    """Place rows without coordinates at their postcode's centre (or fail them)."""
    if postcode_col is None or geocoder is None:
        for i in pending:
            rows.fail(i, R.MISSING_COORDINATES, {})
        return
    raw = [text(rows.value(postcode_col, i)) for i in pending]
    try:
        found = geocoder([r for r in raw if r])
    except AtlasError as exc:
        raise UploadError(f"The postcodes could not be geocoded: {exc}") from None
    located = 0
    for i, code in zip(pending, raw, strict=True):
        if not code:
            rows.fail(i, R.MISSING_COORDINATES, {postcode_col: ""})
            continue
        hit, reason = found.locate(code)
        if hit is None:
            rows.fail(i, reason, {postcode_col: code})
            continue
        if rows.xy is not None:
            rows.xy[i] = (hit["lon"], hit["lat"])
        else:
            rows.geometry[i] = shapely.Point(hit["lon"], hit["lat"])
        rows.crs[i] = WGS84
        located += 1
    notes.append(
        f"{located:,} of {len(pending):,} row(s) without coordinates were placed at their "
        f"postcode's centre ({found.source})."
    )
