"""The explorer's search box (AppTest): a postcode opens what is near it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.tiny_mirror import CODEPOINT_HEADER, TESTHAM, write_mirror
from ui import params

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TIMEOUT = 300


@pytest.fixture()
def with_postcodes(tmp_path, monkeypatch):
    """The tiny mirror with a Code-Point Open table of two postcodes."""
    sources = write_mirror(tmp_path / "mirror")
    rows = [
        CODEPOINT_HEADER,
        "TE1 5AA,10,400800,300600,E92000001,E19000001,E18000001,,E09999901,E05999901",
        "TE9 9ZZ,90,0,0,E92000001,E19000001,E18000001,,E09999901,E05999901",
    ]
    (sources.parent / "codepoint.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with sources.open("a", encoding="utf-8") as f:
        f.write('\n[datasets.postcodes]\npath = "codepoint.csv"\n')
    monkeypatch.setenv("ATLAS_SOURCES", str(sources))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")
    return sources


def test_a_postcode_shows_the_places_within_a_walk(with_postcodes):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.AREA] = TESTHAM
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="search_query").input("te15aa").run()
    hit = next(b for b in at.button if b.label.startswith("TE1 5AA"))
    assert "Testham" in hit.label
    hit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[params.SELECTED] == "E01900001"
    assert any("Near TE1 5AA" in m.value for m in at.markdown)
    tables = [df.value for df in at.dataframe if "Walk (min)" in df.value.columns]
    assert tables, "no list of nearby places"
    near = tables[0]
    assert list(near["Name"]) == ["Testham Library"]  # 316 m away; the others are over 1.2 km
    assert near["Walk (min)"].iloc[0] == pytest.approx(5.3, abs=0.1)
    assert "Print list (CSV)" in [b.label for b in at.get("download_button")]


def test_a_postcode_that_cannot_be_placed_gives_no_result(with_postcodes):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.AREA] = TESTHAM
    at.run()
    at.text_input(key="search_query").input("TE9 9ZZ").run()
    assert not at.exception
    assert any("No results" in c.value for c in at.caption)
