"""The Upload page in a real browser: upload places, see them on the map, see the gaps move.

Uses the browser and server fixtures of ``tests/conftest.py`` (tiny mirror,
offline, no tiles); skipped with the reason when Chromium or Playwright is
missing.  Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers_browser import UPLOAD_NAME as NAME
from tests.helpers_browser import (
    asset_count,
    asset_points,
    map_frame,
    open_testham,
    shot,
    show_place,
    write_upload_csv,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _metrics(page) -> dict[str, str]:
    out = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        out[label] = metric.locator('[data-testid="stMetricValue"]').inner_text().strip()
    return out


def _names(frame) -> list[str]:
    return [str(p["name"]) for p in asset_points(frame)]


def test_uploaded_places_appear_on_the_map_and_change_the_gaps(
    browser,
    tiny_url,
    tmp_path,
):
    csv = tmp_path / "warm_spaces.csv"
    write_upload_csv(csv)
    page, frame, _ = open_testham(browser, tiny_url)
    try:
        time.sleep(1)
        before_names = len({str(p["name"]) for p in asset_points(frame)})
        before = _metrics(page)
        assert before, "no headline figures on the map page"

        page.get_by_role("link", name="Upload data").first.click()
        page.get_by_text("What are you adding?").wait_for(timeout=90_000)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
            str(csv)
        )
        page.get_by_text("Check the columns").first.wait_for(timeout=90_000)
        page.get_by_role("button", name="Apply these columns").click()
        page.get_by_text("Places ready to add", exact=True).wait_for(timeout=90_000)
        time.sleep(1)
        shot(page, "upload-places-ready")
        ready = _metrics(page)
        assert ready["Places ready to add"] == "9", ready
        page.get_by_role("button", name="Add to the analysis").click()
        page.get_by_text("Added 9 places").first.wait_for(timeout=90_000)
        shot(page, "upload-places-added")

        page.get_by_role("link", name="See it on the map").click()
        deadline = time.monotonic() + 60
        frame = map_frame(page, minimum=9)
        while time.monotonic() < deadline:
            frame = map_frame(page, minimum=9)
            names = _names(frame)
            if any(n.startswith(NAME) for n in names):
                break
            time.sleep(0.5)
        after_points = asset_points(frame)
        names = {str(p["name"]) for p in after_points}
        assert len(names) >= before_names + 9
        assert len({n for n in names if n.startswith(NAME)}) == 9

        # the uploaded name shows in a place's tooltip
        # zoomed in on it, past the zoom where places are clustered; its own tooltip
        next(
            p
            for p in (show_place(frame, i) for i in range(asset_count(frame)))
            if str(p["name"]).startswith(NAME)
        )
        time.sleep(0.5)
        opened = frame.evaluate(
            """(prefix) => {
                let found = null;
                const walk = (layer) => {
                    const p = layer.feature && layer.feature.properties;
                    if (!found && p && String(p.name).startsWith(prefix) && layer._icon) {
                        found = layer;
                    }
                    if (layer.eachLayer) { layer.eachLayer(walk); }
                };
                window.map.eachLayer(walk);
                if (found) { found.openTooltip(); }
                return found ? found.feature.properties.name : null;
            }""",
            NAME,
        )
        assert opened and opened.startswith(NAME)
        tooltip = frame.locator(".leaflet-tooltip", has_text=NAME)
        tooltip.first.wait_for(timeout=30_000)
        assert NAME in " ".join(tooltip.all_inner_texts())

        after = _metrics(page)
        assert after != before, (before, after)
        shot(page, "upload-map-after")
    finally:
        page.close()
