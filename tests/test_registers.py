"""Register readers (CSV/TSV tables, vector files) and asset specs."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from geo.errors import ConfigError, DataSourceError, SchemaError
from geo.sources.assetfiles import (
    ASSET_COLUMNS,
    UK_BOUNDS_WGS84,
    AssetRead,
    check_asset_frame,
    empty_asset_frame,
)
from geo.sources.registers import (
    ACTIVE_PLACES_FACILITY_TYPES,
    GREENSPACE_SITE_TYPES,
    assets_from_spec,
    assets_from_table,
    assets_from_vector,
)

TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
GM = Path("community_assets") / "greater_manchester_trafforddatalab"


def bng(lon: float, lat: float) -> tuple[float, float]:
    return TO_BNG.transform(lon, lat)


def in_bng(geometry_wgs84: object) -> object:
    return shapely.transform(
        geometry_wgs84, lambda xy: np.column_stack(TO_BNG.transform(xy[:, 0], xy[:, 1]))
    )


def u_ring(lon0: float, lat0: float, step: float = 0.001) -> list[tuple[float, float]]:
    ring = [(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3), (0, 0)]
    return [(lon0 + x * step, lat0 + y * step) for x, y in ring]


def assert_standard(read: AssetRead) -> None:
    check_asset_frame(read.frame)
    assert tuple(read.frame.columns) == ASSET_COLUMNS
    assert read.frame.crs.to_epsg() == 27700
    assert read.frame["asset_id"].is_unique
    assert not read.frame["name"].isna().any()
    assert read.rows_in == read.loaded + sum(read.rejected.values()) + read.outside_area


def lonlat(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return TO_WGS.transform(frame.geometry.x.values, frame.geometry.y.values)


# --------------------------------------------------------------------------- tables


def test_table_cp1252_exact(tmp_path):
    path = tmp_path / "halls.csv"
    text = (
        "Site_Name,Address,Postcode,Longitude,Latitude,Capacity,Code\r\n"
        "Café Royal – £1 tea,1 High St,AB1 2CD,-2.24,53.48,80,00123\r\n"
        "St Mary’s Hall,,M1 1AA,NA,NA,,00456\r\n"
        "Unknown,2 Low Rd,M2 2BB,-2.25,53.47,n/a,00789\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    read = assets_from_table(path, source="halls", category="community_centre")
    assert_standard(read)
    assert read.rows_in == 3
    assert read.rejected == {"missing coordinates": 1}  # the places reader's reasons
    frame = read.frame
    assert frame["asset_id"].tolist() == ["halls:1", "halls:3"]
    assert frame["name"].tolist() == ["Café Royal – £1 tea", ""]
    assert frame["address"].tolist() == ["1 High St, AB1 2CD", "2 Low Rd, M2 2BB"]
    assert frame["capacity"].iloc[0] == 80.0 and math.isnan(frame["capacity"].iloc[1])
    assert (frame["category"] == "community_centre").all()
    assert (frame["source"] == "halls").all()
    assert json.loads(frame["tags"].iloc[0])["Code"] == "00123"  # codes stay text
    x, y = bng(-2.24, 53.48)
    assert frame.geometry.iloc[0].x == pytest.approx(x, abs=1e-6)
    assert frame.geometry.iloc[0].y == pytest.approx(y, abs=1e-6)
    assert any("cp1252" in note for note in read.notes)


def test_table_utf8_bom_tsv_and_category_map(tmp_path):
    path = tmp_path / "spaces.tsv"
    path.write_text(
        "\ufeffname\tsite_type\tlon\tlat\n"
        "Green Park\tPublic Park Or Garden\t-2.30\t53.45\n"
        "Plot 9\tAllotments Or Community Growing Spaces\t-2.31\t53.44\n"
        "Old Cemetery\tCemetery\t-2.32\t53.43\n"
        "Rec\tplaying field\t-2.33\t53.42\n",
        encoding="utf-8",
    )
    read = assets_from_table(
        path,
        source="greens",
        category_column="SITE TYPE",
        category_map={**GREENSPACE_SITE_TYPES, "Cemetery": ""},
    )
    assert_standard(read)
    assert read.frame["category"].tolist() == ["park", "community_garden", "sports_leisure"]
    assert read.frame["name"].tolist() == ["Green Park", "Plot 9", "Rec"]
    assert read.rejected == {"category not mapped": 1}
    assert read.notes == ()


def test_table_category_values_as_keys_and_bbox(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "name,kind,lat,long\nA,library,53.48,-2.24\nB,Pub,53.10,-2.24\nC,bingo hall,53.48,-2.24\n",
        encoding="utf-8",
    )
    read = assets_from_table(
        path, source="mixed", category_column="kind", bbox_wgs84=(-2.5, 53.3, -2.0, 53.6)
    )
    assert_standard(read)
    assert read.frame["name"].tolist() == ["A"]
    assert read.rejected == {"category not mapped": 1}
    assert read.outside_area == 1


def test_table_swapped_columns_and_outside_uk(tmp_path):
    path = tmp_path / "swapped.csv"
    path.write_text(
        "name,lon,lat\n"
        "A,53.48,-2.24\n"  # lat/lon written the wrong way round
        "B,53.47,-2.25\n"
        "C,48.85,2.35\n",  # Paris, also swapped: still not in the UK
        encoding="utf-8",
    )
    read = assets_from_table(path, source="sw", category="library")
    assert_standard(read)
    assert read.frame["name"].tolist() == ["A", "B"]
    assert read.rejected == {"outside the UK": 1}
    assert any("swapped" in note for note in read.notes)
    x, _ = bng(-2.24, 53.48)
    assert read.frame.geometry.iloc[0].x == pytest.approx(x, abs=1e-6)


def test_table_easting_northing_and_xy(tmp_path):
    x, y = bng(-2.24, 53.48)
    path = tmp_path / "bng.csv"
    path.write_text(f"name,Easting,Northing\nA,{x:.3f},{y:.3f}\nB,,\n", encoding="utf-8")
    read = assets_from_table(path, source="bng", category="health")
    assert_standard(read)
    assert read.frame.geometry.iloc[0].x == pytest.approx(x, abs=1e-3)
    assert read.rejected == {"missing coordinates": 1}
    path_xy = tmp_path / "xy.csv"
    path_xy.write_text(f"name,X,Y\nA,{x:.3f},{y:.3f}\n", encoding="utf-8")
    read_xy = assets_from_table(path_xy, source="xy", category="health")
    assert read_xy.frame.geometry.iloc[0].y == pytest.approx(y, abs=1e-3)
    assert any("British National Grid" in n for n in read_xy.notes)
    path_deg = tmp_path / "deg.csv"
    path_deg.write_text("name,x,y\nA,-2.24,53.48\n", encoding="utf-8")
    read_deg = assets_from_table(path_deg, source="deg", category="health")
    assert read_deg.frame.geometry.iloc[0].x == pytest.approx(x, abs=1e-6)
    explicit = assets_from_table(
        path, source="bng", category="health", x_column="easting", y_column="northing"
    )
    assert explicit.loaded == 1


def test_table_no_header_id_column_and_name_from_address(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text(
        "7,Hope Centre<br>10 Hillmans Way,53.48,-2.24\n"
        "7,Hope Centre<br>10 Hillmans Way,53.48,-2.24\n"
        '8,"Fish &amp; Chips Club, Low Rd",53.47,-2.25\n',
        encoding="utf-8",
    )
    read = assets_from_table(
        path,
        source="ws",
        category="warm_space",
        header=False,
        columns=["ref", "address", "lat", "lon"],
        id_column="ref",
        sep=",",
    )
    assert_standard(read)
    assert read.frame["asset_id"].tolist() == ["ws:7", "ws:8"]
    assert read.frame["name"].tolist() == ["Hope Centre", "Fish & Chips Club"]
    assert read.frame["address"].tolist() == [
        "Hope Centre, 10 Hillmans Way",
        "Fish & Chips Club, Low Rd",
    ]
    assert read.rejected == {"duplicate": 1}


def test_table_errors(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("name,lon,lat\nA,-2.2,53.4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Say which category"):
        assets_from_table(path, source="t")
    with pytest.raises(ConfigError, match="Unknown asset category 'bingo'"):
        assets_from_table(path, source="t", category="bingo")
    with pytest.raises(ConfigError, match="not both"):
        assets_from_table(path, source="t", category="pub", category_column="name")
    with pytest.raises(SchemaError, match=r"t.csv: There is no column 'title' \(chosen for name\)"):
        assets_from_table(path, source="t", category="pub", name_column="title")
    with pytest.raises(ConfigError, match="source key"):
        assets_from_table(path, source="", category="pub")
    nocoords = tmp_path / "n.csv"
    nocoords.write_text("name,postcode\nA,M1 1AA\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="no coordinate columns"):
        assets_from_table(nocoords, source="n", category="pub")
    with pytest.raises(DataSourceError, match="not found"):
        assets_from_table(tmp_path / "missing.csv", source="m", category="pub")


def test_empty_table(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("name,lon,lat\n", encoding="utf-8")
    read = assets_from_table(path, source="e", category="pub")
    assert read.loaded == 0 and read.rows_in == 0
    check_asset_frame(read.frame)
    check_asset_frame(empty_asset_frame())


# --------------------------------------------------------------------------- vector files


def test_vector_geojson_polygons_and_points(tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"DISTNAME": "St Mary's Church", "ID": "A1"},
            "geometry": {"type": "Polygon", "coordinates": [u_ring(-2.30, 53.45)]},
        },
        {
            "type": "Feature",
            "properties": {"DISTNAME": "Unknown", "ID": "A2"},
            "geometry": {"type": "Point", "coordinates": [-2.31, 53.46]},
        },
        {
            "type": "Feature",
            "properties": {"DISTNAME": "Nowhere", "ID": "A3"},
            "geometry": None,
        },
        {
            "type": "Feature",
            "properties": {"DISTNAME": "Null Island", "ID": "A4"},
            "geometry": {"type": "Point", "coordinates": [0.0, 0.0]},
        },
    ]
    path = tmp_path / "pow.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                "features": features,
            }
        )
    )
    read = assets_from_vector(path, source="pow", category="place_of_worship", id_column="ID")
    assert_standard(read)
    assert read.rows_in == 4
    assert read.rejected == {"no geometry": 1, "coordinates are (0, 0)": 1}
    assert read.frame["asset_id"].tolist() == ["pow:A1", "pow:A2"]
    assert read.frame["name"].tolist() == ["St Mary's Church", ""]
    u_polygon = in_bng(Polygon(u_ring(-2.30, 53.45)))
    assert not u_polygon.contains(u_polygon.centroid)
    assert u_polygon.contains(read.frame.geometry.iloc[0])
    x, y = bng(-2.31, 53.46)
    assert read.frame.geometry.iloc[1].x == pytest.approx(x, abs=1e-6)
    assert read.frame.geometry.iloc[1].y == pytest.approx(y, abs=1e-6)


def test_vector_warm_space_style_file(tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {
                "Address": "St Andrew's Church<br>Stanstead Abbotts, Herts SG12 8BU",
                "Postcode": "SG12 8BU",
            },
            "geometry": {"type": "Point", "coordinates": [0.00932, 51.78987]},
        },
        {
            "type": "Feature",
            "properties": {
                "Address": "Hadleigh Pool &amp; Leisure, Stonehouse Road Ipswich, IP7 5BH",
                "Postcode": "IP7 5BH",
            },
            "geometry": {"type": "Point", "coordinates": [0.95, 52.04]},
        },
        {
            "type": "Feature",
            "properties": {"Address": "Rue de Rivoli, Paris", "Postcode": "75001"},
            "geometry": {"type": "Point", "coordinates": [2.35, 48.85]},
        },
    ]
    path = tmp_path / "warm.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    read = assets_from_vector(path, source="warm", category="warm_space")
    assert_standard(read)
    assert read.frame["name"].tolist() == ["St Andrew's Church", "Hadleigh Pool & Leisure"]
    assert read.frame["address"].tolist() == [
        "St Andrew's Church, Stanstead Abbotts, Herts SG12 8BU",
        "Hadleigh Pool & Leisure, Stonehouse Road Ipswich, IP7 5BH",
    ]
    assert read.rejected == {"outside the UK": 1}


def test_vector_bng_geopackage_and_zip(tmp_path):
    x, y = bng(-2.24, 53.48)
    frame = gpd.GeoDataFrame(
        {"name": ["Hall", "Field"], "type": ["hall", "field"], "capacity": [150, None]},
        geometry=[Point(x, y), Point(x + 100, y + 100).buffer(30)],
        crs="EPSG:27700",
    )
    gpkg = tmp_path / "assets.gpkg"
    frame.to_file(gpkg, layer="assets", engine="pyogrio")
    read = assets_from_vector(
        gpkg,
        source="gp",
        category_column="type",
        category_map={"hall": "community_centre", "field": "park"},
    )
    assert_standard(read)
    assert read.frame["category"].tolist() == ["community_centre", "park"]
    assert read.frame.geometry.iloc[0].x == pytest.approx(x, abs=1e-6)
    assert read.frame["capacity"].iloc[0] == 150.0
    assert Point(x + 100, y + 100).buffer(30).contains(read.frame.geometry.iloc[1])

    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame.iloc[:1].to_file(shp_dir / "assets.shp", engine="pyogrio")

    archive = tmp_path / "assets.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for file in shp_dir.iterdir():
            zf.write(file, f"folder/{file.name}")
    zipped = assets_from_vector(archive, source="z", category="community_centre")
    assert zipped.loaded == 1
    assert zipped.frame.geometry.iloc[0].x == pytest.approx(x, abs=1e-6)


def test_vector_refuses_linked_crs(tmp_path):
    path = tmp_path / "linked.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "link", "properties": {"href": "http://example.com/x"}},
                "features": [],
            }
        )
    )
    with pytest.raises(SchemaError, match="link"):
        assets_from_vector(path, source="l", category="pub")


# --------------------------------------------------------------------------- specs


def test_assets_from_spec(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "libs.csv").write_text("name,lon,lat\nA,-2.24,53.48\nB,-1.0,51.5\n", encoding="utf-8")
    spec = {
        "format": "table",
        "path": "libs.csv",
        "source": "libs",
        "category": "library",
        "licence": "OGL v3",
        "address_columns": [],
    }
    read = assets_from_spec(spec, base_dir=tmp_path / "data")
    assert_standard(read)
    assert read.frame["asset_id"].tolist() == ["libs:1", "libs:2"]
    boxed = assets_from_spec(spec, base_dir=folder, bbox_wgs84=[-2.5, 53.3, -2.0, 53.6])
    assert boxed.loaded == 1 and boxed.outside_area == 1
    overpass = folder / "op.json"
    overpass.write_text(
        json.dumps(
            {
                "elements": [
                    {"type": "node", "id": 1, "lat": 53.4, "lon": -2.2, "tags": {"amenity": "cafe"}}
                ]
            }
        )
    )
    op = assets_from_spec({"format": "overpass_json", "path": "op.json"}, base_dir=folder)
    assert op.frame["asset_id"].tolist() == ["osm:node/1"]
    with pytest.raises(ConfigError, match="format 'xlsx' is not known"):
        assets_from_spec({"format": "xlsx", "path": "libs.csv"}, base_dir=folder)
    with pytest.raises(ConfigError, match="unknown option"):
        assets_from_spec({**spec, "catgory": "pub"}, base_dir=folder)
    with pytest.raises(ConfigError, match="no path"):
        assets_from_spec({"format": "table"}, base_dir=folder)
    with pytest.raises(DataSourceError, match="not found"):
        assets_from_spec({**spec, "path": "nope.csv"}, base_dir=folder)


# --------------------------------------------------------------------------- real files


@pytest.mark.shared_data
def test_gm_libraries_csv_and_geojson(shared_data):
    csv_read = assets_from_table(
        shared_data / GM / "gm_libraries.csv", source="gm_libraries", category="library"
    )
    geo_read = assets_from_vector(
        shared_data / GM / "gm_libraries.geojson", source="gm_libraries", category="library"
    )
    for read in (csv_read, geo_read):
        assert_standard(read)
        assert read.rows_in == read.loaded == 141
        assert read.rejected == {}
        assert (read.frame["name"] != "").all()
        assert read.frame["asset_id"].iloc[16] == "gm_libraries:17"
    assert csv_read.frame["name"].tolist() == geo_read.frame["name"].tolist()
    assert csv_read.frame["address"].iloc[0] == (
        "Blackrod Library, Church Street, Blackrod, Bolton, BL6 5EQ"
    )
    distance = csv_read.frame.geometry.distance(geo_read.frame.geometry)
    assert distance.max() < 1.0
    lon, lat = lonlat(csv_read.frame)
    assert lon.min() > -2.8 and lon.max() < -1.9 and lat.min() > 53.3 and lat.max() < 53.7


@pytest.mark.shared_data
def test_gm_places_of_worship_polygons(shared_data):
    path = shared_data / GM / "gm_places_of_worship_RAW.geojson"
    read = assets_from_vector(path, source="gm_pow", category="place_of_worship")
    assert_standard(read)
    assert read.rows_in == read.loaded == 1620
    unnamed = (read.frame["name"] == "").sum()
    print("GM places of worship:", read.summary(), "unnamed", unnamed)
    assert unnamed == 458  # DISTNAME "Unknown"
    polygons = gpd.read_file(path).to_crs("EPSG:27700")
    assert polygons.geometry.contains(read.frame.geometry).all()
    # the same building appears twice under the same OS ID three times
    by_id = assets_from_vector(path, source="gm_pow", category="place_of_worship", id_column="ID")
    assert by_id.loaded == 1617 and by_id.rejected == {"duplicate": 3}


@pytest.mark.shared_data
def test_trafford_places_of_worship_without_crs_member(shared_data):
    path = shared_data / GM / "trafford_places_of_worship.geojson"
    read = assets_from_vector(path, source="trafford_pow", category="place_of_worship")
    assert_standard(read)
    assert read.loaded == 118
    polygons = gpd.read_file(path).to_crs("EPSG:27700")
    assert polygons.geometry.contains(read.frame.geometry).all()


@pytest.mark.shared_data
def test_gm_food_banks(shared_data):
    read = assets_from_vector(
        shared_data / GM / "gm_food_banks.geojson", source="gm_food_banks", category="food_bank"
    )
    assert_standard(read)
    assert read.loaded == 171
    assert (read.frame["address"] != "").all()


@pytest.mark.shared_data
def test_active_places_sports_facilities(shared_data):
    path = shared_data / GM / "sports_facilities.csv"
    per_facility = assets_from_table(
        path,
        source="active_places",
        category_column="facility_type",
        category_map=ACTIVE_PLACES_FACILITY_TYPES,
    )
    assert_standard(per_facility)
    assert per_facility.loaded == 314
    assert (per_facility.frame["category"] == "sports_leisure").all()
    tags = json.loads(per_facility.frame["tags"].iloc[0])
    assert tags["email"] == "NA" and tags["site_id"] == "1043459"
    per_site = assets_from_table(
        path, source="active_places", category="sports_leisure", id_column="site_id"
    )
    assert per_site.loaded == 171 and per_site.rejected == {"duplicate": 143}
    assert per_site.frame["asset_id"].iloc[0] == "active_places:1043459"


@pytest.mark.shared_data
def test_trafford_greenspace_sites(shared_data):
    read = assets_from_vector(
        shared_data / GM / "trafford_greenspace_sites.geojson",
        source="trafford_greenspace",
        category_column="site_type",
        category_map=GREENSPACE_SITE_TYPES,
    )
    assert_standard(read)
    counts = read.frame["category"].value_counts().to_dict()
    print("Trafford greenspace:", read.summary(), counts)
    assert counts == {"sports_leisure": 120, "park": 37, "community_garden": 33}
    assert read.rejected == {"category not mapped": 237}
    polygons = gpd.read_file(shared_data / GM / "trafford_greenspace_sites.geojson")
    mapped = polygons[polygons["site_type"].isin(list(GREENSPACE_SITE_TYPES))]
    mapped = mapped.to_crs("EPSG:27700").reset_index(drop=True)
    assert mapped.geometry.contains(read.frame.geometry).all()


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("name", "category", "rows"),
    [
        ("trafford_allotments.csv", "community_garden", 35),
        ("trafford_general_practices.csv", "health", 26),
    ],
)
def test_trafford_tables(shared_data, name, category, rows):
    read = assets_from_table(shared_data / GM / name, source="trafford", category=category)
    assert_standard(read)
    assert read.loaded == read.rows_in == rows
    assert (read.frame["name"] != "").all()


@pytest.mark.shared_data
def test_warm_spaces(shared_data):
    path = shared_data / "warm_spaces" / "brc_warm_spaces_2022-12-05.geojson"
    read = assets_from_vector(path, source="brc_warm_spaces", category="warm_space")
    assert_standard(read)
    print("Warm spaces:", read.summary())
    assert read.rows_in == 3281
    assert read.rows_in == read.loaded + sum(read.rejected.values()) + read.outside_area
    # this snapshot has no point outside the UK box; the test above with a
    # Paris point shows such points are rejected
    assert read.rejected.get("outside the UK", 0) == 3281 - read.loaded
    lon, lat = lonlat(read.frame)
    west, south, east, north = UK_BOUNDS_WGS84
    assert ((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)).all()
    assert (read.frame["name"] != "").all()
    assert not read.frame["name"].str.contains("<|&amp;").any()
    assert read.frame["name"].iloc[0] == "Market Place Bishop Auckland"
    greater_manchester = assets_from_vector(
        path, source="brc", category="warm_space", bbox_wgs84=(-2.73, 53.33, -1.91, 53.69)
    )
    print("GM warm spaces:", greater_manchester.summary())
    assert 20 <= greater_manchester.loaded <= 400


@pytest.mark.shared_data
def test_spec_on_real_file(shared_data):
    read = assets_from_spec(
        {
            "format": "table",
            "path": str(GM / "gm_libraries.csv"),
            "source": "gm_libraries",
            "category": "library",
        },
        base_dir=shared_data,
    )
    assert read.loaded == 141
    pbf = assets_from_spec(
        {
            "format": "osm_pbf",
            "path": "osm_rutland/rutland-latest.osm.pbf",
            "source": "osm_rutland_pbf",
        },
        base_dir=shared_data,
    )
    assert pbf.loaded >= 280 and (pbf.frame["source"] == "osm_rutland_pbf").all()
