"""The report's two editions from one page: maps drawn beside the layout, the print edition."""

from __future__ import annotations

import io
import os
import re
import signal
from datetime import datetime

import pytest
from pypdf import PdfReader

from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report import export_files, report_html, staticmaps
from geo.report.context import report_context
from geo.report.mapjob import MAP_KEYS, ReportMaps, can_fork, drawn
from geo.report.render import html_to_pdf, print_edition, report_documents

WHEN = datetime(2026, 12, 3, 9, 30)
POINTER = "It is in the HTML edition of this report"


@pytest.fixture(scope="module")
def tiny_result(tiny_settings):
    return run_analysis("Testham", Parameters(permutations=99), settings=tiny_settings)


@pytest.fixture(scope="module")
def drawn_first(tiny_result):
    """The report as before: maps drawn, then the page, then the PDF."""
    maps = staticmaps.all_maps(tiny_result)
    html = report_html(tiny_result, context=report_context(tiny_result, maps=maps, generated=WHEN))
    return maps, html, html_to_pdf(html)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (Linux)")
def test_maps_drawn_in_a_child_process_are_the_maps_drawn_here(tiny_result, drawn_first):
    maps, _, _ = drawn_first
    with ReportMaps(tiny_result, background=True) as beside:
        assert beside.background
        assert beside.get() == maps
    assert list(maps) == list(MAP_KEYS)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (Linux)")
def test_both_editions_made_beside_the_maps_equal_those_made_after_them(tiny_result, drawn_first):
    _, html, pdf = drawn_first
    with ReportMaps(tiny_result, background=True) as beside:
        values = report_context(tiny_result, maps=beside, generated=WHEN)
        assert all(m["src"] == f"report-map:{m['key']}" for m in values["maps"])
        page, document = report_documents(values)
    assert page == html
    assert document is not None
    assert _words(_text(document)) == _words(_text(pdf))
    assert len(PdfReader(io.BytesIO(document)).pages) == len(PdfReader(io.BytesIO(pdf)).pages)
    assert "report-map:" not in page


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (Linux)")
def test_a_child_that_dies_leaves_the_maps_to_be_drawn_here(tiny_result, drawn_first):
    maps, _, _ = drawn_first
    beside = ReportMaps(tiny_result, background=True)
    child = beside._child
    assert child is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert beside.get() == maps


def test_without_a_fork_the_maps_are_drawn_when_first_asked_for(tiny_result, drawn_first):
    maps, html, _ = drawn_first
    here = ReportMaps(tiny_result, background=False)
    assert not here.background
    values = report_context(tiny_result, maps=here, generated=WHEN)
    assert drawn(values)["maps"][0]["src"].startswith("data:image/png;base64,")
    page, _ = report_documents(values, pdf=False)
    assert page == html
    assert here.get() == maps


def test_a_fork_is_only_made_with_one_thread():
    import threading

    started = threading.Event()
    stop = threading.Event()

    def wait() -> None:
        started.set()
        stop.wait(5)

    worker = threading.Thread(target=wait)
    worker.start()
    try:
        started.wait(5)
        assert not can_fork()
    finally:
        stop.set()
        worker.join()


def test_the_print_edition_points_to_the_method_write_up_the_html_carries(drawn_first):
    _, html, pdf = drawn_first
    assert 'class="method-text"' in html
    assert "Hot spots of the gap score" in html
    printed = print_edition(html)
    assert 'class="method-text"' not in printed
    text = _words(_text(pdf))
    assert POINTER in text
    assert "Hot spots of the gap score" not in text
    # what this analysis used stays in the PDF's appendix
    for heading in ("Data used", "Model and parameters", "In this analysis", "Sources"):
        assert heading in text


def test_the_appendix_gives_the_evidence_models_terms(rutland_settings):
    from geo.risk.evidence_terms import EVIDENCE_TERMS

    result = run_analysis("Rutland", Parameters(permutations=99), settings=rutland_settings)
    assert result.parameters.model == "evidence"
    html = report_html(result, generated=WHEN)
    text = _words(_text(html_to_pdf(html)))
    assert "Risk is the all-ages evidence model" in text
    assert "with these weights" not in text
    for term in EVIDENCE_TERMS:
        assert f"{term.odds_ratio:g}" in text


def test_the_appendix_gives_the_composite_indexs_weights(drawn_first, tiny_result):
    assert tiny_result.parameters.model == "all-ages"
    _, _, pdf = drawn_first
    text = _words(_text(pdf))
    assert "Risk is the all-ages index, with these weights" in text
    assert "evidence model" not in text.split("In this analysis", 1)[1].split("Glossary", 1)[0]
    for name in tiny_result.risk_weights:
        assert name in text


def test_the_directory_lists_each_asset_on_one_line_with_its_details(drawn_first, tiny_result):
    from geo.report.directory import directory_context

    _, html, pdf = drawn_first
    groups = directory_context(tiny_result)["groups"]
    entries = [row for g in groups for row in g["rows"]]
    assert entries
    items = re.findall(r'<ul class="entries">(.*?)</ul>', html, re.S)
    assert sum(part.count("<li>") for part in items) == len(entries)
    first = entries[0]
    assert first["details"].startswith(f"{first['category']} · ")
    assert first["source"] in first["details"]
    if first["distance"]:
        assert "priority area" in first["details"]
    assert first["name"] in _text(pdf)


def test_export_files_writes_the_same_documents_with_or_without_a_fork(tiny_result, tmp_path):
    made = export_files(tiny_result, tmp_path / "a", ["pdf", "html", "docx"], generated=WHEN)
    assert sorted(p.suffix for p in made) == [".docx", ".html", ".pdf"]
    html = next(p for p in made if p.suffix == ".html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= len(MAP_KEYS)
    assert "report-map:" not in html
    pdf = next(p for p in made if p.suffix == ".pdf").read_bytes()
    assert POINTER in _words(_text(pdf))


def test_the_batchs_pool_workers_draw_their_maps_in_place():
    import subprocess
    import sys

    code = (
        "from geo.report.mapjob import can_fork, share_cpus\n"
        "before = can_fork()\n"
        "share_cpus()\n"
        "print(before, can_fork())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = out.stdout.split()
    assert after == "False"
    assert before == str(sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1)


def test_the_command_lines_progress_bars_start_no_thread():
    """tqdm's monitor thread would stop the report forking its maps' child."""
    import threading

    from geo.progress import REPORTS
    from geo.progressbars import Bars

    before = set(threading.enumerate())
    bars = Bars(stream=io.StringIO())
    bars(REPORTS, 0, 3)
    bars("Datasets", 0, 1)
    bars(REPORTS, 2, 3)
    try:
        assert set(threading.enumerate()) - before == set()
    finally:
        bars.close()
