"""The explorer in a real browser: links that reopen a view, Blackpool, the first screen."""

from __future__ import annotations

import time

import pytest

from tests.helpers_browser import map_frame, shot
from tests.tiny_mirror import TESTHAM

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FIRST_SCREEN = {"width": 1440, "height": 900}


def test_a_link_reopens_the_gaps_view_of_a_small_area(browser, tiny_url):
    page = browser.new_page(viewport=FIRST_SCREEN)
    try:
        page.goto(f"{tiny_url}/?area={TESTHAM}&layer=gaps&lsoa=E01900005")
        frame = map_frame(page, minimum=9)
        page.get_by_text("What drives the risk here").wait_for(timeout=90_000)
        assert page.get_by_text("Testham 005A").count() >= 1
        frame.get_by_text("access: low → good").wait_for(timeout=30_000)  # the gaps legend
        assert "lsoa=E01900005" in page.url and "layer=gaps" in page.url
        shot(page, "tiny-link-gaps")
    finally:
        page.close()


def test_blackpool_draws_and_fills_the_first_screen(browser, manchester_url):
    page = browser.new_page(viewport=FIRST_SCREEN)
    try:
        start = time.monotonic()
        page.goto(f"{manchester_url}/?area=E06000009")
        frame = map_frame(page, minimum=90, timeout=240)  # Blackpool has 94 small areas
        took = time.monotonic() - start
        box = frame.frame_element().bounding_box()
        # the map takes 70 % of the page beside the sidebar and starts on the first screen
        sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
        assert box["width"] >= 0.66 * (FIRST_SCREEN["width"] - sidebar["width"])
        assert box["y"] < 300 and box["y"] + box["height"] <= FIRST_SCREEN["height"] + 40
        time.sleep(1.5)
        shot(page, "blackpool-1440x900")
        print(f"Blackpool: time to map {took:.1f} s")
    finally:
        page.close()
