"""OpenStreetMap asset readers: hand-made fixtures with exact answers, then real files."""

from __future__ import annotations

import json
import math
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

from geo.errors import ConfigError, DataSourceError, SchemaError
from geo.sources import osm, osm_shpzip
from geo.sources.assetfiles import ASSET_COLUMNS, UK_BOUNDS_WGS84, check_asset_frame
from geo.sources.osm import (
    assets_from_geofabrik_shp_zip,
    assets_from_osm_geojson,
    assets_from_osm_pbf,
    assets_from_overpass_json,
    assets_from_pubs_tsv,
    inspect_zip,
    osm_address,
    overpass_query,
)

TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def bng(lon: float, lat: float) -> tuple[float, float]:
    return TO_BNG.transform(lon, lat)


def u_shape(lon0: float, lat0: float, step: float = 0.001) -> list[tuple[float, float]]:
    """A U-shaped ring (lon/lat) whose centroid lies in the gap between its arms."""
    ring = [(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3), (0, 0)]
    return [(lon0 + x * step, lat0 + y * step) for x, y in ring]


def in_bng(geometry_wgs84: object) -> object:
    return shapely.transform(
        geometry_wgs84, lambda xy: np.column_stack(TO_BNG.transform(xy[:, 0], xy[:, 1]))
    )


def assert_standard(read) -> None:
    check_asset_frame(read.frame)
    frame = read.frame
    assert tuple(frame.columns) == ASSET_COLUMNS
    assert frame.crs.to_epsg() == 27700
    assert frame["asset_id"].is_unique
    assert not frame["name"].isna().any()
    assert read.rows_in == read.loaded + sum(read.rejected.values()) + read.outside_area


# --------------------------------------------------------------------------- Overpass


def test_overpass_query_exact():
    query = overpass_query((-0.8, 52.5, -0.4, 52.8), ["library", "pub"], timeout=60)
    assert query == (
        "[out:json][timeout:60];\n(\n"
        '  nwr["amenity"="library"](52.5,-0.8,52.8,-0.4);\n'
        '  nwr["amenity"="pub"](52.5,-0.8,52.8,-0.4);\n'
        '  nwr["amenity"="bar"](52.5,-0.8,52.8,-0.4);\n'
        '  nwr["amenity"="biergarten"](52.5,-0.8,52.8,-0.4);\n'
        ");\nout center tags;"
    )
    everything = overpass_query((-0.8, 52.5, -0.4, 52.8))
    assert everything.count("(52.5,-0.8,52.8,-0.4);") == len(osm.overpass_filters())


def test_overpass_query_refuses_bad_input():
    with pytest.raises(ConfigError, match="south, west, north, east"):
        overpass_query((52.8, -0.8, 52.5, -0.4))  # west > east
    with pytest.raises(ValueError, match="warm spaces come only from registers"):
        overpass_query((-0.8, 52.5, -0.4, 52.8), ["warm_space"])


U_WAY = u_shape(-0.72, 52.66)

OVERPASS = {
    "version": 0.6,
    "generator": "Overpass API 0.7.62",
    "osm3s": {"timestamp_osm_base": "2024-01-01T00:00:00Z"},
    "elements": [
        {
            "type": "node",
            "id": 101,
            "lat": 52.6700,
            "lon": -0.7300,
            "tags": {
                "amenity": "library",
                "name": "Oakham Library",
                "addr:street": "Catmos Street",
                "addr:city": "Oakham",
                "addr:postcode": "LE15 6HW",
                "capacity": "120",
            },
        },
        {
            "type": "way",
            "id": 202,
            "center": {"lat": 52.6650, "lon": -0.7250},
            "nodes": [1, 2, 3, 1],
            "tags": {"leisure": "park"},
        },
        {
            "type": "relation",
            "id": 303,
            "center": {"lat": 52.6600, "lon": -0.7200},
            "members": [],
            "tags": {"type": "multipolygon", "amenity": "place_of_worship", "name": "St Peter"},
        },
        {"type": "node", "id": 404, "lat": 52.6, "lon": -0.7},
        {"type": "node", "id": 505, "lat": 52.6, "lon": -0.7, "tags": {"amenity": "bench"}},
        {
            "type": "way",
            "id": 606,
            "bounds": {"minlat": 52.66, "minlon": -0.72, "maxlat": 52.663, "maxlon": -0.717},
            "geometry": [{"lat": lat, "lon": lon} for lon, lat in U_WAY],
            "tags": {"amenity": "community_centre", "name": "U Hall"},
        },
        {
            "type": "node",
            "id": 707,
            "lat": 52.6,
            "lon": -0.7,
            "tags": {"amenity": "pub", "access": "private"},
        },
        {"type": "way", "id": 808, "tags": {"amenity": "cafe", "name": "No Centre"}},
        {"type": "node", "id": 909, "lat": 50.0, "lon": 20.0, "tags": {"amenity": "cafe"}},
    ],
}


def test_overpass_json_exact():
    read = assets_from_overpass_json(OVERPASS)
    assert_standard(read)
    frame = read.frame
    assert read.rows_in == 9
    assert read.rejected == {"no matching category": 3, "no coordinates": 1, "outside the UK": 1}
    assert read.outside_area == 0
    assert frame["asset_id"].tolist() == [
        "osm:node/101",
        "osm:way/202",
        "osm:relation/303",
        "osm:way/606",
    ]
    assert frame["category"].tolist() == ["library", "park", "place_of_worship", "community_centre"]
    assert frame["name"].tolist() == ["Oakham Library", "", "St Peter", "U Hall"]
    assert frame["source"].unique().tolist() == ["osm_overpass"]
    assert frame["address"].tolist() == ["Catmos Street, Oakham, LE15 6HW", "", "", ""]
    assert frame["capacity"].iloc[0] == 120.0
    assert math.isnan(frame["capacity"].iloc[1])
    assert json.loads(frame["tags"].iloc[0]) == OVERPASS["elements"][0]["tags"]
    for i, (lon, lat) in enumerate([(-0.73, 52.67), (-0.725, 52.665), (-0.72, 52.66)]):
        x, y = bng(lon, lat)
        assert frame.geometry.iloc[i].x == pytest.approx(x, abs=1e-6)
        assert frame.geometry.iloc[i].y == pytest.approx(y, abs=1e-6)
    # out geom: the point is inside the U, whose centroid is not
    u_polygon = in_bng(Polygon(U_WAY))
    assert not u_polygon.contains(u_polygon.centroid)
    assert u_polygon.contains(frame.geometry.iloc[3])


def test_overpass_json_bbox_and_errors():
    read = assets_from_overpass_json(OVERPASS, bbox_wgs84=(-0.7260, 52.6, -0.7, 52.7))
    assert read.frame["asset_id"].tolist() == ["osm:way/202", "osm:relation/303", "osm:way/606"]
    assert read.outside_area == 1
    assert_standard(read)
    with pytest.raises(SchemaError, match="elements"):
        assets_from_overpass_json({"foo": 1})
    partial = {**OVERPASS, "remark": 'runtime error: Query timed out in "query" at line 3'}
    with pytest.raises(DataSourceError, match="partial result"):
        assets_from_overpass_json(partial)
    empty = assets_from_overpass_json({"elements": []})
    assert empty.loaded == 0 and empty.rows_in == 0
    check_asset_frame(empty.frame)


def test_osm_address():
    tags = {
        "addr:housenumber": "2",
        "addr:street": "Main Street",
        "addr:village": "Seaton",
        "addr:city": "Oakham",
        "addr:postcode": "LE15 9HU",
    }
    assert osm_address(tags) == "2 Main Street, Seaton, Oakham, LE15 9HU"
    assert osm_address({"addr:city": "Norwich", "addr:town": "Norwich"}) == "Norwich"
    assert osm_address({}) == ""


# --------------------------------------------------------------------------- PBF/XML


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="52.67" lon="-0.73">
    <tag k="amenity" v="library"/><tag k="name" v="Oakham Library"/>
    <tag k="addr:postcode" v="LE15 6HW"/>
  </node>
  <node id="2" lat="52.60" lon="-0.70"/>
  <node id="3" lat="52.60" lon="-0.70"><tag k="amenity" v="bench"/></node>
  {u_nodes}
  <way id="10">{u_refs}<tag k="leisure" v="park"/><tag k="name" v="U Park"/></way>
  <node id="21" lat="52.650" lon="-0.750"/>
  <node id="22" lat="52.651" lon="-0.748"/>
  <way id="20"><nd ref="21"/><nd ref="22"/><tag k="amenity" v="pub"/></way>
  <node id="31" lat="52.640" lon="-0.760"/>
  <node id="32" lat="52.640" lon="-0.758"/>
  <node id="33" lat="52.642" lon="-0.758"/>
  <node id="34" lat="52.642" lon="-0.760"/>
  <way id="30"><nd ref="31"/><nd ref="32"/><nd ref="33"/><nd ref="34"/><nd ref="31"/></way>
  <relation id="300">
    <member type="way" ref="30" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="amenity" v="place_of_worship"/>
    <tag k="name" v="St Test"/>
  </relation>
  <way id="40"><nd ref="31"/><nd ref="32"/></way>
  <relation id="400">
    <member type="way" ref="40" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="amenity" v="community_centre"/>
  </relation>
  <way id="50"><nd ref="31"/><nd ref="32"/><nd ref="33"/><nd ref="31"/>
    <tag k="leisure" v="garden"/></way>
</osm>
"""


def write_osm_xml(path: Path) -> Path:
    ring = u_shape(-0.72, 52.66)[:-1]
    nodes = "\n  ".join(
        f'<node id="{100 + i}" lat="{lat:.6f}" lon="{lon:.6f}"/>'
        for i, (lon, lat) in enumerate(ring)
    )
    refs = "".join(f'<nd ref="{100 + i}"/>' for i in range(len(ring))) + '<nd ref="100"/>'
    path.write_text(OSM_XML.replace("{u_nodes}", nodes).replace("{u_refs}", refs))
    return path


def test_osm_file_exact(tmp_path):
    read = assets_from_osm_pbf(write_osm_xml(tmp_path / "tiny.osm"), source="osm_test")
    assert_standard(read)
    frame = read.frame.set_index("asset_id")
    assert read.rows_in == 5  # library, U park, pub line, two relations (bench/garden ignored)
    assert read.rejected == {"no geometry": 1}  # relation 400 has no closed ring
    assert sorted(frame.index) == ["osm:node/1", "osm:relation/300", "osm:way/10", "osm:way/20"]
    assert frame.loc["osm:node/1", "name"] == "Oakham Library"
    assert frame.loc["osm:node/1", "address"] == "LE15 6HW"
    x, y = bng(-0.73, 52.67)
    assert frame.loc["osm:node/1", "geometry"].x == pytest.approx(x, abs=1e-6)
    assert frame.loc["osm:node/1", "geometry"].y == pytest.approx(y, abs=1e-6)
    u_polygon = in_bng(Polygon(u_shape(-0.72, 52.66)))
    assert not u_polygon.contains(u_polygon.centroid)
    assert u_polygon.contains(frame.loc["osm:way/10", "geometry"])
    assert frame.loc["osm:way/10", "category"] == "park"
    square = in_bng(Polygon([(-0.76, 52.64), (-0.758, 52.64), (-0.758, 52.642), (-0.76, 52.642)]))
    assert square.contains(frame.loc["osm:relation/300", "geometry"])
    assert frame.loc["osm:relation/300", "category"] == "place_of_worship"
    line = in_bng(LineString([(-0.75, 52.65), (-0.748, 52.651)]))
    assert line.distance(frame.loc["osm:way/20", "geometry"]) < 1e-6
    assert (frame["source"] == "osm_test").all()


def test_osm_file_missing():
    with pytest.raises(DataSourceError, match="not found"):
        assets_from_osm_pbf("/nonexistent/file.osm.pbf")


# --------------------------------------------------------------------------- GeoJSON export


def test_osm_geojson_exact(tmp_path):
    features = [
        {
            "type": "Feature",
            "id": "node/1",
            "properties": {
                "amenity": "library",
                "name": "Millennium Library",
                "addr:postcode": "NR2 1AW",
                "id": "node/1",
                "mapFeature": {"caption": "x", "location": "<br />", "layers": ["learn"]},
            },
            "geometry": {"type": "Point", "coordinates": [1.2909467, 52.6277308]},
        },
        {
            "type": "Feature",
            "properties": {"@id": "way/2", "leisure": "park", "name": "U Park"},
            "geometry": {"type": "Polygon", "coordinates": [u_shape(1.29, 52.62)]},
        },
        {
            "type": "Feature",
            "id": "relation/3",
            "properties": {"type": "relation", "id": 3, "tags": {"amenity": "cafe"}},
            "geometry": {"type": "Point", "coordinates": [1.3, 52.63]},
        },
        {
            "type": "Feature",
            "id": "node/4",
            "properties": {"amenity": "pub", "name": "Lost"},
            "geometry": None,
        },
        {
            "type": "Feature",
            "id": "node/5",
            "properties": {"leisure": "playground"},
            "geometry": {"type": "Point", "coordinates": [1.3, 52.63]},
        },
    ]
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    read = assets_from_osm_geojson(path, source="norwich")
    assert_standard(read)
    assert read.rows_in == 5
    assert read.rejected == {"no matching category": 1, "no coordinates": 1}
    frame = read.frame
    assert frame["asset_id"].tolist() == ["osm:node/1", "osm:way/2", "osm:relation/3"]
    assert frame["category"].tolist() == ["library", "park", "cafe"]
    assert frame["name"].tolist() == ["Millennium Library", "U Park", ""]
    assert json.loads(frame["tags"].iloc[0]) == {
        "amenity": "library",
        "name": "Millennium Library",
        "addr:postcode": "NR2 1AW",
    }
    assert json.loads(frame["tags"].iloc[2]) == {"amenity": "cafe"}
    x, _ = bng(1.2909467, 52.6277308)
    assert frame.geometry.iloc[0].x == pytest.approx(x, abs=1e-6)
    u_polygon = in_bng(Polygon(u_shape(1.29, 52.62)))
    assert not u_polygon.contains(u_polygon.centroid)
    assert u_polygon.contains(frame.geometry.iloc[1])


def test_osm_geojson_rejects_non_geojson(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Feature"}')
    with pytest.raises(SchemaError, match="FeatureCollection"):
        assets_from_osm_geojson(path)
    path.write_text("not json")
    with pytest.raises(SchemaError, match="not a JSON"):
        assets_from_osm_geojson(path)
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "link", "properties": {"href": "http://example.com/crs"}},
                "features": [],
            }
        )
    )
    with pytest.raises(SchemaError, match="link"):
        assets_from_osm_geojson(path)


# --------------------------------------------------------------------------- pubs TSV


def test_pubs_tsv_exact(tmp_path):
    path = tmp_path / "pubnames.tsv"
    path.write_text(
        'The "Swan"\tThe Swan\t101\t53.48\t-2.24\n'
        "Red Lion\tRed Lion\t202\t\t\n"
        "Bell\tBell\t303\t51.5\t-0.12\n"
        "Bell\tBell\t303\t51.5\t-0.12\n"
        "Far Away\tFar Away\t404\t48.85\t2.35\n",
        encoding="utf-8",
    )
    read = assets_from_pubs_tsv(path)
    assert_standard(read)
    assert read.rows_in == 5
    assert read.rejected == {"no coordinates": 1, "duplicate": 1, "outside the UK": 1}
    assert read.frame["asset_id"].tolist() == ["osm:pub/101", "osm:pub/303"]
    assert read.frame["name"].tolist() == ['The "Swan"', "Bell"]
    assert (read.frame["category"] == "pub").all()
    assert json.loads(read.frame["tags"].iloc[0])["normalised_name"] == "The Swan"
    x, _ = bng(-2.24, 53.48)
    assert read.frame.geometry.iloc[0].x == pytest.approx(x, abs=1e-6)
    only_manchester = assets_from_pubs_tsv(path, bbox_wgs84=(-2.5, 53.3, -2.0, 53.6))
    assert only_manchester.frame["asset_id"].tolist() == ["osm:pub/101"]
    assert only_manchester.outside_area == 1


def test_pubs_tsv_wrong_shape(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("just a name\n")
    with pytest.raises(SchemaError, match="5"):
        assets_from_pubs_tsv(path)


# --------------------------------------------------------------------------- Geofabrik zip


def _write_layer(folder: Path, name: str, rows: list[dict], geometry: list) -> None:
    frame = gpd.GeoDataFrame(rows, geometry=geometry, crs="EPSG:4326")
    frame.to_file(folder / f"{name}.shp", engine="pyogrio")


def make_geofabrik_zip(tmp_path: Path) -> Path:
    folder = tmp_path / "layers"
    folder.mkdir()
    _write_layer(
        folder,
        "gis_osm_pois_free_1",
        [
            {"osm_id": "1", "code": 2304, "fclass": "pub", "name": "George"},
            {"osm_id": "2", "code": 2902, "fclass": "bench", "name": None},
            {"osm_id": "3", "code": 2303, "fclass": "cafe", "name": "Far"},
        ],
        [Point(-0.70, 52.60), Point(-0.71, 52.61), Point(10.0, 45.0)],
    )
    u_ring = u_shape(-0.72, 52.66)
    _write_layer(
        folder,
        "gis_osm_pois_a_free_1",
        [{"osm_id": "10", "code": 2204, "fclass": "park", "name": "U Park"}],
        [Polygon(u_ring)],
    )
    _write_layer(
        folder,
        "gis_osm_landuse_a_free_1",
        [
            {"osm_id": "10", "code": 7202, "fclass": "park", "name": "U Park"},
            {"osm_id": "11", "code": 7207, "fclass": "allotments", "name": None},
            {"osm_id": "12", "code": 7201, "fclass": "forest", "name": "Wood"},
        ],
        [
            Polygon(u_ring),
            Polygon([(-0.8, 52.6), (-0.79, 52.6), (-0.79, 52.61), (-0.8, 52.6)]),
            Polygon([(-0.8, 52.7), (-0.79, 52.7), (-0.79, 52.71), (-0.8, 52.7)]),
        ],
    )
    _write_layer(
        folder,
        "gis_osm_pofw_free_1",
        [{"osm_id": "20", "code": 3300, "fclass": "muslim", "name": "Masjid"}],
        [Point(-0.69, 52.62)],
    )
    archive = tmp_path / "tiny-latest-free.shp.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README", "This file contains OpenStreetMap data as of 2022-08-18T20:21:14Z\n")
        for file in sorted(folder.iterdir()):
            zf.write(file, file.name)
    return archive


def test_geofabrik_zip_exact(tmp_path):
    read = assets_from_geofabrik_shp_zip(make_geofabrik_zip(tmp_path), source="gf")
    assert_standard(read)
    assert read.rows_in == 8
    assert read.rejected == {"no matching category": 2, "outside the UK": 1, "duplicate": 1}
    frame = read.frame.set_index("asset_id")
    assert sorted(frame.index) == ["osm:area/10", "osm:area/11", "osm:node/1", "osm:node/20"]
    assert frame.loc["osm:node/1", "category"] == "pub"
    assert frame.loc["osm:node/20", "category"] == "place_of_worship"
    assert frame.loc["osm:area/10", "category"] == "park"
    assert frame.loc["osm:area/11", "category"] == "community_garden"
    assert frame.loc["osm:area/11", "name"] == ""
    assert json.loads(frame.loc["osm:node/1", "tags"]) == {
        "osm_id": "1",
        "code": 2304,
        "fclass": "pub",
        "name": "George",
        "layer": "gis_osm_pois_free_1",
    }
    u_polygon = in_bng(Polygon(u_shape(-0.72, 52.66)))
    assert u_polygon.contains(frame.loc["osm:area/10", "geometry"])
    assert read.notes == ("OpenStreetMap data as of 2022-08-18T20:21:14Z",)


def test_zip_inspection_refuses_unsafe_archives(tmp_path, monkeypatch):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../etc/gis_osm_pois_free_1.shp", b"x")
    with pytest.raises(DataSourceError, match="unsafe member name"):
        inspect_zip(evil)
    absolute = tmp_path / "absolute.zip"
    with zipfile.ZipFile(absolute, "w") as zf:
        zf.writestr("/tmp/gis_osm_pois_free_1.shp", b"x")
    with pytest.raises(DataSourceError, match="unsafe member name"):
        assets_from_geofabrik_shp_zip(absolute)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(501):
            zf.writestr(f"f{i}.txt", b"")
    with pytest.raises(DataSourceError, match="501 members"):
        inspect_zip(many)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("gis_osm_pois_free_1.dbf", b"\0" * (4 * 1024**2))
    with pytest.raises(DataSourceError, match="zip bomb"):
        inspect_zip(bomb)
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w") as zf:
        zf.writestr("a.txt", b"x" * 5000)
    monkeypatch.setattr(osm_shpzip, "MAX_ZIP_UNCOMPRESSED", 1000)
    with pytest.raises(DataSourceError, match="limit 1,000 bytes"):
        inspect_zip(big)
    not_zip = tmp_path / "plain.zip"
    not_zip.write_text("hello")
    with pytest.raises(DataSourceError, match="not a valid zip"):
        inspect_zip(not_zip)


def test_geofabrik_zip_without_layers(tmp_path):
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("README", "nothing")
    with pytest.raises(SchemaError, match="none of the Geofabrik layers"):
        assets_from_geofabrik_shp_zip(other)


# --------------------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def rutland_pbf(shared_data):
    start = time.perf_counter()
    read = assets_from_osm_pbf(
        shared_data / "osm_rutland" / "rutland-latest.osm.pbf", source="osm_rutland_pbf"
    )
    return read, time.perf_counter() - start


@pytest.fixture(scope="module")
def rutland_shp(shared_data):
    return assets_from_geofabrik_shp_zip(
        shared_data / "osm_rutland" / "rutland-latest-free.shp.zip", source="osm_rutland_shp"
    )


@pytest.mark.shared_data
def test_rutland_pbf(rutland_pbf):
    read, seconds = rutland_pbf
    assert_standard(read)
    counts = read.frame["category"].value_counts().to_dict()
    print("Rutland PBF:", read.summary(), counts, read.notes)
    assert seconds < 10
    assert len(counts) >= 8
    # found in the 2022 extract: park 74, place_of_worship 63, pub 56, cafe 30,
    # community_centre 28, community_garden 26, sports_leisure 17, health 5,
    # library 4, arts_centre 2
    assert counts["place_of_worship"] >= 50
    assert counts["pub"] >= 40
    assert counts["cafe"] >= 20
    assert counts["community_centre"] >= 20
    assert counts["park"] >= 50
    assert counts["community_garden"] >= 20
    assert counts["sports_leisure"] >= 10
    assert counts["library"] >= 3
    assert counts["health"] >= 3
    assert counts["arts_centre"] >= 1
    assert read.loaded >= 280
    ids = set(read.frame["asset_id"])
    assert any(i.startswith("osm:node/") for i in ids)
    assert any(i.startswith("osm:way/") for i in ids)
    assert any(i.startswith("osm:relation/") for i in ids)
    # everything lies in or near Rutland (lon -0.83..-0.42, lat 52.52..52.77)
    lon, lat = TO_WGS.transform(read.frame.geometry.x.values, read.frame.geometry.y.values)
    assert lon.min() > -0.95 and lon.max() < -0.3 and lat.min() > 52.45 and lat.max() < 52.85
    oakham = read.frame[read.frame["name"] == "Rutland County Library"]
    assert oakham["category"].tolist() == ["library"]
    assert oakham["address"].iloc[0] == "Oakham Library, Catmos Street, Oakham, LE15 6HW"
    assert read.notes and read.notes[0].startswith("OpenStreetMap data as of 2022")


@pytest.mark.shared_data
def test_rutland_pbf_areas_get_points_inside(shared_data, rutland_pbf):
    import osmium

    read, _ = rutland_pbf
    frame = read.frame.set_index("asset_id")
    wkb = osmium.geom.WKBFactory()
    checked = 0
    path = shared_data / "osm_rutland" / "rutland-latest.osm.pbf"
    for area in (
        osmium.FileProcessor(str(path))
        .with_areas()
        .with_filter(osmium.filter.KeyFilter("leisure", "landuse", "amenity"))
    ):
        if not isinstance(area, osmium.osm.Area):
            continue
        kind = "way" if area.from_way() else "relation"
        key = f"osm:{kind}/{area.orig_id()}"
        if key in frame.index:
            polygon = in_bng(shapely.from_wkb(wkb.create_multipolygon(area)))
            assert polygon.buffer(1e-6).contains(frame.loc[key, "geometry"]), key
            checked += 1
    assert checked >= 150


@pytest.mark.shared_data
def test_rutland_shp_zip_agrees_with_pbf(rutland_pbf, rutland_shp):
    read = rutland_shp
    assert_standard(read)
    counts = read.frame["category"].value_counts().to_dict()
    print("Rutland shp.zip:", read.summary(), counts, read.notes)
    assert len(counts) >= 8
    # parks appear in both the POI-area and land-use layers: kept once
    assert read.rejected.get("duplicate", 0) >= 40
    assert read.rows_in == 455 + 426 + 3 + 62 + 2125
    pbf_counts = rutland_pbf[0].frame["category"].value_counts().to_dict()
    for category, n_pbf in pbf_counts.items():
        n_shp = counts.get(category, 0)
        assert n_pbf / 2 <= n_shp <= n_pbf * 2 + 2, (category, n_pbf, n_shp)
    # the same nodes are in both, at the same place
    pbf = rutland_pbf[0].frame.set_index("asset_id")
    shp = read.frame.set_index("asset_id")
    common = sorted(set(pbf.index) & set(shp.index))
    assert len(common) >= 60
    distances = gpd.GeoSeries(pbf.loc[common, "geometry"]).distance(
        gpd.GeoSeries(shp.loc[common, "geometry"])
    )
    # the extracts are a month apart: a node or two moved slightly
    assert distances.median() < 1e-6
    assert distances.max() < 50


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "features", "category", "loaded"),
    [
        # one cafe and one pub carry disused=yes (closed): not community assets
        ("learn.geojson", 19, "library", 19),
        ("food-cafe.geojson", 146, "cafe", 145),
        ("food-pubs.geojson", 160, "pub", 159),
    ],
)
def test_norwich_exports(shared_data, name, features, category, loaded):
    read = assets_from_osm_geojson(shared_data / "osm_norwich_akindcity" / name, source="norwich")
    assert_standard(read)
    assert read.rows_in == features
    assert read.loaded == loaded
    assert set(read.frame["category"]) == {category}
    assert read.rejected == ({} if loaded == features else {"no matching category": 1})
    for tags in read.frame["tags"]:
        parsed = json.loads(tags)
        assert "mapFeature" not in parsed and "id" not in parsed
    assert read.frame["asset_id"].str.match(r"^osm:(node|way|relation)/\d+$").all()
    assert (read.frame["name"] != "").mean() > 0.9


@pytest.mark.shared_data
def test_norwich_enjoy_layer(shared_data):
    read = assets_from_osm_geojson(shared_data / "osm_norwich_akindcity" / "enjoy.geojson")
    assert_standard(read)
    counts = read.frame["category"].value_counts().to_dict()
    print("Norwich enjoy:", read.summary(), counts)
    assert read.rows_in == 765
    # pitches, playgrounds, picnic tables, nightclubs... are not in the taxonomy
    assert counts["park"] >= 70 and counts["sports_leisure"] >= 40
    assert read.rejected["no matching category"] >= 500


@pytest.mark.shared_data
def test_gb_pubs(shared_data):
    path = shared_data / "community_assets" / "osm_uk_pubs_mlj" / "pubnames.tsv"
    read = assets_from_pubs_tsv(path)
    assert_standard(read)
    print("GB pubs:", read.summary())
    assert read.rows_in == 38_087
    assert read.rows_in == read.loaded + sum(read.rejected.values())
    assert read.rejected["no coordinates"] == 18_232
    assert read.rejected.get("duplicate", 0) == 25  # border pubs listed in two extracts
    assert read.loaded == 19_830
    lon, lat = TO_WGS.transform(read.frame.geometry.x.values, read.frame.geometry.y.values)
    west, south, east, north = UK_BOUNDS_WGS84
    assert ((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)).all()
    manchester = assets_from_pubs_tsv(path, bbox_wgs84=(-2.32, 53.34, -2.14, 53.55))
    print("Manchester pubs:", manchester.summary())
    assert 150 <= manchester.loaded <= 600
    assert manchester.rows_in == (
        manchester.loaded + sum(manchester.rejected.values()) + manchester.outside_area
    )
