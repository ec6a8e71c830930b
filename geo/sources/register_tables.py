"""Community assets from CSV/TSV registers with coordinate columns.

:func:`assets_from_table` reads a table whose rows have lon/lat (WGS84
degrees) or British National Grid easting/northing columns, found by name
(see :mod:`geo.sources.registers`), decoded and split as uploads are.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import Point

from geo.constants import BNG_BOUNDS
from geo.errors import SchemaError
from geo.sources.assetfiles import UK_BOUNDS_WGS84, AssetRead, to_float
from geo.sources.register_rows import (
    CategoryRule,
    ColumnFinder,
    PathArg,
    RegisterOptions,
    assemble_register,
    existing_file,
)

log = logging.getLogger(__name__)

__all__ = [
    "EASTING_CANDIDATES",
    "LAT_CANDIDATES",
    "LON_CANDIDATES",
    "NORTHING_CANDIDATES",
    "assets_from_table",
]

LON_CANDIDATES = ("lon", "long", "longitude", "lng")
LAT_CANDIDATES = ("lat", "latitude")
EASTING_CANDIDATES = ("easting", "eastings")
NORTHING_CANDIDATES = ("northing", "northings")


def _decode(data: bytes, encoding: str | None, file: Path) -> tuple[str, list[str]]:
    """The text of a register, decoded as uploads are (``geo.uploads.sniff.detect_encoding``)."""
    from geo.errors import UploadError
    from geo.uploads.sniff import decode_text, detect_encoding

    if encoding is not None:
        try:
            return data.decode(encoding), []
        except (UnicodeDecodeError, LookupError) as exc:
            raise SchemaError(f"{file.name} cannot be read as {encoding}: {exc}") from exc
    try:
        found, how = detect_encoding(data)
    except UploadError as exc:
        raise SchemaError(f"{file.name}: {exc}") from None
    notes = [] if found in ("utf-8", "utf-8-sig") else [f"{file.name} was read as {how} [{found}]"]
    return decode_text(data, found), notes


def _sniff_sep(text: str, file: Path) -> str:
    """The delimiter, found as for uploads (:func:`geo.uploads.tables.sniff_delimiter`)."""
    from geo.uploads.tables import sniff_delimiter

    if file.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    return sniff_delimiter(text)


def _read_table(
    file: Path,
    *,
    sep: str | None,
    header: bool,
    columns: Sequence[str] | None,
    encoding: str | None,
) -> tuple[pd.DataFrame, list[str]]:
    text, notes = _decode(file.read_bytes(), encoding, file)
    separator = sep or _sniff_sep(text, file)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=separator,
            header=0 if header else None,
            names=list(columns) if columns is not None else None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=True,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SchemaError(f"{file.name} is not a readable table: {exc}") from exc
    if not header and columns is None:
        frame.columns = [f"column_{i}" for i in range(1, frame.shape[1] + 1)]
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, notes


def _inside(x: np.ndarray, y: np.ndarray, bounds: tuple[float, float, float, float]) -> int:
    west, south, east, north = bounds
    return int(np.sum((x >= west) & (x <= east) & (y >= south) & (y <= north)))


def _table_points(
    frame: pd.DataFrame,
    file: Path,
    *,
    lon_column: str | None,
    lat_column: str | None,
    x_column: str | None,
    y_column: str | None,
) -> tuple[list[object], str, list[str]]:
    """Point per row (or ``None``), their CRS, and notes on assumptions."""
    cols = list(frame.columns)
    notes: list[str] = []

    def numbers(column: str) -> np.ndarray:
        return np.array([to_float(v) for v in frame[column].tolist()], dtype=float)

    finder = ColumnFinder(cols, file)
    lon = finder.find(lon_column, LON_CANDIDATES, "longitude")
    lat = finder.find(lat_column, LAT_CANDIDATES, "latitude")
    east = finder.find(x_column, EASTING_CANDIDATES, "easting (x)")
    north = finder.find(y_column, NORTHING_CANDIDATES, "northing (y)")
    crs = None
    if lon and lat:
        xs, ys, crs = numbers(lon), numbers(lat), "EPSG:4326"
    elif east and north:
        xs, ys, crs = numbers(east), numbers(north), "EPSG:27700"
    else:
        gx = finder.find(None, ("x",), "x")
        gy = finder.find(None, ("y",), "y")
        if gx and gy:
            xs, ys = numbers(gx), numbers(gy)
            finite = np.isfinite(xs) & np.isfinite(ys)
            degrees = bool(finite.any()) and bool(
                np.all(np.abs(xs[finite]) <= 180) and np.all(np.abs(ys[finite]) <= 90)
            )
            crs = "EPSG:4326" if degrees else "EPSG:27700"
            notes.append(
                f"{file.name}: read columns {gx}/{gy} as "
                + ("lon/lat degrees" if degrees else "British National Grid metres")
            )
    if crs is None:
        raise SchemaError(
            f"{file.name} has no coordinate columns: expected lon/lat (lon, long, longitude; "
            "lat, latitude) or easting/northing; name them with lon_column=/lat_column= or "
            f"x_column=/y_column=. Its columns are: {', '.join(cols)}."
        )
    bounds = UK_BOUNDS_WGS84 if crs == "EPSG:4326" else BNG_BOUNDS
    as_given, swapped = _inside(xs, ys, bounds), _inside(ys, xs, bounds)
    if swapped > as_given:
        xs, ys = ys, xs
        notes.append(
            f"{file.name}: the coordinate columns look swapped ({swapped} rows fall in the UK "
            f"when swapped, {as_given} as labelled); read them swapped"
        )
        log.warning(notes[-1])
    points: list[object] = [
        Point(x, y) if math.isfinite(x) and math.isfinite(y) else None
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
    ]
    return points, crs, notes


def assets_from_table(
    path: PathArg,
    *,
    source: str,
    category: str | None = None,
    category_column: str | None = None,
    category_map: Mapping[str, str | None] | None = None,
    name_column: str | None = None,
    lon_column: str | None = None,
    lat_column: str | None = None,
    x_column: str | None = None,
    y_column: str | None = None,
    address_columns: Sequence[str] = (),
    capacity_column: str | None = None,
    id_column: str | None = None,
    bbox_wgs84: Sequence[float] | None = None,
    sep: str | None = None,
    header: bool = True,
    columns: Sequence[str] | None = None,
    encoding: str | None = None,
) -> AssetRead:
    """Assets from a CSV/TSV register with coordinate columns.

    Parameters
    ----------
    path
        The table.  Read as UTF-8 (with or without BOM), falling back to
        Windows-1252; every cell is read as text (codes keep leading zeros;
        ``NA`` and blanks count as missing numbers).
    source
        Source key, used in ``source`` and ``asset_id`` (``<source>:<row>``,
        rows numbered from 1 after the header, or ``<source>:<id>`` with
        ``id_column``).
    category, category_column, category_map
        Fixed category, or a column and a map of its values (module docstring).
    name_column, address_columns, capacity_column
        Override the columns found by name.
    lon_column, lat_column
        Longitude/latitude columns (degrees, WGS84).
    x_column, y_column
        Easting/northing columns (British National Grid metres); used when
        there are no lon/lat columns.
    id_column
        A column identifying each asset.  Rows repeating an id (e.g. one row
        per facility of a sports site) are kept once and counted as
        ``"duplicate"``.
    bbox_wgs84
        ``(west, south, east, north)``: keep only assets inside it.
    sep, header, columns, encoding
        How to parse the file: separator (sniffed when ``None``; ``.tsv`` is
        tab), whether the first line is a header, column names for a file
        without one, text encoding.

    Notes
    -----
    Swapped coordinate columns (latitudes in the longitude column) are
    detected by which reading puts more rows in the UK, read swapped, and
    reported in ``notes``.
    """
    file = existing_file(path)
    frame, notes = _read_table(file, sep=sep, header=header, columns=columns, encoding=encoding)
    points, crs, point_notes = _table_points(
        frame,
        file,
        lon_column=lon_column,
        lat_column=lat_column,
        x_column=x_column,
        y_column=y_column,
    )
    rule = CategoryRule(category, category_column, category_map)
    options = RegisterOptions(
        source, name_column, tuple(address_columns), capacity_column, id_column, bbox_wgs84
    )
    return assemble_register(frame, points, crs, file, rule, options, [*notes, *point_notes])
