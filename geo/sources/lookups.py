"""Area lookups: LSOA 2021 → ward → local authority, and LSOA 2011 → LSOA 2021.

Methods
-------
Every loader here takes a path (``str`` or :class:`~pathlib.Path`), the raw
``bytes`` of a download, or an ArcGIS JSON answer already parsed into a
``dict`` (``{"features": [{"properties": {...}}]}`` as GeoJSON, or
``{"features": [{"attributes": {...}}]}`` as Esri JSON; a list of such pages
is accepted too, since ArcGIS layers are read page by page).

Columns are found **by name**, never by position. Header names are compared
after removing a UTF-8 byte-order mark, surrounding and repeated whitespace and
letter case, against a list of known aliases: the official ONS names
(``LSOA21CD``, ``WD24CD``, ``LAD22CD``…, the year digits may be any year; when a
file carries several years the latest is used) and the names used by common
re-publications (the geographr R package's ``lsoa21_code``, ``ward24_code``,
``ltla24_code``…). Codes are always read as strings. A missing column raises
:class:`~geo.errors.SchemaError` naming the file, the missing column(s), the
columns that were found and what the file should contain.

The OA → LSOA → MSOA → LAD lookup has one row per output area: it is reduced
to one row per LSOA (LSOAs nest in local authorities, so the LAD is the same
for every OA of an LSOA; this is checked). That lookup has no wards, so
``ward_code``/``ward_name`` are left empty (NaN) and a note says so in
``frame.attrs["notes"]``.

The helpers :func:`read_table` and :func:`find_columns` are shared by the
other source loaders (deprivation, census, boundaries).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import DataSourceError, SchemaError

logger = logging.getLogger(__name__)

#: What a loader accepts: a path, the bytes of a download, or parsed ArcGIS JSON.
Source = str | os.PathLike | bytes | Mapping[str, Any] | Sequence[Mapping[str, Any]]

#: An alias is an exact header (compared normalised) or a regular expression
#: matched against the whole normalised header.
Alias = str | re.Pattern[str]

_GZIP_MAGIC = b"\x1f\x8b"
_CODE_RE = re.compile(r"^[A-Z][0-9A-Z]{8}$")

CHANGE_CODES = {
    "U": "unchanged",
    "S": "split (one 2011 LSOA became two or more 2021 LSOAs)",
    "M": "merged (two or more 2011 LSOAs became one 2021 LSOA)",
    "X": "irregular (boundary redrawn; neither a simple split nor a merge)",
}

_COUNTRIES = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"}


# --------------------------------------------------------------------------
# Shared helpers: reading tables and finding columns by name
# --------------------------------------------------------------------------


def source_name(source: object) -> str:
    """A short human-readable name for a source, used in messages."""
    if isinstance(source, str | os.PathLike):
        return str(source)
    if isinstance(source, bytes | bytearray):
        return f"<{len(source):,} bytes of downloaded data>"
    if isinstance(source, Mapping | list | tuple):
        return "<ArcGIS JSON answer>"
    return f"<{type(source).__name__}>"


def normalise_header(header: object) -> str:
    """Header text for comparison: no BOM, trimmed, one space between words, lower case."""
    text = str(header).replace("\ufeff", "")
    return re.sub(r"\s+", " ", text).strip().casefold()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets saved from Excel on Windows arrive as cp1252.
        return data.decode("cp1252", errors="replace")


def _read_bytes(source: str | os.PathLike) -> bytes:
    path = Path(source)
    if not path.is_file():
        raise DataSourceError(f"File {path} does not exist or is not a file.")
    return path.read_bytes()


def _features_to_frame(obj: Any, name: str) -> pd.DataFrame:
    """Attribute table of a (list of) GeoJSON / Esri JSON answer(s)."""
    pages = obj if isinstance(obj, list | tuple) else [obj]
    rows: list[Mapping[str, Any]] = []
    for page in pages:
        if not isinstance(page, Mapping):
            raise SchemaError(f"{name}: expected a JSON object with 'features', got {type(page)}.")
        if "error" in page:
            raise DataSourceError(f"{name}: the server answered with an error: {page['error']!r}.")
        feats = page.get("features")
        if feats is None:
            raise SchemaError(
                f"{name}: a JSON answer must have a 'features' list (ArcGIS query with "
                f"f=geojson or f=json); found keys {sorted(page)}."
            )
        for feat in feats:
            props = feat.get("properties")
            if props is None:
                props = feat.get("attributes", {})
            rows.append(props or {})
    frame = pd.DataFrame.from_records(rows)
    for column in frame.columns:
        values = frame[column]
        frame[column] = values.astype("str").where(values.notna())
    return frame


def read_table(source: Source, *, what: str = "a table") -> pd.DataFrame:
    """Read a CSV (plain or gzip), or the attributes of an ArcGIS JSON answer, as text.

    Every column is read as text (``str`` dtype), so codes keep leading zeros
    and numbers with thousands separators survive; callers convert the
    columns they need.

    Parameters
    ----------
    source
        Path to a ``.csv``/``.csv.gz``/``.json``/``.geojson`` file, the bytes of
        one, or a parsed ArcGIS JSON answer (``dict`` or list of pages).
    what
        What the table should contain, used in error messages.

    Returns
    -------
    pandas.DataFrame
        The table with its original headers (BOM removed, whitespace trimmed).
        ``attrs["source"]`` holds the source's name.
    """
    name = source_name(source)
    if isinstance(source, Mapping | list | tuple):
        frame = _features_to_frame(source, name)
    else:
        if isinstance(source, str | os.PathLike):
            data = _read_bytes(source)
        elif isinstance(source, bytes | bytearray):
            data = bytes(source)
        else:
            raise TypeError(
                f"Cannot read {what} from a {type(source).__name__}: give a path, bytes "
                "or a parsed ArcGIS JSON answer."
            )
        if data[:2] == _GZIP_MAGIC:
            data = gzip.decompress(data)
        text = _decode(data)
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                obj = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise SchemaError(f"{name} looks like JSON but cannot be parsed: {exc}.") from None
            frame = _features_to_frame(obj, name)
        else:
            if not stripped:
                raise SchemaError(f"{name} is empty; it should be {what}.")
            try:
                frame = pd.read_csv(
                    io.StringIO(text),
                    dtype=str,
                    keep_default_na=False,
                    na_values=[""],
                    skipinitialspace=True,
                )
            except (pd.errors.ParserError, ValueError) as exc:
                raise SchemaError(
                    f"{name} cannot be read as CSV ({exc}); it should be {what}."
                ) from exc
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    frame.attrs["source"] = name
    return frame


def _year_of(header: str) -> int:
    digits = re.findall(r"\d+", header)
    if not digits:
        return -1
    value = int(digits[-1])
    return value + 2000 if value < 100 else value


def _alias_text(alias: Alias) -> str:
    return alias.pattern if isinstance(alias, re.Pattern) else alias


def find_columns(
    frame: pd.DataFrame,
    spec: Mapping[str, Sequence[Alias]],
    *,
    required: Sequence[str] = (),
    what: str,
    source: str | None = None,
) -> dict[str, str]:
    """Map logical column names to the frame's real headers, by name.

    Parameters
    ----------
    frame
        The table.
    spec
        For each logical name, its accepted aliases: exact header texts
        (compared after :func:`normalise_header`) or compiled regular
        expressions matched against the whole normalised header. Exact
        aliases are tried first, in order; among several regex matches the one
        with the latest year in its name wins (``LAD24CD`` over ``LAD22CD``).
    required
        Logical names that must be found.
    what
        What the file should contain, for the error message.
    source
        The file's name; defaults to ``frame.attrs["source"]``.

    Returns
    -------
    dict
        Logical name → header, for every logical name that was found.

    Raises
    ------
    SchemaError
        When a required column is missing; the message names the file, the
        missing columns with the names accepted for them, the columns found
        and what the file should contain.
    """
    norm = {normalise_header(c): c for c in frame.columns}
    found: dict[str, str] = {}
    used: set[str] = set()
    for logical, aliases in spec.items():
        hit = None
        for alias in aliases:
            if isinstance(alias, str):
                key = normalise_header(alias)
                if key in norm and norm[key] not in used:
                    hit = norm[key]
                    break
            else:
                matches = [
                    orig for key, orig in norm.items() if alias.fullmatch(key) and orig not in used
                ]
                if matches:
                    hit = max(matches, key=_year_of)
                    break
        if hit is not None:
            found[logical] = hit
            used.add(hit)
    missing = [name for name in required if name not in found]
    if missing:
        raise missing_columns_error(
            source or frame.attrs.get("source", "the table"),
            {m: spec.get(m, ()) for m in missing},
            list(frame.columns),
            what,
        )
    return found


def missing_columns_error(
    source: str, missing: Mapping[str, Sequence[Alias]], columns: Sequence[str], what: str
) -> SchemaError:
    """The :class:`SchemaError` for missing columns, with a message that says how to fix it."""
    parts = []
    for logical, aliases in missing.items():
        names = ", ".join(repr(_alias_text(a)) for a in list(aliases)[:6])
        parts.append(f"{logical!r} (a column named {names})" if names else repr(logical))
    shown = ", ".join(repr(c) for c in list(columns)[:40])
    if len(columns) > 40:
        shown += f", … ({len(columns)} in all)"
    return SchemaError(
        f"{source} is missing column(s) {'; '.join(parts)}. Columns found: [{shown}]. "
        f"The file should be {what}."
    )


def parse_numbers(values: pd.Series, *, column: str, source: str) -> pd.Series:
    """Numbers from a text column: thousands separators and spaces removed, blanks → NaN.

    Raises
    ------
    SchemaError
        When a non-blank cell is not a number (the message shows examples).
    """
    try:
        return values.astype("float64")
    except (ValueError, TypeError):
        pass
    text = values.astype("str").str.replace(",", "", regex=False).str.strip()
    text = text.where(values.notna() & (text != ""))
    numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() & text.notna()
    if bad.any():
        sample = ", ".join(repr(v) for v in text[bad].unique()[:3])
        raise SchemaError(f"{source}: column {column!r} has values that are not numbers: {sample}.")
    return numbers.astype("float64")


def clean_codes(values: pd.Series) -> pd.Series:
    """Area codes as trimmed strings (NaN stays NaN)."""
    return values.astype("str").str.strip().where(values.notna())


def check_unique(codes: pd.Series, *, source: str, what: str) -> None:
    """Raise :class:`SchemaError` if an area code appears twice."""
    dup = codes[codes.duplicated()]
    if len(dup):
        sample = ", ".join(map(str, dup.unique()[:5]))
        raise SchemaError(
            f"{source}: {len(dup)} duplicated {what} code(s), e.g. {sample}. Each area should "
            "appear once."
        )


def valid_code_list(codes: Sequence[str] | pd.Index | pd.Series) -> list[str]:
    """Check that codes look like GSS codes (``E01000001``) and return them as a list."""
    out = []
    for code in codes:
        text = str(code).strip()
        if not _CODE_RE.fullmatch(text):
            raise SchemaError(
                f"{code!r} is not an area code: GSS codes are a letter and eight characters, "
                "e.g. E01000001 (LSOA) or E08000003 (local authority)."
            )
        out.append(text)
    return out


# --------------------------------------------------------------------------
# LSOA 2021 → ward → local authority
# --------------------------------------------------------------------------

_LSOA21_SPEC: dict[str, list[Alias]] = {
    "lsoa21cd": ["LSOA21CD", "lsoa21_code", "LSOA code (2021)", "lsoa21"],
    "lsoa21nm": ["LSOA21NM", "lsoa21_name", "LSOA name (2021)"],
    "ward_code": [re.compile(r"wd\d{2}cd"), re.compile(r"ward\d{2}_code"), "ward_code"],
    "ward_name": [re.compile(r"wd\d{2}nm"), re.compile(r"ward\d{2}_name"), "ward_name"],
    "lad_code": [
        re.compile(r"lad\d{2}cd"),
        re.compile(r"ltla\d{2}_code"),
        re.compile(r"ltla\d{2}cd"),
        "lad_code",
        re.compile(r"local authority district code \(\d{4}\)"),
    ],
    "lad_name": [
        re.compile(r"lad\d{2}nm"),
        re.compile(r"ltla\d{2}_name"),
        re.compile(r"ltla\d{2}nm"),
        "lad_name",
        re.compile(r"local authority district name \(\d{4}\)"),
    ],
    "oa21cd": ["OA21CD", "oa21_code"],
}

_LSOA21_WHAT = (
    "an LSOA 2021 lookup: one row per LSOA (or per output area) with LSOA21CD, LSOA21NM, "
    "a ward code/name (WD24CD/WD24NM) and the local authority code/name (LAD24CD/LAD24NM), "
    "as published by the ONS Open Geography Portal"
)


def read_lsoa21_lookup(source: Source) -> pd.DataFrame:
    """Read an LSOA 2021 → ward → local authority lookup.

    Accepts the ONS "LSOA (2021) to Electoral Ward to LAD" lookups (``LSOA21CD,
    LSOA21NM, WD24CD, WD24NM, LAD24CD, LAD24NM``, any year), the ONS OA → LSOA
    → MSOA → LAD lookup (``OA21CD, LSOA21CD, …, LAD22CD, LAD22NM``; one row per
    output area, reduced to one per LSOA, no wards), the geographr
    re-publication (``lsoa21_code, ward24_code, ltla24_code``…), as CSV or as an
    ArcGIS JSON answer.

    Parameters
    ----------
    source
        Path, bytes, or parsed ArcGIS JSON.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``lsoa21cd`` with columns ``lsoa21nm, ward_code, ward_name,
        lad_code, lad_name`` (strings; ward columns NaN when the lookup has no
        wards, with a note in ``attrs["notes"]``).

    Raises
    ------
    SchemaError
        When the LSOA code, LSOA name or local authority code column is
        missing, or an LSOA is assigned to two local authorities.
    """
    table = read_table(source, what=_LSOA21_WHAT)
    name = table.attrs["source"]
    cols = find_columns(table, _LSOA21_SPEC, required=["lsoa21cd", "lad_code"], what=_LSOA21_WHAT)
    notes: list[str] = []
    out = pd.DataFrame({"lsoa21cd": clean_codes(table[cols["lsoa21cd"]])})
    for logical in ("lsoa21nm", "ward_code", "ward_name", "lad_code", "lad_name"):
        if logical in cols:
            values = table[cols[logical]]
            out[logical] = clean_codes(values) if logical.endswith("code") else values.str.strip()
        else:
            out[logical] = pd.Series(pd.NA, index=out.index, dtype="str")
    out = out[out["lsoa21cd"].notna()]
    if "ward_code" not in cols:
        notes.append(f"{name} has no ward columns: ward_code and ward_name are empty.")
    if "lsoa21nm" not in cols:
        notes.append(f"{name} has no LSOA name column: lsoa21nm is empty.")
    if out["lsoa21cd"].duplicated().any():
        # One row per output area (or best-fit rows): reduce to one row per LSOA.
        per_lsoa = out.groupby("lsoa21cd", sort=False)["lad_code"].nunique()
        split = per_lsoa[per_lsoa > 1]
        if len(split):
            raise SchemaError(
                f"{name}: {len(split)} LSOA(s) fall in more than one local authority "
                f"(e.g. {', '.join(split.index[:5])}); LSOAs nest in local authorities, so this "
                "is not an LSOA 2021 lookup."
            )
        if "ward_code" in cols:
            wards = out.groupby("lsoa21cd", sort=False)["ward_code"].nunique()
            if (wards > 1).any():
                notes.append(
                    f"{int((wards > 1).sum())} LSOA(s) span several wards in {name}; the first "
                    "ward listed is kept."
                )
        notes.append(
            f"{name} has {len(out):,} rows for {out['lsoa21cd'].nunique():,} LSOAs "
            "(one row per output area): reduced to one row per LSOA."
        )
        out = out.groupby("lsoa21cd", sort=False).first().reset_index()
    out = out.set_index("lsoa21cd")
    out.attrs = {"source": name, "notes": notes}
    for note in notes:
        logger.info(note)
    return out


# --------------------------------------------------------------------------
# LSOA 2011 → LSOA 2021
# --------------------------------------------------------------------------

_BRIDGE_SPEC: dict[str, list[Alias]] = {
    "lsoa11cd": ["LSOA11CD", "lsoa11_code", "LSOA code (2011)"],
    "lsoa21cd": ["LSOA21CD", "lsoa21_code", "LSOA code (2021)"],
    "change_code": ["CHGIND", "change_code", "change_indicator", "chgind21"],
    "lad_code": [
        re.compile(r"lad\d{2}cd"),
        re.compile(r"ltla\d{2}_code"),
        re.compile(r"ltla\d{2}cd"),
        "lad_code",
    ],
}

_BRIDGE_WHAT = (
    "the ONS 'LSOA (2011) to LSOA (2021) to Local Authority District (2022)' exact-fit lookup: "
    "one row per (LSOA11CD, LSOA21CD) pair with the change indicator CHGIND (U, S, M or X) "
    "and LAD22CD"
)


def read_lsoa11_lsoa21_lookup(source: Source) -> pd.DataFrame:
    """Read the LSOA 2011 → LSOA 2021 exact-fit lookup with its change codes.

    Accepts the official layout (``LSOA11CD, LSOA11NM, CHGIND, LSOA21CD,
    LSOA21NM, LAD22CD, LAD22NM``) and geographr's (``lsoa11_code, change_code,
    lsoa21_code, ltla22_code``…), as CSV or ArcGIS JSON.

    Change codes: ``U`` unchanged, ``S`` split (one 2011 LSOA → several 2021
    LSOAs), ``M`` merged (several → one), ``X`` irregular (redrawn).

    Parameters
    ----------
    source
        Path, bytes, or parsed ArcGIS JSON.

    Returns
    -------
    pandas.DataFrame
        One row per pair, columns ``lsoa11cd, lsoa21cd, change_code, lad_code``
        (``lad_code`` NaN when the file has none).

    Raises
    ------
    SchemaError
        When a column is missing, a change code is not one of U, S, M, X, or a
        pair is listed twice.
    """
    table = read_table(source, what=_BRIDGE_WHAT)
    name = table.attrs["source"]
    cols = find_columns(
        table, _BRIDGE_SPEC, required=["lsoa11cd", "lsoa21cd", "change_code"], what=_BRIDGE_WHAT
    )
    out = pd.DataFrame(
        {
            "lsoa11cd": clean_codes(table[cols["lsoa11cd"]]),
            "lsoa21cd": clean_codes(table[cols["lsoa21cd"]]),
            "change_code": table[cols["change_code"]].str.strip().str.upper(),
        }
    )
    out["lad_code"] = (
        clean_codes(table[cols["lad_code"]])
        if "lad_code" in cols
        else pd.Series(pd.NA, index=out.index, dtype="str")
    )
    out = out.dropna(subset=["lsoa11cd", "lsoa21cd"]).reset_index(drop=True)
    bad = out.loc[~out["change_code"].isin(list(CHANGE_CODES)), "change_code"]
    if len(bad):
        values = ", ".join(repr(v) for v in bad.unique()[:5])
        raise SchemaError(
            f"{name}: {len(bad)} row(s) have a change code other than U, S, M or X "
            f"({values}); column {cols['change_code']!r} should hold the ONS change indicator."
        )
    if out.duplicated(subset=["lsoa11cd", "lsoa21cd"]).any():
        raise SchemaError(f"{name}: some (LSOA 2011, LSOA 2021) pairs are listed twice.")
    out.attrs = {"source": name}
    return out


def local_authorities(lookup: pd.DataFrame) -> pd.DataFrame:
    """List the local authorities in a lookup, with their number of LSOAs.

    Parameters
    ----------
    lookup
        A frame from :func:`read_lsoa21_lookup` (or any frame with a
        ``lad_code`` column and, optionally, ``lad_name``; one row per LSOA).

    Returns
    -------
    pandas.DataFrame
        Columns ``lad_code, lad_name, n_lsoa, country`` (country from the
        code's first letter: E England, W Wales, S Scotland, N Northern
        Ireland), sorted by name then code, with a fresh integer index.
    """
    if "lad_code" not in lookup.columns:
        raise missing_columns_error(
            "the lookup",
            {"lad_code": ["lad_code"]},
            list(lookup.columns),
            "a frame returned by read_lsoa21_lookup",
        )
    frame = lookup.reset_index(drop=True)
    names = frame["lad_name"] if "lad_name" in frame.columns else pd.Series(pd.NA, frame.index)
    grouped = (
        pd.DataFrame({"lad_code": frame["lad_code"], "lad_name": names})
        .dropna(subset=["lad_code"])
        .groupby("lad_code", sort=False)
        .agg(lad_name=("lad_name", "first"), n_lsoa=("lad_name", "size"))
        .reset_index()
    )
    grouped["n_lsoa"] = grouped["n_lsoa"].astype("int64")
    grouped["country"] = grouped["lad_code"].str[0].map(_COUNTRIES)
    grouped = grouped.sort_values(["lad_name", "lad_code"], na_position="last")
    return grouped.reset_index(drop=True)
