"""The app with no sources file, no data folder and no network: every page on the built-in demo."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo.demo import BANNER, DEMO_AREA
from tests.helpers_app import APP, METHOD, REPORT, TIMEOUT, UPLOAD, _map_args, _no_errors
from ui import params


@pytest.fixture()
def no_data_env(tmp_path, monkeypatch):
    """What a new user has: no ATLAS_SOURCES, no shared data folder, no way to download."""
    monkeypatch.delenv("ATLAS_SOURCES", raising=False)
    monkeypatch.delenv("ATLAS_DEMO", raising=False)
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(tmp_path / "no-data-folder"))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")


def _banner_shown(at: AppTest) -> None:
    assert any(BANNER in str(i.value) for i in at.info), [i.value for i in at.info]


def test_map_page_opens_on_the_demo_with_its_banner(no_data_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    _no_errors(at)
    _banner_shown(at)
    picker = at.sidebar.selectbox(key=params.AREA)
    assert picker.value == DEMO_AREA and picker.options == [f"Rutland ({DEMO_AREA})"]
    layers = _map_args(at)["feature_group"]
    assert layers.count('"E0101') >= 26  # Rutland's 26 LSOAs
    assert {m.label for m in at.metric} >= {"Residents", "Priority gaps (this area)"}


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (REPORT, "Gap report — Rutland"),
        (UPLOAD, "Add your own data"),
        (METHOD, "Method"),
    ],
)
def test_every_other_page_works_on_the_demo(no_data_env, page, expected):
    # opened directly, before the map page has run: the pages default to the demo area
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.switch_page(page)
    at.run()
    _no_errors(at)
    _banner_shown(at)
    assert any(expected in t.value for t in at.title), [t.value for t in at.title]


def test_no_banner_when_a_sources_file_is_given(no_data_env, tmp_path, monkeypatch):
    from tests.tiny_mirror import TESTHAM, write_mirror

    monkeypatch.setenv("ATLAS_SOURCES", str(write_mirror(tmp_path / "mirror")))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.AREA] = TESTHAM
    at.run()
    _no_errors(at)
    assert not any(BANNER in str(i.value) for i in at.info)
