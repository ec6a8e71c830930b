"""An offline basemap of electoral wards: thin grey boundaries and ward names.

With no map tiles (offline, or ``ATLAS_TILES=none``) a planner still needs to
know where they are.  :func:`ward_basemap` turns a region's small areas into
ward lines (each shared edge once, simplified as one coverage in EPSG:27700 to
a few metres, then rounded in WGS84) and one label point per ward;
:func:`ward_layer` draws them on a map in their own panes, over the coloured
areas (a 75%-opaque fill would hide lines beneath it) but under the places,
outlines and legends; the names show from zoom :data:`LABEL_ZOOM` in, so they
do not crowd the whole-authority view.  Neither takes clicks or hovers, so
hovering and clicking an area work as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from geo.present.escaping import escape_html
from geo.present.geometry import polygonal
from geo.present.wards import ward_shapes

from .geometry import CRS

__all__ = ["LABEL_ZOOM", "WARD_LINE", "WardBasemap", "ward_basemap", "ward_layer"]

WARD_LINE = "#6e6e6e"
#: Ward names show from this zoom in.
LABEL_ZOOM = 12.0


@dataclass(frozen=True)
class WardBasemap:
    """Ward lines (a GeoJSON geometry dict, WGS84) and (name, lat, lon) label points."""

    lines: dict[str, Any] | None
    labels: tuple[tuple[str, float, float], ...]


def ward_basemap(
    areas: gpd.GeoDataFrame, *, tolerance_m: float = 5.0, precision: int = 5
) -> WardBasemap:
    """The wards of ``areas`` (which carry ``ward_name``) as lines and label points."""
    shapes = ward_shapes(areas.to_crs(CRS) if areas.crs else areas)
    if len(shapes) < 2:
        return WardBasemap(None, ())
    geoms = polygonal(shapes.geometry.values)
    try:
        simple = shapely.coverage_simplify(geoms, tolerance_m)
    except Exception:
        simple = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    # every edge once: the union of the ward boundaries, merged into long lines
    edges = shapely.line_merge(shapely.union_all(shapely.boundary(polygonal(simple))))
    wgs = gpd.GeoSeries([edges], crs=CRS).to_crs(4326)
    lines = shapely.geometry.mapping(shapely.set_precision(wgs.values[0], 10.0**-precision))
    points = gpd.GeoSeries(shapely.point_on_surface(geoms), crs=CRS).to_crs(4326)
    labels = tuple(
        (str(name), round(p.y, precision), round(p.x, precision))
        for name, p in zip(shapes["ward"], points, strict=True)
    )
    return WardBasemap(lines, labels)


class _LabelZoom(MacroElement):
    """Show the ward-name pane only from ``zoom`` in."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            function show() {
                var pane = map.getPane("atlasWardNames");
                if (pane) { pane.style.display = map.getZoom() >= {{ this.zoom }} ? "" : "none"; }
            }
            map.on("zoomend", show);
            show();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, zoom: float) -> None:
        super().__init__()
        self._name = "WardLabelZoom"
        self.zoom = zoom


def ward_layer(wards: WardBasemap, m: folium.Map) -> folium.Map:
    """Draw the ward lines and names on ``m``: over the coloured areas, under places and legends."""
    if wards.lines is None:
        return m
    folium.map.CustomPane("atlasWards", z_index=410, pointer_events=False).add_to(m)
    folium.map.CustomPane("atlasWardNames", z_index=420, pointer_events=False).add_to(m)
    folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": wards.lines},
        name="Wards",
        pane="atlasWards",
        interactive=False,
        control=False,
        style_function=lambda _f: {"color": WARD_LINE, "weight": 1.4, "opacity": 0.85},
    ).add_to(m)
    for name, lat, lon in wards.labels:
        folium.Marker(
            [lat, lon],
            pane="atlasWardNames",
            interactive=False,
            icon=folium.DivIcon(
                html=f'<div class="atlas-ward">{escape_html(name)}</div>',
                icon_size=(120, 16),
                icon_anchor=(60, 8),
                class_name="atlas-ward-label",
            ),
        ).add_to(m)
    m.add_child(_LabelZoom(LABEL_ZOOM))
    return m
