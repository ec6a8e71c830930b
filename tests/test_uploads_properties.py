"""Property tests: whatever CSV bytes arrive, only UploadError escapes and no row goes missing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import UploadError
from geo.uploads import read_assets_upload, read_indicators_upload

CELL = st.one_of(
    st.sampled_from(
        [
            "53.48",
            "-2.24",
            "0",
            "",
            "NA",
            "abc",
            "383848",
            "398589",
            "-2.24,",
            '"',
            "M1 1AD",
            "E01000001",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=8),
)
HEADERS = st.lists(
    st.sampled_from(
        [
            "name",
            "lat",
            "lon",
            "easting",
            "northing",
            "category",
            "postcode",
            "x",
            "y",
            "lsoa21cd",
            "v",
        ]
    ),
    min_size=1,
    max_size=6,
)


def _check(result):
    assert result.rows_in == result.loaded + len(result.rejections)
    assert sum(result.rejected.values()) + result.outside_area == len(result.rejections)
    assert len(result.frame) == result.loaded or result.kind == "indicators"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data):
    with contextlib.suppress(UploadError):
        _check(read_assets_upload(data, "x.csv"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    HEADERS,
    st.lists(st.lists(CELL, min_size=0, max_size=7), max_size=12),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    st.booleans(),
)
def test_structured_csv(header, rows, delimiter, encoding, swap):
    lines = [delimiter.join(header)] + [
        delimiter.join(cell.replace("\n", " ").replace("\r", " ") for cell in row) for row in rows
    ]
    try:
        data = "\r\n".join(lines).encode(encoding)
    except UnicodeEncodeError:
        data = "\r\n".join(lines).encode("utf-8")
    try:
        result = read_assets_upload(
            data, "x.csv", swap_coordinates=swap, area_bbox=(-3.0, 53.0, -2.0, 54.0)
        )
    except UploadError:
        return
    _check(result)
    # the rows people see: header is row 1, so every listed row is 2 or more
    assert (result.rejections["row"] >= 2).all()


@pytest.mark.parametrize("seed", [0])
@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(CELL, min_size=1, max_size=3), max_size=10))
def test_indicator_tables(seed, rows):
    lines = ["lsoa21cd,v"] + [
        ",".join(c.replace("\n", " ").replace(",", ";") for c in r[:2]) for r in rows
    ]
    try:
        result = read_indicators_upload("\n".join(lines).encode(), "x.csv")
    except UploadError:
        return
    _check(result)
