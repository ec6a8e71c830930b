"""Census 2021 tables by LSOA 2021, and the loneliness-related indicators built from them.

Methods
-------
**Tables.** :data:`TABLES` lists the Census 2021 topic summaries used, with
their Nomis dataset id, category dimension, universe and bulk-file names.
:func:`read_census_table` reads any of these layouts into one *wide* frame —
one row per LSOA 2021 (index ``lsoa21cd``), one ``Int64`` column per category:

* the Nomis **bulk** CSVs (``census2021-ts0xx-lsoa.csv``, or the
  ``census2021-ts0xx.zip`` they come in), in both header styles Nomis has
  published: every header quoted and ending ``; measures: Value``, or unquoted
  without the suffix;
* the Nomis **API** CSV (long: ``GEOGRAPHY_CODE``, ``C2021_…_NAME``,
  ``OBS_VALUE``, possibly ``MEASURES_NAME`` — only ``Value`` rows are kept),
  pivoted wide;
* **demographr**'s long files (``lsoa21_code``, a category column, ``n``,
  ``total_residents``/``total_households``);
* **Trafford Data Lab**'s tidy files (``area_code``, ``indicator`` or a
  category column, ``value``).

Category labels are normalised so every layout gives the same columns: the
table title (``Household composition: ``) and the ``; measures: Value``
suffix are removed, the total (``Total``, ``Total: All usual residents``…) is
named ``Total``, and the API's ``One-person household`` is spelt like the
bulk files' ``One person household``.

Nomis tables hold **parent and child categories side by side**
(``One person household`` = ``…: Aged 66 years and over`` + ``…: Other``;
``Provides 19 hours or less`` = ``9 hours or less`` + ``10 to 19 hours``), so
columns are always picked by label and never summed wholesale. The long
re-publications list only the leaf categories: for them, missing parents are
rebuilt as the sum of their ``Parent: child`` children and, when the file
gives no total, ``Total`` is the sum of the top-level categories (noted in
``attrs["notes"]``). ONS perturbs each table separately, so totals differ
slightly between tables; each indicator therefore uses the total of its own
table as denominator.

**Indicators.** :data:`INDICATORS` is the single definition of every
indicator: its table, numerator labels (with weights), denominator, meaning
and any approximation. :func:`census_indicators` computes them all.
Proportions are fractions between 0 and 1; an indicator is NaN (never 0) when
its table is absent, its labels are missing, or its denominator is 0.
"""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import DataSourceError, SchemaError
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


@dataclass(frozen=True)
class CensusTable:
    """A Census 2021 topic summary table.

    Attributes
    ----------
    code
        ONS table code, e.g. ``"TS003"``.
    title
        The variable's name, which prefixes every category in the Nomis bulk
        headers (``"Household composition"``).
    universe
        Who or what is counted; the ``Total`` column counts all of them.
    nomis_id
        Nomis API dataset id (``https://www.nomisweb.co.uk/api/v01/dataset/<id>.data.csv``).
    dimension
        Nomis category dimension (query parameter; ``<DIMENSION>_NAME`` is the
        label column of the API CSV).
    labels
        Category labels the indicators use (checked to recognise the table).
    subtotals
        Parent categories whose children are not written ``Parent: child``.
    optional
        The analysis runs without this table.
    """

    code: str
    title: str
    universe: str
    nomis_id: str
    dimension: str
    labels: tuple[str, ...]
    subtotals: tuple[str, ...] = ()
    optional: bool = False

    @property
    def bulk_zip(self) -> str:
        """Name of the Nomis bulk zip (``https://www.nomisweb.co.uk/output/census/2021/<name>``)."""
        return f"census2021-{self.code.lower()}.zip"

    @property
    def bulk_member(self) -> str:
        """Name of the LSOA-level CSV inside the bulk zip."""
        return f"census2021-{self.code.lower()}-lsoa.csv"


# Nomis dataset ids and dimensions: NM_2021_1 (TS001) is documented by Nomis;
# the others were read from several independent projects that query the API
# (dataset ids and <dimension>_NAME columns agree across them) and match the
# ids in geo/data/sources.toml. Nomis lists them at /api/v01/dataset/def.sdmx.json?search=*TS0xx*.
TABLES: dict[str, CensusTable] = {
    "ts001": CensusTable(
        "TS001",
        "Residence type",
        "All usual residents",
        "NM_2021_1",
        "c2021_restype_3",
        ("Lives in a household", "Lives in a communal establishment"),
    ),
    "ts002": CensusTable(
        "TS002",
        "Marital and civil partnership status",
        "All usual residents aged 16 and over",
        "NM_2022_1",
        "c2021_lpstat_12",
        (
            "Never married and never registered a civil partnership",
            "Widowed or surviving civil partnership partner",
            "Divorced or civil partnership dissolved",
        ),
    ),
    "ts003": CensusTable(
        "TS003",
        "Household composition",
        "All households",
        "NM_2023_1",
        "c2021_hhcomp_15",
        ("One person household", "One person household: Aged 66 years and over"),
    ),
    "ts007a": CensusTable(
        "TS007A",
        "Age",
        "All usual residents",
        "NM_2020_1",
        "c2021_age_19",
        ("Aged 65 to 69 years", "Aged 85 years and over", "Aged 15 to 19 years"),
    ),
    "ts017": CensusTable(
        "TS017",
        "Household size",
        "All household spaces (the '0 people' category is empty: = households)",
        "NM_2037_1",
        "c2021_hhsize_10",
        ("1 person in household", "2 people in household", "8 or more people in household"),
    ),
    "ts037": CensusTable(
        "TS037",
        "General health",
        "All usual residents",
        "NM_2055_1",
        "c2021_health_6",
        ("Very good health", "Bad health", "Very bad health"),
    ),
    "ts038": CensusTable(
        "TS038",
        "Disability",
        "All usual residents",
        "NM_2056_1",
        "c2021_disability_5",
        (
            "Disabled under the Equality Act",
            "Disabled under the Equality Act: Day-to-day activities limited a lot",
        ),
    ),
    "ts039": CensusTable(
        "TS039",
        "Provision of unpaid care",
        "All usual residents aged 5 and over",
        "NM_2057_1",
        "c2021_carer_7",
        ("Provides no unpaid care",),
        subtotals=(
            "Provides 19 hours or less unpaid care a week",
            "Provides 20 to 49 hours unpaid care a week",
        ),
    ),
    "ts045": CensusTable(
        "TS045",
        "Number of cars or vans",
        "All households",
        "NM_2063_1",
        "c2021_cars_5",
        ("No cars or vans in household",),
        optional=True,
    ),
    "ts054": CensusTable(
        "TS054",
        "Tenure of household",
        "All households",
        "NM_2072_1",
        "c2021_tenure_9",
        ("Social rented", "Private rented", "Social rented: Other social rented"),
    ),
}


def _table_spec(table: str) -> CensusTable:
    key = str(table).strip().lower()
    if key not in TABLES:
        raise SchemaError(
            f"Unknown Census table {table!r}; known tables: "
            + ", ".join(t.code for t in TABLES.values())
            + "."
        )
    return TABLES[key]


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
    spec = _table_spec(table)
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


# --------------------------------------------------------------------------
# Indicators
# --------------------------------------------------------------------------

Terms = Mapping[str, float]


@dataclass(frozen=True)
class Indicator:
    """One Census indicator: ``Σ coef × column`` over the numerator terms, over the denominator.

    Attributes
    ----------
    name
        Column name in the result.
    table
        Key in :data:`TABLES`.
    numerator
        Alternative term sets (label → coefficient); the first whose labels
        are all in the table is used.
    denominator
        Terms of the denominator, or None for a count.
    description
        What it measures, for people.
    note
        Approximation or caveat, if any.
    """

    name: str
    table: str
    numerator: tuple[Terms, ...]
    denominator: Terms | None
    description: str
    note: str = ""


_TOTAL: Terms = {"Total": 1}
_AGE_65 = {
    "Aged 65 to 69 years": 1,
    "Aged 70 to 74 years": 1,
    "Aged 75 to 79 years": 1,
    "Aged 80 to 84 years": 1,
    "Aged 85 years and over": 1,
}
_AGE_75 = {"Aged 75 to 79 years": 1, "Aged 80 to 84 years": 1, "Aged 85 years and over": 1}
_AGE_16_24 = {"Aged 15 to 19 years": 0.8, "Aged 20 to 24 years": 1}
_NOTE_16_24 = (
    "TS007A has 15–19 and 20–24 bands: ages 16–19 are approximated as 4/5 of the 15–19 band."
)
_SEPARATED = "Separated, but still legally married or still legally in a civil partnership"
_DIVORCED = "Divorced or civil partnership dissolved"
_WIDOW = "Widowed or surviving civil partnership partner"
# Parent categories first; their parts when a file (e.g. an API extract) lists only leaves.
_WIDOWED = (
    {_WIDOW: 1},
    {f"{_WIDOW}: Widowed": 1, f"{_WIDOW}: Surviving partner from civil partnership": 1},
)
_DIVORCED_SEPARATED = (
    {_DIVORCED: 1, _SEPARATED: 1},
    {
        f"{_DIVORCED}: Divorced": 1,
        f"{_DIVORCED}: Formerly in a civil partnership now legally dissolved": 1,
        f"{_SEPARATED}: Separated, but still married": 1,
        f"{_SEPARATED}: Separated, but still in a registered civil partnership": 1,
    },
)
_DISABLED = (
    {"Disabled under the Equality Act": 1},
    {
        "Disabled under the Equality Act: Day-to-day activities limited a lot": 1,
        "Disabled under the Equality Act: Day-to-day activities limited a little": 1,
    },
)
_SOCIAL = (
    {"Social rented": 1},
    {
        "Social rented: Rents from council or Local Authority": 1,
        "Social rented: Other social rented": 1,
    },
)
_PRIVATE = (
    {"Private rented": 1},
    {
        "Private rented: Private landlord or letting agency": 1,
        "Private rented: Other private rented": 1,
    },
)
_RENTING = (
    {**_SOCIAL[0], **_PRIVATE[0]},
    {**_SOCIAL[1], **_PRIVATE[1]},
)
_SIZES = {
    "1 person in household": 1,
    "2 people in household": 2,
    "3 people in household": 3,
    "4 people in household": 4,
    "5 people in household": 5,
    "6 people in household": 6,
    "7 people in household": 7,
    "8 or more people in household": 8,
}


def _pair(
    name: str,
    table: str,
    numerator: Terms | tuple[Terms, ...],
    description: str,
    of: str,
    note: str = "",
) -> tuple[Indicator, Indicator]:
    """A count and its share of the table's total (``pct_<name>``, ``pop_`` dropped)."""
    alts = numerator if isinstance(numerator, tuple) else (numerator,)
    return (
        Indicator(name, table, alts, None, description, note),
        Indicator(
            f"pct_{name.removeprefix('pop_')}",
            table,
            alts,
            _TOTAL,
            f"Share of {of}: {description[0].lower()}{description[1:]}",
            note,
        ),
    )


#: Every indicator, defined once. Shares (``pct_*``) are fractions 0–1 of the
#: total of the same table (its universe in :data:`TABLES`).
INDICATORS: tuple[Indicator, ...] = (
    Indicator("population", "ts001", (_TOTAL,), None, "Usual residents (TS001 total)"),
    Indicator("households", "ts003", (_TOTAL,), None, "Households (TS003 total)"),
    *_pair(
        "one_person_hh",
        "ts003",
        (
            {"One person household": 1},
            {
                "One person household: Aged 66 years and over": 1,
                "One person household: Other": 1,
            },
        ),
        "Households of one person (any age)",
        "households",
    ),
    *_pair(
        "one_person_66plus",
        "ts003",
        {"One person household: Aged 66 years and over": 1},
        "Households of one person aged 66 or over",
        "households",
    ),
    *_pair("pop_65plus", "ts007a", _AGE_65, "Residents aged 65 and over", "residents"),
    *_pair("pop_75plus", "ts007a", _AGE_75, "Residents aged 75 and over", "residents"),
    *_pair(
        "pop_75_79",
        "ts007a",
        {"Aged 75 to 79 years": 1},
        "Residents aged 75 to 79",
        "residents",
    ),
    *_pair(
        "pop_85plus",
        "ts007a",
        {"Aged 85 years and over": 1},
        "Residents aged 85 and over",
        "residents",
    ),
    *_pair(
        "pop_16_24",
        "ts007a",
        _AGE_16_24,
        "Residents aged 16 to 24 (approx.)",
        "residents",
        _NOTE_16_24,
    ),
    *_pair(
        "widowed",
        "ts002",
        _WIDOWED,
        "Widowed or surviving civil partners",
        "residents aged 16+",
    ),
    *_pair(
        "divorced_separated",
        "ts002",
        _DIVORCED_SEPARATED,
        "Divorced, dissolved or separated",
        "residents aged 16+",
    ),
    *_pair(
        "never_married",
        "ts002",
        {"Never married and never registered a civil partnership": 1},
        "Never married or in a civil partnership",
        "residents aged 16+",
    ),
    *_pair(
        "bad_health",
        "ts037",
        {"Bad health": 1, "Very bad health": 1},
        "Residents in bad or very bad health",
        "residents",
    ),
    *_pair("fair_health", "ts037", {"Fair health": 1}, "Residents in fair health", "residents"),
    *_pair(
        "good_health",
        "ts037",
        {"Very good health": 1, "Good health": 1},
        "Residents in good or very good health",
        "residents",
    ),
    *_pair(
        "very_good_health",
        "ts037",
        {"Very good health": 1},
        "Residents in very good health",
        "residents",
    ),
    *_pair(
        "disabled",
        "ts038",
        _DISABLED,
        "Disabled under the Equality Act (activities limited a lot or a little)",
        "residents",
    ),
    *_pair(
        "carers",
        "ts039",
        {"Total": 1, "Provides no unpaid care": -1},
        "Residents aged 5+ providing any unpaid care (total minus 'provides no unpaid care')",
        "residents aged 5+",
    ),
    *_pair(
        "renting",
        "ts054",
        _RENTING,
        "Households renting, socially or privately (rent-free excluded)",
        "households",
    ),
    *_pair("social_rented", "ts054", _SOCIAL, "Households renting socially", "households"),
    *_pair("private_rented", "ts054", _PRIVATE, "Households renting privately", "households"),
    Indicator(
        "mean_household_size",
        "ts017",
        (_SIZES,),
        dict.fromkeys(_SIZES, 1),
        "Mean number of people per household (Σ k·n_k / Σ n_k)",
        "The open '8 or more people' category is counted as 8 (a slight underestimate).",
    ),
    *_pair(
        "no_car",
        "ts045",
        {"No cars or vans in household": 1},
        "Households with no car or van",
        "households",
    ),
)


def indicator_table() -> pd.DataFrame:
    """:data:`INDICATORS` as a table for documentation and the app.

    Returns
    -------
    pandas.DataFrame
        Columns ``name, table, numerator, denominator, description, note``.
    """

    def terms(t: Terms) -> str:
        return " + ".join(
            (f"{c:g}×" if c not in (1, -1) else ("−" if c == -1 else "")) + f"'{label}'"
            for label, c in t.items()
        ).replace("+ −", "− ")

    rows = [
        {
            "name": ind.name,
            "table": TABLES[ind.table].code,
            "numerator": " | or | ".join(terms(t) for t in ind.numerator),
            "denominator": terms(ind.denominator) if ind.denominator else "",
            "description": ind.description,
            "note": ind.note,
        }
        for ind in INDICATORS
    ]
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CensusIndicators:
    """Indicators by LSOA 2021 (``frame``) and what was and was not computed (``notes``)."""

    frame: pd.DataFrame
    notes: tuple[str, ...]


def _resolve(terms: Terms, columns: Mapping[str, str]) -> dict[str, float] | None:
    out = {}
    for label, coef in terms.items():
        column = columns.get(label_key(label))
        if column is None:
            return None
        out[column] = coef
    return out


def _combine(table: pd.DataFrame, terms: Mapping[str, float]) -> pd.Series:
    total = pd.Series(0.0, index=table.index)
    for column, coef in terms.items():
        total = total + coef * table[column].astype("float64")
    return total


def census_indicators(
    tables: Mapping[str, pd.DataFrame], *, include_unavailable: bool = False
) -> CensusIndicators:
    """Compute every indicator of :data:`INDICATORS` from the tables given.

    Parameters
    ----------
    tables
        Frames from :func:`read_census_table`, keyed by table code (``"ts003"``
        or ``"TS003"``). Missing tables are fine: their indicators are listed
        in the notes as not computed.
    include_unavailable
        Also return the indicators that could not be computed (table absent,
        or its labels missing) as all-NaN columns. By default they are left
        out, so ``"pct_no_car" in frame`` says whether it is available.

    Returns
    -------
    CensusIndicators
        ``.frame``: indexed by ``lsoa21cd`` (every LSOA in any table), one
        column per indicator, in :data:`INDICATORS` order. Counts are
        ``Int64`` (``pop_16_24`` is a float, being approximate), ratios
        ``float64``; shares are fractions 0–1. A value is NaN (never 0) when
        the area is not in the indicator's table or the denominator is 0.
        ``.notes``: one line per table used (which indicators came from it),
        per table missing (which indicators were not computed), and per
        approximation.
    """
    given = {str(k).strip().lower(): v for k, v in tables.items()}
    unknown = sorted(set(given) - set(TABLES))
    index = pd.Index([], dtype="str", name="lsoa21cd")
    for frame in given.values():
        index = index.union(pd.Index(frame.index.astype("str")))
    index.name = "lsoa21cd"
    columns: dict[str, pd.Series] = {}
    used: dict[str, list[str]] = {}
    lacking: dict[str, list[str]] = {}
    no_labels: list[str] = []
    notes: list[str] = []
    for ind in INDICATORS:
        table = given.get(ind.table)
        values: pd.Series | None = None
        if table is None:
            lacking.setdefault(ind.table, []).append(ind.name)
        else:
            table = table.reindex(index)
            keys = {label_key(c): c for c in table.columns}
            numerator = next(
                (r for r in (_resolve(t, keys) for t in ind.numerator) if r is not None), None
            )
            denominator = _resolve(ind.denominator, keys) if ind.denominator else None
            if numerator is None or (ind.denominator is not None and denominator is None):
                want = [label for t in ind.numerator[:1] for label in t]
                if ind.denominator:
                    want += list(ind.denominator)
                no_labels.append(f"{ind.name} ({TABLES[ind.table].code} lacks {want})")
            else:
                num = _combine(table, numerator)
                if denominator is None:
                    integral = all(float(c).is_integer() for c in numerator.values())
                    values = num.round().astype("Int64") if integral else num
                else:
                    den = _combine(table, denominator)
                    values = (num / den.where(den > 0)).astype("float64")
                used.setdefault(ind.table, []).append(ind.name)
        if values is None:
            if not include_unavailable:
                continue
            dtype = "float64" if ind.denominator is not None or ind.name == "pop_16_24" else "Int64"
            values = pd.Series(np.nan, index=index).astype(dtype)
        columns[ind.name] = values
    frame = pd.DataFrame(columns, index=index)
    frame.index.name = "lsoa21cd"
    for key, names in used.items():
        spec = TABLES[key]
        notes.append(f"{spec.code} ({spec.title}; {spec.universe}): {', '.join(names)}.")
    for key, names in lacking.items():
        spec = TABLES[key]
        notes.append(f"{spec.code} ({spec.title}) not available: {', '.join(names)} not computed.")
    if no_labels:
        notes.append("Not computed, labels missing: " + "; ".join(no_labels) + ".")
    for ind in INDICATORS:
        if ind.note and ind.table in used and not ind.name.startswith("pct_"):
            notes.append(f"{ind.name}: {ind.note}")
    if unknown:
        notes.append(f"Tables not used by any indicator: {', '.join(unknown)}.")
    notes.append("Shares (pct_*) are fractions between 0 and 1 of the table's own total.")
    return CensusIndicators(frame=frame, notes=tuple(notes))
