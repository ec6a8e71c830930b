"""What reading an upload gives back: :class:`UploadResult`.

Accounting
----------
Every input row (table row, feature) is either loaded or listed in
``rejections`` with its reason, so::

    rows_in == loaded + len(rejections)
    len(rejections) == sum(rejected.values()) + outside_area

Rows outside the study area are listed in ``rejections`` too, with the reason
:data:`OUTSIDE_AREA`, but counted in ``outside_area`` rather than in
``rejected``: they are fine, just not in scope.  ``rejections`` has the
columns ``row`` (the number a person sees: spreadsheet row 2 is the first data
row under the header; feature 1 is a file's first feature), ``reason`` and
``values`` (the offending cells, as ``column='value'`` text).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

# reasons (stable text: tests and the app match on them)
MISSING_COORDINATES = "missing coordinates"
BAD_COORDINATES = "coordinates are not numbers"
ZERO_COORDINATES = "coordinates are (0, 0)"
OUTSIDE_UK = "outside the UK"
OUTSIDE_UK_SWAPPED = "outside the UK (latitude and longitude look swapped)"
NO_GEOMETRY = "no geometry"
UNREADABLE_GEOMETRY = "geometry cannot be read"
OUTSIDE_AREA = "outside the study area"
DUPLICATE = "duplicate"
NOT_POLYGON = "not a polygon"
MISSING_CODE = "missing area code"
NOT_A_CODE = "not an area code"
UNKNOWN_CODE = "unknown area code"
OTHER_LEVEL = "different kind of area code"
DUPLICATE_CODE = "area code listed twice"
NOT_A_NUMBER = "value is not a number"
NO_LSOA = "postcode has no LSOA"


@dataclass(frozen=True)
class Suggestion:
    """A change the atlas proposes but does not apply until the user accepts.

    ``parameter`` is the keyword argument that applies it (``swap_coordinates``)
    and ``value`` the value to pass.
    """

    code: str
    message: str
    parameter: str
    value: Any
    rows: int = 0


@dataclass(frozen=True)
class Detected:
    """What was found in the file, for the user to confirm."""

    format: str
    format_label: str
    encoding: str | None = None
    delimiter: str | None = None
    crs: str | None = None
    crs_how: str | None = None
    columns: tuple[str, ...] = ()
    guesses: Mapping[str, Any] = field(default_factory=dict)
    layers: tuple[str, ...] = ()
    layer: str | None = None
    sheets: tuple[str, ...] = ()
    sheet: str | None = None
    geometry_types: Mapping[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable lines (used by :class:`~geo.uploads.report.CheckReport`)."""
        out = [f"Format: {self.format_label}"]
        if self.encoding:
            out.append(f"Encoding: {self.encoding}")
        if self.delimiter:
            from geo.uploads.tables import DELIMITERS

            out.append(f"Delimiter: {DELIMITERS.get(self.delimiter, repr(self.delimiter))}")
        if self.sheets:
            out.append(f"Sheets: {', '.join(self.sheets)} (read: {self.sheet})")
        if self.layers:
            out.append(f"Layers: {', '.join(self.layers)} (read: {self.layer})")
        if self.crs or self.crs_how:
            out.append(
                f"CRS: {self.crs or 'unknown'}" + (f" ({self.crs_how})" if self.crs_how else "")
            )
        if self.geometry_types:
            out.append(
                "Geometry: "
                + ", ".join(f"{k} {v:,}" for k, v in sorted(self.geometry_types.items()))
            )
        if self.columns:
            shown = ", ".join(self.columns[:40]) + (" ..." if len(self.columns) > 40 else "")
            out.append(f"Columns: {shown}")
        used = {k: v for k, v in self.guesses.items() if v not in (None, (), [], "")}
        if used:
            out.append(
                "Columns used: "
                + "; ".join(
                    f"{k} = {', '.join(v) if isinstance(v, list | tuple) else v}"
                    for k, v in used.items()
                )
            )
        return out


def _values_text(values: Mapping[str, Any]) -> str:
    parts = []
    for key, value in values.items():
        text = "" if value is None else str(value)
        if len(text) > 80:
            text = text[:79] + "…"
        parts.append(f"{key}={text!r}")
    return ", ".join(parts)


class RowLog:
    """Collects the rows not loaded, with their reasons and offending values."""

    def __init__(self) -> None:
        self._rows: list[tuple[int, str, str]] = []

    def add(self, row: int, reason: str, values: Mapping[str, Any] | None = None) -> None:
        self._rows.append((int(row), reason, _values_text(values or {})))

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self._rows, columns=["row", "reason", "values"])
        frame["row"] = frame["row"].astype("int64")
        frame["reason"] = frame["reason"].astype("str")
        frame["values"] = frame["values"].astype("str")
        return frame.sort_values("row", kind="stable").reset_index(drop=True)


#: A frame of at least this many rows crosses between processes as GeoParquet:
#: a 500,000-row upload is 42 MB so, 168 MB as a pickle, and the worker that
#: sends it back peaks far lower.
PARQUET_FROM_ROWS = 10_000


@dataclass(frozen=True)
class _ParquetFrame:
    """A GeoDataFrame as GeoParquet bytes, while it travels between processes."""

    data: bytes


def _to_wire(frame: Any) -> Any:
    import geopandas as gpd

    if isinstance(frame, gpd.GeoDataFrame) and len(frame) >= PARQUET_FROM_ROWS:
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        return _ParquetFrame(buffer.getvalue())
    return frame


def _from_wire(frame: Any) -> Any:
    if isinstance(frame, _ParquetFrame):
        import geopandas as gpd

        return gpd.read_parquet(io.BytesIO(frame.data))
    return frame


@dataclass(frozen=True)
class UploadResult:
    """A read upload: the data, what was detected, and an account of every row.

    Attributes
    ----------
    kind
        ``"assets"``, ``"indicators"`` or ``"boundary"``.
    frame
        Assets: the standard asset frame (EPSG:27700); indicators: values
        indexed by ``lsoa21cd``; boundary: areas (``area_id``, ``name``,
        geometry, EPSG:27700).
    rows_in
        Rows (or features) in the file.
    loaded
        Input rows that were used.
    rejections
        One row per input row not loaded (see the module docstring).
    outside_area
        Of those, rows outside the study area.
    detected
        Format, encoding, delimiter, CRS, columns and the column guesses.
    notes
        Assumptions made and things to know, in plain sentences.
    suggestions
        Changes proposed but not applied (such as swapping coordinates).
    duplicates
        Rows that repeat an earlier row (``row``, ``duplicate_of``), loaded
        unless de-duplication was asked for.
    new_categories
        Assets only: categories not in the taxonomy, ``{key: label}``.
    study_area
        Boundary only: all areas dissolved into one (multi)polygon, EPSG:27700.
    """

    kind: str
    frame: Any
    rows_in: int
    loaded: int
    rejections: pd.DataFrame
    outside_area: int
    detected: Detected
    notes: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    duplicates: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"row": [], "duplicate_of": []}, dtype="int64")
    )
    new_categories: Mapping[str, str] = field(default_factory=dict)
    study_area: Any = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with a large frame as GeoParquet (see :data:`PARQUET_FROM_ROWS`)."""
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        state["frame"] = _to_wire(self.frame)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, _from_wire(value) if name == "frame" else value)

    def __post_init__(self) -> None:
        if self.rows_in != self.loaded + len(self.rejections):
            raise RuntimeError(
                f"Upload accounting does not add up: {self.loaded} loaded + "
                f"{len(self.rejections)} listed != {self.rows_in} rows."
            )

    @property
    def rejected(self) -> dict[str, int]:
        """``{reason: count}`` of rows not loaded, not counting those outside the area."""
        counts = Counter(r for r in self.rejections["reason"] if r != OUTSIDE_AREA)
        return dict(sorted(counts.items()))

    @property
    def usable(self) -> bool:
        """Whether anything was loaded."""
        return self.loaded > 0

    def summary(self) -> str:
        parts = [f"{self.loaded:,} of {self.rows_in:,} rows loaded"]
        rejected = self.rejected
        if rejected:
            parts.append(
                f"{sum(rejected.values()):,} rejected ("
                + ", ".join(f"{k}: {v:,}" for k, v in rejected.items())
                + ")"
            )
        if self.outside_area:
            parts.append(f"{self.outside_area:,} outside the study area")
        return "; ".join(parts)
