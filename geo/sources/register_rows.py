"""Register rows to standard asset records: categories, ids, names and addresses.

Both register readers (:mod:`geo.sources.register_tables` and
:mod:`geo.sources.register_vectors`) read their file with the places reader
(:mod:`geo.uploads.places`, ``on_ambiguity="auto"``), which finds the columns,
the coordinate system, swapped coordinates and the rows it cannot place.
:func:`assets_from_places` then applies the choices of the sources file (which
category the rows are, which column identifies them) and builds the standard
asset frame through :func:`geo.sources.assetfiles.finish_assets`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import shapely

from geo.errors import ConfigError, DataSourceError, SchemaError, UploadError
from geo.sources.assetfiles import (
    ASSET_CRS,
    CATEGORY_NOT_MAPPED,
    AssetRead,
    clean_text,
    finish_assets,
    tags_json,
    to_float,
)
from geo.sources.register_text import first_part, join_address, name_text
from geo.sources.taxonomy import CATEGORY_KEYS, get_category
from geo.uploads.asset_place import log_failures
from geo.uploads.columns import ColumnMapping, find
from geo.uploads.limits import MB, UploadLimits
from geo.uploads.places import Places

__all__ = [
    "REGISTER_LIMITS",
    "CategoryRule",
    "PathArg",
    "RegisterOptions",
    "assets_from_places",
    "check_register",
    "empty_register",
    "existing_file",
    "read_failure",
]

PathArg = str | PathLike[str]

#: Size caps for registers named in a sources file (larger than an upload's).
REGISTER_LIMITS = UploadLimits(
    max_bytes=2048 * MB,
    max_rows=10_000_000,
    max_features=5_000_000,
    max_zip_uncompressed=4096 * MB,
)


@dataclass(frozen=True)
class CategoryRule:
    """A fixed category, or a column and a map of its values to taxonomy keys."""

    fixed: str | None = None
    column: str | None = None
    mapping: Mapping[str, str | None] | None = None

    def resolver(self) -> Callable[[object], str | None]:
        """Cell value of the category column -> taxonomy key (``None``: not mapped)."""
        if self.fixed is not None and self.column is not None:
            raise ConfigError("Give either category (fixed) or category_column, not both.")
        if self.fixed is not None:
            if self.mapping is not None:
                raise ConfigError("category_map is only used with category_column.")
            fixed = get_category(self.fixed).key
            return lambda _value: fixed
        if self.column is None:
            raise ConfigError(
                "Say which category the assets are: category='library' for the whole file, or "
                f"category_column= (with category_map=) per row. Categories: "
                f"{', '.join(CATEGORY_KEYS)}."
            )
        if self.mapping is None:
            keys = {k.casefold(): k for k in CATEGORY_KEYS}
            return lambda value: keys.get(clean_text(value).casefold())
        table: dict[str, str | None] = {}
        for raw, target in self.mapping.items():
            key = None if target in (None, "") else get_category(str(target)).key
            table[clean_text(raw).casefold()] = key
        return lambda value: table.get(clean_text(value).casefold())


@dataclass(frozen=True)
class RegisterOptions:
    """The source key, the columns named in the sources file (``None``/empty:
    found by name) and the area to keep (``(west, south, east, north)``)."""

    source: str
    name: str | None = None
    address: tuple[str, ...] = ()
    capacity: str | None = None
    id: str | None = None
    bbox_wgs84: Sequence[float] | None = None

    def mapping(
        self,
        rule: CategoryRule,
        lon: str | None = None,
        lat: str | None = None,
        x: str | None = None,
        y: str | None = None,
    ) -> ColumnMapping:
        """The columns named in the sources file, for the places reader."""
        return ColumnMapping(
            name=self.name,
            category=rule.column,
            category_value=rule.fixed,
            capacity=self.capacity,
            address=self.address or None,
            lon=lon,
            lat=lat,
            x=x,
            y=y,
        )


def read_failure(file: Path, exc: UploadError) -> SchemaError:
    """The error of a register the places reader refused, naming the file."""
    return SchemaError(f"{file.name}: {exc}")


def _asset_id(cell: object, id_column: str | None, source: str, number: int) -> str:
    if id_column is None:
        return f"{source}:{number}"
    ident = clean_text(cell)
    if re.fullmatch(r"-?\d+\.0", ident):  # an integer id stored as float
        ident = ident[:-2]
    return f"{source}:{ident}" if ident else f"{source}:row{number}"


def _name(row: Mapping[str, Any], name: str | None, address: Sequence[str]) -> str:
    if name is not None:
        return name_text(row.get(name))
    if address:
        return first_part(row.get(address[0]))
    return ""


def check_register(rule: CategoryRule, options: RegisterOptions) -> Callable[[object], str | None]:
    """The category resolver of a register, once its source key and category rule are checked."""
    if not options.source or not str(options.source).strip():
        raise ConfigError("Every asset file needs a source key (e.g. source='gm_libraries').")
    return rule.resolver()


def assets_from_places(
    places: Places,
    file: Path,
    rule: CategoryRule,
    options: RegisterOptions,
    notes: Sequence[str] = (),
) -> AssetRead:
    """The standard asset frame of a register's located rows (``notes`` go first)."""
    resolve = check_register(rule, options)
    chosen, rows, located = places.chosen, places.rows, places.located
    assert located is not None, "the places reader locates the rows"
    try:
        id_column = find(places.columns, options.id, "id") if options.id else None
    except UploadError as exc:
        raise read_failure(file, exc) from None
    rowlog = places.rowlog
    kept, _ = log_failures(rows, located, places.swappable, None, rowlog)
    rejected: Counter[str] = Counter(rowlog.frame()["reason"].tolist())
    records: list[dict[str, Any]] = []
    cells = {c: list(v.tolist() if hasattr(v, "tolist") else v) for c, v in rows.columns.items()}
    points = shapely.points(located.x[kept], located.y[kept])
    for k, i in enumerate(kept.tolist()):
        row = {column: values[i] for column, values in cells.items()}
        category = resolve(row.get(chosen.category) if chosen.category else None)
        if category is None:
            rejected[CATEGORY_NOT_MAPPED] += 1
            continue
        records.append(
            {
                "asset_id": _asset_id(row.get(id_column or ""), id_column, options.source, i + 1),
                "name": _name(row, chosen.name, chosen.address),
                "category": category,
                "source": options.source,
                "address": join_address([row.get(c) for c in chosen.address]),
                "capacity": to_float(row.get(chosen.capacity)) if chosen.capacity else math.nan,
                "tags": tags_json(row),
                "geometry": points[k],
            }
        )
    return finish_assets(
        records,
        crs=ASSET_CRS,
        rows_in=places.rows_in,
        rejected=rejected,
        bbox_wgs84=options.bbox_wgs84,
        notes=[*notes, *(f"{file.name}: {note}" for note in places.notes)],
    )


def empty_register(rule: CategoryRule, options: RegisterOptions) -> AssetRead:
    """The reading of a register with column names and no rows."""
    check_register(rule, options)
    return finish_assets([], crs=ASSET_CRS, rows_in=0)


def existing_file(path: PathArg) -> Path:
    """``path`` as a :class:`~pathlib.Path`, which must be an existing file."""
    file = Path(path)
    if not file.is_file():
        raise DataSourceError(f"Asset file {file} not found (or not a file).")
    return file
