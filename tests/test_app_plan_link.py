"""A shared link reopens the same Plan-mode scenario; a tampered ``plan=`` value is refused."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers_app import APP, PLAN_TIMEOUT, _explorer, _lat_lon
from tests.tiny_mirror import TESTHAM
from ui import plan, plan_link

LAT, LON = _lat_lon(401500.0, 301500.0)  # the middle square of Testham


def _value(data: object) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def _figures(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_scenario_round_trips_through_its_url_value():
    made = plan.Plan(
        name="Sale Moor hub", add=[plan.Proposal("Hub", "library", LAT, LON, 40.0)],
        close=["osm:node/1"],
    )  # fmt: skip
    value = plan_link.encode(made)
    assert value and len(value) <= plan_link.MAX_LENGTH
    back = plan_link.decode(value)
    assert back is not None and back.identity() == plan.Plan(
        "Sale Moor hub", [plan.Proposal("Hub", "library", round(LAT, 5), round(LON, 5), 40.0)],
        ["osm:node/1"],
    ).identity()  # fmt: skip
    assert plan_link.encode(plan.Plan()) is None


@pytest.mark.parametrize(
    "value",
    [
        "not base64 at all!",
        _value({"a": [["<script>", LAT, LON, None, "x"]]}),  # unknown kind of place
        _value({"a": [["library", 10.0, LON, None, "x"]]}),  # not in Great Britain
        _value({"a": [["library", "53", LON, None, "x"]]}),  # coordinates as text
        _value({"a": [["library", LAT, LON, -5, "x"]]}),  # negative capacity
        _value({"c": ["'; drop table", "../../etc/passwd\n"]}),  # not asset ids
        _value([1, 2, 3]),
        base64.urlsafe_b64encode(zlib.compress(b"[" * 100_000)).decode(),  # inflates too far
        "A" * (plan_link.MAX_LENGTH + 1),
    ],
)
def test_a_tampered_value_gives_no_plan(value):
    assert plan_link.decode(value) is None


def test_names_are_cut_and_cleaned_and_lists_bounded():
    many = [["library", LAT, LON, None, "x\x00\x1b" + "y" * 120]] * 40
    got = plan_link.decode(_value({"n": "\u202e" * 3 + "z" * 300, "a": many}))
    assert got is not None and len(got.add) == plan_link.MAX_PROPOSALS
    assert got.add[0].name == "x" + "y" * (plan_link.MAX_NAME - 1)
    assert len(got.name) == plan_link.MAX_NAME


def test_a_shared_link_reopens_the_same_scenario(tiny_env):
    at = _explorer(timeout=PLAN_TIMEOUT)
    at.toggle(key=plan.MODE_KEY).set_value(True).run()
    at.session_state[plan.CLICK_KEY] = (LAT, LON)
    at.run()
    next(b for b in at.button if b.label == "Add to the scenario").click().run()
    assert not at.exception, [e.value for e in at.exception]
    link = at.query_params.get("plan")
    value = link[0] if isinstance(link, list) else link
    assert value and plan_link.decode(value) is not None
    before = _figures(at)

    opened = AppTest.from_file(APP, default_timeout=PLAN_TIMEOUT)
    opened.query_params["area"] = TESTHAM
    opened.query_params["plan"] = value
    opened.run()
    assert not opened.exception, [e.value for e in opened.exception]
    assert opened.session_state[plan.MODE_KEY] is True
    shared = opened.session_state[plan.PLAN_KEY][TESTHAM]
    assert shared.identity() == plan_link.decode(value).identity()
    assert _figures(opened) == before  # the same scenario, the same figures after it


def test_a_bad_plan_in_a_link_opens_the_map_without_it(tiny_env):
    at = AppTest.from_file(APP, default_timeout=PLAN_TIMEOUT)
    at.query_params["area"] = TESTHAM
    at.query_params["plan"] = _value({"a": [["<img src=x>", 1e308, "x", {}, []]]})
    at.run()
    assert not at.exception and not at.error
    assert not at.session_state[plan.MODE_KEY] if plan.MODE_KEY in at.session_state else True
