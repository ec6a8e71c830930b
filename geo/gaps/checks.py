"""Checks shared by the gap measures: Series per area, their alignment, geometry, options."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import GapError, SchemaError

__all__ = [
    "aligned",
    "aligned_to_areas",
    "as_numeric",
    "check_geometry",
    "check_hot_spot_options",
    "column",
    "mask",
]


def as_numeric(values: pd.Series, name: str) -> pd.Series:
    """``values`` as floats; a clear error for a non-Series, repeated codes or text."""
    if not isinstance(values, pd.Series):
        raise GapError(f"{name} must be a pandas Series indexed by area code.")
    if not values.index.is_unique:
        dup = values.index[values.index.duplicated()].unique()[:5]
        raise GapError(f"{name} has repeated area codes ({', '.join(map(str, dup))}).")
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        try:
            return pd.to_numeric(values, errors="raise").astype(float)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{name} must be numbers; it has {values.dtype} values.") from exc
    return values.astype(float)


def aligned(a: pd.Series, b: pd.Series, *, names: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
    """``b`` reordered like ``a``; both must cover the same area codes."""
    a = as_numeric(a, names[0])
    b = as_numeric(b, names[1])
    if not a.index.equals(b.index):
        _same_codes(a.index, b.index, names)
        b = b.reindex(a.index)
    return a, b


def aligned_to_areas(values: pd.Series, areas: pd.DataFrame, name: str) -> pd.Series:
    """``values`` reordered like ``areas``; both must cover the same area codes."""
    if not values.index.equals(areas.index):
        _same_codes(areas.index, values.index, ("areas", name))
        values = values.reindex(areas.index)
    return values


def _same_codes(left: pd.Index, right: pd.Index, names: tuple[str, str]) -> None:
    only_left = left.difference(right)
    only_right = right.difference(left)
    if len(only_left) or len(only_right):
        parts = []
        if len(only_left):
            parts.append(
                f"{len(only_left)} area(s) in {names[0]} but not in {names[1]} "
                f"(e.g. {', '.join(map(str, only_left[:3]))})"
            )
        if len(only_right):
            parts.append(
                f"{len(only_right)} area(s) in {names[1]} but not in {names[0]} "
                f"(e.g. {', '.join(map(str, only_right[:3]))})"
            )
        raise GapError(
            f"{names[0]} and {names[1]} cover different areas: {'; '.join(parts)}. "
            "Index both by the same area codes (reindex one like the other)."
        )


def column(areas: pd.DataFrame, spec: str | pd.Series, what: str) -> pd.Series:
    """A column of ``areas`` by name, or a Series aligned to ``areas``."""
    if isinstance(spec, pd.Series):
        return aligned_to_areas(spec, areas, what)
    if spec not in areas.columns:
        raise SchemaError(
            f"The areas have no column {spec!r} for {what}. "
            f"Pass the column name or a Series indexed like the areas."
        )
    return areas[spec]


def mask(areas: pd.DataFrame, mask: pd.Series, name: str) -> np.ndarray:
    """A True/False Series aligned to ``areas``, as a boolean array (missing = False)."""
    if not isinstance(mask, pd.Series):
        raise GapError(f"{name} must be a pandas Series of True/False indexed like the areas.")
    mask = aligned_to_areas(mask, areas, name)
    return mask.fillna(False).astype(bool).to_numpy()


def check_geometry(areas: gpd.GeoDataFrame, *, need_metres: bool) -> None:
    """Raise unless ``areas`` are polygons with unique codes (in metres if needed)."""
    if not isinstance(areas, gpd.GeoDataFrame) or areas.geometry is None:
        raise SchemaError("areas must be a GeoDataFrame of polygons indexed by area code.")
    if not areas.index.is_unique:
        dup = areas.index[areas.index.duplicated()].unique()[:5]
        raise SchemaError(f"areas has repeated area codes ({', '.join(map(str, dup))}).")
    geom = areas.geometry
    bad = geom.isna() | geom.is_empty
    if bad.any():
        raise SchemaError(
            f"{int(bad.sum())} area(s) have no geometry "
            f"(e.g. {', '.join(map(str, areas.index[bad.to_numpy()][:3]))}); drop or fix them."
        )
    kinds = set(geom.geom_type.unique())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(f"areas must be polygons; found {', '.join(sorted(kinds))}.")
    if need_metres and (areas.crs is None or not areas.crs.is_projected):
        raise SchemaError(
            "A snapping tolerance in metres needs areas in a projected CRS "
            "(EPSG:27700): call areas.to_crs(27700) first."
        )


def check_hot_spot_options(*, permutations: int, alpha: float, snap_m: float) -> None:
    """Raise for a number of permutations, significance level or tolerance out of range."""
    if int(permutations) != permutations or permutations < 1:
        raise GapError(f"permutations must be a whole number of at least 1, not {permutations!r}.")
    if not 0 < alpha < 1:
        raise GapError(f"alpha must lie between 0 and 1, not {alpha!r}.")
    if snap_m < 0:
        raise GapError(f"snap_m must be 0 or more metres, not {snap_m!r}.")
