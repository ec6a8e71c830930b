"""Tests of the HTTP client against a local server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import hashlib
import io
import logging
import re
import socket
import time

import pytest

from geo.config import Settings
from geo.errors import DownloadError, OfflineError
from geo.net import HttpClient
from geo.net.cache import Cache
from tests.helpers_http import (
    NOMIS_HEADER,
    Reply,
    Request,
    cache_files,
    json_reply,
    nomis_server,
    sequence,
)

LAYER_PATH = "/arcgis/rest/services/LSOA_TEST_V9/FeatureServer/0"
CSV = b"code,value\nE01000001,1\nE01000002,2\n"


# --------------------------------------------------------------------- retries


def test_429_then_200_honours_retry_after_seconds(server, make_client, sleeps):
    server.handler = sequence(Reply(429, b"slow down", {"Retry-After": "7"}), Reply(200, CSV))
    client = make_client()
    path = client.download(f"{server.url}/data.csv")
    assert path.read_bytes() == CSV
    assert sleeps == [7.0]
    assert server.count() == 2
    assert all(r.headers["User-Agent"] == client.settings.user_agent for r in server.requests)


def test_503_with_retry_after_as_http_date(server, make_client, sleeps):
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)
    date = email.utils.format_datetime(when, usegmt=True)
    server.handler = sequence(Reply(503, b"busy", {"Retry-After": date}), Reply(200, CSV))
    make_client().download(f"{server.url}/data.csv")
    assert len(sleeps) == 1
    assert 15.0 <= sleeps[0] <= 20.5


def test_retry_after_is_capped(server, make_client, sleeps):
    server.handler = sequence(Reply(429, b"", {"Retry-After": "86400"}), Reply(200, CSV))
    make_client(max_retry_after=30.0).download(f"{server.url}/data.csv")
    assert sleeps == [30.0]


def test_post_is_retried_with_backoff(server, make_client, sleeps):
    good = json_reply({"version": 0.6, "elements": [{"type": "node", "id": 1}]})
    server.handler = sequence(Reply(504, b"gateway timeout"), good)
    query = '[out:json];node["amenity"="library"](51,0,52,1);out;'
    result = make_client().overpass(query, url=f"{server.url}/api/interpreter")
    assert result["elements"] == [{"type": "node", "id": 1}]
    assert [r.method for r in server.requests] == ["POST", "POST"]
    assert all(r.form == {"data": query} for r in server.requests)
    assert sleeps == [0.5]


def test_gives_up_after_retries_with_clear_error(server, make_client, sleeps, tmp_cache):
    server.handler = sequence(Reply(503, b"down for maintenance"))
    url = f"{server.url}/data.csv"
    with pytest.raises(DownloadError) as info:
        make_client(retries=3).download(url)
    message = str(info.value)
    assert url in message
    assert "HTTP 503" in message
    assert "4 attempts" in message
    assert "try again later" in message
    assert server.count() == 4
    assert sleeps == [0.5, 1.0, 2.0]
    assert cache_files(tmp_cache) == []


def _closed_port() -> int:
    with socket.socket() as sock:  # a port on 127.0.0.1 that nobody listens on
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_host_fails_fast_with_one_probe(make_client, sleeps):
    url = f"http://127.0.0.1:{_closed_port()}/data.csv"
    client = make_client(retries=5)
    started = time.monotonic()
    with pytest.raises(DownloadError, match="could not connect") as info:
        client.download(url, description="IoD2025 File 7")
    took = time.monotonic() - started
    message = str(info.value)
    assert isinstance(info.value, OfflineError)  # the run goes on as if offline
    assert took < 5.0
    assert sleeps == []  # no retries: one attempt, one probe
    assert "check your connection" in message.lower()
    assert "IoD2025 File 7" in message and "127.0.0.1" in message
    assert "ATLAS_SOURCES=data/sources.shared.toml" in message
    assert "--area demo" in message
    # every later request to that host fails at once, without trying again
    started = time.monotonic()
    with pytest.raises(OfflineError, match="unreachable"):
        client.nomis_csv("NM_2021_1", {"geography": "TYPE151"}, base_url=url.rsplit("/", 1)[0])
    assert time.monotonic() - started < 0.5


def test_dropped_connections_are_retried(make_client, sleeps):
    """A server that accepts and then hangs up is reachable: it is retried, not probed away."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []

    def hang_up() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(1)
            conn.recv(65536)
            conn.close()

    import threading

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/data.csv"
        with pytest.raises(DownloadError, match="could not connect") as info:
            make_client(retries=2).download(url)
    finally:
        listener.close()
    assert not isinstance(info.value, OfflineError)
    assert "check your connection" in str(info.value).lower()
    assert len(sleeps) == 2
    assert len(accepted) == 3


def test_client_errors_are_not_retried(server, make_client, sleeps):
    server.handler = sequence(Reply(404, b"<h1>Not Found</h1>", {"Content-Type": "text/html"}))
    with pytest.raises(DownloadError, match="HTTP 404") as info:
        make_client().download(f"{server.url}/gone.csv")
    assert "moved" in str(info.value)
    assert server.count() == 1
    assert sleeps == []


# ------------------------------------------------------------------- downloads


def test_truncated_body_is_an_error_and_not_cached(server, make_client, tmp_cache):
    body = b"x" * 50_000
    server.handler = sequence(Reply(200, body, send_bytes=20_000))
    client = make_client(retries=1)
    with pytest.raises(DownloadError, match="truncated: received 20000 of 50000 bytes"):
        client.download(f"{server.url}/big.csv")
    assert server.count() == 2  # a cut body is retried like a dropped connection
    assert cache_files(tmp_cache) == []
    assert client.cache.keys() == []


def test_sha256_mismatch_is_an_error_and_not_cached(server, make_client, tmp_cache):
    server.handler = sequence(Reply(200, CSV))
    client = make_client()
    with pytest.raises(DownloadError, match="sha256") as info:
        client.download(f"{server.url}/data.csv", expected_sha256="0" * 64)
    assert "not kept" in str(info.value)
    assert cache_files(tmp_cache) == []
    good = hashlib.sha256(CSV).hexdigest()
    path = client.download(f"{server.url}/data.csv", expected_sha256=good.upper())
    assert path.read_bytes() == CSV


def test_cached_copy_with_other_checksum_is_downloaded_again(server, make_client):
    server.handler = sequence(Reply(200, b"old\n"), Reply(200, CSV))
    client = make_client()
    client.download(f"{server.url}/data.csv")
    path = client.download(
        f"{server.url}/data.csv", expected_sha256=hashlib.sha256(CSV).hexdigest()
    )
    assert path.read_bytes() == CSV
    assert server.count() == 2


def test_cache_hit_does_not_touch_the_server(server, make_client):
    server.handler = sequence(Reply(200, CSV))
    client = make_client()
    assert not client.cached(f"{server.url}/data.csv", params={"year": 2021})
    first = client.download(f"{server.url}/data.csv", params={"year": 2021})
    assert client.cached(f"{server.url}/data.csv", params={"year": 2021})
    second = client.download(f"{server.url}/data.csv", params={"year": 2021})
    assert first == second
    assert server.count() == 1
    assert server.requests[0].query == {"year": "2021"}
    other = client.download(f"{server.url}/data.csv", params={"year": 2022})
    assert other != first
    assert server.count() == 2
    assert first.suffix == ".csv"


def test_download_metadata_and_progress(server, make_client):
    body = b"a,b\n" + b"1,2\n" * 200_000
    server.handler = sequence(Reply(200, body, {"ETag": '"v1"', "Content-Type": "text/csv"}))
    client = make_client()
    calls = []
    path = client.download(
        f"{server.url}/table.csv",
        key="download/table",
        progress=lambda _url, done, total: calls.append((done, total)),
        description="a test table",
    )
    assert path.read_bytes() == body
    assert calls[-1] == (len(body), len(body))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    record = client.cache.meta("download/table")
    assert record["meta"]["url"] == f"{server.url}/table.csv"
    assert record["meta"]["etag"] == '"v1"'
    assert record["sha256"] == hashlib.sha256(body).hexdigest()


def test_html_error_page_instead_of_csv_or_zip(server, make_client, tmp_cache):
    page = b"<!DOCTYPE html><html><body><h1>Sorry, this page has moved</h1></body></html>"
    server.handler = sequence(Reply(200, page, {"Content-Type": "text/html"}))
    client = make_client()
    with pytest.raises(DownloadError, match="web page") as info:
        client.download(f"{server.url}/File_7.csv")
    assert "has moved" in str(info.value)
    with pytest.raises(DownloadError, match=r"instead of the expected \.zip"):
        client.download(f"{server.url}/census2021-ts001.zip")
    assert server.count() == 2  # not retried
    assert cache_files(tmp_cache) == []


def test_corrupted_cache_entry_is_detected_and_fetched_again(server, make_client, caplog):
    server.handler = sequence(Reply(200, CSV))
    client = make_client()
    path = client.download(f"{server.url}/data.csv")
    damaged = bytearray(path.read_bytes())
    damaged[5] ^= 0x01
    path.write_bytes(bytes(damaged))
    with caplog.at_level(logging.WARNING, logger="geo.net.cache"):
        again = client.download(f"{server.url}/data.csv")
    assert again.read_bytes() == CSV
    assert server.count() == 2
    assert "damaged" in caplog.text


def test_offline_raises_without_requests_but_serves_cache(server, make_client):
    server.handler = sequence(Reply(200, CSV))
    make_client().download(f"{server.url}/data.csv")
    assert server.count() == 1
    offline = make_client(offline=True)
    assert offline.download(f"{server.url}/data.csv").read_bytes() == CSV
    with pytest.raises(OfflineError) as info:
        offline.download(f"{server.url}/other.csv", description="IoD2025 File 7")
    message = str(info.value)
    assert "IoD2025 File 7" in message
    assert "ATLAS_SOURCES" in message
    with pytest.raises(OfflineError, match="LSOA_TEST_V9"):
        offline.arcgis_features(f"{server.url}{LAYER_PATH}", out_fields="LSOA21CD")
    with pytest.raises(OfflineError, match="NM_2021_1"):
        offline.nomis_csv("NM_2021_1", {"geography": "TYPE151"}, base_url=server.url)
    with pytest.raises(OfflineError, match="Overpass"):
        offline.overpass("[out:json];node(1);out;", url=f"{server.url}/api/interpreter")
    assert server.count() == 1


# ---------------------------------------------------------------------- ArcGIS


class FakeLayer:
    """An ArcGIS FeatureServer layer of ``n`` LSOAs that pages at ``max_records``."""

    def __init__(self, n=25, max_records=10, placement="top", count_extra=0, error=None):
        self.codes = [f"E01{i:06d}" for i in range(n)]
        self.max_records = max_records
        self.placement = placement
        self.count_extra = count_extra
        self.error = error

    def select(self, where: str) -> list[str]:
        match = re.search(r"LSOA21CD IN \((.*)\)", where)
        if not match:
            return list(self.codes)
        wanted = set(re.findall(r"'([^']*)'", match.group(1)))
        return [c for c in self.codes if c in wanted]

    def __call__(self, request: Request) -> Reply:
        params = request.params
        if self.error is not None:
            return json_reply({"error": self.error})
        if request.path == LAYER_PATH and params.get("f") == "pjson":
            return json_reply(
                {"name": "LSOA", "maxRecordCount": self.max_records, "objectIdField": "FID"}
            )
        if request.path != f"{LAYER_PATH}/query":
            return Reply(404, b"not here")
        selected = self.select(params["where"])
        if params.get("returnCountOnly") == "true":
            return json_reply({"count": len(selected) + self.count_extra})
        order = params.get("orderByFields")
        if order == "LSOA21CD":
            selected.sort()
        offset = int(params["resultOffset"])
        limit = min(int(params["resultRecordCount"]), self.max_records)
        page = selected[offset : offset + limit]
        doc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": code,
                    "geometry": {"type": "Point", "coordinates": [-1.5, 53.0]},
                    "properties": {"LSOA21CD": code, "LSOA21NM": f"Area {code}"},
                }
                for code in page
            ],
        }
        if offset + limit < len(selected):
            if self.placement == "top":
                doc["exceededTransferLimit"] = True
            elif self.placement == "properties":
                doc["properties"] = {"exceededTransferLimit": True}
        return json_reply(doc)


def query_requests(server) -> list[Request]:
    return [r for r in server.requests if r.path.endswith("/query")]


@pytest.mark.parametrize("placement", ["top", "properties", "none"])
def test_arcgis_pages_across_three_pages(server, make_client, placement):
    server.handler = FakeLayer(n=25, max_records=10, placement=placement)
    client = make_client()
    progress = []
    result = client.arcgis_features(
        f"{server.url}{LAYER_PATH}",
        out_fields=["LSOA21CD", "LSOA21NM"],
        progress=lambda _url, done, total: progress.append((done, total)),
    )
    assert result["type"] == "FeatureCollection"
    codes = [f["properties"]["LSOA21CD"] for f in result["features"]]
    assert codes == sorted(FakeLayer(n=25).codes)
    queries = query_requests(server)
    assert queries[0].params["returnCountOnly"] == "true"
    pages = queries[1:]
    assert [p.params["resultOffset"] for p in pages] == ["0", "10", "20"]
    assert all(p.params["resultRecordCount"] == "10" for p in pages)  # maxRecordCount
    assert all(p.params["orderByFields"] == "LSOA21CD" for p in pages)
    assert all(p.params["f"] == "geojson" and p.params["outSR"] == "4326" for p in pages)
    assert all(r.method == "GET" for r in server.requests)
    assert progress[-1] == (25, 25)
    before = server.count()
    assert (
        client.arcgis_features(f"{server.url}{LAYER_PATH}", out_fields=["LSOA21CD", "LSOA21NM"])
        == result
    )
    assert server.count() == before


def test_arcgis_default_page_size_and_order_when_all_fields(server, make_client):
    server.handler = FakeLayer(n=5, max_records=2000)
    result = make_client().arcgis_features(f"{server.url}{LAYER_PATH}/query")
    assert len(result["features"]) == 5
    page = query_requests(server)[-1]
    assert page.params["resultRecordCount"] == "2000"
    assert page.params["orderByFields"] == "FID"
    assert page.params["outFields"] == "*"


def test_arcgis_count_mismatch_is_an_error_and_not_cached(server, make_client, tmp_cache):
    server.handler = FakeLayer(n=25, max_records=10, count_extra=3)
    client = make_client()
    with pytest.raises(DownloadError, match="said 28 features match but sent 25"):
        client.arcgis_features(f"{server.url}{LAYER_PATH}", out_fields="LSOA21CD")
    assert cache_files(tmp_cache) == []
    before = server.count()
    with pytest.raises(DownloadError):
        client.arcgis_features(f"{server.url}{LAYER_PATH}", out_fields="LSOA21CD")
    assert server.count() > before


def test_arcgis_error_body_names_the_service(server, make_client, tmp_cache):
    server.handler = FakeLayer(
        error={"code": 400, "message": "Invalid URL", "details": ["Invalid URL"]}
    )
    layer = f"{server.url}{LAYER_PATH}"
    with pytest.raises(DownloadError) as info:
        make_client().arcgis_features(layer, out_fields="LSOA21CD", page_size=100)
    message = str(info.value)
    assert "LSOA_TEST_V9" in message
    assert layer in message
    assert "Invalid URL" in message
    assert f"{layer}?f=pjson" in message
    assert "may have changed" in message
    assert server.count() == 1  # HTTP 200 error bodies are not retried
    assert cache_files(tmp_cache) == []


def test_arcgis_codes_are_chunked_and_posted(server, make_client):
    layer = FakeLayer(n=600, max_records=1000)
    server.handler = layer
    wanted = layer.codes[:450]
    result = make_client().arcgis_features(
        f"{server.url}{LAYER_PATH}",
        out_fields="LSOA21CD",
        codes_field="LSOA21CD",
        codes=[*reversed(wanted), wanted[0], "E01999999"],  # duplicates and a missing code
        where="LSOA21NM LIKE 'Area%'",
        chunk_size=200,
    )
    assert sorted(f["properties"]["LSOA21CD"] for f in result["features"]) == wanted
    queries = query_requests(server)
    assert len(queries) == 6  # 3 counts + 3 pages
    assert all(r.method == "POST" for r in queries)
    assert all("where" not in r.query for r in queries)
    prefix = "(LSOA21NM LIKE 'Area%') AND LSOA21CD IN ('"
    assert all(r.form["where"].startswith(prefix) for r in queries)
    sizes = sorted(len(re.findall(r"'E01", r.form["where"])) for r in queries[:3])
    assert sizes == [51, 200, 200]


# ----------------------------------------------------------------------- Nomis


def test_nomis_pages_past_the_25000_row_cut(server, make_client):
    server.handler = nomis_server(total=51_234)
    client = make_client()
    params = {"date": "latest", "geography": "TYPE151", "measures": 20100}
    body = client.nomis_csv("NM_2021_1", params, base_url=f"{server.url}/api/v01")
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert rows[0] == NOMIS_HEADER.strip().split(",")
    assert len(rows) == 1 + 51_234
    assert [int(r[3]) for r in rows[1:]] == list(range(51_234))
    assert [r.query["RecordOffset"] for r in server.requests] == ["0", "25000", "50000"]
    assert all(r.query["RecordLimit"] == "25000" for r in server.requests)
    assert all(r.query["geography"] == "TYPE151" for r in server.requests)
    assert server.requests[0].path == "/api/v01/dataset/NM_2021_1.data.csv"
    again = client.nomis_csv(
        "NM_2021_1", params, base_url=f"{server.url}/api/v01", expected_rows=51_234
    )
    assert again == body
    assert server.count() == 3


def test_nomis_exact_multiple_of_page_ends_on_header_only_page(server, make_client):
    server.handler = nomis_server(total=25_000)
    body = make_client().nomis_csv("NM_2021_1", {}, base_url=server.url, expected_rows=25_000)
    assert body.count(b"\n") == 25_001
    assert server.count() == 2


def test_nomis_cut_short_of_expected_total_is_an_error(server, make_client, tmp_cache):
    server.handler = nomis_server(total=30_000, cut=25_000)
    with pytest.raises(DownloadError, match=r"25000 rows .* but 30000 were expected"):
        make_client().nomis_csv("NM_2021_1", {}, base_url=server.url, expected_rows=30_000)
    assert cache_files(tmp_cache) == []


def test_nomis_ignoring_record_offset_is_an_error(server, make_client):
    server.handler = nomis_server(total=60_000, ignore_offset=True)
    with pytest.raises(DownloadError, match="ignored RecordOffset"):
        make_client().nomis_csv("NM_2021_1", {}, base_url=server.url)
    assert server.count() == 2


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html><body>Error: unknown dataset NM_9</body></html>", "unknown dataset NM_9"),
        (b'<?xml version="1.0"?><error>Cannot create query</error>', "Cannot create query"),
        (NOMIS_HEADER.encode(), "only a CSV header"),
        (b"", "empty response"),
    ],
)
def test_nomis_http_200_error_bodies(server, make_client, tmp_cache, body, match):
    server.handler = sequence(Reply(200, body, {"Content-Type": "text/html"}))
    with pytest.raises(DownloadError, match=match):
        make_client().nomis_csv("NM_9", {"geography": "TYPE151"}, base_url=server.url)
    assert server.count() == 1
    assert cache_files(tmp_cache) == []


# -------------------------------------------------------------------- Overpass


def test_overpass_runtime_error_remark_is_not_cached(server, make_client, tmp_cache):
    partial = {
        "version": 0.6,
        "elements": [{"type": "node", "id": 1}],
        "remark": 'runtime error: Query timed out in "query" at line 1 after 25 seconds.',
    }
    server.handler = sequence(json_reply(partial))
    client = make_client()
    url = f"{server.url}/api/interpreter"
    with pytest.raises(DownloadError, match="runtime error") as info:
        client.overpass("[out:json];nwr(1);out;", url=url)
    assert "not kept" in str(info.value)
    assert url in str(info.value)
    assert cache_files(tmp_cache) == []
    with pytest.raises(DownloadError):
        client.overpass("[out:json];nwr(1);out;", url=url)
    assert server.count() == 2


def test_overpass_result_is_cached_by_query(server, make_client):
    server.handler = sequence(json_reply({"elements": [{"type": "way", "id": 7}]}))
    client = make_client()
    url = f"{server.url}/api/interpreter"
    first = client.overpass("[out:json];way(7);out;", url=url)
    assert client.overpass("[out:json];way(7);out;", url=url) == first
    assert server.count() == 1
    client.overpass("[out:json];way(8);out;", url=url)
    assert server.count() == 2


def test_overpass_non_json_is_an_error(server, make_client):
    server.handler = sequence(
        Reply(200, b"<?xml version='1.0'?><osm><remark>runtime error</remark></osm>")
    )
    with pytest.raises(DownloadError, match=r"did not return JSON.*\[out:json\]"):
        make_client().overpass("node(1);out;", url=f"{server.url}/api/interpreter")


def test_cache_used_by_client_is_the_settings_cache(tmp_cache):
    client = HttpClient(Settings(cache_dir=tmp_cache))
    try:
        assert isinstance(client.cache, Cache)
        assert client.cache.root == tmp_cache
    finally:
        client.close()


def test_offline_serves_cached_arcgis_nomis_and_overpass_results(server, make_client):
    layer = f"{server.url}{LAYER_PATH}"
    server.handler = FakeLayer(n=12, max_records=5)
    online = make_client()
    features = online.arcgis_features(layer, out_fields="LSOA21CD")
    server.handler = nomis_server(total=10)
    table = online.nomis_csv("NM_2021_1", {"geography": "TYPE151"}, base_url=server.url)
    server.handler = sequence(json_reply({"elements": []}))
    osm = online.overpass("[out:json];node(1);out;", url=f"{server.url}/api/interpreter")
    before = server.count()
    offline = make_client(offline=True)
    assert offline.arcgis_features(layer, out_fields="LSOA21CD") == features
    assert offline.nomis_csv("NM_2021_1", {"geography": "TYPE151"}, base_url=server.url) == table
    assert offline.overpass("[out:json];node(1);out;", url=f"{server.url}/api/interpreter") == osm
    assert server.count() == before


def test_read_timeout_is_retried_and_reported(server, make_client, sleeps):
    def slow(request: Request) -> Reply:
        time.sleep(0.5)
        return Reply(200, CSV)

    server.handler = slow
    with pytest.raises(DownloadError, match=r"no answer within 0\.2 s"):
        make_client(timeout=0.2, retries=1).download(f"{server.url}/slow.csv")
    assert len(sleeps) == 1
