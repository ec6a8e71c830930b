"""Fixed facts about British geography the atlas relies on, defined once.

Distances and areas are measured in British National Grid metres; WGS84
longitude/latitude is for display and for sources published in it.
"""

from __future__ import annotations

#: British National Grid (OSGB36), the projection every measure uses (metres).
BNG_CRS = "EPSG:27700"
#: WGS84 longitude/latitude (degrees).
WGS84_CRS = "EPSG:4326"

#: Plausible longitude and latitude for the United Kingdom (degrees): a point
#: outside is a swapped or failed coordinate, not a place the atlas maps.
UK_LON: tuple[float, float] = (-8.7, 1.8)
UK_LAT: tuple[float, float] = (49.8, 60.9)
#: The same as (west, south, east, north).
UK_BOUNDS_WGS84: tuple[float, float, float, float] = (UK_LON[0], UK_LAT[0], UK_LON[1], UK_LAT[1])

#: The British National Grid's extent (metres east and north of its false origin).
BNG_X: tuple[float, float] = (0.0, 700_000.0)
BNG_Y: tuple[float, float] = (0.0, 1_300_000.0)
#: The same as (min x, min y, max x, max y).
BNG_BOUNDS: tuple[float, float, float, float] = (BNG_X[0], BNG_Y[0], BNG_X[1], BNG_Y[1])
