"""Folium map builders for the app.

The package is split by job:

* :mod:`geo.maps.geometry` — simplified, valid, rounded WGS84 area geometry;
  dissolved outlines; which area a click fell in;
* :mod:`geo.maps.geojson` — the GeoJSON layer data (escaped properties);
* :mod:`geo.maps.basemap` — the empty, fitted, offline-capable map;
* :mod:`geo.maps.layers` — polygon and outline layers;
* :mod:`geo.maps.assets` — community places as points;
* :mod:`geo.maps.legends` — legend HTML and the legend control.

What the maps share with the printed report — colours, classes, escaping,
geometry repair — lives in :mod:`geo.present` and is re-exported here, so
``from geo import maps`` gives every name the app uses.  Every string that
reaches HTML (tooltips, layer names, legends) is escaped with
:func:`escape_html`, which also neutralises the backtick, dollar sign and
braces that template literals and Jinja would otherwise evaluate.
"""

from __future__ import annotations

from geo.present.classes import (
    Classes,
    access_classes,
    decile_colour,
    deprivation_classes,
    gap_classes,
    risk_classes,
    user_classes,
)
from geo.present.escaping import escape_html
from geo.present.geometry import polygonal, rounded
from geo.present.palettes import (
    ACCESS_COLOURS,
    BACKGROUND,
    DECILE_COLOURS,
    HOTSPOT_COLOUR,
    NO_ACCESS,
    NO_DATA,
    RISK_COLOURS,
    SELECTION_COLOUR,
    USER_COLOURS,
    WALK_BANDS,
    WALK_COLOURS,
)

from .assets import asset_features, asset_layer
from .basemap import DATA_ATTRIBUTION, OSM_ATTRIBUTION, VENDORED_CSS, VENDORED_JS, base_map
from .geojson import feature_collection, simplified_geojson, to_json
from .geometry import CRS, locate, outline_geometries, simplified_geometries
from .layers import choropleth_layer, outline_layer
from .legends import (
    asset_legend_html,
    bivariate_legend_html,
    legend_control,
    legend_html,
    ramp_legend_html,
)
from .wards import WardBasemap, ward_basemap, ward_layer

__all__ = [
    "ACCESS_COLOURS",
    "BACKGROUND",
    "CRS",
    "DATA_ATTRIBUTION",
    "DECILE_COLOURS",
    "HOTSPOT_COLOUR",
    "NO_ACCESS",
    "NO_DATA",
    "OSM_ATTRIBUTION",
    "RISK_COLOURS",
    "SELECTION_COLOUR",
    "USER_COLOURS",
    "VENDORED_CSS",
    "VENDORED_JS",
    "WALK_BANDS",
    "WALK_COLOURS",
    "Classes",
    "WardBasemap",
    "access_classes",
    "asset_features",
    "asset_layer",
    "asset_legend_html",
    "base_map",
    "bivariate_legend_html",
    "choropleth_layer",
    "decile_colour",
    "deprivation_classes",
    "escape_html",
    "feature_collection",
    "gap_classes",
    "legend_control",
    "legend_html",
    "locate",
    "outline_geometries",
    "outline_layer",
    "polygonal",
    "ramp_legend_html",
    "risk_classes",
    "rounded",
    "simplified_geojson",
    "simplified_geometries",
    "to_json",
    "user_classes",
    "ward_basemap",
    "ward_layer",
]
