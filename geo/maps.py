"""Folium map builders.

Builders take ``m=None`` and add their layer to an existing map, so layers
compose.  Geometry is simplified once as a coverage in EPSG:27700 (so
neighbouring areas keep shared edges), converted to WGS84 for display only,
rounded, and handed to folium as a GeoJSON dict with colours already in the
properties.  Every string that reaches HTML (tooltips, popups, legends) is
escaped with :func:`escape_html`, which also neutralises the backtick and
dollar sign that template literals would otherwise evaluate.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:27700"
#: Decile colours, 1 = most deprived (dark) to 10 = least deprived (light).
DECILE_COLOURS = (
    "#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6",
    "#9ecae1", "#c6dbef", "#deebf7", "#eef5fb", "#f7fbff",
)  # fmt: skip
NO_DATA = "#d9d9d9"


def escape_html(value: object) -> str:
    """Escape a value for HTML, including characters JS templates evaluate."""
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return html.escape(text, quote=True).replace("`", "&#96;").replace("$", "&#36;")


def simplified_geojson(
    areas: gpd.GeoDataFrame,
    properties: pd.DataFrame,
    *,
    tolerance_m: float = 15.0,
    precision: int = 5,
) -> dict[str, Any]:
    """A compact WGS84 GeoJSON dict of the areas with the given properties.

    The polygons are simplified together (``shapely.coverage_simplify``) so
    shared edges stay shared; string properties are HTML-escaped.
    """
    geoms = areas.geometry.values
    try:
        simple = shapely.coverage_simplify(geoms, tolerance_m)
    except Exception:
        simple = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    wgs = gpd.GeoSeries(simple, index=areas.index, crs=areas.crs).to_crs(4326)
    wgs = wgs.set_precision(10 ** (-precision))
    features = []
    props = properties.reindex(areas.index)
    records = props.to_dict(orient="records")
    for code, geom, rec in zip(areas.index, wgs.values, records, strict=True):
        features.append(
            {
                "type": "Feature",
                "id": str(code),
                "properties": {k: _clean(v) for k, v in rec.items()},
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _clean(value: object) -> object:
    if isinstance(value, str):
        return escape_html(value)
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if value is pd.NA or value is None:
        return None
    return value


#: Where the vendored Leaflet and jQuery live under a static files URL.
VENDORED_JS = (("leaflet", "leaflet/leaflet.js"), ("jquery", "jquery/jquery.min.js"))
VENDORED_CSS = (("leaflet_css", "leaflet/leaflet.css"),)
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


def base_map(
    bounds_wgs84: Sequence[float],
    *,
    tiles: str | None = "OpenStreetMap",
    static_url: str | None = None,
) -> folium.Map:
    """An empty map fitted to (west, south, east, north).

    Parameters
    ----------
    tiles
        ``"OpenStreetMap"`` for the OSM basemap, or ``None`` for a plain
        background (offline: polygons and points still draw).
    static_url
        Base URL of the vendored Leaflet files (e.g. ``/app/static/vendor``);
        when given, the map loads Leaflet from there instead of a CDN, so it
        draws with no internet connection.
    """
    west, south, east, north = bounds_wgs84
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
    )
    if static_url is not None:
        base = static_url.rstrip("/")
        m.default_js = [(name, f"{base}/{path}") for name, path in VENDORED_JS]
        m.default_css = [(name, f"{base}/{path}") for name, path in VENDORED_CSS]
    if tiles == "OpenStreetMap":
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap", attr=OSM_ATTRIBUTION, control=False
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m


def choropleth_layer(
    geojson: Mapping[str, Any],
    *,
    colour_property: str,
    name: str,
    tooltip_fields: Sequence[str],
    tooltip_aliases: Sequence[str],
    m: folium.Map | None = None,
) -> folium.Map:
    """Add polygons coloured by a precomputed colour property."""
    if m is None:
        m = folium.Map(tiles=None)

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        return {
            "fillColor": feature["properties"].get(colour_property) or NO_DATA,
            "color": "#555555",
            "weight": 0.5,
            "fillOpacity": 0.7,
        }

    folium.GeoJson(
        dict(geojson),
        name=escape_html(name),
        style_function=style,
        highlight_function=lambda _: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=list(tooltip_fields),
            aliases=[escape_html(a) for a in tooltip_aliases],
            localize=True,
            sticky=False,
        ),
    ).add_to(m)
    return m


def asset_layer(
    assets: gpd.GeoDataFrame,
    *,
    colours: Mapping[str, str],
    labels: Mapping[str, str],
    name: str = "Community assets",
    m: folium.Map | None = None,
) -> folium.Map:
    """Add asset points as one GeoJSON layer of small circles, coloured by category."""
    if m is None:
        m = folium.Map(tiles=None)
    if assets.empty:
        return m
    wgs = assets.to_crs(4326)
    features = []
    for row, geom in zip(wgs.itertuples(index=False), wgs.geometry.values, strict=True):
        category = str(row.category)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": escape_html(row.name) or "(unnamed)",
                    "category": escape_html(labels.get(category, category)),
                    "source": escape_html(row.source),
                    "colour": colours.get(category, "#444444"),
                },
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(geom.x, 5), round(geom.y, 5)],
                },
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=escape_html(name),
        marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.9),
        style_function=lambda f: {
            "color": "#222222",
            "fillColor": f["properties"]["colour"],
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "category", "source"], aliases=["Name", "Category", "Source"]
        ),
    ).add_to(m)
    return m


def layer_control(m: folium.Map) -> folium.Map:
    """Add the control that switches layers on and off."""
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def decile_colour(deciles: pd.Series) -> pd.Series:
    """Colour per IMD decile (1 most deprived); grey when missing."""
    lookup = dict(enumerate(DECILE_COLOURS, start=1))
    return deciles.map(lambda d: lookup.get(int(d), NO_DATA) if pd.notna(d) else NO_DATA)


def legend_html(title: str, items: Sequence[tuple[str, str]]) -> str:
    """A small HTML legend (escaped) for use beside or on a map."""
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;'
        f'background:{escape_html(colour)};margin-right:6px;border:1px solid #999"></span>'
        f"{escape_html(label)}</div>"
        for colour, label in items
    )
    return f'<div style="font-size:12px"><b>{escape_html(title)}</b>{rows}</div>'


def to_json(geojson: Mapping[str, Any]) -> str:
    """Serialise a GeoJSON dict compactly (to measure payload size)."""
    return json.dumps(geojson, separators=(",", ":"))
