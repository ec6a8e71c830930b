"""Where each row is: coordinates checked against the UK, swapped, or missing.

Shared by the asset and boundary readers.  Input geometries may be in
different CRSs row by row (a table can mix lon/lat degrees and British
National Grid metres); each gets a point inside it (``point_on_surface`` in
EPSG:27700, so a concave shape's point is inside the shape) and that point's
lon/lat is tested against the UK box (lon -8.7..1.8, lat 49.8..60.9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from geo.sources.assetfiles import UK_BOUNDS_WGS84

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"
BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)


def in_box(x: np.ndarray, y: np.ndarray, box: Sequence[float]) -> np.ndarray:
    west, south, east, north = box
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(x)
            & np.isfinite(y)
            & (x >= west)
            & (x <= east)
            & (y >= south)
            & (y <= north)
        )


def swap_xy(geometry: Any) -> Any:
    return shapely.transform(geometry, lambda coords: coords[:, ::-1])


def looks_like_degrees(x: float, y: float) -> bool:
    return abs(x) <= 180 and abs(y) <= 90


@dataclass
class Located:
    """Per row: the geometry in EPSG:27700, its inside point, and that point's lon/lat."""

    bng: list[Any]
    points: list[Any]
    lon: np.ndarray
    lat: np.ndarray

    @property
    def in_uk(self) -> np.ndarray:
        return in_box(self.lon, self.lat, UK_BOUNDS_WGS84)


def locate(geometries: Sequence[Any], crss: Sequence[str | None]) -> Located:
    """Transform each geometry from its CRS to BNG and find a point inside it.

    ``None`` geometries (or CRSs) give ``None`` and NaN coordinates.
    """
    n = len(geometries)
    bng: list[Any] = [None] * n
    for crs in {c for c in crss if c}:
        index = [i for i in range(n) if crss[i] == crs and geometries[i] is not None]
        if not index:
            continue
        if crs == BNG:
            for i in index:
                bng[i] = geometries[i]
            continue
        transformer = Transformer.from_crs(crs, BNG, always_xy=True)
        for i in index:
            with np.errstate(all="ignore"):
                bng[i] = shapely.transform(
                    geometries[i],
                    lambda c, t=transformer: np.column_stack(t.transform(c[:, 0], c[:, 1])),
                )
    points: list[Any] = [None] * n
    xs = np.full(n, np.nan)
    ys = np.full(n, np.nan)
    for i, geometry in enumerate(bng):
        if geometry is None or geometry.is_empty:
            continue
        coords = shapely.get_coordinates(geometry)
        if not np.isfinite(coords).all():
            continue
        try:
            point = shapely.point_on_surface(geometry)
        except shapely.errors.GEOSException:
            continue
        if point.is_empty:
            continue
        points[i] = point
        xs[i], ys[i] = point.x, point.y
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if ok.any():
        back = Transformer.from_crs(BNG, WGS84, always_xy=True)
        with np.errstate(all="ignore"):
            lon[ok], lat[ok] = back.transform(xs[ok], ys[ok])
    return Located(bng=bng, points=points, lon=lon, lat=lat)


def expand_bbox(bbox: Sequence[float], metres: float) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` grown by about ``metres`` on every side."""
    west, south, east, north = (float(v) for v in bbox)
    dlat = metres / 111_320.0
    dlon = metres / (111_320.0 * max(np.cos(np.radians((south + north) / 2)), 0.1))
    return west - dlon, south - dlat, east + dlon, north + dlat
