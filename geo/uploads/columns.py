"""Which column holds what: automatic guesses, and the user's mapping.

Columns are matched by name, ignoring case, spaces, underscores, hyphens and
dots.  Guesses are returned in ``UploadResult.detected.guesses`` for the user
to confirm; a :class:`ColumnMapping` overrides them (a column named there must
exist, or the upload fails naming the columns it has).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from geo.errors import UploadError

ROLES = ("name", "category", "capacity", "address", "lon", "lat", "x", "y", "postcode", "id")

CANDIDATES: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "site name",
        "site",
        "venue name",
        "venue",
        "place name",
        "organisation name",
        "organisation",
        "organization",
        "group name",
        "group",
        "title",
        "library name",
        "distname",
        "premises",
        "establishment name",
        "location name",
    ),
    "category": (
        "category",
        "asset category",
        "asset type",
        "type",
        "kind",
        "facility type",
        "venue type",
        "site type",
        "service type",
        "activity type",
        "classification",
        "amenity",
    ),
    "capacity": ("capacity", "max capacity", "maximum capacity", "places", "seats", "spaces"),
    "address": (
        "address",
        "full address",
        "address1",
        "address line 1",
        "address2",
        "address line 2",
        "address3",
        "address line 3",
        "street",
        "town",
        "city",
    ),
    "lon": ("lon", "long", "longitude", "lng", "x lon", "wgs84 longitude"),
    "lat": ("lat", "latitude", "y lat", "wgs84 latitude"),
    "x": ("easting", "eastings", "east", "x", "x coordinate", "os easting", "bng easting"),
    "y": ("northing", "northings", "north", "y", "y coordinate", "os northing", "bng northing"),
    "postcode": ("postcode", "post code", "postal code", "pcds", "pcd", "zip", "postcode district"),
    "id": ("id", "site id", "asset id", "ref", "reference", "uprn", "fid", "objectid"),
}


def norm(column: object) -> str:
    """A column name for comparison: casefolded, without spaces, ``_ - .`` or BOM."""
    return re.sub(r"[\s_\-.:/()]+", "", str(column).replace("\ufeff", "")).casefold()


@dataclass(frozen=True)
class ColumnMapping:
    """Columns chosen by the user; ``None`` keeps the automatic guess.

    Parameters
    ----------
    name, category, capacity, postcode, id
        Asset columns.  ``id`` gives asset ids ``<source>:<id>``.
    address
        One column or several, joined with commas.
    lon, lat
        Longitude/latitude in degrees (WGS84).
    x, y
        Easting/northing in metres (British National Grid).
    category_value
        One category for every row (a taxonomy key or a new label), instead
        of a column.
    category_map
        ``{value in the file: taxonomy key}``, checked before the automatic
        matching of category names.
    code
        Indicators: the column of area codes or postcodes.
    values
        Indicators: the columns to load (numbers).
    counts
        Indicators: those of ``values`` that are counts (apportioned when an
        area is split, summed when areas merge); the others are rates or
        scores (repeated on splits, averaged on merges).
    """

    name: str | None = None
    category: str | None = None
    capacity: str | None = None
    address: str | Sequence[str] | None = None
    lon: str | None = None
    lat: str | None = None
    x: str | None = None
    y: str | None = None
    postcode: str | None = None
    id: str | None = None
    category_value: str | None = None
    category_map: dict[str, str] | None = None
    code: str | None = None
    values: Sequence[str] | None = None
    counts: Sequence[str] = ()


def find(columns: Sequence[str], wanted: str, role: str) -> str:
    """The column the user named (exactly, or ignoring case and spacing)."""
    if wanted in columns:
        return wanted
    lookup = {norm(c): c for c in reversed(list(columns))}
    found = lookup.get(norm(wanted))
    if found is None:
        raise UploadError(
            f"There is no column {wanted!r} (chosen for {role}). The columns are: "
            f"{', '.join(map(str, columns))}."
        )
    return found


def candidates(columns: Sequence[str], role: str, exclude: Sequence[str] = ()) -> list[str]:
    """The columns whose names match a candidate for ``role``, most likely first."""
    lookup: dict[str, str] = {}
    for column in columns:
        if column not in exclude:
            lookup.setdefault(norm(column), column)
    found = (lookup.get(norm(candidate)) for candidate in CANDIDATES[role])
    return list(dict.fromkeys(c for c in found if c is not None))


def guess(columns: Sequence[str], role: str, exclude: Sequence[str] = ()) -> str | None:
    """The first column whose name matches a candidate for ``role``."""
    return next(iter(candidates(columns, role, exclude)), None)


def guess_address(columns: Sequence[str], exclude: Sequence[str] = ()) -> list[str]:
    wanted = {norm(c) for c in CANDIDATES["address"]}
    return [c for c in columns if norm(c) in wanted and c not in exclude]


def numeric_share(values: pd.Series) -> float:
    """Share of cells that read as numbers, among those not blank or marked missing."""
    from geo.uploads.numbers import is_missing, parse_number

    cells = [v for v in values.astype("str").tolist() if not is_missing(v)]
    if not cells:
        return 0.0
    return sum(1 for v in cells if parse_number(v) is not None) / len(cells)
