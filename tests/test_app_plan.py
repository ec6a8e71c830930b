"""Plan mode on the Map explorer (AppTest): a proposed place changes the figures shown."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.helpers_app import PLAN_TIMEOUT, _explorer, _lat_lon


def test_dropping_a_proposed_place_updates_the_figures(tiny_env):
    at = _explorer(timeout=PLAN_TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    at.toggle(key="plan_mode").set_value(True).run()
    assert any("Click the map" in c.value for c in at.caption)
    # a click on the map at the middle square's point (1.4 km from either library)
    at.session_state["plan_click"] = _lat_lon(401500.0, 301500.0)
    at.run()
    submit = next(b for b in at.button if b.label == "Add to the scenario")
    submit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [m.label for m in at.metric]
    assert "High-risk residents newly within 10 min" in labels
    plan = at.session_state["atlas_plan"]
    assert len(next(iter(plan.values())).add) == 1
    # the table of areas that changed lists the middle square
    changed = [df.value for df in at.dataframe if "nearest_any_m_after" in df.value.columns]
    assert changed and "Testham 005A" in set(changed[0]["lsoa21nm"])
    row = changed[0].set_index("lsoa21nm").loc["Testham 005A"]
    assert row["nearest_any_m_after"] == pytest.approx(0.0, abs=0.5)
    downloads = [b.label for b in at.get("download_button")]
    assert {"Scenario (CSV)", "Scenario (GeoPackage)"} <= set(downloads)
    # "Before" shows the analysis as it is
    at.radio(key="plan_show").set_value("Before").run()
    assert not at.exception


def test_where_next_suggests_sites_and_turns_them_into_a_scenario(tiny_env):
    at = _explorer(timeout=PLAN_TIMEOUT)
    at.toggle(key="plan_mode").set_value(True).run()
    next(b for b in at.button if b.label == "Suggest sites").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("suggested site(s)" in m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Turn them into a scenario").click().run()
    assert not at.exception, [e.value for e in at.exception]
    plan = next(iter(at.session_state["atlas_plan"].values()))
    assert len(plan.add) >= 1 and plan.add[0].name.startswith("Suggested site")


def _clicks_script() -> None:
    import streamlit as st

    from ui import plan

    st.session_state[plan.USED_KEY] = (53.4, -2.3)
    plan.remember_click({"last_clicked": {"lat": 53.4, "lng": -2.3}})
    st.write("same:", st.session_state.get(plan.CLICK_KEY))
    plan.remember_click({"last_clicked": {"lat": 53.5, "lng": -2.2}})
    st.write("new:", st.session_state.get(plan.CLICK_KEY))


def test_a_click_already_used_for_a_proposal_does_not_offer_it_again():
    at = AppTest.from_function(_clicks_script).run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert texts == ["same: `None`", "new: `(53.5, -2.2)`"]
