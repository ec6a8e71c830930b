"""Reading Census 2021 tables in any published layout into one wide frame per table.

See :mod:`geo.sources.census` for the layouts and how labels are normalised.
"""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile
from pathlib import Path

import pandas as pd

from geo.errors import DataSourceError, SchemaError
from geo.sources.census.tables import CensusTable, table_spec
from geo.sources.tables import (
    Source,
    check_unique,
    clean_codes,
    missing_columns_error,
    normalise_header,
    parse_numbers,
    read_table,
    source_name,
)

logger = logging.getLogger(__name__)

_ZIP_MAGIC = b"PK\x03\x04"
_MAX_MEMBER_BYTES = 300 * 1024 * 1024
_LSOA_CODE = re.compile(r"^[EW]01\d{6}$")


# --------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------

_SUFFIX = re.compile(r";\s*measures:\s*value\s*$", re.I)


def normalise_label(label: str, title: str | None = None) -> str:
    """Category label without the table title, the measures suffix or total wording.

    Examples
    --------
    >>> normalise_label("Household composition: Total; measures: Value", "Household composition")
    'Total'
    >>> normalise_label("One-person household: Aged 66 years and over")
    'One person household: Aged 66 years and over'
    """
    text = _SUFFIX.sub("", str(label).replace("\ufeff", "")).strip()
    text = re.sub(r"\s+", " ", text)
    if title and text.casefold().startswith(title.casefold() + ":"):
        text = text[len(title) + 1 :].strip()
    if text.casefold() == "total" or text.casefold().startswith("total:"):
        return "Total"
    return re.sub(r"\bOne-person\b", "One person", text)


def label_key(label: str) -> str:
    """Loose form of a label for matching: case, hyphens and spacing ignored."""
    text = normalise_label(label).casefold().replace("-", " ")
    return re.sub(r"\s+", " ", text).strip(" .")


# --------------------------------------------------------------------------
# Layout readers
# --------------------------------------------------------------------------


def _unzip_member(data: bytes, spec: CensusTable, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > 200:
            raise DataSourceError(f"{name}: the zip holds {len(infos)} files; expected a few.")
        for info in infos:
            if info.filename.startswith(("/", "\\")) or ".." in Path(info.filename).parts:
                raise DataSourceError(f"{name}: the zip has an unsafe member {info.filename!r}.")
        wanted = [i for i in infos if Path(i.filename).name.lower() == spec.bulk_member]
        if not wanted:
            wanted = [i for i in infos if Path(i.filename).name.lower().endswith("-lsoa.csv")]
        if not wanted:
            members = ", ".join(i.filename for i in infos[:20])
            raise SchemaError(
                f"{name} has no {spec.bulk_member} (members: {members}); it should be the Nomis "
                f"bulk file {spec.bulk_zip}."
            )
        info = wanted[0]
        if info.file_size > _MAX_MEMBER_BYTES or (
            info.compress_size and info.file_size / info.compress_size > 200
        ):
            raise DataSourceError(f"{name}: {info.filename} is implausibly large; not read.")
        return archive.read(info)


def _as_table(source: Source, spec: CensusTable) -> pd.DataFrame:
    name = source_name(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if path.is_file():
            with open(path, "rb") as fh:
                head = fh.read(4)
            if head == _ZIP_MAGIC:
                table = read_table(_unzip_member(path.read_bytes(), spec, name))
                table.attrs["source"] = name
                return table
    elif isinstance(source, bytes | bytearray) and bytes(source[:4]) == _ZIP_MAGIC:
        table = read_table(_unzip_member(bytes(source), spec, name))
        table.attrs["source"] = name
        return table
    return read_table(source, what=_what(spec))


def _what(spec: CensusTable) -> str:
    return (
        f"Census 2021 {spec.code} ({spec.title}) by LSOA 2021: the Nomis bulk file "
        f"{spec.bulk_member} (columns 'geography code' and '{spec.title}: …'), the Nomis API CSV "
        f"of {spec.nomis_id} (GEOGRAPHY_CODE, {spec.dimension.upper()}_NAME, OBS_VALUE), or a "
        "long file with an LSOA code, a category and a count column"
    )


def _counts(values: pd.Series, column: str, source: str) -> pd.Series:
    numbers = parse_numbers(values, column=column, source=source)
    if (numbers.dropna() % 1 != 0).any():
        raise SchemaError(f"{source}: column {column!r} should hold whole counts.")
    return numbers.astype("Int64")


def _wide_bulk(table: pd.DataFrame, code_col: str, spec: CensusTable, name: str) -> pd.DataFrame:
    skip = {"date", "geography", "geography code", "rural urban"}
    categories = [c for c in table.columns if normalise_header(c) not in skip]
    if not categories:
        raise SchemaError(f"{name} has a 'geography code' column but no category columns.")
    prefixes = {_SUFFIX.sub("", c).split(":", 1)[0].strip() for c in categories}
    title = prefixes.pop() if len(prefixes) == 1 else None
    if title is not None and title.casefold() != spec.title.casefold():
        raise SchemaError(
            f"{name} is the Census table '{title}', not {spec.code} '{spec.title}'. Check which "
            "file was given for which table."
        )
    labels = [normalise_label(c, title) for c in categories]
    if len(set(labels)) != len(labels):
        raise SchemaError(f"{name}: two columns have the same category label after cleaning.")
    out = pd.DataFrame(
        {
            label: _counts(table[col], col, name)
            for label, col in zip(labels, categories, strict=True)
        }
    )
    out.index = clean_codes(table[code_col]).to_numpy()
    return out


def _pivot(
    codes: pd.Series, labels: pd.Series, values: pd.Series, name: str, what: str
) -> pd.DataFrame:
    names = {label: normalise_label(label) for label in labels.dropna().unique()}
    long = pd.DataFrame(
        {"code": clean_codes(codes).to_numpy(), "label": labels.map(names).to_numpy()}
    )
    long["value"] = _counts(values, what, name).to_numpy()
    long = long.dropna(subset=["code", "label"])
    if long.duplicated(subset=["code", "label"]).any():
        dup = long[long.duplicated(subset=["code", "label"], keep=False)].iloc[0]
        raise SchemaError(
            f"{name}: {dup['code']} has more than one row for {dup['label']!r}; keep one measure "
            "(counts) and one date."
        )
    order = list(pd.unique(long["label"]))
    wide = long.pivot(index="code", columns="label", values="value")
    wide = wide[order].astype("Int64")
    wide.columns.name = None
    wide.index.name = None
    return wide


def _nomis_api(table: pd.DataFrame, spec: CensusTable, name: str) -> pd.DataFrame:
    norm = {normalise_header(c): c for c in table.columns}
    preferred = f"{spec.dimension}_name"
    if preferred in norm:
        label_col = norm[preferred]
    else:
        candidates = [
            orig
            for key, orig in norm.items()
            if re.fullmatch(r"c(2021)?_[a-z0-9_]+_name", key) and key != "measures_name"
        ]
        if len(candidates) != 1:
            raise missing_columns_error(
                name,
                {"category labels": [f"{spec.dimension.upper()}_NAME"]},
                list(table.columns),
                _what(spec) + " (ask the API for the *_NAME column, e.g. without a select= list)",
            )
        label_col = candidates[0]
    rows = table
    if "measures_name" in norm:
        rows = rows[rows[norm["measures_name"]].astype("str").str.strip().str.casefold() == "value"]
    elif "measures" in norm:
        rows = rows[rows[norm["measures"]].astype("str").str.strip() == "20100"]
    return _pivot(
        rows[norm["geography_code"]], rows[label_col], rows[norm["obs_value"]], name, "OBS_VALUE"
    )


_LONG_CODE = [
    "lsoa21_code",
    "lsoa21cd",
    "area_code",
    "geography_code",
    "lower layer super output areas code",
]
_LONG_VALUE = ["n", "value", "obs_value", "count", "observation", "usual_residents"]
_LONG_META = {
    "area_name",
    "lsoa21_name",
    "geography",
    "period",
    "measure",
    "unit",
    "indicator",
    "prop",
    "date",
    "lower layer super output areas",
}


def _long(
    table: pd.DataFrame, spec: CensusTable, name: str, notes: list[str]
) -> tuple[pd.DataFrame, bool]:
    norm = {normalise_header(c): c for c in table.columns}
    code_col = next((norm[c] for c in _LONG_CODE if c in norm), None)
    value_col = next((norm[c] for c in _LONG_VALUE if c in norm), None)
    if code_col is None or value_col is None:
        missing = {}
        if code_col is None:
            missing["LSOA code"] = ["geography code", "GEOGRAPHY_CODE", "lsoa21_code", "area_code"]
        if value_col is None:
            missing["count"] = ["OBS_VALUE", "n", "value"]
        raise missing_columns_error(name, missing, list(table.columns), _what(spec))
    totals = [orig for key, orig in norm.items() if key.startswith("total_")]
    used = {code_col, value_col, *totals}
    rest = [c for c in table.columns if c not in used and normalise_header(c) not in _LONG_META]
    if len(rest) == 1:
        label_col = rest[0]
    elif not rest and "indicator" in norm:
        label_col = norm["indicator"]
    else:
        raise SchemaError(
            f"{name}: cannot tell which column holds the {spec.title.lower()} categories "
            f"(candidates: {rest or 'none'}). Columns found: {list(table.columns)}. "
            f"It should be {_what(spec)}."
        )
    rows = table
    if "measure" in norm:
        measure = rows[norm["measure"]].astype("str").str.strip().str.casefold()
        if measure.nunique() > 1:
            rows = rows[measure == "count"]
    wide = _pivot(rows[code_col], rows[label_col], rows[value_col], name, value_col)
    has_total = "Total" in wide.columns
    if totals and not has_total:
        total = _counts(rows[totals[0]], totals[0], name)
        per_code = (
            pd.DataFrame({"code": clean_codes(rows[code_col]).to_numpy(), "t": total.to_numpy()})
            .dropna()
            .groupby("code")["t"]
            .first()
        )
        wide.insert(0, "Total", per_code.reindex(wide.index).astype("Int64"))
        notes.append(f"{name}: Total taken from column {totals[0]!r}.")
        has_total = True
    return wide, has_total


def _derive_parents(wide: pd.DataFrame, notes: list[str], name: str) -> pd.DataFrame:
    """Add missing ``Parent`` columns as the sum of their ``Parent: child`` columns."""
    existing = {label_key(c): c for c in wide.columns}
    wanted: dict[str, str] = {}
    for label in wide.columns:
        parts = label.split(": ")
        for depth in range(1, len(parts)):
            parent = ": ".join(parts[:depth])
            if label_key(parent) not in existing:
                wanted.setdefault(label_key(parent), parent)
    added = []
    for key, parent in sorted(wanted.items(), key=lambda kv: -kv[1].count(": ")):
        children = [
            c
            for c in wide.columns
            if c.count(": ") == parent.count(": ") + 1 and label_key(c.rsplit(": ", 1)[0]) == key
        ]
        if children:
            wide[parent] = wide[children].sum(axis=1, min_count=len(children)).astype("Int64")
            added.append(parent)
    if added:
        notes.append(f"{name}: parent categories rebuilt from their parts: {', '.join(added)}.")
    return wide


def _top_level(wide: pd.DataFrame, spec: CensusTable) -> list[str]:
    subtotal_keys = {label_key(s) for s in spec.subtotals}
    return [
        c
        for c in wide.columns
        if c != "Total" and ": " not in c and label_key(c) not in subtotal_keys
    ]


def _check_nesting(wide: pd.DataFrame, spec: CensusTable, name: str) -> None:
    """Log (do not fail) where parent columns differ from the sum of their children."""
    for parent in wide.columns:
        children = [c for c in wide.columns if c.rsplit(": ", 1)[0] == parent and c != parent]
        if not children:
            continue
        diff = (wide[children].sum(axis=1, min_count=1) - wide[parent]).abs()
        bad = int((diff > 0).sum())
        if bad:
            logger.warning(
                "%s: %r differs from the sum of its %d parts in %d area(s).",
                name,
                parent,
                len(children),
                bad,
            )


def read_census_table(source: Source, *, table: str) -> pd.DataFrame:
    """Read one Census 2021 table into a wide frame indexed by LSOA 2021 code.

    Parameters
    ----------
    source
        Path or bytes of: a Nomis bulk CSV (either header style) or bulk zip,
        a Nomis API CSV, a demographr or Trafford Data Lab long CSV.
    table
        Table code from :data:`TABLES` (``"ts003"``, ``"TS007A"``…).

    Returns
    -------
    pandas.DataFrame
        Index ``lsoa21cd`` (LSOA 2021 codes only; other geographies are
        dropped with a note), one ``Int64`` column per category named by its
        normalised label (``Total``, ``One person household``, ``One person
        household: Aged 66 years and over``…). ``attrs["notes"]`` says what
        was derived.

    Raises
    ------
    SchemaError
        When the file has no LSOA code / category / count columns, is another
        table, has no LSOA 2021 rows, lists an area twice, or holds non-counts.
    """
    spec = table_spec(table)
    raw = _as_table(source, spec)
    name = raw.attrs.get("source", source_name(source))
    raw.attrs["source"] = name
    notes: list[str] = []
    norm = {normalise_header(c): c for c in raw.columns}
    if "obs_value" in norm and "geography_code" in norm:
        wide = _nomis_api(raw, spec, name)
        has_total = "Total" in wide.columns
        layout = "Nomis API"
    elif "geography code" in norm:
        check_unique(clean_codes(raw[norm["geography code"]]), source=name, what="LSOA")
        wide = _wide_bulk(raw, norm["geography code"], spec, name)
        has_total = "Total" in wide.columns
        layout = "Nomis bulk"
    else:
        wide, has_total = _long(raw, spec, name, notes)
        wide = _derive_parents(wide, notes, name)
        if not has_total:
            top = _top_level(wide, spec)
            wide.insert(0, "Total", wide[top].sum(axis=1, min_count=len(top)).astype("Int64"))
            notes.append(
                f"{name}: no total in the file; Total is the sum of its top-level categories "
                f"({len(top)})."
            )
            has_total = True
        layout = "long"
    if not has_total:
        notes.append(f"{name}: no Total column; shares of this table cannot be computed.")

    is_lsoa = wide.index.to_series().str.match(_LSOA_CODE).fillna(False).to_numpy()
    if not is_lsoa.any():
        sample = ", ".join(map(str, wide.index[:3]))
        raise SchemaError(
            f"{name} has no LSOA 2021 rows (codes like E01000001 or W01000001; found {sample}). "
            f"It should be {_what(spec)}."
        )
    if not is_lsoa.all():
        notes.append(f"{name}: {int((~is_lsoa).sum())} non-LSOA row(s) dropped.")
        wide = wide[is_lsoa]
    wide.index.name = "lsoa21cd"
    keys = {label_key(c) for c in wide.columns}
    if not any(label_key(label) in keys for label in spec.labels):
        shown = ", ".join(repr(c) for c in list(wide.columns)[:12])
        raise SchemaError(
            f"{name} does not look like {spec.code} ({spec.title}): none of its categories "
            f"{', '.join(repr(x) for x in spec.labels)} is among the columns found [{shown}]."
        )
    if layout == "Nomis bulk":
        _check_nesting(wide, spec, name)
    wide = wide.sort_index()
    wide.attrs = {"source": name, "table": spec.code, "layout": layout, "notes": notes}
    for note in notes:
        logger.info(note)
    return wide
