"""Reading tables and finding columns by name: shared by every source loader.

A loader takes a path (``str`` or :class:`~pathlib.Path`), the raw ``bytes``
of a download (gzip detected), or an ArcGIS JSON answer already parsed into a
``dict`` (``{"features": [{"properties": {...}}]}`` as GeoJSON, or
``{"features": [{"attributes": {...}}]}`` as Esri JSON; a list of such pages
is accepted too).

Columns are found **by name**, never by position: header names are compared
after removing a UTF-8 byte-order mark, surrounding and repeated whitespace and
letter case, against a list of aliases (exact names or regular expressions;
when several years match, the latest wins).  A missing column raises
:class:`~geo.errors.SchemaError` naming the file, the missing column(s), the
columns that were found and what the file should contain.
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
_PARQUET_MAGIC = b"PAR1"
_CODE_RE = re.compile(r"^[A-Z][0-9A-Z]{8}$")


# --------------------------------------------------------------------------
# Reading tables and finding columns by name
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


def _parquet_as_text(data: bytes, name: str) -> pd.DataFrame:
    """A Parquet table with every column as text (missing values stay missing)."""
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{name} cannot be read as Parquet: {exc}.") from exc
    frame = frame.reset_index(drop=frame.index.name is None)
    numeric = [c for c in frame.columns if not pd.api.types.is_string_dtype(frame[c])]
    for column in numeric:  # text columns (the usual case) are kept as they are
        values = frame[column]
        frame[column] = values.astype("str").where(values.notna())
    frame.columns = [str(c) for c in frame.columns]
    return frame


def read_table(source: Source, *, what: str = "a table") -> pd.DataFrame:
    """Read a CSV (plain or gzip), a Parquet table, or the attributes of an ArcGIS JSON answer.

    Every column is read as text (``str`` dtype), so codes keep leading zeros
    and numbers with thousands separators survive; callers convert the
    columns they need.

    Parameters
    ----------
    source
        Path to a ``.csv``/``.csv.gz``/``.parquet``/``.json``/``.geojson`` file,
        the bytes of one, or a parsed ArcGIS JSON answer (``dict`` or list of pages).
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
        if data[:4] == _PARQUET_MAGIC:
            frame = _parquet_as_text(data, name)
            frame.attrs["source"] = name
            return frame
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


def lad_aliases(field: str) -> list[Alias]:
    """Names of a local authority ``"code"`` or ``"name"`` column, any year.

    The ONS layouts (``LAD24CD``), geographr's (``ltla24_code``, ``ltla24cd``)
    and the plain ``lad_code``/``lad_name``.
    """
    short = "cd" if field == "code" else "nm"
    return [
        re.compile(rf"lad\d{{2}}{short}"),
        re.compile(rf"ltla\d{{2}}_{field}"),
        re.compile(rf"ltla\d{{2}}{short}"),
        f"lad_{field}",
    ]


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
