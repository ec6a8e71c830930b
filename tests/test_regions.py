"""Each small area's ONS region: from the boundaries' RGNCD, else the authority's region."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.regionnames import REGION_NAMES, REGION_NOT_KNOWN, region_name, region_names
from geo.sources.boundaries import read_lsoa21_boundaries
from geo.sources.lookups import read_lad_regions


def test_the_nine_regions_have_their_ons_codes_and_names():
    assert sorted(REGION_NAMES) == [f"E1200000{i}" for i in range(1, 10)]
    assert region_name("e12000007") == "London"
    assert region_name("W92000004") is None
    assert region_name(None) is None
    names = region_names(pd.Series(["E12000001", None, "E12000009"]))
    assert names.iloc[0] == "North East" and pd.isna(names.iloc[1])
    assert names.iloc[2] == "South West"
    assert REGION_NOT_KNOWN == "region not known"


def _boundaries(tmp_path, region: str | None):
    frame = gpd.GeoDataFrame(
        {"LSOA21CD": ["E01000001", "E01000002"], "LSOA21NM": ["A 001A", "A 001B"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs="EPSG:27700",
    )
    if region is not None:
        frame["RGNCD"] = [region, None]
    path = tmp_path / "b.geojson"
    frame.to_file(path, driver="GeoJSON")
    return path


def test_boundaries_carry_rgncd_as_region_code(tmp_path):
    read = read_lsoa21_boundaries(_boundaries(tmp_path, "E12000003"))
    assert read["region_code"].iloc[0] == "E12000003"
    assert pd.isna(read["region_code"].iloc[1])
    assert "region_code" not in read_lsoa21_boundaries(_boundaries(tmp_path, None))


def test_authority_to_region_lookup_reads_ons_and_all_codes_layouts(tmp_path):
    ons = tmp_path / "ons.csv"
    ons.write_text(
        "LAD24CD,LAD24NM,RGN24CD,RGN24NM\nE06000017,Rutland,E12000004,East Midlands\n"
        "E08000003,Manchester,E12000002,North West\n",
        encoding="utf-8",
    )
    read = read_lad_regions(ons)
    assert read.to_dict() == {"E06000017": "E12000004", "E08000003": "E12000002"}
    wales = tmp_path / "all.csv"
    wales.write_text("LADCD,RGNCD\nW06000001,\nE09000001,E12000007\n", encoding="utf-8")
    assert read_lad_regions(wales).to_dict() == {"E09000001": "E12000007"}


def test_real_lookup_gives_each_english_authority_one_region(shared_data):
    read = read_lad_regions(shared_data / "lookups" / "drkane_la_all_codes.csv")
    raw = pd.read_csv(shared_data / "lookups" / "drkane_la_all_codes.csv", dtype=str)
    english = raw[raw["RGNCD"].fillna("").str.startswith("E12")]
    assert set(read.index) == set(english["LADCD"])
    assert read["E06000017"] == "E12000004"  # Rutland, East Midlands
    assert set(read) == set(REGION_NAMES)


def _expected_region(shared_data, lad: str) -> str:
    """Rutland's region as the ONS lookup file says (read here with pandas)."""
    raw = pd.read_csv(shared_data / "lookups" / "drkane_la_all_codes.csv", dtype=str)
    return str(raw.loc[raw["LADCD"] == lad, "RGNNM"].iloc[0])


def test_region_reaches_the_result_and_the_export(rutland_settings, shared_data, tmp_path):
    from geo import exports
    from geo.pipeline import run_analysis

    result = run_analysis("E06000017", settings=rutland_settings)
    table = result.table()
    assert list(table.columns[:8])[-2:] == ["region_code", "region_name"]
    path = exports.write_table(table, tmp_path / "out.csv")
    back = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert set(back["region_name"]) == {_expected_region(shared_data, "E06000017")}
    assert set(back["region_code"]) == {"E12000004"}


def test_an_area_without_region_data_says_so(tmp_path):
    from geo.config import Settings
    from geo.region import load_region
    from tests.tiny_mirror import TESTHAM, write_mirror

    settings = Settings(
        sources_file=write_mirror(tmp_path / "mirror"), offline=True, cache_dir=tmp_path / "c"
    )
    region = load_region(TESTHAM, settings=settings, use_cache=False)
    assert region.areas["region_code"].isna().all()
    assert region.areas["region_name"].isna().all()
    assert any("region is not known for 9 small area" in note for note in region.notes)


def test_the_demo_knows_rutland_is_in_the_east_midlands(demo_settings):
    from geo.region import load_region

    region = load_region("E06000017", settings=demo_settings, use_cache=False)
    assert set(region.areas["region_name"]) == {"East Midlands"}


@pytest.mark.parametrize("lad", ["E08000003"])
def test_per_authority_boundaries_give_the_region(shared_settings, shared_data, lad):
    from geo.region import load_region

    region = load_region(lad, settings=shared_settings)
    assert set(region.areas["region_name"]) == {_expected_region(shared_data, lad)}
