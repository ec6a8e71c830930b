"""Files from an attacker-style probe of the upload readers, each with its exact outcome."""

from __future__ import annotations

import re
import sqlite3
import time

import pytest

from geo.errors import UploadError
from geo.uploads import read_assets_upload
from tests.helpers_xlsx import far_cell_xlsx, padded_xlsx


def test_declared_sheet_dimensions_are_ignored():
    start = time.process_time()
    result = read_assets_upload(padded_xlsx(), "places.xlsx")
    assert time.process_time() - start < 5  # padded to 16,384 columns this took minutes
    assert (result.rows_in, result.loaded) == (300, 300)
    assert result.detected.columns == ("name", "category", "lat", "lon")


def test_a_value_past_the_column_cap_refuses_the_sheet():
    with pytest.raises(
        UploadError,
        match=re.escape(
            "Row 1 has a value in column 16,384; a sheet may have at most 1,000 columns"
        ),
    ):
        read_assets_upload(far_cell_xlsx(), "places.xlsx")


def test_a_csv_wider_than_the_column_cap_is_refused():
    data = b"a" + b",a" * 5000 + b"\n1,2\n"
    with pytest.raises(
        UploadError,
        match=re.escape(
            "Row 1 of the table has 5,001 cells; a table may have at most 1,000 columns"
        ),
    ):
        read_assets_upload(data, "wide.csv")


# --------------------------------------------------------------------------- nothing lost


def test_an_unclosed_quote_is_found_with_its_line():
    data = (
        b"name,category,lat,lon\n"
        b"Hall,library,53.48,-2.24\n"
        b'"Oops,library,53.48,-2.24\n'
        b"Chapel,library,53.48,-2.24\n"
        b"Club,library,53.48,-2.24\n"
    )
    with pytest.raises(
        UploadError,
        match=re.escape(
            'A quote (") opened on line 3 is never closed, so lines 3–5 would be read as one cell'
        ),
    ):
        read_assets_upload(data, "places.csv")


def test_quoted_cells_with_line_breaks_still_read():
    data = (
        b'name,category,lat,lon\n"Hall\nupstairs",library,53.48,-2.24\nClub,library,53.48,-2.24\n'
    )
    result = read_assets_upload(data, "places.csv")
    assert (result.rows_in, result.loaded) == (2, 2)
    assert list(result.frame["name"]) == ["Hall upstairs", "Club"]


def test_a_value_column_without_numbers_is_reported_not_loaded():
    from geo.uploads import read_indicators_upload

    rows = b"".join(b"E0100000%d,..\n" % i for i in range(1, 8))
    with pytest.raises(
        UploadError,
        match=re.escape(
            "The table has no column of values to use: column 'score' has no numbers "
            "(7 cells blank or marked missing, 0 text)"
        ),
    ):
        read_indicators_upload(b"lsoa21cd,score\n" + rows, "scores.csv")
    mixed = b"lsoa21cd,score,remarks\n" + b"".join(
        b"E0100000%d,%d,n/a\n" % (i, i) for i in range(1, 8)
    )
    result = read_indicators_upload(mixed, "scores.csv")
    assert list(result.frame.columns) == ["score"] and result.loaded == 7
    assert (
        "Not used as values: column 'remarks' has no numbers "
        "(7 cells blank or marked missing, 0 text)." in result.notes
    )


def test_categories_that_make_the_same_key_are_kept_apart():
    data = (
        b"name,category,lat,lon\n"
        b"A,{{7*7}},53.48,-2.24\n"
        b"B,${7*7},53.481,-2.24\n"
        b"C,Knit Club,53.482,-2.24\n"
        b"D,knit  club,53.483,-2.24\n"
    )
    result = read_assets_upload(data, "places.csv")
    assert result.new_categories == {
        "new:7_7": "{{7*7}}",
        "new:7_7_2": "${7*7}",
        "new:knit_club": "Knit Club",
    }
    assert list(result.frame["category"]) == [
        "new:7_7",
        "new:7_7_2",
        "new:knit_club",
        "new:knit_club",
    ]
    assert (
        "Categories '{{7*7}}', '${7*7}' all read as '7_7'; they were kept apart as separate "
        "new categories." in result.notes
    )
    # the choices made on the page keep them apart too
    from geo.uploads import ColumnMapping

    chosen = ColumnMapping(
        category_map={"{{7*7}}": "new:7_7", "${7*7}": "new:7_7_2", "Knit Club": "library"}
    )
    again = read_assets_upload(data, "places.csv", mapping=chosen)
    assert list(again.frame["category"]) == ["new:7_7", "new:7_7_2", "library", "library"]


def test_every_new_category_gets_its_own_colour():
    from geo.present.palettes import NEW_CATEGORY_COLOURS, DistinctColours
    from geo.sources.taxonomy import category_colours

    colours = DistinctColours()
    given = [colours(f"user_cat_{i}") for i in range(40)]
    assert len(set(given)) == 40
    assert given[: len(NEW_CATEGORY_COLOURS)] == list(NEW_CATEGORY_COLOURS)
    assert not set(NEW_CATEGORY_COLOURS) & set(category_colours().values())
    assert colours("user_cat_3") == given[3]  # the same key keeps its colour
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in given)


def test_streamlit_markdown_in_user_text_is_escaped():
    from ui.markdown import escape_markdown

    assert escape_markdown(":red[x]") == r"\:red\[x\]"
    assert escape_markdown(":material/warning: $x^2$") == r"\:material/warning: \$x^2\$"
    assert escape_markdown("<b>a</b>\nnext") == r"\<b\>a\</b\> next"
    assert escape_markdown("&lt;b&gt; & co") == r"\&lt;b\&gt; & co"
    assert escape_markdown("1. first") == r"1\. first"
    assert escape_markdown("- item") == r"\- item"
    assert escape_markdown("Your data: need_score") == r"Your data: need\_score"
    assert escape_markdown("Hall 2") == "Hall 2"


# --------------------------------------------------------------------------- GeoPackages


def _gpkg_with(*statements: str) -> bytes:
    import tempfile
    from pathlib import Path

    import geopandas as gpd
    import shapely

    from tests.upload_corpus import gpkg_of

    frame = gpd.GeoDataFrame({"name": ["Hall"]}, geometry=[shapely.Point(-2.24, 53.48)], crs=4326)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        path.write_bytes(gpkg_of({"sites": frame}))
        connection = sqlite3.connect(path)
        for statement in statements:
            connection.execute(statement)
        connection.commit()
        connection.close()
        return path.read_bytes()


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        (
            "CREATE VIRTUAL TABLE notes USING fts4(content, /* USING rtree( */ x)",
            "a virtual table 'notes' using the module 'fts4'",
        ),
        (
            'CREATE VIRTUAL TABLE "rtree_x" USING -- rtree(\n fts5(body)',
            "a virtual table 'rtree_x' using the module 'fts5'",
        ),
        ("CREATE VIEW leak AS SELECT 1 AS x", "a view 'leak' (views run SQL when they are read)"),
        (
            "CREATE TRIGGER sneaky AFTER INSERT ON sites BEGIN SELECT 1; END",
            "a trigger 'sneaky' that is not part of the GeoPackage standard",
        ),
        (
            "CREATE TRIGGER rtree_sites_geom_update9 AFTER UPDATE ON sites "
            "BEGIN SELECT load_extension('x'); END",
            "a trigger 'rtree_sites_geom_update9' that calls functions able to read files",
        ),
    ],
)
def test_geopackage_schema_is_judged_by_sqlite(statement, error):
    with pytest.raises(UploadError, match=re.escape(error)):
        read_assets_upload(_gpkg_with(statement), "sites.gpkg")


def test_a_geopackage_with_its_spatial_index_is_read():
    result = read_assets_upload(_gpkg_with(), "sites.gpkg")
    assert (result.rows_in, result.loaded) == (1, 1)


@pytest.mark.parametrize(
    ("sql", "module"),
    [
        ("CREATE VIRTUAL TABLE x USING rtree(id, a, b)", "rtree"),
        ('CREATE VIRTUAL TABLE IF NOT EXISTS main."a b" USING RTree(id, a, b)', "RTree"),
        ("CREATE VIRTUAL TABLE [t] /* USING rtree */ USING fts5(x)", "fts5"),
        ("CREATE VIRTUAL TABLE 'rtree' USING fts3('USING rtree(')", "fts3"),
        ("CREATE TABLE x (a)", None),
    ],
)
def test_virtual_table_module_follows_sql_tokens(sql, module):
    from geo.uploads.gpkg_schema import virtual_table_module

    assert virtual_table_module(sql) == module


# --------------------------------------------------------------------------- registers


def test_a_utf16_register_reads_like_a_utf16_upload(tmp_path):
    from geo.sources.registers import assets_from_table

    text = "name,category,lat,lon\r\nHall,library,53.48,-2.24\r\nClub,library,53.481,-2.24\r\n"
    data = text.encode("utf-16")
    upload = read_assets_upload(data, "places.csv")
    assert (upload.rows_in, upload.loaded) == (2, 2)
    path = tmp_path / "places.csv"
    path.write_bytes(data)
    register = assets_from_table(path, source="halls", category="library")
    assert (register.rows_in, register.loaded) == (2, 2)
    assert register.frame["name"].tolist() == upload.frame["name"].tolist()
    assert "places.csv was read as UTF-16 little-endian with a byte-order mark [utf-16]" in (
        register.notes
    )
