"""The app in a real browser: headless Chromium driven by Playwright.

A ``streamlit run`` server is started on a free port for the tiny mirror (and,
when the real-data mirror is present, for Manchester), offline and without
basemap tiles.  Screenshots go to ``artifacts/screenshots/`` (git-ignored) for
people to look at.  Skipped, with the reason, when Chromium or Playwright is
not installed; set ``ATLAS_CHROMIUM`` to use another Chromium binary.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tiny_mirror import X0, Y0, write_mirror

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parent.parent
SHOTS = PROJECT / "artifacts" / "screenshots"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IMG = "<img src=x onerror=document.title='pwned'>"
TEMPLATE = "${alert(1)}"
TITLE = "Map explorer · Belonging Atlas"


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("ATLAS_CHROMIUM"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = _chromium()
    if path is None:
        pytest.skip("no Chromium found (install the chromium package or set ATLAS_CHROMIUM)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright Python package is not installed"
    )
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[str]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=PROJECT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _tiny_mirror(root: Path) -> Path:
    """The tiny mirror with two hostile place names inside Testham."""
    sources = write_mirror(root, hostile_name=IMG)
    import geopandas as gpd
    import shapely

    point = gpd.GeoSeries([shapely.Point(X0 + 500, Y0 + 2500)], crs=27700).to_crs(4326)[0]
    with (root / "libraries.csv").open("a", encoding="utf-8") as fh:
        fh.write(f'"{TEMPLATE}",{point.x:.7f},{point.y:.7f}\n')
    return sources


@pytest.fixture(scope="module")
def tiny_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser")
    sources = _tiny_mirror(root / "mirror")
    env = {
        "ATLAS_SOURCES": str(sources),
        "ATLAS_CACHE_DIR": str(root / "cache"),
        "ATLAS_OFFLINE": "1",
        "ATLAS_TILES": "none",
    }
    # Testham is not the default area: open it through the URL's area picker state.
    with _server(env, root / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def manchester_url(tmp_path_factory) -> Iterator[str]:
    shared = Path(os.environ.get("ATLAS_SHARED_DATA", PROJECT.parent / "shared" / "data")).resolve()
    if not (shared / "SOURCES.md").is_file():
        pytest.skip(f"real public data folder not found at {shared}")
    root = tmp_path_factory.mktemp("browser-shared")
    env = {
        "ATLAS_SOURCES": str(PROJECT / "data" / "sources.shared.toml"),
        "ATLAS_SHARED_DATA": str(shared),
        "ATLAS_OFFLINE": "1",
        "ATLAS_TILES": "none",
    }
    with _server(env, root / "streamlit.log") as url:
        yield url


def _map_frame(page: object, *, minimum: int, timeout: float = 90, not_frame: object = None):
    """The component frame once it holds at least ``minimum`` drawn shapes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:  # type: ignore[attr-defined]
            if frame is not_frame:
                continue
            with contextlib.suppress(Exception):
                if frame.locator("path.leaflet-interactive").count() >= minimum:
                    return frame
        time.sleep(0.25)
    raise AssertionError(f"the map did not draw {minimum} shapes within {timeout} s")


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def _open_testham(browser: object, url: str):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector('[data-testid="stSelectbox"]', timeout=60_000)
    # pick Testham in the local-authority picker (the default, Manchester, is not in the mirror)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Local authority")
    picker.click()
    page.keyboard.type("Testham")
    page.keyboard.press("Enter")
    frame = _map_frame(page, minimum=9)
    return page, frame, dialogs


def _asset_points(frame: object) -> list[dict]:
    """Container positions and names of the community places drawn on the map."""
    return frame.evaluate(  # type: ignore[attr-defined]
        """() => {
            const out = [];
            const walk = (layer) => {
                if (layer.feature && layer.feature.geometry.type === "Point" && layer.getLatLng) {
                    const p = window.map.latLngToContainerPoint(layer.getLatLng());
                    out.push({x: p.x, y: p.y, name: layer.feature.properties.name});
                }
                if (layer.eachLayer) { layer.eachLayer(walk); }
            };
            window.map.eachLayer(walk);
            return out;
        }"""
    )


_PLACE_AT = """(i) => {
    const byId = {};
    const walk = (layer) => {
        if (layer.feature && layer.feature.geometry.type === "Point" && layer.getLatLng) {
            byId[layer.feature.id] = layer;  // one per place (drawn or inside a cluster)
        }
        if (layer.eachLayer) { layer.eachLayer(walk); }
    };
    window.map.eachLayer(walk);
    const out = Object.keys(byId).sort().map((k) => byId[k]);
    if (i < 0) { return out.length; }
    // zoom in on the place: past the clustering zoom it is drawn on its own (a key
    // press first, so the map counts as moved by the user and is not refitted)
    window.map.getContainer().dispatchEvent(new KeyboardEvent("keydown", {key: "Shift"}));
    window.map.setView(out[i].getLatLng(), 16, {animate: false});
    const name = out[i].feature.properties.name;
    let shown = null;  // the copy of this place the map draws now
    const find = (layer) => {
        if (layer.feature && layer.feature.properties.name === name && layer._icon) {
            shown = layer;
        }
        if (layer.eachLayer) { layer.eachLayer(find); }
    };
    window.map.eachLayer(find);
    const p = window.map.latLngToContainerPoint((shown || out[i]).getLatLng());
    return {x: p.x, y: p.y, name: name, shown: shown !== null};
}"""


def _asset_count(frame: object) -> int:
    """How many community places the map holds (clustered or not)."""
    return int(frame.evaluate(_PLACE_AT, -1))  # type: ignore[attr-defined]


def _show_place(frame: object, i: int) -> dict:
    """Centre the map on the ``i``-th place, zoomed in; its container position and name."""
    return frame.evaluate(_PLACE_AT, i)  # type: ignore[attr-defined]


def test_default_area_draws_and_tooltips_show(browser, tiny_url):
    page, frame, _ = _open_testham(browser, tiny_url)
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
        _shot(page, "tiny-map-tooltip")
    finally:
        page.close()


def test_hostile_place_names_show_as_text_and_run_nothing(browser, tiny_url):
    page, frame, dialogs = _open_testham(browser, tiny_url)
    try:
        time.sleep(1.5)  # let the map settle after fitting its frame
        box = frame.frame_element().bounding_box()
        seen = []
        for i in range(_asset_count(frame)):
            point = _show_place(frame, i)
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
        _shot(page, "tiny-hostile-names")
    finally:
        page.close()


def test_clicking_an_area_opens_its_panel(browser, tiny_url):
    page, frame, _ = _open_testham(browser, tiny_url)
    try:
        box = frame.frame_element().bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.get_by_text("What drives the risk here").wait_for(timeout=90_000)
        assert page.get_by_text("Community places nearby").count() >= 1
        # the map stays mounted: the selection outline is added in place
        assert frame.locator("path.leaflet-interactive").count() >= 9
        _shot(page, "tiny-area-panel")
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
        targets = _asset_points(page) + page.evaluate(
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
        _shot(page, "standalone-hostile-tooltips")
    finally:
        page.close()


_AREA_NAMES = """() => {
    const out = new Set();
    if (!window.map) { return []; }
    window.map.eachLayer((l) => {
        if (l.feature && l.feature.properties && l.feature.properties.code) {
            out.add(String(l.feature.properties.name).split(" ")[0]);
        }
    });
    return [...out];
}"""


def _frame_showing(page: object, name: str, *, timeout: float = 180):
    """The map frame whose areas are named ``name`` (e.g. Trafford 001A)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:  # type: ignore[attr-defined]
            with contextlib.suppress(Exception):
                if frame.evaluate(_AREA_NAMES) == [name]:
                    return frame
        time.sleep(0.5)
    raise AssertionError(f"the map did not redraw for {name} within {timeout} s")


def test_switching_area_redraws_manchester_then_trafford(browser, manchester_url):
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    try:
        page.goto(manchester_url)
        _map_frame(page, minimum=290, timeout=180)
        manchester = _frame_showing(page, "Manchester")
        assert manchester.locator("path.leaflet-interactive").count() >= 295
        time.sleep(1)
        _shot(page, "manchester-risk")
        page.get_by_text("Gaps: risk × access", exact=True).click()
        time.sleep(3)
        _shot(page, "manchester-gaps")
        picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Local authority")
        picker.click()
        page.keyboard.type("Trafford")
        page.keyboard.press("Enter")
        frame = _frame_showing(page, "Trafford")
        assert frame.locator("path.leaflet-interactive").count() >= 100
        time.sleep(2)
        box = frame.frame_element().bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = frame.locator(".leaflet-tooltip")
        tooltip.first.wait_for(timeout=30_000)
        assert "Trafford" in tooltip.first.inner_text()
        _shot(page, "trafford-gaps")
    finally:
        page.close()
