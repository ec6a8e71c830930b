"""Polygon and outline layers drawn by one small script each.

Builders take ``m=None`` and add their layer to an existing map or feature
group, so layers compose.  The data is handed over as a GeoJSON dict with
colours already in the properties and every string escaped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from geo.present.escaping import escape_html
from geo.present.palettes import HOTSPOT_COLOUR, NO_DATA

from .basemap import _target


class _RawScript(Element):
    """Script text placed in the page as it is (branca would parse it as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        """The text itself."""
        return self._text


class _GeoJsonLayer(MacroElement):
    """A GeoJSON layer styled from its features' properties, in one small script.

    Compared with ``folium.GeoJson`` it sends the data once, with no per-feature
    style table, and builds tooltips in the browser from properties that were
    escaped in Python (:func:`escape_html`), so nothing in them is ever
    interpreted as HTML or script.  ``style_js`` is a trusted JavaScript
    function of a feature returning its Leaflet style (our code, never data).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.atlasTooltip = window.atlasTooltip || function (props, fields, aliases) {
            var rows = "";
            for (var i = 0; i < fields.length; i++) {
                var v = props[fields[i]];
                if (v === null || v === undefined || v === "") { continue; }
                rows += "<tr><th>" + aliases[i] + "</th><td>" + v + "</td></tr>";
            }
            return "<table>" + rows + "</table>";
        };
        {%- if this.icons_json %}
        var {{ this.get_name() }}_icons = {{ this.icons_json }};
        {%- endif %}
        var {{ this.get_name() }} = L.geoJson({{ this.data_json }}, {
            interactive: {{ this.interactive|tojson }},
            style: {{ this.style_js }},
            pointToLayer: function (feature, latlng) {
                {%- if this.icons_json %}
                var svg = {{ this.get_name() }}_icons[feature.properties.icon];
                if (svg) {
                    var size = feature.properties.inside ? 12 : 9;
                    return L.marker(latlng, {icon: L.divIcon({
                        html: svg, className: "atlas-mark", iconSize: [size, size]})});
                }
                {%- endif %}
                return L.circleMarker(latlng, ({{ this.style_js }})(feature));
            },
            onEachFeature: function (feature, layer) {
                {%- if this.fields %}
                layer.bindTooltip(function () {
                    return window.atlasTooltip(
                        feature.properties, {{ this.fields|tojson }}, {{ this.aliases|tojson }});
                }, {sticky: {{ this.sticky|tojson }}, className: "foliumtooltip"});
                {%- endif %}
                {%- if this.highlight %}
                layer.on("mouseover", function () {
                    // no bringToFront: moving the node under the pointer loses the click
                    layer.setStyle({{ this.highlight|tojson }});
                });
                layer.on("mouseout", function () {
                    layer.setStyle(({{ this.style_js }})(feature));
                });
                {%- endif %}
            }
        });
        {%- if this.cluster %}
        if (L.markerClusterGroup) {
            var cluster = L.markerClusterGroup(Object.assign({{ this.cluster|tojson }}, {
                iconCreateFunction: function (c) {
                    var n = c.getChildCount();
                    var size = n < 10 ? 26 : n < 100 ? 32 : 38;
                    return L.divIcon({html: "<span>" + n + "</span>", className: "atlas-cluster",
                                      iconSize: [size, size]});
                }
            }));
            cluster.addLayer({{ this.get_name() }});
            {{ this.get_name() }} = cluster;
        }
        {%- endif %}
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as branca does: returns nothing
        """Add the script to the page as it is: the data is never parsed as a template."""
        figure = cast(Figure, self.get_root())  # a map's root is its Figure
        script = self._template.module.__dict__["script"](self, kwargs)
        figure.script.add_child(_RawScript(script), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        style_js: str,
        fields: Sequence[str] = (),
        aliases: Sequence[str] = (),
        highlight: Mapping[str, Any] | None = None,
        sticky: bool = True,
        interactive: bool = True,
        icons: Mapping[str, str] | None = None,
        cluster: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self._name = "GeoJsonLayer"
        self.data = dict(data)
        # serialised once (streamlit-folium renders the script twice), safe inside <script>
        self.data_json = htmlsafe_json_dumps(self.data, dumps=json.dumps, separators=(",", ":"))
        self.style_js = style_js
        self.fields = list(fields)
        self.aliases = [escape_html(a) for a in aliases]
        self.highlight = dict(highlight) if highlight else None
        self.sticky = sticky
        self.interactive = interactive
        # marker icons (SVG built from escaped values) and clustering options
        self.icons_json = (
            htmlsafe_json_dumps(dict(icons), dumps=json.dumps, separators=(",", ":"))
            if icons
            else ""
        )
        self.cluster = dict(cluster) if cluster else None


_AREA_STYLE_JS = (
    "function (f) { return {fillColor: f.properties.%s || '"
    + NO_DATA
    + "', color: '#6b6b6b', weight: 0.6, fillOpacity: %s}; }"
)


def choropleth_layer(
    geojson: Mapping[str, Any],
    *,
    colour_property: str,
    name: str,
    tooltip_fields: Sequence[str],
    tooltip_aliases: Sequence[str],
    m: folium.Map | folium.FeatureGroup | None = None,
    fill_opacity: float = 0.75,
) -> folium.Map | folium.FeatureGroup:
    """Add polygons coloured by a precomputed colour property.

    ``geojson`` must come from :func:`feature_collection` (escaped strings);
    ``colour_property`` must be a plain identifier.
    """
    m = _target(m)
    if not colour_property.isidentifier():
        raise ValueError(f"colour_property must be an identifier, not {colour_property!r}")
    style = _AREA_STYLE_JS % (colour_property, float(fill_opacity))
    m.add_child(
        _GeoJsonLayer(
            geojson,
            style_js=style,
            fields=tooltip_fields,
            aliases=tooltip_aliases,
            highlight={"weight": 2.5, "color": "#000000"},
        )
    )
    return m


def outline_layer(
    outlines: Sequence[Mapping[str, Any]],
    *,
    name: str,
    tooltip: str,
    colour: str = HOTSPOT_COLOUR,
    weight: float = 3.0,
    dash: str | None = None,
    interactive: bool = False,
    m: folium.Map | folium.FeatureGroup | None = None,
) -> folium.Map | folium.FeatureGroup:
    """Add unfilled outlines (hot spots, the selected area)."""
    m = _target(m)
    if not outlines:
        return m
    features = [
        {"type": "Feature", "id": f"o{i}", "properties": {"what": escape_html(tooltip)},
         "geometry": dict(g)}
        for i, g in enumerate(outlines)
    ]  # fmt: skip
    style = {"color": colour, "weight": weight, "fill": False, "opacity": 0.95}
    if dash:
        style["dashArray"] = dash
    m.add_child(
        _GeoJsonLayer(
            {"type": "FeatureCollection", "features": features},
            style_js=f"function (f) {{ return {json.dumps(style)}; }}",
            fields=["what"] if interactive else (),
            aliases=[""] if interactive else (),
            interactive=interactive,
        )
    )
    return m
