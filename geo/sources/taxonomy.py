"""The asset taxonomy: which community spaces count, and how OSM tags map to them.

Every asset the atlas uses carries one of the category keys below.  The table
is :data:`CATEGORIES`, read from ``geo/data/categories.toml``; this
docstring is the same table in words, one block per category: key and label,
then the OSM selectors (``|`` separates alternatives, ``+`` joins tags that
must all be on one feature), then why the category matters for belonging
and loneliness.  Blocks are in **precedence order**: a feature whose tags
match several categories gets the first one (see "Precedence" below).

``youth_centre``: Youth centre / youth club
    tags: community_centre=youth_centre | amenity=youth_centre | club=youth | club=scout
    | social_facility=outreach + social_facility:for=juvenile
    | social_facility=outreach + social_facility:for=youth
    why: Young adults report loneliness most often; youth clubs are where they meet.
``food_bank``: Food bank / community meal
    tags: social_facility=food_bank | social_facility=soup_kitchen | amenity=food_bank
    why: Food aid reaches isolated people in crisis and signposts them to support.
    (A marker of need as much as of provision: leave it out where it should not count.)
``social_facility``: Day centre / support service
    tags: social_facility=outreach | social_facility=day_care | healthcare=counselling
    why: Formal support and social-prescribing destinations for people at risk.
``community_garden``: Allotment / community garden
    tags: leisure=garden + garden:type=community | landuse=allotments
    why: Shared growing gives regular, low-pressure contact and purpose.
``library``: Library
    tags: amenity=library
    why: Free, warm and open to all; hosts groups, clubs and digital help.
``place_of_worship``: Place of worship
    tags: amenity=place_of_worship
    why: Congregations run lunch clubs, toddler groups and visiting; a key tie in later life.
``community_centre``: Community centre / village hall
    tags: amenity=community_centre (any community_centre=* but youth_centre, e.g.
    village_hall) | amenity=village_hall | amenity=social_centre | amenity=social_club
    | club=social
    why: The core bookable shared space for clubs, classes and local events.
``arts_centre``: Arts centre / theatre
    tags: amenity=arts_centre | amenity=theatre
    why: Participatory arts build weak ties; arts on prescription is a referral route.
``sports_leisure``: Sports / leisure centre
    tags: leisure=sports_centre | leisure=fitness_centre | leisure=sports_hall
    | leisure=swimming_pool | leisure=bowling_alley | leisure=ice_rink
    why: Classes and team activity give routine contact; many host groups for the isolated.
``park``: Park / recreation ground
    tags: leisure=park | leisure=recreation_ground | landuse=recreation_ground
    | leisure=common | leisure=village_green | landuse=village_green
    why: Free outdoor meeting places; green space is linked to lower loneliness.
``pub``: Pub / bar
    tags: amenity=pub | amenity=bar | amenity=biergarten
    why: The third place of many villages and estates; closures are felt as lost community.
``cafe``: Café
    tags: amenity=cafe
    why: Everyday third place; hosts chatter tables and informal groups.
``health``: GP / health centre
    tags: amenity=doctors | amenity=clinic | healthcare=doctor | healthcare=centre
    why: GPs refer people to social-prescribing link workers: the entry point to support.
``warm_space``: Warm space
    tags: none (only from warm-space registers)
    why: A direct anti-isolation offer, run by libraries, churches and halls.

Tag matching
------------
* A feature is **excluded** (no category) when ``access`` is ``private`` or
  ``no``, or ``disused``/``abandoned`` is ``yes``: a private park, a garden
  swimming pool or a closed pub is not a community space.
* Semicolon lists are split: ``amenity=library;cafe`` matches ``library`` and
  ``cafe`` (and precedence picks ``library``).
* ``key=*`` would match any value except ``no`` (none of the rows needs it
  today, but the selector syntax supports it).
* Not included, on purpose: ``leisure=playground`` (mostly inside parks, would
  double count), ``leisure=pitch`` (hundreds per district, mostly parts of
  parks, schools and clubs), ``leisure=nature_reserve`` (a designation, often
  huge or without access), plain ``leisure=garden`` (in England mostly private
  or residential gardens), ``building=*`` (a building outline usually has a
  separate POI; counting both would double count), care homes
  (``social_facility=assisted_living``/``nursing_home``/``group_home``:
  residential, not open to the community), ``amenity=public_bookcase``.

Precedence
----------
:func:`categorise_tags` walks the table from the top and returns the first
category with a matching selector, so the more specific readings win:
``amenity=community_centre + community_centre=youth_centre`` is a youth centre,
``social_facility=outreach + social_facility:for=juvenile`` is a youth centre
rather than a support service, ``amenity=social_facility +
social_facility=food_bank`` is a food bank, a ``leisure=garden +
garden:type=community`` is a community garden (a plain garden is nothing), a
multi-use ``amenity=community_centre + leisure=sports_centre`` is a community
centre, and ``amenity=bar`` is a pub.

Geofabrik shapefiles
--------------------
The Geofabrik "free" shapefiles keep one ``fclass`` per feature instead of the
tags; :data:`GEOFABRIK_FCLASS` maps those classes to categories.  They cannot
express the sub-tags, so a youth centre there is a ``community_centre``, a
private swimming pool is not filtered out, and food banks/support services and
community gardens other than allotments are absent.  Places-of-worship layers
(``gis_osm_pofw_*``) name the religion in ``fclass`` (``christian_anglican``,
``muslim``...): all of them are ``place_of_worship``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geo.errors import ConfigError

__all__ = [
    "CATEGORIES",
    "CATEGORY_KEYS",
    "EXCLUDING_TAGS",
    "GEOFABRIK_FCLASS",
    "Category",
    "categorise_tags",
    "category_colours",
    "category_labels",
    "get_category",
    "overpass_filters",
]


@dataclass(frozen=True)
class Category:
    """One kind of community asset.

    Parameters
    ----------
    key
        Stable identifier used in data (``"library"``).
    label
        Short name for people (legends, reports).
    description
        What is included, in one sentence.
    osm_tags
        OpenStreetMap selectors; a feature matches when all the ``key=value``
        parts of one selector (joined by ``" + "``) are on it.  ``value`` may
        be ``*`` (any value but ``no``).  Empty for categories that only come
        from registers.
    colour
        Hex colour used for the category on maps.
    why
        Why the category matters for belonging and loneliness, in one line.
    """

    key: str
    label: str
    description: str
    osm_tags: tuple[str, ...]
    colour: str
    why: str


#: The table itself is data: ``geo/data/categories.toml``, in precedence order.
CATEGORIES_FILE = Path(__file__).resolve().parent.parent / "data" / "categories.toml"


def _read_categories(path: Path) -> tuple[Category, ...]:
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Category(**{**row, "osm_tags": tuple(row.get("osm_tags", ()))}) for row in table["category"]
    )


CATEGORIES: tuple[Category, ...] = _read_categories(CATEGORIES_FILE)

CATEGORY_KEYS: tuple[str, ...] = tuple(c.key for c in CATEGORIES)

#: Tags that make a feature not a community asset whatever else it carries.
EXCLUDING_TAGS: Mapping[str, frozenset[str]] = {
    "access": frozenset({"private", "no"}),
    "disused": frozenset({"yes"}),
    "abandoned": frozenset({"yes"}),
}

_PLACE_OF_WORSHIP_FCLASSES = (
    "christian",
    "christian_anglican",
    "christian_catholic",
    "christian_evangelical",
    "christian_lutheran",
    "christian_methodist",
    "christian_orthodox",
    "christian_protestant",
    "christian_baptist",
    "christian_mormon",
    "jewish",
    "muslim",
    "muslim_sunni",
    "muslim_shia",
    "buddhist",
    "hindu",
    "taoist",
    "shintoist",
    "sikh",
)

#: Geofabrik free-shapefile ``fclass`` -> category key.  Classes not listed
#: (``playground``, ``pitch``, ``nature_reserve``, ``nursing_home``, shops...)
#: are not community assets here; see the module docstring.
GEOFABRIK_FCLASS: dict[str, str] = {
    # gis_osm_pois_free_1 / gis_osm_pois_a_free_1
    "community_centre": "community_centre",
    "library": "library",
    "arts_centre": "arts_centre",
    "theatre": "arts_centre",
    "pub": "pub",
    "bar": "pub",
    "biergarten": "pub",
    "cafe": "cafe",
    "sports_centre": "sports_leisure",
    "swimming_pool": "sports_leisure",
    "ice_rink": "sports_leisure",
    "park": "park",
    "doctors": "health",
    "clinic": "health",
    # gis_osm_landuse_a_free_1
    "recreation_ground": "park",
    "allotments": "community_garden",
    # gis_osm_pofw_free_1 / gis_osm_pofw_a_free_1: the religion is the class
    **dict.fromkeys(_PLACE_OF_WORSHIP_FCLASSES, "place_of_worship"),
}


@cache
def _parsed() -> tuple[tuple[str, tuple[tuple[tuple[str, str], ...], ...]], ...]:
    table = []
    for category in CATEGORIES:
        selectors = []
        for selector in category.osm_tags:
            parts = []
            for part in selector.split("+"):
                key, sep, value = part.strip().partition("=")
                if not sep or not key or not value:
                    raise ConfigError(f"Bad OSM selector {selector!r} in category {category.key}.")
                parts.append((key.strip(), value.strip()))
            selectors.append(tuple(parts))
        table.append((category.key, tuple(selectors)))
    return tuple(table)


def _values(tags: Mapping[str, object], key: str) -> set[str]:
    raw = tags.get(key)
    if raw is None:
        return set()
    return {v.strip() for v in str(raw).split(";") if v.strip()}


def _is_excluded(tags: Mapping[str, object]) -> bool:
    return any(_values(tags, key) & bad for key, bad in EXCLUDING_TAGS.items())


def categorise_tags(tags: Mapping[str, object]) -> str | None:
    """The category of a feature from its OSM tags, or ``None``.

    The first category of :data:`CATEGORIES` (precedence order) with a
    matching selector wins; excluded features (private access, disused,
    abandoned) get ``None``.

    Examples
    --------
    >>> categorise_tags({"amenity": "community_centre", "community_centre": "youth_centre"})
    'youth_centre'
    >>> categorise_tags({"amenity": "bar"})
    'pub'
    >>> categorise_tags({"leisure": "garden"}) is None
    True
    """
    if not tags or _is_excluded(tags):
        return None
    cache_values: dict[str, set[str]] = {}
    for key, selectors in _parsed():
        for selector in selectors:
            for tag_key, tag_value in selector:
                if tag_key not in cache_values:
                    cache_values[tag_key] = _values(tags, tag_key)
                present = cache_values[tag_key]
                if tag_value == "*":
                    if not (present - {"no"}):
                        break
                elif tag_value not in present:
                    break
            else:
                return key
    return None


def get_category(key: str) -> Category:
    """The :class:`Category` with this key; :class:`ConfigError` naming the valid keys."""
    for category in CATEGORIES:
        if category.key == key:
            return category
    raise ConfigError(
        f"Unknown asset category {key!r}. Valid categories: {', '.join(CATEGORY_KEYS)}."
    )


def category_labels() -> dict[str, str]:
    """``{key: label}`` for every category, in table order."""
    return {c.key: c.label for c in CATEGORIES}


def category_colours() -> dict[str, str]:
    """``{key: hex colour}`` for every category, in table order."""
    return {c.key: c.colour for c in CATEGORIES}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def overpass_filters(categories: Iterable[str] | None = None) -> list[str]:
    """Overpass QL selectors fetching the features of ``categories``.

    One selector per taxonomy selector, e.g. ``nwr["amenity"="library"]`` or
    ``nwr["leisure"="garden"]["garden:type"="community"]``, without a spatial
    filter (see :func:`geo.sources.osm.overpass_query`).  ``None`` means every
    category.  Categories without OSM tags (``warm_space``) give nothing.

    The fetched features are categorised with the whole taxonomy, so asking
    for ``community_centre`` also returns the youth centres tagged
    ``amenity=community_centre``; filter the frame by category afterwards when
    only some are wanted.
    """
    wanted = list(CATEGORY_KEYS) if categories is None else list(categories)
    if isinstance(categories, str):
        wanted = [categories]
    for key in wanted:
        get_category(key)
    out: list[str] = []
    for key, selectors in _parsed():
        if key not in wanted:
            continue
        for selector in selectors:
            parts = []
            for tag_key, tag_value in selector:
                if tag_value == "*":
                    parts.append(f"[{_quote(tag_key)}]")
                else:
                    parts.append(f"[{_quote(tag_key)}={_quote(tag_value)}]")
            text = "nwr" + "".join(parts)
            if text not in out:
                out.append(text)
    return out
