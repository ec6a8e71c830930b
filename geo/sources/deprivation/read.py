"""Readers for the English Indices of Deprivation 2025 (LSOA 2021) and 2019 (LSOA 2011)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from geo.errors import SchemaError
from geo.sources.deprivation.columns import (
    N_LSOA_2019,
    N_LSOA_2025,
    check_deciles,
    classify_columns,
    fill_standard,
    official_header,
    order_columns,
    scores,
    typed_columns,
)
from geo.sources.tables import (
    Source,
    check_unique,
    clean_codes,
    missing_columns_error,
    normalise_header,
    read_table,
)

logger = logging.getLogger(__name__)

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
    mapping, vintage = classify_columns(table, name)
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
                else [official_header(c), c.replace("imd", "IMD")]
                for c in missing
            },
            list(table.columns),
            _IOD2025_WHAT,
        )
    frame = typed_columns(table, mapping, name)
    frame = frame[frame["lsoa_code"].notna()]
    check_unique(frame["lsoa_code"], source=name, what="LSOA")
    frame = frame.rename(columns={"lsoa_code": "lsoa21cd", "lsoa_name": "lsoa21nm"})
    frame = frame.set_index("lsoa21cd")
    notes: list[str] = []
    frame = fill_standard(frame, notes, name)
    check_deciles(frame, name, mapping)
    n = len(frame)
    if n != N_LSOA_2025:
        note = f"{name} has {n:,} LSOAs; the national IoD2025 file has {N_LSOA_2025:,}" + (
            " (a subset is fine for a regional study)." if n < N_LSOA_2025 else "."
        )
        notes.append(note)
        (logger.info if n < N_LSOA_2025 else logger.warning)(note)
    frame = order_columns(frame, ("lsoa21nm", "lad_code", "lad_name"))
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
            "imd_score": scores(
                england[norm["overall_local_score"]], column="overall_local_score", source=name
            ),
        },
        index=england.index,
    )
    for column in ("income_score", "employment_score"):
        if column in norm:
            # mySociety stores these rates as percentages (E01000001 income 0.7 = 0.007).
            out[column] = scores(england[norm[column]], column=column, source=name) / 100.0
    return out


def _read_iod2019_part(source: Source) -> tuple[pd.DataFrame, str, dict[str, str]]:
    table = read_table(source, what=_IOD2019_WHAT)
    name = table.attrs["source"]
    norm = {normalise_header(c) for c in table.columns}
    if "overall_local_score" in norm:
        frame = _read_mysociety(table, name)
        mapping = {c: c for c in frame.columns}
    else:
        mapping, vintage = classify_columns(table, name)
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
        frame = typed_columns(table, mapping, name)
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
    merged = fill_standard(merged, notes, label)
    check_deciles(merged, label, mappings)
    n = len(merged)
    if n != N_LSOA_2019:
        note = f"IoD2019 parts cover {n:,} LSOAs; the national release has {N_LSOA_2019:,}."
        notes.append(note)
        logger.warning(note)
    merged = order_columns(merged, ("lsoa11nm", "lad_code", "lad_name"))
    merged.attrs = {"source": label, "notes": notes}
    return merged
