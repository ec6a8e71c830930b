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

from geo.constants import BNG_BOUNDS as BNG_BOUNDS  # re-exported for the upload readers
from geo.constants import UK_BOUNDS_WGS84

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"


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


@dataclass
class Located:
    """Per row: the geometry in EPSG:27700 (shapes only), its inside point, that point's lon/lat.

    ``x``/``y`` are the inside point in EPSG:27700 (NaN where a row has none);
    ``bng`` holds the transformed shapes, or is ``None`` when the rows were
    points given as coordinates (:func:`locate_xy`), which never become
    geometry objects here.
    """

    bng: list[Any] | None
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    @property
    def in_uk(self) -> np.ndarray:
        return in_box(self.lon, self.lat, UK_BOUNDS_WGS84)

    @property
    def placed(self) -> np.ndarray:
        """Rows that have a point."""
        return np.isfinite(self.x) & np.isfinite(self.y)

    def points(self, index: np.ndarray) -> np.ndarray:
        """The inside points of rows ``index`` as shapely points."""
        return np.asarray(shapely.points(self.x[index], self.y[index]), dtype=object)


def _lonlat(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon = np.full(len(xs), np.nan)
    lat = np.full(len(xs), np.nan)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if ok.any():
        back = Transformer.from_crs(BNG, WGS84, always_xy=True)
        with np.errstate(all="ignore"):
            lon[ok], lat[ok] = back.transform(xs[ok], ys[ok])
    return lon, lat


def locate_xy(xy: np.ndarray, crss: Sequence[str | None]) -> Located:
    """:func:`locate` for points given as an ``(n, 2)`` array of coordinates, row by row CRS.

    The same transformations as :func:`locate`, on the arrays: no geometry
    object is made.  Rows with NaN coordinates or no CRS give NaN.
    """
    n = len(xy)
    crs_of = np.empty(n, dtype=object)
    crs_of[:] = list(crss)
    xs = np.full(n, np.nan)
    ys = np.full(n, np.nan)
    given = np.isfinite(xy).all(axis=1) if n else np.zeros(0, dtype=bool)
    for crs in {c for c in crss if c}:
        index = np.flatnonzero((crs_of == crs) & given)
        if not len(index):
            continue
        gx, gy = xy[index, 0], xy[index, 1]
        if crs != BNG:
            forward = Transformer.from_crs(crs, BNG, always_xy=True)
            with np.errstate(all="ignore"):
                gx, gy = forward.transform(gx, gy)
        xs[index], ys[index] = gx, gy
    bad = ~(np.isfinite(xs) & np.isfinite(ys))
    xs[bad] = ys[bad] = np.nan
    lon, lat = _lonlat(xs, ys)
    return Located(bng=None, x=xs, y=ys, lon=lon, lat=lat)


def locate(geometries: Sequence[Any], crss: Sequence[str | None]) -> Located:
    """Transform each geometry from its CRS to BNG and find a point inside it.

    ``None`` geometries (or CRSs) give ``None`` and NaN coordinates.
    """
    import geopandas as gpd

    n = len(geometries)
    geoms = np.empty(n, dtype=object)
    geoms[:] = list(geometries)
    crs_of = np.empty(n, dtype=object)
    crs_of[:] = list(crss)
    given = ~shapely.is_missing(geoms)
    bng = np.full(n, None, dtype=object)
    for crs in {c for c in crss if c}:
        index = np.flatnonzero((crs_of == crs) & given)
        if not len(index):
            continue
        group = geoms[index]
        if crs != BNG:
            with np.errstate(all="ignore"):
                group = np.asarray(gpd.GeoSeries(group, crs=crs).to_crs(BNG).values, dtype=object)
        bng[index] = group
    present = ~shapely.is_missing(bng) & ~shapely.is_empty(bng)
    if present.any():
        coords, which = shapely.get_coordinates(bng[present], return_index=True)
        bad = np.zeros(int(present.sum()), dtype=bool)
        np.logical_or.at(bad, which, ~np.isfinite(coords).all(axis=1))
        idx = np.flatnonzero(present)
        present[idx[bad]] = False
        bng[idx[bad]] = None
    xs = np.full(n, np.nan)
    ys = np.full(n, np.nan)
    if present.any():
        inside = bng[present].copy()  # a point is its own inside point
        shaped = shapely.get_type_id(inside) != 0
        if shaped.any():
            with np.errstate(all="ignore"):
                inside[shaped] = shapely.point_on_surface(inside[shaped])
        xs[present] = shapely.get_x(inside)
        ys[present] = shapely.get_y(inside)
    bad = ~(np.isfinite(xs) & np.isfinite(ys))
    xs[bad] = ys[bad] = np.nan
    lon, lat = _lonlat(xs, ys)
    return Located(bng=list(bng), x=xs, y=ys, lon=lon, lat=lat)


def expand_bbox(bbox: Sequence[float], metres: float) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` grown by about ``metres`` on every side."""
    west, south, east, north = (float(v) for v in bbox)
    dlat = metres / 111_320.0
    dlon = metres / (111_320.0 * max(np.cos(np.radians((south + north) / 2)), 0.1))
    return west - dlon, south - dlat, east + dlon, north + dlat
