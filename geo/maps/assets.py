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
                escape_html(sources.get(str(s), str(s))) for s in assets["source"].astype(str)
            ],
            "where": np.where(
                inside.to_numpy(),
                escape_html(f"inside {region_name}"),
                escape_html(f"outside {region_name}, near its edge (still counted)"),
            ),
            "in_region": inside.to_numpy(),
        },
        index=assets.index,
    )
    return out


def asset_layer(
    points: pd.DataFrame,
    *,
    colours: Mapping[str, str],
    name: str = "Community places",
    m: folium.Map | folium.FeatureGroup | None = None,
) -> folium.Map | folium.FeatureGroup:
    """Add community places (rows of :func:`asset_features`) as one layer.

    Places inside the region are filled circles in their category's colour;
    places just outside it are smaller hollow circles in that colour.  Places
    outside are drawn first, so the region's own places sit on top.
    """
    m = _target(m)
    if points.empty:
        return m
    ordered = points.sort_values("in_region", kind="stable")
    features = [
        {
            "type": "Feature",
            "id": f"a{i}",
            "properties": {
                "name": row.name,
                "category": row.category_label,
                "where": row.where,
                "source": row.source,
                "colour": escape_html(colours.get(row.category, "#444444")),
                "inside": bool(row.in_region),
            },
            "geometry": {"type": "Point", "coordinates": [float(row.lon), float(row.lat)]},
        }
        for i, row in enumerate(ordered.itertuples(index=False))
    ]
    m.add_child(
        _GeoJsonLayer(
            {"type": "FeatureCollection", "features": features},
            style_js=_ASSET_STYLE_JS,
            fields=["name", "category", "where", "source"],
            aliases=["Name", "Category", "Where", "Source"],
            highlight={"weight": 3},
            sticky=False,
        )
    )
    return m
