"""The gap report with a what-if: the "Scenario" section in HTML, PDF, Word and the CLI."""

from __future__ import annotations

import io
from datetime import datetime

import geopandas as gpd
import pytest
from pypdf import PdfReader
from shapely.geometry import Point

from geo.cli import main
from geo.planning import scenario
from geo.report import export_bytes, export_files, report_html
from geo.report.context import report_context

WHEN = datetime(2026, 1, 5, 9, 0)
NAME = "Library at <the> mill & ${x}"


@pytest.fixture(scope="module")
def plan(tiny_before, tiny_settings):
    add = gpd.GeoDataFrame(
        {"name": ["Mill <b>library</b>"], "category": ["library"]},
        geometry=[Point(401500, 301500)],
        crs="EPSG:27700",
    )
    return scenario(
        tiny_before, add=add, close=["test_libraries:2"], settings=tiny_settings, name=NAME
    )


@pytest.fixture(scope="module")
def values(tiny_before, plan):
    return report_context(tiny_before, generated=WHEN, scenario=plan)


@pytest.fixture(scope="module")
def html(tiny_before, values):
    return report_html(tiny_before, context=values)


def test_the_report_has_the_scenario_section_with_proposals_and_both_maps(html, values):
    assert 'id="scenario"' in html
    assert "Scenario: Library at &lt;the&gt; mill &amp; &#36;&#123;x&#125;" in html
    assert "<the>" not in html and "<b>library</b>" not in html
    assert "Mill &lt;b&gt;library&lt;/b&gt;" in html
    assert html.count('class="map scenario-map') == 2
    assert "scenario-map-before" in html and "scenario-map-after" in html
    section = html[html.index('id="scenario"') :]
    assert section.count('src="data:image/png;base64,') >= 2
    assert "Areas that changed" in section and "Who gains" in section
    assert "Priority gap areas (high risk, low access)" in section
    proposals = values["scenario"]["proposals"]
    kinds = {(p["action"], p["ward"] != "outside the area") for p in proposals}
    assert kinds == {("open", True), ("close", True)}


def test_the_section_s_figures_are_the_scenario_s(values, plan):
    s = values["scenario"]
    totals = {t["what"]: t["value"] for t in s["totals"]}
    t = plan.totals
    assert totals["Priority gap areas (high risk, low access)"] == (
        f"{t['priority_areas_before']:,} → {t['priority_areas_after']:,}"
    )
    assert totals["Areas whose figures changed"] == f"{t['areas_changed']:,}"
    changed = plan.comparison[plan.comparison["changed"]]
    assert s["changed_count"] == f"{len(changed):,}"
    assert {r["code"] for r in s["changed_rows"]} <= set(changed.index)
    first = changed.loc["E01900005"]
    row = next(r for r in s["changed_rows"] if r["code"] == "E01900005")
    assert row["nearest"].endswith("→ 0 m")
    assert first["nearest_any_m_after"] == pytest.approx(0.0, abs=0.01)
    assert [e["group"] for e in s["equity_rows"]]


def test_without_a_scenario_the_report_is_unchanged(tiny_before):
    plain = report_html(tiny_before, generated=WHEN)
    assert plain == report_html(tiny_before, generated=WHEN, scenario=None)
    assert 'id="scenario"' not in plain and "Scenario:" not in plain
    assert report_context(tiny_before, generated=WHEN)["scenario"] is None


def test_the_pdf_has_the_section_and_its_proposals(tiny_before, plan, html):
    content, name, _ = export_bytes(tiny_before, "pdf", html=html)
    assert name.endswith(".pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    flat = " ".join(text.split())
    assert "Scenario: Library at <the> mill & ${x}" in flat
    assert "Mill <b>library</b>" in flat and "Areas that changed" in flat
    assert "Before the scenario" in flat and "After the scenario" in flat


def test_the_word_report_has_the_section(tiny_before, plan, tmp_path):
    import docx

    (path,) = export_files(tiny_before, tmp_path, ["docx"], scenario=plan, generated=WHEN)
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert f"Scenario: {NAME}" in headings
    assert {"What is proposed", "Areas that changed", "Who gains"} <= set(headings)
    assert len(document.inline_shapes) == 6  # the four report maps and before/after
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "Mill <b>library</b>" in cells and "close" in cells
    plain = docx.Document(io.BytesIO(export_bytes(tiny_before, "docx")[0]))
    assert not any(p.text.startswith("Scenario:") for p in plain.paragraphs)


def test_cli_report_with_a_scenario(tiny_settings, tmp_path):
    places = tmp_path / "proposed.csv"
    places.write_text(
        "name,category,easting,northing\nNew library,library,401500,301500\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    buffer = io.StringIO()
    argv = ["report", "--area", "Testham", "--out", str(out), "--formats", "html", "-q"]
    argv += [
        "--sources",
        str(tiny_settings.sources_file),
        "--offline",
        "--cache-dir",
        str(tiny_settings.cache_dir),
    ]
    argv += ["--permutations", "99", "--scenario-add", str(places)]
    argv += ["--scenario-close", "test_libraries:2"]
    assert main(argv, out=buffer) == 0, buffer.getvalue()
    (page,) = out.rglob("*.html")
    text = page.read_text(encoding="utf-8")
    assert 'id="scenario"' in text and "New library" in text


def test_cli_scenario_options_need_one_area(tiny_settings, tmp_path):
    argv = ["report", "--area", "Testham,Testham", "--out", str(tmp_path), "-q"]
    argv += [
        "--sources",
        str(tiny_settings.sources_file),
        "--offline",
        "--cache-dir",
        str(tiny_settings.cache_dir),
    ]
    argv += ["--scenario-close", "test_libraries:2"]
    buffer = io.StringIO()
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(argv, out=buffer)
    assert code != 0
    assert "one area" in (buffer.getvalue() + err.getvalue())
