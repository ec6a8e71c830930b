"""Plan mode in a real browser: click the map, add the proposed place, see the figures change.

Uses the Chromium, Playwright and tiny-mirror server fixtures of
``tests/conftest.py`` (skipped, with the reason, when either is missing).
"""

from __future__ import annotations

import re
import time

import pytest
from pyproj import Transformer

from tests.helpers_browser import map_frame, open_testham, shot
from tests.tiny_mirror import X0, Y0

pytestmark = [pytest.mark.browser, pytest.mark.slow]


#: The middle square's point: 1.4 km from the nearest library.
MIDDLE = (X0 + 1500.0, Y0 + 1500.0)


def _container_point(frame: object, x: float, y: float) -> dict[str, float]:
    """Where a British National Grid point is drawn in the map's frame (pixels)."""
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(x, y)
    return frame.evaluate(  # type: ignore[attr-defined]
        "([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);"
        " return {x: p.x, y: p.y}; }",
        [lat, lon],
    )


def test_a_place_dropped_in_plan_mode_changes_the_figures(browser, tiny_url):
    started = time.monotonic()
    page, frame, dialogs = open_testham(browser, tiny_url)
    try:
        page.get_by_text("Plan mode", exact=True).click()
        page.get_by_text("Click the map where the place would be.").wait_for(timeout=90_000)
        time.sleep(3.0)  # the map is drawn again, now returning clicks
        frame = map_frame(page, minimum=9)
        box = frame.frame_element().bounding_box()
        point = _container_point(frame, *MIDDLE)
        returned = frame.evaluate("window.__GLOBAL_DATA__.returned_objects")
        assert "last_clicked" in returned  # the map now reports clicks anywhere
        page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
        add = page.get_by_role("button", name=re.compile("Add to the scenario"))
        try:
            add.wait_for(timeout=90_000)
        finally:
            shot(page, "tiny-plan-mode-click")
        page.get_by_label("Name", exact=True).fill("Mill library")
        add.click()
        changed = page.get_by_text(re.compile(r"Areas that changed \(\d+ of 9\)"))
        changed.wait_for(timeout=120_000)
        count = int(re.search(r"\((\d+) of 9\)", changed.inner_text()).group(1))
        assert count >= 1
        metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
        assert any("Priority gaps" in m for m in metrics)
        assert any("High-risk residents newly within 10 min" in m for m in metrics)
        page.get_by_role("button", name=re.compile(r"Scenario \(CSV\)")).wait_for(timeout=60_000)
        assert dialogs == []
        shot(page, "tiny-plan-mode-after")
    finally:
        page.close()
    print(f"\nplan mode in the browser: {time.monotonic() - started:.1f} s")
