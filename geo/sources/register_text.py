"""Plain text from register cells: HTML line breaks, tags and entities removed.

Registers published by councils and charities often carry HTML in their text
cells (``<br>`` between address lines, ``&amp;``) and placeholder values
(``Unknown``, ``NA``).  :func:`plain_text` removes the markup; names and
addresses are then made by the places reader's rules
(:mod:`geo.uploads.asset_rows`: placeholders read as no name, address parts
joined once each).  Uploads keep markup as written; registers are published
text, so it is read as the page would show it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from geo.uploads import asset_rows

__all__ = ["first_part", "join_address", "name_text", "plain_text"]


def plain_text(value: object) -> str:
    """Text without HTML line breaks, tags or entities; ``""`` for missing."""
    text = asset_rows.text(value)
    if not text:
        return ""
    if "<" in text:
        text = re.sub(r"<[^>]*>", " ", text)
    text = html.unescape(text)
    text = " ".join(text.split())
    text = re.sub(r"\s+,", ",", text)
    text = re.sub(r",(\s*,)+", ",", text)
    return text.strip(" ,")


def name_text(value: object) -> str:
    """A name cell as plain text, ``""`` for placeholders such as ``Unknown``."""
    return asset_rows.name_text(plain_text(value))


def first_part(value: object) -> str:
    """The part of an address before the first comma or ``<br>``, as a name."""
    return name_text(asset_rows.first_part(value))


def join_address(parts: Sequence[object]) -> str:
    """Address parts as plain text, joined by commas, skipping blanks and repeats."""
    return asset_rows.join_address([plain_text(part) for part in parts])
