"""The app counts every kind of place an area's sources cover, whatever area came before.

Real data (Manchester, Trafford, Blackpool): skipped without the shared data folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import params

PROJECT = Path(__file__).resolve().parent.parent
APP = str(PROJECT / "app.py")
TIMEOUT = 900  # three real authorities on a busy machine


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(area: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.AREA] = area
    return at.run()


@pytest.mark.shared_data
def test_manchester_then_trafford_gives_trafford_figures(shared_data, monkeypatch):
    monkeypatch.setenv("ATLAS_SOURCES", str(PROJECT / "data" / "sources.shared.toml"))
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")
    at = _open("E08000003")
    _no_errors(at)
    assert "park" not in at.session_state[params.COUNTED]  # nothing covers Manchester's parks
    at.sidebar.selectbox(key=params.AREA).set_value("E08000009").run()
    _no_errors(at)
    via_manchester = _metrics(at)
    counted = list(at.session_state[params.COUNTED])
    assert {"park", "sports_leisure", "health", "community_garden"} <= set(counted)
    assert any("Coverage:" in w.value for w in (*at.warning, *at.info))

    direct = _open("E08000009")
    _no_errors(direct)
    assert list(direct.session_state[params.COUNTED]) == counted
    assert _metrics(direct) == via_manchester

    # Trafford → Blackpool: what Blackpool's sources do not cover is announced, not dropped silently
    at.sidebar.selectbox(key=params.AREA).set_value("E06000009").run()
    _no_errors(at)
    # only national lists are known for Blackpool
    assert set(at.session_state[params.COUNTED]) == {"library", "health", "pub", "warm_space"}
    told = [i.value for i in at.sidebar.info]
    assert any("Park / recreation ground" in t and "not known for Blackpool" in t for t in told)
