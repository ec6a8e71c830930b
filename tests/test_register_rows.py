"""Register rows to asset records: category rules, ids, names and addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import ConfigError
from geo.sources.register_rows import CategoryRule
from geo.sources.register_tables import assets_from_table
from geo.sources.register_text import first_part, join_address, name_text


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


def test_register_names_ids_and_unmapped_rows(tmp_path: Path) -> None:
    path = tmp_path / "halls.csv"
    path.write_text(
        "ref,kind,Address,easting,northing\n"
        '12.0,Hall,"Oakham Hall, High St",486000,308000\n'
        ",Hall,Uppingham Hall<br>Market Pl,486500,299800\n"
        '14,Shop,"Shop, High St",486100,308100\n',
        encoding="utf-8",
    )
    rule = {"category_column": "kind", "category_map": {"Hall": "community_centre"}}
    read = assets_from_table(path, source="halls", id_column="ref", **rule)
    frame = read.frame.sort_values("asset_id")
    assert frame["asset_id"].tolist() == ["halls:12", "halls:row2"]
    assert frame["name"].tolist() == ["Oakham Hall", "Uppingham Hall"]
    assert frame["address"].tolist() == ["Oakham Hall, High St", "Uppingham Hall, Market Pl"]
    assert read.rejected == {"category not mapped": 1}
    with pytest.raises(ConfigError, match="source key"):
        assets_from_table(path, source=" ", category="library")
