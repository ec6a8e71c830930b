"""One places reader for registers and uploads: same places, ambiguities asked or resolved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

from geo.sources.registers import assets_from_table, assets_from_vector
from geo.uploads import result as R
from geo.uploads.assets import read_assets_upload
from geo.uploads.columns import ColumnMapping
from geo.uploads.places import PlaceOptions, read_places

GM = Path("community_assets") / "greater_manchester_trafforddatalab"

SWAPPED = (
    "name,lon,lat\n"
    "Hope Centre,53.48,-2.24\n"  # latitude in the longitude column
    "Low Rd Hall,53.47,-2.25\n"
    "Oak Library,-2.26,53.46\n"  # the right way round
)


def test_swapped_register_is_read_swapped_with_a_note_and_the_upload_is_asked(tmp_path: Path):
    path = tmp_path / "halls.csv"
    path.write_text(SWAPPED, encoding="utf-8")
    register = assets_from_table(path, source="halls", category="community_centre")
    assert register.loaded == 3 and register.rejected == {}
    assert [n for n in register.notes if "wrong way round" in n] == [
        "halls.csv: 2 row(s) had latitude and longitude the wrong way round; they were read "
        "swapped (they lie in the UK only that way round)."
    ]
    upload = read_assets_upload(path.read_bytes(), "halls.csv")
    assert upload.loaded == 1
    assert upload.rejections["reason"].tolist() == [R.OUTSIDE_UK_SWAPPED] * 2
    assert [(s.code, s.rows, s.value) for s in upload.suggestions] == [
        ("swap_coordinates", 2, True)
    ]
    assert not any("wrong way round" in n for n in upload.notes)
    accepted = read_assets_upload(path.read_bytes(), "halls.csv", swap_coordinates=True)
    assert accepted.loaded == 3 and not accepted.suggestions
    distance = accepted.frame.geometry.distance(register.frame.geometry)
    assert float(distance.max()) < 1e-6


def test_the_reader_takes_on_ambiguity_and_an_explicit_no_to_swapping() -> None:
    data = SWAPPED.encode()
    asked = read_places(data, "halls.csv", PlaceOptions())
    auto = read_places(data, "halls.csv", PlaceOptions(on_ambiguity="auto"))
    refused = read_places(
        data, "halls.csv", PlaceOptions(on_ambiguity="auto", swap_coordinates=False)
    )
    for read in (asked, auto, refused):
        assert read.swappable.tolist() == [True, True, False]
        assert read.located is not None
    assert [s.code for s in asked.suggestions] == ["swap_coordinates"]
    assert int(asked.located.in_uk.sum()) == 1
    assert not auto.suggestions and int(auto.located.in_uk.sum()) == 3
    assert not refused.suggestions and int(refused.located.in_uk.sum()) == 1


def test_an_id_column_is_guessed_for_uploads_only() -> None:
    data = b"ref,name,lon,lat\nA7,Hope Centre,-2.24,53.48\nA8,Oak Hall,-2.25,53.47\n"
    assert read_places(data, "x.csv", PlaceOptions()).chosen.id == "ref"
    assert read_places(data, "x.csv", PlaceOptions(on_ambiguity="auto")).chosen.id is None
    named = PlaceOptions(on_ambiguity="auto", mapping=ColumnMapping(id="ref"))
    assert read_places(data, "x.csv", named).chosen.id == "ref"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf16_register_loads(tmp_path: Path, encoding: str):
    path = tmp_path / "spaces.txt"  # Excel's "Unicode text": UTF-16, tab-separated
    text = "Name\tPostcode\tLatitude\tLongitude\nCafé Ñandú – £1\tM1 1AA\t53.48\t-2.24\n"
    path.write_bytes(text.encode(encoding))
    read = assets_from_table(path, source="spaces", category="warm_space")
    assert read.loaded == read.rows_in == 1
    assert read.frame["name"].tolist() == ["Café Ñandú – £1"]
    assert read.frame["address"].tolist() == ["M1 1AA"]


def test_registers_gain_the_uploads_reasons_and_workbooks(tmp_path: Path):
    path = tmp_path / "rows.csv"
    path.write_text(
        "name,lon,lat\nA,-2.24,53.48\nB,NA,NA\nC,west,north\nD,0,0\nE,,\n", encoding="utf-8"
    )
    read = assets_from_table(path, source="r", category="library")
    assert read.frame["name"].tolist() == ["A"]
    assert read.rejected == {
        R.MISSING_COORDINATES: 2,  # blank, and NA as registers always read it
        R.BAD_COORDINATES: 1,
        R.ZERO_COORDINATES: 1,
    }
    upload = read_assets_upload(path.read_bytes(), "rows.csv")
    counts = upload.rejections["reason"].value_counts().to_dict()
    assert counts == read.rejected
    book = Workbook()
    sheet = book.active
    for row in [("Name", "Easting", "Northing"), ("Oak Hall", 384000, 398000)]:
        sheet.append(row)
    workbook = tmp_path / "halls.xlsx"
    book.save(workbook)
    from_xlsx = assets_from_table(workbook, source="x", category="community_centre")
    assert from_xlsx.loaded == 1
    assert from_xlsx.frame.geometry.iloc[0].x == pytest.approx(384000)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["gm_libraries.csv", "gm_libraries.geojson"])
def test_a_register_and_an_upload_of_the_same_file_give_the_same_places(shared_data, name):
    path = shared_data / GM / name
    reader = assets_from_table if name.endswith(".csv") else assets_from_vector
    register = reader(path, source="gm_libraries", category="library")
    upload = read_assets_upload(
        path.read_bytes(), name, mapping=ColumnMapping(category_value="library")
    )
    assert upload.rows_in == register.rows_in == 141
    assert upload.loaded == register.loaded == 141
    assert len(upload.rejections) == sum(register.rejected.values()) == 0
    assert upload.frame["name"].tolist() == register.frame["name"].tolist()
    assert upload.frame["address"].tolist() == register.frame["address"].tolist()
    assert (upload.frame["category"] == register.frame["category"]).all()
    distance = upload.frame.geometry.distance(register.frame.geometry).to_numpy()
    assert np.nanmax(distance) < 1e-6


def test_two_name_columns_a_register_notes_the_one_used_and_an_upload_shows_its_guess(
    tmp_path: Path,
):
    path = tmp_path / "groups.csv"
    path.write_text(
        "venue,group name,lon,lat\nSt Mary's Hall,Knit and Natter,-2.24,53.48\n",
        encoding="utf-8",
    )
    register = assets_from_table(path, source="g", category="community_centre")
    assert register.frame["name"].tolist() == ["St Mary's Hall"]
    assert register.notes == (
        "groups.csv: Columns venue, group name could each be the name; venue was used (name "
        "the column to use another).",
    )
    upload = read_assets_upload(path.read_bytes(), "groups.csv")
    assert upload.detected.guesses["name"] == "venue"
    assert not any("could each be the name" in n for n in upload.notes)
    chosen = assets_from_table(
        path, source="g", category="community_centre", name_column="group name"
    )
    assert chosen.frame["name"].tolist() == ["Knit and Natter"]
    assert not any("could each be the name" in n for n in chosen.notes)
