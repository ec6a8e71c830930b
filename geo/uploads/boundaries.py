"""Study-area boundaries uploaded by a user.

:func:`read_boundary_upload` reads polygons from GeoJSON, GeoPackage, KML/KMZ
or a zipped shapefile and returns them in EPSG:27700 as either

* a **study area**: every polygon dissolved into one (``mode="study_area"``),
  or
* **custom small areas**: one row per feature with ``area_id`` and ``name``
  (``mode="small_areas"``); ``mode="auto"`` (the default) picks small areas
  when there are several features.

Either way ``UploadResult.study_area`` is the dissolved shape.  The CRS is the
one the file declares, or is judged from the coordinates when missing (or
contradicted by them), and the notes say which.  Z/M values are dropped;
invalid polygons (self-intersecting "bow ties", rings in the wrong order) are
repaired with ``make_valid`` keeping their polygonal parts, and counted.
Features that are not polygons (points, lines) are rejected as ``not a
polygon``; features outside the UK as ``outside the UK``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import Settings
from geo.errors import UploadError
from geo.uploads import result as R
from geo.uploads.asset_vectors import vector_crs as _vector_crs
from geo.uploads.columns import ColumnMapping, find, norm
from geo.uploads.limits import UploadLimits
from geo.uploads.locate import BNG, locate
from geo.uploads.result import Detected, RowLog, UploadResult
from geo.uploads.safety import check_size
from geo.uploads.sniff import LABELS, TABLE_FORMATS, sniff
from geo.uploads.vectors import prepare_geometries, read_features

log = logging.getLogger(__name__)

MODES = ("auto", "study_area", "small_areas")
_ID_NAMES = ("lsoa21cd", "lsoa11cd", "msoa21cd", "areacode", "area_id", "code", "id", "fid")
_NAME_NAMES = ("lsoa21nm", "lsoa11nm", "msoa21nm", "areaname", "name", "title")


def _polygonal(geometry: Any) -> Any:
    """The polygonal part of a geometry (``None`` when it has none)."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [
            p
            for g in geometry.geoms
            for p in ([g] if g.geom_type == "Polygon" else getattr(g, "geoms", []))
            if p.geom_type == "Polygon" and not p.is_empty
        ]
        if parts:
            return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]
    return None


def _pick(
    columns: Sequence[str], wanted: str | None, names: Sequence[str], role: str
) -> str | None:
    if wanted:
        return find(columns, wanted, role)
    lookup = {norm(c): c for c in reversed(list(columns))}
    for name in names:
        if norm(name) in lookup:
            return lookup[norm(name)]
    return None


def _kept_polygons(
    features: Any,
    prepared: Any,
    crs: str | None,
    id_col: str | None,
    name_col: str | None,
    rowlog: RowLog,
) -> list[dict[str, Any]]:
    """The polygons kept (id, name, EPSG:27700 shape); every other feature logged with why."""
    attributes = features.attributes
    geometries: list[Any] = []
    crss: list[str | None] = []
    for geometry in prepared.geometries:
        polygon = None if geometry is None or isinstance(geometry, str) else _polygonal(geometry)
        geometries.append(polygon)
        crss.append(crs if polygon is not None else None)
    located = locate(geometries, crss)
    in_uk = located.in_uk
    shapes = located.bng if located.bng is not None else [None] * len(geometries)
    kept: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, number in enumerate(features.numbers):
        raw = prepared.geometries[i]
        record = attributes.iloc[i].to_dict() if len(attributes.columns) else {}
        ident = str(record.get(id_col) or "").strip() if id_col else ""
        shown = {id_col: ident} if id_col else {}
        if raw is None:
            rowlog.add(number, R.NO_GEOMETRY, shown)
            continue
        if isinstance(raw, str):
            rowlog.add(number, R.UNREADABLE_GEOMETRY, shown)
            continue
        if geometries[i] is None:
            if raw.geom_type in ("Point", "MultiPoint", "LineString", "MultiLineString"):
                rowlog.add(number, f"{R.NOT_POLYGON} ({raw.geom_type})", shown)
            else:
                rowlog.add(number, "invalid polygon that could not be repaired", shown)
            continue
        if shapes[i] is None or not in_uk[i]:
            rowlog.add(
                number, R.OUTSIDE_UK, {**shown, "lon": located.lon[i], "lat": located.lat[i]}
            )
            continue
        ident = ident or str(number)
        if ident in seen:
            rowlog.add(number, R.DUPLICATE, {**shown, "first at feature": seen[ident]})
            continue
        seen[ident] = number
        name = str(record.get(name_col) or "").strip() if name_col else ""
        kept.append({"area_id": ident, "name": name, "geometry": shapes[i]})
    return kept


def _areas(
    kept: list[dict[str, Any]],
    mode: str,
    id_col: str | None,
    name_col: str | None,
    notes: list[str],
) -> tuple[Any, Any, str]:
    """The areas (one dissolved study area, or custom small areas), the study area, the mode."""
    frame = gpd.GeoDataFrame(
        pd.DataFrame({"area_id": [k["area_id"] for k in kept], "name": [k["name"] for k in kept]}),
        geometry=gpd.GeoSeries([k["geometry"] for k in kept], crs=BNG),
        crs=BNG,
    )
    frame["area_id"] = frame["area_id"].astype("str")
    frame["name"] = frame["name"].astype("str")
    study_area = shapely.make_valid(
        shapely.union_all(np.array(frame.geometry.values, dtype=object))
    )
    study_area = _polygonal(study_area) or study_area
    chosen = mode if mode != "auto" else ("small_areas" if len(frame) > 1 else "study_area")
    if chosen == "study_area":
        if len(frame) > 1:
            notes.append(f"The {len(frame):,} polygons were dissolved into one study area.")
        frame = gpd.GeoDataFrame(
            {"area_id": ["study_area"], "name": [frame["name"].iat[0] if len(frame) == 1 else ""]},
            geometry=gpd.GeoSeries([study_area], crs=BNG),
            crs=BNG,
        )
    else:
        notes.append(
            f"{len(frame):,} custom small areas (ids from "
            f"{id_col or 'feature numbers'}, names from {name_col or 'nowhere'})."
        )
    return frame, study_area, chosen


def _shape_notes(frame: Any, prepared: Any, notes: list[str]) -> None:
    multi = int((frame.geom_type == "MultiPolygon").sum())
    if multi:
        notes.append(f"{multi:,} area(s) are multipolygons (several separate parts).")
    if prepared.dropped_z:
        notes.append(f"Z/M values were dropped from {prepared.dropped_z:,} geometries (2D only).")
    if prepared.repaired:
        notes.append(
            f"{prepared.repaired:,} invalid polygon(s) were repaired (make_valid), keeping their "
            "polygonal parts."
        )
    if prepared.mixed:
        notes.append(
            "Mixed geometry types ("
            + ", ".join(f"{k} {v:,}" for k, v in sorted(prepared.types.items()))
            + "); only polygons are used."
        )


def read_boundary_upload(
    data: bytes,
    filename: str = "",
    *,
    mapping: ColumnMapping | None = None,
    settings: Settings | None = None,
    mode: str = "auto",
    layer: str | None = None,
    limits: UploadLimits | None = None,
) -> UploadResult:
    """Read a boundary file (see the module docstring).

    ``mapping.id`` and ``mapping.name`` choose the area code and name columns
    (guessed otherwise: ``LSOA21CD``/``code``/``id``..., ``LSOA21NM``/``name``...).
    """
    del settings  # accepted for a uniform signature
    if mode not in MODES:
        raise UploadError(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
    limits = limits or UploadLimits()
    mapping = mapping or ColumnMapping()
    check_size(len(data), limits)
    sniffed = sniff(data, filename, limits)
    if sniffed.format in TABLE_FORMATS:
        raise UploadError(
            f"A boundary must be GeoJSON, GeoPackage, KML or a zipped shapefile; this file is "
            f"{sniffed.label}."
        )
    features = read_features(data, sniffed, limits, layer)
    notes = list(sniffed.notes) + features.notes
    prepared = prepare_geometries(features.geometries)
    crs, crs_how = _vector_crs(features.crs, prepared.geometries, notes)
    if features.crs is not None and crs_how == "declared in the file":
        crs_how = features.crs_how
    attributes = features.attributes
    columns = [str(c) for c in attributes.columns]
    id_col = _pick(columns, mapping.id, _ID_NAMES, "area id")
    name_col = _pick(columns, mapping.name, _NAME_NAMES, "area name")
    rowlog = RowLog()
    kept = _kept_polygons(features, prepared, crs, id_col, name_col, rowlog)
    if not kept:
        reasons = rowlog.frame()["reason"].value_counts().to_dict()
        raise UploadError(
            "The file has no usable polygons"
            + (f" ({', '.join(f'{k}: {v}' for k, v in reasons.items())})." if reasons else ".")
        )
    frame, study_area, chosen = _areas(kept, mode, id_col, name_col, notes)
    _shape_notes(frame, prepared, notes)
    area_km2 = study_area.area / 1e6
    notes.append(f"Study area: {area_km2:,.1f} km² (EPSG:27700).")
    detected = Detected(
        format=sniffed.format,
        format_label=LABELS[sniffed.format],
        encoding=sniffed.encoding,
        crs=crs,
        crs_how=crs_how,
        columns=tuple(columns),
        guesses={"id": id_col, "name": name_col, "mode": chosen},
        layers=features.layers,
        layer=features.layer,
        geometry_types=dict(prepared.types),
    )
    rejections = rowlog.frame()
    result = UploadResult(
        kind="boundary",
        frame=frame,
        rows_in=features.rows_in,
        loaded=len(kept),
        rejections=rejections,
        outside_area=0,
        detected=detected,
        notes=tuple(notes),
        study_area=study_area,
    )
    log.info("Boundary upload: %s", result.summary())
    return result
