"""IoD column names, header recognition and value checks shared by the IoD readers."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from geo.errors import SchemaError
from geo.sources.tables import (
    clean_codes,
    normalise_header,
    parse_numbers,
)

#: The seven IoD domains, in the official order, with their official names.
DOMAINS: dict[str, str] = {
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_env": "Living Environment",
}

#: Number of LSOAs ranked in each release (England only).
N_LSOA_2019 = 32_844
N_LSOA_2025 = 33_755

_INDICES = ("imd", *DOMAINS)
STANDARD_COLUMNS: tuple[str, ...] = tuple(
    f"{index}_{kind}" for index in _INDICES for kind in ("score", "rank", "decile")
)
_SUPPLEMENTARY = tuple(
    f"{index}_{kind}" for index in ("idaci", "idaopi") for kind in ("score", "rank", "decile")
)
POPULATION_COLUMNS = (
    "population_total",
    "population_0_15",
    "population_16_59",
    "population_60plus",
    "population_working_age",
)

_OFFICIAL_NAME = {"imd": "Index of Multiple Deprivation (IMD)", **DOMAINS}
_SUBDOMAINS = (
    "sub-domain",
    "subdomain",
    "sub domain",
    "children and young people",
    "adult skills",
    "geographical barriers",
    "wider barriers",
    "indoors",
    "outdoors",
)


def official_header(column: str) -> str:
    index, kind = column.rsplit("_", 1)
    base = _OFFICIAL_NAME.get(index, index)
    if kind == "score":
        return f"{base} Score" + (" (rate)" if index in ("income", "employment") else "")
    if kind == "rank":
        return f"{base} Rank (where 1 is most deprived)"
    return f"{base} Decile (where 1 is most deprived 10% of LSOAs)"


# --------------------------------------------------------------------------
# Header classification
# --------------------------------------------------------------------------

_LSOA_CODE = re.compile(r"lsoa ?(11|21)? ?(cd|code)?( \((2011|2021)\))?")
_LSOA_NAME = re.compile(r"lsoa ?(11|21)? ?(nm|name)( \((2011|2021)\))?")
_LAD_CODE = re.compile(
    r"(local authority district code( \(\d{4}\))?|(lad|ltla)(\d{2})? ?(cd|code))"
)
_LAD_NAME = re.compile(
    r"(local authority district name( \(\d{4}\))?|(lad|ltla)(\d{2})? ?(nm|name))"
)


def _classify(header: str) -> tuple[str | None, str | None]:
    """Standard name for a header, and the LSOA vintage it names (for code columns)."""
    h = normalise_header(header).replace("_", " ")
    h = re.sub(r"\s+", " ", h).strip()
    match = _LSOA_CODE.fullmatch(h)
    if match:
        digits = match.group(1) or match.group(4) or ""
        vintage = {"11": "2011", "21": "2021"}.get(digits, digits) or None
        return "lsoa_code", vintage
    if _LSOA_NAME.fullmatch(h):
        return "lsoa_name", None
    if _LAD_CODE.fullmatch(h):
        return "lad_code", None
    if _LAD_NAME.fullmatch(h):
        return "lad_name", None
    if any(word in h for word in _SUBDOMAINS):
        return None, None
    if re.search(r"\bdecile\b", h):
        kind = "decile"
    elif re.search(r"\brank\b", h):
        kind = "rank"
    elif re.search(r"\bscore\b", h):
        kind = "score"
    else:
        kind = None
    if kind is None:
        if "population" in h or "dependent children" in h:
            if "total population" in h:
                return "population_total", None
            if "dependent children" in h or "0-15" in h:
                return "population_0_15", None
            if "working age" in h:
                return "population_working_age", None
            if "16-59" in h or "16 59" in h:
                return "population_16_59", None
            if "60 and over" in h or "older population" in h:
                return "population_60plus", None
        return None, None
    if "idaci" in h or "affecting children" in h:
        index = "idaci"
    elif "idaopi" in h or "affecting older" in h:
        index = "idaopi"
    elif "index of multiple deprivation" in h or re.search(r"\bimd\b", h):
        index = "imd"
    elif "income" in h:
        index = "income"
    elif "employment" in h:
        index = "employment"
    elif "education" in h:
        index = "education"
    elif "health" in h:
        index = "health"
    elif "crime" in h:
        index = "crime"
    elif "barriers" in h or "housing" in h:
        index = "barriers"
    elif "environment" in h:
        index = "living_env"
    else:
        return None, None
    return f"{index}_{kind}", None


def classify_columns(table: pd.DataFrame, name: str) -> tuple[dict[str, str], str | None]:
    mapping: dict[str, str] = {}
    vintage = None
    for column in table.columns:
        standard, col_vintage = _classify(column)
        if standard is None:
            continue
        if standard in mapping:
            raise SchemaError(
                f"{name}: columns {mapping[standard]!r} and {column!r} both look like "
                f"{standard!r}; keep one of them."
            )
        mapping[standard] = column
        if col_vintage:
            vintage = col_vintage
    return mapping, vintage


# --------------------------------------------------------------------------
# Value parsing and checks
# --------------------------------------------------------------------------


def scores(values: pd.Series, *, column: str, source: str) -> pd.Series:
    return parse_numbers(values, column=column, source=source)


def _integers(values: pd.Series, *, column: str, source: str) -> pd.Series:
    numbers = scores(values, column=column, source=source)
    frac = numbers.notna() & (numbers % 1 != 0)
    if frac.any():
        sample = ", ".join(repr(v) for v in numbers[frac].unique()[:3])
        raise SchemaError(f"{source}: column {column!r} should hold whole numbers; found {sample}.")
    return numbers.astype("Int64")


def typed_columns(table: pd.DataFrame, mapping: Mapping[str, str], source: str) -> pd.DataFrame:
    out = {}
    for standard, column in mapping.items():
        if standard in ("lsoa_code", "lad_code"):
            out[standard] = clean_codes(table[column])
        elif standard in ("lsoa_name", "lad_name"):
            out[standard] = table[column].astype("str").str.strip().where(table[column].notna())
        elif standard.endswith("_score"):
            out[standard] = scores(table[column], column=column, source=source)
        else:
            out[standard] = _integers(table[column], column=column, source=source)
    return pd.DataFrame(out, index=table.index)


def check_deciles(frame: pd.DataFrame, source: str, mapping: Mapping[str, str]) -> None:
    for column in frame.columns:
        if not column.endswith("_decile"):
            continue
        values = frame[column].dropna()
        bad = values[(values < 1) | (values > 10)]
        if len(bad):
            raise SchemaError(
                f"{source}: column {mapping.get(column, column)!r} has deciles outside 1–10 "
                f"(e.g. {bad.iloc[0]}); deciles number the tenths of LSOAs from 1 (most "
                "deprived) to 10."
            )
        ranks = frame.get(column.replace("_decile", "_rank"))
        if ranks is not None and ranks.notna().any() and (ranks.dropna() < 1).any():
            raise SchemaError(f"{source}: ranks start at 1; found a rank below 1.")


def order_columns(frame: pd.DataFrame, name_cols: Sequence[str]) -> pd.DataFrame:
    extra = [c for c in frame.columns if c not in name_cols]
    ordered = [c for c in (*STANDARD_COLUMNS, *_SUPPLEMENTARY, *POPULATION_COLUMNS) if c in extra]
    rest = [c for c in extra if c not in ordered]
    return frame[[*[c for c in name_cols if c in frame.columns], *ordered, *rest]]


def fill_standard(frame: pd.DataFrame, notes: list[str], source: str) -> pd.DataFrame:
    absent = [c for c in STANDARD_COLUMNS if c not in frame.columns]
    for column in absent:
        dtype = "float64" if column.endswith("_score") else "Int64"
        frame[column] = pd.Series(np.nan, index=frame.index).astype(dtype)
    if absent:
        notes.append(f"{source} has no {', '.join(absent)}: left empty.")
    return frame


def decile_from_rank(rank: float, n: int = N_LSOA_2019) -> int:
    """The IoD decile of a rank: ``ceil(rank × 10 / n)``, between 1 and 10."""
    return int(min(10, max(1, math.ceil(rank * 10 / n))))
