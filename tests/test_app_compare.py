"""The Compare page: two authorities side by side, on the same scales."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.helpers_app import APP, PROJECT, _no_errors, _walk
from tests.tiny_mirror import TESTHAM

COMPARE = "pages/4_Compare.py"


def _shared(monkeypatch, shared_data) -> None:
    monkeypatch.setenv("ATLAS_SOURCES", str(PROJECT / "data" / "sources.shared.toml"))
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")


def _maps(at: AppTest) -> list:
    return [
        n
        for n in _walk(at._tree)
        if getattr(getattr(getattr(n, "proto", None), "DESCRIPTOR", None), "name", "")
        == "ComponentInstance"
    ]


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
    assert "Residents" in table.index and "Priority gaps (this area)" in table.index
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


def test_an_authority_beside_england_uses_the_national_tables(shared_data, monkeypatch):
    import pandas as pd

    from geo.config import Settings
    from geo.pipeline import run_analysis
    from geo.residents import national_residents

    _shared(monkeypatch, shared_data)
    at = _compare("E06000017", "england")
    _no_errors(at)
    table = at.table[0].value.map(lambda v: str(v).replace("\\", ""))  # Markdown escapes
    assert list(table.columns) == ["Rutland", "England"]
    assert "In this area's highest-risk third" not in table.index  # relative: not compared
    settings = Settings(
        sources_file=PROJECT / "data" / "sources.shared.toml",
        offline=True,
        cache_dir=PROJECT.parent / "unused",
    )
    people = national_residents(settings, use_cache=False)
    english = people[people.index.str.startswith("E")]["population"].sum()
    assert table.loc["Residents", "England"] == f"{english:,.0f}"
    share = float(table.loc["Share in England's 20% highest-risk areas", "England"].rstrip("%"))
    assert 18.0 <= share <= 22.0  # England's own 20% of areas, weighted by residents
    assert table.loc["Beyond 10 min walk of any place", "England"] == "not measured"
    result = run_analysis("E06000017", settings=settings)
    areas = result.areas
    top = areas.loc[pd.to_numeric(areas["risk_decile_national"]) <= 2, "population"].sum()
    assert table.loc["In England's 20% highest-risk areas", "Rutland"] == f"{top:,.0f}"
    assert len(_maps(at)) == 1  # the authority's map; England as a table by decile
    deciles = at.table[1].value
    assert list(deciles.columns) == ["Rutland", "England"] and len(deciles) == 10
    assert any("computed from the national tables" in c.value for c in at.caption)


def test_the_region_is_named_and_compared(shared_data, monkeypatch):
    _shared(monkeypatch, shared_data)
    at = _compare("E06000017", "region")
    _no_errors(at)
    assert list(at.table[0].value.columns) == ["Rutland", "East Midlands"]


def test_a_region_not_known_is_said_not_invented(tiny_env):
    at = _compare(TESTHAM, "region")
    _no_errors(at)
    assert any("region not known" in i.value for i in at.info)
