"""OS Code-Point Open: the reader, its cache, and geocoding with it."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import geo.postcodes.codepoint as codepoint
from geo.config import Settings
from geo.errors import DataSourceError
from geo.net.cache import Cache
from geo.postcodes import (
    CODEPOINT_COLUMNS,
    INVALID,
    NO_COORDINATES,
    NORTHERN_IRELAND,
    geocode_postcodes,
    is_codepoint,
    normalise_postcode,
    normalise_postcodes,
    postcode_table,
    read_codepoint,
)
from geo.postcodes.codepoint import NOT_IN_CODEPOINT

CODEPOINT_FILE = "postcodes_codepoint_open_gb/codepoint_open_2025_4_gb.csv.gz"

# Real rows of the October 2025 release, in the product's exact format (text
# quoted, numbers bare, empty codes ""): Oakham library, Lerwick, Cardiff, and
# a postcode with quality 90 (no coordinates), written with the two spaces
# older releases used for short outward codes.
ROWS = [
    '"LE15 6HW",10,486253,308656,"E92000001","E19000001","E18000004","","E06000017","E05012643"',
    '"ZE1 0AA",10,447759,1141280,"S92000003","","S08000026","","S12000027","S13002777"',
    '"CF10 1EP",10,318200,175860,"W92000004","","W11000029","","W06000015","W05001274"',
    '"AB43  1AJ",90,0,0,"S92000003","","","","",""',
]


def _write(path: Path, *, header: bool, compress: bool) -> Path:
    lines = ([",".join(CODEPOINT_COLUMNS)] if header else []) + ROWS
    data = ("\r\n".join(lines) + "\r\n").encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.fixture(autouse=True)
def _fresh_memo():
    codepoint._memo.clear()
    yield
    codepoint._memo.clear()


@pytest.mark.parametrize(
    "text",
    [
        "m1 1ad",
        "M11AD",
        "  sw1a   1aa ",
        "GIR 0AA",
        "M1 1AI",
        "",
        None,
        "12345",
        "BT11AA",
        "W1A0AX",
    ],
)
def test_column_normaliser_agrees_with_the_one_value_rule(text):
    assert normalise_postcodes([text]).to_pylist() == [normalise_postcode(text)]


@pytest.mark.parametrize(("header", "compress"), [(True, True), (False, False), (True, False)])
def test_reads_the_product_layouts(tmp_path, header, compress):
    path = _write(tmp_path / "codepoint.csv", header=header, compress=compress)
    assert is_codepoint(path)
    table = read_codepoint(path)
    assert list(table.index) == ["LE15 6HW", "ZE1 0AA", "CF10 1EP", "AB43 1AJ"]
    assert table.loc["LE15 6HW", ["east", "north"]].tolist() == [486253.0, 308656.0]
    assert table.loc["LE15 6HW", "district"] == "E06000017"
    assert table.loc["ZE1 0AA", "country"] == "S92000003"
    # quality 90: kept, without coordinates
    assert table.loc["AB43 1AJ", "quality"] == 90
    assert table.loc["AB43 1AJ", ["east", "north"]].isna().all()


def test_reads_the_product_zip(tmp_path):
    path = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Doc/Code-Point_Open_Column_Headers.csv", ",".join(CODEPOINT_COLUMNS))
        archive.writestr("Data/CSV/le.csv", ROWS[0] + "\r\n")
        archive.writestr("Data/CSV/ze.csv", ROWS[1] + "\r\n")
    assert is_codepoint(path)
    table = read_codepoint(path)
    assert list(table.index) == ["LE15 6HW", "ZE1 0AA"]
    assert table.loc["ZE1 0AA", ["east", "north"]].tolist() == [447759.0, 1141280.0]
    unsafe = tmp_path / "unsafe.zip"
    with zipfile.ZipFile(unsafe, "w") as archive:
        archive.writestr("../Data/CSV/le.csv", ROWS[0])
    with pytest.raises(DataSourceError, match="unsafe member name"):
        read_codepoint(unsafe)


def test_other_tables_are_not_taken_for_codepoint(tmp_path):
    onspd = tmp_path / "onspd.csv"
    onspd.write_text("pcds,lat,long\nM1 1AD,53.48,-2.24\n")
    assert not is_codepoint(onspd)
    assert not is_codepoint(tmp_path / "missing.csv")


def _codepoint_entries(cache: Cache) -> list[str]:
    entries = cache.keys()
    return [k for k in entries if k.startswith("postcodes/codepoint-")]


def test_cached_as_parquet_by_file_hash(tmp_path):
    cache = Cache(tmp_path / "cache")
    path = _write(tmp_path / "codepoint.csv.gz", header=True, compress=True)
    first = read_codepoint(path, cache=cache)
    assert len(_codepoint_entries(cache)) == 1
    codepoint._memo.clear()
    # the Parquet copy is the table, and what a later run reads
    stored = pd.read_parquet(cache.get(_codepoint_entries(cache)[0])).set_index("postcode")
    assert stored.equals(first)
    again = read_codepoint(path, cache=cache)
    assert again.equals(first)
    # a changed file is a new key, read again
    path.write_bytes(gzip.compress(("\n".join([",".join(CODEPOINT_COLUMNS), ROWS[0]])).encode()))
    codepoint._memo.clear()
    assert list(read_codepoint(path, cache=cache).index) == ["LE15 6HW"]
    assert len(_codepoint_entries(cache)) == 2


def test_geocoding_with_codepoint_gives_a_reason_for_every_miss(tmp_path):
    path = _write(tmp_path / "codepoint.csv.gz", header=True, compress=True)
    settings = Settings(offline=True, cache_dir=tmp_path / "cache")
    result = geocode_postcodes(
        ["le156hw", "CF10 1EP", "AB43 1AJ", "BT1 1AA", "LE15 6ZZ", "not a postcode", "LE15 6HW"],
        settings=settings,
        directory=path,
    )
    assert list(result.found.index) == ["LE15 6HW", "CF10 1EP"]
    assert result.source == "Code-Point Open (codepoint.csv.gz)"
    oakham = result.found.loc["LE15 6HW"]
    assert 52.6 < oakham["lat"] < 52.7 and -0.8 < oakham["lon"] < -0.7
    reasons = dict(zip(result.unmatched["postcode"], result.unmatched["reason"], strict=True))
    assert reasons == {
        "not a postcode": INVALID,
        "AB43 1AJ": NO_COORDINATES,
        "BT1 1AA": NORTHERN_IRELAND,
        "LE15 6ZZ": NOT_IN_CODEPOINT,
    }


def test_a_non_codepoint_file_is_refused_with_a_reason(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,x\nfoo,1\n")
    with pytest.raises(Exception, match="not a Code-Point Open CSV"):
        read_codepoint(bad)


def test_postcode_table_from_a_sources_file(tmp_path):
    path = _write(tmp_path / "cp.csv.gz", header=True, compress=True)
    sources = tmp_path / "sources.toml"
    sources.write_text(f'base = "{tmp_path}"\n[datasets.postcodes]\npath = "cp.csv.gz"\n')
    assert postcode_table(Settings(sources_file=sources, cache_dir=tmp_path)) == path
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert postcode_table(Settings(sources_file=empty, cache_dir=tmp_path)) is None
    assert postcode_table(Settings(cache_dir=tmp_path)) is None


# --------------------------------------------------------------------------- the real file


@pytest.mark.shared_data
def test_real_codepoint_open(shared_data, shared_settings, tmp_path):
    path = shared_data / CODEPOINT_FILE
    assert postcode_table(shared_settings) == path
    table = read_codepoint(path, cache=Cache(tmp_path / "cache"))
    assert len(table) == 1_745_849  # the sum of the per-area counts in metadata.txt
    assert table.index.is_unique
    assert int(table["east"].isna().sum()) == 836  # quality 90
    assert table["country"].value_counts().to_dict() == {
        "E92000001": 1_492_125,
        "S92000003": 161_476,
        "W92000004": 92_248,
    }
    located = table.dropna(subset=["east"])
    assert located["east"].between(0, 700_000).all()
    assert located["north"].between(0, 1_300_000).all()
    assert table.loc["LE15 6HW", "district"] == "E06000017"  # Oakham, Rutland
