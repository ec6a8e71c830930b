"""A link to the explorer reopens the same view: area, layer, model and small area in the URL."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.helpers_app import APP, TIMEOUT, _map_args, _no_errors
from tests.tiny_mirror import TESTHAM
from ui import params


def _open(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def test_a_link_opens_its_area_layer_model_and_small_area(tiny_env):
    at = _open(area=TESTHAM, layer="gaps", model="all-ages", lsoa="E01900005")
    _no_errors(at)
    assert at.session_state[params.AREA] == TESTHAM
    assert at.session_state[params.LAYER] == "gaps"
    assert at.session_state[params.MODEL] == "all-ages"
    assert at.session_state[params.SELECTED] == "E01900005"
    assert any("Testham 005A" in m.value for m in at.markdown)  # its panel is open
    assert "Selected area" in _map_args(at)["feature_group"]
    assert "access: low" in _map_args(at)["feature_group"]  # the gaps legend is drawn


def test_the_url_follows_the_view(tiny_env):
    at = _open(area=TESTHAM)
    _no_errors(at)
    assert at.query_params["area"] == TESTHAM
    assert at.query_params["layer"] == "risk"
    at.session_state[params.SELECTED] = "E01900003"
    at.session_state[params.LAYER] = "deprivation"
    at.run()
    assert at.query_params["lsoa"] == "E01900003"
    assert at.query_params["layer"] == "deprivation"


def test_a_bad_link_falls_back_to_the_defaults_without_an_error(tiny_env):
    at = _open(area=TESTHAM, layer="<script>", model="nonsense", lsoa="E0190000'; drop")
    _no_errors(at)
    assert at.session_state[params.LAYER] == "risk"
    assert at.session_state[params.MODEL] == "evidence"
    assert "lsoa" not in at.query_params
