"""A hostile upload in a real browser: refused by the worker with a message, server unharmed.

Uses the browser and server fixtures of ``tests/conftest.py``; skipped with
the reason when Chromium or Playwright is missing.
"""

from __future__ import annotations

import pytest

from tests.helpers_browser import open_testham, write_upload_csv
from tests.helpers_xlsx import far_cell_xlsx

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_hostile_workbook_is_refused_and_the_next_file_is_read(
    browser,
    tiny_url,
    tmp_path,
):
    bad = tmp_path / "padded.xlsx"
    bad.write_bytes(far_cell_xlsx())
    good = tmp_path / "warm_spaces.csv"
    write_upload_csv(good)
    page, _frame, _ = open_testham(browser, tiny_url)
    try:
        page.get_by_role("link", name="Upload data").first.click()
        page.get_by_text("What are you adding?").wait_for(timeout=90_000)
        chooser = page.locator('[data-testid="stFileUploader"] input[type="file"]').first
        chooser.set_input_files(str(bad))
        page.get_by_text("a sheet may have at most 1,000 columns").first.wait_for(timeout=90_000)
        assert page.get_by_text("Traceback").count() == 0
        chooser.set_input_files(str(good))
        page.get_by_text("Places ready to add", exact=True).wait_for(timeout=90_000)
    finally:
        page.close()
