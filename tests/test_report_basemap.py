"""Basemap tiles under the report's asset map: drawn from a tile server, none offline."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report.basemap import Basemap, basemap_from_env
from geo.report.staticmaps import asset_map
from tests.helpers_http import LocalServer, Reply

TILE = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")
#: The fake tiles' colour: a strong magenta no map layer uses.
MAGENTA = (230, 0, 230)


def _tile_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), MAGENTA).save(buffer, format="PNG")
    return buffer.getvalue()


def _tiles(request):
    if TILE.match(request.path):
        return Reply(200, _tile_png(), {"Content-Type": "image/png"})
    return Reply(404, b"not a tile")


def _magenta_share(png: bytes) -> float:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    near = np.abs(pixels - np.array(MAGENTA)).sum(axis=2) < 60
    return float(near.mean())


@pytest.fixture(scope="module")
def rutland(demo_settings):
    return run_analysis("Rutland", Parameters(permutations=99), settings=demo_settings)


def test_tiles_from_a_tile_server_are_drawn_under_the_asset_map(rutland):
    with LocalServer(_tiles) as server:
        basemap = Basemap(url=server.url + "/{z}/{x}/{y}.png", attribution="Basemap: test tiles.")
        png = asset_map(rutland, basemap=basemap)
        asked = [r.path for r in server.requests]
    assert asked[0] == "/0/0/0.png"  # the probe, with a time limit
    assert len(asked) > 1 and all(TILE.match(p) for p in asked)
    zooms = {int(TILE.match(p).group(1)) for p in asked[1:]}
    assert len(zooms) == 1 and 8 <= zooms.pop() <= 14  # one zoom fitted to the area
    assert basemap.failures == [] and basemap.note() == ""
    assert _magenta_share(png) > 0.2  # the tiles really are on the map
    assert _magenta_share(asset_map(rutland)) == 0.0  # and not without a basemap


def test_unreachable_tiles_fall_back_to_the_plain_map_with_a_note(rutland):
    with LocalServer(lambda request: Reply(503, b"busy")) as server:
        basemap = Basemap(url=server.url + "/{z}/{x}/{y}.png")
        png = asset_map(rutland, basemap=basemap)
    assert png.startswith(b"\x89PNG")
    assert basemap.failures and len(server.requests) == 1  # the probe failed: nothing more
    assert basemap.note().startswith("Basemap tiles could not be fetched")


def test_no_tiles_offline_or_when_switched_off(monkeypatch, rutland):
    monkeypatch.setenv("ATLAS_TILES", "none")
    assert basemap_from_env() is None
    monkeypatch.delenv("ATLAS_TILES")
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    assert basemap_from_env() is None
    monkeypatch.setenv("ATLAS_OFFLINE", "0")
    monkeypatch.setenv("ATLAS_TILES", "http://127.0.0.1:9/{z}/{x}/{y}.png")
    chosen = basemap_from_env()
    assert chosen is not None and chosen.url.startswith("http://127.0.0.1:9/")


def test_offline_report_asks_no_tile_server(monkeypatch, rutland):
    from geo.report import report_html

    with LocalServer(_tiles) as server:
        monkeypatch.setenv("ATLAS_TILES", server.url + "/{z}/{x}/{y}.png")
        monkeypatch.setenv("ATLAS_OFFLINE", "1")
        html = report_html(rutland)
        assert server.count() == 0
    assert "Basemap tiles could not be fetched" not in html


def test_a_failed_basemap_is_noted_in_the_method_appendix(monkeypatch, rutland):
    from geo.report import report_html

    with LocalServer(lambda request: Reply(503, b"busy")) as server:
        monkeypatch.setenv("ATLAS_TILES", server.url + "/{z}/{x}/{y}.png")
        monkeypatch.setenv("ATLAS_OFFLINE", "0")
        html = report_html(rutland)
        assert server.count() == 1
    notes = html[html.index('id="method"') :]
    assert "Basemap tiles could not be fetched for the maps" in notes
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == 4
