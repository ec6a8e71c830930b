"""The map builders behind the app (geo.maps): escaping, classes, geometry, clicks."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import maps
from tests.tiny_mirror import X0, Y0

HOSTILE = [
    "<img src=x onerror=document.title='pwned'>",
    "${alert(1)}",
    "`${document.cookie}`",
    "{{ 7*7 }}",
    "{% for x in range(3) %}boom{% endfor %}",
    '"><script>alert(2)</script>',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_html_leaves_nothing_a_browser_or_template_would_run(text):
    out = maps.escape_html(text)
    for ch in "<>`${}\"'":
        assert ch not in out
    assert maps.escape_html(None) == "" and maps.escape_html(float("nan")) == ""


def _grid() -> gpd.GeoDataFrame:
    boxes = [
        shapely.box(X0 + c * 1000, Y0 + r * 1000, X0 + (c + 1) * 1000, Y0 + (r + 1) * 1000)
        for r in range(2)
        for c in range(2)
    ]
    return gpd.GeoDataFrame({"code": ["A", "B", "C", "D"]}, geometry=boxes, crs=27700).set_index(
        "code"
    )


def _hostile_map() -> str:
    areas = _grid()
    props = pd.DataFrame({"name": HOSTILE[:4], "colour": ["#ff0000"] * 4}, index=areas.index)
    geojson = maps.simplified_geojson(areas, props)
    places = gpd.GeoDataFrame(
        {
            "name": HOSTILE,
            "category": ["library"] * len(HOSTILE),
            "source": HOSTILE[::-1],
            "in_region": [True, False] * (len(HOSTILE) // 2),
        },
        geometry=[shapely.Point(X0 + 100 * i, Y0 + 100) for i in range(len(HOSTILE))],
        crs=27700,
    )
    bounds = gpd.GeoSeries([areas.union_all()], crs=27700).to_crs(4326).total_bounds
    m = maps.base_map(bounds, tiles=None, static_url="/app/static/vendor")
    maps.choropleth_layer(
        geojson,
        colour_property="colour",
        name=HOSTILE[4],
        tooltip_fields=["name"],
        tooltip_aliases=[HOSTILE[5]],
        m=m,
    )
    points = maps.asset_features(places, labels={"library": HOSTILE[3]}, region_name=HOSTILE[0])
    maps.asset_layer(points, colours={"library": "#123456"}, m=m)
    maps.legend_control(maps.legend_html(HOSTILE[0], [("#fff", HOSTILE[3])]), title=HOSTILE[1], m=m)
    maps.legend_control(maps.asset_legend_html([("#000", HOSTILE[4], 1, 2)]), slot="x", m=m)
    return m.get_root().render()


def test_a_map_with_hostile_names_renders_them_inert():
    page = _hostile_map()
    assert "<img src=x" not in page
    assert "<script>alert(2)" not in page
    assert "${alert" not in page and "`${" not in page
    # folium runs rendered scripts through Jinja: a name must never be evaluated there
    # (element ids are random hex and may hold "49": leave them out of the check)
    text = re.sub(r"[0-9a-f]{32}", "", page)
    assert not re.search(r"(?<![\d.#])49(?!\d)", text)
    assert "boomboom" not in page  # the loop never ran
    assert "7*7" in page  # still shown, as text


def test_map_loads_vendored_leaflet_not_a_cdn():
    page = _hostile_map()
    assert "/app/static/vendor/leaflet/leaflet.js" in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page and "cdnjs" not in page


def test_coverage_simplification_keeps_neighbours_touching_and_rounds():
    areas = _grid()
    geoms = maps.simplified_geometries(areas)
    assert set(geoms) == {"A", "B", "C", "D"}
    shapes = [shapely.geometry.shape(g) for g in geoms.values()]
    assert shapes[0].touches(shapes[1])
    ring = geoms["A"]["coordinates"][0]
    assert all(round(x, 5) == x and round(y, 5) == y for x, y in ring)


def test_locate_maps_a_click_to_its_area():
    geoms = maps.simplified_geometries(_grid())
    centre = gpd.GeoSeries([shapely.Point(X0 + 1500, Y0 + 500)], crs=27700).to_crs(4326)[0]
    assert maps.locate(geoms, centre.y, centre.x) == "B"
    assert maps.locate(geoms, 51.5, -0.1) is None


def test_outlines_dissolve_touching_areas():
    geoms = maps.simplified_geometries(_grid())
    assert len(maps.outline_geometries(geoms, ["A", "B"])) == 1
    assert len(maps.outline_geometries(geoms, ["A", "D"])) in (1, 2)  # corner contact
    assert maps.outline_geometries(geoms, []) == []


def test_classes_colour_every_area_and_explain_themselves():
    areas = pd.DataFrame(
        {
            "risk_decile": [1, 5, 10, np.nan],
            "risk_decile_national": pd.array([1, 2, 3, pd.NA], dtype="Int64"),
            "imd_decile": [1, 10, 5, np.nan],
            "access_e2sfca": [0.0, 1.0, 2.0, np.nan],
            "nearest_any_m": [100.0, 900.0, 2500.0, np.nan],
            "gap_class": ["3-1", "1-3", None, None],
            "gap_label": ["High risk, low access — priority gap", "Low risk, good access", "", ""],
            "gap_colour": ["#3b4994", "#e8e8e8", None, None],
        },
        index=list("ABCD"),
    )
    risk = maps.risk_classes(areas, model="all-ages")
    assert list(risk.colour) == [
        maps.RISK_COLOURS[0],
        maps.RISK_COLOURS[1],
        maps.RISK_COLOURS[2],
        maps.NO_DATA,
    ]
    assert "England" in risk.title and risk.ramp
    walk = maps.access_classes(areas, measure="walk", speed_m_s=1.0)
    assert walk.colour["A"] == maps.WALK_COLOURS[0] and walk.colour["D"] == maps.NO_DATA
    assert "42 min" in walk.text["C"]
    e2 = maps.access_classes(areas, measure="e2sfca")
    assert e2.colour["A"] == maps.NO_ACCESS
    gaps = maps.gap_classes(areas, labels={"3-1": "priority"})
    assert gaps.colour["A"] == "#3b4994" and gaps.colour["C"] == maps.NO_DATA
    imd = maps.deprivation_classes(areas)
    assert imd.colour["A"] == maps.DECILE_COLOURS[0]


def test_bivariate_legend_has_nine_cells_with_the_priority_class_marked():
    html = maps.bivariate_legend_html()
    assert html.count("width:30px;height:24px") == 9
    assert "priority gap" in html
