"""Numbers and dates formatted for people, as every part of the report shows them."""

from __future__ import annotations

import base64
import math
import re
from datetime import datetime

import pandas as pd
from markupsafe import Markup, escape

#: A column name as the data tables and exports spell it (``pct_bad_health``).
COLUMN_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def missing(value: object) -> bool:
    """True for ``None``, ``pd.NA`` and NaN."""
    if value is None or value is pd.NA:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_int(value: object, *, nearest: int = 1) -> str:
    """``12,345`` (``–`` when missing), optionally rounded to ``nearest``."""
    if missing(value):
        return "–"
    number = float(value)  # type: ignore[arg-type]
    if nearest > 1:
        number = round(number / nearest) * nearest
    return f"{number:,.0f}"


def fmt_pct(value: object, digits: int = 0) -> str:
    """``12%`` from a fraction (``–`` when missing)."""
    if missing(value):
        return "–"
    return f"{float(value):.{digits}%}"  # type: ignore[arg-type]


def fmt_num(value: object, digits: int = 1) -> str:
    """A number with ``digits`` decimals (``–`` when missing)."""
    if missing(value):
        return "–"
    return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def text(value: object) -> str:
    """A value as text, empty when missing."""
    return "" if missing(value) else str(value)


def date_text(moment: datetime) -> str:
    """``2 December 2026``."""
    return f"{moment.day} {moment:%B %Y}"


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI (the report fetches nothing)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def share(part: object, whole: object) -> float:
    """``part / whole``, NaN when either is missing or the whole is 0."""
    if missing(part) or missing(whole) or float(whole) == 0:  # type: ignore[arg-type]
        return float("nan")
    return float(part) / float(whole)  # type: ignore[arg-type]


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 area`` / ``3 areas``."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def join_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def columns_as_code(text: object) -> Markup:
    """``text`` escaped, with every column name in it marked as code.

    The data notes name the columns they computed (``pct_bad_health``) so a
    reader can find them in the exports; marked as code they read as names
    of columns, not as words.
    """
    plain = str(escape(str(text)))
    return Markup(COLUMN_NAME.sub(lambda m: f"<code>{m.group(0)}</code>", plain))
