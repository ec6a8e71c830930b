"""One search box: authority, ward, place, small area or postcode — and what is near a postcode.

The matching is the library's (:class:`geo.search.SearchIndex`, built from the
national LSOA lookup and the OpenStreetMap place names of the region on show);
this module turns a chosen match into what the page shows: another authority,
a selected small area, or, for a
postcode, the community places within a 20-minute walk.
"""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
import streamlit as st

from geo import maps, pipeline
from geo.nearby import DEFAULT_MINUTES, places_near, summary
from geo.search import Match, SearchIndex, lsoa_finder, region_places
from geo.sources.access import DataAccess
from ui import common, config, params

QUERY = "search_query"
HERE = "search_here"  # (label, x, y) of the postcode or place looked at


@st.cache_resource(show_spinner=False, max_entries=8)
def _index(settings_id: tuple[str, ...], region_key: str, _result: pipeline.Result) -> SearchIndex:
    """The national lookup's names, with the place names of the region on show."""
    access = DataAccess(config.settings())
    return SearchIndex(access.lsoa21_lookup().frame, places=region_places(_result.region))


def _locate(postcode: str) -> tuple[tuple[float, float] | None, str]:
    """A postcode's BNG point from the postcode table the settings name (or postcodes.io)."""
    from geo.postcodes import postcode_geocoder

    try:
        found = postcode_geocoder(config.settings())([postcode])
    except Exception as exc:  # offline without a postcode table, or the service failed
        return None, str(exc)
    row, reason = found.locate(postcode)
    if row is None:
        return None, reason
    if row.get("x") is not None and row.get("y") is not None:
        return (float(row["x"]), float(row["y"])), ""
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        float(row["lon"]), float(row["lat"])
    )
    return (float(x), float(y)), ""


def finder(result: pipeline.Result) -> None:
    """The search box and its matches (in the side panel)."""
    query = st.text_input(
        "Find a place",
        key=QUERY,
        placeholder="Authority, ward, town, small area or postcode",
        help="Type a name (Sale Moor, Trafford, Oakham), a small area's name or code "
        "(Trafford 019E, E01006187) or a postcode (M33 7XX) for what is near it.",
    )
    if not query or len(query.strip()) < 2:
        return
    try:
        index = _index(config.settings_key(), result.region.key, result)
        finder_fn = lsoa_finder(result.areas)
        matches = index.search(query, locate=_locate, lsoa_of=finder_fn)
    except Exception as exc:  # the lookup could not be read: say so, keep the page
        st.caption(f"Search is not available: {common.md_escape(exc)}")
        return
    if not matches:
        st.caption("No results: try a ward, a town, a small area's code or a full postcode.")
        return
    for i, match in enumerate(matches[:8]):
        st.button(
            match.label,
            key=f"search-hit-{i}",
            on_click=_go,
            args=(match,),
            type="tertiary",
            icon=_ICONS.get(match.kind),
        )


_ICONS = {
    "authority": ":material/location_city:",
    "ward": ":material/holiday_village:",
    "place": ":material/place:",
    "lsoa": ":material/grid_view:",
    "postcode": ":material/markunread_mailbox:",
}


def _go(match: Match) -> None:
    """Open what a match points at: its authority, and its small area where it has one."""
    if match.lad_code and st.session_state.get(params.AREA) != match.lad_code:
        st.session_state[params.AREA] = match.lad_code
        st.session_state["_last_area"] = match.lad_code
    if (match.kind in ("lsoa", "postcode", "place") and match.lsoa_codes) or (
        match.kind == "ward" and match.lsoa_codes
    ):
        st.session_state[params.SELECTED] = match.lsoa_codes[0]
    if match.point is not None:
        st.session_state[HERE] = (match.label.split(" — ")[0], *match.point)
    else:
        st.session_state.pop(HERE, None)


def here() -> tuple[str, float, float] | None:
    """The postcode or place being looked at, if any."""
    value = st.session_state.get(HERE)
    return (str(value[0]), float(value[1]), float(value[2])) if value else None


def map_layers() -> list[folium.FeatureGroup]:
    """A marker and a 20-minute walk circle at the postcode looked at."""
    spot = here()
    if spot is None:
        return []
    label, x, y = spot
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(x, y)
    fg = folium.FeatureGroup(name="Near here")
    reach = DEFAULT_MINUTES * 60 * 1.0
    folium.Circle([lat, lon], radius=reach, color="#1f78b4", weight=2, fill=False).add_to(fg)
    folium.Marker([lat, lon], tooltip=maps.escape_html(label)).add_to(fg)
    return [fg]


def near_here(result: pipeline.Result) -> None:
    """The community places within a walk of the postcode looked at, by category."""
    spot = here()
    if spot is None:
        return
    label, x, y = spot
    speed = result.parameters.speed_m_s
    near = places_near(result.assets, x, y, minutes=DEFAULT_MINUTES, speed_m_s=speed)
    st.markdown(f"##### Near {common.md_escape(label)}: within a {DEFAULT_MINUTES:.0f}-minute walk")
    st.caption(
        f"Straight-line distance at {speed:g} m/s; a river or railway can make the walk longer."
    )
    if not len(near):
        st.caption("No community place that the analysis counts is within that walk.")
    else:
        st.dataframe(
            summary(near).rename(
                columns={
                    "category_label": "Kind of place",
                    "places": "Places",
                    "nearest_min": "Nearest (min)",
                    "nearest": "Nearest",
                }
            ),
            hide_index=True,
            width="stretch",
        )
        table = _printable(near)
        st.dataframe(table, hide_index=True, width="stretch")
        st.download_button(
            "Print list (CSV)",
            table.to_csv(index=False).encode("utf-8-sig"),
            file_name="near-here.csv",
            mime="text/csv",
        )
    st.button("Close", key="search-close", on_click=st.session_state.pop, args=(HERE, None))


def _printable(near: pd.DataFrame) -> pd.DataFrame:
    frame: dict[str, Any] = {
        "Kind of place": near["category_label"],
        "Name": near["name"],
        "Address": near["address"],
        "Walk (min)": near["walk_min"],
        "Distance (m)": near["distance_m"],
    }
    return pd.DataFrame(frame)
