"""Plan mode on the Map explorer: what if places open or close, and where next?

A session keeps one named scenario per area: proposed places (dropped by
clicking the map, with a category, an optional capacity and a name) and
places to close.  :func:`active` gives the scenario's analysis so the page
can draw the map, headline figures and priority list *after* the change;
:func:`section` shows the controls, the effect, the areas that changed, the
downloads and the "Where next?" site suggestions.  The library does the work
(:mod:`geo.planning`); this module only keeps the session's choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from shapely.geometry import Point

from geo import maps, pipeline
from geo.planning import Scenario, Suggestion, scenario, scenario_equity, suggest
from geo.planning.files import scenario_files, suggestion_files
from ui import common, config
from ui.labels import CATEGORY_LABELS

PLAN_KEY = "atlas_plan"
MODE_KEY = "plan_mode"
SHOW_KEY = "plan_show"
CLICK_KEY = "plan_click"
USED_KEY = "plan_click_used"  # the click a proposal was last added at
SUGGEST_KEY = "plan_suggestions"
PROPOSAL_COLOUR = "#d7191c"
CLOSED_COLOUR = "#444444"
SUGGESTED_COLOUR = "#1a9641"


@dataclass(frozen=True)
class Proposal:
    """One proposed place (WGS84 for display; the library reprojects)."""

    name: str
    category: str
    lat: float
    lon: float
    capacity: float | None = None


@dataclass
class Plan:
    """This session's scenario for one area."""

    name: str = "My scenario"
    add: list[Proposal] = field(default_factory=list)
    close: list[str] = field(default_factory=list)

    def identity(self) -> tuple[Any, ...]:
        return (self.name, tuple(self.add), tuple(self.close))

    @property
    def empty(self) -> bool:
        return not self.add and not self.close


def plan_for(area: str) -> Plan:
    """The session's plan for ``area`` (created empty)."""
    plans: dict[str, Plan] = st.session_state.setdefault(PLAN_KEY, {})
    return plans.setdefault(area, Plan())


def is_on() -> bool:
    """Whether Plan mode is switched on."""
    return bool(st.session_state.get(MODE_KEY, False))


def proposals_frame(plan: Plan) -> gpd.GeoDataFrame | None:
    """The plan's proposed places as a GeoDataFrame (EPSG:4326), or None."""
    if not plan.add:
        return None
    return gpd.GeoDataFrame(
        {
            "name": [p.name for p in plan.add],
            "category": [p.category for p in plan.add],
            "capacity": [p.capacity for p in plan.add],
        },
        geometry=[Point(p.lon, p.lat) for p in plan.add],
        crs="EPSG:4326",
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _scenario(key: tuple[Any, ...], identity: tuple[Any, ...], _result: pipeline.Result) -> Any:
    name, adds, closes = identity
    plan = Plan(name=name, add=list(adds), close=list(closes))
    return scenario(
        _result,
        add=proposals_frame(plan),
        close=plan.close,
        settings=config.settings(),
        name=plan.name,
    )


def current(result: pipeline.Result, key: tuple[Any, ...], area: str) -> Scenario | None:
    """The scenario of this area's plan, or None (no plan, or it cannot be applied)."""
    plan = plan_for(area)
    if plan.empty:
        return None
    try:
        return _scenario(key, plan.identity(), result)
    except Exception as exc:  # shown to the user; the analysis before stays on screen
        st.error(f"The scenario could not be applied: {common.md_escape(exc)}")
        return None


def active(
    result: pipeline.Result, key: tuple[Any, ...], area: str
) -> tuple[pipeline.Result, tuple[Any, ...], Scenario | None]:
    """What the page shows: the analysis after the plan when "after" is chosen."""
    if not is_on():
        return result, key, None
    plan = current(result, key, area)
    if plan is None or st.session_state.get(SHOW_KEY, "After") != "After":
        return result, key, plan
    return plan.after, (*key, ("scenario", plan_for(area).identity())), plan


def remember_click(out: dict[str, Any] | None) -> None:
    """Keep the last map click as the place to drop a proposal."""
    if out and out.get("last_clicked"):
        point = out["last_clicked"]
        click = (float(point["lat"]), float(point["lng"]))
        # the map keeps returning its last click: one already used adds nothing again
        if st.session_state.get(USED_KEY) != click:
            st.session_state[CLICK_KEY] = click


def map_layers(result: pipeline.Result, area: str) -> list[folium.FeatureGroup]:
    """Proposed, closed and suggested places, drawn above the other layers."""
    if not is_on():
        return []
    plan = plan_for(area)
    fg = folium.FeatureGroup(name="Plan")
    for p in plan.add:
        kind = CATEGORY_LABELS.get(p.category, p.category)
        folium.CircleMarker(
            [p.lat, p.lon],
            radius=9,
            color="#ffffff",
            weight=2,
            fill=True,
            fill_color=PROPOSAL_COLOUR,
            fill_opacity=0.95,
            tooltip=maps.escape_html(f"Proposed: {p.name} ({kind})"),
        ).add_to(fg)
    if plan.close:
        closed = result.assets[result.assets["asset_id"].isin(plan.close)].to_crs(4326)
        for row in closed.itertuples():
            folium.CircleMarker(
                [row.geometry.y, row.geometry.x],
                radius=9,
                color=CLOSED_COLOUR,
                weight=3,
                fill=False,
                dash_array="4",
                tooltip=maps.escape_html(f"Closing: {row.name}"),
            ).add_to(fg)
    found: Suggestion | None = st.session_state.get(SUGGEST_KEY, {}).get(area)
    if found is not None:
        for row in found.sites.to_crs(4326).itertuples():
            folium.RegularPolygonMarker(
                [row.geometry.y, row.geometry.x],
                number_of_sides=4,
                radius=9,
                color="#ffffff",
                weight=2,
                fill_color=SUGGESTED_COLOUR,
                fill_opacity=0.95,
                tooltip=maps.escape_html(f"Suggested site {row.site}: adds {row.adds:,.1f}"),
            ).add_to(fg)
    click = st.session_state.get(CLICK_KEY)
    if click is not None:
        folium.Marker(list(click), tooltip="The place you clicked").add_to(fg)
    return [fg]


def toggle() -> None:
    """The Plan mode switch (above the map)."""
    st.toggle(
        "Plan mode",
        key=MODE_KEY,
        help="Try proposals: click the map to drop a proposed place, or choose places to "
        "close, and see the figures change. Nothing is saved beyond this session.",
    )


def section(result: pipeline.Result, key: tuple[Any, ...], area: str) -> None:
    """Plan mode's controls and results (below the map); ``result`` is the analysis before."""
    if not is_on():
        return
    plan = plan_for(area)
    what_if, where_next = st.tabs(["What if?", "Where next?"])
    with what_if:
        _proposal_form(result, plan)
        _closures(result, plan)
        plan.name = st.text_input("Scenario name", value=plan.name, max_chars=80)
        if plan.empty:
            st.caption("Add a proposed place or choose one to close to see its effect.")
        else:
            _effect(result, key, area, plan)
    with where_next:
        _where_next(result, area, plan)


def _proposal_form(result: pipeline.Result, plan: Plan) -> None:
    click = st.session_state.get(CLICK_KEY)
    st.markdown("**Propose a place**")
    if click is None:
        st.caption("Click the map where the place would be.")
        return
    with st.form("plan-add", clear_on_submit=True, border=False):
        cols = st.columns([2, 2, 1])
        name = cols[0].text_input("Name", value="Proposed place", max_chars=80)
        category = cols[1].selectbox(
            "Kind of place",
            options=list(result.categories),
            format_func=lambda c: CATEGORY_LABELS.get(c, c),
        )
        capacity = cols[2].number_input("Capacity (optional)", min_value=0.0, value=0.0)
        st.caption(f"At {click[0]:.5f}, {click[1]:.5f} (the point you clicked).")
        if st.form_submit_button("Add to the scenario", icon=":material/add_location:"):
            lat, lon = click
            label = name.strip() or "Proposed place"
            plan.add.append(Proposal(label, str(category), lat, lon, capacity or None))
            st.session_state[USED_KEY] = click
            st.session_state.pop(CLICK_KEY, None)
            st.rerun()


def _closures(result: pipeline.Result, plan: Plan) -> None:
    assets = result.assets
    counted = assets[assets["category"].isin(result.categories) & assets["in_region"]]
    options = counted.sort_values("name")["asset_id"].astype(str).tolist()
    names = dict(zip(counted["asset_id"].astype(str), counted["name"].astype(str), strict=True))
    cats = dict(zip(counted["asset_id"].astype(str), counted["category"], strict=True))
    chosen = st.multiselect(
        "Places to close",
        options=options,
        default=[c for c in plan.close if c in names],
        format_func=lambda i: f"{names.get(i, i)} — {CATEGORY_LABELS.get(cats.get(i), '')}",
        placeholder="Type a place's name",
    )
    plan.close = list(chosen)
    if plan.add and st.button("Remove the proposed places", type="tertiary"):
        plan.add.clear()
        st.rerun()


def _effect(result: pipeline.Result, key: tuple[Any, ...], area: str, plan: Plan) -> None:
    found = current(result, key, area)
    if found is None:
        return
    st.radio(
        "Show on the map and in the figures",
        ["Before", "After"],
        index=1,
        key=SHOW_KEY,
        horizontal=True,
    )
    t = found.totals
    cols = st.columns(4)
    cols[0].metric(
        "Priority gaps",
        f"{t['priority_areas_after']:,}",
        delta=t["priority_areas_after"] - t["priority_areas_before"],
        delta_color="inverse",
    )
    cols[1].metric("Residents leaving a priority gap", f"{t['residents_leaving_priority']:,.0f}")
    cols[2].metric(
        "High-risk residents newly within 10 min",
        f"{t['high_risk_residents_newly_within_10min']:,.0f}",
    )
    cols[3].metric(
        "High-risk residents newly within 20 min",
        f"{t['high_risk_residents_newly_within_20min']:,.0f}",
    )
    changed = found.comparison[found.comparison["changed"]]
    st.markdown(f"**Areas that changed** ({len(changed):,} of {len(found.comparison):,})")
    columns = [
        c
        for c in (
            "lsoa21nm",
            "ward_name",
            "nearest_any_m_before",
            "nearest_any_m_after",
            "access_e2sfca_before",
            "access_e2sfca_after",
            "gap_class_before",
            "gap_class_after",
            "priority_rank_before",
            "priority_rank_after",
        )
        if c in changed
    ]
    st.dataframe(changed[columns].round(2), width="stretch")
    st.markdown("**Who lives in the areas it helps**")
    equity = scenario_equity(found)
    st.dataframe(
        pd.DataFrame(
            {
                "Group": equity["group"],
                "Helped": equity["helped"].round(0),
                "Share among the helped": equity["share_helped"],
                "Share in the whole area": equity["share_all"],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Share among the helped": st.column_config.NumberColumn(format="percent"),
            "Share in the whole area": st.column_config.NumberColumn(format="percent"),
        },
    )
    files = scenario_files(found)
    halves = st.columns(2)
    for col, fmt, label in ((halves[0], "csv", "CSV"), (halves[1], "gpkg", "GeoPackage")):
        content, name, mime = files[fmt]
        col.download_button(f"Scenario ({label})", content, file_name=name, mime=mime)


def _where_next(result: pipeline.Result, area: str, plan: Plan) -> None:
    st.caption(
        "Suggest sites for new places that reach the most people at risk, keeping every "
        "existing place. Candidates are a 400 m grid inside the area."
    )
    cols = st.columns(4)
    sites = cols[0].number_input("Sites", min_value=1, max_value=10, value=3)
    threshold = cols[1].select_slider("Reach (m)", options=[400, 600, 800, 1200, 1600], value=800)
    objective = cols[2].radio("Objective", ["mclp", "p-median"], format_func=_objective_label)
    lonely = result.areas["expected_lonely"].notna().any()
    weights = ["expected_lonely", "high_risk_residents"] if lonely else ["high_risk_residents"]
    weight = cols[3].radio("Weight", weights, format_func=_weight_label)
    store: dict[str, Suggestion] = st.session_state.setdefault(SUGGEST_KEY, {})
    if st.button("Suggest sites", icon=":material/explore:"):
        with common.guard("choosing sites"):
            store[area] = suggest(
                result,
                sites=int(sites),
                threshold_m=float(threshold),
                objective=objective,  # type: ignore[arg-type]  # one of the radio's options
                weight=weight,  # type: ignore[arg-type]  # one of the radio's options
            )
    found = store.get(area)
    if found is None:
        return
    gap = "n/a" if found.gap != found.gap else f"{found.gap:.1%}"
    st.markdown(
        f"**{len(found.sites)} suggested site(s)** ({found.method} solution; greedy "
        f"optimality gap {gap}). {common.md_escape(found.candidates)}."
    )
    shown = found.sites.drop(columns="geometry")[["site", "lat", "lon", "adds", "areas_reached"]]
    st.dataframe(shown.round(5), hide_index=True, width="stretch")
    st.line_chart(found.curve.set_index("sites")[["value", "greedy_value"]], height=180)
    category = st.selectbox(
        "Kind of place for the suggested sites",
        options=list(result.categories),
        format_func=lambda c: CATEGORY_LABELS.get(c, c),
    )
    if st.button("Turn them into a scenario", icon=":material/add_location_alt:"):
        for row in found.sites.to_crs(4326).itertuples():
            plan.add.append(
                Proposal(f"Suggested site {row.site}", category, row.geometry.y, row.geometry.x)
            )
        st.rerun()
    files = suggestion_files(result, found)
    content, name, mime = files["csv"]
    st.download_button("Suggested sites (CSV)", content, file_name=name, mime=mime)


def _objective_label(key: str) -> str:
    return {
        "mclp": "Reach the most people not yet within reach",
        "p-median": "Bring everyone nearer",
    }[key]


def _weight_label(key: str) -> str:
    return {
        "expected_lonely": "People expected to be lonely",
        "high_risk_residents": "Residents of high-risk areas",
    }[key]
