"""The explorer's map: one Leaflet map per area, with layers that change in place.

The base map (empty, fitted to the area) is the same on every run for an
area, so streamlit-folium keeps the same map mounted and the user's pan and
zoom survive control changes.  Everything that changes — the coloured
areas, hot-spot outlines, community places and the selected area — is sent
as feature groups (``feature_group_to_add``), which the component swaps
without reloading the map.  Only clicks come back to Python
(``returned_objects``), so panning never reruns the script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import maps, pipeline
from geo.gaps import CLASS_LABELS
from geo.present import glossary, reach
from ui import cache, config, labels
from ui.params import Choice

#: Fills a 1440 × 900 screen below the header and the layer row.
MAP_HEIGHT = 680
#: Map and side panel widths: the map takes 70 % of the page.
MAP_SPLIT = (7, 3)
RETURNED = ["last_object_clicked", "last_object_clicked_count"]


@dataclass(frozen=True)
class View:
    """How the map shows the analysis (not part of the analysis itself)."""

    layer: str = "risk"
    access_measure: str = "e2sfca"
    access_category: str | None = None
    hotspots: bool = True
    asset_categories: tuple[str, ...] = ()
    show_outside: bool = True
    user_column: str | None = None
    user_label: str = ""


def classes(result: pipeline.Result, view: View) -> maps.Classes:
    """The colours and legend of the chosen layer."""
    areas = result.areas
    p = result.parameters
    if view.layer == "access":
        category = view.access_category
        return maps.access_classes(
            areas,
            measure=view.access_measure,
            category=category,
            category_label=labels.CATEGORY_LABELS.get(category, category) if category else None,
            speed_m_s=p.speed_m_s,
            catchment_m=p.catchment_m,
            covered=reach.covered_areas(result.coverage, category, areas.index),
        )
    if view.layer == "user" and view.user_column:
        return maps.user_classes(areas, view.user_column, label=view.user_label)
    if view.layer == "gaps":
        return maps.gap_classes(areas, labels=CLASS_LABELS)
    if view.layer == "deprivation":
        return maps.deprivation_classes(areas)
    return maps.risk_classes(areas, model=p.model)


def _fmt_int(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.0f}"


def area_properties(result: pipeline.Result, shown: maps.Classes) -> pd.DataFrame:
    """Tooltip texts and the colour of every area (strings; escaped later)."""
    a = result.areas
    n = len(a)
    risk = maps.risk_classes(a, model=result.parameters.model).text
    rank = a["risk_rank"].map(lambda r: f"rank {int(r)} of {n} here" if pd.notna(r) else "")
    p = result.parameters
    any_kind = glossary.label("any_place").lower()
    covered = reach.covered_areas(result.coverage, None, a.index)
    metres = a["nearest_any_m"] if "nearest_any_m" in a else pd.Series(np.nan, index=a.index)
    access = pd.Series(
        [
            reach.nearest_text(m, covered=bool(c), kind=any_kind, speed_m_s=p.speed_m_s)
            for m, c in zip(metres.to_numpy(), covered.to_numpy(), strict=True)
        ],
        index=a.index,
        dtype=object,
    )
    count_col = next(
        (f"count_any_{t}m" for t in sorted(result.parameters.thresholds) if t >= 800), None
    )
    if count_col and count_col in a:
        label = count_col.split("_")[-1]
        access = access + a[count_col].map(
            lambda c: f"; {int(c)} within {label}" if pd.notna(c) else ""
        )
    gap = a["gap_label"].where(a["gap_class"].notna(), "no class").astype(str)
    gap = gap + a["hotspot"].fillna(False).astype(bool).map({True: " (in a hot spot)", False: ""})
    name = a["lsoa21nm"].astype(str)
    if "ward_name" in a:
        name = name + a["ward_name"].map(lambda w: f" — {w}" if isinstance(w, str) and w else "")
    nearest = glossary.label("nearest_place").lower()
    if shown.title.startswith((glossary.label("e2sfca"), glossary.label("walk"))):
        access = shown.title + ": " + shown.text + f" · {nearest} ({any_kind}): " + access
    else:
        access = f"{nearest}: " + access
    return pd.DataFrame(
        {
            "name": name,
            "code": a.index.astype(str),
            "residents": a["population"].map(_fmt_int) if "population" in a else "",
            "risk": risk + ", " + rank,
            "access": access,
            "gap": gap,
            "imd": a["imd_decile"].map(
                lambda d: f"decile {int(d)} of England" if pd.notna(d) else "—"
            )
            if "imd_decile" in a
            else "—",
            "colour": shown.colour,
        },
        index=a.index,
    )


TOOLTIP_FIELDS = ["name", "code", "residents", "risk", "access", "gap", "imd"]
TOOLTIP_ALIASES = [
    "Area",
    "Code",
    "Residents",
    "Loneliness risk",
    "Access",
    "Gap",
    "Deprivation (IMD)",
]


@st.cache_data(show_spinner=False, max_entries=64)
def layer_geojson(
    key: tuple[Any, ...], view: View, _result: pipeline.Result
) -> tuple[dict[str, Any], str]:
    """The coloured areas of one layer as a GeoJSON dict, and the layer's title."""
    shown = classes(_result, view)
    props = area_properties(_result, shown)
    if view.layer == "user":
        props["yours"] = shown.text
    geoms = cache.geometries(key[0].area, key[1])
    return maps.feature_collection(geoms, props), shown.title


@st.cache_data(show_spinner=False, max_entries=16)
def asset_points(key: tuple[Any, ...], region_name: str, _result: pipeline.Result) -> pd.DataFrame:
    """Asset rows for the map (coordinates and escaped texts)."""
    return maps.asset_features(
        _result.assets,
        labels=labels.CATEGORY_LABELS,
        sources=cache.source_labels(_result),
        region_name=region_name,
    )


def feature_groups(
    result: pipeline.Result,
    key: tuple[Any, ...],
    view: View,
    *,
    selected: str | None,
) -> list[folium.FeatureGroup]:
    """The layers drawn on the base map, bottom to top."""
    groups = [_areas_group(result, key, view)]
    if view.hotspots:
        outlines = cache.hotspot_outlines(key, result)
        if outlines:
            fg = folium.FeatureGroup(name="Hot spots")
            maps.outline_layer(outlines, name="Hot spots", tooltip="Hot spot of gap score", m=fg)
            groups.append(fg)
    if view.asset_categories:
        groups.append(_places_group(result, key, view))
    else:
        clear = folium.FeatureGroup(name="No community places")
        maps.legend_control("", position="topright", slot="assets", m=clear)
        groups.append(clear)
    if selected:
        selection = _selection_group(key, selected)
        if selection is not None:
            groups.append(selection)
    return groups


def _areas_group(result: pipeline.Result, key: tuple[Any, ...], view: View) -> folium.FeatureGroup:
    """The coloured areas of the chosen layer, with their tooltips and legend."""
    geojson, title = layer_geojson(key, view, result)
    areas_fg = folium.FeatureGroup(name=maps.escape_html(title))
    fields, aliases = TOOLTIP_FIELDS, TOOLTIP_ALIASES
    if view.layer == "user":
        # the alias is escaped by the layer; the value was escaped with the properties
        fields = [*fields[:1], "yours", *fields[1:]]
        aliases = [*aliases[:1], f"{view.user_label} (your data)", *aliases[1:]]
    maps.choropleth_layer(
        geojson,
        colour_property="colour",
        name=title,
        tooltip_fields=fields,
        tooltip_aliases=aliases,
        m=areas_fg,
    )
    shown = classes(result, view)
    legend = _layer_legend(shown, view)
    maps.legend_control(legend, title=shown.title, position="bottomright", slot="layer", m=areas_fg)
    return areas_fg


def _layer_legend(shown: maps.Classes, view: View) -> str:
    """The layer's legend HTML, with the hot-spot outline's key when they are shown."""
    if view.layer == "gaps":
        legend = maps.bivariate_legend_html()
    elif shown.ramp is not None:
        legend = maps.ramp_legend_html(
            None, [c for c, _ in shown.legend], shown.ramp, extra=[(maps.NO_DATA, "no data")]
        )
    else:
        legend = maps.legend_html(None, shown.legend)
    if view.hotspots:
        legend += (
            '<div style="font-size:12px;margin-top:5px"><span style="display:inline-block;'
            f"width:16px;height:0;border-top:3px solid {maps.HOTSPOT_COLOUR};"
            'vertical-align:middle;margin-right:5px"></span>hot spot (cluster of large gaps)</div>'
        )
    return legend


def _places_group(result: pipeline.Result, key: tuple[Any, ...], view: View) -> folium.FeatureGroup:
    """The chosen categories of community places, clustered, with their legend."""
    points = asset_points(key, result.region.name, result)
    fg = folium.FeatureGroup(name="Community places")
    chosen = points[points["category"].isin(view.asset_categories)]
    if not view.show_outside:
        chosen = chosen[chosen["in_region"]]
    marks = {c: labels.CATEGORY_MARKS(c) for c in points["category"].unique()}
    maps.asset_layer(
        chosen,
        colours={c: colour for c, (colour, _) in marks.items()},
        shapes={c: shape for c, (_, shape) in marks.items()},
        cluster=True,
        m=fg,
    )
    maps.legend_control(
        title="Community places",
        html_text=maps.asset_legend_html(
            _places_legend_items(points, view),
            region_name=result.region.name,
            buffer_km=config.settings().region_buffer_m / 1000,
            shapes=[labels.CATEGORY_MARKS(c)[1] for c in view.asset_categories],
            uploaded=bool(chosen["uploaded"].any()) if "uploaded" in chosen else False,
        ),
        position="topright",
        slot="assets",
        m=fg,
    )
    return fg


def _places_legend_items(points: pd.DataFrame, view: View) -> list[tuple[str, str, int, int]]:
    """Per chosen category: colour, label, places inside and (when shown) outside."""
    items = []
    for category in view.asset_categories:
        rows = points[points["category"] == category]
        n_in = int(rows["in_region"].sum())
        n_out = int((~rows["in_region"].astype(bool)).sum()) if view.show_outside else 0
        items.append(
            (
                labels.CATEGORY_MARKS(category)[0],
                labels.CATEGORY_LABELS.get(category, category),
                n_in,
                n_out,
            )
        )
    return items


def _selection_group(key: tuple[Any, ...], selected: str) -> folium.FeatureGroup | None:
    """The selected area's outline (white under the selection colour), if it is mapped."""
    geoms = cache.geometries(key[0].area, key[1])
    if selected not in geoms:
        return None
    fg = folium.FeatureGroup(name="Selected area")
    shape = [geoms[selected]]
    maps.outline_layer(
        shape,
        name="Selected area",
        tooltip="Selected area",
        colour="#ffffff",
        weight=7,
        m=fg,
    )
    maps.outline_layer(
        shape,
        name="Selected area",
        tooltip="Selected area",
        colour=maps.SELECTION_COLOUR,
        weight=3.5,
        m=fg,
    )
    return fg


def render(
    result: pipeline.Result,
    key: tuple[Any, ...],
    view: View,
    *,
    selected: str | None,
    extra: Sequence[folium.FeatureGroup] = (),
    clicks: bool = False,
) -> dict[str, Any] | None:
    """Draw the map; return what the user last clicked (or None).

    ``extra`` layers are drawn on top (e.g. Plan mode's proposals); with
    ``clicks`` the map also returns clicks anywhere (``last_clicked``).
    """
    choice: Choice = key[0]
    tiles = config.tiles()
    base = maps.base_map(
        cache.bounds(choice.area, key[1]), tiles=tiles, static_url=config.STATIC_URL
    )
    if tiles is None:  # no basemap: ward lines and names to find one's way
        maps.ward_layer(cache.wards(choice.area, key[1]), base)
    groups = [*feature_groups(result, key, view, selected=selected), *extra]
    return st_folium(
        base,
        # a new key when clicks are asked for: the component reads returned_objects once
        key=f"map-{choice.area}" + ("-clicks" if clicks else ""),
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=[*RETURNED, "last_clicked"] if clicks else RETURNED,
        feature_group_to_add=groups,
    )


def clicked_area(
    out: dict[str, Any] | None, geometries: dict[str, dict[str, Any]], *, seen_key: str
) -> str | None:
    """The area code of a new click on the map, or None when nothing new was clicked."""
    if not out:
        return None
    point = out.get("last_object_clicked")
    count = out.get("last_object_clicked_count")
    if not point or count is None:
        return None
    marker = (count, round(float(point.get("lat", 0)), 6), round(float(point.get("lng", 0)), 6))
    if st.session_state.get(seen_key) == marker:
        return None
    st.session_state[seen_key] = marker
    try:
        return maps.locate(geometries, float(point["lat"]), float(point["lng"]))
    except (KeyError, TypeError, ValueError):
        return None
