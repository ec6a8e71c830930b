"""National OpenStreetMap from a Geofabrik extract: download, md5, the cached table.

The downloads run against a local HTTP server serving the real Rutland
extract (or a few bytes where the content does not matter); nothing is
fetched from the internet.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest

from geo.config import Settings
from geo.errors import DownloadError, OfflineError
from geo.net import HttpClient
from geo.sources import osm_pbf
from geo.sources.assetfiles import check_asset_frame
from geo.sources.osm import assets_from_geofabrik_shp_zip, assets_from_osm_pbf
from geo.sources.osm_geofabrik import (
    assets_in_box,
    download_extract,
    extract_name,
    national_asset_table,
)
from tests.helpers_http import LocalServer, Reply

PBF = "/europe/united-kingdom/england/rutland-latest.osm.pbf"
BODY = bytes(range(256)) * 4096  # 1 MiB of bytes that are not an error page


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Extract:
    """What the fake Geofabrik server publishes: the file, its md5, and failures."""

    def __init__(self, body: bytes, *, ranges: bool = True) -> None:
        self.body = body
        self.md5 = _md5(body)
        self.truncate_next = 0
        self.ranges = ranges  # whether Range requests are honoured (206) or ignored (200)
        self.wrong_range = False  # answer a Range request with another range
        self.sent = 0  # bytes of the extract sent, in all

    def __call__(self, request) -> Reply:
        if request.path == PBF + ".md5":
            return Reply(200, f"{self.md5}  rutland-latest.osm.pbf\n".encode())
        if request.path == PBF:
            return self._extract(request.headers.get("Range"))
        return Reply(404, b"not here")

    def _extract(self, wanted: str | None) -> Reply:
        start = int(wanted.removeprefix("bytes=").rstrip("-")) if wanted else 0
        status, headers = 200, {}
        if wanted and self.ranges:
            if start >= len(self.body):
                return Reply(416, b"", {"Content-Range": f"bytes */{len(self.body)}"})
            if self.wrong_range:
                start = start // 2
            status = 206
            headers = {"Content-Range": f"bytes {start}-{len(self.body) - 1}/{len(self.body)}"}
        else:
            start = 0
        body = self.body[start:]
        cut = len(body) // 3 if self.truncate_next else None
        self.truncate_next = max(0, self.truncate_next - 1)
        self.sent += len(body) if cut is None else cut
        return Reply(status, body, headers, send_bytes=cut)


def _client(tmp_path, **changes) -> HttpClient:
    settings = Settings(cache_dir=tmp_path / "cache", retries=2, backoff=0.0, timeout=10.0)
    return HttpClient(settings.replace(**changes), sleep=lambda seconds: None)


def _cached(client: HttpClient, part: str) -> list[str]:
    keys = client.cache.keys()
    return sorted(k for k in keys if part in k)


def _extracts(client: HttpClient) -> list[str]:
    return [k for k in _cached(client, "geofabrik/rutland-") if k.startswith("geofabrik/")]


def test_extract_name():
    assert extract_name("https://x/europe/united-kingdom/england-latest.osm.pbf") == "england"


def test_download_checks_md5_reports_progress_and_is_cached(tmp_path):
    extract = Extract(BODY)
    progress: list[tuple[int, int | None]] = []
    with LocalServer(extract) as server, _client(tmp_path) as client:
        path, md5 = download_extract(
            client, server.url + PBF, progress=lambda _what, d, t: progress.append((d, t))
        )
        assert md5 == extract.md5 and path.read_bytes() == BODY
        assert progress[-1] == (len(BODY), len(BODY))
        assert len(progress) > 1 and all(a[0] < b[0] for a, b in itertools.pairwise(progress))
        again, _ = download_extract(client, server.url + PBF)
        assert again == path
        assert server.count(PBF) == 1 and server.count(PBF + ".md5") == 1  # md5 kept for the day
    assert _extracts(client) == [f"geofabrik/rutland-{md5}"]


def test_md5_mismatch_is_refused_and_not_cached(tmp_path):
    extract = Extract(BODY)
    extract.md5 = _md5(b"another file")
    with LocalServer(extract) as server, _client(tmp_path) as client:
        with pytest.raises(DownloadError, match=r"md5 .* not the published"):
            download_extract(client, server.url + PBF)
        assert _extracts(client) == []
        assert server.count(PBF) == 1  # a wrong file is not fetched again and again
    offline = _client(tmp_path, offline=True)
    with pytest.raises(OfflineError):
        download_extract(offline, server.url + PBF)


def _ranges_asked(server) -> list[str | None]:
    return [r.headers.get("Range") for r in server.requests if r.path == PBF]


def test_a_cut_download_resumes_where_it_stopped(tmp_path):
    extract = Extract(BODY)
    extract.truncate_next = 1
    progress: list[tuple[int, int | None]] = []
    with LocalServer(extract) as server, _client(tmp_path) as client:
        path, _ = download_extract(
            client, server.url + PBF, progress=lambda _what, d, t: progress.append((d, t))
        )
        assert path.read_bytes() == BODY
        first, second = _ranges_asked(server)
        assert first is None and second is not None
        resumed_at = int(second.removeprefix("bytes=").rstrip("-"))
        assert 0 < resumed_at <= len(BODY) // 3
        # the second answer holds only the bytes not yet kept
        assert extract.sent == len(BODY) // 3 + len(BODY) - resumed_at
        assert progress[-1] == (len(BODY), len(BODY))
    assert len(_extracts(client)) == 1
    assert not list((tmp_path / "cache" / "partial").glob("*.part"))


def test_a_download_cut_in_one_run_resumes_in_the_next(tmp_path):
    extract = Extract(BODY)
    extract.truncate_next = 1
    with LocalServer(extract) as server:
        with _client(tmp_path, retries=0) as client, pytest.raises(DownloadError):
            download_extract(client, server.url + PBF)
        assert _extracts(client) == []
        (kept,) = (tmp_path / "cache" / "partial").glob("*.part")
        size = kept.stat().st_size
        assert 0 < size < len(BODY)
        with _client(tmp_path) as client:
            path, _ = download_extract(client, server.url + PBF)
        assert path.read_bytes() == BODY
        assert _ranges_asked(server) == [None, f"bytes={size}-"]
        assert extract.sent == len(BODY) // 3 + len(BODY) - size
        assert not kept.exists()


@pytest.mark.parametrize("server_kind", ["ignores ranges", "sends another range"])
def test_a_server_that_cannot_resume_gets_a_whole_download(tmp_path, server_kind):
    extract = Extract(BODY, ranges=server_kind != "ignores ranges")
    extract.truncate_next = 1
    extract.wrong_range = server_kind == "sends another range"
    with LocalServer(extract) as server, _client(tmp_path) as client:
        path, _ = download_extract(client, server.url + PBF)
        assert path.read_bytes() == BODY
        assert _ranges_asked(server)[1] is not None  # it asked to resume
        if server_kind == "sends another range":  # refused, then a whole download
            assert _ranges_asked(server)[2] is None
    assert len(_extracts(client)) == 1


def test_a_resumed_file_with_the_wrong_md5_is_refused_and_dropped(tmp_path):
    extract = Extract(BODY)
    extract.truncate_next = 1
    extract.md5 = _md5(b"another file")
    with LocalServer(extract) as server, _client(tmp_path) as client:
        with pytest.raises(DownloadError, match=r"md5 .* not the published"):
            download_extract(client, server.url + PBF)
        assert _ranges_asked(server)[1] is not None
    assert _extracts(client) == []
    assert not list((tmp_path / "cache" / "partial").glob("*.part"))


def test_a_new_extract_replaces_the_old_one_and_offline_uses_the_cache(tmp_path):
    extract = Extract(BODY)
    with LocalServer(extract) as server:
        with _client(tmp_path) as client:
            _, first = download_extract(client, server.url + PBF)
        # the next day Geofabrik publishes a new extract
        extract.body = BODY[::-1]
        extract.md5 = _md5(extract.body)
        with _client(tmp_path) as client:
            client.cache.delete(_cached(client, "/md5/")[0])
            path, second = download_extract(client, server.url + PBF)
            assert second != first and path.read_bytes() == extract.body
            assert _extracts(client) == [f"geofabrik/rutland-{second}"]
        with _client(tmp_path, offline=True) as offline:
            offline.cache.delete(_cached(offline, "/md5/")[0])
            path, md5 = download_extract(offline, server.url + PBF)
            assert md5 == second and path.read_bytes() == extract.body
        assert server.count(PBF) == 2


def test_md5_file_that_is_not_a_checksum(tmp_path):
    def handler(request):
        return Reply(200, b"<html>maintenance</html>" if request.path.endswith(".md5") else BODY)

    with LocalServer(handler) as server, _client(tmp_path) as client:
        with pytest.raises(DownloadError, match="does not hold an md5"):
            download_extract(client, server.url + PBF)
        assert _extracts(client) == [] and server.count(PBF) == 0


# ------------------------------------------------------------------ the real Rutland extract


@pytest.fixture(scope="module")
def rutland(shared_data):
    return (shared_data / "osm_rutland" / "rutland-latest.osm.pbf").read_bytes()


@pytest.mark.shared_data
def test_national_table_from_the_served_extract(tmp_path, rutland, shared_data):
    with LocalServer(Extract(rutland)) as server, _client(tmp_path) as client:
        frame, md5 = national_asset_table(client, server.url + PBF)
        check_asset_frame(frame)
        assert md5 == _md5(rutland)
        assert _cached(client, "-assets-v1") == [f"geofabrik/rutland-{md5}-assets-v1"]
        again, _ = national_asset_table(client, server.url + PBF)  # from the GeoParquet
        assert again.equals(frame)
    direct = assets_from_osm_pbf(shared_data / "osm_rutland" / "rutland-latest.osm.pbf")
    assert len(frame) == direct.loaded
    counts = frame["category"].value_counts().to_dict()
    # the same taxonomy as the Geofabrik shapefile bundle of the same area and month
    shp = assets_from_geofabrik_shp_zip(shared_data / "osm_rutland" / "rutland-latest-free.shp.zip")
    shp_counts = shp.frame["category"].value_counts().to_dict()
    print("pbf", counts, "shp", shp_counts)
    assert set(counts) <= set(shp_counts) | {"health", "arts_centre"}
    for category, n in counts.items():
        assert n / 2 <= shp_counts.get(category, 0) <= 2 * n + 2, (category, n, shp_counts)
    # selecting by location: a box round Oakham holds its library and less than the whole
    oakham = assets_in_box(frame, (-0.75, 52.66, -0.70, 52.69))
    assert "Rutland County Library" in set(oakham["name"])
    assert 0 < len(oakham) < len(frame)


@pytest.mark.shared_data
def test_large_extract_keeps_node_locations_on_disk(monkeypatch, shared_data):
    path = shared_data / "osm_rutland" / "rutland-latest.osm.pbf"
    in_memory = assets_from_osm_pbf(path).frame
    monkeypatch.setattr(osm_pbf, "LARGE_EXTRACT_BYTES", 0)
    on_disk = assets_from_osm_pbf(path).frame
    assert on_disk.equals(in_memory)


@pytest.mark.shared_data
def test_a_region_reads_its_places_from_the_extract(tmp_path, rutland):
    from geo.config import REGISTRY_FILE
    from geo.sources.access import DataAccess
    from geo.sources.osm_geofabrik import region_osm_assets
    from geo.sources.registry import load_sources

    with LocalServer(Extract(rutland)) as server:
        registry = tmp_path / "sources.toml"
        official = "https://download.geofabrik.de/europe/united-kingdom/england-latest.osm.pbf"
        text = REGISTRY_FILE.read_text(encoding="utf-8")
        assert official in text
        registry.write_text(text.replace(official, server.url + PBF), encoding="utf-8")
        reports: list[tuple[str, int, int | None]] = []
        settings = Settings(cache_dir=tmp_path / "cache", retries=0, timeout=10.0)
        access = DataAccess(
            settings,
            sources=load_sources(None, registry=registry),
            progress=lambda label, done, total: reports.append((label, done, total)),
        )
        dataset = access.dataset("osm_assets")
        frame, provenance = region_osm_assets(access, dataset, (-0.75, 52.66, -0.70, 52.69))
    check_asset_frame(frame)
    assert set(frame["source"]) == {"osm_assets"}
    assert "Rutland County Library" in set(frame["name"])
    assert reports[-1] == ("OpenStreetMap extract rutland (Geofabrik)", len(rutland), len(rutland))
    assert provenance.location == server.url + PBF and provenance.rows == len(frame)
    assert _md5(rutland) in provenance.note
