"""English Indices of Deprivation (IoD2025 on LSOA 2021, IoD2019 on LSOA 2011).

Methods
-------
**Reading.** Columns are recognised by the words in their headers, never by
position, so the official files (File 7 has ~57 columns in its own order;
Files 1, 2 and 6 hold parts of it), the reconstructions in the official names
and the renamed re-publications (humaniverse ``IMD_score``, ``Income_rank``…)
all map to one set of standard names:

* ``imd_score, imd_rank, imd_decile`` and, for each domain ``d`` in
  :data:`DOMAINS` (income, employment, education, health, crime, barriers,
  living_env), ``d_score, d_rank, d_decile``;
* when present: ``idaci_*`` and ``idaopi_*`` (the supplementary income
  indices for children and older people), the population denominators
  ``population_total``, ``population_0_15``, ``population_16_59``,
  ``population_60plus``, ``population_working_age``, and the LSOA and local
  authority names/codes.

A header is classified by its kind word (``Score``, ``Rank``, ``Decile``) and
its index or domain words (``Index of Multiple Deprivation``/``IMD``,
``Income``, ``Employment``, ``Education``, ``Health``, ``Crime``,
``Barriers``/``Housing``, ``Living Environment``/``Environment``; ``IDACI`` /
"affecting children", ``IDAOPI``/"affecting older"). Sub-domain columns are
ignored. Thousands separators (``"29,199"``) are removed. Scores are floats;
ranks, deciles and population counts are nullable integers (``Int64``).
Deciles must lie in 1–10.

Domain scores keep the official units: income and employment scores (and
IDACI/IDAOPI) are **rates** — the share of the relevant population that is
deprived, 0–1; the other domain scores are unit-free composite scores.

**mySociety's composite UK IMD** (``UK_IMD_E.csv``) can supply IoD2019 scores:
its England rows (``nation == "E"``) carry ``overall_local_score``, which is
the official IMD 2019 score (E01000001: 6.208), and ``income_score`` /
``employment_score`` stored as **percentages** (E01000001: 0.7 and 1.0; the
England maxima are 60.9 and 53.4, impossible for rates). They are divided by
100 to give the official rates (E01000001 income 0.007, employment 0.010).
The ordering of every converted score matches the official File 2 ranks.

**Bridging IoD2019 to LSOA 2021** (:func:`bridge_lsoa11_to_lsoa21`) uses the
ONS exact-fit LSOA11 → LSOA21 lookup; see that function for the method.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.errors import SchemaError
from geo.sources.tables import (
    Source,
    check_unique,
    clean_codes,
    missing_columns_error,
    normalise_header,
    parse_numbers,
    read_table,
)

logger = logging.getLogger(__name__)

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


def _official_header(column: str) -> str:
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


def _classify_columns(table: pd.DataFrame, name: str) -> tuple[dict[str, str], str | None]:
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


def _numbers(values: pd.Series, *, column: str, source: str) -> pd.Series:
    return parse_numbers(values, column=column, source=source)


def _integers(values: pd.Series, *, column: str, source: str) -> pd.Series:
    numbers = _numbers(values, column=column, source=source)
    frac = numbers.notna() & (numbers % 1 != 0)
    if frac.any():
        sample = ", ".join(repr(v) for v in numbers[frac].unique()[:3])
        raise SchemaError(f"{source}: column {column!r} should hold whole numbers; found {sample}.")
    return numbers.astype("Int64")


def _typed(table: pd.DataFrame, mapping: Mapping[str, str], source: str) -> pd.DataFrame:
    out = {}
    for standard, column in mapping.items():
        if standard in ("lsoa_code", "lad_code"):
            out[standard] = clean_codes(table[column])
        elif standard in ("lsoa_name", "lad_name"):
            out[standard] = table[column].astype("str").str.strip().where(table[column].notna())
        elif standard.endswith("_score"):
            out[standard] = _numbers(table[column], column=column, source=source)
        else:
            out[standard] = _integers(table[column], column=column, source=source)
    return pd.DataFrame(out, index=table.index)


def _check_deciles(frame: pd.DataFrame, source: str, mapping: Mapping[str, str]) -> None:
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


def _order(frame: pd.DataFrame, name_cols: Sequence[str]) -> pd.DataFrame:
    extra = [c for c in frame.columns if c not in name_cols]
    ordered = [c for c in (*STANDARD_COLUMNS, *_SUPPLEMENTARY, *POPULATION_COLUMNS) if c in extra]
    rest = [c for c in extra if c not in ordered]
    return frame[[*[c for c in name_cols if c in frame.columns], *ordered, *rest]]


def _fill_standard(frame: pd.DataFrame, notes: list[str], source: str) -> pd.DataFrame:
    absent = [c for c in STANDARD_COLUMNS if c not in frame.columns]
    for column in absent:
        dtype = "float64" if column.endswith("_score") else "Int64"
        frame[column] = pd.Series(np.nan, index=frame.index).astype(dtype)
    if absent:
        notes.append(f"{source} has no {', '.join(absent)}: left empty.")
    return frame


# --------------------------------------------------------------------------
# IoD2025
# --------------------------------------------------------------------------

_IOD2025_WHAT = (
    "the English Indices of Deprivation 2025 File 7 (one row per LSOA 2021, with 'LSOA code "
    "(2021)', 'Index of Multiple Deprivation (IMD) Score', '... Rank (where 1 is most "
    "deprived)', '... Decile (where 1 is most deprived 10% of LSOAs)' and the same for each "
    "domain)"
)


def read_iod2025(source: Source) -> pd.DataFrame:
    """Read the English Indices of Deprivation 2025 (LSOA 2021).

    Accepts the official File 7 (all ranks, scores, deciles and population
    denominators, ~57 columns), its reconstruction in the official column
    names, other IoD2025 files that hold a subset of its columns, and the
    humaniverse re-publication (``lsoa21_code, IMD_score, Income_rank``…).

    Parameters
    ----------
    source
        Path or bytes of the CSV.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``lsoa21cd``. Always has the :data:`STANDARD_COLUMNS`
        (``imd_score, imd_rank, imd_decile, income_score, …,
        living_env_decile``; empty when the file lacks them, with a note in
        ``attrs["notes"]``); and, when the file has them, ``lsoa21nm,
        lad_code, lad_name``, ``idaci_score/rank/decile``,
        ``idaopi_score/rank/decile`` and the population denominators
        (``population_total``, ``population_60plus``…, mid-2022 in IoD2025).
        Scores are floats (income, employment, IDACI and IDAOPI scores are
        rates, 0–1), ranks and deciles ``Int64``.

    Raises
    ------
    SchemaError
        When the LSOA code or the IMD score/rank/decile columns are missing,
        the file is on LSOA 2011 (IoD2019), a code repeats, a value is not a
        number, or a decile is outside 1–10. A national file should have
        33,755 rows; fewer (a regional extract) only logs a warning.
    """
    table = read_table(source, what=_IOD2025_WHAT)
    name = table.attrs["source"]
    mapping, vintage = _classify_columns(table, name)
    if vintage == "2011":
        raise SchemaError(
            f"{name} is on LSOA 2011 codes ({mapping['lsoa_code']!r}): it is the IoD2019, not "
            "the IoD2025. Read it with read_iod2019 and bridge it to LSOA 2021."
        )
    required = ["lsoa_code", "imd_score", "imd_rank", "imd_decile"]
    missing = [c for c in required if c not in mapping]
    if missing:
        raise missing_columns_error(
            name,
            {
                c: ["LSOA code (2021)", "lsoa21_code"]
                if c == "lsoa_code"
                else [_official_header(c), c.replace("imd", "IMD")]
                for c in missing
            },
            list(table.columns),
            _IOD2025_WHAT,
        )
    frame = _typed(table, mapping, name)
    frame = frame[frame["lsoa_code"].notna()]
    check_unique(frame["lsoa_code"], source=name, what="LSOA")
    frame = frame.rename(columns={"lsoa_code": "lsoa21cd", "lsoa_name": "lsoa21nm"})
    frame = frame.set_index("lsoa21cd")
    notes: list[str] = []
    frame = _fill_standard(frame, notes, name)
    _check_deciles(frame, name, mapping)
    n = len(frame)
    if n != N_LSOA_2025:
        note = f"{name} has {n:,} LSOAs; the national IoD2025 file has {N_LSOA_2025:,}" + (
            " (a subset is fine for a regional study)." if n < N_LSOA_2025 else "."
        )
        notes.append(note)
        (logger.info if n < N_LSOA_2025 else logger.warning)(note)
    frame = _order(frame, ("lsoa21nm", "lad_code", "lad_name"))
    frame.attrs = {"source": name, "notes": notes}
    return frame


# --------------------------------------------------------------------------
# IoD2019
# --------------------------------------------------------------------------

_IOD2019_WHAT = (
    "a file of the English Indices of Deprivation 2019 on LSOA 2011: the official File 7 "
    "(all scores, ranks, deciles and denominators), File 1 (IMD rank and decile), File 2 "
    "(domain ranks and deciles), File 5 (scores), File 6 (population denominators) — each with "
    "'LSOA code (2011)' — or mySociety's UK_IMD_E.csv (nation, lsoa, overall_local_score, "
    "income_score, employment_score)"
)


def _read_mysociety(table: pd.DataFrame, name: str) -> pd.DataFrame:
    norm = {normalise_header(c): c for c in table.columns}
    needed = ["nation", "lsoa", "overall_local_score"]
    missing = [c for c in needed if c not in norm]
    if missing:
        raise missing_columns_error(
            name, {c: [c] for c in missing}, list(table.columns), "mySociety's UK_IMD_E.csv"
        )
    nation = table[norm["nation"]].astype("str").str.strip().str.upper()
    england = table[nation == "E"]
    out = pd.DataFrame(
        {
            "lsoa_code": clean_codes(england[norm["lsoa"]]),
            "imd_score": _numbers(
                england[norm["overall_local_score"]], column="overall_local_score", source=name
            ),
        },
        index=england.index,
    )
    for column in ("income_score", "employment_score"):
        if column in norm:
            # mySociety stores these rates as percentages (E01000001 income 0.7 = 0.007).
            out[column] = _numbers(england[norm[column]], column=column, source=name) / 100.0
    return out


def _read_iod2019_part(source: Source) -> tuple[pd.DataFrame, str, dict[str, str]]:
    table = read_table(source, what=_IOD2019_WHAT)
    name = table.attrs["source"]
    norm = {normalise_header(c) for c in table.columns}
    if "overall_local_score" in norm:
        frame = _read_mysociety(table, name)
        mapping = {c: c for c in frame.columns}
    else:
        mapping, vintage = _classify_columns(table, name)
        if vintage == "2021":
            raise SchemaError(
                f"{name} is on LSOA 2021 codes ({mapping['lsoa_code']!r}): it is the IoD2025, "
                "not the IoD2019. Read it with read_iod2025."
            )
        if "lsoa_code" not in mapping:
            raise missing_columns_error(
                name,
                {"lsoa_code": ["LSOA code (2011)", "LSOA11CD", "lsoa11_code"]},
                list(table.columns),
                _IOD2019_WHAT,
            )
        if len(mapping) == 1 or set(mapping) <= {"lsoa_code", "lsoa_name", "lad_code", "lad_name"}:
            raise SchemaError(
                f"{name} has an LSOA code column but no IoD score, rank, decile or population "
                f"column. Columns found: {list(table.columns)}. It should be {_IOD2019_WHAT}."
            )
        frame = _typed(table, mapping, name)
    frame = frame[frame["lsoa_code"].notna()]
    check_unique(frame["lsoa_code"], source=name, what="LSOA")
    return frame.set_index("lsoa_code"), name, mapping


def _merge_parts(parts: list[tuple[pd.DataFrame, str]]) -> pd.DataFrame:
    merged: pd.DataFrame | None = None
    merged_from: dict[str, str] = {}
    for frame, name in parts:
        if merged is None:
            merged = frame.copy()
            merged_from = dict.fromkeys(frame.columns, name)
            continue
        index = merged.index.union(frame.index, sort=False)
        merged = merged.reindex(index)
        for column in frame.columns:
            new = frame[column].reindex(index)
            if column not in merged.columns:
                merged[column] = new
                merged_from[column] = name
                continue
            old = merged[column]
            both = old.notna() & new.notna()
            if both.any() and column not in ("lsoa_name", "lad_code", "lad_name"):
                a = old[both].astype("float64").to_numpy()
                b = new[both].astype("float64").to_numpy()
                differ = ~np.isclose(a, b, rtol=0, atol=1e-6)
                if differ.any():
                    where = old[both].index[differ][0]
                    raise SchemaError(
                        f"{merged_from[column]} and {name} disagree on {column} "
                        f"(e.g. {where}: {old[where]} vs {new[where]}): they are not parts of "
                        "the same IoD2019 release."
                    )
            merged[column] = old.where(old.notna(), new)
    assert merged is not None
    return merged


def read_iod2019(parts: Source | Sequence[Source]) -> pd.DataFrame:
    """Read and merge parts of the English Indices of Deprivation 2019 (LSOA 2011).

    Each part is recognised by its columns: the official File 7 (everything),
    File 1 (IMD rank and decile; ranks with thousands separators), File 2
    (IMD and domain ranks and deciles), File 5 (scores), File 6 (population
    denominators, mid-2015, quoted with thousands separators), and mySociety's
    ``UK_IMD_E.csv`` (England rows only; IMD score, and income and employment
    scores converted from percentages to rates — see the module notes). Parts
    are joined on the LSOA code; where two parts hold the same value they
    must agree.

    Parameters
    ----------
    parts
        One source or a list of sources (paths or bytes).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``lsoa11cd``, with the same standard column names as
        :func:`read_iod2025` (``imd_score, imd_rank, imd_decile, income_score,
        …``; empty where no part supplies them, noted in ``attrs["notes"]``),
        plus ``lsoa11nm, lad_code, lad_name`` (LAD 2019) and
        ``population_total`` (mid-2015, excluding prisoners),
        ``population_60plus``… when given.

    Raises
    ------
    SchemaError
        When a part is not recognised, is on LSOA 2021, parts disagree, or a
        decile is outside 1–10. A national result should cover 32,844 LSOAs;
        fewer only logs a warning.
    """
    if isinstance(parts, str | os.PathLike | bytes | bytearray | Mapping):
        parts = [parts]
    if not parts:
        raise SchemaError(f"No IoD2019 file given; give at least one: {_IOD2019_WHAT}.")
    read = []
    mappings: dict[str, str] = {}
    names = []
    for part in parts:
        frame, name, mapping = _read_iod2019_part(part)
        read.append((frame, name))
        mappings.update(mapping)
        names.append(name)
    merged = _merge_parts(read)
    merged.index.name = "lsoa11cd"
    merged = merged.rename(columns={"lsoa_name": "lsoa11nm"})
    label = " + ".join(names)
    notes: list[str] = []
    merged = _fill_standard(merged, notes, label)
    _check_deciles(merged, label, mappings)
    n = len(merged)
    if n != N_LSOA_2019:
        note = f"IoD2019 parts cover {n:,} LSOAs; the national release has {N_LSOA_2019:,}."
        notes.append(note)
        logger.warning(note)
    merged = _order(merged, ("lsoa11nm", "lad_code", "lad_name"))
    merged.attrs = {"source": label, "notes": notes}
    return merged


# --------------------------------------------------------------------------
# LSOA 2011 → LSOA 2021 bridge
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BridgeReport:
    """What happened when 2011 values were carried to 2021 areas.

    Attributes
    ----------
    by_change_code
        Number of LSOA 2021 areas by ONS change code (U, S, M, X).
        (The lookup rows by code are in ``pairs_by_change_code``.)
    pairs_by_change_code
        Number of (LSOA 2011, LSOA 2021) pairs by change code.
    n_areas
        LSOA 2021 areas in the lookup (all get a row).
    n_without_value
        Of those, areas none of whose 2011 parents has a value (e.g. Welsh
        areas for the English IoD).
    weights
        ``"population"`` or ``"equal"``.
    n_missing_weights
        2011 areas with a value but no weight; the median weight was used.
    dropped_columns
        Non-numeric columns that were not carried over (names, codes).
    """

    by_change_code: dict[str, int]
    pairs_by_change_code: dict[str, int]
    n_areas: int
    n_without_value: int
    weights: str
    n_missing_weights: int = 0
    dropped_columns: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        codes = ", ".join(f"{k} {v:,}" for k, v in self.by_change_code.items())
        text = (
            f"{self.n_areas:,} LSOA 2021 areas ({codes}); {self.n_without_value:,} without a "
            f"2011 value; {self.weights} weights"
        )
        if self.n_missing_weights:
            text += f" ({self.n_missing_weights} parents without a weight took the median)"
        return text


@dataclass(frozen=True)
class BridgeResult:
    """Values carried from LSOA 2011 to LSOA 2021 (``frame``) and how (``report``)."""

    frame: pd.DataFrame
    report: BridgeReport


def _is_count(column: str) -> bool:
    return column.startswith("population")


def bridge_lsoa11_to_lsoa21(
    values: pd.DataFrame,
    lookup: pd.DataFrame,
    *,
    weights: pd.Series | None = None,
    rank_scale: int = N_LSOA_2019,
) -> BridgeResult:
    """Carry values on LSOA 2011 areas to LSOA 2021 areas with the ONS exact-fit lookup.

    Method: each (2011 area, 2021 area) pair of the lookup gets the weight
    ``w = weight(2011 area) / (number of 2021 areas that 2011 area maps to)``,
    where the weight is the 2011 area's population (IoD2019 File 6, mid-2015)
    or 1 when no weights are given. A 2021 area's value is ``Σ w·v / Σ w`` over
    its pairs (pairs whose 2011 value is missing are left out). So:

    * **U** (unchanged) copies the 2011 value;
    * **S** (split) gives each 2021 part its parent's value;
    * **M** (merged) takes the population-weighted mean of the merged parents;
    * **X** (irregular) takes the weighted mean, each parent's population
      being shared equally among the 2021 areas it maps to.

    Ranks and deciles: areas with one parent (U, S) keep the parent's rank and
    decile exactly. For M and X areas the rank is the weighted mean of the
    parents' ranks — **not a true rank** (it can be fractional and two areas
    can share it) — and the decile is recomputed from it on the 2019 national
    scale: ``decile = ceil(rank × 10 / 32,844)`` (which reproduces every
    official IoD2019 decile from its rank). Population counts
    (``population_*`` columns) are apportioned, not averaged: each 2011 area's
    count is shared equally among its 2021 areas and the shares are summed.
    Non-numeric columns (names, codes) are dropped.

    Parameters
    ----------
    values
        Numeric columns indexed by LSOA 2011 code (e.g. from
        :func:`read_iod2019`).
    lookup
        From :func:`geo.sources.lookups.read_lsoa11_lsoa21_lookup` (columns
        ``lsoa11cd, lsoa21cd, change_code``); may be restricted to a region.
    weights
        Population by LSOA 2011 code; None for equal weights.
    rank_scale
        Number of ranked areas for recomputing deciles (32,844 for IoD2019).

    Returns
    -------
    BridgeResult
        ``.frame`` indexed by ``lsoa21cd`` (every 2021 area of the lookup, same
        numeric columns; ranks as floats, deciles ``Int64``) and ``.report``
        (:class:`BridgeReport`).
    """
    needed = ["lsoa11cd", "lsoa21cd", "change_code"]
    missing = [c for c in needed if c not in lookup.columns]
    if missing:
        raise missing_columns_error(
            "the LSOA 2011 → 2021 lookup",
            {c: [c] for c in missing},
            list(lookup.columns),
            "a frame returned by read_lsoa11_lsoa21_lookup",
        )
    if values.index.name != "lsoa11cd" and "lsoa11cd" in values.columns:
        values = values.set_index("lsoa11cd")
    if values.index.has_duplicates:
        raise SchemaError("The values to bridge list some LSOA 2011 codes twice.")

    pairs = lookup[needed].dropna(subset=["lsoa11cd", "lsoa21cd"]).reset_index(drop=True)
    numeric = [
        c
        for c in values.columns
        if pd.api.types.is_numeric_dtype(values[c]) and not pd.api.types.is_bool_dtype(values[c])
    ]
    dropped = tuple(c for c in values.columns if c not in numeric)
    data = values[numeric].astype("float64").reindex(pairs["lsoa11cd"].to_numpy())
    data.index = pairs.index

    n_children = pairs.groupby("lsoa11cd")["lsoa21cd"].transform("size").to_numpy(dtype=float)
    has_value = data.notna().any(axis=1).to_numpy()
    n_missing_w = 0
    if weights is None:
        parent_w = np.ones(len(pairs))
        weight_kind = "equal"
    else:
        w = pd.to_numeric(pd.Series(weights), errors="coerce").astype("float64")
        parent_w = w.reindex(pairs["lsoa11cd"].to_numpy()).to_numpy()
        gap = np.isnan(parent_w) & has_value
        if gap.any():
            n_missing_w = int(pairs.loc[gap, "lsoa11cd"].nunique())
            positive = w[w > 0]
            parent_w = np.where(gap, float(positive.median()) if len(positive) else 1.0, parent_w)
        weight_kind = "population"
    pair_w = pd.Series(parent_w / n_children, index=pairs.index)

    key = pairs["lsoa21cd"]
    groups = data.groupby(key, sort=True)
    n_parents = pairs.groupby("lsoa21cd", sort=True).size()
    codes = pairs.groupby("lsoa21cd", sort=True)["change_code"].agg(_dominant_code)
    single = (n_parents == 1) & codes.isin(["U", "S"])

    out = pd.DataFrame(index=n_parents.index)
    mean_cols = [c for c in numeric if not _is_count(c)]
    count_cols = [c for c in numeric if _is_count(c)]
    if mean_cols:
        part = data[mean_cols]
        weighted = part.mul(pair_w, axis=0).groupby(key, sort=True).sum(min_count=1)
        denom = part.notna().mul(pair_w, axis=0).groupby(key, sort=True).sum()
        mean = weighted / denom.where(denom > 0)
        # Areas with one parent (U, S) take the parent's own value, exactly.
        first = groups[mean_cols].first().reindex(out.index)
        mean = mean.reindex(out.index)
        keep = single.reindex(out.index).to_numpy()[:, None]
        out[mean_cols] = np.where(keep, first.to_numpy(), mean.to_numpy())
    if count_cols:
        shares = data[count_cols].div(n_children, axis=0)
        out[count_cols] = shares.groupby(key, sort=True).sum(min_count=1).reindex(out.index)

    for column in [c for c in numeric if c.endswith("_decile")]:
        rank_col = column[: -len("_decile")] + "_rank"
        decile = out[column]
        if rank_col in out.columns:
            recomputed = np.ceil(out[rank_col] * 10.0 / rank_scale).clip(1, 10)
        else:
            recomputed = decile.round()
        out[column] = decile.where(single, recomputed).round().astype("Int64")
    out = out[numeric]
    out.index.name = "lsoa21cd"

    present = out.notna().any(axis=1) if numeric else pd.Series(False, index=out.index)
    order = ["U", "S", "M", "X"]
    report = BridgeReport(
        by_change_code={c: int((codes == c).sum()) for c in order},
        pairs_by_change_code={c: int((pairs["change_code"] == c).sum()) for c in order},
        n_areas=len(out),
        n_without_value=int((~present).sum()),
        weights=weight_kind,
        n_missing_weights=n_missing_w,
        dropped_columns=dropped,
    )
    if n_missing_w:
        logger.warning("Bridge: %d LSOA 2011 areas had no weight; median used.", n_missing_w)
    return BridgeResult(frame=out, report=report)


def _dominant_code(codes: pd.Series) -> str:
    """One change code per 2021 area (they agree in the ONS lookup; X > M > S > U otherwise)."""
    present = set(codes)
    for code in ("X", "M", "S", "U"):
        if code in present:
            return code
    return str(codes.iloc[0])


def decile_from_rank(rank: float, n: int = N_LSOA_2019) -> int:
    """The IoD decile of a rank: ``ceil(rank × 10 / n)``, between 1 and 10."""
    return int(min(10, max(1, math.ceil(rank * 10 / n))))
