"""One reader for places files: uploaded assets and the registers of a sources file.

:func:`read_places` reads a table (CSV/TSV/XLSX) or a vector file (GeoJSON,
GeoPackage, KML/KMZ, zipped shapefile) into rows with a location, and
:func:`places_from_features` does the same for features already read from a
file on disk (a register's shapefile or GeoPackage).  Both:

* find the columns by name (:mod:`geo.uploads.columns`): name, category,
  capacity, address, id, lon/lat, easting/northing or x/y, postcode;
* judge the coordinate system (per row for a table: degrees when the values
  fit, British National Grid metres otherwise; the declared CRS of a vector
  file, corrected when the coordinates contradict it);
* place rows without coordinates at their postcode's centre (with a geocoder);
* find rows whose latitude and longitude are swapped;
* account for every row not placed, with its reason (:class:`RowLog`).

What happens with an ambiguity (rows that lie in the UK only with latitude
and longitude swapped; several columns that could be the name; a column that
might be an id) is set by ``on_ambiguity``:

* ``"ask"`` (the app's uploads): it is returned as a
  :class:`~geo.uploads.result.Suggestion` the Upload page offers, or as a
  guess for the user to confirm;
* ``"auto"`` (registers): the most likely reading is taken (swapped rows are
  read swapped; the first name column is used; an id is used only when the
  sources file names it) and a note says so.

The rows are then made into asset frames by :mod:`geo.uploads.assets`
(uploads) and :mod:`geo.sources.register_rows` (registers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from geo.errors import UploadError
from geo.uploads.asset_place import Chosen, swap_candidates, swap_notes
from geo.uploads.asset_rows import Geocoder, Rows, coordinate_columns, geocode_rows, table_geometry
from geo.uploads.asset_rows import text as cell_text
from geo.uploads.asset_vectors import vector_rows
from geo.uploads.columns import ColumnMapping, candidates, find, guess, guess_address
from geo.uploads.limits import UploadLimits
from geo.uploads.locate import BNG, WGS84, Located, locate, locate_xy
from geo.uploads.result import RowLog, Suggestion
from geo.uploads.safety import check_size
from geo.uploads.sniff import TABLE_FORMATS, Sniffed, sniff
from geo.uploads.tables import read_table
from geo.uploads.vectors import Features, read_features

__all__ = ["OnAmbiguity", "PlaceOptions", "Places", "places_from_features", "read_places"]

OnAmbiguity = Literal["ask", "auto"]


@dataclass(frozen=True)
class PlaceOptions:
    """How to read a places file.

    ``mapping`` holds the columns chosen (``None`` entries are guessed);
    ``geocoder`` places rows that have a postcode and no coordinates;
    ``swap_coordinates`` (``None``: as ``on_ambiguity`` says, ``True``: swap
    the rows that look swapped, ``False``: never); ``layer`` is the sheet or
    layer to read; ``delimiter``, ``header``, ``column_names`` and ``encoding``
    override what is detected in a text table.
    """

    mapping: ColumnMapping | None = None
    geocoder: Geocoder | None = None
    swap_coordinates: bool | None = None
    on_ambiguity: OnAmbiguity = "ask"
    layer: str | None = None
    limits: UploadLimits | None = None
    delimiter: str | None = None
    header: bool | None = None
    column_names: Sequence[str] | None = None
    encoding: str | None = None


@dataclass
class Places:
    """The rows of a places file, where each is, and how that was found."""

    rows: Rows
    columns: list[str]
    crs: str
    crs_how: str
    guesses: dict[str, Any]
    details: dict[str, Any]
    postcode: str | None
    notes: list[str]
    rowlog: RowLog
    sniffed: Sniffed | None = None
    parse_rejected: int = 0
    plain_text: bool = False
    chosen: Chosen = field(default_factory=lambda: Chosen(None, None, None, (), None))
    located: Located | None = None
    swappable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        """Rows (features) in the file, those that could not be parsed included."""
        return len(self.rows) + self.parse_rejected


def _postcode_column(columns: list[str], mapping: ColumnMapping) -> str | None:
    if mapping.postcode:
        return find(columns, mapping.postcode, "postcode")
    return guess(columns, "postcode")


def _table_crs(kinds: Any, xcol: str, ycol: str, how: str, notes: list[str]) -> tuple[str, str]:
    if kinds["degrees"] and kinds["metres"]:
        notes.append(
            f"Columns {xcol}/{ycol} mix lon/lat degrees ({kinds['degrees']:,} rows) and "
            f"British National Grid metres ({kinds['metres']:,} rows); each row was read "
            "as what its values fit."
        )
        return "mixed", "judged row by row from the values"
    if kinds["metres"]:
        if how == "lonlat":
            notes.append(
                f"Columns {xcol}/{ycol} are named like lon/lat but hold metres; they were "
                "read as British National Grid easting/northing."
            )
        elif how == "xy":
            notes.append(
                f"Columns {xcol}/{ycol} hold metres; they were read as British National Grid "
                "easting/northing."
            )
        return BNG, f"columns {xcol}/{ycol} hold metres"
    if how == "bng":
        notes.append(
            f"Columns {xcol}/{ycol} were chosen as easting/northing but hold degrees; "
            "they were read as lon/lat."
        )
    elif how == "xy":
        notes.append(f"Columns {xcol}/{ycol} hold degrees; they were read as lon/lat.")
    return WGS84, f"columns {xcol}/{ycol} hold degrees"


def _no_coordinates(columns: list[str], postcode: str | None, options: PlaceOptions) -> None:
    if postcode is None:
        raise UploadError(
            "The table has no coordinate or postcode columns. Name them lon/lat "
            "(longitude/latitude), easting/northing, or postcode, or choose them in the "
            f"column mapping. Its columns are: {', '.join(columns)}."
        )
    if options.geocoder is None:
        raise UploadError(
            f"The table has postcodes (column {postcode!r}) but no coordinates (no coordinate "
            "columns). "
            "Supply a postcode directory (ONS Postcode Directory or NSPL CSV, or a "
            "postcode, latitude, longitude table) or allow online postcode look-ups."
        )


def _table_rows(
    data: bytes,
    sniffed: Sniffed,
    options: PlaceOptions,
    limits: UploadLimits,
    rowlog: RowLog,
    notes: list[str],
) -> tuple[Places, list[int]]:
    mapping = options.mapping or ColumnMapping()
    table = read_table(
        data, sniffed, limits, sheet=options.layer, delimiter=options.delimiter,
        header=options.header,
    )  # fmt: skip
    if options.column_names is not None:
        if len(options.column_names) != table.frame.shape[1]:
            raise UploadError(
                f"{len(options.column_names)} column names were given for a table of "
                f"{table.frame.shape[1]} columns."
            )
        table.frame.columns = [str(c) for c in options.column_names]
    notes.extend(table.notes)
    for number, reason, values in table.rejected:
        rowlog.add(number, reason, values)
    columns = list(table.frame.columns)
    rows = Rows(table.rows, {c: table.frame[c] for c in columns}, points=True)  # text columns
    xcol, ycol, how = coordinate_columns(columns, mapping)
    postcode = _postcode_column(columns, mapping)
    lonlat, xy = how == "lonlat", how in ("bng", "xy")
    guesses: dict[str, Any] = {
        "lon": xcol if lonlat else None,
        "lat": ycol if lonlat else None,
        "x": xcol if xy else None,
        "y": ycol if xy else None,
        "postcode": postcode,
    }
    pending: list[int] = []
    if xcol is None or ycol is None:
        _no_coordinates(columns, postcode, options)
        pending = list(range(len(rows)))
        crs, crs_how = WGS84, f"from postcodes (column {postcode})"
    else:
        decimal_comma = table.delimiter == ";"
        has_postcode = postcode is not None and options.geocoder is not None
        kinds = table_geometry(rows, xcol, ycol, decimal_comma, pending, has_postcode)
        crs, crs_how = _table_crs(kinds, xcol, ycol, how, notes)
        if decimal_comma:
            notes.append("The file is semicolon-separated, so '53,48' was read as 53.48.")
    details = {
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "sheets": table.sheets,
        "sheet": table.sheet,
    }
    read = Places(rows, columns, crs, crs_how, guesses, details, postcode, notes, rowlog)
    read.parse_rejected, read.plain_text = len(table.rejected), True
    return read, pending


def _chosen(read: Places, mapping: ColumnMapping, on_ambiguity: OnAmbiguity) -> Chosen:
    """The name, category, capacity, address and id columns: chosen or guessed."""
    columns, guesses, notes = read.columns, read.guesses, read.notes
    used = [c for c in (*(guesses.get(k) for k in ("lon", "lat", "x", "y")), read.postcode) if c]

    def pick(role: str, wanted: str | None, exclude: Sequence[str] = used) -> str | None:
        return find(columns, wanted, role) if wanted else guess(columns, role, exclude)

    name = pick("name", mapping.name)
    others = [c for c in candidates(columns, "name", used) if c != name]
    if mapping.name is None and others and on_ambiguity == "auto":  # "ask": a guess shown
        notes.append(
            f"Columns {', '.join([str(name), *others])} could each be the name; {name} was "
            "used (name the column to use another)."
        )
    category = pick("category", mapping.category) if mapping.category_value is None else None
    capacity = pick("capacity", mapping.capacity)
    if mapping.address:
        wanted = [mapping.address] if isinstance(mapping.address, str) else list(mapping.address)
        address = [find(columns, a, "address") for a in wanted]
    else:
        address = guess_address(columns, [*used, *(c for c in (name,) if c)])
        if read.postcode and read.postcode not in address:
            address.append(read.postcode)
    # a column merely named like an id is a guess to confirm: taken only when asked
    ident = pick("id", mapping.id) if mapping.id or on_ambiguity == "ask" else None
    if ident is not None:
        filled = [v for v in (cell_text(v) for v in read.rows.columns[ident]) if v]
        if len(set(filled)) != len(filled):
            notes.append(f"Column {ident} repeats values, so rows are identified by row number.")
            ident = None
    guesses.update(
        name=name,
        category=category
        if mapping.category_value is None
        else f"(all rows: {mapping.category_value})",
        capacity=capacity,
        address=address,
        id=ident,
    )
    return Chosen(name, category, capacity, tuple(address), ident)


def _placed(read: Places, pending: list[int], options: PlaceOptions) -> Places:
    """``read`` with its columns chosen, postcodes placed and swapped rows found."""
    read.chosen = _chosen(read, options.mapping or ColumnMapping(), options.on_ambiguity)
    rows = read.rows
    if pending:
        geocode_rows(rows, pending, read.postcode, options.geocoder, read.notes)
    swap = options.swap_coordinates
    if swap is None and options.on_ambiguity == "auto":
        swap = True
    if rows.xy is not None:
        first = locate_xy(rows.xy, rows.crs)
    else:
        first = locate(list(rows.geometry), rows.crs)
    read.swappable, read.located = swap_candidates(rows, first, swap)
    count = int(read.swappable.sum())
    swap_notes(count, swap, read.notes, read.suggestions, asked=options.swap_coordinates is True)
    if rows.xy is None:  # source shapes only matter for rejected rows
        rows.geometry[read.located.placed & read.located.in_uk] = None
    return read


def read_places(data: bytes, filename: str = "", options: PlaceOptions | None = None) -> Places:
    """Read a places file (its bytes; ``filename`` only for a note) into located rows.

    Raises
    ------
    UploadError
        For a file refused as a whole (unsafe, too large, unreadable, no
        coordinates), with a message saying what to do.
    """
    options = options or PlaceOptions()
    limits = options.limits or UploadLimits()
    check_size(len(data), limits)
    sniffed = sniff(data, filename, limits)
    if options.encoding is not None and sniffed.format == "table":
        sniffed = dataclasses.replace(sniffed, encoding=options.encoding)
    notes: list[str] = list(sniffed.notes)
    rowlog = RowLog()
    pending: list[int] = []
    if sniffed.format in TABLE_FORMATS:
        read, pending = _table_rows(data, sniffed, options, limits, rowlog, notes)
    else:
        features = read_features(data, sniffed, limits, options.layer)
        read = _vector_read(features, sniffed.encoding, options, notes, rowlog)
    read.sniffed = sniffed
    return _placed(read, pending, options)


def _vector_read(
    features: Features,
    encoding: str | None,
    options: PlaceOptions,
    notes: list[str],
    rowlog: RowLog,
) -> Places:
    rows, crs, crs_how, details = vector_rows(features, encoding, notes)
    columns = list(rows.columns)
    postcode = _postcode_column(columns, options.mapping or ColumnMapping())
    return Places(rows, columns, crs, crs_how, {"postcode": postcode}, details, postcode, notes,
                  rowlog)  # fmt: skip


def places_from_features(features: Features, options: PlaceOptions | None = None) -> Places:
    """Located rows of features already read from a vector file (e.g. a register on disk)."""
    options = options or PlaceOptions()
    read = _vector_read(features, None, options, [], RowLog())
    return _placed(read, [], options)
