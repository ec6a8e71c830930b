"""The Gap report page with a Plan-mode scenario (AppTest): the downloads hold its section."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from pyproj import Transformer
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from tests.conftest import app_env
from tests.tiny_mirror import TESTHAM
from ui import params
from ui.plan import PLAN_KEY, Plan, Proposal

APP = str(Path(__file__).resolve().parent.parent / "app.py")
REPORT = "pages/1_Gap_report.py"
TIMEOUT = 300


class _KeptStorage(MemoryMediaFileStorage):
    """Streamlit's in-memory media storage, remembered so a test can read the downloads."""

    made: ClassVar[list[MemoryMediaFileStorage]] = []

    def __init__(self, endpoint: str) -> None:
        super().__init__(endpoint)
        self.made.append(self)


@pytest.fixture()
def tiny_env(tmp_path, monkeypatch):
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", _KeptStorage)
    return app_env(tmp_path, monkeypatch)


def _report_page(plan: Plan) -> AppTest:
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(401500.0, 301500.0)
    plan.add.append(Proposal(name="Mill library", category="library", lat=lat, lon=lon))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.CHOICE_KEY] = params.Choice(area=TESTHAM)
    at.session_state[PLAN_KEY] = {TESTHAM: plan}
    at.switch_page(REPORT)
    return at.run()


def _download(at: AppTest, label: str) -> bytes:
    """The bytes the download button ``label`` serves."""
    button = next(b for b in at.get("download_button") if b.proto.label == label)
    file_id = button.proto.url.rsplit("/", 1)[-1].split(".", 1)[0]
    return _KeptStorage.made[-1].get_file(file_id).content


def test_the_report_downloads_include_the_plan_s_scenario(tiny_env):
    at = _report_page(Plan(name="Mill reopens"))
    assert not at.exception, [e.value for e in at.exception]
    box = at.checkbox(key="report-include-scenario")
    assert box.value is True and "Mill reopens" in box.label
    next(b for b in at.button if b.label == "Prepare the downloads").click().run()
    assert not at.exception, [e.value for e in at.exception]
    html = _download(at, "HTML report").decode("utf-8")
    assert "Scenario: Mill reopens" in html and "Mill library" in html
    at.checkbox(key="report-include-scenario").uncheck().run()
    next(b for b in at.button if b.label == "Prepare the downloads").click().run()
    assert not at.exception, [e.value for e in at.exception]
    html = _download(at, "HTML report").decode("utf-8")
    assert 'id="scenario"' not in html
