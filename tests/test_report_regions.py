"""The report's summary sets each comparator beside the region's and England's."""

from __future__ import annotations

import re

import pytest

from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.reference import reference_areas
from geo.report import report_html
from geo.report.formatting import fmt_pct


def _row(html: str, what: str) -> list[str]:
    """The cells of the comparators row that starts with ``what``."""
    match = re.search(r"<tr><td>[^<]*" + re.escape(what) + r".*?</tr>", html, re.S)
    assert match, f"no comparator row {what!r}"
    return re.findall(r'<td class="num">(.*?)</td>', match.group(0))


def test_report_comparators_have_region_and_england_columns(shared_settings):
    result = run_analysis("E06000017", Parameters(permutations=99), settings=shared_settings)
    reference = reference_areas(shared_settings, result.parameters)
    html = report_html(result, reference=reference)
    assert "<h3>Compared with the region and England</h3>" in html
    assert '<th class="num">East Midlands</th><th class="num">England</th>' in html
    areas = reference.areas
    east = areas[areas["region_code"] == "E12000004"]

    def top(frame, column):
        pop = frame["population"]
        return fmt_pct(pop[frame[column] <= 2].sum() / pop.sum())

    here, region, england = _row(html, "20% of small areas most at risk")
    own = result.areas
    assert here == top(own, "risk_decile_national")
    assert region == top(east, "risk_decile_national")
    assert england == top(areas, "risk_decile_national")
    lonely = _row(html, "People 65+ expected to be often lonely")
    assert lonely[1] == fmt_pct(east["expected_lonely"].sum() / east["pop_65plus"].sum(), 1)
    assert lonely[0] == fmt_pct(own["expected_lonely"].sum() / own["pop_65plus"].sum(), 1)


def test_without_the_national_tables_the_region_is_not_known(rutland_settings):
    result = run_analysis("E06000017", Parameters(permutations=99), settings=rutland_settings)
    html = report_html(result)
    assert "region not known" in html
    assert "20% of areas" in html  # England's share by construction of its deciles
    with pytest.raises(AssertionError):
        _row(html, "no such row")


def test_batch_reports_and_their_word_version_carry_the_region(shared_settings, tmp_path):
    from docx import Document

    from geo.report import run_batch

    run_batch(
        ["Rutland"],
        settings=shared_settings,
        out_dir=tmp_path,
        formats=("html", "docx"),
        analysis=Parameters(permutations=99),
        jobs=1,
        progress=False,
    )
    (html_file,) = [p for p in tmp_path.rglob("*.html") if p.parent != tmp_path]  # not the index
    html = html_file.read_text(encoding="utf-8")
    assert '<th class="num">East Midlands</th><th class="num">England</th>' in html
    assert "region not known" not in html
    (docx_file,) = tmp_path.rglob("*.docx")
    tables = Document(str(docx_file)).tables
    headers = [[c.text for c in t.rows[0].cells] for t in tables]
    assert ["Measure", "Rutland", "Region", "England"] in headers
    comparators = tables[headers.index(["Measure", "Rutland", "Region", "England"])]
    regions = {row.cells[2].text for row in comparators.rows[1:]}
    assert "region not known" not in regions and regions != {""}
