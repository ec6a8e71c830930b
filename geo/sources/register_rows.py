"""Register rows to standard asset records: finding columns, categories, ids.

Both register readers (:mod:`geo.sources.register_tables` and
:mod:`geo.sources.register_vectors`) end here: given the attribute table, one
geometry per row and the choices of the sources file (which column holds the
name, which category the rows are), :func:`assemble_register` builds the
standard asset frame through :func:`geo.sources.assetfiles.finish_assets`.
Columns are matched by name ignoring case, spaces, dashes and underscores.
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

from geo.errors import ConfigError, DataSourceError, SchemaError
from geo.sources.assetfiles import (
    CATEGORY_NOT_MAPPED,
    AssetRead,
    clean_text,
    finish_assets,
    tags_json,
    to_float,
)
from geo.sources.register_text import first_part, join_address, name_text
from geo.sources.taxonomy import CATEGORY_KEYS, get_category

__all__ = [
    "ADDRESS_CANDIDATES",
    "CAPACITY_CANDIDATES",
    "NAME_CANDIDATES",
    "CategoryRule",
    "ColumnFinder",
    "PathArg",
    "RegisterOptions",
    "assemble_register",
    "existing_file",
]

PathArg = str | PathLike[str]

NAME_CANDIDATES = (
    "name",
    "site_name",
    "distname",
    "library_name",
    "venue_name",
    "venue",
    "title",
    "organisation_name",
)
ADDRESS_CANDIDATES = (
    "address",
    "address1",
    "address2",
    "address3",
    "street",
    "town",
    "city",
    "postcode",
)
CAPACITY_CANDIDATES = ("capacity",)


def _norm(column: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(column)).casefold()


class ColumnFinder:
    """The columns of one file, looked up by name ignoring case and spacing."""

    def __init__(self, columns: Sequence[object], file: Path) -> None:
        self.columns = [str(c) for c in columns]
        self.file = file
        self._by_norm: dict[str, str] = {}
        for column in self.columns:
            self._by_norm.setdefault(_norm(column), column)

    def find(self, given: str | None, candidates: Sequence[str], what: str) -> str | None:
        """The column called ``given`` (which must exist) or the first candidate present."""
        if given is None:
            found = (self._by_norm.get(_norm(c)) for c in candidates)
            return next((c for c in found if c is not None), None)
        if given in self.columns:
            return given
        if _norm(given) not in self._by_norm:
            raise SchemaError(
                f"{self.file.name} has no {what} column {given!r}. Its columns are: "
                f"{', '.join(self.columns)}."
            )
        return self._by_norm[_norm(given)]

    def named(self, given: str | None, what: str) -> str | None:
        """The column called ``given`` when one is given, else ``None``."""
        return self.find(given, (), what) if given else None


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


@dataclass(frozen=True)
class _Found:
    """The columns a register's rows are read from."""

    category: str | None
    name: str | None
    address: list[str]
    capacity: str | None
    id: str | None


def _found_columns(finder: ColumnFinder, given: RegisterOptions, category: str | None) -> _Found:
    if given.address:
        address = [c for c in (finder.find(a, (), "address") for a in given.address) if c]
    else:
        wanted = {_norm(c) for c in ADDRESS_CANDIDATES}
        address = [c for c in finder.columns if _norm(c) in wanted]
    return _Found(
        category=category,
        name=finder.find(given.name, NAME_CANDIDATES, "name"),
        address=address,
        capacity=finder.find(given.capacity, CAPACITY_CANDIDATES, "capacity"),
        id=finder.named(given.id, "id"),
    )


def _asset_id(row: Mapping[str, Any], found: _Found, source: str, number: int) -> str:
    if found.id is None:
        return f"{source}:{number}"
    ident = clean_text(row.get(found.id))
    if re.fullmatch(r"-?\d+\.0", ident):  # an integer id stored as float
        ident = ident[:-2]
    return f"{source}:{ident}" if ident else f"{source}:row{number}"


def _name(row: Mapping[str, Any], found: _Found) -> str:
    if found.name is not None:
        return name_text(row.get(found.name))
    if found.address:
        return first_part(row.get(found.address[0]))
    return ""


def assemble_register(
    attributes: Any,
    geometries: Sequence[object],
    crs: object,
    file: Path,
    rule: CategoryRule,
    options: RegisterOptions,
    notes: Sequence[str],
) -> AssetRead:
    """The standard asset frame from a register's attribute rows and geometries."""
    source = options.source
    if not source or not str(source).strip():
        raise ConfigError("Every asset file needs a source key (e.g. source='gm_libraries').")
    finder = ColumnFinder(attributes.columns, file)
    if rule.fixed is not None:
        resolve, category = rule.resolver(), None
    else:
        category = finder.named(rule.column, "category")
        resolve = CategoryRule(None, category, rule.mapping).resolver()
    found = _found_columns(finder, options, category)
    rejected: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    rows = attributes.to_dict(orient="records")
    for number, (row, geometry) in enumerate(zip(rows, geometries, strict=True), start=1):
        cat = resolve(row.get(found.category) if found.category else None)
        if cat is None:
            rejected[CATEGORY_NOT_MAPPED] += 1
            continue
        records.append(
            {
                "asset_id": _asset_id(row, found, source, number),
                "name": _name(row, found),
                "category": cat,
                "source": source,
                "address": join_address([row.get(c) for c in found.address]),
                "capacity": to_float(row.get(found.capacity)) if found.capacity else math.nan,
                "tags": tags_json(row),
                "geometry": geometry,
            }
        )
    return finish_assets(
        records,
        crs=crs,
        rows_in=len(rows),
        rejected=rejected,
        bbox_wgs84=options.bbox_wgs84,
        notes=notes,
    )


def existing_file(path: PathArg) -> Path:
    """``path`` as a :class:`~pathlib.Path`, which must be an existing file."""
    file = Path(path)
    if not file.is_file():
        raise DataSourceError(f"Asset file {file} not found (or not a file).")
    return file
