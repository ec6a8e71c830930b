"""GeoJSON layer data for the web map: features with escaped properties."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.present.escaping import escape_html

from .geometry import simplified_geometries


def feature_collection(
    geometries: Mapping[str, Mapping[str, Any]], properties: pd.DataFrame
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the areas in ``properties`` (index = code).

    String properties are HTML-escaped; numbers become plain floats or ints
    (NaN becomes null).  Areas without a geometry are left out.
    """
    records = properties.to_dict(orient="index")
    features = [
        {
            "type": "Feature",
            "id": str(code),
            "properties": {k: _clean(v) for k, v in rec.items()},
            "geometry": geometries[str(code)],
        }
        for code, rec in records.items()
        if str(code) in geometries
    ]
    return {"type": "FeatureCollection", "features": features}


def simplified_geojson(
    areas: gpd.GeoDataFrame,
    properties: pd.DataFrame,
    *,
    tolerance_m: float = 15.0,
    precision: int = 5,
) -> dict[str, Any]:
    """A compact WGS84 GeoJSON dict of the areas with the given properties."""
    geometries = simplified_geometries(areas, tolerance_m=tolerance_m, precision=precision)
    return feature_collection(geometries, properties.reindex(areas.index))


def _clean(value: object) -> object:
    if isinstance(value, str):
        return escape_html(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if value is pd.NA or value is None:
        return None
    return value


def to_json(geojson: Mapping[str, Any]) -> str:
    """Serialise a GeoJSON dict compactly (to measure payload size)."""
    return json.dumps(geojson, separators=(",", ":"))
