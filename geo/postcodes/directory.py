"""Reading an ONS Postcode Directory (ONSPD/NSPL) or a postcode/lat/lon table."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import SchemaError
from geo.postcodes.normalise import normalise_postcode

log = logging.getLogger(__name__)

_ALIASES = {
    "postcode": ("pcds", "pcd", "pcd7", "pcd8", "postcode", "post code", "postcodes"),
    "lat": ("lat", "latitude"),
    "lon": ("long", "lon", "longitude", "lng"),
    "east": ("oseast1m", "easting", "eastings", "x"),
    "north": ("osnrth1m", "northing", "northings", "y"),
    "doterm": ("doterm",),
    "lsoa21": ("lsoa21", "lsoa21cd", "lsoa21_code", "lsoa 21"),
    "lsoa11": ("lsoa11", "lsoa11cd", "lsoa11_code"),
}


def _norm_header(text: str) -> str:
    return re.sub(r"[\s_]+", "", text.replace("\ufeff", "")).casefold()


def _open_text(source: str | os.PathLike[str] | bytes) -> io.TextIOBase:
    if isinstance(source, bytes | bytearray):
        raw: Any = io.BytesIO(bytes(source))
        name = "the postcode directory"
    else:
        path = Path(source)
        if not path.is_file():
            raise SchemaError(f"Postcode directory {path} not found.")
        raw = path.open("rb")
        name = path.name
    head = raw.read(2)
    raw.seek(0)
    if head == b"\x1f\x8b":
        log.debug("Reading %s as gzip", name)
        raw = gzip.GzipFile(fileobj=raw)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def _layout(first: list[str]) -> tuple[bool, dict[str, int]]:
    """Whether ``first`` is a header, and the column index of each field."""
    normalised = [_norm_header(c) for c in first]
    found: dict[str, int] = {}
    for field_name, aliases in _ALIASES.items():
        for alias in aliases:
            key = _norm_header(alias)
            if key in normalised:
                found[field_name] = normalised.index(key)
                break
    if "postcode" in found:
        # pcds (one space) is preferred; pcd7/pcd8 pad with spaces, all normalise the same
        return True, found
    if len(first) >= 3 and normalise_postcode(first[0]):
        return False, {"postcode": 0, "lat": 1, "lon": 2}
    raise SchemaError(
        "The postcode directory has no postcode column (pcds, pcd, pcd7, pcd8 or postcode) "
        "and is not a postcode, latitude, longitude table."
    )


_FIELDS = ("lat", "lon", "east", "north", "lsoa21", "lsoa11", "doterm")


def read_postcode_directory(
    source: str | os.PathLike[str] | bytes,
    *,
    wanted: Iterable[str] | None = None,
    chunk_rows: int = 200_000,
) -> pd.DataFrame:
    """Read an ONSPD/NSPL CSV or a postcode/lat/lon table (plain or gzip).

    Returns one row per normalised postcode (index) with ``lat, lon, lsoa21,
    lsoa11, doterm``; coordinates are NaN when the directory has none (lat
    99.999999, or blank).  With ``wanted``, only those postcodes are kept.
    """
    keep = {p for p in (normalise_postcode(w) for w in wanted or ()) if p} if wanted else None
    records = _directory_records(source, keep)
    frame = pd.DataFrame(records, columns=["postcode", *_FIELDS])
    frame = frame.drop_duplicates("postcode", keep="first").set_index("postcode")
    lat, lon = _coordinates(frame)
    return pd.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "lsoa21": frame["lsoa21"].where(frame["lsoa21"] != "", None),
            "lsoa11": frame["lsoa11"].where(frame["lsoa11"] != "", None),
            "doterm": frame["doterm"].where(frame["doterm"] != "", None),
        },
        index=frame.index,
    )


def _directory_records(
    source: str | os.PathLike[str] | bytes, keep: set[str] | None
) -> list[tuple[str, ...]]:
    """``(postcode, *_FIELDS)`` per row of the directory (those in ``keep``, when given)."""
    handle = _open_text(source)
    try:
        sample = handle.read(65536)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        reader = csv.reader(_chain(sample, handle), delimiter=delimiter)
        first = next(reader, None)
        if first is None:
            raise SchemaError("The postcode directory is empty.")
        has_header, cols = _layout(first)
        at = cols["postcode"]
        fields = [cols.get(name) for name in _FIELDS]
        records: list[tuple[str, ...]] = []
        for row in reader if has_header else itertools.chain([first], reader):
            if len(row) <= at:
                continue
            key = normalise_postcode(row[at])
            if key is None or (keep is not None and key not in keep):
                continue
            values = (row[i].strip() if i is not None and i < len(row) else "" for i in fields)
            records.append((key, *values))
    finally:
        handle.close()
    return records


def _coordinates(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Latitude and longitude, from eastings/northings where only those are given; else NaN."""
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    no_coords = lat.isna() | lon.isna() | (lat.abs() > 90) | ((lat == 0) & (lon == 0))
    east = pd.to_numeric(frame["east"], errors="coerce")
    north = pd.to_numeric(frame["north"], errors="coerce")
    fill = (
        no_coords
        & east.notna()
        & north.notna()
        & (east > 0)
        & (north > 0)
        & (lat.isna() | (lat.abs() <= 90))
    )
    if fill.any():
        from pyproj import Transformer

        to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        lon_f, lat_f = to_wgs.transform(east[fill].to_numpy(), north[fill].to_numpy())
        lon[fill], lat[fill] = lon_f, lat_f
        no_coords &= ~fill
    return lat.where(~no_coords), lon.where(~no_coords)


def _chain(sample: str, rest: Any) -> Any:
    """Lines of ``sample`` followed by the rest of the stream."""
    buffer = io.StringIO(sample + rest.readline())
    yield from buffer
    yield from rest
