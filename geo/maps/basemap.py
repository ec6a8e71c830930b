"""The empty folium map every layer goes on: fitted, offline-capable, attributed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from geo.present.palettes import BACKGROUND

#: Where the vendored Leaflet and jQuery live under a static files URL.
VENDORED_JS = (
    ("leaflet", "leaflet/leaflet.js"),
    ("jquery", "jquery/jquery.min.js"),
    ("markercluster", "markercluster/leaflet.markercluster.js"),
)
VENDORED_CSS = (
    ("leaflet_css", "leaflet/leaflet.css"),
    ("markercluster_css", "markercluster/MarkerCluster.css"),
)
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
DATA_ATTRIBUTION = (
    "ONS, MHCLG (OGL v3.0); OS data &copy; Crown copyright; places &copy; "
    '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)

_MAP_CSS = """
<style>
.leaflet-container { background: BACKGROUND; font-family: "Source Sans Pro", sans-serif; }
.leaflet-control-attribution { font-size: 10px !important; max-width: 70%; }
.leaflet-tooltip.foliumtooltip { padding: 4px 6px; }
.foliumtooltip table { border-collapse: collapse; font-size: 12px; }
.foliumtooltip th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: 600;
  vertical-align: top; white-space: nowrap; }
.foliumtooltip td { padding: 1px 0; white-space: normal; min-width: 150px; max-width: 230px; }
.atlas-legend { background: rgba(255,255,255,0.93); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 250px; max-height: 380px; overflow-y: auto; }
.atlas-legend details:not([open]) { margin: -2px 0; }
.atlas-mark { background: none; border: none; }
.atlas-ward-label { background: none; border: none; }
.atlas-ward { font: 600 11px/1.1 "Source Sans Pro", sans-serif; color: #2b2b2b; text-align: center;
  white-space: nowrap; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.atlas-cluster { background: rgba(40,40,40,0.72); border: 2px solid #fff; border-radius: 50%;
  color: #fff; font: 600 12px/1 "Source Sans Pro", sans-serif; display: flex;
  align-items: center; justify-content: center; box-shadow: 0 1px 3px rgba(0,0,0,0.4); }
</style>
""".replace("BACKGROUND", BACKGROUND)


class _Attribution(MacroElement):
    """Adds a fixed attribution line to the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix(
            '<a href="https://leafletjs.com">Leaflet</a>');
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


class _KeepFitted(MacroElement):
    """Refit the map to its area when its frame is resized, until the user moves it.

    Inside Streamlit the map's frame often gets its final width after Leaflet
    has fitted the bounds, which would leave the area off-centre.  Also makes
    a click focus the map without scrolling the page.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var bounds = {{ this.bounds|tojson }};
            var touched = false;
            var box = map.getContainer();
            ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (name) {
                box.addEventListener(name, function () { touched = true; }, {passive: true});
            });
            function refit() {
                map.invalidateSize(false);
                if (!touched) { map.fitBounds(bounds, {animate: false}); }
            }
            if (window.ResizeObserver) { new ResizeObserver(refit).observe(box); }
            setTimeout(refit, 250);
            // Leaflet focuses the map on mousedown (for the arrow keys); in a page
            // that scrolls, focusing a map partly out of view scrolls it between
            // mousedown and mouseup and the click lands on another area. Focus
            // without scrolling instead.
            if (map.keyboard) {
                var keyboard = map.keyboard;
                var enabled = keyboard.enabled();
                if (enabled) { keyboard.disable(); }
                keyboard._onMouseDown = function () {
                    if (this._focused) { return; }
                    this._map._container.focus({preventScroll: true});
                };
                if (enabled) { keyboard.enable(); }
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "KeepFitted"
        self.bounds = bounds


def base_map(
    bounds_wgs84: Sequence[float],
    *,
    tiles: str | None = "OpenStreetMap",
    static_url: str | None = None,
    attribution: str = DATA_ATTRIBUTION,
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
    attribution
        Data attribution shown in the map's corner (trusted HTML).
    """
    west, south, east, north = bounds_wgs84
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_snap=0.25,
        maxZoom=19,  # clustering needs a maximum zoom even when there are no tiles
    )
    if static_url is not None:
        base = static_url.rstrip("/")
        m.default_js = [(name, f"{base}/{path}") for name, path in VENDORED_JS]
        m.default_css = [(name, f"{base}/{path}") for name, path in VENDORED_CSS]
    cast(Figure, m.get_root()).header.add_child(Element(_MAP_CSS), name="atlas_css")
    if tiles == "OpenStreetMap":
        folium.TileLayer(
            "OpenStreetMap",
            name="OpenStreetMap",
            attr=OSM_ATTRIBUTION,
            control=False,
            opacity=0.6,
        ).add_to(m)
    if attribution:
        m.add_child(_Attribution(attribution))
    m.fit_bounds([[south, west], [north, east]])
    m.add_child(_KeepFitted([[south, west], [north, east]]))
    return m


def _target(m: folium.Map | folium.FeatureGroup | None) -> folium.Map | folium.FeatureGroup:
    return folium.Map(tiles=None) if m is None else m
