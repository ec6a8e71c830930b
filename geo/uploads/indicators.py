"""Indicator tables uploaded by a user, joined to LSOA 2021 areas.

:func:`read_indicators_upload` reads a CSV/TSV/XLSX table keyed by one of:

* **LSOA 2021 codes**: used as they are;
* **LSOA 2011 codes** (or a mix of both): with the ONS LSOA 2011 → 2021
  lookup (``lsoa_lookup``, from
  :func:`geo.sources.lookups.read_lsoa11_lsoa21_lookup`), a code found among
  the 2021 codes is used as is (unchanged areas keep their code), and a code
  found only among the 2011 codes is carried to 2021 with
  :func:`geo.sources.deprivation.bridge_lsoa11_to_lsoa21`: on a split each
  2021 part repeats a rate and shares a count equally; on a merge rates are
  averaged and counts summed.  A 2021 area given directly and also reached
  through a 2011 code keeps its direct value.  Without a lookup, LSOA codes are
  taken as 2021 codes and cannot be checked (a note says so);
* **MSOA, ward or local-authority codes**: joined to their LSOAs through
  ``area_lookup`` (a frame indexed by ``lsoa21cd`` with an MSOA, ward or LAD
  code column).  Rates and scores are **repeated** for every LSOA of the area;
  counts are **apportioned** equally among its LSOAs (or by ``weights``, a
  population by LSOA);
* **postcodes**: each row is one record, geocoded (``geocoder``) to its
  LSOA 2021, and the records are **counted** per LSOA (value columns summed).
  Areas with fewer than ``min_count`` (default 5) records are **suppressed**:
  their count and values are blanked and ``suppressed`` is true, so small
  numbers cannot identify people.

Values: the user chooses the value columns (``mapping.values``; by default
every column that is mostly numbers) and which of them are counts
(``mapping.counts``).  Thousands separators, ``%`` and ``£`` are read;
statistical markers (``..``, ``*``, ``c``, ``x``, ``-``, blank) are missing
values; any other text rejects the row (``value is not a number``).  A chosen
column that is mostly not numbers fails the upload.

Rows are rejected for a missing code, text that is not an area code, a code of
another geography level than most rows, a code listed twice, or a code the
lookups do not know; rows for areas outside ``areas`` (the study area's
LSOA 2021 codes) are listed as outside the study area.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from typing import Any

import pandas as pd

from geo.config import Settings
from geo.errors import UploadError
from geo.uploads import result as R
from geo.uploads.columns import ColumnMapping, find, norm, numeric_share
from geo.uploads.indicator_postcodes import postcode_mode
from geo.uploads.limits import UploadLimits
from geo.uploads.numbers import is_missing, parse_number
from geo.uploads.result import Detected, RowLog, UploadResult
from geo.uploads.safety import check_size
from geo.uploads.sniff import LABELS, TABLE_FORMATS, sniff
from geo.uploads.tables import read_table
from geo.uploads.value_columns import no_numbers, report_dropped, row_values

log = logging.getLogger(__name__)

_CODE = re.compile(r"^[EWSN]\d{8}$")
LEVELS = {
    "lsoa": ("LSOA", ("E01", "W01")),
    "msoa": ("MSOA", ("E02", "W02")),
    "ward": ("ward", ("E05", "W05")),
    "lad": ("local authority", ("E06", "E07", "E08", "E09", "W06")),
}
_KEY_NAMES = (
    "lsoa21cd",
    "lsoa11cd",
    "lsoa code",
    "lsoa",
    "lsoa21",
    "lsoa11",
    "msoa21cd",
    "msoa11cd",
    "msoa code",
    "msoa",
    "ward code",
    "wd24cd",
    "wd23cd",
    "wd22cd",
    "lad code",
    "lad24cd",
    "lad23cd",
    "lad22cd",
    "la code",
    "area code",
    "geography code",
    "code",
    "postcode",
    "post code",
    "pcds",
)
_LOOKUP_COLUMNS = {
    "msoa": re.compile(r"^msoa(\d\d)?(cd|code)$|^msoa(\d\d)?_?code$"),
    "ward": re.compile(r"^(ward|wd)(\d\d)?(cd|code)$|^ward(\d\d)?_?code$"),
    "lad": re.compile(r"^(lad|ltla|la)(\d\d)?(cd|code)$|^(lad|ltla)(\d\d)?_?code$"),
}


def code_level(code: str) -> str | None:
    """``"lsoa"``, ``"msoa"``, ``"ward"``, ``"lad"`` or ``None`` from a GSS code's prefix."""
    if not _CODE.match(code):
        return None
    for level, (_label, prefixes) in LEVELS.items():
        if code.startswith(prefixes):
            return level
    return "other"


def _guess_key(frame: pd.DataFrame) -> str | None:
    from geo.postcodes import normalise_postcode

    columns = list(frame.columns)
    lookup = {norm(c): c for c in reversed(columns)}
    for name in _KEY_NAMES:
        if norm(name) in lookup:
            return lookup[norm(name)]
    for column in columns:
        cells = [v.strip() for v in frame[column].astype("str").head(500) if v.strip()]
        if not cells:
            continue
        hits = sum(1 for v in cells if _CODE.match(v.upper()) or normalise_postcode(v))
        if hits >= 0.6 * len(cells):
            return column
    return None


def _lookup_column(area_lookup: pd.DataFrame, level: str) -> str | None:
    pattern = _LOOKUP_COLUMNS[level]
    for column in area_lookup.columns:
        if pattern.match(re.sub(r"[\s_]+", "", str(column)).casefold()):
            return str(column)
    return None


def _value_columns(
    frame: pd.DataFrame, key: str, mapping: ColumnMapping, notes: list[str]
) -> tuple[list[str], list[str]]:
    """The value columns (chosen, or the numeric ones) and which of them are counts."""
    columns = list(frame.columns)
    if mapping.values:
        value_cols = [find(columns, v, "value") for v in mapping.values]
    else:
        candidates = [
            c for c in columns if c != key and not re.search(r"(name|nm|code|cd)$", norm(c))
        ]
        value_cols = [c for c in candidates if numeric_share(frame[c]) >= 0.6]
        report_dropped(frame, [c for c in candidates if c not in value_cols], value_cols, notes)
    counts = [find(columns, c, "count") for c in mapping.counts]
    stray = [c for c in counts if c not in value_cols]
    if stray:
        raise UploadError(f"Count column(s) {', '.join(stray)} must also be value columns.")
    for column in value_cols:
        share = numeric_share(frame[column])
        cells = [v for v in frame[column].astype("str") if v.strip() and not is_missing(v)]
        if cells and share < 0.5:
            example = next(v for v in cells if parse_number(v) is None)
            raise UploadError(
                f"Column {column!r} is not numeric (for example {example!r}); choose number "
                "columns as values."
            )
    empty = [c for c in value_cols if no_numbers(frame[c])]
    if empty:
        value_cols = [c for c in value_cols if c not in empty]
        report_dropped(frame, empty, value_cols, notes)
    return value_cols, counts


def _indicator_result(
    sniffed: Any,
    table: Any,
    records: list[dict[str, Any]],
    guesses: dict[str, Any],
    body: tuple[pd.DataFrame, int, int],
    rowlog: RowLog,
    notes: list[str],
) -> UploadResult:
    out, loaded, outside = body
    columns = list(table.frame.columns)
    detected = Detected(
        format=sniffed.format,
        format_label=LABELS[sniffed.format],
        encoding=table.encoding,
        delimiter=table.delimiter,
        columns=tuple(columns),
        guesses=guesses,
        sheets=table.sheets,
        sheet=table.sheet,
    )
    result = UploadResult(
        kind="indicators",
        frame=out,
        rows_in=len(records) + len(table.rejected),
        loaded=loaded,
        rejections=rowlog.frame(),
        outside_area=outside,
        detected=detected,
        notes=tuple(notes),
    )
    log.info("Indicator upload: %s", result.summary())
    return result


def read_indicators_upload(
    data: bytes,
    filename: str = "",
    *,
    mapping: ColumnMapping | None = None,
    settings: Settings | None = None,
    lsoa_lookup: pd.DataFrame | None = None,
    area_lookup: pd.DataFrame | None = None,
    areas: Collection[str] | None = None,
    weights: pd.Series | None = None,
    geocoder: Callable[[Sequence[str]], Any] | None = None,
    min_count: int = 5,
    layer: str | None = None,
    limits: UploadLimits | None = None,
) -> UploadResult:
    """Read an indicator table into values indexed by ``lsoa21cd`` (see the module docstring).

    Returns an :class:`UploadResult` whose ``frame`` is indexed by
    ``lsoa21cd`` with one float column per value column (postcode tables:
    ``records`` plus summed values and a boolean ``suppressed``).
    """
    del settings  # accepted for a uniform signature; nothing here reads it
    limits = limits or UploadLimits()
    mapping = mapping or ColumnMapping()
    check_size(len(data), limits)
    sniffed = sniff(data, filename, limits)
    if sniffed.format not in TABLE_FORMATS:
        raise UploadError(
            f"Indicators must be a table (CSV, TSV or XLSX); this file is {sniffed.label}."
        )
    table = read_table(data, sniffed, limits, sheet=layer)
    notes = list(sniffed.notes) + table.notes
    rowlog = RowLog()
    for number, reason, values in table.rejected:
        rowlog.add(number, reason, values)
    frame = table.frame
    columns = list(frame.columns)
    key = find(columns, mapping.code, "area code") if mapping.code else _guess_key(frame)
    if key is None:
        raise UploadError(
            "No column of area codes or postcodes was found. Name it (for example LSOA21CD, "
            f"LSOA11CD, MSOA21CD, LAD24CD or postcode) or choose it. Columns: {', '.join(columns)}."
        )
    value_cols, counts = _value_columns(frame, key, mapping, notes)
    guesses = {"code": key, "values": value_cols, "counts": counts}
    records = frame.to_dict(orient="records")
    keys = [str(r.get(key, "") or "").strip() for r in records]

    from geo.postcodes import normalise_postcode

    is_postcode = [normalise_postcode(k) is not None and not _CODE.match(k.upper()) for k in keys]
    non_blank = [k for k in keys if k]
    if non_blank and sum(is_postcode) > 0.5 * len(non_blank):
        body = postcode_mode(
            records, table.rows, key, value_cols, keys, geocoder, areas, min_count, rowlog, notes
        )
        mode = "postcode"
    else:
        body = _code_mode(
            records,
            table.rows,
            key,
            value_cols,
            counts,
            keys,
            lsoa_lookup,
            area_lookup,
            areas,
            weights,
            rowlog,
            notes,
        )
        mode = "code"
    guesses["key type"] = mode
    return _indicator_result(sniffed, table, records, guesses, body, rowlog, notes)


def _lsoa_children(
    lsoa_lookup: pd.DataFrame | None,
) -> tuple[set[str], set[str], dict[str, list[str]]]:
    """LSOA 2021 codes, LSOA 2011 codes, and the 2021 codes each 2011 code became."""
    set21: set[str] = set()
    set11: set[str] = set()
    children: dict[str, list[str]] = {}
    if lsoa_lookup is not None:
        set21 = set(lsoa_lookup["lsoa21cd"].dropna())
        set11 = set(lsoa_lookup["lsoa11cd"].dropna())
        pairs = lsoa_lookup.dropna(subset=["lsoa11cd", "lsoa21cd"])
        for old_code, new_code in zip(pairs["lsoa11cd"], pairs["lsoa21cd"], strict=True):
            children.setdefault(old_code, []).append(new_code)
    return set21, set11, children


def _parent_members(
    level: str, label: str, area_lookup: pd.DataFrame | None
) -> dict[str, list[str]]:
    """The LSOA 2021 codes of each MSOA, ward or authority code (empty for LSOA codes)."""
    members: dict[str, list[str]] = {}
    if level != "lsoa":
        if area_lookup is None:
            raise UploadError(
                f"The codes are {label} codes: give a lookup from LSOA 2021 to {label} "
                f"(area_lookup) so the values can be joined to LSOAs."
            )
        lookup = area_lookup.reset_index() if "lsoa21cd" not in area_lookup.columns else area_lookup
        column = _lookup_column(lookup, level)
        if column is None or "lsoa21cd" not in lookup.columns:
            raise UploadError(
                f"The area lookup has no {label} code column (columns: "
                f"{', '.join(map(str, lookup.columns))})."
            )
        for lsoa, parent in zip(lookup["lsoa21cd"], lookup[column], strict=True):
            if isinstance(parent, str) and isinstance(lsoa, str):
                members.setdefault(parent.strip().upper(), []).append(lsoa)
    return members


def _bridged_old(
    old: dict[str, dict[str, float]],
    direct: dict[str, dict[str, float]],
    value_cols: list[str],
    counts: list[str],
    lsoa_lookup: pd.DataFrame | None,
    notes: list[str],
) -> pd.DataFrame:
    """Values given on LSOA 2011 codes, carried to LSOA 2021 with the ONS lookup."""
    from geo.sources.deprivation import bridge_lsoa11_to_lsoa21

    assert lsoa_lookup is not None
    renamed = {c: (f"population__{c}" if c in counts else c) for c in value_cols}
    values11 = pd.DataFrame.from_dict(old, orient="index", columns=value_cols).rename(
        columns=renamed
    )
    values11.index.name = "lsoa11cd"
    pairs = lsoa_lookup[lsoa_lookup["lsoa11cd"].isin(list(old))]
    bridged = bridge_lsoa11_to_lsoa21(values11, pairs).frame
    bridged = bridged.rename(columns={v: k for k, v in renamed.items()})[value_cols]
    clash = bridged.index.intersection(pd.Index(list(direct)))
    if len(clash):
        notes.append(
            f"{len(clash)} LSOA 2021 area(s) had a value given directly and one carried from "
            "a 2011 code; the direct value was kept."
        )
        bridged = bridged.drop(index=clash)
    notes.append(
        f"{len(old):,} LSOA 2011 code(s) were carried to {len(bridged):,} LSOA 2021 area(s) "
        "with the ONS lookup: split areas repeat rates and share counts equally; merged "
        "areas average rates and add counts."
    )
    if direct:
        notes.append("The table mixes LSOA 2011 and LSOA 2021 codes; both were used.")
    return bridged


def _shared_parents(
    parents: dict[str, dict[str, float]],
    members: dict[str, list[str]],
    weights: pd.Series | None,
    value_cols: list[str],
    counts: list[str],
    label: str,
    notes: list[str],
) -> pd.DataFrame:
    """Values given on larger areas, repeated (rates) or shared (counts) over their LSOAs."""
    rows: dict[str, dict[str, float]] = {}
    w = None if weights is None else pd.to_numeric(pd.Series(weights), errors="coerce")
    for parent, values in parents.items():
        lsoas = members[parent]
        if w is not None:
            share = w.reindex(lsoas).fillna(0.0)
            total = float(share.sum())
            fractions = (
                (share / total).to_dict() if total > 0 else dict.fromkeys(lsoas, 1 / len(lsoas))
            )
        else:
            fractions = dict.fromkeys(lsoas, 1 / len(lsoas))
        for lsoa in lsoas:
            rows[lsoa] = {c: (v * fractions[lsoa] if c in counts else v) for c, v in values.items()}
    how = "population weights" if weights is not None else "equal shares"
    notes.append(
        f"{label} values were joined to {len(rows):,} LSOA(s): rates and scores are repeated "
        f"for every LSOA of their {label}"
        + (
            f"; counts ({', '.join(counts)}) are shared among its LSOAs by {how}."
            if counts
            else "."
        )
    )
    return pd.DataFrame.from_dict(rows, orient="index", columns=value_cols)


def _code_problem(
    code: str, row_level: str | None, level: str, seen: dict[str, int]
) -> tuple[str, dict[str, Any]] | None:
    """Why a row's code cannot be used (missing, not a code, another level, repeated)."""
    if not code:
        return R.MISSING_CODE, {}
    if row_level is None or row_level == "other":
        return R.NOT_A_CODE, {}
    if row_level != level:
        return f"{R.OTHER_LEVEL} ({LEVELS[row_level][0]}, not {LEVELS[level][0]})", {}
    if code in seen:
        return R.DUPLICATE_CODE, {"first at row": seen[code]}
    return None


def _code_mode(
    records: list[dict[str, Any]],
    numbers: list[int],
    key: str,
    value_cols: list[str],
    counts: list[str],
    keys: list[str],
    lsoa_lookup: pd.DataFrame | None,
    area_lookup: pd.DataFrame | None,
    areas: Collection[str] | None,
    weights: pd.Series | None,
    rowlog: RowLog,
    notes: list[str],
) -> tuple[pd.DataFrame, int, int]:
    codes = [k.upper().replace(" ", "") for k in keys]
    levels = [code_level(c) if c else None for c in codes]
    tally = Counter(lv for lv in levels if lv and lv != "other")
    if not tally:
        raise UploadError(
            f"Column {key!r} holds no LSOA, MSOA, ward or local-authority codes (such as "
            "E01000001); choose the column of area codes."
        )
    level = tally.most_common(1)[0][0]
    label = LEVELS[level][0]
    area_set = set(areas) if areas is not None else None
    set21, set11, children = _lsoa_children(lsoa_lookup)
    members = _parent_members(level, label, area_lookup)
    seen: dict[str, int] = {}
    missing: Counter[str] = Counter()
    direct: dict[str, dict[str, float]] = {}
    old: dict[str, dict[str, float]] = {}
    parents: dict[str, dict[str, float]] = {}
    loaded = outside = 0
    for record, number, code, row_level in zip(records, numbers, codes, levels, strict=True):
        shown = {key: record.get(key, "")}
        problem = _code_problem(code, row_level, level, seen)
        if problem is not None:
            rowlog.add(number, problem[0], {**shown, **problem[1]})
            continue
        seen[code] = number
        values, bad = row_values(record, value_cols, missing)
        if bad is not None:
            rowlog.add(number, R.NOT_A_NUMBER, {**shown, **bad})
            continue
        if level != "lsoa":
            target, bucket = members.get(code, []), parents
        elif lsoa_lookup is None or code in set21:
            target, bucket = [code], direct
        else:
            target, bucket = children.get(code, []), old
        if (level != "lsoa" and not target) or (bucket is old and code not in set11):
            rowlog.add(number, R.UNKNOWN_CODE, shown)  # in no lookup, or an area with no LSOAs
            continue
        if area_set is not None and not any(t in area_set for t in target):
            rowlog.add(number, R.OUTSIDE_AREA, shown)
            outside += 1
            continue
        bucket[code] = values
        loaded += 1
    for column, n in missing.items():
        notes.append(
            f"Column {column!r}: {n:,} blank or suppressed cell(s) read as missing values."
        )

    frames: list[pd.DataFrame] = []
    if direct:
        frames.append(pd.DataFrame.from_dict(direct, orient="index", columns=value_cols))
        if lsoa_lookup is None and level == "lsoa":
            notes.append(
                "No LSOA 2011 → 2021 lookup was given: LSOA codes were taken as 2021 codes "
                "without checking them."
            )
    if old:
        frames.append(_bridged_old(old, direct, value_cols, counts, lsoa_lookup, notes))
    if parents:
        frames.append(_shared_parents(parents, members, weights, value_cols, counts, label, notes))
    out = pd.concat(frames) if frames else pd.DataFrame(columns=value_cols, dtype="float64")
    out = out.astype("float64")
    out.index = out.index.astype("str")
    out.index.name = "lsoa21cd"
    if area_set is not None:
        out = out[out.index.isin(list(area_set))]
    return out.sort_index(), loaded, outside
