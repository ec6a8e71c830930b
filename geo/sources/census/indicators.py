"""The loneliness-related indicators built from Census 2021 tables: :data:`INDICATORS`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.sources.census.read import label_key
from geo.sources.census.tables import TABLES

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
