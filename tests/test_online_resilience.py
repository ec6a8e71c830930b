"""Downloads a real user survives: busy servers, failed sources, large areas, no network.

Runs against the fake official web of :mod:`tests.fake_web` on
127.0.0.1 (no internet).
"""

from __future__ import annotations

import hashlib
import re
import socket
import time
import urllib.parse
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import DataSourceError, OfflineError
from geo.national import national_indicators
from geo.net.cache import Cache
from geo.region import load_region
from geo.sources.access import CENSUS_DATASETS, DataAccess
from geo.sources.census import TABLES
from geo.sources.registry import load_sources
from tests.fake_web import FakeWeb, fake_access, online_settings
from tests.fake_web_data import TESTHAM_CODES
from tests.tiny_mirror import squares

OVERPASS = "/overpass-api.de/api/interpreter"

pytestmark = pytest.mark.usefixtures("small_nomis_pages")


def _keys(cache: Path, prefix: str) -> list[str]:
    keys = Cache(cache).keys()
    return [k for k in keys if k.startswith(prefix)]


def test_overpass_failure_gives_a_degraded_region_that_is_not_cached(web, tmp_path):
    cache = tmp_path / "cache"
    settings = online_settings(cache, overpass_retries=1)
    web.overpass_failures = 2  # the first query and its one retry are answered 504
    first = load_region("Testham", settings=settings, access=fake_access(web, tmp_path, settings))
    assert first.degraded and first.failed == ("osm_assets",)
    assert first.assets.empty
    assert "osm_assets" in {u.dataset for u in first.unavailable}
    assert any("not cached" in n and "OpenStreetMap" in n for n in first.notes)
    assert web.hits(OVERPASS) == 2  # bounded: not re-sent settings.retries times
    assert _keys(cache, "region/") == []
    assert not _keys(cache, "overpass/")

    # the server recovers: the next run asks again (places, then place names) and gets both
    second = load_region("Testham", settings=settings, access=fake_access(web, tmp_path, settings))
    assert web.hits(OVERPASS) == 4
    assert not second.degraded and second.unavailable == ()
    assert len(second.assets) == 4
    assert list(second.places["name"]) == ["Testham"]
    assert len(_keys(cache, "region/")) == 4  # areas, assets, place names and the record
    # and that complete region is what a third run reads back
    third = load_region("Testham", settings=settings, access=fake_access(web, tmp_path, settings))
    assert web.hits(OVERPASS) == 4
    assert not third.degraded and len(third.assets) == 4


def test_nomis_error_during_the_national_build_is_not_cached(web, tmp_path):
    cache = tmp_path / "cache"
    settings = online_settings(cache)
    web.failing_nomis.add(TABLES["ts002"].nomis_id)
    first = national_indicators(settings, access=fake_access(web, tmp_path, settings))
    assert first is not None
    assert first.attrs["failed"] == ["census_ts002"]
    assert "pct_one_person_hh" in first and "pct_widowed" not in first
    assert not _keys(cache, "national/")

    web.failing_nomis.clear()
    second = national_indicators(settings, access=fake_access(web, tmp_path, settings))
    assert "failed" not in second.attrs
    assert second["pct_widowed"].notna().sum() == 10  # every English LSOA of the fake
    assert len(_keys(cache, "national/")) == 1


def test_nomis_rate_limit_pages_are_retried(web, tmp_path):
    settings = online_settings(tmp_path / "cache", retries=2)
    web.nomis_busy = 2
    region = load_region(
        "Testham", settings=settings, access=fake_access(web, tmp_path, settings), use_cache=False
    )
    assert region.unavailable == () and not region.degraded
    assert region.areas["population"].notna().all()


def test_large_areas_are_split_into_overpass_tiles_and_merged(web, tmp_path):
    settings = online_settings(tmp_path / "cache", overpass_tile_km=2.0)
    region = load_region(
        "Testham", settings=settings, access=fake_access(web, tmp_path, settings), use_cache=False
    )
    # Testham (3 km) and its 2 km buffer make a ~7 km box: 4 × 4 tiles of under 2 km,
    # and one query for the place names (few nodes: never split)
    assert web.hits(OVERPASS) == 16 + 1
    assert set(region.assets["name"]) == {
        "Testham Library",
        "The Corner Arms",
        "St Test's Church",
        "Otherby Hall",
    }
    assert len(region.assets) == 4


def test_an_unreachable_network_fails_fast_with_what_to_do(tmp_path):
    with socket.socket() as sock:  # nobody listens on this port of 127.0.0.1
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with FakeWeb() as fake:
        registry = fake.registry(tmp_path)
    text = registry.read_text(encoding="utf-8").replace(fake.url, f"http://127.0.0.1:{port}")
    registry.write_text(text, encoding="utf-8")
    settings = online_settings(tmp_path / "cache", retries=5, backoff=1.0)
    access = DataAccess(settings, sources=load_sources(None, registry=registry))
    started = time.monotonic()
    with pytest.raises(OfflineError) as info:
        load_region("Testham", settings=settings, access=access)
    took = time.monotonic() - started
    message = str(info.value)
    assert took < 5.0, took
    assert "unreachable" in message and f"127.0.0.1:{port}" in message
    assert "ATLAS_SOURCES=data/sources.shared.toml" in message and "--area demo" in message
    print(f"unreachable network reported after {took:.2f} s")


def test_region_codes_are_sent_in_short_nomis_urls(web, tmp_path):
    settings = online_settings(tmp_path / "cache", nomis_max_url=200)
    region = load_region(
        "Testham", settings=settings, access=fake_access(web, tmp_path, settings), use_cache=False
    )
    assert region.unavailable == ()
    nomis = [r for r in web.requests if "/api/v01/dataset/" in r.path]
    sent = set()
    for request in nomis:
        url = f"{web.url}{request.path}?{urllib.parse.urlencode(request.query)}"
        assert len(url) <= 200
        sent.update(request.query["geography"].split(","))
    assert sent == set(TESTHAM_CODES)
    assert len({r.query["geography"] for r in nomis}) > 1  # the nine codes were split


def _national_traffic(web: FakeWeb, folder: Path, *, bulk: bool) -> tuple[object, int, int]:
    """The national table, and the Nomis requests and response bytes it took."""
    folder.mkdir(exist_ok=True)
    registry = web.registry(folder)
    if not bulk:
        text = re.sub(r', bulk = "[^"]*"', "", registry.read_text(encoding="utf-8"))
        registry.write_text(text, encoding="utf-8")
    settings = online_settings(folder / "cache")
    access = DataAccess(settings, sources=load_sources(None, registry=registry))
    web.sent.clear()
    before = web.hits("/www.nomisweb.co.uk/")
    frame = national_indicators(settings, access=access)
    requests = web.hits("/www.nomisweb.co.uk/") - before
    sent = sum(n for path, n in web.sent.items() if path.startswith("/www.nomisweb.co.uk/"))
    return frame, requests, sent


def test_national_census_tables_come_from_the_bulk_files_once_each(web, tmp_path):
    frame, requests, sent = _national_traffic(web, tmp_path / "bulk", bulk=True)
    assert requests == len(CENSUS_DATASETS)  # one zip per table
    assert not [r for r in web.requests if "/api/v01/" in r.path]
    api_frame, api_requests, api_sent = _national_traffic(web, tmp_path / "api", bulk=False)
    pd.testing.assert_frame_equal(frame, api_frame)
    assert api_requests > requests and api_sent > sent
    print(
        f"national Census: bulk {requests} requests, {sent} bytes; API {api_requests} "
        f"requests, {api_sent} bytes"
    )
    # the zips are cached (with their sha256) and recorded in the provenance
    before = web.hits("/output/census/")
    again, more, _ = _national_traffic(web, tmp_path / "bulk", bulk=True)
    assert more == 0 and web.hits("/output/census/") == before
    pd.testing.assert_frame_equal(again, frame)


def test_bulk_file_provenance_and_progress(web, tmp_path):
    settings = online_settings(tmp_path / "cache")
    seen: list[tuple[str, int, int | None]] = []
    access = DataAccess(
        settings,
        sources=load_sources(None, registry=web.registry(tmp_path)),
        progress=lambda label, done, total: seen.append((label, done, total)),
    )
    loaded = access.census_table("census_ts003", list(squares()["code"]), national=True)
    assert len(loaded.frame) == 10
    rec = loaded.provenance
    assert rec.location.endswith("/output/census/2021/census2021-ts003.zip")
    path = Path(access.client.download(rec.location))
    assert rec.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    sizes = [done for label, done, total in seen if label == "Census 2021 TS003" and done > 1]
    assert sizes and sizes[-1] == path.stat().st_size


def test_bulk_file_with_the_wrong_number_of_areas_is_refused_and_not_kept(web, tmp_path):
    registry = web.registry(tmp_path)
    text = registry.read_text(encoding="utf-8").replace("expected_rows = 10", "expected_rows = 11")
    registry.write_text(text, encoding="utf-8")
    settings = online_settings(tmp_path / "cache")
    access = DataAccess(settings, sources=load_sources(None, registry=registry))
    with pytest.raises(DataSourceError, match="holds 10 LSOAs, not the expected 11"):
        access.census_table("census_ts001", list(squares()["code"]), national=True)
    assert not [k for k in _keys(tmp_path / "cache", "download/") if "census2021-ts001" in k]
