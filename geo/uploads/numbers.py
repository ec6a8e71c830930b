"""Numbers as people type them in spreadsheets."""

from __future__ import annotations

import math
import re

#: Cells that mean "no value" in official statistics and registers.
MISSING_MARKERS = frozenset(
    {
        "",
        "-",
        "--",
        "..",
        "...",
        ":",
        "*",
        "c",
        "x",
        "z",
        "[c]",
        "[x]",
        "[z]",
        "[low]",
        "n/a",
        "na",
        "nan",
        "null",
        "none",
        "#n/a",
        "#value!",
        "#div/0!",
        "#ref!",
        "#num!",
        "#name?",
    }
)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def is_missing(text: str) -> bool:
    return text.strip().casefold() in MISSING_MARKERS


def parse_number(text: object, *, decimal_comma: bool = False) -> float | None:
    """A finite float from ``"1,234.5"``, ``"12%"``, ``"£3"`` or ``"53,48"`` (with
    ``decimal_comma``); ``None`` when the text is not a number."""
    value = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    value = value.lstrip("£$€").rstrip("%")
    if decimal_comma and _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    elif _THOUSANDS.match(value):
        value = value.replace(",", "")
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
