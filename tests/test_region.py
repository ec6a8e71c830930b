"""Assembling a study region, on a tiny hand-made mirror and on the real one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.config import Settings
from geo.errors import AreaNotFoundError, OfflineError
from geo.region import load_region, resolve_area
from tests.tiny_mirror import OTHERBY, TESTHAM, X0, Y0, write_mirror

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def tiny(tmp_path):
    sources = write_mirror(tmp_path / "mirror")
    return Settings(sources_file=sources, offline=True, cache_dir=tmp_path / "cache")


def _lookup() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lsoa21nm": ["A 001A", "B 001A", "C 001A", "W 001A"],
            "ward_code": ["w1", "w2", "w3", "w4"],
            "ward_name": ["W1", "W2", "W3", "W4"],
            "lad_code": ["E08000003", "E08000009", "E06000009", "W06000024"],
            "lad_name": ["Manchester", "Trafford", "Blackpool", "Merthyr Tydfil"],
        },
        index=pd.Index(["E01000001", "E01000002", "E01000003", "W01000001"], name="lsoa21cd"),
    )


def test_resolve_area_by_code_name_list_and_england():
    lookup = _lookup()
    assert resolve_area("E08000003", lookup).lad_codes == ("E08000003",)
    assert resolve_area("manchester", lookup).name == "Manchester"
    assert resolve_area("  TRAFFORD ", lookup).lad_codes == ("E08000009",)
    both = resolve_area("Manchester, e08000009", lookup)
    assert both.lad_codes == ("E08000003", "E08000009")
    assert both.name == "Manchester and Trafford"
    england = resolve_area("England", lookup)
    assert set(england.lad_codes) == {"E08000003", "E08000009", "E06000009"}


def test_unknown_area_suggests_close_matches():
    with pytest.raises(AreaNotFoundError, match="Did you mean: Manchester"):
        resolve_area("Manchestr", _lookup())
    with pytest.raises(AreaNotFoundError, match="python -m geo areas"):
        resolve_area("Atlantis", _lookup())
    with pytest.raises(AreaNotFoundError, match="not a local authority code"):
        resolve_area("E08999999", _lookup())


def test_tiny_region_is_assembled_with_provenance(tiny):
    region = load_region("Testham", settings=tiny)
    areas = region.areas
    assert region.lad_codes == (TESTHAM,)
    assert list(areas.index) == [f"E019000{i:02d}" for i in range(1, 10)]
    assert areas.crs.to_epsg() == 27700
    assert areas.geometry.area.round().eq(1_000_000).all()
    assert (areas["lad_name"] == "Testham").all()
    # population from TS001 and IMD from IoD2025, equal to the files' values
    assert areas.loc["E01900001", "population"] == 1000
    assert areas.loc["E01900009", "population"] == 1800
    assert areas.loc["E01900003", "imd_score"] == pytest.approx(12.0)
    assert areas.loc["E01900003", "imd_decile"] == 8
    # centroids come from the population-weighted centroid file
    assert (areas["point_source"] == "population-weighted centroid").all()
    assert areas.loc["E01900001", "point_x"] == pytest.approx(X0 + 500)
    assert areas.loc["E01900001", "point_y"] == pytest.approx(Y0 + 500)
    # every dataset used has a provenance record with its rows
    used = {r.dataset: r for r in region.provenance}
    assert {"lsoa21_lookup", "lsoa21_boundaries", "lsoa21_centroids", "iod2025"} <= set(used)
    assert used["lsoa21_boundaries"].rows == 9
    assert used["iod2025"].origin == "local file"
    assert len(used["iod2025"].sha256) == 64
    # offline, datasets without local copies are named, never invented
    missing = {u.dataset for u in region.unavailable}
    assert {"iod2019", "census_ts003", "osm_assets"} <= missing
    assert "pct_one_person_hh" not in areas


def test_assets_over_the_border_are_kept_and_far_ones_dropped(tiny):
    region = load_region("Testham", settings=tiny)
    assets = region.assets.set_index("name")
    assert set(assets.index) == {"Testham Library", "Corner Library", "Over The Border Library"}
    assert bool(assets.loc["Testham Library", "in_region"]) is True
    assert bool(assets.loc["Over The Border Library", "in_region"]) is False
    assert (assets["category"] == "library").all()
    rec = next(r for r in region.provenance if r.dataset == "test_libraries")
    assert rec.rows == 3
    assert rec.attribution == "Test attribution"


def test_two_authorities_and_missing_centroid_fallback(tmp_path):
    sources = write_mirror(tmp_path / "m")
    text = (tmp_path / "m" / "centroids.csv").read_text().splitlines()
    (tmp_path / "m" / "centroids.csv").write_text(
        "\n".join(line for line in text if "E01900010" not in line) + "\n"
    )
    settings = Settings(sources_file=sources, offline=True, cache_dir=tmp_path / "c")
    region = load_region(f"{TESTHAM},{OTHERBY}", settings=settings)
    assert len(region.areas) == 10
    other = region.areas.loc["E01900010"]
    assert other["point_source"] == "point inside polygon"
    assert any("no population-weighted centroid" in n for n in region.notes)
    # IoD2025 has no row for it: missing, not zero
    assert np.isnan(other["imd_score"])


def test_offline_without_required_data_names_each_missing_dataset(tmp_path):
    sources = tmp_path / "s.toml"
    sources.write_text('[datasets.lsoa21_lookup]\npath = "nowhere.csv"\n')
    settings = Settings(sources_file=sources, offline=True, cache_dir=tmp_path / "c")
    with pytest.raises(OfflineError) as info:
        load_region("Manchester", settings=settings)
    message = str(info.value)
    assert "lsoa21_lookup" in message and "nowhere.csv" in message
    assert "sources file" in message


SHARED_AREAS = {
    "E08000003": 295,  # Manchester
    "E08000009": 139,  # Trafford
    "E06000009": 94,  # Blackpool
    "E07000046": 38,  # Torridge
}


@pytest.mark.shared_data
@pytest.mark.parametrize(("code", "n_lsoa"), sorted(SHARED_AREAS.items()))
def test_shared_authority_is_complete(shared_settings, code, n_lsoa):
    region = load_region(code, settings=shared_settings)
    areas = region.areas
    assert len(areas) == n_lsoa
    assert areas.index.is_unique
    for column in ("lsoa21nm", "lad_name", "population", "imd_score", "imd_decile"):
        assert areas[column].notna().all(), column
    assert (areas["point_source"] == "population-weighted centroid").all()
    assert areas["iod2019_imd_score"].notna().all()
    assert areas["pct_one_person_66plus"].between(0, 1).all()
    # OpenStreetMap (community places and place names) is only in the mirror for Rutland
    osm = {"osm_assets", "osm_places"}
    assert not region.unavailable or {u.dataset for u in region.unavailable} <= osm
    assert len(region.assets) > 0
    assert set(region.assets.columns) >= {"asset_id", "name", "category", "source", "in_region"}


@pytest.mark.shared_data
def test_shared_rutland_uses_the_osm_extract(shared_settings):
    region = load_region("Rutland", settings=shared_settings)
    assert region.lad_codes == ("E06000017",)
    assert len(region.areas) > 0 and region.areas["imd_score"].notna().all()
    sources = set(region.assets["source"])
    assert "osm_assets" in sources
    categories = set(region.assets.loc[region.assets["source"] == "osm_assets", "category"])
    assert {"place_of_worship", "pub", "library", "community_centre"} <= categories
    assert not {u.dataset for u in region.unavailable}


def test_assembled_region_is_cached_and_invalidated_when_a_file_changes(tiny, tmp_path):
    import os
    import time

    first = load_region("Testham", settings=tiny)
    again = load_region("Testham", settings=tiny)
    pd.testing.assert_frame_equal(
        pd.DataFrame(first.areas.drop(columns="geometry")),
        pd.DataFrame(again.areas.drop(columns="geometry")),
    )
    assert again.areas.geometry.geom_equals(first.areas.geometry).all()
    assert again.provenance == first.provenance
    assert again.notes == first.notes
    # a changed local file (here the IoD values) makes the cache stale
    iod = tmp_path / "mirror" / "iod2025.csv"
    text = iod.read_text().replace("E01900001,10.0", "E01900001,55.5")
    iod.write_text(text)
    later = time.time() + 5
    os.utime(iod, (later, later))
    changed = load_region("Testham", settings=tiny)
    assert changed.areas.loc["E01900001", "imd_score"] == pytest.approx(55.5)


def test_damaged_region_cache_is_rebuilt(tiny):
    load_region("Testham", settings=tiny)
    for path in Path(tiny.cache_dir).rglob("*areas*.parquet"):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    region = load_region("Testham", settings=tiny)
    assert len(region.areas) == 9
