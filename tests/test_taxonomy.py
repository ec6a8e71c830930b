"""The asset taxonomy: table, precedence, Geofabrik classes, Overpass selectors."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import ConfigError
from geo.sources import taxonomy
from geo.sources.taxonomy import (
    CATEGORIES,
    CATEGORY_KEYS,
    GEOFABRIK_FCLASS,
    categorise_tags,
    category_colours,
    category_labels,
    get_category,
    overpass_filters,
)


def _selector_tags(selector: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in selector.split("+"))


def test_table_is_well_formed():
    assert len(set(CATEGORY_KEYS)) == len(CATEGORIES) >= 12
    for required in (
        "community_centre",
        "library",
        "place_of_worship",
        "social_facility",
        "youth_centre",
        "sports_leisure",
        "park",
        "community_garden",
        "pub",
        "cafe",
        "arts_centre",
        "health",
        "warm_space",
        "food_bank",
    ):
        assert required in CATEGORY_KEYS
    for category in CATEGORIES:
        assert re.fullmatch(r"[a-z_]+", category.key)
        assert re.fullmatch(r"#[0-9a-f]{6}", category.colour)
        assert category.label and category.description and category.why
    assert len(set(category_colours().values())) == len(CATEGORIES)
    assert list(category_labels()) == list(CATEGORY_KEYS)
    assert category_labels()["cafe"] == "Café"
    assert get_category("warm_space").osm_tags == ()


def test_docstring_is_the_table():
    doc = taxonomy.__doc__
    for category in CATEGORIES:
        assert f"``{category.key}``: {category.label}" in doc
        assert category.why in doc, category.key
        for selector in category.osm_tags:
            assert selector in doc, selector


def test_every_selector_alone_gives_its_own_category():
    for category in CATEGORIES:
        for selector in category.osm_tags:
            assert categorise_tags(_selector_tags(selector)) == category.key, selector


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"amenity": "community_centre", "community_centre": "youth_centre"}, "youth_centre"),
        ({"amenity": "community_centre", "community_centre": "village_hall"}, "community_centre"),
        ({"amenity": "community_centre"}, "community_centre"),
        ({"amenity": "village_hall"}, "community_centre"),
        ({"amenity": "social_centre"}, "community_centre"),
        ({"club": "social", "name": "Royal British Legion"}, "community_centre"),
        ({"club": "scout"}, "youth_centre"),
        ({"leisure": "garden", "garden:type": "community"}, "community_garden"),
        ({"leisure": "garden"}, None),
        ({"leisure": "garden", "garden:type": "residential"}, None),
        ({"leisure": "park"}, "park"),
        ({"landuse": "allotments"}, "community_garden"),
        ({"landuse": "recreation_ground"}, "park"),
        ({"amenity": "bar"}, "pub"),
        ({"amenity": "biergarten"}, "pub"),
        ({"amenity": "pub"}, "pub"),
        ({"amenity": "cafe"}, "cafe"),
        ({"amenity": "library;cafe"}, "library"),
        ({"amenity": "cafe; pub"}, "pub"),
        ({"amenity": "social_facility", "social_facility": "food_bank"}, "food_bank"),
        (
            {
                "amenity": "social_facility",
                "social_facility": "outreach",
                "social_facility:for": "juvenile",
            },
            "youth_centre",
        ),
        ({"amenity": "social_facility", "social_facility": "outreach"}, "social_facility"),
        ({"amenity": "social_facility", "social_facility": "day_care"}, "social_facility"),
        ({"amenity": "social_facility", "social_facility": "nursing_home"}, None),
        ({"amenity": "social_facility", "social_facility": "assisted_living"}, None),
        ({"amenity": "community_centre", "leisure": "sports_centre"}, "community_centre"),
        ({"leisure": "sports_centre"}, "sports_leisure"),
        ({"leisure": "swimming_pool"}, "sports_leisure"),
        ({"leisure": "swimming_pool", "access": "private"}, None),
        ({"leisure": "park", "access": "no"}, None),
        ({"leisure": "park", "access": "yes"}, "park"),
        ({"amenity": "pub", "disused": "yes"}, None),
        ({"amenity": "cafe", "abandoned": "yes"}, None),
        ({"amenity": "place_of_worship", "religion": "christian"}, "place_of_worship"),
        ({"amenity": "theatre"}, "arts_centre"),
        ({"amenity": "doctors"}, "health"),
        ({"healthcare": "centre"}, "health"),
        ({"leisure": "playground"}, None),
        ({"leisure": "pitch", "sport": "soccer"}, None),
        ({"leisure": "nature_reserve"}, None),
        ({"building": "church"}, None),
        ({"name": "Somewhere"}, None),
        ({}, None),
    ],
)
def test_categorise_tags(tags, expected):
    assert categorise_tags(tags) == expected


_TAXONOMY_KEYS = {
    key
    for category in CATEGORIES
    for selector in category.osm_tags
    for key in _selector_tags(selector)
} | set(taxonomy.EXCLUDING_TAGS)


@settings(max_examples=200, deadline=None)
@given(
    selector=st.sampled_from([s for c in CATEGORIES for s in c.osm_tags]),
    noise=st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyz:_", min_size=1, max_size=12).filter(
            lambda k: k not in _TAXONOMY_KEYS
        ),
        st.text(max_size=10),
        max_size=6,
    ),
)
def test_unrelated_tags_never_change_the_category(selector, noise):
    tags = _selector_tags(selector)
    assert categorise_tags({**noise, **tags}) == categorise_tags(tags)


@settings(max_examples=200, deadline=None)
@given(
    tags=st.dictionaries(
        st.sampled_from(sorted(_TAXONOMY_KEYS)),
        st.sampled_from(
            sorted(
                {v for c in CATEGORIES for s in c.osm_tags for v in _selector_tags(s).values()}
                | {"private", "yes", "no", "garden", "x"}
            )
        ),
        max_size=5,
    )
)
def test_result_is_a_category_whose_selector_matches(tags):
    result = categorise_tags(tags)
    if result is None:
        return
    category = get_category(result)
    assert any(
        all(tags.get(k) == v for k, v in _selector_tags(selector).items())
        for selector in category.osm_tags
    )


def test_geofabrik_fclass():
    assert set(GEOFABRIK_FCLASS.values()) <= set(CATEGORY_KEYS)
    assert GEOFABRIK_FCLASS["christian_anglican"] == "place_of_worship"
    assert GEOFABRIK_FCLASS["muslim"] == "place_of_worship"
    assert GEOFABRIK_FCLASS["sikh"] == "place_of_worship"
    assert GEOFABRIK_FCLASS["bar"] == "pub"
    assert GEOFABRIK_FCLASS["allotments"] == "community_garden"
    assert GEOFABRIK_FCLASS["recreation_ground"] == "park"
    assert GEOFABRIK_FCLASS["doctors"] == "health"
    for excluded in ("playground", "pitch", "nature_reserve", "nursing_home", "bench"):
        assert excluded not in GEOFABRIK_FCLASS


def test_overpass_filters():
    assert overpass_filters(["library"]) == ['nwr["amenity"="library"]']
    assert overpass_filters("library") == ['nwr["amenity"="library"]']
    assert overpass_filters(["community_garden"]) == [
        'nwr["leisure"="garden"]["garden:type"="community"]',
        'nwr["landuse"="allotments"]',
    ]
    assert overpass_filters(["warm_space"]) == []
    everything = overpass_filters()
    assert len(everything) == len(set(everything))
    assert len(everything) == sum(len(c.osm_tags) for c in CATEGORIES)
    for selector in everything:
        assert re.fullmatch(r'nwr(\["[a-z_:]+"="[a-z_]+"\])+', selector), selector
    with pytest.raises(ConfigError, match="Unknown asset category 'bingo'"):
        overpass_filters(["bingo"])
