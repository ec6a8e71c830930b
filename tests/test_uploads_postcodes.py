"""Postcodes: normalising, offline directories, and the postcodes.io bulk path on a local server."""

from __future__ import annotations

import json

import pytest

from geo.config import Settings
from geo.errors import OfflineError
from geo.net import HttpClient
from geo.postcodes import (
    PostcodeGeocoder,
    geocode_postcodes,
    normalise_postcode,
    read_postcode_directory,
)
from geo.uploads import read_assets_upload
from tests.helpers_http import LocalServer, Reply, json_reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("m1 1ad", "M1 1AD"),
        ("M11AD", "M1 1AD"),
        ("  sw1a   1aa ", "SW1A 1AA"),
        ("AB1  0AA", "AB1 0AA"),
        ("BT11AA", "BT1 1AA"),
        ("EC1A1BB", "EC1A 1BB"),
        ("GIR 0AA", "GIR 0AA"),
        ("M1 1AI", None),  # I is not used in the inward code
        ("12345", None),
        ("", None),
        (None, None),
        ("M1 1AD; DROP TABLE", None),
    ],
)
def test_normalise_postcode(text, expected):
    assert normalise_postcode(text) == expected


def test_headerless_table_and_gzip(tmp_path):
    import gzip

    data = b"AL13HG\t51.75497\t-0.33541\nAB392BY\t56.96406\t-2.20839\n"
    frame = read_postcode_directory(data)
    assert list(frame.index) == ["AL1 3HG", "AB39 2BY"]
    assert frame.loc["AL1 3HG", "lat"] == pytest.approx(51.75497)
    path = tmp_path / "pc.tsv.gz"
    path.write_bytes(gzip.compress(data))
    assert list(read_postcode_directory(path, wanted=["ab39 2by"]).index) == ["AB39 2BY"]


def test_directory_with_only_grid_references():
    data = b"pcd,oseast1m,osnrth1m,lat,long\nM1 1AD,383848,398589,,\nJE2 4WD,,,99.999999,0\n"
    frame = read_postcode_directory(data)
    assert frame.loc["M1 1AD", "lat"] == pytest.approx(53.4838, abs=1e-3)
    assert frame.loc["JE2 4WD"].isna()["lat"]


def _postcodes_io(request):
    asked = json.loads(request.body)["postcodes"]
    results = []
    for pc in asked:
        if pc.startswith("ZZ"):
            results.append({"query": pc, "result": None})
        else:
            results.append(
                {
                    "query": pc,
                    "result": {
                        "postcode": pc,
                        "latitude": 53.48,
                        "longitude": -2.24,
                        "codes": {"lsoa": "E01033658"},
                    },
                }
            )
    return json_reply({"status": 200, "result": results})


def test_online_bulk_in_batches_with_pauses_and_retries(tmp_cache):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 2:
            return Reply(503, b"busy")
        return _postcodes_io(request)

    postcodes = [f"M{n // 10 + 1} {n % 10}AD" for n in range(205)] + ["ZZ9 9ZZ", "nonsense"]
    sleeps: list[float] = []
    with LocalServer(handler) as server:
        settings = Settings(cache_dir=tmp_cache, retries=2, backoff=0.0)
        with HttpClient(settings, sleep=sleeps.append) as client:
            result = geocode_postcodes(
                postcodes,
                settings=settings,
                client=client,
                url=f"{server.url}/postcodes",
                pause=0.25,
                sleep=sleeps.append,
            )
        bodies = [json.loads(r.body)["postcodes"] for r in server.requests]
    assert [r.method for r in server.requests] == ["POST"] * 4
    assert [len(b) for b in bodies] == [100, 100, 100, 6]  # the second was retried
    assert sleeps == [0.25, 0.0, 0.25]  # pause, retry backoff, pause
    assert len(result.found) == 205
    assert result.found["lsoa21"].eq("E01033658").all()
    assert dict(zip(result.unmatched["postcode"], result.unmatched["reason"], strict=True)) == {
        "nonsense": "not a valid postcode",
        "ZZ9 9ZZ": "postcode not found (unknown or terminated)",
    }


def test_offline_sends_nothing(tmp_cache):
    with LocalServer(_postcodes_io) as server:
        with pytest.raises(OfflineError, match="postcode directory"):
            geocode_postcodes(
                ["M1 1AD"],
                settings=Settings(cache_dir=tmp_cache, offline=True),
                url=f"{server.url}/postcodes",
            )
        assert server.requests == []


def test_assets_by_postcode_online(tmp_cache):
    with LocalServer(_postcodes_io) as server:
        settings = Settings(cache_dir=tmp_cache, retries=0)
        geocoder = PostcodeGeocoder(settings, url=f"{server.url}/postcodes", pause=0)
        data = b"name,postcode\nHall,M1 1AD\nNowhere,ZZ1 1ZZ\n"
        result = read_assets_upload(data, "x.csv", geocoder=geocoder)
    assert result.loaded == 1
    assert result.rejected == {"postcode not found (unknown or terminated)": 1}
    assert any("postcodes.io" in n for n in result.notes)


def test_allow_terminated_uses_last_location():
    data = b"pcds,doterm,lat,long\nSE1 9ZZ,199812,51.506903,-0.100841\n"
    settings = Settings(offline=True)
    kept = geocode_postcodes(["SE1 9ZZ"], settings=settings, directory=data, allow_terminated=True)
    assert kept.found.loc["SE1 9ZZ", "terminated"] == "1998-12"
    assert kept.notes
    listed = geocode_postcodes(["SE1 9ZZ"], settings=settings, directory=data)
    assert list(listed.unmatched["reason"]) == ["postcode terminated (1998-12)"]
