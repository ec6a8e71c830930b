"""The Compare page: two authorities side by side, on the same scales."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_app import APP, PROJECT, _no_errors, _walk
from tests.tiny_mirror import TESTHAM

COMPARE = "pages/4_Compare.py"


def _compare(a: str, b: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["compare_a"] = a
    at.session_state["compare_b"] = b
    at.switch_page(COMPARE)
    return at.run()


def test_two_authorities_show_their_figures_and_maps_side_by_side(shared_data, monkeypatch):
    monkeypatch.setenv("ATLAS_SOURCES", str(PROJECT / "data" / "sources.shared.toml"))
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")
    at = _compare("E06000009", "E06000017")  # Blackpool and Rutland
    _no_errors(at)
    table = at.table[0].value
    assert list(table.columns) == ["Blackpool", "Rutland"]
    assert "Residents" in table.index and "Priority gaps (areas)" in table.index
    assert all(v != "—" for v in table.loc["Residents"])
    maps = [
        n
        for n in _walk(at._tree)
        if getattr(getattr(getattr(n, "proto", None), "DESCRIPTOR", None), "name", "")
        == "ComponentInstance"
    ]
    assert len(maps) == 2  # one map per authority, on England's risk deciles
    text = " ".join(m.value for m in at.markdown)
    assert "**Blackpool**" in text and "**Rutland**" in text


def test_the_same_authority_twice_asks_for_another(tiny_env):
    at = _compare(TESTHAM, TESTHAM)
    _no_errors(at)
    assert any("two different authorities" in i.value for i in at.info)
