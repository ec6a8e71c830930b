"""The offline basemap: ward boundaries (each edge once) and ward names, escaped."""

from __future__ import annotations

import geopandas as gpd
import shapely

from geo import maps
from tests.tiny_mirror import X0, Y0

HOSTILE = "<img src=x onerror=alert(1)>"


def _grid() -> gpd.GeoDataFrame:
    boxes = [
        shapely.box(X0 + c * 1000, Y0 + r * 1000, X0 + (c + 1) * 1000, Y0 + (r + 1) * 1000)
        for r in range(2)
        for c in range(2)
    ]
    # two wards: the west column and the east column
    return gpd.GeoDataFrame(
        {"ward_name": ["West", HOSTILE, "West", HOSTILE]}, geometry=boxes, crs=27700
    )


def test_wards_are_dissolved_lines_with_one_label_each():
    wards = maps.ward_basemap(_grid())
    assert wards.lines is not None
    lines = gpd.GeoSeries([shapely.geometry.shape(wards.lines)], crs=4326).to_crs(27700)
    # the outer square (8 km) plus the one edge the wards share (2 km), once
    assert abs(float(lines.length.iloc[0]) - 10_000) < 20
    assert sorted(name for name, _, _ in wards.labels) == sorted(["West", HOSTILE])


def test_one_ward_or_none_draws_nothing():
    grid = _grid().assign(ward_name="West")
    assert maps.ward_basemap(grid) == maps.WardBasemap(None, ())
    assert maps.ward_basemap(_grid().drop(columns="ward_name")).lines is None


def test_the_map_draws_ward_lines_and_escaped_names_that_take_no_clicks():
    m = maps.base_map((-2.3, 53.4, -2.2, 53.5), tiles=None)
    maps.ward_layer(maps.ward_basemap(_grid()), m)
    html = m.get_root().render()
    assert "atlasWards" in html and "atlasWardNames" in html
    assert HOSTILE not in html and "\\u0026lt;img src=x" in html  # escaped, then JSON
    assert f">= {maps.wards.LABEL_ZOOM}" in html  # names only from a readable zoom
    assert '"interactive": false' in html
