"""National registers (libraries, GP practices) placed at their postcodes."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import ConfigError, SchemaError
from geo.sources.assetfiles import check_asset_frame
from geo.sources.national_registers import (
    ARCHIVE,
    CLOSED,
    EPRACCUR_COLUMNS,
    MOBILE,
    NOT_GP,
    PRISON,
    TEMPORARILY_CLOSED,
    assets_from_epraccur,
    assets_from_libraries_basic,
    national_register_assets,
    register_counts,
)
from geo.sources.registers import assets_from_spec
from tests.conftest import PROJECT_ROOT

LIBRARIES = "community_assets/national_libraries_librarieshacked/libraries_england_2023.csv"
EPRACCUR = "nhs_gp_practices_england/epraccur_2025-09.csv"
NOT_FOUND = "postcode not found (Code-Point Open lists live postcodes only)"

# Code-Point rows (real values, October 2025) for the postcodes the fixtures use
POSTCODES = pd.DataFrame(
    {
        "east": [486253.0, 318200.0, float("nan")],
        "north": [308656.0, 175860.0, float("nan")],
        "quality": [10, 10, 90],
        "country": ["E92000001", "W92000004", "S92000003"],
        "district": ["E06000017", "W06000015", ""],
    },
    index=pd.Index(["LE15 6HW", "CF10 1EP", "AB43 1AJ"], name="postcode"),
)


def _libraries(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = ["name", "address1", "postcode", "type", "statutory_23", "operation_23", "closed"]
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def test_libraries_rules_and_postcode_reasons(tmp_path):
    static = {"type": "Static Library", "statutory_23": "Yes", "operation_23": "LA"}
    path = _libraries(
        tmp_path / "libraries.csv",
        [
            {**static, "name": "Oakham Library", "postcode": "le15 6hw"},
            {**static, "name": "Community run", "postcode": "CF10 1EP", "operation_23": "CR"},
            {**static, "name": "Closed", "postcode": "LE15 6HW", "closed": "2016"},
            {**static, "name": "Closed op", "postcode": "LE15 6HW", "operation_23": "Closed"},
            {**static, "name": "Shut", "postcode": "LE15 6HW", "operation_23": "Temporary Closure"},
            {**static, "name": "Van", "postcode": "LE15 6HW", "type": "Mobile Library"},
            {**static, "name": "HMP", "postcode": "LE15 6HW", "type": "Prison Library"},
            {**static, "name": "Records", "postcode": "LE15 6HW", "type": "Archive"},
            {**static, "name": "No coordinates", "postcode": "AB43 1AJ"},
            {**static, "name": "Belfast", "postcode": "BT1 1AA"},
            {**static, "name": "Gone", "postcode": "LE15 6ZZ"},
            {**static, "name": "Bad", "postcode": "n/a"},
        ],
    )
    read = assets_from_libraries_basic(path, postcodes=POSTCODES, source="libs")
    check_asset_frame(read.frame)
    assert read.frame["name"].tolist() == ["Oakham Library", "Community run"]
    assert set(read.frame["category"]) == {"library"}
    assert read.frame.geometry.iloc[0].coords[0] == (486253.0, 308656.0)
    assert read.frame["address"].iloc[0] == "le15 6hw"  # postcode as written, no address lines
    counts = register_counts(read)
    assert (counts.rows_read, counts.kept, counts.geocoded) == (12, 6, 2)
    assert counts.excluded == {CLOSED: 2, TEMPORARILY_CLOSED: 1, MOBILE: 1, PRISON: 1, ARCHIVE: 1}
    assert counts.unmatched == {
        "postcode has no coordinates": 1,
        "Northern Ireland postcode (not in Code-Point Open)": 1,
        NOT_FOUND: 1,
        "not a valid postcode": 1,
    }


def _epraccur(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        for code, postcode, status, setting in rows:
            values = dict.fromkeys(EPRACCUR_COLUMNS, "")
            values.update(
                org_code=code,
                name=f"{code} SURGERY",
                address_1="HEALTH CENTRE",
                address_2="CATMOS STREET",
                postcode=postcode,
                status_code=status,
                prescribing_setting=setting,
            )
            writer.writerow(values.values())
    return path


def test_gp_practices_active_only(tmp_path):
    path = _epraccur(
        tmp_path / "epraccur.csv",
        [
            ("A1", "LE15 6HW", "A", "4"),
            ("W1", "CF10 1EP", "A", "4"),
            ("A2", "LE15 6HW", "C", "4"),
            ("A3", "LE15 6HW", "D", "4"),
            ("Y1", "LE15 6HW", "A", "1"),
            ("A4", "LE15 6ZZ", "A", "4"),
        ],
    )
    read = assets_from_epraccur(path, postcodes=POSTCODES, source="gp")
    check_asset_frame(read.frame)
    assert read.frame["asset_id"].tolist() == ["gp:A1", "gp:W1"]
    assert read.frame["name"].iloc[0] == "A1 Surgery"
    assert read.frame["address"].iloc[0] == "Health Centre, Catmos Street, LE15 6HW"
    assert set(read.frame["category"]) == {"health"}
    counts = register_counts(read)
    assert (counts.rows_read, counts.kept, counts.geocoded) == (6, 3, 2)
    assert counts.excluded == {NOT_GP: 1, "GP practice closed": 1, "GP practice dormant": 1}
    assert counts.unmatched == {NOT_FOUND: 1}


def test_wrong_files_and_missing_postcode_table_are_explained(tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n")
    with pytest.raises(SchemaError, match="not the libraries basic dataset"):
        assets_from_libraries_basic(wrong, postcodes=POSTCODES)
    with pytest.raises(SchemaError, match="not the ODS epraccur file"):
        assets_from_epraccur(wrong, postcodes=POSTCODES)
    path = _epraccur(tmp_path / "epraccur.csv", [("A1", "LE15 6HW", "A", "4")])
    with pytest.raises(ConfigError, match="postcodes ="):
        assets_from_epraccur(path)


def test_spec_format_reads_a_register(tmp_path):
    path = _epraccur(tmp_path / "epraccur.csv", [("A1", "LE15 6HW", "A", "4")])
    spec = {"format": "nhs_epraccur", "path": path.name, "source": "gp", "postcodes": POSTCODES}
    assert assets_from_spec(spec, base_dir=tmp_path).frame["asset_id"].tolist() == ["gp:A1"]


# --------------------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def national(shared_settings):
    return national_register_assets(shared_settings)


@pytest.mark.shared_data
def test_real_registers_from_the_sources_file_alone(shared_data, national):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATLAS_SHARED_DATA", str(shared_data))
        frame, counts = national_register_assets(PROJECT_ROOT / "data" / "sources.shared.toml")
    assert counts == national[1] and frame.equals(national[0])


def test_no_register_named_is_explained(tmp_path):
    empty = tmp_path / "sources.toml"
    empty.write_text("")
    with pytest.raises(ConfigError, match="names no national register"):
        national_register_assets(empty)


@pytest.mark.shared_data
def test_real_libraries(national):
    counts = national[1]["national_libraries"]
    print("libraries:", counts.summary())
    assert (counts.rows_read, counts.kept, counts.geocoded) == (3487, 2905, 2875)
    assert counts.excluded == {
        ARCHIVE: 51,
        CLOSED: 360,
        TEMPORARILY_CLOSED: 23,
        MOBILE: 85,
        PRISON: 63,
    }
    assert counts.unmatched == {NOT_FOUND: 30}


@pytest.mark.shared_data
def test_real_gp_practices(national):
    counts = national[1]["gp_practices"]
    print("GP practices:", counts.summary())
    # SOURCES.md: 6,618 active practices, 6,610 of them found in Code-Point Open
    assert (counts.rows_read, counts.kept, counts.geocoded) == (16685, 6618, 6610)
    assert counts.excluded == {NOT_GP: 8030, "GP practice closed": 1963, "GP practice dormant": 74}
    assert counts.unmatched == {NOT_FOUND: 8}


@pytest.mark.shared_data
def test_real_registers_as_one_asset_frame(national):
    frame = national[0]
    check_asset_frame(frame)
    assert frame["category"].value_counts().to_dict() == {"health": 6610, "library": 2875}
    assert frame.crs.to_epsg() == 27700
    assert frame.geometry.x.between(80_000, 660_000).all()  # England and Wales
    assert frame.geometry.y.between(5_000, 660_000).all()
    oakham = frame[frame["name"] == "Oakham"]
    assert oakham["address"].tolist() == ["Catmos Street, Oakham, East Midlands, LE15 6HW"]
