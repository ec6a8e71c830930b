"""Boundaries and centroids: any layout in, EPSG:27700 frames indexed by code out."""

from __future__ import annotations

import gzip
import json
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.errors import SchemaError
from geo.sources.boundaries import (
    polygonal,
    read_lad_boundaries,
    read_lsoa21_boundaries,
    read_lsoa21_centroids,
)
from geo.sources.lookups import read_lsoa21_lookup

# Two squares near Manchester (lon/lat), the second a self-intersecting bow-tie.
SQUARE = [[-2.25, 53.47], [-2.24, 53.47], [-2.24, 53.48], [-2.25, 53.48], [-2.25, 53.47]]
BOWTIE = [[-2.23, 53.47], [-2.22, 53.48], [-2.22, 53.47], [-2.23, 53.48], [-2.23, 53.47]]


def _collection(code_field="LSOA21CD", name_field="LSOA21NM", codes=("E01005061", "E01005063")):
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {code_field: codes[0], name_field: "Manchester 018A", "FID": 1},
                "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
            },
            {
                "type": "Feature",
                "properties": {code_field: codes[1], name_field: "Manchester 018C", "FID": 2},
                "geometry": {"type": "Polygon", "coordinates": [BOWTIE]},
            },
        ],
    }


def _check_output(frame, index="lsoa21cd", name="lsoa21nm"):
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs.to_epsg() == 27700
    assert frame.index.name == index
    assert list(frame.columns) == [name, "geometry"]
    assert frame.geometry.is_valid.all()
    assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
    minx, miny, maxx, maxy = frame.total_bounds
    assert 380_000 < minx < maxx < 390_000 and 395_000 < miny < maxy < 400_000


def test_official_geojson_file_reprojected_and_repaired(tmp_path):
    path = tmp_path / "lsoa.geojson"
    path.write_text(json.dumps(_collection()))
    frame = read_lsoa21_boundaries(path)
    _check_output(frame)
    assert frame.loc["E01005061", "lsoa21nm"] == "Manchester 018A"
    # The bow-tie becomes two triangles (a MultiPolygon) of half the box's area each.
    fixed = frame.loc["E01005063", "geometry"]
    assert fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 2


def test_gzip_bytes_dict_and_trafford_layout_agree(tmp_path):
    gz = tmp_path / "lsoa.geojson.gz"
    gz.write_bytes(gzip.compress(json.dumps(_collection("lsoa21_code", "lsoa21_name")).encode()))
    from_gz = read_lsoa21_boundaries(gz)
    from_bytes = read_lsoa21_boundaries(json.dumps(_collection()).encode())
    from_dict = read_lsoa21_boundaries(_collection("area_code", "area_name"))
    for frame in (from_gz, from_bytes, from_dict):
        _check_output(frame)
        assert list(frame.index) == ["E01005061", "E01005063"]
    assert from_gz.geom_equals_exact(from_dict.geometry, tolerance=1e-6).all()


def test_codes_filter_and_missing_codes(tmp_path):
    frame = read_lsoa21_boundaries(_collection(), codes=["E01005063", "E01999999"])
    assert list(frame.index) == ["E01005063"]
    assert frame.attrs["missing_codes"] == ["E01999999"]
    with pytest.raises(SchemaError, match="not an area code"):
        read_lsoa21_boundaries(_collection(), codes=["E01005063' OR 1=1 --"])


def test_missing_code_column_names_it(tmp_path):
    path = tmp_path / "nocode.geojson"
    path.write_text(json.dumps(_collection("OBJECTID", "NAME")))
    with pytest.raises(SchemaError) as err:
        read_lsoa21_boundaries(path)
    message = str(err.value)
    assert "nocode.geojson" in message and "'code'" in message and "LSOA21CD" in message
    assert "'OBJECTID'" in message  # the columns found


def test_duplicate_codes_rejected():
    with pytest.raises(SchemaError, match="duplicated"):
        read_lsoa21_boundaries(_collection(codes=("E01005061", "E01005061")))


def test_lad_boundaries_latest_year_wins():
    answer = _collection("LAD22CD", "LAD22NM", codes=("E08000001", "E08000003"))
    for feature, code, name in zip(
        answer["features"], ("E08000009", "E08000003"), ("Trafford", "Manchester"), strict=True
    ):
        feature["properties"]["LAD24CD"] = code
        feature["properties"]["LAD24NM"] = name
    frame = read_lad_boundaries(answer, codes=["E08000009"])
    _check_output(frame, index="lad_code", name="lad_name")
    assert frame.index.tolist() == ["E08000009"]
    assert frame["lad_name"].tolist() == ["Trafford"]


def test_polygonal_keeps_only_polygon_parts():
    line_and_square = shapely.GeometryCollection(
        [shapely.box(0, 0, 1, 1), shapely.LineString([(2, 2), (3, 3)])]
    )
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    out = polygonal([bowtie, shapely.box(0, 0, 1, 1), None])
    assert out[0].geom_type == "MultiPolygon" and out[0].area == pytest.approx(0.5)
    assert out[1].equals(shapely.box(0, 0, 1, 1))
    assert out[2] is None
    from geo.sources.boundaries import _keep_polygons

    assert _keep_polygons(line_and_square).equals(shapely.box(0, 0, 1, 1))
    assert _keep_polygons(shapely.LineString([(0, 0), (1, 1)])) is None


def test_centroids_from_csv_bng_latlong_and_swapped(tmp_path):
    bng = tmp_path / "pwc.csv"
    bng.write_text(
        "\ufeffX,Y,FID,LSOA21CD,GlobalID\n"
        "532181.764,181792.282,1,E01000001,a\n"
        "386256.803,397114.644,2,E01005061,b\n"
    )
    points = read_lsoa21_centroids(bng)
    assert points.crs.to_epsg() == 27700
    assert points.index.name == "lsoa21cd"
    assert points.loc["E01000001"].x == pytest.approx(532181.764)
    lonlat = tmp_path / "ll.csv"
    lonlat.write_text("LSOACD,latitude,longitude\nE01005061,53.47,-2.25\n")
    swapped = tmp_path / "sw.csv"
    swapped.write_text("LSOA21CD,lat,long\nE01005061,-2.25,53.47\n")
    a = read_lsoa21_centroids(lonlat)
    b = read_lsoa21_centroids(swapped)
    assert a.loc["E01005061"].distance(b.loc["E01005061"]) < 0.01
    assert 380_000 < a.loc["E01005061"].x < 390_000


def test_centroids_from_geojson_answer():
    answer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"FID": 1, "LSOA21CD": "E01005061", "GlobalID": "x"},
                "geometry": {"type": "Point", "coordinates": [-2.25, 53.47]},
            }
        ],
    }
    points = read_lsoa21_centroids(json.dumps(answer).encode(), codes=["E01005061"])
    assert points.crs.to_epsg() == 27700 and len(points) == 1
    assert points.geom_type.tolist() == ["Point"]


def test_centroids_need_coordinates(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("LSOA21CD,name\nE01005061,x\n")
    with pytest.raises(SchemaError, match="x/y or longitude/latitude"):
        read_lsoa21_centroids(path)


# ---------------------------------------------------------------- real files

FOCUS = {"E08000003": 295, "E08000009": 139, "E06000009": 94, "E07000046": 38}
RUTLAND = "E06000017"


@pytest.fixture(scope="module")
def lookup(shared_data):
    return read_lsoa21_lookup(shared_data / "lookups/geographr_lookup_lsoa21_ward24_ltla24.csv")


@pytest.mark.shared_data
def test_real_national_lsoa21_boundaries(shared_data, lookup):
    path = shared_data / "boundaries/national_geographr/boundaries_lsoa21.geojson.gz"
    start = time.perf_counter()
    national = read_lsoa21_boundaries(path)
    elapsed = time.perf_counter() - start
    print(f"national LSOA 2021 boundaries: {len(national)} polygons in {elapsed:.1f} s")
    assert len(national) == 35_672
    assert national.crs.to_epsg() == 27700
    assert national.geometry.is_valid.all()
    assert set(national.index) == set(lookup.index)
    wanted = list(lookup.index[lookup["lad_code"].isin([*FOCUS, RUTLAND])])
    start = time.perf_counter()
    subset = read_lsoa21_boundaries(path, codes=wanted)
    print(f"five authorities from the national file: {time.perf_counter() - start:.1f} s")
    assert sorted(subset.index) == sorted(wanted)
    assert subset.attrs["missing_codes"] == []
    pd.testing.assert_series_equal(subset["lsoa21nm"], national.loc[subset.index, "lsoa21nm"])


@pytest.mark.shared_data
@pytest.mark.parametrize("lad", sorted(FOCUS))
def test_real_drkane_files_cover_each_authority(shared_data, lookup, lad):
    frame = read_lsoa21_boundaries(shared_data / f"boundaries/drkane_by_lad/lsoa/{lad}.geojson")
    expected = set(lookup.index[lookup["lad_code"] == lad])
    assert len(frame) == FOCUS[lad]
    assert set(frame.index) == expected
    assert frame.crs.to_epsg() == 27700 and frame.geometry.is_valid.all()
    assert frame["lsoa21nm"].notna().all()


@pytest.mark.shared_data
def test_real_trafford_data_lab_lsoa_and_lad(shared_data, lookup):
    folder = shared_data / "boundaries/greater_manchester_trafforddatalab"
    gm = read_lsoa21_boundaries(folder / "lsoa_2021_gm_lsoa_generalised.geojson")
    assert len(gm) == 1_702 and gm.index.isin(lookup.index).all()
    las = read_lad_boundaries(
        folder / "local_authority_2023_gm_local_authority_generalised.geojson"
    )
    assert {"E08000003", "E08000009"} <= set(las.index)
    assert las.loc["E08000003", "lad_name"] == "Manchester"


@pytest.mark.shared_data
def test_real_lad_boundaries(shared_data):
    las = read_lad_boundaries(
        shared_data / "boundaries/national_geographr/boundaries_ltla24.geojson"
    )
    assert len(las) == 361 and las.crs.to_epsg() == 27700
    assert {*FOCUS, RUTLAND} <= set(las.index)
    assert las.loc[RUTLAND, "lad_name"] == "Rutland"
    # Rutland is ~382 km² (ONS Standard Area Measurements: 38,175 ha incl. water).
    assert 350e6 < las.loc[RUTLAND].geometry.area < 420e6


@pytest.mark.shared_data
def test_real_population_weighted_centroids(shared_data, lookup):
    path = shared_data / "lsoa21_pop_weighted_centroids/LSOA_PopCentroids_EW_2021_V3.shp"
    start = time.perf_counter()
    points = read_lsoa21_centroids(path)
    print(f"LSOA 2021 centroids: {len(points)} points in {time.perf_counter() - start:.2f} s")
    assert len(points) == 35_672 and points.crs.to_epsg() == 27700
    assert set(points.index) == set(lookup.index)
    assert (points.geom_type == "Point").all()
    wanted = lookup.index[lookup["lad_code"].isin([*FOCUS, RUTLAND])]
    subset = read_lsoa21_centroids(path, codes=wanted)
    assert sorted(subset.index) == sorted(wanted)
    # E01000001 (City of London) from SOURCES.md's reading of the shapefile.
    assert subset.get("E01000001") is None
    assert points.loc["E01000001"].x == pytest.approx(532181.764, abs=0.01)


@pytest.mark.shared_data
def test_real_centroids_fall_in_their_authority(shared_data, lookup):
    """Population-weighted centroids of Trafford's LSOAs lie inside their ONS (BGC) polygons."""
    polygons = read_lsoa21_boundaries(
        shared_data / "boundaries/drkane_by_lad/lsoa/E08000009.geojson"
    )
    points = read_lsoa21_centroids(
        shared_data / "lsoa21_pop_weighted_centroids/LSOA_PopCentroids_EW_2021_V3.shp",
        codes=polygons.index,
    )
    inside = polygons.geometry.contains(points.reindex(polygons.index))
    assert inside.mean() > 0.95
