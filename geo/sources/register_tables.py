"""Community assets from CSV/TSV/XLSX registers with coordinate columns.

:func:`assets_from_table` reads a table whose rows have lon/lat (WGS84
degrees) or British National Grid easting/northing columns, found by name
(see :mod:`geo.uploads.columns`), with the places reader uploads use
(:mod:`geo.uploads.places`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from geo.errors import EmptyTableError, UploadError
from geo.sources.assetfiles import AssetRead
from geo.sources.register_rows import (
    REGISTER_LIMITS,
    CategoryRule,
    PathArg,
    RegisterOptions,
    assets_from_places,
    check_register,
    empty_register,
    existing_file,
    read_failure,
)
from geo.uploads.places import PlaceOptions, Places, read_places
from geo.uploads.sniff import detect_encoding

__all__ = ["assets_from_table"]


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
    layer: str | None = None,
) -> AssetRead:
    """Assets from a CSV/TSV/XLSX register with coordinate columns.

    Parameters
    ----------
    path
        The table: CSV/TSV (UTF-8 with or without BOM, UTF-16, falling back
        to Windows-1252) or XLSX; every cell is read as text (codes keep
        leading zeros; ``NA`` and blanks count as missing numbers).
    source
        Source key, used in ``source`` and ``asset_id`` (``<source>:<row>``,
        rows numbered from 1 after the header, or ``<source>:<id>`` with
        ``id_column``).
    category, category_column, category_map
        Fixed category, or a column and a map of its values (module docstring).
    name_column, address_columns, capacity_column
        Override the columns found by name.
    lon_column, lat_column, x_column, y_column
        Longitude/latitude (degrees) or easting/northing (metres) columns.
    id_column
        A column identifying each asset.  Rows repeating an id (e.g. one row
        per facility of a sports site) are kept once and counted as
        ``"duplicate"``.
    bbox_wgs84
        ``(west, south, east, north)``: keep only assets inside it.
    sep, header, columns, encoding, layer
        Separator (sniffed when ``None``; ``.tsv`` is tab), whether the first
        line is a header, column names for a file without one, text
        encoding, sheet of a workbook.

    Notes
    -----
    Read by the places reader (:mod:`geo.uploads.places`) with
    ``on_ambiguity="auto"``: rows that lie in the UK only with latitude and
    longitude swapped are read swapped, and ``notes`` say so; each row's
    coordinates are degrees when they fit, British National Grid otherwise.
    """
    file = existing_file(path)
    rule = CategoryRule(category, category_column, category_map)
    options = RegisterOptions(
        source, name_column, tuple(address_columns), capacity_column, id_column, bbox_wgs84
    )
    check_register(rule, options)
    how = PlaceOptions(
        mapping=options.mapping(rule, lon_column, lat_column, x_column, y_column),
        on_ambiguity="auto", layer=layer, limits=REGISTER_LIMITS, header=header,
        delimiter="\t" if sep is None and file.suffix.lower() in (".tsv", ".tab") else sep,
        column_names=columns, encoding=encoding,
    )  # fmt: skip
    data = file.read_bytes()
    try:
        places = read_places(data, file.name, how)
    except EmptyTableError:
        return empty_register(rule, options)
    except UploadError as exc:
        raise read_failure(file, exc) from None
    return assets_from_places(places, file, rule, options, _encoding_notes(data, places, file))


def _encoding_notes(data: bytes, places: Places, file: Path) -> list[str]:
    """A note naming the encoding of a text register that is not UTF-8."""
    used = places.details.get("encoding")
    if used in (None, "utf-8", "utf-8-sig", "cp1252") or places.details.get("sheet") is not None:
        return []
    found, how = detect_encoding(data)
    return [f"{file.name} was read as {how} [{found}]"] if found == used else []
