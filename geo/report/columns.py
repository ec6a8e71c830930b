"""The data dictionary of the exports: every column's meaning, unit and source.

Columns are matched by name against the rules in ``geo/data/columns.toml``
(kept as data, read once; first match wins), so
families such as ``nearest_<category>_m`` or ``iod2019_<domain>_rank`` need
one rule each; ``{cat}`` and ``{n}`` in a meaning are filled from the name.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from geo.present.labels import category_label

#: The rules, kept as data: ``(pattern, meaning, unit, source)`` a line.
RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "columns.toml"


@functools.cache
def _table() -> dict[str, Any]:
    """``data/columns.toml``, read once."""
    return tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))


@functools.cache
def _rules() -> tuple[tuple[re.Pattern[str], str, str, str], ...]:
    """The rules in order, each pattern compiled to match a whole column name."""
    sources = _table()["sources"]
    return tuple(
        (re.compile(rf"^(?:{r['pattern']})$"), r["meaning"], r["unit"], sources[r["source"]])
        for r in _table()["rules"]
    )


def describe(column: str) -> tuple[str, str, str]:
    """``(meaning, unit, source)`` of one column (a plain fallback when unknown)."""
    for pattern, meaning, unit, source in _rules():
        match = pattern.match(column)
        if match is None:
            continue
        groups = [g for g in match.groups() if g]
        words = groups[0].replace("_", " ") if groups else ""
        cat = category_label(groups[0]).lower() if groups else ""
        return meaning.format(n=words, cat=cat), unit, source
    if column.startswith("user_"):
        return f"Your own data: {column.removeprefix('user_')}", "as uploaded", "your upload"
    return column.replace("_", " "), "", str(_table()["sources"]["analysis"])


def dictionary(sheets: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """One row per sheet and column: ``sheet``, ``column``, ``meaning``, ``unit``, ``source``."""
    rows = []
    for sheet, columns in sheets.items():
        for column in columns:
            meaning, unit, source = describe(str(column))
            rows.append(
                {
                    "sheet": sheet,
                    "column": str(column),
                    "meaning": meaning,
                    "unit": unit,
                    "source": source,
                }
            )
    return pd.DataFrame(rows, columns=["sheet", "column", "meaning", "unit", "source"])
