"""Nomis and Overpass etiquette of the HTTP client, against a local server (no internet)."""

from __future__ import annotations

import time
import urllib.parse

import pytest

from geo.errors import DownloadError
from geo.net.nomis import split_codes
from geo.net.overpass import merge_elements, query_timeout, status_url, status_wait, tiles
from tests.helpers_http import (
    NOMIS_HEADER,
    Reply,
    Request,
    cache_files,
    json_reply,
    nomis_server,
    sequence,
)

BUSY_PAGE = b"<html><body><h1>Too many requests</h1><p>Please try again later.</p></body></html>"
QUERY = '[out:json][timeout:25];node["amenity"="library"](51,0,52,1);out;'


# ------------------------------------------------------------------------ Nomis


def test_nomis_rate_limit_page_is_retried_then_read(server, make_client, sleeps, tmp_cache):
    good = nomis_server(total=10)
    replies = [Reply(200, BUSY_PAGE, {"Content-Type": "text/html"})]

    def handler(request: Request) -> Reply:
        return replies.pop(0) if replies else good(request)

    server.handler = handler
    client = make_client(nomis_interval=0)
    body = client.nomis_csv("NM_2021_1", {"geography": "TYPE151"}, base_url=server.url)
    assert body.count(b"\n") == 11
    assert server.count() == 2
    assert sleeps == [0.5]  # the usual backoff before the retry
    assert len(cache_files(tmp_cache)) == 2  # the good table and its sidecar


def test_nomis_rate_limit_that_persists_is_an_error_and_not_cached(server, make_client, tmp_cache):
    server.handler = sequence(Reply(200, BUSY_PAGE, {"Content-Type": "text/html"}))
    with pytest.raises(DownloadError, match="limiting requests") as info:
        make_client(nomis_interval=0, retries=2).nomis_csv("NM_2021_1", {}, base_url=server.url)
    assert "3 attempts" in str(info.value)
    assert server.count() == 3
    assert cache_files(tmp_cache) == []


def test_nomis_requests_keep_a_minimum_interval(server, make_client, sleeps):
    server.handler = nomis_server(total=10)
    client = make_client(nomis_interval=0.4)
    client.nomis_csv("NM_2021_1", {"geography": "A"}, base_url=server.url)
    client.nomis_csv("NM_2021_1", {"geography": "B"}, base_url=server.url)
    assert len(sleeps) == 1
    assert 0.0 < sleeps[0] <= 0.4
    client.nomis_csv("NM_2021_1", {"geography": "A"}, base_url=server.url)  # cached: no wait
    assert len(sleeps) == 1


def test_geography_codes_are_split_into_urls_of_at_most_2000_characters(server, make_client):
    codes = [f"E01{n:06d}" for n in range(600)]
    seen: list[str] = []

    def handler(request: Request) -> Reply:
        url = f"{server.url}{request.path}?{urllib.parse.urlencode(request.query)}"
        assert len(url) <= 2000, len(url)
        asked = request.query["geography"].split(",")
        seen.extend(asked)
        rows = "".join(f"2021,{code},0,{i}\n" for i, code in enumerate(asked))
        return Reply(200, (NOMIS_HEADER + rows).encode(), {"Content-Type": "text/csv"})

    server.handler = handler
    client = make_client(nomis_interval=0)
    body = client.nomis_geography_csv(
        "NM_2021_1", list(reversed(codes)), {"date": "latest"}, base_url=server.url
    )
    lines = body.decode().splitlines()
    assert lines[0] == NOMIS_HEADER.strip()
    assert [line.split(",")[1] for line in lines[1:]] == codes  # sorted, each once
    assert seen == codes
    assert 4 <= server.count() <= 6  # about 150 codes a request


def test_split_codes_respects_the_limit():
    url = "https://www.nomisweb.co.uk/api/v01/dataset/NM_2021_1.data.csv"
    params = {"date": "latest", "measures": "20100"}
    codes = [f"E01{n:06d}" for n in range(1000)]
    groups = split_codes(url, params, codes, 2000)
    assert ",".join(groups).split(",") == codes
    for group in groups:
        full = {**params, "geography": group, "RecordOffset": "100000", "RecordLimit": "25000"}
        assert len(f"{url}?{urllib.parse.urlencode(full)}") <= 2000
    assert len(groups) == 7


# --------------------------------------------------------------------- Overpass


def test_overpass_status_texts():
    assert status_wait("Connected as: 1\nRate limit: 2\n2 slots available now.\n") == 0.0
    text = (
        "Rate limit: 2\n"
        "Slot available after: 2025-11-20T10:22:05Z, in 14 seconds.\n"
        "Slot available after: 2025-11-20T10:22:41Z, in 50 seconds.\n"
    )
    assert status_wait(text) == 14.0
    assert status_wait("0 slots available now.\nSlot available after: x, in 3 seconds.") == 3.0
    assert status_wait("<html>nothing useful</html>") is None
    assert status_url("https://overpass-api.de/api/interpreter") == (
        "https://overpass-api.de/api/status"
    )
    assert query_timeout(QUERY) == 25.0
    assert query_timeout("[out:json];node(1);out;") is None


def test_overpass_429_waits_for_the_slot_the_status_names(server, make_client, sleeps):
    answers = [Reply(429, b"rate_limited")]

    def handler(request: Request) -> Reply:
        if request.path == "/api/status":
            return Reply(
                200, b"Rate limit: 2\nSlot available after: 2025-11-20T10:22:05Z, in 4 seconds.\n"
            )
        return answers.pop(0) if answers else json_reply({"elements": [{"type": "node", "id": 1}]})

    server.handler = handler
    result = make_client().overpass(QUERY, url=f"{server.url}/api/interpreter")
    assert result["elements"] == [{"type": "node", "id": 1}]
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/api/interpreter"),
        ("GET", "/api/status"),
        ("POST", "/api/interpreter"),
    ]
    assert sleeps == [5.0]  # the slot's 4 s and a second's margin


def test_overpass_slot_wait_is_bounded(server, make_client, sleeps):
    answers = [Reply(429, b"rate_limited")]

    def handler(request: Request) -> Reply:
        if request.path == "/api/status":
            return Reply(200, b"Slot available after: 2025-11-20T11:22:05Z, in 3600 seconds.\n")
        return answers.pop(0) if answers else json_reply({"elements": []})

    server.handler = handler
    make_client(overpass_max_wait=20.0).overpass(QUERY, url=f"{server.url}/api/interpreter")
    assert sleeps == [20.0]


def test_a_failing_overpass_query_is_not_sent_again_and_again(server, make_client, sleeps):
    server.handler = sequence(Reply(504, b"gateway timeout"))
    client = make_client(retries=5, overpass_retries=2)
    with pytest.raises(DownloadError, match="3 attempts"):
        client.overpass(QUERY, url=f"{server.url}/api/interpreter")
    assert server.count() == 3
    assert sleeps == [0.5, 1.0]
    server.requests.clear()
    server.handler = sequence(Reply(500, b"internal error"))
    with pytest.raises(DownloadError, match="HTTP 500"):
        client.overpass(QUERY, url=f"{server.url}/api/interpreter")
    assert server.count() == 1  # only 429 and 504 are retried


def test_overpass_waits_longer_than_the_query_timeout(server, make_client, sleeps):
    def slow(request: Request) -> Reply:
        time.sleep(0.6)
        return json_reply({"elements": [{"type": "node", "id": 3}]})

    server.handler = slow
    client = make_client(timeout=0.2, retries=0)
    result = client.overpass(
        "[out:json][timeout:1];node(3);out;", url=f"{server.url}/api/interpreter"
    )
    assert result["elements"] == [{"type": "node", "id": 3}]
    with pytest.raises(DownloadError, match="no answer within"):
        client.overpass("[out:json];node(4);out;", url=f"{server.url}/api/interpreter")


def test_tiles_cover_the_box_within_the_size():
    box = (-2.5, 53.3, -2.0, 53.6)  # about 33 km × 33 km
    parts = tiles(box, 10.0)
    assert len(parts) == 16
    assert min(p[0] for p in parts) == -2.5 and max(p[2] for p in parts) == pytest.approx(-2.0)
    assert min(p[1] for p in parts) == 53.3 and max(p[3] for p in parts) == pytest.approx(53.6)
    area = sum((p[2] - p[0]) * (p[3] - p[1]) for p in parts)
    assert area == pytest.approx(0.5 * 0.3)
    assert tiles(box, 100.0) == [box]


def test_overpass_area_merges_tiles_without_duplicates(server, make_client):
    def handler(request: Request) -> Reply:
        # every tile also returns the element on the shared corner, node 1
        query = request.form["data"]
        own = {"type": "way", "id": len(server.requests), "tags": {"q": query[-20:]}}
        return json_reply({"version": 0.6, "elements": [{"type": "node", "id": 1}, own]})

    server.handler = handler
    client = make_client(overpass_tile_km=10.0)
    doc = client.overpass_area(
        (-2.5, 53.3, -2.0, 53.6),
        lambda t: f"[out:json];nwr({t[1]:.5f},{t[0]:.5f},{t[3]:.5f},{t[2]:.5f});out;",
        url=f"{server.url}/api/interpreter",
    )
    assert server.count() == 16
    keys = [(e["type"], e["id"]) for e in doc["elements"]]
    assert keys.count(("node", 1)) == 1
    assert len(keys) == len(set(keys)) == 17
    assert doc["version"] == 0.6
    assert merge_elements([]) == {"elements": []}
