"""Large GeoJSON read by GDAL as Arrow columns gives what the Python reader gives."""

from __future__ import annotations

import csv
import json

import pytest

from geo.uploads import geojson_gdal, read_assets_upload

pytestmark = pytest.mark.shared_data


def _pubs_geojson(shared_data, count=12_000, crs=None):
    path = shared_data / "community_assets" / "osm_uk_pubs_mlj" / "pubnames.tsv"
    features = []
    with path.open(encoding="utf-8", newline="") as handle:
        for cells in csv.reader(handle, delimiter="\t"):
            if len(cells) >= 5 and cells[3] and cells[4]:
                lat, lon = float(cells[3]), float(cells[4])
                features.append(
                    {
                        "type": "Feature",
                        "properties": {"name": cells[0], "category": "pub", "ref": len(features)},
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    }
                )
            if len(features) == count:
                break
    document = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        document["crs"] = crs
    return json.dumps(document).encode()


def _same(a, b):
    assert a.rows_in == b.rows_in and a.loaded == b.loaded
    assert list(a.frame.columns) == list(b.frame.columns)
    for column in a.frame.columns:
        if column != "geometry":
            assert a.frame[column].equals(b.frame[column]), column
    assert a.frame.geometry.geom_equals_exact(b.frame.geometry, 1e-6).all()
    assert a.rejections.equals(b.rejections)
    assert a.notes == b.notes and a.detected.crs == b.detected.crs


def test_a_large_geojson_is_read_by_gdal_and_agrees(shared_data, monkeypatch):
    data = _pubs_geojson(shared_data)
    assert len(data) > geojson_gdal.MIN_BYTES
    read_by = []
    original = geojson_gdal._read
    monkeypatch.setattr(geojson_gdal, "_read", lambda *a: read_by.append(1) or original(*a))
    fast = read_assets_upload(data, "pubs.geojson")
    assert read_by == [1]
    monkeypatch.setattr(geojson_gdal, "MIN_BYTES", len(data) + 1)
    slow = read_assets_upload(data, "pubs.geojson")
    assert fast.loaded == 12_000
    _same(fast, slow)


def test_a_crs_member_keeps_the_file_away_from_gdal(shared_data, monkeypatch):
    link = {"type": "link", "properties": {"href": "http://127.0.0.1:9/crs", "type": "proj4"}}
    data = _pubs_geojson(shared_data, crs=link)
    monkeypatch.setattr(geojson_gdal, "_read", lambda *a: pytest.fail("GDAL was given it"))
    result = read_assets_upload(data, "pubs.geojson")
    assert result.loaded == 12_000
    assert any("ignored" in note for note in result.notes)
