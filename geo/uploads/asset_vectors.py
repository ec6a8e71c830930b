"""The rows of a places upload that is a vector file (GeoJSON, GeoPackage, KML, shapefile).

Vector files use their declared CRS; a missing CRS is judged from the
coordinates, and a CRS that contradicts the coordinates (metres in a lon/lat
file) is corrected, with a note either way.  Z and M values are dropped;
invalid polygons are repaired (``make_valid``) and counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from geo.uploads import result as R
from geo.uploads.asset_rows import Rows
from geo.uploads.locate import BNG, BNG_BOUNDS, WGS84, in_box
from geo.uploads.vectors import Features, prepare_geometries


def vector_crs(declared: str | None, geometries: list[Any], notes: list[str]) -> tuple[str, str]:
    valid = [g for g in geometries if g is not None and not isinstance(g, str)]
    if valid:
        bounds = shapely.total_bounds(np.array(valid, dtype=object))
    else:
        bounds = np.array([np.nan] * 4)
    finite = bool(np.isfinite(bounds).all())
    degrees = (
        finite
        and max(abs(bounds[0]), abs(bounds[2])) <= 180
        and max(abs(bounds[1]), abs(bounds[3])) <= 90
    )
    metres = finite and bool(
        in_box(np.array(bounds[[0, 2]]), np.array(bounds[[1, 3]]), BNG_BOUNDS).all()
    )
    if declared is None:
        if degrees:
            notes.append(
                "The file has no CRS; its coordinates fit lon/lat degrees, so WGS84 was assumed."
            )
            return WGS84, "missing: assumed lon/lat (WGS84) from the coordinates"
        notes.append(
            "The file has no CRS; its coordinates look like metres, so British National Grid "
            "(EPSG:27700) was assumed."
        )
        return BNG, "missing: assumed British National Grid from the coordinates"
    if declared in (WGS84, "OGC:CRS84") and finite and not degrees and metres:
        notes.append(
            "The file says lon/lat (WGS84) but its coordinates are metres; they were read as "
            "British National Grid (EPSG:27700)."
        )
        return BNG, "declared WGS84, corrected to British National Grid from the coordinates"
    if (
        declared == BNG
        and degrees
        and bool(
            in_box(np.array(bounds[[0, 2]]), np.array(bounds[[1, 3]]), (-180, -90, 180, 90)).all()
        )
        and max(abs(bounds[2]), abs(bounds[3])) < 100
    ):
        notes.append(
            "The file says British National Grid but its coordinates are degrees; they were "
            "read as lon/lat (WGS84)."
        )
        return WGS84, "declared British National Grid, corrected to lon/lat from the coordinates"
    return declared, "declared in the file"


def _geometry_notes(prepared: Any, notes: list[str]) -> None:
    if prepared.mixed:
        notes.append(
            "Mixed geometry types ("
            + ", ".join(f"{k} {v:,}" for k, v in sorted(prepared.types.items()))
            + "); lines and polygons are placed at a point inside them."
        )
    elif prepared.types and next(iter(prepared.types)) != "Point":
        notes.append("Lines and polygons are placed at a point inside them.")
    if prepared.dropped_z:
        notes.append(f"Z/M values were dropped from {prepared.dropped_z:,} geometries (2D only).")
    if prepared.repaired:
        notes.append(f"{prepared.repaired:,} invalid geometries were repaired (make_valid).")


def vector_rows(
    features: Features, encoding: str | None, notes: list[str]
) -> tuple[Rows, str, str, dict[str, Any]]:
    """Rows of a vector file with their geometry and CRS; the CRS, how it was found, details."""
    notes.extend(features.notes)
    attributes = features.attributes.astype(object).where(features.attributes.notna(), None)
    rows = Rows(features.numbers, {str(c): attributes[c].tolist() for c in attributes.columns})
    prepared = prepare_geometries(features.geometries)
    crs_label, crs_how = vector_crs(features.crs, prepared.geometries, notes)
    if features.crs is not None and crs_how == "declared in the file":
        crs_how = features.crs_how
    geometries = np.array(prepared.geometries, dtype=object)
    missing = np.array([g is None for g in geometries], dtype=bool)
    unreadable = np.array([isinstance(g, str) for g in geometries], dtype=bool)
    good = ~missing & ~unreadable
    for i in np.flatnonzero(missing):
        rows.fail(int(i), R.NO_GEOMETRY, {})
    for i in np.flatnonzero(unreadable):
        rows.fail(int(i), R.UNREADABLE_GEOMETRY, {})
    if good.any():
        rows.geometry[good] = geometries[good]
        coords, which = shapely.get_coordinates(geometries[good], return_index=True)
        count = int(good.sum())
        nonzero = np.zeros(count, dtype=bool)
        np.logical_or.at(nonzero, which, (coords != 0).any(axis=1))
        zero = (np.bincount(which, minlength=count) > 0) & ~nonzero
        good_index = np.flatnonzero(good)
        for i in good_index:
            rows.crs[i] = crs_label
        for i in good_index[zero]:
            rows.fail(int(i), R.ZERO_COORDINATES, {"geometry": geometries[i].wkt[:60]})
    _geometry_notes(prepared, notes)
    details = {
        "layers": features.layers,
        "layer": features.layer,
        "geometry_types": dict(prepared.types),
        "encoding": encoding,
    }
    return rows, crs_label, crs_how, details
