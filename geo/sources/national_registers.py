"""National registers of libraries and GP practices, placed by their postcodes.

Neither register has coordinates: each row is placed at its postcode's
Code-Point Open location (:mod:`geo.postcodes.codepoint`, BNG metres).

* **Public libraries** — Arts Council England's *basic dataset for
  libraries* (the successor of the DCMS basic dataset; columns ``name``,
  ``address1..3``, ``authority``, ``postcode``, ``type``, ``statutory_23``,
  ``operation_23``, ``closed``…).  Kept: static libraries (including local
  history libraries), statutory or not — council-run, community-run,
  commissioned and independent community libraries alike — that are open:
  ``closed`` (year of closure) is empty and ``operation_23`` is not
  ``Closed``.  Left out, and counted: closed libraries, temporary closures
  in 2023 (``operation_23`` or ``statutory_23`` "Temporary Closure"), mobile
  libraries (their postcode is a depot, not a place people visit), prison
  libraries (not open to the public) and archives.
* **GP practices** — the NHS Organisation Data Service file ``epraccur``
  (27 columns, no header; see :data:`EPRACCUR_COLUMNS`).  Kept: rows whose
  ``prescribing_setting`` is ``4`` (a GP practice) and ``status_code`` is
  ``A`` (active).  Other prescribing settings (out-of-hours, walk-in,
  community and hospital services…) and closed, dormant or proposed
  practices are counted and left out.  Branch surgeries are not in the file.

Every row read is accounted for (:class:`~geo.sources.assetfiles.AssetRead`):
left out by rule, not placed (``"postcode: <reason>"``: not a valid
postcode, not found in Code-Point Open, Northern Ireland, no coordinates),
or loaded.  :func:`national_register_assets` loads both registers a sources
file names, for checks of national coverage.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.config import Settings
from geo.errors import ConfigError, SchemaError
from geo.postcodes.codepoint import locate_in_codepoint, read_codepoint
from geo.postcodes.normalise import INVALID, normalise_postcode
from geo.sources.assetfiles import ASSET_CRS, AssetRead, finish_assets, tags_json

log = logging.getLogger(__name__)

PathArg = str | os.PathLike[str]

#: ``[[assets]]`` format names of the two registers.
LIBRARIES_FORMAT = "libraries_basic_dataset"
EPRACCUR_FORMAT = "nhs_epraccur"

#: The ODS standard layout of ``epraccur.csv`` (no header row).
EPRACCUR_COLUMNS: tuple[str, ...] = (
    "org_code",
    "name",
    "national_grouping",
    "high_level_health_geography",
    "address_1",
    "address_2",
    "address_3",
    "address_4",
    "address_5",
    "postcode",
    "open_date",
    "close_date",
    "status_code",
    "org_sub_type_code",
    "commissioner",
    "join_provider_date",
    "left_provider_date",
    "telephone",
    "null_19",
    "null_20",
    "null_21",
    "amended_record_indicator",
    "null_23",
    "provider_purchaser",
    "null_25",
    "prescribing_setting",
    "null_27",
)
GP_SETTING = "4"
ACTIVE = "A"
_STATUS = {"C": "closed", "D": "dormant", "P": "proposed"}

LIBRARY_COLUMNS = ("name", "postcode", "type", "operation_23", "closed")
CLOSED = "library closed"
TEMPORARILY_CLOSED = "library temporarily closed in 2023"
MOBILE = "mobile library (no fixed place)"
PRISON = "prison library (not open to the public)"
ARCHIVE = "archive, not a library"
NOT_GP = "not a GP practice (other prescribing setting)"


@dataclass(frozen=True)
class RegisterCounts:
    """What happened to a register's rows: read, kept by the rules, placed."""

    rows_read: int
    kept: int
    geocoded: int
    excluded: Mapping[str, int]
    unmatched: Mapping[str, int]

    def summary(self) -> str:
        """One line: read, kept, geocoded, and why the others are not there."""
        parts = [f"{self.rows_read} rows read, {self.kept} kept, {self.geocoded} geocoded"]
        if self.excluded:
            parts.append("left out: " + ", ".join(f"{k} {v}" for k, v in self.excluded.items()))
        if self.unmatched:
            parts.append("not placed: " + ", ".join(f"{k} {v}" for k, v in self.unmatched.items()))
        return "; ".join(parts)


def register_counts(read: AssetRead) -> RegisterCounts:
    """The counts of a register read from its :class:`AssetRead`."""
    prefix = "postcode: "
    rejected = read.rejected
    unmatched = {k.removeprefix(prefix): v for k, v in rejected.items() if k.startswith(prefix)}
    excluded = {k: v for k, v in rejected.items() if not k.startswith(prefix)}
    kept = read.rows_in - sum(excluded.values())
    return RegisterCounts(read.rows_in, kept, read.loaded, excluded, unmatched)


def _read_csv(file: Path, **options: Any) -> pd.DataFrame:
    try:
        return pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig", **options)
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise SchemaError(f"{file.name} cannot be read as CSV: {exc}.") from exc


def _postcode_table(postcodes: PathArg | pd.DataFrame | None, what: str) -> pd.DataFrame:
    if isinstance(postcodes, pd.DataFrame):
        return postcodes
    if postcodes is None:
        raise ConfigError(
            f"{what} has postcodes but no coordinates: give the Code-Point Open file with "
            'the option postcodes = "…/codepoint_open_….csv.gz" in its [[assets]] entry.'
        )
    return read_codepoint(postcodes)


#: What a register's reader gives for one kept row: identifier, name, address, tags.
Described = tuple[str, str, str, dict[str, Any]]


@dataclass(frozen=True)
class _Kept:
    """A register's rows that passed its own checks, and the count of the others."""

    file: Path
    rows: pd.DataFrame
    rows_in: int
    rejected: Counter[str]


def _place(
    kept: _Kept,
    *,
    category: str,
    source: str,
    describe: Callable[[object, dict[str, str]], Described],
    postcodes: PathArg | pd.DataFrame | None,
    bbox_wgs84: Sequence[float] | None,
) -> AssetRead:
    """Place the kept rows at their postcodes and finish the asset frame."""
    frame, rejected = kept.rows, kept.rejected
    table = _postcode_table(postcodes, kept.file.name)
    keys = [normalise_postcode(p) for p in frame["postcode"]]
    rows, failed = locate_in_codepoint([k for k in keys if k], table)
    east, north = rows["east"].to_dict(), rows["north"].to_dict()
    records: list[dict[str, Any]] = []
    rows_data = frame.to_dict(orient="records")
    for number, key, row in zip(frame.index, keys, rows_data, strict=True):
        if key is None:
            rejected[f"postcode: {INVALID}"] += 1
        elif key in failed:
            rejected[f"postcode: {failed[key]}"] += 1
        else:
            identifier, name, address, tags = describe(number, row)
            records.append(
                {
                    "asset_id": f"{source}:{identifier}",
                    "name": name,
                    "category": category,
                    "source": source,
                    "address": address,
                    "capacity": None,
                    "tags": tags_json(tags),
                    "geometry": Point(east[key], north[key]),
                }
            )
    return finish_assets(
        records,
        crs=ASSET_CRS,
        rows_in=kept.rows_in,
        rejected=rejected,
        bbox_wgs84=bbox_wgs84,
        notes=(f"{_PLACED[category]} placed at their postcode (Code-Point Open)",),
    )


_PLACED = {"library": "libraries", "health": "GP practices"}


def _address(row: Mapping[str, str], columns: Sequence[str], *, title: bool = False) -> str:
    """The address lines joined, then the postcode (upper-case lines title-cased)."""
    parts = [str(row[c]).strip() for c in columns if c in row and str(row[c]).strip()]
    if title:
        parts = [p.title() for p in parts]
    postcode = str(row.get("postcode", "")).strip()
    return ", ".join([*parts, postcode] if postcode and postcode not in parts else parts)


# --------------------------------------------------------------------------- libraries


def _library_exclusion(row: Mapping[str, str]) -> str | None:
    kind = row["type"].strip().casefold()
    operation = row["operation_23"].strip().casefold()
    statutory = str(row.get("statutory_23", "")).strip().casefold()
    if row["closed"].strip() or operation == "closed":
        return CLOSED
    if "temporary closure" in (operation, statutory):
        return TEMPORARILY_CLOSED
    if "mobile" in kind:
        return MOBILE
    if "prison" in kind:
        return PRISON
    if "archive" in kind:
        return ARCHIVE
    return None


def assets_from_libraries_basic(
    path: PathArg,
    *,
    postcodes: PathArg | pd.DataFrame | None = None,
    source: str = "national_libraries",
    bbox_wgs84: Sequence[float] | None = None,
) -> AssetRead:
    """Open public libraries of England from the Arts Council basic dataset.

    Parameters
    ----------
    path
        The basic dataset CSV (``libraries_england_2023.csv``).
    postcodes
        The Code-Point Open CSV, or a frame from
        :func:`~geo.postcodes.codepoint.read_codepoint`.
    source, bbox_wgs84
        As for every asset reader.
    """
    file = Path(path)
    data = _read_csv(file)
    missing = [c for c in LIBRARY_COLUMNS if c not in data.columns]
    if missing:
        raise SchemaError(
            f"{file.name} is not the libraries basic dataset: it lacks the column(s) "
            f"{', '.join(missing)}."
        )
    reasons = [_library_exclusion(row) for row in data.to_dict(orient="records")]
    rejected: Counter[str] = Counter(r for r in reasons if r)
    kept = _Kept(file, data[[r is None for r in reasons]], len(data), rejected)

    def describe(number: object, row: dict[str, str]) -> Described:
        address = _address(row, ("address1", "address2", "address3"))
        tags = {k: v for k, v in row.items() if not k.startswith("co_located_")}
        return str(number), row["name"], address, tags

    return _place(
        kept, category="library", source=source, describe=describe,
        postcodes=postcodes, bbox_wgs84=bbox_wgs84,
    )  # fmt: skip


# --------------------------------------------------------------------------- GP practices


def assets_from_epraccur(
    path: PathArg,
    *,
    postcodes: PathArg | pd.DataFrame | None = None,
    source: str = "gp_practices",
    bbox_wgs84: Sequence[float] | None = None,
) -> AssetRead:
    """Active GP practices from the NHS ODS ``epraccur`` file.

    Parameters
    ----------
    path
        ``epraccur.csv`` (no header, 27 columns).
    postcodes, source, bbox_wgs84
        As for :func:`assets_from_libraries_basic`.
    """
    file = Path(path)
    data = _read_csv(file, header=None)
    if data.shape[1] != len(EPRACCUR_COLUMNS):
        raise SchemaError(
            f"{file.name} is not the ODS epraccur file: it has {data.shape[1]} columns, "
            f"not {len(EPRACCUR_COLUMNS)}."
        )
    data.columns = list(EPRACCUR_COLUMNS)
    setting = data["prescribing_setting"].str.strip()
    status = data["status_code"].str.strip()
    rejected: Counter[str] = Counter()
    rejected[NOT_GP] = int((setting != GP_SETTING).sum())
    practices = setting == GP_SETTING
    for code, count in status[practices & (status != ACTIVE)].value_counts().items():
        rejected[f"GP practice {_STATUS.get(str(code), f'status {code}')}"] += int(count)
    kept = _Kept(file, data[practices & (status == ACTIVE)], len(data), rejected)

    def describe(number: object, row: dict[str, str]) -> Described:
        address = _address(row, tuple(f"address_{i}" for i in range(1, 6)), title=True)
        tags = {k: row[k] for k in EPRACCUR_COLUMNS if not k.startswith("null")}
        return row["org_code"].strip(), row["name"].strip().title(), address, tags

    return _place(
        kept, category="health", source=source, describe=describe,
        postcodes=postcodes, bbox_wgs84=bbox_wgs84,
    )  # fmt: skip


# --------------------------------------------------------------------------- both


READERS: Mapping[str, Callable[..., AssetRead]] = {
    LIBRARIES_FORMAT: assets_from_libraries_basic,
    EPRACCUR_FORMAT: assets_from_epraccur,
}


def national_register_assets(
    settings: Settings | PathArg,
) -> tuple[gpd.GeoDataFrame, dict[str, RegisterCounts]]:
    """Both national registers a sources file names, as one asset frame.

    Parameters
    ----------
    settings
        Settings naming a sources file (the Code-Point table is then read
        through their download cache), or the sources file itself.

    Returns
    -------
    tuple
        The standard asset frame (libraries as ``library``, GP practices as
        ``health``; EPSG:27700) and each register's counts by source key.

    Raises
    ------
    ConfigError
        When there is no sources file or it names neither register.
    """
    from geo.net.cache import Cache
    from geo.sources.registry import load_sources

    if isinstance(settings, Settings):
        sources_file, cache = settings.sources_file, Cache.from_settings(settings)
    else:
        sources_file, cache = Path(settings), None
    if sources_file is None:
        raise ConfigError("No sources file is set, so no national register can be read.")
    sources = load_sources(Path(sources_file))
    frames: list[gpd.GeoDataFrame] = []
    counts: dict[str, RegisterCounts] = {}
    for asset_file in sources.asset_files:
        reader = READERS.get(str(asset_file.options.get("format")))
        if reader is None:
            continue
        options = {k: v for k, v in asset_file.options.items() if k != "format"}
        if isinstance(options.get("postcodes"), str):
            options["postcodes"] = read_codepoint(options["postcodes"], cache=cache)
        read = reader(asset_file.path, **{**options, "source": asset_file.source})
        frames.append(read.frame)
        counts[asset_file.source] = register_counts(read)
        log.info("%s: %s", asset_file.source, counts[asset_file.source].summary())
    if not frames:
        raise ConfigError(
            f"{sources_file} names no national register ([[assets]] with format "
            f"{LIBRARIES_FORMAT!r} or {EPRACCUR_FORMAT!r})."
        )
    frame = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=ASSET_CRS), counts
