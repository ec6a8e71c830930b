"""The Compare page in a real browser: an authority beside England, and its map fitted.

Runs ``streamlit run`` on the real mirror and opens Compare for Mansfield
(``E07000174``), a small district whose map used to open zoomed in past its
edges, then chooses England as the second side.  Screenshots (1440×900) go to
``artifacts/screenshots`` (or ``ATLAS_SHOTS``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers_browser import map_frame

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parent.parent
SHOTS = Path(os.environ.get("ATLAS_SHOTS", PROJECT / "artifacts" / "screenshots"))
MANSFIELD = "E07000174"


def _fitted(frame: object) -> bool:
    """Whether every polygon of the map lies inside the map's view (fitted, not over-zoomed)."""
    return bool(
        frame.evaluate(  # type: ignore[attr-defined]
            """() => {
                const box = document.querySelector('.leaflet-container').getBoundingClientRect();
                const paths = Array.from(document.querySelectorAll('path.leaflet-interactive'));
                if (paths.length < 10) return false;
                let l = 1e9, t = 1e9, r = -1e9, b = -1e9;
                for (const p of paths) {
                    const q = p.getBoundingClientRect();
                    l = Math.min(l, q.left); t = Math.min(t, q.top);
                    r = Math.max(r, q.right); b = Math.max(b, q.bottom);
                }
                return l >= box.left - 2 && t >= box.top - 2 && r <= box.right + 2
                    && b <= box.bottom + 2 && (r - l) > box.width * 0.3;
            }"""
        )
    )


def test_mansfield_beside_england_shows_both_tables_and_a_fitted_map(
    browser,
    manchester_url,
):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{manchester_url}/Compare?area={MANSFIELD}", wait_until="networkidle")
    page.get_by_text("Compare with (another authority").wait_for(timeout=180_000)
    boxes = page.locator('div[data-testid="stSelectbox"]')
    boxes.nth(0).click()
    page.keyboard.type("Mansfield")
    page.keyboard.press("Enter")
    page.wait_for_timeout(1500)
    boxes.nth(1).click()
    page.keyboard.type("England")
    page.keyboard.press("Enter")
    page.get_by_text("residents by England risk decile").wait_for(timeout=300_000)
    page.wait_for_timeout(4000)
    tables = page.locator('div[data-testid="stTable"]')
    assert tables.count() == 2
    headers = tables.nth(0).inner_text()
    assert "Mansfield" in headers and "England" in headers
    frame = map_frame(page, minimum=30)
    page.wait_for_timeout(2000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "compare-mansfield-england.png"))
    page.screenshot(path=str(SHOTS / "compare-mansfield-england-full.png"), full_page=True)
    assert _fitted(frame), "Mansfield's map does not fit its area"
    page.close()
