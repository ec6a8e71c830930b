"""OS Code-Point Open: every live postcode in Great Britain with BNG coordinates.

The product is a CSV with the columns of :data:`CODEPOINT_COLUMNS` — as one
national file with a header row, or as Ordnance Survey ships it, one file
per postcode area with no header, in the folder ``Data/CSV`` of its zip
(``codepo_gb.zip``, which is read as it is, after a safety check of its
members).  :func:`read_codepoint` reads only the
columns the atlas needs with pyarrow (the national file, 1.7 million rows,
in about two seconds and a few hundred MB at most), normalises the postcodes
with the rule of :func:`~geo.postcodes.normalise.normalise_postcode`, and
keeps the result as Parquet in the download cache, keyed by the sha256 of
the file, so later runs read it in a fraction of a second.

Positional quality 90 means Code-Point has no coordinates for the postcode
(``Eastings`` = ``Northings`` = 0): those rows are kept with NaN
coordinates so a look-up can say why a postcode was not placed.  Code-Point
has no Northern Ireland postcodes and no terminated ones.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from geo.errors import CacheError, SchemaError
from geo.net.cache import Cache
from geo.postcodes.normalise import (
    NO_COORDINATES,
    NORTHERN_IRELAND,
    NOT_FOUND,
    is_northern_ireland,
    normalise_postcodes,
)
from geo.provenance import file_sha256

log = logging.getLogger(__name__)

#: The columns of Code-Point Open, in the order of the product's CSV files.
CODEPOINT_COLUMNS: tuple[str, ...] = (
    "Postcode",
    "Positional_quality_indicator",
    "Eastings",
    "Northings",
    "Country_code",
    "NHS_regional_HA_code",
    "NHS_HA_code",
    "Admin_county_code",
    "Admin_district_code",
    "Admin_ward_code",
)
#: Positional quality indicator of a postcode without coordinates.
NO_COORDINATES_QUALITY = 90
#: Country codes of Code-Point Open.
COUNTRIES = {"E92000001": "England", "S92000003": "Scotland", "W92000004": "Wales"}
#: Not found in Code-Point: it lists live postcodes only.
NOT_IN_CODEPOINT = f"{NOT_FOUND} (Code-Point Open lists live postcodes only)"

_TYPES = {
    "Postcode": pa.string(),
    "Positional_quality_indicator": pa.int16(),
    "Eastings": pa.int32(),
    "Northings": pa.int32(),
    "Country_code": pa.string(),
    "Admin_district_code": pa.string(),
}
_QUALITIES = {"10", "20", "30", "40", "50", "60", "90"}
_CACHE_VERSION = "1"
_memo: dict[tuple[tuple[str, int, int], ...], pd.DataFrame] = {}


def _head(path: Path) -> str:
    """The first line of a plain or gzip CSV ("" when unreadable)."""
    try:
        with path.open("rb") as raw:
            magic = raw.read(2)
            raw.seek(0)
            handle = gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw
            line = handle.readline(4096)
    except (OSError, EOFError):
        return ""
    return line.decode("utf-8-sig", "replace").strip()


def _layout(first_line: str) -> str | None:
    """``"header"``, ``"bare"`` (OS's own files) or ``None`` when not Code-Point."""
    fields = [f.strip().strip('"') for f in first_line.split(",")]
    if [f.casefold() for f in fields[:4]] == [c.casefold() for c in CODEPOINT_COLUMNS[:4]]:
        return "header"
    if len(fields) == len(CODEPOINT_COLUMNS) and fields[1] in _QUALITIES:
        numbers = fields[2].isdigit() and fields[3].isdigit()
        return "bare" if numbers and fields[4][:1] in ("E", "S", "W") else None
    return None


def _zip_csvs(file: Path) -> list[zipfile.ZipInfo]:
    """The ``Data/CSV/*.csv`` members of the product's zip (checked safe), else ``[]``."""
    if not zipfile.is_zipfile(file):
        return []
    from geo.sources.osm_shpzip import inspect_zip

    members = inspect_zip(file)
    return [
        m
        for m in members
        if re.search(r"(^|/)data/csv/[^/]+\.csv$", m.filename.replace("\\", "/"), re.I)
    ]


def _zip_head(file: Path, member: zipfile.ZipInfo) -> str:
    with zipfile.ZipFile(file) as archive, archive.open(member) as handle:
        return handle.readline(4096).decode("utf-8-sig", "replace").strip()


def is_codepoint(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is Code-Point Open: a CSV (with or without its header) or the zip."""
    file = Path(path)
    if not file.is_file():
        return False
    members = _zip_csvs(file)
    if members:
        return _layout(_zip_head(file, members[0])) is not None
    return _layout(_head(file)) is not None


def _parse(source: Any, first_line: str, name: str) -> pa.Table:
    layout = _layout(first_line)
    if layout is None:
        raise SchemaError(
            f"{name} is not a Code-Point Open CSV: its first line does not start with "
            "Postcode, Positional_quality_indicator, Eastings, Northings. Give the "
            "product's CSV (one national file, or the files of its Data/CSV folder) or its zip."
        )
    read_options = pacsv.ReadOptions(
        encoding="utf-8",
        block_size=8 << 20,
        column_names=list(CODEPOINT_COLUMNS) if layout == "bare" else None,
    )
    convert = pacsv.ConvertOptions(
        include_columns=list(_TYPES), column_types=_TYPES, strings_can_be_null=False
    )
    try:
        return pacsv.read_csv(source, read_options=read_options, convert_options=convert)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SchemaError(f"{name} cannot be read as Code-Point Open: {exc}") from exc


def _read_csv(file: Path) -> pa.Table:
    """One CSV (plain or gzip), or every ``Data/CSV`` file of the product's zip."""
    members = _zip_csvs(file)
    if members:
        tables = []
        with zipfile.ZipFile(file) as archive:
            for member in members:
                data = archive.read(member)
                first = data[:4096].split(b"\n", 1)[0].decode("utf-8-sig", "replace").strip()
                name = f"{file.name}:{member.filename}"
                tables.append(_parse(pa.BufferReader(data), first, name))
        return pa.concat_tables(tables)
    with file.open("rb") as raw:
        magic = raw.read(2)
    stream = pa.input_stream(str(file), compression="gzip" if magic == b"\x1f\x8b" else None)
    return _parse(stream, _head(file), file.name)


def _to_table(table: pa.Table) -> pa.Table:
    """The atlas's columns, postcodes normalised, from the product's columns."""
    postcode = normalise_postcodes(table.column("Postcode"))
    bad = postcode.null_count
    if bad:
        log.warning("Code-Point Open: %d rows without a valid postcode were left out", bad)
        table = table.filter(pc.is_valid(postcode))
        postcode = postcode.filter(pc.is_valid(postcode))
    quality = table.column("Positional_quality_indicator").combine_chunks()
    located = pc.not_equal(quality, NO_COORDINATES_QUALITY)
    east = pc.if_else(located, pc.cast(table.column("Eastings"), pa.float64()), None)
    north = pc.if_else(located, pc.cast(table.column("Northings"), pa.float64()), None)
    out = pa.table(
        {
            "postcode": postcode,
            "east": east,
            "north": north,
            "quality": quality,
            "country": pc.dictionary_encode(table.column("Country_code")),
            "district": pc.dictionary_encode(table.column("Admin_district_code")),
        }
    )
    if len(pc.unique(postcode)) != len(postcode):  # the product lists each postcode once
        keep = pd.Series(postcode.to_pandas()).duplicated(keep="first").to_numpy()
        out = out.filter(pa.array(~keep))
    return out


def _to_frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas().set_index("postcode")


def read_codepoint(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    cache: Cache | None = None,
) -> pd.DataFrame:
    """The Code-Point Open table, from the cache when this file was read before.

    Parameters
    ----------
    paths
        The national CSV (plain or gzip), or the product's per-area files.
    cache
        Where the Parquet copy is kept (``Cache.from_settings(settings)``);
        without one, the table is still remembered for the life of the process.

    Returns
    -------
    pandas.DataFrame
        Indexed by normalised postcode: ``east, north`` (BNG metres, NaN for
        positional quality 90), ``quality`` and the ``country`` and
        ``district`` codes.  Shared between callers: do not modify it.
    """
    files = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    missing = [str(f) for f in files if not f.is_file()]
    if missing or not files:
        raise SchemaError(f"Code-Point Open file not found: {', '.join(missing) or 'none given'}.")
    stamp = tuple((str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    if stamp in _memo:
        return _memo[stamp]
    key = f"postcodes/codepoint-{file_sha256(files)[:24]}-v{_CACHE_VERSION}"
    table = _cached(cache, key)
    if table is None:
        tables = [_read_csv(f) for f in files]
        table = _to_table(pa.concat_tables(tables) if len(tables) > 1 else tables[0])
        _store(cache, key, table, files)
    frame = _to_frame(table)
    _memo.clear()  # keep one national table in memory, not one per file ever read
    _memo[stamp] = frame
    log.info("Code-Point Open: %d postcodes", len(frame))
    return frame


def _cached(cache: Cache | None, key: str) -> pa.Table | None:
    if cache is None:
        return None
    path = cache.get(key)
    if path is None:
        return None
    try:
        return pq.read_table(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        log.warning("cached Code-Point table unreadable (%s); reading the CSV again", exc)
        return None


def _store(cache: Cache | None, key: str, table: pa.Table, files: list[Path]) -> None:
    if cache is None:
        return
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    try:
        cache.put_bytes(
            key, buffer.getvalue(), suffix=".parquet", meta={"files": [f.name for f in files]}
        )
    except CacheError as exc:
        log.warning("could not cache the Code-Point table: %s", exc)


def locate_in_codepoint(
    keys: Iterable[str], table: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Split normalised postcodes into those placed and those not, with reasons.

    Returns the rows of ``table`` for the placed postcodes (in the order
    given) and ``{postcode: reason}`` for the others: Northern Ireland (not in
    Code-Point), no coordinates (quality 90), or not found (not live).
    """
    wanted = pd.Index(list(dict.fromkeys(keys)), dtype="str")
    positions = table.index.get_indexer(wanted)
    listed = positions >= 0
    rows = table.iloc[positions[listed]].set_axis(wanted[listed])
    rows = rows.reindex(wanted)
    located = rows["east"].notna().to_numpy() & rows["north"].notna().to_numpy()
    failed: dict[str, str] = {}
    for key in wanted[~listed]:
        failed[key] = NORTHERN_IRELAND if is_northern_ireland(key) else NOT_IN_CODEPOINT
    for key in wanted[listed & ~located]:
        failed[key] = NO_COORDINATES
    return rows[np.asarray(located)], failed
