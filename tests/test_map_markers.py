"""Community places on the map: colour-blind-safe colours, shapes, clustering, uploads."""

from __future__ import annotations

import itertools

import geopandas as gpd
import pytest
import shapely

from geo import maps
from geo.maps.markers import marker_svg
from geo.present.palettes import (
    CATEGORICAL_COLOURS,
    MARKER_SHAPES,
    CategoryMarks,
    category_mark,
)
from geo.sources.taxonomy import CATEGORIES
from tests.tiny_mirror import X0, Y0


def test_no_two_categories_share_a_colour_and_shape():
    marks = [category_mark(i) for i in range(len(CATEGORICAL_COLOURS) * len(MARKER_SHAPES))]
    assert len(set(marks)) == len(marks) == 35
    # neighbours in the table differ in both colour and shape
    for a, b in itertools.pairwise(marks):
        assert a[0] != b[0] and a[1] != b[1]


def test_every_taxonomy_category_and_uploaded_ones_get_their_own_mark():
    keys = tuple(c.key for c in CATEGORIES)
    marks = CategoryMarks(keys)
    given = [marks(k) for k in keys] + [marks("user_knit_club"), marks("user_choir")]
    assert len(set(given)) == len(given)
    assert marks("user_knit_club") == given[len(keys)]  # stable on the second call
    assert marks(keys[0]) == category_mark(0)


@pytest.mark.parametrize("shape", MARKER_SHAPES)
def test_marker_svg_draws_each_shape_filled_hollow_and_uploaded(shape):
    filled = marker_svg(shape, "#e69f00")
    hollow = marker_svg(shape, "#e69f00", hollow=True)
    uploaded = marker_svg(shape, "#e69f00", uploaded=True)
    assert filled.startswith("<svg") and 'fill="#e69f00"' in filled
    assert 'fill="#ffffff"' in hollow and 'stroke="#e69f00"' in hollow
    assert 'stroke="#000000"' in uploaded
    assert len({filled, hollow, uploaded}) == 3


def test_marker_svg_escapes_a_hostile_colour_and_refuses_unknown_shapes():
    svg = marker_svg("circle", '"><script>alert(1)</script>')
    assert "<script" not in svg
    assert 'fill="&quot;&gt;&lt;script' in svg
    with pytest.raises(ValueError, match="unknown marker shape"):
        marker_svg("hexagon", "#000000")


def _places() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": ["Central Library", "Knit club", "Old Pub"],
            "category": ["library", "user_knit_club", "pub"],
            "source": ["osm", "upload", "osm"],
            "in_region": [True, True, False],
        },
        geometry=[shapely.Point(X0 + 100 * i, Y0 + 100) for i in range(3)],
        crs=27700,
    )


def test_uploaded_places_are_marked_and_shapes_reach_the_page():
    points = maps.asset_features(_places(), labels={"library": "Library", "pub": "Pub"})
    assert points["uploaded"].tolist() == [False, True, False]
    assert "(your upload)" in points["source"].iloc[1]
    m = maps.base_map((-2.3, 53.4, -2.2, 53.5), tiles=None, static_url="/app/static/vendor")
    shapes = {"library": "square", "user_knit_club": "triangle", "pub": "diamond"}
    colours = {"library": "#e69f00", "user_knit_club": "#56b4e9", "pub": "#009e73"}
    maps.asset_layer(points, colours=colours, shapes=shapes, cluster=True, m=m)
    page = m.get_root().render()
    assert "markercluster/leaflet.markercluster.js" in page
    assert "markercluster/MarkerCluster.css" in page
    assert "L.markerClusterGroup" in page and "disableClusteringAtZoom" in page
    assert "L.divIcon" in page
    # one icon per (category, inside, uploaded): the uploaded knit club has the black outline
    assert page.count("<svg") == 0  # icons are JSON strings, escaped for the script
    assert "\\u003csvg" in page and 'stroke=\\"#000000\\"' in page


def test_places_without_shapes_or_cluster_stay_plain_circles():
    points = maps.asset_features(_places(), labels={})
    m = maps.base_map((-2.3, 53.4, -2.2, 53.5), tiles=None)
    maps.asset_layer(points, colours={"library": "#123456"}, m=m)
    page = m.get_root().render()
    assert "L.circleMarker" in page
    assert "L.markerClusterGroup(" not in page


def test_the_places_legend_shows_each_shape_and_the_upload_mark():
    html_text = maps.asset_legend_html(
        [("#e69f00", "Library", 3, 1), ("#56b4e9", "Pub", 2, 0)],
        shapes=["square", "triangle"],
        uploaded=True,
    )
    assert html_text.count("<svg") == 5  # filled + hollow per row, and the upload mark
    assert "a place you uploaded" in html_text
