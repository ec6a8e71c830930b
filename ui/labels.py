"""Names and colours the app shows for categories of community places.

The taxonomy's labels and colours, plus a fallback for the user's own
``user_<name>`` categories (named "… (your category)" and drawn in one colour).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.sources.taxonomy import CATEGORIES

#: Colour of the places in a category of the user's own (``user_<name>``).
USER_CATEGORY_COLOUR = "#7b3294"


class _Categories(dict):
    """Taxonomy categories, plus a fallback for the user's own ``user_<name>`` ones."""

    def __init__(self, values: Mapping[str, str], fallback: Any) -> None:
        super().__init__(values)
        self._fallback = fallback

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        if isinstance(key, str) and key.startswith("user_"):
            return self._fallback(key)
        return default


def user_category_label(key: str) -> str:
    """``user_knit_club`` → ``Knit club (your category)``."""
    return key.removeprefix("user_").replace("_", " ").capitalize() + " (your category)"


CATEGORY_LABELS = _Categories({c.key: c.label for c in CATEGORIES}, user_category_label)
CATEGORY_COLOURS = _Categories(
    {c.key: c.colour for c in CATEGORIES}, lambda _key: USER_CATEGORY_COLOUR
)
