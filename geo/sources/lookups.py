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

Reading and column matching live in :mod:`geo.sources.tables`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import pandas as pd

from geo.errors import SchemaError
from geo.sources.tables import (
    Alias,
    Source,
    clean_codes,
    find_columns,
    lad_aliases,
    missing_columns_error,
    read_table,
)

logger = logging.getLogger(__name__)

CHANGE_CODES = {
    "U": "unchanged",
    "S": "split (one 2011 LSOA became two or more 2021 LSOAs)",
    "M": "merged (two or more 2011 LSOAs became one 2021 LSOA)",
    "X": "irregular (boundary redrawn; neither a simple split nor a merge)",
}

_COUNTRIES = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"}


@dataclass(frozen=True)
class _Kind:
    """One kind of lookup file: its columns by name, and what it should be.

    ``codes`` and ``texts`` are the logical columns a reader keeps (codes
    cleaned, texts stripped); ``spec`` may name more, to recognise a layout.
    """

    what: str
    spec: dict[str, list[Alias]]
    required: tuple[str, ...]
    codes: tuple[str, ...]
    texts: tuple[str, ...] = ()


def _read_lookup(source: Source, kind: _Kind) -> tuple[pd.DataFrame, dict[str, str], str]:
    """The lookup's columns by logical name, the file's header for each found, and its name.

    A column of ``codes`` or ``texts`` the file does not have is empty (NA).
    """
    table = read_table(source, what=kind.what)
    cols = find_columns(table, kind.spec, required=list(kind.required), what=kind.what)
    out = pd.DataFrame(index=table.index)
    for logical in (*kind.codes, *kind.texts):
        if logical not in cols:
            out[logical] = pd.Series(pd.NA, index=table.index, dtype="str")
        elif logical in kind.codes:
            out[logical] = clean_codes(table[cols[logical]])
        else:
            out[logical] = table[cols[logical]].str.strip()
    return out, cols, table.attrs["source"]


# --------------------------------------------------------------------------
# LSOA 2021 → ward → local authority
# --------------------------------------------------------------------------

_LSOA21 = _Kind(
    what=(
        "an LSOA 2021 lookup: one row per LSOA (or per output area) with LSOA21CD, LSOA21NM, "
        "a ward code/name (WD24CD/WD24NM) and the local authority code/name (LAD24CD/LAD24NM), "
        "as published by the ONS Open Geography Portal"
    ),
    spec={
        "lsoa21cd": ["LSOA21CD", "lsoa21_code", "LSOA code (2021)", "lsoa21"],
        "lsoa21nm": ["LSOA21NM", "lsoa21_name", "LSOA name (2021)"],
        "ward_code": [re.compile(r"wd\d{2}cd"), re.compile(r"ward\d{2}_code"), "ward_code"],
        "ward_name": [re.compile(r"wd\d{2}nm"), re.compile(r"ward\d{2}_name"), "ward_name"],
        "lad_code": [
            *lad_aliases("code"),
            re.compile(r"local authority district code \(\d{4}\)"),
        ],
        "lad_name": [
            *lad_aliases("name"),
            re.compile(r"local authority district name \(\d{4}\)"),
        ],
        "oa21cd": ["OA21CD", "oa21_code"],
    },
    required=("lsoa21cd", "lad_code"),
    codes=("lsoa21cd", "ward_code", "lad_code"),
    texts=("lsoa21nm", "ward_name", "lad_name"),
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
    read, cols, name = _read_lookup(source, _LSOA21)
    notes: list[str] = []
    out = read[["lsoa21cd", "lsoa21nm", "ward_code", "ward_name", "lad_code", "lad_name"]]
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

_BRIDGE = _Kind(
    what=(
        "the ONS 'LSOA (2011) to LSOA (2021) to Local Authority District (2022)' exact-fit "
        "lookup: one row per (LSOA11CD, LSOA21CD) pair with the change indicator CHGIND (U, S, "
        "M or X) and LAD22CD"
    ),
    spec={
        "lsoa11cd": ["LSOA11CD", "lsoa11_code", "LSOA code (2011)"],
        "lsoa21cd": ["LSOA21CD", "lsoa21_code", "LSOA code (2021)"],
        "change_code": ["CHGIND", "change_code", "change_indicator", "chgind21"],
        "lad_code": lad_aliases("code"),
    },
    required=("lsoa11cd", "lsoa21cd", "change_code"),
    codes=("lsoa11cd", "lsoa21cd", "lad_code"),
    texts=("change_code",),
)


def read_lsoa11_lsoa21_lookup(source: Source) -> pd.DataFrame:
    """Read the LSOA 2011 → LSOA 2021 exact-fit lookup with its change codes.

    Accepts the official layout (``LSOA11CD, LSOA11NM, CHGIND, LSOA21CD,
    LSOA21NM, LAD22CD, LAD22NM``) and geographr's (``lsoa11_code, change_code,
    lsoa21_code, ltla22_code``…), as CSV or ArcGIS JSON.

    Change codes: ``U`` unchanged, ``S`` split (one 2011 LSOA → several 2021
    LSOAs), ``M`` merged (several → one), ``X`` irregular (redrawn).

    ``source`` is a path, bytes, or parsed ArcGIS JSON. The result has one row
    per pair, columns ``lsoa11cd, lsoa21cd, change_code, lad_code`` (``lad_code``
    NaN when the file has none).

    Raises
    ------
    SchemaError
        When a column is missing, a change code is not one of U, S, M, X, or a
        pair is listed twice.
    """
    read, cols, name = _read_lookup(source, _BRIDGE)
    out = read[["lsoa11cd", "lsoa21cd", "change_code", "lad_code"]]
    out = out.assign(change_code=out["change_code"].str.upper())
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


# --------------------------------------------------------------------------
# Local authority → region
# --------------------------------------------------------------------------

_REGIONS = _Kind(
    what=(
        "a local authority to region lookup: one row per local authority district with its "
        "code (LAD24CD) and its region code (RGN24CD), as published by the ONS Open Geography "
        "Portal"
    ),
    spec={
        "lad_code": ["LADCD", *lad_aliases("code")],
        "region_code": ["RGNCD", re.compile(r"rgn\d{2}cd"), "region_code"],
    },
    required=("lad_code", "region_code"),
    codes=("lad_code", "region_code"),
)


def read_lad_regions(source: Source) -> pd.Series:
    """Read a local authority → region lookup.

    Accepts the ONS "Local Authority District to Region" lookups (``LAD24CD,
    LAD24NM, RGN24CD, RGN24NM``, any year) and tables of every local authority
    code with its region (``LADCD … RGNCD``, as in drkane/geo-lookups'
    ``la_all_codes.csv``), as CSV or ArcGIS JSON.  Rows without a region
    (Wales, Scotland, Northern Ireland) are dropped.

    Returns
    -------
    pandas.Series
        Region code (``E12…``) indexed by local authority code (``lad_code``).

    Raises
    ------
    SchemaError
        When a column is missing or a local authority has two regions.
    """
    frame, _, name = _read_lookup(source, _REGIONS)
    frame = frame.dropna()
    frame = frame[frame["region_code"].str.startswith("E12")].drop_duplicates()
    twice = frame["lad_code"].duplicated()
    if twice.any():
        raise SchemaError(
            f"{name}: {int(twice.sum())} local authorities have more than one region "
            f"(e.g. {', '.join(frame.loc[twice, 'lad_code'][:5])})."
        )
    out = frame.set_index("lad_code")["region_code"]
    out.attrs = {"source": name}
    return out
