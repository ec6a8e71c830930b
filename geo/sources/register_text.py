"""Plain text from register cells: names, addresses, HTML line breaks.

Registers published by councils and charities often carry HTML in their text
cells (``<br>`` between address lines, ``&amp;``) and placeholder values
(``Unknown``, ``NA``).  These helpers turn a cell into the text the atlas
shows: tags and entities removed, placeholders made ``""``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from geo.sources.assetfiles import clean_text

__all__ = ["NA_TEXT", "first_part", "join_address", "name_text", "plain_text"]

#: Cell values (case-folded) that mean "no value".
NA_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "unknown", "unnamed", "-"})


def plain_text(value: object) -> str:
    """Text without HTML line breaks, tags or entities; ``""`` for missing."""
    text = clean_text(value)
    if not text:
        return ""
    if "<" in text:
        text = re.sub(r"(?i)<br\s*/?>", ", ", text)
        text = re.sub(r"<[^>]*>", " ", text)
    text = html.unescape(text)
    text = " ".join(text.split())
    text = re.sub(r"\s+,", ",", text)
    text = re.sub(r",(\s*,)+", ",", text)
    return text.strip(" ,")


def name_text(value: object) -> str:
    """A name cell as plain text, ``""`` for placeholders such as ``Unknown``."""
    text = plain_text(value)
    return "" if text.casefold() in NA_TEXT else text


def first_part(value: object) -> str:
    """The part of an address before the first comma or ``<br>``."""
    raw = clean_text(value)
    first = re.split(r"(?i),|<br\s*/?>", raw, maxsplit=1)[0]
    return name_text(first)


def join_address(parts: Sequence[object]) -> str:
    """Address parts joined by commas, skipping blanks and parts already given."""
    out: list[str] = []
    for part in parts:
        text = plain_text(part)
        if not text or text.casefold() in NA_TEXT:
            continue
        if any(text.casefold() in previous.casefold() for previous in out):
            continue
        out.append(text)
    return ", ".join(out)
