"""OpenStreetMap place names: read from every form OSM arrives in, carried on the region."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.region import load_region
from geo.sources.osm_places import (
    PLACE_KINDS,
    nearest_place,
    overpass_places_query,
    places_from_geofabrik_shp_zip,
    places_from_osm_pbf,
    places_from_overpass_json,
)

RUTLAND = "E06000017"


def _towns(places: gpd.GeoDataFrame) -> set[str]:
    return set(places.loc[places["kind"] == "town", "name"])


def test_rutland_region_carries_its_towns_and_villages(rutland_settings):
    region = load_region(RUTLAND, settings=rutland_settings)
    places = region.places
    assert places.crs.to_epsg() == 27700
    assert {"Oakham", "Uppingham"} <= _towns(places)
    assert _towns(places) == {"Oakham", "Uppingham"}  # Rutland has two towns
    assert set(places["kind"]) <= set(PLACE_KINDS)
    assert (places["kind"] == "village").sum() >= 40
    assert places["name"].str.len().gt(0).all() and places["osm_id"].is_unique
    # the points lie in Rutland (its areas grown by the buffer)
    inside = places.geometry.within(region.areas.union_all().buffer(5000))
    assert inside.all()
    record = next(r for r in region.provenance if r.dataset == "osm_places")
    assert record.licence == "ODbL-1.0" and record.rows == len(places)
    # the cached region gives the same places back
    again = load_region(RUTLAND, settings=rutland_settings)
    assert list(again.places["name"]) == list(places["name"])


def test_the_extract_and_the_shapefile_bundle_agree_on_rutland(shared_data):
    folder = shared_data / "osm_rutland"
    from_pbf = places_from_osm_pbf(folder / "rutland-latest.osm.pbf")
    from_shp = places_from_geofabrik_shp_zip(folder / "rutland-latest-free.shp.zip")
    assert _towns(from_pbf) == _towns(from_shp) == {"Oakham", "Uppingham"}
    # farms, isolated dwellings and localities are not place names people search for
    assert set(from_shp["kind"]) <= set(PLACE_KINDS)
    villages = set(from_pbf.loc[from_pbf["kind"] == "village", "name"])
    assert {"Ketton", "Cottesmore", "Braunston in Rutland"} <= villages
    oakham = from_pbf[from_pbf["name"] == "Oakham"].geometry.iloc[0]
    oakham_shp = from_shp[from_shp["name"] == "Oakham"].geometry.iloc[0]
    assert oakham.distance(oakham_shp) < 5  # the same node, metres apart at most


def test_overpass_query_and_answer():
    query = overpass_places_query((-0.8, 52.5, -0.4, 52.8))
    assert query.startswith("[out:json]")
    assert 'node["place"~"^(city|town|suburb|village|quarter|neighbourhood|hamlet)$"]' in query
    assert "(52.5,-0.8,52.8,-0.4)" in query
    answer = {
        "elements": [
            {
                "type": "node",
                "id": 1,
                "lat": 52.67,
                "lon": -0.73,
                "tags": {"place": "town", "name": "Oakham"},
            },
            {
                "type": "node",
                "id": 2,
                "lat": 52.6,
                "lon": -0.6,
                "tags": {"place": "farm", "name": "Home Farm"},
            },
            {"type": "node", "id": 3, "lat": 52.6, "lon": -0.6, "tags": {"place": "village"}},
            {"type": "way", "id": 4, "tags": {"place": "town", "name": "Way Town"}},
        ]
    }
    places = places_from_overpass_json(answer)
    assert list(places["name"]) == ["Oakham"] and list(places["osm_id"]) == ["osm:node/1"]
    assert 480_000 < places.geometry.iloc[0].x < 490_000


def test_nearest_place_names_the_closest_within_reach():
    places = gpd.GeoDataFrame(
        {"name": ["Alpha", "Beta"], "kind": ["town", "village"], "osm_id": ["a", "b"]},
        geometry=[shapely.Point(0, 0), shapely.Point(1000, 0)],
        crs=27700,
    )
    points = gpd.GeoSeries(
        [shapely.Point(100, 0), shapely.Point(900, 50), shapely.Point(50_000, 0)],
        index=["p", "q", "far"],
        crs=27700,
    )
    found = nearest_place(points, places, max_m=5000)
    assert list(found["place"]) == ["Alpha", "Beta", ""]
    assert found.loc["p", "distance_m"] == pytest.approx(100)
    assert found.loc["far", "kind"] == ""


def test_search_finds_rutland_towns_by_name(rutland_settings):
    from geo.search import SearchIndex, region_places
    from geo.sources.access import DataAccess

    region = load_region(RUTLAND, settings=rutland_settings)
    lookup = DataAccess(rutland_settings).lsoa21_lookup().frame
    index = SearchIndex(lookup, places=region_places(region))
    found = index.search("oakham")
    # exact names first: Mansfield's ward called Oakham, then the town (wards come before
    # places within a rank), then Rutland's wards named after the town
    town = next(m for m in found if m.kind == "place")
    assert found.index(town) <= 1 and town.label == "Oakham — town in Rutland"
    assert town.lad_code == RUTLAND
    (code,) = town.lsoa_codes
    x, y = town.point
    assert region.areas.geometry.loc[code].contains(shapely.Point(x, y))
    assert any(m.kind == "ward" and m.label.startswith("Oakham North") for m in found)
    assert any(m.kind == "place" and m.code == "Uppingham" for m in index.search("Uppingham")[:2])
