"""The standard asset frame, and the result every asset reader returns.

Every reader of community assets (:mod:`geo.sources.osm`,
:mod:`geo.sources.registers`) returns an :class:`AssetRead`: the frame plus
an account of the rows that did not make it.  The frame is a GeoDataFrame in
EPSG:27700 (British National Grid, metres) with exactly these columns:

``asset_id``  str, unique and stable: ``osm:node/123``, ``osm:way/456``,
              ``gm_libraries:17`` (source key + row number or id column)
``name``      str, ``""`` when unnamed (never missing)
``category``  str, a key of :mod:`geo.sources.taxonomy`
``source``    str, the source key the reader was given
``address``   str, ``""`` when unknown
``capacity``  float, NaN when unknown
``tags``      str, JSON of the raw OSM tags or of the original row (provenance)
``geometry``  Point; areas become a point *inside* them
              (``representative_point``, computed in EPSG:27700), never a
              centroid that may fall outside a concave shape

Accounting
----------
``rows_in == len(frame) + sum(rejected.values()) + outside_area``.  Each row
is counted once, under the first test it fails, in this order: category
(``"no matching category"`` for OSM, ``"category not mapped"`` for
registers), coordinates (``"no coordinates"``, or ``"no geometry"`` when an
OSM area could not be assembled), UK bounds (``"outside the UK"``: lon
-8.7..1.8, lat 49.8..60.9, which catches swapped or failed geocodes), repeated
identity (``"duplicate"``), and finally the optional study box: rows outside
``bbox_wgs84`` are not errors, just not in scope, and are counted in
``outside_area``.

``bbox_wgs84`` everywhere is ``(west, south, east, north)`` in degrees
(the order of shapely ``bounds``).
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.constants import UK_BOUNDS_WGS84  # rejects failed geocodes; re-exported
from geo.errors import ConfigError, SchemaError

log = logging.getLogger(__name__)

ASSET_CRS = "EPSG:27700"
ASSET_COLUMNS: tuple[str, ...] = (
    "asset_id",
    "name",
    "category",
    "source",
    "address",
    "capacity",
    "tags",
    "geometry",
)

NO_CATEGORY = "no matching category"
CATEGORY_NOT_MAPPED = "category not mapped"
NO_COORDINATES = "no coordinates"
NO_GEOMETRY = "no geometry"
OUTSIDE_UK = "outside the UK"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class AssetRead:
    """What an asset reader returns.

    Attributes
    ----------
    frame
        The standard asset frame (see the module docstring).
    rejected
        ``{reason: count}`` of rows dropped as unusable.
    rows_in
        Rows (features, elements) the reader looked at.
    outside_area
        Usable rows left out because they lie outside ``bbox_wgs84``.
    notes
        Assumptions the reader made (swapped columns, guessed CRS, data date).
    """

    frame: gpd.GeoDataFrame
    rejected: dict[str, int]
    rows_in: int
    outside_area: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def loaded(self) -> int:
        """Number of assets in the frame."""
        return len(self.frame)

    def summary(self) -> str:
        """One line for logs and reports."""
        parts = [f"{self.loaded} assets from {self.rows_in} rows"]
        if self.rejected:
            parts.append(
                "rejected: " + ", ".join(f"{k} {v}" for k, v in sorted(self.rejected.items()))
            )
        if self.outside_area:
            parts.append(f"outside the study area: {self.outside_area}")
        return "; ".join(parts)


def check_bbox(bbox_wgs84: Sequence[float] | None) -> tuple[float, float, float, float] | None:
    """Validate ``(west, south, east, north)`` in degrees; ``None`` passes through."""
    if bbox_wgs84 is None:
        return None
    try:
        west, south, east, north = (float(v) for v in bbox_wgs84)
    except (TypeError, ValueError):
        raise ConfigError(
            f"bbox_wgs84 must be four numbers (west, south, east, north), got {bbox_wgs84!r}."
        ) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ConfigError(f"bbox_wgs84 has a non-finite value: {bbox_wgs84!r}.")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ConfigError(
            f"bbox_wgs84 {bbox_wgs84!r} is not (west, south, east, north) in degrees with "
            "west < east and south < north; did you give (south, west, north, east)?"
        )
    return west, south, east, north


def tags_json(values: Mapping[str, Any]) -> str:
    """Compact JSON of a tag or row mapping; NaN and NA become ``null``."""
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
            value = None
        elif isinstance(value, np.generic):
            value = value.item()
        clean[str(key)] = value
    return json.dumps(clean, ensure_ascii=False, separators=(",", ":"), default=str)


def clean_text(value: object) -> str:
    """A stripped string; missing values become ``""``."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return " ".join(str(value).split())


def to_float(value: object) -> float:
    """A float, or NaN when the value is missing or not a number."""
    if value is None or value is pd.NA:
        return math.nan
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan


def empty_asset_frame() -> gpd.GeoDataFrame:
    """A standard asset frame with no rows."""
    return _typed_frame(pd.DataFrame({c: [] for c in ASSET_COLUMNS[:-1]}), [])


def _typed_frame(data: pd.DataFrame, geometry: Sequence[object] | np.ndarray) -> gpd.GeoDataFrame:
    columns = {}
    for column in ("asset_id", "name", "category", "source", "address", "tags"):
        columns[column] = pd.Series(data[column].tolist(), dtype="str")
    columns["capacity"] = pd.Series(data["capacity"].tolist(), dtype="float64")
    frame = pd.DataFrame(columns)
    geoseries = gpd.GeoSeries(list(geometry), crs=ASSET_CRS)
    return gpd.GeoDataFrame(frame[list(ASSET_COLUMNS[:-1])], geometry=geoseries, crs=ASSET_CRS)


def _interior_points(geoms: np.ndarray) -> np.ndarray:
    """A point inside each geometry (itself for points); invalid shapes repaired."""
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    return shapely.point_on_surface(geoms)


def finish_assets(
    records: Iterable[Mapping[str, Any]],
    *,
    crs: object,
    rows_in: int,
    rejected: Mapping[str, int] | None = None,
    bbox_wgs84: Sequence[float] | None = None,
    notes: Iterable[str] = (),
    category_order: Sequence[str] | None = None,
) -> AssetRead:
    """Turn candidate rows into an :class:`AssetRead`.

    ``records`` are mappings with the standard columns, ``geometry`` being a
    shapely geometry (or ``None``) in ``crs``.  Rows already dropped by the
    reader are passed in ``rejected``.  Duplicated ``asset_id`` values keep one
    row: the first in ``category_order`` when given (taxonomy precedence),
    else the first read.
    """
    box = check_bbox(bbox_wgs84)
    rows = list(records)
    counts: Counter[str] = Counter({k: v for k, v in (rejected or {}).items() if v})
    if not rows:
        result = AssetRead(empty_asset_frame(), dict(counts), rows_in, 0, tuple(notes))
        _check_accounting(result)
        return result
    data = pd.DataFrame(
        {c: [r.get(c) for r in rows] for c in ASSET_COLUMNS if c != "geometry"}, dtype=object
    )
    series, missing = _geometries([r.get("geometry") for r in rows], crs)
    lon, lat = _lon_lat(series, missing)
    keep = _in_uk(lon, lat, counts)
    keep &= ~_duplicates(data, keep, category_order, counts)
    outside = np.zeros(len(rows), dtype=bool)
    if box is not None:
        bw, bs, be, bn = box
        outside = keep & ~((lon >= bw) & (lon <= be) & (lat >= bs) & (lat <= bn))
        keep &= ~outside
    result = AssetRead(
        frame=_kept_frame(data, series, keep),
        rejected={k: v for k, v in sorted(counts.items()) if v},
        rows_in=rows_in,
        outside_area=int(outside.sum()),
        notes=tuple(notes),
    )
    _check_accounting(result)
    return result


def _geometries(values: Sequence[object], crs: object) -> tuple[gpd.GeoSeries, np.ndarray]:
    """The candidates' shapes in ``crs``, and which are missing (None, empty or not shapes)."""
    raw = np.empty(len(values), dtype=object)
    raw[:] = list(values)
    missing = np.array([g is None for g in raw])
    geoms = raw.copy()
    missing |= shapely.is_empty(geoms) | ~np.array(
        [g is not None and isinstance(g, shapely.Geometry) for g in geoms]
    )
    geoms[missing] = None
    series = gpd.GeoSeries(geoms, crs=crs)
    if series.crs is None:
        raise ConfigError("Asset geometries have no CRS; say which one they are in.")
    return series, missing


def _lon_lat(series: gpd.GeoSeries, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A point inside each shape in lon/lat (for the UK and box tests); NaN where missing."""
    if series.crs.equals("EPSG:4326") or series.crs.equals("OGC:CRS84"):
        wgs = series
    else:
        wgs = series.to_crs("EPSG:4326")
    wgs_points = np.array(wgs.values, dtype=object)
    valid = ~missing
    wgs_points[valid] = _interior_points(wgs_points[valid])
    lon = np.full(len(series), np.nan)
    lat = np.full(len(series), np.nan)
    lon[valid] = shapely.get_x(wgs_points[valid])
    lat[valid] = shapely.get_y(wgs_points[valid])
    return lon, lat


def _in_uk(lon: np.ndarray, lat: np.ndarray, counts: Counter[str]) -> np.ndarray:
    """Rows with coordinates inside the UK; the others counted in ``counts``."""
    no_coords = ~(np.isfinite(lon) & np.isfinite(lat))
    west, south, east, north = UK_BOUNDS_WGS84
    outside_uk = ~no_coords & ~((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north))
    counts[NO_COORDINATES] += int(no_coords.sum())
    counts[OUTSIDE_UK] += int(outside_uk.sum())
    return ~no_coords & ~outside_uk


def _duplicates(
    data: pd.DataFrame,
    keep: np.ndarray,
    category_order: Sequence[str] | None,
    counts: Counter[str],
) -> np.ndarray:
    """Kept rows whose ``asset_id`` a better-ranked kept row already has (counted)."""
    n = len(data)
    order = np.arange(n)
    if category_order is not None:
        rank = {key: i for i, key in enumerate(category_order)}
        order = np.array(
            sorted(order, key=lambda i: (rank.get(data["category"].iat[i], len(rank)), i))
        )
    seen: set[str] = set()
    duplicate = np.zeros(n, dtype=bool)
    ids = data["asset_id"].tolist()
    for i in order:
        if not keep[i]:
            continue
        key = ids[i]
        if key in seen:
            duplicate[i] = True
        else:
            seen.add(key)
    counts[DUPLICATE] += int(duplicate.sum())
    return duplicate


def _kept_frame(data: pd.DataFrame, series: gpd.GeoSeries, keep: np.ndarray) -> gpd.GeoDataFrame:
    """The kept rows as a standard asset frame: cleaned text, a BNG point inside each shape."""
    bng = series[keep]
    if not (bng.crs.equals(ASSET_CRS)):
        bng = bng.to_crs(ASSET_CRS)
    points = _interior_points(np.array(bng.values, dtype=object))
    kept = data[keep].reset_index(drop=True)
    kept["name"] = [clean_text(v) for v in kept["name"]]
    kept["address"] = [clean_text(v) for v in kept["address"]]
    kept["capacity"] = [to_float(v) for v in kept["capacity"]]
    return _typed_frame(kept, points)


def _check_accounting(result: AssetRead) -> None:
    total = result.loaded + sum(result.rejected.values()) + result.outside_area
    if total != result.rows_in:
        raise RuntimeError(
            f"Asset accounting does not add up: {result.loaded} loaded + "
            f"{sum(result.rejected.values())} rejected + {result.outside_area} outside "
            f"!= {result.rows_in} rows read."
        )


def check_asset_frame(frame: gpd.GeoDataFrame) -> None:
    """Raise :class:`SchemaError` unless ``frame`` is a standard asset frame.

    Checks the exact columns and their order, the CRS (EPSG:27700), point
    geometries, unique non-empty ``asset_id``, no missing text, known
    categories and a float ``capacity``.
    """
    from geo.sources.taxonomy import CATEGORY_KEYS

    problems: list[str] = []
    if not isinstance(frame, gpd.GeoDataFrame):
        raise SchemaError(f"Expected a GeoDataFrame of assets, got {type(frame).__name__}.")
    if tuple(frame.columns) != ASSET_COLUMNS:
        problems.append(f"columns are {list(frame.columns)}, expected {list(ASSET_COLUMNS)}")
    else:
        if frame.crs is None or not frame.crs.equals(ASSET_CRS):
            problems.append(f"CRS is {frame.crs}, expected {ASSET_CRS}")
        if len(frame) and not (frame.geom_type == "Point").all():
            problems.append("some geometries are not points")
        for column in ("asset_id", "name", "category", "source", "address", "tags"):
            if frame[column].isna().any():
                problems.append(f"{column} has missing values")
        if (frame["asset_id"] == "").any() or frame["asset_id"].duplicated().any():
            problems.append("asset_id is empty or repeated")
        unknown = set(frame["category"]) - set(CATEGORY_KEYS)
        if unknown:
            problems.append(f"unknown categories {sorted(unknown)}")
        if frame["capacity"].dtype != "float64":
            problems.append(f"capacity is {frame['capacity'].dtype}, expected float64")
    if problems:
        raise SchemaError("Not a standard asset frame: " + "; ".join(problems) + ".")


def assets_from_asset_parquet(
    path: str | Path, *, source: str, bbox_wgs84: Sequence[float] | None = None
) -> AssetRead:
    """Assets from a GeoParquet file holding a standard asset frame.

    Such files are written by the atlas itself (the built-in demo's assets,
    read once from OpenStreetMap and the registers): the rows are taken as
    they are, with ``source`` set to the key given, and only the optional
    study box is applied.

    Raises
    ------
    SchemaError
        When the file is not GeoParquet or not a standard asset frame.
    """
    file = Path(path)
    try:
        frame = gpd.read_parquet(file)
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{file.name} cannot be read as GeoParquet: {exc}.") from exc
    check_asset_frame(frame)
    records = [
        {**row, "source": source, "geometry": geometry}
        for row, geometry in zip(
            pd.DataFrame(frame.drop(columns="geometry")).to_dict(orient="records"),
            frame.geometry.values,
            strict=True,
        )
    ]
    return finish_assets(records, crs=ASSET_CRS, rows_in=len(frame), bbox_wgs84=bbox_wgs84)
