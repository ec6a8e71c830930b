"""Running the Streamlit pages headless (``streamlit.testing.v1.AppTest``) and reading them.

Plain functions shared by the AppTest modules: the page paths, the Map
explorer opened on an area, another page opened as a user would, and readers
of what a page shows (the map component's arguments, metrics, errors).
"""

from __future__ import annotations

import json
from pathlib import Path

from pyproj import Transformer
from streamlit.testing.v1 import AppTest

from tests.tiny_mirror import TESTHAM
from ui import params

PROJECT = Path(__file__).resolve().parent.parent
APP = str(PROJECT / "app.py")
REPORT = "pages/1_Gap_report.py"
UPLOAD = "pages/2_Upload_data.py"
METHOD = "pages/3_Method_and_data.py"
TIMEOUT = 120
#: Plan mode's runs re-run the provision stage or search for sites: they take longer.
PLAN_TIMEOUT = 300


def _map_args(at: AppTest) -> dict:
    """The streamlit-folium component's arguments (the map the browser would draw)."""
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        descriptor = getattr(proto, "DESCRIPTOR", None)
        if descriptor is not None and descriptor.name == "ComponentInstance":
            return json.loads(proto.json_args)
    raise AssertionError("no map component on the page")


def _walk(node):
    """Every node of an AppTest element tree, depth first."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _metrics(at: AppTest) -> dict[str, str]:
    """The page's metrics, label to value."""
    return {m.label: m.value for m in at.metric}


def _no_errors(at: AppTest) -> None:
    """Fail listing any exception or error the page shows."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _page(path: str, choice: params.Choice) -> AppTest:
    """Open another page as a user would: start on the map page, then switch."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.CHOICE_KEY] = choice
    at.switch_page(path)
    return at.run()


def _explorer(area: str = TESTHAM, *, timeout: float = TIMEOUT) -> AppTest:
    """The Map explorer run once on ``area``."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state[params.AREA] = area
    return at.run()


def _lat_lon(x: float, y: float) -> tuple[float, float]:
    """Latitude and longitude of a British National Grid point (as a map click gives it)."""
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(x, y)
    return lat, lon
