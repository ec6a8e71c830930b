"""Names and colours the app shows for categories of community places.

The taxonomy's labels and colours, plus a fallback for the user's own
``user_<name>`` categories (named "… (your category)", each drawn in its own colour).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from geo.present.palettes import NEW_CATEGORY_COLOURS, CategoryMarks, DistinctColours
from geo.sources.taxonomy import CATEGORIES

#: Colour of the places in the first category of the user's own (``user_<name>``);
#: each further one gets its own (:class:`geo.present.palettes.DistinctColours`).
USER_CATEGORY_COLOUR = NEW_CATEGORY_COLOURS[0]


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
CATEGORY_COLOURS = _Categories({c.key: c.colour for c in CATEGORIES}, DistinctColours())
#: Colour and shape of every category's places on the map (colour-blind safe;
#: no two categories alike): the taxonomy first, then the user's own.
CATEGORY_MARKS = CategoryMarks(tuple(c.key for c in CATEGORIES))
