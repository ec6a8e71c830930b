"""Finding a place by name, code or postcode, and the places within a walk of it."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.nearby import places_near, summary
from geo.search import SearchIndex, fold, lsoa_finder, place_names, search


@pytest.fixture()
def lookup() -> pd.DataFrame:
    rows = [
        ("E01006100", "Trafford 019E", "E05000829", "Sale Moor", "E08000009", "Trafford"),
        ("E01006101", "Trafford 020A", "E05000830", "Sale Central", "E08000009", "Trafford"),
        ("E01006102", "Trafford 020B", "E05000830", "Sale Central", "E08000009", "Trafford"),
        ("E01005254", "Manchester 001A", "E05011000", "Moston", "E08000003", "Manchester"),
        ("E01013000", "Salford 001A", "E05000700", "Ordsall", "E08000006", "Salford"),
    ]
    frame = pd.DataFrame(
        rows, columns=["lsoa21cd", "lsoa21nm", "ward_code", "ward_name", "lad_code", "lad_name"]
    )
    return frame.set_index("lsoa21cd")


def test_fold_ignores_case_accents_and_punctuation():
    assert fold("  St.  Helen's—Élan ") == "st helen s élan".replace("é", "e")


def test_ward_names_are_found_exact_first(lookup):
    found = search("sale moor", lookup)
    assert found[0].kind == "ward" and found[0].code == "E05000829"
    assert found[0].lsoa_codes == ("E01006100",)
    assert found[0].lad_name == "Trafford"


def test_a_prefix_finds_wards_before_small_areas_and_other_authorities(lookup):
    found = search("Sale", lookup)
    kinds = [(m.kind, m.code) for m in found]
    # both wards start with "sale" ("Salford" does not); the shorter name comes first
    assert kinds[:2] == [("ward", "E05000829"), ("ward", "E05000830")]
    assert all(m.lad_name == "Trafford" for m in found)
    assert {m.code for m in found} == {"E05000829", "E05000830"}


def test_authorities_codes_and_lsoa_names(lookup):
    assert search("trafford", lookup)[0].kind == "authority"
    assert search("trafford", lookup)[0].lsoa_codes == ("E01006100", "E01006101", "E01006102")
    assert search("E01005254", lookup)[0].kind == "lsoa"
    assert search("Trafford 019E", lookup)[0].code == "E01006100"
    assert search("e08000003", lookup)[0].lad_name == "Manchester"
    assert search("nowhere at all", lookup) == []
    assert search("   ", lookup) == []


def test_places_from_openstreetmap_names_are_searchable(lookup):
    areas = gpd.GeoDataFrame(
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        index=pd.Index(["E01006100", "E01005254"], name="lsoa21cd"),
        crs=27700,
    )
    raw = pd.DataFrame(
        {"name": ["Sale", "Moston", "Elsewhere"], "kind": ["town", "suburb", "village"]}
        | {"x": [5.0, 15.0, 99.0], "y": [5.0, 5.0, 99.0]}
    )
    places = place_names(raw, areas)
    assert list(places["name"]) == ["Sale", "Moston"]
    index = SearchIndex(lookup, places=places)
    found = index.search("sale")
    assert found[0].kind == "place" and found[0].point == (5.0, 5.0)
    assert found[0].label == "Sale — town in Trafford"


def test_a_postcode_is_located_and_placed_in_its_small_area(lookup):
    areas = gpd.GeoDataFrame(
        geometry=[box(0, 0, 10, 10)], index=pd.Index(["E01006100"], name="lsoa21cd"), crs=27700
    )
    known = {"M33 7XX": (5.0, 5.0)}

    def locate(postcode):
        point = known.get(postcode)
        return point, "" if point else "postcode not found"

    found = search("m337xx", lookup, locate=locate, lsoa_of=lsoa_finder(areas))
    assert len(found) == 1
    assert found[0].kind == "postcode" and found[0].code == "M33 7XX"
    assert found[0].lsoa_codes == ("E01006100",)
    assert "Sale Moor, Trafford" in found[0].label
    assert search("M1 1AA", lookup, locate=locate) == []
    assert search("M33 7XX", lookup) == []  # no geocoder: no match


def _assets() -> gpd.GeoDataFrame:
    rows = [
        ("a", "Library", "library", 100.0),
        ("b", "Far library", "library", 1300.0),
        ("c", "The Crown", "pub", 600.0),
        ("d", "Hall", "community_centre", 50.0),
    ]
    return gpd.GeoDataFrame(
        {
            "asset_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "source": "test",
            "address": "",
        },
        geometry=[Point(400000 + r[3], 300000) for r in rows],
        crs=27700,
    )


def test_places_within_a_walk_by_category_with_minutes():
    near = places_near(_assets(), 400000.0, 300000.0, minutes=20, speed_m_s=1.0)
    assert set(near["asset_id"]) == {"a", "c", "d"}  # 1,300 m is beyond 1,200 m
    row = near.set_index("asset_id").loc["c"]
    assert row["distance_m"] == 600 and row["walk_min"] == pytest.approx(10.0)
    assert list(near["category_label"]) == sorted(near["category_label"])
    table = summary(near).set_index("category_label")
    assert table["places"].sum() == 3
    longer = places_near(_assets(), 400000.0, 300000.0, minutes=25)
    assert "b" in set(longer["asset_id"])
    assert places_near(_assets(), 400000.0, 300000.0, categories=("pub",))["name"].tolist() == [
        "The Crown"
    ]
    with pytest.raises(ValueError, match="positive"):
        places_near(_assets(), 0, 0, minutes=0)


@pytest.mark.shared_data
def test_the_national_lookup_finds_wards_authorities_and_small_areas(shared_settings):
    from geo.sources.access import DataAccess

    lookup = DataAccess(shared_settings).lsoa21_lookup().frame
    index = SearchIndex(lookup)
    sale_moor = index.search("Sale Moor")[0]
    assert (sale_moor.kind, sale_moor.lad_name) == ("ward", "Trafford")
    assert index.search("Trafford")[0].kind == "authority"
    assert len(index.search("Trafford")[0].lsoa_codes) == 139  # LSOA 2021
    moston = index.search("E01005254")[0]
    assert moston.kind == "lsoa" and moston.lad_name == "Manchester"
    sale = index.search("sale")
    trafford = [m for m in sale if m.kind == "ward" and m.lad_name == "Trafford"]
    assert sale[0] in trafford and len(trafford) >= 2
