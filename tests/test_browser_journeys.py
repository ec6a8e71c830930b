"""Two journeys in a real browser (headless Chromium, Playwright; see tests/test_browser.py).

* Manchester → Leeds → Trafford shows the same Trafford headline figures as
  opening Trafford directly (real data: skipped without the shared data folder).
* A postcode typed in the search box shows the places within a walk of it
  (the tiny mirror with the Code-Point table the AppTest search tests use).

Each test prints the time from opening the page to the map being drawn.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.helpers_browser import frame_showing, map_frame, shot, streamlit_server
from tests.tiny_mirror import CODEPOINT_HEADER, write_mirror

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _headline(page: object, *, settle: float = 4.0, timeout: float = 300) -> list[str]:
    """The headline figures once they have stopped changing for ``settle`` seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = page.locator('[data-testid="stMetric"]').all_inner_texts()  # type: ignore[attr-defined]
        if now != last:
            last, since = now, time.monotonic()
        elif now and time.monotonic() - since >= settle:
            return now
        time.sleep(0.5)
    raise AssertionError("the headline figures did not settle")


def _pick(page: object, name: str) -> None:
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Local authority")  # type: ignore[attr-defined]
    picker.click()
    page.keyboard.type(name)  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]


@pytest.mark.shared_data
def test_trafford_after_manchester_and_leeds_equals_trafford_opened_directly(
    browser, manchester_url
):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        start = time.monotonic()
        page.goto(manchester_url)
        frame_showing(page, "Manchester", timeout=600)
        print(f"time to map, Manchester: {time.monotonic() - start:.1f} s")
        for name in ("Leeds", "Trafford"):
            start = time.monotonic()
            _pick(page, name)
            frame_showing(page, name, timeout=900)
            print(f"time to map, {name} (switched): {time.monotonic() - start:.1f} s")
        via = _headline(page)
        shot(page, "journey-trafford-via-leeds")
    finally:
        page.close()
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        start = time.monotonic()
        page.goto(f"{manchester_url}/?area=E08000009")
        frame_showing(page, "Trafford", timeout=600)
        print(f"time to map, Trafford (direct): {time.monotonic() - start:.1f} s")
        direct = _headline(page)
    finally:
        page.close()
    assert len(via) >= 5 and any("Priority gaps" in m for m in via)
    assert via == direct


@pytest.fixture(scope="module")
def postcode_url(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser-postcodes")
    sources = write_mirror(root / "mirror")
    rows = [
        CODEPOINT_HEADER,
        "TE1 5AA,10,400800,300600,E92000001,E19000001,E18000001,,E09999901,E05999901",
    ]
    (sources.parent / "codepoint.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with sources.open("a", encoding="utf-8") as f:
        f.write('\n[datasets.postcodes]\npath = "codepoint.csv"\n')
    env = {
        "ATLAS_SOURCES": str(sources),
        "ATLAS_CACHE_DIR": str(root / "cache"),
        "ATLAS_OFFLINE": "1",
        "ATLAS_TILES": "none",
    }
    with streamlit_server(env, root / "streamlit.log") as url:
        yield url


def test_a_postcode_search_shows_the_places_near_it(browser, postcode_url):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        start = time.monotonic()
        page.goto(f"{postcode_url}/?area=E09999901")
        map_frame(page, minimum=9, timeout=180)
        print(f"time to map, Testham: {time.monotonic() - start:.1f} s")
        box = page.get_by_placeholder("Authority, ward, town, small area or postcode")
        box.fill("te15aa")
        box.press("Enter")
        page.get_by_role("button", name="TE1 5AA").first.click(timeout=60_000)
        page.get_by_text("Near TE1 5AA").first.wait_for(timeout=60_000)
        page.get_by_text("Testham Library").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="Print list (CSV)").wait_for(timeout=60_000)
        shot(page, "journey-postcode-near-here")
    finally:
        page.close()
