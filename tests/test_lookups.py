"""Lookups: LSOA 2021 → ward → local authority, and LSOA 2011 → LSOA 2021."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.errors import DataSourceError, SchemaError
from geo.sources.lookups import (
    local_authorities,
    read_lsoa11_lsoa21_lookup,
    read_lsoa21_lookup,
)
from geo.sources.tables import find_columns, read_table

GEOGRAPHR = """lsoa21_name,lsoa21_code,ward24_name,ward24_code,ltla24_name,ltla24_code
Trafford 001A,E01006109,Bucklow-St Martins,E05000819,Trafford,E08000009
Manchester 018A,E01005061,Ardwick,E05011356,Manchester,E08000003
Cardiff 001A,W01001701,Canton,W05001000,Cardiff,W06000015
Manchester 018C,E01005063,Ardwick,E05011356,Manchester,E08000003
"""

# Official names, BOM, stray spaces, lower/upper case, two vintages of ward and LAD.
OFFICIAL = (
    "\ufeff LSOA21CD ,lsoa21nm,WD23CD,WD23NM,WD24CD,WD24NM,LAD23CD,LAD23NM,LAD24CD,LAD24NM,"
    "ObjectId\n"
    "E01006109,Trafford 001A,E05000000,Old Ward,E05000819,Bucklow-St Martins,"
    "E08000009,Trafford,E08000009,Trafford,1\n"
    "E01005061,Manchester 018A,E05000001,Old Ward 2,E05011356,Ardwick,"
    "E08000003,Manchester,E08000003,Manchester,2\n"
)

OA_LOOKUP = (
    (
        "OA21CD,LSOA21CD,LSOA21NM,LSOA21NMW,MSOA21CD,MSOA21NM,MSOA21NMW,LAD22CD,LAD22NM,LAD22NMW,"
        "ObjectId\n"
    )
    + """\
E00000001,E01000001,City of London 001A,,E02000001,City of London 001,,E09000001,City of London,,1
E00000003,E01000001,City of London 001A,,E02000001,City of London 001,,E09000001,City of London,,2
E00000005,E01000001,City of London 001A,,E02000001,City of London 001,,E09000001,City of London,,3
E00000007,E01000002,City of London 001B,,E02000001,City of London 001,,E09000001,City of London,,4
E00000010,E01000002,City of London 001B,,E02000001,City of London 001,,E09000001,City of London,,5
"""
)

BRIDGE_OFFICIAL = """LSOA11CD,LSOA11NM,CHGIND,LSOA21CD,LSOA21NM,LAD22CD,LAD22NM,ObjectId
E01000001,City of London 001A,U,E01000001,City of London 001A,E09000001,City of London,1
E01000027,Barking 001A,S,E01033583,Barking 001F,E09000002,Barking and Dagenham,2
E01000027,Barking 001A,S,E01033584,Barking 001G,E09000002,Barking and Dagenham,3
E01011973,Hartlepool 002A,M,E01035188,Hartlepool 002F,E06000001,Hartlepool,4
E01011976,Hartlepool 002D,M,E01035188,Hartlepool 002F,E06000001,Hartlepool,5
"""


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_geographr_layout(tmp_path):
    lookup = read_lsoa21_lookup(_write(tmp_path, "lk.csv", GEOGRAPHR))
    assert lookup.index.name == "lsoa21cd"
    assert list(lookup.columns) == ["lsoa21nm", "ward_code", "ward_name", "lad_code", "lad_name"]
    row = lookup.loc["E01006109"]
    assert (row["lsoa21nm"], row["ward_code"], row["lad_code"], row["lad_name"]) == (
        "Trafford 001A",
        "E05000819",
        "E08000009",
        "Trafford",
    )


def test_official_layout_with_bom_and_two_vintages_takes_latest(tmp_path):
    lookup = read_lsoa21_lookup(_write(tmp_path, "off.csv", OFFICIAL))
    assert lookup.loc["E01006109", "ward_code"] == "E05000819"  # WD24, not WD23
    assert lookup.loc["E01005061", "ward_name"] == "Ardwick"
    assert lookup.loc["E01005061", "lsoa21nm"] == "Manchester 018A"


def test_output_area_lookup_reduced_to_one_row_per_lsoa(tmp_path):
    lookup = read_lsoa21_lookup(_write(tmp_path, "oa.csv", OA_LOOKUP))
    assert list(lookup.index) == ["E01000001", "E01000002"]
    assert lookup["lad_code"].tolist() == ["E09000001", "E09000001"]
    assert lookup["ward_code"].isna().all()
    assert any("no ward" in n for n in lookup.attrs["notes"])
    assert any("one row per LSOA" in n for n in lookup.attrs["notes"])


def test_lsoa_in_two_authorities_is_rejected(tmp_path):
    text = OA_LOOKUP.replace(
        "E00000010,E01000002,City of London 001B,,E02000001,City of London 001,,E09000001",
        "E00000010,E01000002,City of London 001B,,E02000001,City of London 001,,E09000002",
    )
    with pytest.raises(SchemaError, match="more than one local authority"):
        read_lsoa21_lookup(_write(tmp_path, "oa.csv", text))


def test_arcgis_geojson_and_esri_json(tmp_path):
    answer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "LSOA21CD": "E01006109",
                    "LSOA21NM": "Trafford 001A",
                    "WD24CD": "E05000819",
                    "WD24NM": "Bucklow-St Martins",
                    "LAD24CD": "E08000009",
                    "LAD24NM": "Trafford",
                    "ObjectId": 7,
                },
                "geometry": None,
            }
        ],
    }
    from_dict = read_lsoa21_lookup(answer)
    from_bytes = read_lsoa21_lookup(json.dumps(answer).encode())
    esri = {"features": [{"attributes": answer["features"][0]["properties"]}]}
    from_esri = read_lsoa21_lookup(esri)
    for frame in (from_dict, from_bytes, from_esri):
        assert frame.loc["E01006109", "lad_name"] == "Trafford"
        assert frame.loc["E01006109", "ward_code"] == "E05000819"
    # Pages of an ArcGIS layer can be given as a list.
    assert len(read_lsoa21_lookup([answer, answer | {"features": []}])) == 1


def test_arcgis_error_body_is_a_data_source_error():
    body = {"error": {"code": 400, "message": "Invalid query parameters"}}
    with pytest.raises(DataSourceError, match="Invalid query"):
        read_lsoa21_lookup(json.dumps(body).encode())


def test_missing_column_message_names_file_column_and_found_columns(tmp_path):
    path = _write(tmp_path, "nolad.csv", "lsoa21_code,lsoa21_name\nE01006109,Trafford 001A\n")
    with pytest.raises(SchemaError) as err:
        read_lsoa21_lookup(path)
    message = str(err.value)
    assert "nolad.csv" in message
    assert "'lad_code'" in message
    assert "'lsoa21_code'" in message and "'lsoa21_name'" in message  # columns found
    assert "LSOA 2021 lookup" in message  # what the file should be


def test_codes_stay_strings_and_cp1252_is_read(tmp_path):
    text = "LSOA21CD,LSOA21NM,LAD24CD,LAD24NM\nW01000001,Ynys Môn 001A,W06000001,Ynys Môn\n"
    path = tmp_path / "cp.csv"
    path.write_bytes(text.encode("cp1252"))
    lookup = read_lsoa21_lookup(path)
    assert lookup.loc["W01000001", "lad_name"] == "Ynys Môn"
    table = read_table(
        _write(tmp_path, "z.csv", "code,n\n00123,1,234\n".replace("1,234", '"1,234"'))
    )
    assert table.loc[0, "code"] == "00123"


def test_find_columns_prefers_exact_alias_then_latest_year():
    import re

    frame = pd.DataFrame(columns=["LAD19CD", "LAD22CD", "lad_code_old"])
    frame.attrs["source"] = "x.csv"
    found = find_columns(frame, {"lad": [re.compile(r"lad\d{2}cd")]}, what="a lookup")
    assert found == {"lad": "LAD22CD"}


def test_local_authorities_counts_country_and_order(tmp_path):
    las = local_authorities(read_lsoa21_lookup(_write(tmp_path, "lk.csv", GEOGRAPHR)))
    assert list(las.columns) == ["lad_code", "lad_name", "n_lsoa", "country"]
    assert las["lad_name"].tolist() == ["Cardiff", "Manchester", "Trafford"]
    assert las["n_lsoa"].tolist() == [1, 2, 1]
    assert las["country"].tolist() == ["Wales", "England", "England"]


def test_bridge_lookup_official_and_geographr(tmp_path):
    official = read_lsoa11_lsoa21_lookup(_write(tmp_path, "b.csv", BRIDGE_OFFICIAL))
    assert list(official.columns) == ["lsoa11cd", "lsoa21cd", "change_code", "lad_code"]
    assert official["change_code"].tolist() == ["U", "S", "S", "M", "M"]
    renamed = BRIDGE_OFFICIAL.replace(
        "LSOA11CD,LSOA11NM,CHGIND,LSOA21CD,LSOA21NM,LAD22CD,LAD22NM,ObjectId",
        "lsoa11_code,lsoa11_name,change_code,lsoa21_code,lsoa21_name,ltla22_code,ltla22_name,x",
    )
    geographr = read_lsoa11_lsoa21_lookup(_write(tmp_path, "g.csv", renamed))
    pd.testing.assert_frame_equal(official, geographr, check_like=False)


def test_bridge_lookup_rejects_unknown_change_code(tmp_path):
    bad = BRIDGE_OFFICIAL.replace(
        ",M,E01035188,Hartlepool 002F,E06000001,Hartlepool,4",
        ",Q,E01035188,Hartlepool 002F,E06000001,Hartlepool,4",
    )
    with pytest.raises(SchemaError, match="U, S, M or X"):
        read_lsoa11_lsoa21_lookup(_write(tmp_path, "b.csv", bad))


def test_bridge_lookup_missing_change_code_column(tmp_path):
    path = _write(tmp_path, "b.csv", "LSOA11CD,LSOA21CD\nE01000001,E01000001\n")
    with pytest.raises(SchemaError, match=r"'change_code'.*CHGIND"):
        read_lsoa11_lsoa21_lookup(path)


# ---------------------------------------------------------------- real files

FOCUS = {
    "E08000003": 295,  # Manchester
    "E08000009": 139,  # Trafford
    "E06000009": 94,  # Blackpool
    "E07000046": 38,  # Torridge
}


@pytest.mark.shared_data
def test_real_lsoa21_lookup(shared_data):
    lookup = read_lsoa21_lookup(shared_data / "lookups/geographr_lookup_lsoa21_ward24_ltla24.csv")
    assert len(lookup) == 35_672
    assert lookup.index.is_unique
    assert lookup.index.str.startswith("E01").sum() == 33_755
    assert lookup["ward_code"].notna().all()
    counts = lookup["lad_code"].value_counts()
    for lad, n in FOCUS.items():
        assert counts[lad] == n
    assert counts["E06000017"] > 0  # Rutland
    las = local_authorities(lookup)
    assert len(las) == 318
    assert las.set_index("lad_code").loc["E06000017", "lad_name"] == "Rutland"
    assert (las["country"] == "Wales").sum() == 22


@pytest.mark.shared_data
def test_real_lsoa11_lsoa21_lookup(shared_data):
    bridge = read_lsoa11_lsoa21_lookup(
        shared_data / "lookups/geographr_lookup_lsoa11_lsoa21_ltla22.csv"
    )
    assert len(bridge) == 35_795
    assert bridge["change_code"].value_counts().to_dict() == {
        "U": 33_647,
        "S": 1_900,
        "M": 239,
        "X": 9,
    }
    assert bridge["lsoa11cd"].nunique() == 34_753
    assert bridge["lsoa21cd"].nunique() == 35_672


@pytest.mark.shared_data
def test_real_official_lsoa11_ward_lookup_is_an_error_for_lsoa21(shared_data):
    # An LSOA 2011 lookup is not an LSOA 2021 lookup: the message says what is missing.
    with pytest.raises(SchemaError, match="lsoa21cd"):
        read_lsoa21_lookup(shared_data / "lookups/ONS_LSOA11_to_WD19_to_LAD19_Lookup_EW.csv")
