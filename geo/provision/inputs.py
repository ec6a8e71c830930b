"""Reading the inputs of the provision measures into coordinate arrays.

Area points, asset points, populations and capacities are checked here, with
errors that say what to fix, and turned into numpy arrays in metres
(British National Grid, EPSG:27700).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import SchemaError
from geo.provision.checks import check_category, examples, require_columns

CRS_EPSG = 27700
GEOMETRY_NAMES = {
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def origin_points(origins: pd.DataFrame | gpd.GeoSeries) -> tuple[pd.Index, np.ndarray]:
    """Area codes and an ``(n, 2)`` array of area points in metres, checked."""
    if isinstance(origins, gpd.GeoSeries | gpd.GeoDataFrame) and not (
        isinstance(origins, pd.DataFrame) and {"point_x", "point_y"} <= set(origins.columns)
    ):
        series = origins.geometry if isinstance(origins, gpd.GeoDataFrame) else origins
        check_crs(series.crs, "origins_xy")
        geoms = series.to_numpy()
        bad = ~shapely.is_valid_input(geoms) | shapely.is_missing(geoms)
        if (shapely.get_type_id(geoms[~bad]) != 0).any():
            raise SchemaError(
                "origins_xy must hold points; pass each area's point, e.g. "
                "areas[['point_x', 'point_y']] or areas.representative_point()."
            )
        xy = np.full((len(geoms), 2), np.nan)
        ok = ~bad & ~shapely.is_empty(geoms)
        xy[ok] = shapely.get_coordinates(geoms[ok])
        index = series.index
    elif isinstance(origins, pd.DataFrame):
        require_columns(
            origins,
            ["point_x", "point_y"],
            "origins_xy",
            "Pass region.areas[['point_x', 'point_y']] (metres, EPSG:27700) or a GeoSeries "
            "of points.",
        )
        xy = np.column_stack(
            [
                pd.to_numeric(origins["point_x"], errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                ),
                pd.to_numeric(origins["point_y"], errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                ),
            ]
        )
        index = origins.index
    else:
        raise SchemaError(
            "origins_xy must be a DataFrame with point_x and point_y (metres, EPSG:27700) or "
            f"a GeoSeries of points; got {type(origins).__name__}."
        )
    missing = ~np.isfinite(xy).all(axis=1)
    if missing.any():
        raise SchemaError(
            f"{int(missing.sum())} area(s) have no point coordinates "
            f"(e.g. {examples(index[missing])}): fill point_x/point_y (a point inside the "
            "polygon will do) or leave those areas out."
        )
    return index, xy


def check_crs(crs: object, what: str) -> None:
    """Raise a :class:`SchemaError` unless ``crs`` is ``None`` or EPSG:27700."""
    if crs is None:
        return
    epsg = crs.to_epsg() if hasattr(crs, "to_epsg") else None
    if epsg != CRS_EPSG:
        raise SchemaError(
            f"{what} is in {getattr(crs, 'name', crs)}, not British National Grid "
            f"(EPSG:27700): reproject it first with .to_crs(27700)."
        )


def asset_points(
    assets: gpd.GeoDataFrame | gpd.GeoSeries, *, category: str | None = None
) -> tuple[np.ndarray, pd.DataFrame | None]:
    """An ``(m, 2)`` array of asset points (of ``category``) and the frame they came from."""
    check_category(category)
    if isinstance(assets, gpd.GeoDataFrame):
        frame: pd.DataFrame | None = assets
        series = assets.geometry
    elif isinstance(assets, gpd.GeoSeries):
        frame, series = None, assets
    else:
        raise SchemaError(
            "assets must be a GeoDataFrame of points (the standard asset frame, such as "
            f"region.assets); got {type(assets).__name__}."
        )
    if category is not None:
        if frame is None or "category" not in frame.columns:
            raise SchemaError(
                f"assets has no 'category' column, needed to select category {category!r}. "
                "Pass the standard asset frame, or leave category out to use every asset."
            )
        keep = (frame["category"] == category).fillna(False).to_numpy(dtype=bool)
        frame, series = frame[keep], series[keep]
    check_crs(series.crs, "assets")
    geoms = series.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        ids = (
            frame["asset_id"][missing]
            if frame is not None and "asset_id" in frame
            else series.index[missing]
        )
        raise SchemaError(
            f"{int(missing.sum())} asset(s) have no location (e.g. {examples(ids)}): "
            "geocode them or leave them out."
        )
    types = shapely.get_type_id(geoms)
    if (types != 0).any():
        kinds = sorted(set(shapely.get_type_id(geoms[types != 0]).tolist()))
        names = ", ".join(GEOMETRY_NAMES.get(k, str(k)) for k in kinds)
        raise SchemaError(
            f"{int((types != 0).sum())} asset(s) are not points ({names}): convert them with "
            ".representative_point() first."
        )
    xy = shapely.get_coordinates(geoms) if len(geoms) else np.empty((0, 2))
    if not np.isfinite(xy).all():
        raise SchemaError("Some asset coordinates are not finite numbers: fix or leave them out.")
    return xy, frame


def population_values(population: object, index: pd.Index) -> np.ndarray:
    """Residents per area as floats aligned with ``index``, finite and not negative."""
    if isinstance(population, pd.Series):
        if not population.index.equals(index):
            if not population.index.is_unique or not index.is_unique:
                raise SchemaError(
                    "population's index does not match the areas': give one value per area, "
                    "in the same order."
                )
            missing = index.difference(population.index)
            if len(missing):
                raise SchemaError(
                    f"population has no value for {len(missing)} area(s) "
                    f"(e.g. {examples(missing)}): give one value per area."
                )
            population = population.reindex(index)
        values = pd.to_numeric(population, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        values = _numbers(population, len(index), "population", "area", "give one value per area.")
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise SchemaError(
            f"population must be a number ≥ 0 for every area; {int(bad.sum())} are missing or "
            f"negative (e.g. {examples(index[bad])}). Fill missing values (0 if nobody lives "
            "there) or leave those areas out."
        )
    return values


def capacity_values(capacity: object, frame: pd.DataFrame | None, m: int) -> np.ndarray:
    """Supply per asset: 1 each, a column of ``frame`` or values given; finite, ≥ 0."""
    if capacity is None:
        return np.ones(m)
    if isinstance(capacity, str):
        if frame is None or capacity not in frame.columns:
            raise SchemaError(
                f"assets has no column {capacity!r} to take capacities from: pass capacity=None "
                "to count each asset as 1."
            )
        values = pd.to_numeric(frame[capacity], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
    else:
        if isinstance(capacity, pd.Series):
            capacity = capacity.to_numpy(dtype=float, na_value=np.nan)
        values = _numbers(
            capacity,
            m,
            "capacity",
            "asset",
            "give one per asset, or None to count each asset as 1.",
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise SchemaError(
            f"capacity must be a number ≥ 0 for every asset; {int(bad.sum())} are missing or "
            "negative. Fill them, or pass capacity=None to count each asset as 1."
        )
    return values


def _numbers(values: object, n: int, what: str, unit: str, hint: str) -> np.ndarray:
    """``values`` as a flat float array of length ``n``, or a :class:`SchemaError`."""
    try:
        out = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise SchemaError(f"{what} must be numbers, one per {unit}.") from None
    if len(out) != n:
        raise SchemaError(f"{what} has {len(out)} value(s) but there are {n} {unit}s: {hint}")
    return out
