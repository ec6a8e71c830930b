"""The Method and data page in a real browser: full source names, colours as swatches.

Uses the browser and server fixtures of ``tests/conftest.py`` (tiny mirror,
offline, no tiles); skipped with the reason when Chromium or Playwright is
missing.  The screenshots go to ``artifacts/screenshots/`` for people to look at.
"""

from __future__ import annotations

import pytest

from geo.gaps import BIVARIATE_COLOURS
from geo.method import method_tables
from tests.helpers_browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_method_page_shows_swatches_and_whole_source_names(
    browser,
    tiny_url,
):
    # straight to the page: its write-up needs no analysis (the area is the default one)
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{tiny_url}/Method_and_data")
        page.get_by_role("tab", name="Gaps and hot spots").click(timeout=120_000)
        table = page.locator('[data-testid="stTable"]').filter(has_text="priority gap").first
        table.wait_for(timeout=60_000)
        shot(page, "method_gaps")
        backgrounds = table.locator("td").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c).backgroundColor)"
        )
        assert {_rgb(c) for c in BIVARIATE_COLOURS.values()} <= set(backgrounds)
        assert "#3b4994" not in table.inner_text().lower()  # a swatch, not the code

        page.get_by_role("tab", name="Sources and licences").click()
        datasets = method_tables()["datasets"]["Dataset"]
        longest = max(datasets, key=len)
        cell = page.get_by_text(longest, exact=True).first
        cell.wait_for(timeout=60_000)
        cell.scroll_into_view_if_needed()
        shot(page, "method_sources")
        box = cell.bounding_box()
        clip = cell.evaluate("c => c.scrollWidth <= c.clientWidth + 1")
        assert box is not None and box["width"] > 0 and clip  # the whole name, not cut off
        assert not dialogs
    finally:
        page.close()
