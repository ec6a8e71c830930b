"""The online path end to end: a region assembled from the official web services.

The services are faked on 127.0.0.1 by :class:`tests.fake_web.FakeWeb` (ArcGIS
layers, gov.uk files, the Nomis API and Overpass, from the tiny mirror's
areas); the registry is ``geo/data/sources.toml`` pointed at the fake.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.config import Settings
from geo.errors import DataSourceError
from geo.net.cache import Cache
from geo.region import Region, load_region
from geo.sources.access import CENSUS_DATASETS, DataAccess
from geo.sources.census import TABLES
from geo.sources.registry import load_sources
from tests.fake_web import FakeWeb, fake_access, online_settings
from tests.fake_web_data import (
    BOUNDARIES,
    BRIDGE,
    CENTROIDS,
    LADS,
    LOOKUP,
    NOMIS_ROWS,
    REGIONS,
    TESTHAM_CODES,
    ts001_values,
    ts003_values,
)
from tests.helpers_http import Request
from tests.tiny_mirror import TESTHAM, X0, Y0

pytestmark = pytest.mark.usefixtures("small_nomis_pages")


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@dataclass
class Run:
    """The first online assembly of Testham, shared by the tests that only read it."""

    web: FakeWeb
    folder: Path
    settings: Settings
    access: DataAccess
    region: Region
    requests: list[Request]  # what the services were asked, in order


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> Iterator[Run]:
    folder = tmp_path_factory.mktemp("online")
    with FakeWeb() as fake:
        settings = online_settings(folder / "cache")
        access = fake_access(fake, folder, settings)
        region = _load(access, settings)
        yield Run(fake, folder, settings, access, region, list(fake.requests))


# The assembled-region cache (when the product has one) would answer a second
# run before any dataset is read; these tests are about the download cache.
_DOWNLOADS_ONLY = (
    {"use_cache": False} if "use_cache" in inspect.signature(load_region).parameters else {}
)


def _load(access: DataAccess, settings: Settings):
    return load_region("Testham", settings=settings, access=access, **_DOWNLOADS_ONLY)


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_region_is_assembled_from_the_official_services(first_run):
    web, access, region = first_run.web, first_run.access, first_run.region
    areas = region.areas

    assert region.lad_codes == (TESTHAM,)
    assert region.unavailable == ()
    assert list(areas.index) == TESTHAM_CODES
    assert areas.crs.to_epsg() == 27700
    assert areas.geometry.area.to_numpy() == pytest.approx([1_000_000] * 9, rel=1e-4)
    assert (areas["lad_name"] == "Testham").all()
    assert areas.loc["E01900007", "ward_name"] == "Testham North"
    assert areas.loc["E01900001", "lsoa21nm"] == "Testham 001A"

    # population-weighted centroids from the centroid layer
    assert (areas["point_source"] == "population-weighted centroid").all()
    assert areas.loc["E01900001", "point_x"] == pytest.approx(X0 + 500, abs=0.5)
    assert areas.loc["E01900009", "point_y"] == pytest.approx(Y0 + 2500, abs=0.5)

    # IoD2025 as served
    assert areas.loc["E01900003", "imd_score"] == pytest.approx(12.0)
    assert areas.loc["E01900003", "imd_decile"] == 8
    assert areas.loc["E01900002", "income_score"] == pytest.approx(0.02)

    # IoD2019 bridged from LSOA 2011: unchanged, split and merged areas
    assert areas.loc["E01900001", "iod2019_imd_score"] == pytest.approx(10.0)
    assert areas.loc["E01900003", "iod2019_imd_score"] == pytest.approx(30.0)
    assert areas.loc["E01900004", "iod2019_imd_score"] == pytest.approx(30.0)
    merged = (50.0 * 5000 + 60.0 * 6000) / 11000  # population-weighted mean
    assert areas.loc["E01900005", "iod2019_imd_score"] == pytest.approx(merged)
    assert areas.loc["E01900009", "iod2019_imd_score"] == pytest.approx(100.0)

    # Census from the Nomis API
    for i, code in enumerate(TESTHAM_CODES):
        assert areas.loc[code, "population"] == ts001_values(i)[0]
        total, one = ts003_values(i)[:2]
        assert areas.loc[code, "households"] == total
        assert areas.loc[code, "pct_one_person_hh"] == pytest.approx(one / total)
        assert areas.loc[code, "pct_one_person_66plus"] == pytest.approx((50 + i) / total)

    # assets from Overpass, categorised; the border one kept, the shop and the far one not
    assets = region.assets.set_index("name")
    assert set(assets.index) == {
        "Testham Library",
        "The Corner Arms",
        "St Test's Church",
        "Otherby Hall",
    }
    assert assets.loc["Testham Library", "category"] == "library"
    assert assets.loc["The Corner Arms", "category"] == "pub"
    assert assets.loc["St Test's Church", "category"] == "place_of_worship"
    assert assets.loc["Otherby Hall", "category"] == "community_centre"
    assert bool(assets.loc["Otherby Hall", "in_region"]) is False
    assert bool(assets.loc["Testham Library", "in_region"]) is True
    assert (region.assets["source"] == "osm_assets").all()

    # place names from their own Overpass query: the town inside the box, not the far city
    assert list(region.places["name"]) == ["Testham"]
    assert list(region.places["kind"]) == ["town"]
    assert region.places.crs.to_epsg() == 27700
    assert region.places.geometry.iloc[0].x == pytest.approx(X0 + 1000, abs=1)

    # provenance: every dataset downloaded, from this server
    used = {r.dataset: r for r in region.provenance}
    expected = {
        "lsoa21_lookup",
        "lsoa21_boundaries",
        "lsoa21_centroids",
        "iod2025",
        "iod2019",
        "lsoa11_lsoa21_lookup",
        "osm_assets",
        "osm_places",
        "lad_regions",
        *CENSUS_DATASETS,
    }
    assert set(used) == expected
    for name, rec in used.items():
        assert rec.origin == "download", name
        assert rec.location.startswith(web.url + "/"), (name, rec.location)
    assert used["lsoa21_boundaries"].location.endswith(f"/{BOUNDARIES}/FeatureServer/0")
    assert used["lsoa21_boundaries"].rows == 9
    assert used["lsoa21_lookup"].rows == 10
    assert used["iod2025"].location == access.dataset("iod2025").url
    assert used["iod2019"].location == access.dataset("iod2019").url
    assert len(used["iod2025"].sha256) == 64
    assert "/api/v01/dataset/NM_2021_1" in used["census_ts001"].location
    assert used["osm_assets"].location == f"{web.url}/overpass-api.de/api/interpreter"
    assert used["osm_assets"].rows == 4
    assert used["lad_regions"].location.endswith(f"/{REGIONS}/FeatureServer/0")
    assert set(region.areas["region_name"]) == {"North West"}


def test_layers_are_paged_and_filtered_as_the_services_expect(first_run, tmp_path):
    web, requests = first_run.web, first_run.requests

    def calls(service: str, requests: list[Request] = requests) -> dict[str, int]:
        reqs = [r for r in requests if f"/{service}/" in r.path]
        return {
            "info": sum(1 for r in reqs if r.params.get("f") == "pjson"),
            "count": sum(1 for r in reqs if r.params.get("returnCountOnly") == "true"),
            "pages": sum(1 for r in reqs if "resultOffset" in r.params),
            "post": sum(1 for r in reqs if r.method == "POST"),
        }

    # national tables (10 and 11 rows), fetched whole: 3 pages of 4
    assert calls(LOOKUP) == {"info": 1, "count": 1, "pages": 3, "post": 0}
    assert calls(BRIDGE) == {"info": 1, "count": 1, "pages": 3, "post": 0}
    # per-area layers: the region's 9 codes, filtered by POST, 3 pages of 4
    assert calls(BOUNDARIES) == {"info": 1, "count": 1, "pages": 3, "post": 4}
    assert calls(CENTROIDS) == {"info": 1, "count": 1, "pages": 3, "post": 4}
    boundary_pages = [r for r in requests if f"/{BOUNDARIES}/" in r.path and r.form]
    assert all(r.query == {} for r in boundary_pages)  # the filter went in the body
    assert {r.form["where"] for r in boundary_pages} == {
        "LSOA21CD IN (" + ",".join(f"'{c}'" for c in TESTHAM_CODES) + ")"
    }
    offsets = [r.form["resultOffset"] for r in boundary_pages if "resultOffset" in r.form]
    assert offsets == ["0", "4", "8"]

    # Nomis: one request per page of NOMIS_ROWS rows; TS003 has 9 areas × 9 categories
    ts003 = [r for r in requests if r.path.endswith("/NM_2023_1.data.csv")]
    assert [r.params["RecordOffset"] for r in ts003] == [str(n) for n in range(0, 81, NOMIS_ROWS)]
    assert all(r.params["measures"] == "20100" for r in ts003)
    assert ts003[0].params["geography"] == ",".join(TESTHAM_CODES)
    # Overpass: one POST for community places, one for place names; the IoD files once each
    assert [r.method for r in requests if "/overpass-api.de/" in r.path] == ["POST", "POST"]
    assert sum("IoD2025" in r.path for r in requests) == 1
    assert sum("IoD2019" in r.path for r in requests) == 1

    # local authority boundaries (not part of a region) are filtered the same way
    # (the region itself read them too, to choose asset registers by location)
    settings = online_settings(tmp_path / "cache")
    before = len(web.requests)
    lad = fake_access(web, tmp_path, settings).lad_boundaries([TESTHAM])
    assert list(lad.frame.index) == [TESTHAM]
    assert lad.frame.loc[TESTHAM, "lad_name"] == "Testham"
    assert lad.frame.geometry.iloc[0].area == pytest.approx(9_000_000, rel=1e-4)
    assert calls(LADS, list(web.requests)[before:]) == {
        "info": 1,
        "count": 1,
        "pages": 1,
        "post": 2,
    }
    assert lad.provenance.origin == "download"
    assert lad.provenance.location.endswith(f"/{LADS}/FeatureServer/0")


def test_a_second_run_is_served_from_the_cache_online_and_offline(first_run):
    web, folder, settings, first = (
        first_run.web,
        first_run.folder,
        first_run.settings,
        first_run.region,
    )
    before = len(web.requests)

    again = _load(fake_access(web, folder, settings), settings)
    assert len(web.requests) == before, [r.path for r in web.requests[before:]]
    assert again.areas.drop(columns="geometry").equals(first.areas.drop(columns="geometry"))
    assert again.areas.geometry.geom_equals(first.areas.geometry).all()
    assert set(again.assets["name"]) == set(first.assets["name"])

    offline = settings.replace(offline=True)
    region = _load(fake_access(web, folder, offline), offline)
    assert len(web.requests) == before
    assert region.unavailable == ()
    assert region.areas.drop(columns="geometry").equals(first.areas.drop(columns="geometry"))
    assert set(region.assets["name"]) == set(first.assets["name"])
    assert {r.dataset for r in region.provenance} == {r.dataset for r in first.provenance}


def test_arcgis_error_body_stops_the_region_and_is_not_cached(web, tmp_path):
    cache = tmp_path / "cache"
    settings = online_settings(cache)
    web.broken_layers.add(BOUNDARIES)
    with pytest.raises(DataSourceError) as info:
        _load(fake_access(web, tmp_path, settings), settings)
    message = str(info.value)
    assert BOUNDARIES in message
    assert "Invalid URL" in message and "?f=pjson" in message
    keys = Cache(cache).keys()
    assert any(k.startswith(f"arcgis/{LOOKUP}") for k in keys)
    assert not any(BOUNDARIES in k for k in keys)

    # once the service answers again, the region assembles from a fresh answer
    web.broken_layers.clear()
    asked = web.hits(f"/{BOUNDARIES}/")
    region = _load(fake_access(web, tmp_path, settings), settings)
    assert len(region.areas) == 9
    assert web.hits(f"/{BOUNDARIES}/") > asked
    assert web.hits(f"/{LOOKUP}/") == 5  # the lookup came from the cache the second time


def test_a_failing_census_table_is_unavailable_and_the_rest_assembles(web, tmp_path):
    settings = online_settings(tmp_path / "cache")
    web.failing_nomis.add(TABLES["ts002"].nomis_id)
    region = _load(fake_access(web, tmp_path, settings), settings)
    missing = {u.dataset: u.reason for u in region.unavailable}
    assert set(missing) == {"census_ts002"}
    assert "Nomis returned an error" in missing["census_ts002"]
    assert "widowed" not in region.areas and "pct_widowed" not in region.areas
    assert region.areas["population"].tolist() == [ts001_values(i)[0] for i in range(9)]
    assert region.areas["pct_one_person_hh"].notna().all()
    assert region.areas["imd_score"].notna().all()
    assert len(region.assets) == 4
    assert "census_ts002" not in {r.dataset for r in region.provenance}
    # nothing was cached for the failed table: it is asked for again next time
    web.failing_nomis.clear()
    again = _load(fake_access(web, tmp_path, settings), settings)
    assert again.unavailable == ()
    assert "pct_widowed" in again.areas


def test_a_moved_file_is_read_from_its_mirror_and_then_offline(web, tmp_path):
    sources = load_sources(None, registry=web.registry(tmp_path))
    online = sources.dataset("iod2025").online
    assert online is not None
    primary, mirror = online["url"], online["mirrors"][0]
    web.missing_files.add(primary.removeprefix(web.url))
    cache = tmp_path / "cache"
    settings = online_settings(cache)
    region = _load(DataAccess(settings, sources=sources), settings)
    used = {r.dataset: r for r in region.provenance}
    assert used["iod2025"].location == mirror
    assert region.areas["imd_score"].notna().all()

    offline = online_settings(cache, offline=True)
    region = _load(DataAccess(offline, sources=sources), offline)
    assert "iod2025" not in {u.dataset for u in region.unavailable}
    assert region.areas["imd_score"].notna().all()
