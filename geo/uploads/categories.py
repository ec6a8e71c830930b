"""Mapping the categories people write onto the asset taxonomy.

A value matches a category when, ignoring case, accents, punctuation and
spacing (and a plural ``s``), it is the category's key or label (or a part of
a label such as "village hall" in "Community centre / village hall"), or one
of the synonyms below ("church" is a place of worship, "youth club" a youth
centre, "warm bank" a warm space...).  A user's own ``category_map`` is
consulted first.  A value that matches nothing becomes a **new category**:
its key is ``new:<slug>`` (``"Men's shed"`` → ``new:mens_shed``), it is listed
in ``UploadResult.new_categories`` and a note says so; the app can then ask
the user to map it or keep it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache

from geo.errors import UploadError
from geo.sources.taxonomy import CATEGORIES, CATEGORY_KEYS

NEW_PREFIX = "new:"
UNCATEGORISED = f"{NEW_PREFIX}uncategorised"

SYNONYMS: dict[str, tuple[str, ...]] = {
    "youth_centre": (
        "youth club",
        "youth centre",
        "youth center",
        "youth provision",
        "youth service",
        "youth group",
        "youth hub",
        "youth project",
        "scouts",
        "scout hut",
        "guides",
        "girlguiding",
        "brownies",
        "cubs",
    ),
    "food_bank": (
        "food bank",
        "foodbank",
        "food pantry",
        "pantry",
        "community pantry",
        "soup kitchen",
        "community meal",
        "community fridge",
        "food club",
        "food aid",
    ),
    "social_facility": (
        "day centre",
        "day center",
        "support group",
        "support service",
        "drop in",
        "dropin",
        "befriending",
        "counselling",
        "outreach",
        "social prescribing",
        "peer support",
        "carers centre",
        "lunch club",
        "mens shed",
        "men's shed",
    ),
    "community_garden": ("allotment", "community garden", "community growing", "city farm"),
    "library": ("library", "libraries", "mobile library", "public library"),
    "place_of_worship": (
        "church",
        "chapel",
        "cathedral",
        "mosque",
        "masjid",
        "temple",
        "mandir",
        "gurdwara",
        "synagogue",
        "meeting house",
        "quaker meeting house",
        "kingdom hall",
        "faith centre",
        "faith group",
        "parish church",
        "worship",
    ),
    "community_centre": (
        "community centre",
        "community center",
        "community hall",
        "village hall",
        "church hall",
        "parish hall",
        "town hall",
        "social club",
        "social centre",
        "community hub",
        "neighbourhood centre",
        "family hub",
        "children's centre",
        "community space",
    ),
    "arts_centre": ("arts centre", "arts center", "theatre", "theater", "gallery", "museum"),
    "sports_leisure": (
        "leisure centre",
        "sports centre",
        "sports club",
        "sports hall",
        "gym",
        "swimming pool",
        "leisure",
        "sport",
    ),
    "park": ("park", "recreation ground", "green space", "greenspace", "playing field", "common"),
    "pub": ("pub", "bar", "inn", "public house", "community pub"),
    "cafe": ("cafe", "coffee shop", "tea room", "community cafe", "repair cafe"),
    "health": (
        "gp",
        "gp surgery",
        "surgery",
        "doctor",
        "doctors",
        "health centre",
        "medical centre",
        "clinic",
        "health",
    ),
    "warm_space": (
        "warm space",
        "warm spaces",
        "warm bank",
        "warm hub",
        "warm welcome",
        "warm room",
        "warm place",
        "welcoming space",
    ),
}


def normalise(text: object) -> str:
    """Lower case, no accents or punctuation, single spaces, ``&`` as ``and``."""
    value = unicodedata.normalize("NFKD", str(text))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.casefold().replace("&", " and ").replace("'", "").replace("’", "")
    value = re.sub(r"[^a-z0-9]+", " ", value)
    return " ".join(value.split())


def slug(text: object) -> str:
    return normalise(text).replace(" ", "_")[:60] or "uncategorised"


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for category in CATEGORIES:
        table[normalise(category.key)] = category.key
        table[normalise(category.label)] = category.key
        for part in re.split(r"\s*/\s*", category.label):
            table.setdefault(normalise(part), category.key)
    for key, words in SYNONYMS.items():
        for word in words:
            table.setdefault(normalise(word), key)
    return table


def match_category(value: object) -> str | None:
    """The taxonomy key a category name means, or ``None``."""
    text = normalise(value)
    if not text:
        return None
    table = _table()
    for candidate in (text, text[:-1] if text.endswith("s") else text, re.sub(r"ies$", "y", text)):
        if candidate in table:
            return table[candidate]
    return None


def _text_key(text: object) -> str:
    """Case and spacing ignored, every other character kept: what tells two values apart."""
    return " ".join(str(text or "").split()).casefold()


class CategoryResolver:
    """Turns the category cell of each row into a key, collecting new categories.

    Two different values that make the same key (``{{7*7}}`` and ``${7*7}``
    both give ``7_7``) are kept apart: the second gets ``7_7_2``, and
    :attr:`clashes` lists them for a note.  Values differing only in case or
    spacing are one category.
    """

    def __init__(self, category_map: Mapping[str, str] | None = None) -> None:
        self.user: dict[str, str] = {}
        self._user_loose: dict[str, str] = {}
        for raw, target in (category_map or {}).items():
            key = str(target).strip()
            if key not in CATEGORY_KEYS and not key.startswith(NEW_PREFIX):
                found = match_category(key)
                if found is None:
                    raise UploadError(
                        f"category_map sends {raw!r} to {target!r}, which is not a category. "
                        f"Categories: {', '.join(CATEGORY_KEYS)} (or 'new:<name>')."
                    )
                key = found
            self.user[_text_key(raw)] = key
            self._user_loose.setdefault(normalise(raw), key)
        self.new: dict[str, str] = {}
        self.matched: dict[str, str] = {}
        self.clashes: dict[str, list[str]] = {}
        self._new_by_text: dict[str, str] = {}
        self._seen: dict[str, str] = {}

    def __call__(self, value: object) -> str:
        seen = self._seen.get(value) if isinstance(value, str) else None
        if seen is not None:
            return seen
        key = self._resolve(value)
        if isinstance(value, str) and len(self._seen) < 100_000:
            self._seen[value] = key
        return key

    def _resolve(self, value: object) -> str:
        text = " ".join(str(value or "").split())
        norm = normalise(text)
        if not norm:
            self.new.setdefault(UNCATEGORISED, "Uncategorised")
            return UNCATEGORISED
        exact = self.user.get(_text_key(text))
        if exact is not None:
            return exact
        if norm in self._user_loose:
            return self._user_loose[norm]
        found = match_category(text)
        if found is not None:
            if normalise(found) != norm:
                self.matched.setdefault(text, found)
            return found
        return self._new_key(text)

    def _new_key(self, text: str) -> str:
        known = self._new_by_text.get(_text_key(text))
        if known is not None:
            return known
        base = NEW_PREFIX + slug(text)
        key, n = base, 1
        while key in self.new:
            n += 1
            key = f"{base}_{n}"
        if n > 1:
            self.clashes.setdefault(base, [self.new[base]]).append(text)
        self.new[key] = text
        self._new_by_text[_text_key(text)] = key
        return key
