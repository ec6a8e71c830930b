"""The app in a real browser: headless Chromium driven by Playwright.

A ``streamlit run`` server is started on a free port for the tiny mirror (and,
when the real-data mirror is present, for Manchester), offline and without
basemap tiles.  Screenshots go to ``artifacts/screenshots/`` (git-ignored) for
people to look at.  Skipped, with the reason, when Chromium or Playwright is
not installed; set ``ATLAS_CHROMIUM`` to use another Chromium binary.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers_browser import (
    IMG,
    PROJECT,
    TEMPLATE,
    TITLE,
    asset_count,
    asset_points,
    frame_showing,
    map_frame,
    open_testham,
    shot,
    show_place,
)
from tests.tiny_mirror import X0, Y0

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_default_area_draws_and_tooltips_show(browser, tiny_url):
    page, frame, _ = open_testham(browser, tiny_url)
    try:
        polygons = frame.locator("path.leaflet-interactive").count()
        assert polygons >= 9  # nine LSOAs (plus outlines and places)
        box = frame.frame_element().bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = frame.locator(".leaflet-tooltip")
        tooltip.first.wait_for(timeout=30_000)
        text = tooltip.first.inner_text()
        assert "Testham 00" in text and "E019000" in text
        assert "Loneliness risk" in text
        shot(page, "tiny-map-tooltip")
    finally:
        page.close()


def test_hostile_place_names_show_as_text_and_run_nothing(browser, tiny_url):
    page, frame, dialogs = open_testham(browser, tiny_url)
    try:
        time.sleep(1.5)  # let the map settle after fitting its frame
        box = frame.frame_element().bounding_box()
        seen = []
        for i in range(asset_count(frame)):
            point = show_place(frame, i)
            page.mouse.move(box["x"] + 5, box["y"] + 5)
            time.sleep(0.3)
            page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
            time.sleep(0.4)
            seen.extend(frame.locator(".leaflet-tooltip").all_inner_texts())
        joined = "\n".join(seen)
        assert TEMPLATE in joined  # shown literally, as text
        assert "(no name recorded)" in joined or IMG in joined
        assert page.title() == TITLE
        assert frame.evaluate("document.title") != "pwned"
        assert dialogs == []
        assert frame.locator("img[src=x]").count() == 0
        shot(page, "tiny-hostile-names")
    finally:
        page.close()


def test_clicking_an_area_opens_its_panel(browser, tiny_url):
    page, frame, _ = open_testham(browser, tiny_url)
    try:
        box = frame.frame_element().bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.get_by_text("What drives the risk here").wait_for(timeout=90_000)
        assert page.get_by_text("Community places nearby").count() >= 1
        # the map stays mounted: the selection outline is added in place
        assert frame.locator("path.leaflet-interactive").count() >= 9
        shot(page, "tiny-area-panel")
    finally:
        page.close()


def test_standalone_map_escapes_every_string(browser, tmp_path):
    """geo.maps on its own: tooltips of areas and places with hostile names stay text."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    from geo import maps

    vendor = (PROJECT / "static" / "vendor").as_uri()
    squares = gpd.GeoDataFrame(
        {"code": ["A1", "A2"]},
        geometry=[
            shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
            shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
        ],
        crs=27700,
    ).set_index("code")
    props = pd.DataFrame(
        {"name": [IMG, TEMPLATE], "colour": ["#ff0000", "#00ff00"]}, index=squares.index
    )
    geojson = maps.simplified_geojson(squares, props)
    places = gpd.GeoDataFrame(
        {
            "name": [IMG, TEMPLATE],
            "category": ["library", "pub"],
            "source": ["`${document.title='x'}`", "<script>alert(2)</script>"],
            "in_region": [True, False],
        },
        geometry=[shapely.Point(X0 + 300, Y0 + 300), shapely.Point(X0 + 1700, Y0 + 700)],
        crs=27700,
    )
    bounds = gpd.GeoSeries([squares.union_all()], crs=27700).to_crs(4326).total_bounds
    m = maps.base_map(bounds, tiles=None, static_url=vendor)
    maps.choropleth_layer(
        geojson,
        colour_property="colour",
        name=IMG,
        tooltip_fields=["name"],
        tooltip_aliases=[TEMPLATE],
        m=m,
    )
    points = maps.asset_features(places, labels={"library": IMG, "pub": "Pub"}, region_name=IMG)
    maps.asset_layer(points, colours={"library": "#123456", "pub": "#654321"}, m=m)
    maps.legend_control(maps.legend_html(IMG, [("#fff", TEMPLATE)]), m=m)
    html_file = tmp_path / "map.html"
    m.save(str(html_file))
    page = browser.new_page(viewport={"width": 900, "height": 700})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(html_file.as_uri())
        page.wait_for_selector("path.leaflet-interactive", timeout=30_000)
        title = page.title()
        page.evaluate(
            "() => { window.map = Object.values(window).find((v) => v instanceof L.Map); }"
        )
        time.sleep(0.5)
        texts = []
        targets = asset_points(page) + page.evaluate(
            """() => {
                const out = [];
                window.map.eachLayer((l) => {
                    if (l.feature && l.getBounds) {
                        const p = window.map.latLngToContainerPoint(l.getBounds().getCenter());
                        out.push({x: p.x, y: p.y + 40});
                    }
                });
                return out;
            }"""
        )
        for point in targets:
            page.mouse.move(2, 2)
            page.mouse.move(point["x"], point["y"])
            time.sleep(0.3)
            texts.extend(page.locator(".leaflet-tooltip").all_inner_texts())
        joined = "\n".join(texts) + page.locator(".atlas-legend").inner_text()
        assert IMG in joined and TEMPLATE in joined
        assert "<script>alert(2)</script>" in joined
        assert page.title() == title and "pwned" not in page.title()
        assert dialogs == []
        assert page.locator("img[src=x]").count() == 0
        shot(page, "standalone-hostile-tooltips")
    finally:
        page.close()


def test_switching_area_redraws_manchester_then_trafford(browser, manchester_url):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        page.goto(manchester_url)
        map_frame(page, minimum=290, timeout=180)
        manchester = frame_showing(page, "Manchester")
        assert manchester.locator("path.leaflet-interactive").count() >= 295
        time.sleep(1)
        shot(page, "manchester-risk")
        page.get_by_text("Gaps: risk × access", exact=True).click()
        time.sleep(3)
        shot(page, "manchester-gaps")
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Local authority")
        picker.click()
        page.keyboard.type("Trafford")
        page.keyboard.press("Enter")
        frame = frame_showing(page, "Trafford")
        assert frame.locator("path.leaflet-interactive").count() >= 100
        time.sleep(2)
        box = frame.frame_element().bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = frame.locator(".leaflet-tooltip")
        tooltip.first.wait_for(timeout=30_000)
        assert "Trafford" in tooltip.first.inner_text()
        shot(page, "trafford-gaps")
    finally:
        page.close()
