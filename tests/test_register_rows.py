"""Register rows to asset records: column lookup, category rules, ids and names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from geo.errors import ConfigError, SchemaError
from geo.sources.register_rows import (
    CategoryRule,
    ColumnFinder,
    RegisterOptions,
    assemble_register,
)
from geo.sources.register_text import first_part, join_address, name_text

FILE = Path("halls.csv")


def test_columns_are_found_ignoring_case_spaces_and_underscores():
    finder = ColumnFinder(["Site Name", "EASTING", "post_code"], FILE)
    assert finder.find("site_name", (), "name") == "Site Name"
    assert finder.find(None, ("northing", "easting"), "easting") == "EASTING"
    assert finder.find(None, ("lat",), "latitude") is None
    assert finder.named(None, "id") is None
    with pytest.raises(SchemaError, match=r"halls.csv has no id column 'ref'.*Site Name"):
        finder.named("ref", "id")


def test_category_rules():
    assert CategoryRule(fixed="library").resolver()("anything") == "library"
    mapped = CategoryRule(column="kind", mapping={"Hall": "community_centre", "Shop": ""})
    resolve = mapped.resolver()
    assert resolve(" hall ") == "community_centre"
    assert resolve("Shop") is None and resolve("Pub") is None
    with pytest.raises(ConfigError, match="not both"):
        CategoryRule(fixed="library", column="kind").resolver()
    with pytest.raises(ConfigError, match="Say which category"):
        CategoryRule().resolver()


def test_cell_text_drops_html_and_placeholders():
    assert name_text("Unknown") == ""
    assert first_part("Village Hall<br/>Main St") == "Village Hall"
    assert join_address(["1 Main St", "Main St", "NA", "Oakham &amp; District"]) == (
        "1 Main St, Oakham & District"
    )


def test_assemble_names_ids_and_unmapped_rows():
    rows = pd.DataFrame(
        {
            "ref": ["12.0", "", "14"],
            "kind": ["Hall", "Hall", "Shop"],
            "Address": ["Oakham Hall, High St", "Uppingham Hall<br>Market Pl", "Shop, High St"],
        }
    )
    points = [Point(486000, 308000), Point(486500, 299800), Point(486100, 308100)]
    read = assemble_register(
        rows,
        points,
        "EPSG:27700",
        FILE,
        CategoryRule(column="kind", mapping={"Hall": "community_centre"}),
        RegisterOptions("halls", id="ref"),
        (),
    )
    frame = read.frame.sort_values("asset_id")
    assert frame["asset_id"].tolist() == ["halls:12", "halls:row2"]
    assert frame["name"].tolist() == ["Oakham Hall", "Uppingham Hall"]
    assert frame["address"].tolist() == ["Oakham Hall, High St", "Uppingham Hall, Market Pl"]
    assert read.rejected == {"category not mapped": 1}
    with pytest.raises(ConfigError, match="source key"):
        assemble_register(rows, points, "EPSG:27700", FILE, CategoryRule("library"),
                          RegisterOptions(" "), ())  # fmt: skip
