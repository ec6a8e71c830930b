"""Driving the app in a real browser: a ``streamlit run`` server, Chromium and the map.

Plain functions shared by the browser tests (their fixtures are in
``tests/conftest.py``): :func:`streamlit_server` starts the app on a free
port, :func:`map_frame` waits for the map to draw, :func:`open_testham` opens
the tiny mirror's area, and the rest read the places the map holds.
Screenshots go to ``artifacts/screenshots/`` (git-ignored).
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

import geopandas as gpd
import pytest
import shapely

from tests.tiny_mirror import SIDE, X0, Y0, write_mirror

PROJECT = Path(__file__).resolve().parent.parent
SHOTS = PROJECT / "artifacts" / "screenshots"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
IMG = "<img src=x onerror=document.title='pwned'>"
TEMPLATE = "${alert(1)}"
TITLE = "Map explorer · Belonging Atlas"


def chromium_path() -> str | None:
    """The Chromium binary to drive ($ATLAS_CHROMIUM, else the usual places), or None."""
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


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """``streamlit run app.py`` with ``env`` added, until the block ends; its URL."""
    port = free_port()
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


def hostile_mirror(root: Path) -> Path:
    """The tiny mirror with two hostile place names inside Testham."""
    sources = write_mirror(root, hostile_name=IMG)
    import geopandas as gpd
    import shapely

    point = gpd.GeoSeries([shapely.Point(X0 + 500, Y0 + 2500)], crs=27700).to_crs(4326)[0]
    with (root / "libraries.csv").open("a", encoding="utf-8") as fh:
        fh.write(f'"{TEMPLATE}",{point.x:.7f},{point.y:.7f}\n')
    return sources


def map_frame(page: object, *, minimum: int, timeout: float = 90, not_frame: object = None):
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


def shot(page: object, name: str) -> None:
    """Save a screenshot of ``page`` as ``artifacts/screenshots/<name>.png``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def open_testham(browser: object, url: str):
    """A new page on ``url`` with Testham picked: the page, its map frame, dialogs seen."""
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
    frame = map_frame(page, minimum=9)
    return page, frame, dialogs


def asset_points(frame: object) -> list[dict]:
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


def asset_count(frame: object) -> int:
    """How many community places the map holds (clustered or not)."""
    return int(frame.evaluate(_PLACE_AT, -1))  # type: ignore[attr-defined]


def show_place(frame: object, i: int) -> dict:
    """Centre the map on the ``i``-th place, zoomed in; its container position and name."""
    return frame.evaluate(_PLACE_AT, i)  # type: ignore[attr-defined]


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


def frame_showing(page: object, name: str, *, timeout: float = 180):
    """The map frame whose areas are named ``name`` (e.g. Trafford 001A)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:  # type: ignore[attr-defined]
            with contextlib.suppress(Exception):
                if frame.evaluate(_AREA_NAMES) == [name]:
                    return frame
        time.sleep(0.5)
    raise AssertionError(f"the map did not redraw for {name} within {timeout} s")


#: The name of the places in the upload file (numbered 1 to 9).
UPLOAD_NAME = "Warm Space Hub"


def write_upload_csv(path: Path) -> None:
    """A community centre in the middle of each of Testham's nine squares."""
    rows = ["name,category,latitude,longitude"]
    for i in range(9):
        x, y = X0 + (i % 3 + 0.5) * SIDE, Y0 + (i // 3 + 0.5) * SIDE
        p = gpd.GeoSeries([shapely.Point(x, y)], crs=27700).to_crs(4326)[0]
        rows.append(f"{UPLOAD_NAME} {i + 1},community centre,{p.y:.6f},{p.x:.6f}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
