"""The HTML report in Chromium: accessible (axe-core), reflows at 390 px, fetches nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.config import Settings
from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report import report_html
from tests.tiny_mirror import write_mirror

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("report-browser")
    sources = write_mirror(root / "mirror")
    settings = Settings(sources_file=sources, offline=True, cache_dir=root / "cache")
    return report_html(run_analysis("Testham", Parameters(permutations=99), settings=settings))


def test_report_reflows_at_390_px_and_requests_nothing(browser, report_page):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.set_content(report_page, wait_until="load")
        assert requests == [] or all(u.startswith("data:") for u in requests), requests
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width} px wide at 390 px"
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                              && !e.closest('.scroll'))
                 .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
        )
        assert wide == [], wide
    finally:
        context.close()


def test_report_has_no_serious_accessibility_violations(browser, report_page):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_content(report_page, wait_until="load")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        results = page.evaluate("async () => await axe.run(document)")
        serious = [
            (v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], serious
        assert results["passes"], "axe ran no checks"
    finally:
        context.close()
