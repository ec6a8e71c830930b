"""Community places on the web map: escaped rows and their point layer."""

from __future__ import annotations

from collections.abc import Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.present.escaping import escape_html

from .basemap import _target
from .layers import _GeoJsonLayer
from .markers import marker_svg

_ASSET_STYLE_JS = """function (f) {
    var p = f.properties;
    return p.inside
        ? {radius: 3.2, color: '#1f1f1f', weight: 0.6, fillColor: p.colour, fillOpacity: 0.95}
        : {radius: 2.6, color: p.colour, weight: 1.4, fillColor: '#ffffff', fillOpacity: 0.6};
}"""


def asset_features(
    assets: gpd.GeoDataFrame,
    *,
    labels: Mapping[str, str],
    sources: Mapping[str, str] | None = None,
    region_name: str = "the area",
) -> pd.DataFrame:
    """Asset points as plain rows (lon, lat, escaped texts) for :func:`asset_layer`."""
    if assets.empty:
        return pd.DataFrame(
            columns=["lon", "lat", "name", "category", "category_label", "source", "where",
                     "in_region"]
        )  # fmt: skip
    wgs = assets.to_crs(4326)
    sources = sources or {}
    inside = (
        assets["in_region"].fillna(False).astype(bool)
        if "in_region" in assets
        else pd.Series(True, index=assets.index)
    )
    names = assets["name"].astype("string").fillna("").str.strip()
    source_ids = assets["source"].astype(str)
    uploaded = source_ids.str.startswith("upload") | assets["category"].astype(str).str.startswith(
        "user_"
    )
    out = pd.DataFrame(
        {
            "lon": wgs.geometry.x.round(5).to_numpy(),
            "lat": wgs.geometry.y.round(5).to_numpy(),
            "name": [escape_html(n) if n else "(no name recorded)" for n in names],
            "category": assets["category"].astype(str).to_numpy(),
            "category_label": [
                escape_html(labels.get(c, c)) for c in assets["category"].astype(str)
            ],
            "source": [
                escape_html(sources.get(s, s) + (" (your upload)" if u else ""))
                for s, u in zip(source_ids, uploaded, strict=True)
            ],
            "where": np.where(
                inside.to_numpy(),
                escape_html(f"inside {region_name}"),
                escape_html(f"outside {region_name}, near its edge (still counted)"),
            ),
            "in_region": inside.to_numpy(),
            "uploaded": uploaded.to_numpy(),
        },
        index=assets.index,
    )
    return out


#: Clustering: places gather into counted bubbles until this zoom (streets).
CLUSTER_OPTIONS = {
    "disableClusteringAtZoom": 15,
    "maxClusterRadius": 45,
    "showCoverageOnHover": False,
    "spiderfyOnMaxZoom": False,
    "chunkedLoading": True,
}


def _icon_key(category: str, inside: bool, uploaded: bool) -> str:
    return f"{category}|{int(inside)}|{int(uploaded)}"


def asset_layer(
    points: pd.DataFrame,
    *,
    colours: Mapping[str, str],
    shapes: Mapping[str, str] | None = None,
    cluster: bool = False,
    name: str = "Community places",
    m: folium.Map | folium.FeatureGroup | None = None,
) -> folium.Map | folium.FeatureGroup:
    """Add community places (rows of :func:`asset_features`) as one layer.

    Places inside the region are filled circles in their category's colour;
    places just outside it are smaller hollow circles in that colour.  Places
    outside are drawn first, so the region's own places sit on top.

    With ``shapes`` (category → a shape of :data:`MARKER_SHAPES`) each place
    is drawn as that shape (:func:`~geo.maps.markers.marker_svg`), uploaded
    places with a thick dark outline.  With ``cluster`` nearby places are
    gathered into counted bubbles at low zoom (the Leaflet.markercluster
    plugin, which the base map loads); without the plugin they are drawn one
    by one.
    """
    m = _target(m)
    if points.empty:
        return m
    ordered = points.sort_values("in_region", kind="stable")
    uploaded = (
        ordered["uploaded"].astype(bool)
        if "uploaded" in ordered
        else pd.Series(False, index=ordered.index)
    )
    icons: dict[str, str] = {}
    features = []
    for i, (row, up) in enumerate(zip(ordered.itertuples(index=False), uploaded, strict=True)):
        colour = colours.get(row.category, "#444444")
        props = {
            "name": row.name,
            "category": row.category_label,
            "where": row.where,
            "source": row.source,
            "colour": escape_html(colour),
            "inside": bool(row.in_region),
        }
        if shapes is not None:
            key = _icon_key(row.category, bool(row.in_region), bool(up))
            if key not in icons:
                icons[key] = marker_svg(
                    shapes.get(row.category, "circle"),
                    colour,
                    size=12 if row.in_region else 9,
                    hollow=not row.in_region,
                    uploaded=bool(up),
                )
            props["icon"] = key
        features.append(
            {
                "type": "Feature",
                "id": f"a{i}",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [float(row.lon), float(row.lat)]},
            }
        )
    m.add_child(
        _GeoJsonLayer(
            {"type": "FeatureCollection", "features": features},
            style_js=_ASSET_STYLE_JS,
            fields=["name", "category", "where", "source"],
            aliases=["Name", "Category", "Where", "Source"],
            highlight=None if shapes is not None else {"weight": 3},
            sticky=False,
            icons=icons if shapes is not None else None,
            cluster=CLUSTER_OPTIONS if cluster else None,
        )
    )
    return m
