"""GDAL hardening, references that must never be followed, and the row cap under load."""

from __future__ import annotations

import json
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from geo.errors import UploadError
from geo.uploads import (
    ColumnMapping,
    check_upload,
    gdal_is_hardened,
    harden_gdal,
    read_assets_upload,
    read_boundary_upload,
    untrusted_gdal,
)
from geo.uploads.hardening import RUNTIME_SETTINGS, SKIPPED_DRIVERS
from tests.helpers_http import LocalServer, Reply


def _gdal_state() -> tuple[list[str], dict[str, object]]:
    import pyogrio

    options = {k: pyogrio.get_gdal_config_option(k) for k in RUNTIME_SETTINGS}
    return list(pyogrio.list_drivers()), options


def test_gdal_is_hardened_while_an_upload_is_read():
    import pyogrio

    with untrusted_gdal():
        assert gdal_is_hardened()
        drivers = set(pyogrio.list_drivers())
        for driver in ("OGR_VRT", "WFS", "OAPIF", "CSW", "GML", "LIBKML", "GPSBabel", "SQLite"):
            assert driver not in drivers
        assert {"GPKG", "ESRI Shapefile", "GeoJSON"} <= drivers  # what the atlas needs stays
        allowed = pyogrio.get_gdal_config_option("CPL_VSIL_CURL_ALLOWED_EXTENSIONS")
        assert allowed == ".atlas-no-network"
        assert pyogrio.get_gdal_config_option("GDAL_HTTP_TIMEOUT") == 1
        with untrusted_gdal():  # nested (or another thread's): still hardened inside
            assert gdal_is_hardened()
        assert gdal_is_hardened()


def test_gdal_is_as_it_was_after_an_upload_is_read(tmp_path):
    """Drivers come back in GDAL's order, options to their values; os.environ untouched."""
    import pyogrio

    pyogrio.set_gdal_config_options({"GDAL_HTTP_TIMEOUT": "30"})
    try:
        before, environ = _gdal_state(), dict(os.environ)
        assert "OGR_VRT" in before[0] and not gdal_is_hardened()
        with untrusted_gdal():
            assert _gdal_state() != before
        assert _gdal_state() == before
        assert dict(os.environ) == environ
        with pytest.raises(UploadError), untrusted_gdal():
            raise UploadError("a refused file")
        assert _gdal_state() == before
    finally:
        pyogrio.set_gdal_config_options({"GDAL_HTTP_TIMEOUT": None})
    assert pyogrio.get_gdal_config_option("GDAL_HTTP_TIMEOUT") is None


def test_harden_gdal_merges_an_existing_skip_list():
    env = {"GDAL_SKIP": "JP2OpenJPEG,netCDF", "GDAL_HTTP_TIMEOUT": "300"}
    assert harden_gdal(env) is True
    skipped = env["GDAL_SKIP"].split()
    assert skipped[:2] == ["JP2OpenJPEG", "netCDF"]
    assert set(SKIPPED_DRIVERS) <= set(skipped)
    assert env["GDAL_HTTP_TIMEOUT"] == "1"
    harden_gdal(env)  # idempotent
    assert env["GDAL_SKIP"].split() == skipped


def _vrt(source: str) -> bytes:
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{source}</SrcDataSource>'
        '<GeometryType>wkbPoint</GeometryType><GeometryField encoding="PointFromColumns" '
        'x="lon" y="lat"/></OGRVRTLayer></OGRVRTDataSource>'
    ).encode()


@pytest.fixture()
def no_gdal(monkeypatch):
    """Fail the test if anything hands a file to GDAL."""
    import pyogrio

    import geo.uploads.vectors as vectors

    def forbidden(*args, **kwargs):
        raise AssertionError("GDAL was called")

    for name in ("read_dataframe", "read_info", "list_layers", "read_arrow"):
        monkeypatch.setattr(pyogrio, name, forbidden)
    monkeypatch.setattr(vectors, "_from_pyogrio", forbidden)


def test_vrt_renamed_geojson_is_refused_before_gdal(tmp_path, no_gdal):
    secret = tmp_path / "secret.csv"
    secret.write_text("lon,lat,name\n-2.24,53.48,secret\n")
    with LocalServer(lambda r: Reply(200, b"lon,lat\n-2.2,53.4\n")) as server:
        for source in (str(secret), f"/vsicurl/{server.url}/stolen.csv"):
            for name in ("sites.geojson", "sites.csv", "sites.kml"):
                with pytest.raises(UploadError, match=r"GDAL virtual dataset \(VRT\)"):
                    read_assets_upload(_vrt(source), name)
        assert server.requests == []


def test_gdal_itself_cannot_open_a_vrt(tmp_path):
    """Even if a VRT reached GDAL, the skipped driver would not open it or its sources."""
    import pyogrio

    with LocalServer(lambda r: Reply(200, b"lon,lat\n-2.2,53.4\n")) as server:
        path = tmp_path / "x.vrt"
        path.write_bytes(_vrt(f"/vsicurl/{server.url}/stolen.csv"))
        with (
            untrusted_gdal(),
            pytest.raises(Exception, match=r"not recognized|not a supported|No such file"),
        ):
            pyogrio.read_info(str(path))
        assert server.requests == []


def test_geojson_crs_link_is_never_fetched():
    with LocalServer(lambda r: Reply(200, b'PROJCS["x"]')) as server:
        link = {"type": "link", "properties": {"href": f"{server.url}/crs", "type": "ogcwkt"}}
        doc = {
            "type": "FeatureCollection",
            "crs": link,
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": "Hall"},
                    "geometry": {"type": "Point", "coordinates": [-2.24, 53.48]},
                }
            ],
        }
        data = json.dumps(doc).encode()
        result = read_assets_upload(data, "x.geojson")
        assert result.loaded == 1
        assert result.detected.crs == "EPSG:4326"
        assert any("'link' reference, which was ignored (never fetched)" in n for n in result.notes)
        square = {
            "type": "Polygon",
            "coordinates": [[[-2.3, 53.4], [-2.2, 53.4], [-2.2, 53.5], [-2.3, 53.5], [-2.3, 53.4]]],
        }
        doc["features"][0]["geometry"] = square
        assert read_boundary_upload(json.dumps(doc).encode(), "x.geojson").loaded == 1
        assert server.requests == []


def test_kml_network_link_is_never_fetched():
    with LocalServer(lambda r: Reply(200, b"<kml/>")) as server:
        kml = (
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><NetworkLink><Link>'
            f"<href>{server.url}/more.kml</href></Link></NetworkLink><Placemark><name>A</name>"
            "<Point><coordinates>-2.24,53.48</coordinates></Point></Placemark></Document></kml>"
        ).encode()
        assert read_assets_upload(kml, "x.kml").loaded == 1
        assert server.requests == []


def test_user_file_name_is_never_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "victim.csv").write_text("name,lat,lon\nvictim,53.4,-2.2\n")
    result = read_assets_upload(b"name,lat,lon\nmine,53.48,-2.24\n", "victim.csv")
    assert list(result.frame["name"]) == ["mine"]
    data = b'{"type":"Point","coordinates":[-2.24,53.48]}'
    assert read_assets_upload(data, "../../etc/passwd").loaded == 1


@pytest.mark.slow
@pytest.mark.parametrize("quoted", [False, True])
def test_million_row_csv_is_refused_fast_and_memory_bounded(quoted):
    row = b'"a",53.4,-2.2\n' if quoted else b"a,53.4,-2.2\n"
    data = b"name,lat,lon\n" + row * 1_000_000  # 12-14 MB, under the size cap
    started = time.perf_counter()
    with pytest.raises(UploadError, match="more than 500,000 rows"):
        read_assets_upload(data, "big.csv")
    elapsed = time.perf_counter() - started
    assert elapsed < 3.0, elapsed
    tracemalloc.start()
    with pytest.raises(UploadError, match="more than 500,000 rows"):
        read_assets_upload(data, "big.csv")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak  # counted streaming, never parsed or decoded whole


def test_row_cap_counts_records_not_lines():
    """Quoted newlines inflate the line count but not the record count."""
    from geo.uploads.limits import UploadLimits

    rows = "".join(f'"Hall {i}\nsecond line",53.48,-2.24\n' for i in range(60))
    data = ("name,lat,lon\n" + rows).encode()
    result = read_assets_upload(data, "x.csv", limits=UploadLimits(max_rows=100))
    assert result.rows_in == 60 and result.loaded == 60


def test_check_upload_refuses_a_large_path_without_reading_it(tmp_path, monkeypatch):
    from geo.uploads.limits import UploadLimits

    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 5000)

    def boom(self):
        raise AssertionError("read")

    monkeypatch.setattr(Path, "read_bytes", boom)
    report = check_upload(path, "assets", limits=UploadLimits(max_bytes=1000))
    assert not report.usable
    assert "uploads are limited to" in report.render_text()


def test_check_upload_text(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes(
        b"name,type,lat,lon\nHall,church,53.48,-2.24\nBad,pub,x,y\nFar,pub,51.5,-0.1\n"
    )
    report = check_upload(path, "assets", area=(-2.3, 53.43, -2.2, 53.52))
    text = report.render_text()
    assert report.usable
    for expected in (
        "File: sites.csv",
        "Format: delimited text table (CSV/TSV)",
        "Encoding: utf-8",
        "Delimiter: comma",
        "CRS: EPSG:4326",
        "Columns: name, type, lat, lon",
        "Loaded: 1",
        "Rejected: 1",
        "  coordinates are not numbers: 1",
        "Outside the study area: 1",
        "  3: coordinates are not numbers; lon='y', lat='x'",
        "USABLE",
    ):
        assert expected in text, text
    bad = check_upload(b"", "assets", filename="x.csv")
    assert not bad.usable and "NOT USABLE: The file is empty" in bad.render_text()
    assert not check_upload(b"a", "pets").usable


def test_mapping_overrides_guesses():
    data = b"site,kind,northing,easting,where\nHall,cafe,398589,383848,M1\n"
    result = read_assets_upload(
        data, "x.csv", mapping=ColumnMapping(name="where", x="easting", y="northing")
    )
    assert list(result.frame["name"]) == ["M1"]
    assert result.detected.guesses["x"] == "easting"
    with pytest.raises(UploadError, match="There is no column 'nope'"):
        read_assets_upload(data, "x.csv", mapping=ColumnMapping(name="nope"))
