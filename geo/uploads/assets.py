"""Community assets uploaded by a user: registers of warm spaces, groups, youth provision.

:func:`read_assets_upload` accepts CSV/TSV/XLSX tables with lon/lat,
easting/northing (British National Grid) or UK postcodes, and GeoJSON,
GeoPackage, KML/KMZ or zipped shapefiles (points; polygons and lines become a
point inside them).  It returns an :class:`~geo.uploads.result.UploadResult`
whose ``frame`` is the standard asset frame (see
:mod:`geo.sources.assetfiles`).

Checks, in order, each row counted once under the first it fails
------------------------------------------------------------------
1. the table row could be parsed (not too many cells);
2. coordinates: present (:data:`~geo.uploads.result.MISSING_COORDINATES`;
   rows without coordinates but with a postcode are geocoded when a geocoder
   is given), numbers (``coordinates are not numbers``), not ``(0, 0)`` (a
   failed geocode), a readable geometry;
3. inside the UK (lon -8.7..1.8, lat 49.8..60.9).  Rows whose swapped
   reading is in the UK are **not** swapped unless ``swap_coordinates=True``:
   they are rejected as ``outside the UK (latitude and longitude look
   swapped)`` and a :class:`~geo.uploads.result.Suggestion` says how many
   would be saved;
4. inside the study area (``area_bbox`` widened by
   ``settings.region_buffer_m``): outside rows are listed, and counted in
   ``outside_area``;
5. duplicates (same name, category and position to the metre): reported in
   ``duplicates`` and loaded, or rejected with ``dedupe=True``.

Coordinates: columns named like lon/lat or easting/northing (or x/y) are
found by name; each row's pair is read as degrees when it fits (|x| ≤ 180,
|y| ≤ 90) and as British National Grid metres otherwise, and the notes say
which was found.  Vector files use their declared CRS; a missing CRS is judged
from the coordinates, and a CRS that contradicts the coordinates (metres in a
lon/lat file) is corrected, with a note either way.  Z and M values are
dropped; invalid polygons are repaired (``make_valid``) and counted.

Text is kept as text: HTML or script in a name stays exactly as written
(escaping is the display's job); only ``<br>`` line breaks in names and
addresses become ``", "``.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.config import Settings
from geo.errors import AtlasError, UploadError
from geo.sources.assetfiles import (
    ASSET_CRS,
    check_bbox,
    finish_assets,
    tags_json,
)
from geo.uploads import result as R
from geo.uploads.categories import CategoryResolver
from geo.uploads.columns import ColumnMapping, find, guess, guess_address
from geo.uploads.limits import UploadLimits
from geo.uploads.locate import BNG, BNG_BOUNDS, WGS84, expand_bbox, in_box, locate, swap_xy
from geo.uploads.numbers import parse_number
from geo.uploads.result import Detected, RowLog, Suggestion, UploadResult
from geo.uploads.safety import check_size
from geo.uploads.sniff import LABELS, TABLE_FORMATS, sniff
from geo.uploads.tables import read_table
from geo.uploads.vectors import prepare_geometries, read_features

log = logging.getLogger(__name__)

Geocoder = Callable[[Sequence[str]], Any]
_BR = re.compile(r"(?i)\s*<br\s*/?>\s*")
_NA_NAMES = frozenset({"", "na", "n/a", "nan", "null", "none", "unknown", "unnamed", "-"})


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    text = _BR.sub(", ", str(value))
    return " ".join(text.split()).strip(" ,")


def _name_text(value: Any) -> str:
    text = _text(value)
    return "" if text.casefold() in _NA_NAMES else text


def _first_part(value: Any) -> str:
    raw = "" if value is None else str(value)
    first = re.split(r"(?i),|<br\s*/?>", raw, maxsplit=1)[0]
    return _name_text(first)


def _join(parts: Sequence[Any]) -> str:
    out: list[str] = []
    for part in parts:
        text = _text(part)
        if (
            text
            and text.casefold() not in _NA_NAMES
            and not any(text.casefold() in previous.casefold() for previous in out)
        ):
            out.append(text)
    return ", ".join(out)


class _Rows:
    """Per-row working state: attributes, source geometry and CRS, or a failure."""

    def __init__(self, numbers: list[int], attributes: list[dict[str, Any]]) -> None:
        self.numbers = numbers
        self.attributes = attributes
        n = len(numbers)
        self.geometry: list[Any] = [None] * n
        self.crs: list[str | None] = [None] * n
        self.failed: list[tuple[str, dict[str, Any]] | None] = [None] * n

    def fail(self, i: int, reason: str, values: dict[str, Any]) -> None:
        if self.failed[i] is None:
            self.failed[i] = (reason, values)


# --------------------------------------------------------------------------- tables


def _coordinate_columns(
    columns: list[str], mapping: ColumnMapping
) -> tuple[str | None, str | None, str]:
    """The two coordinate columns and how they were chosen."""
    if mapping.lon or mapping.lat:
        if not (mapping.lon and mapping.lat):
            raise UploadError("Choose both a longitude and a latitude column.")
        return (
            find(columns, mapping.lon, "longitude"),
            find(columns, mapping.lat, "latitude"),
            "lonlat",
        )
    if mapping.x or mapping.y:
        if not (mapping.x and mapping.y):
            raise UploadError("Choose both an easting (x) and a northing (y) column.")
        return find(columns, mapping.x, "easting"), find(columns, mapping.y, "northing"), "bng"
    lon, lat = guess(columns, "lon"), guess(columns, "lat")
    if lon and lat:
        return lon, lat, "lonlat"
    x, y = guess(columns, "x"), guess(columns, "y")
    if x and y:
        return x, y, "xy"
    return None, None, "none"


def _table_geometry(
    rows: _Rows,
    frame: pd.DataFrame,
    xcol: str,
    ycol: str,
    decimal_comma: bool,
    pending: list[int],
    has_postcode: bool,
) -> Counter[str]:
    kinds: Counter[str] = Counter()
    xs = frame[xcol].tolist()
    ys = frame[ycol].tolist()
    for i, (xv, yv) in enumerate(zip(xs, ys, strict=True)):
        values = {xcol: xv, ycol: yv}
        if not str(xv).strip() and not str(yv).strip():
            if has_postcode:
                pending.append(i)
            else:
                rows.fail(i, R.MISSING_COORDINATES, values)
            continue
        if not str(xv).strip() or not str(yv).strip():
            rows.fail(i, R.MISSING_COORDINATES, values)
            continue
        x = parse_number(xv, decimal_comma=decimal_comma)
        y = parse_number(yv, decimal_comma=decimal_comma)
        if x is None or y is None:
            rows.fail(i, R.BAD_COORDINATES, values)
            continue
        if x == 0 and y == 0:
            rows.fail(i, R.ZERO_COORDINATES, values)
            continue
        # degrees when they fit (|y| up to 180 so a swapped latitude is still degrees)
        if abs(x) <= 180 and abs(y) <= 180:
            rows.crs[i] = WGS84
            kinds["degrees"] += 1
        else:
            rows.crs[i] = BNG
            kinds["metres"] += 1
        rows.geometry[i] = shapely.Point(x, y)
    return kinds


# --------------------------------------------------------------------------- vectors


def _vector_crs(declared: str | None, geometries: list[Any], notes: list[str]) -> tuple[str, str]:
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


# --------------------------------------------------------------------------- main


def read_assets_upload(
    data: bytes,
    filename: str = "",
    *,
    mapping: ColumnMapping | None = None,
    area_bbox: Sequence[float] | None = None,
    settings: Settings | None = None,
    geocoder: Geocoder | None = None,
    swap_coordinates: bool | None = None,
    dedupe: bool = False,
    layer: str | None = None,
    source: str = "upload",
    limits: UploadLimits | None = None,
) -> UploadResult:
    """Read an uploaded asset file into the standard asset frame, accounting for every row.

    Parameters
    ----------
    data
        The file's bytes (the size cap is checked first).
    filename
        The name it was uploaded under; only compared with the content for a
        note, never used as a path.
    mapping
        Columns chosen by the user (see :class:`ColumnMapping`); ``None``
        keeps every guess, which are returned in ``detected.guesses``.
    area_bbox
        ``(west, south, east, north)`` in degrees; rows outside it (widened
        by ``settings.region_buffer_m``) are listed as outside the study area.
    settings
        Settings (the buffer); defaults to ``Settings()``.
    geocoder
        ``geocoder(postcodes) -> GeocodeResult`` (see
        :class:`geo.postcodes.PostcodeGeocoder`), used for rows with a
        postcode and no coordinates.
    swap_coordinates
        ``None``: detect rows whose coordinates look swapped and suggest it;
        ``True``: swap those rows; ``False``: neither.
    dedupe
        Reject repeated rows (same name, category and position) instead of
        only reporting them.
    layer
        Sheet of a workbook or layer of a GeoPackage/zip (default the first).
    source
        Source key in ``source`` and ``asset_id`` (``<source>:<row>``).
    limits
        Size caps (:class:`UploadLimits` defaults).

    Raises
    ------
    UploadError
        For a file refused as a whole (unsafe, too large, unreadable, no
        coordinates), with a message saying what to do.
    """
    settings = settings or Settings()
    limits = limits or UploadLimits()
    mapping = mapping or ColumnMapping()
    check_size(len(data), limits)
    sniffed = sniff(data, filename, limits)
    notes: list[str] = list(sniffed.notes)
    suggestions: list[Suggestion] = []
    rowlog = RowLog()
    guesses: dict[str, Any] = {}
    detected_extra: dict[str, Any] = {}
    pending: list[int] = []
    postcode_col: str | None = None
    parse_rejected = 0

    if sniffed.format in TABLE_FORMATS:
        table = read_table(data, sniffed, limits, sheet=layer)
        notes.extend(table.notes)
        for number, reason, values in table.rejected:
            rowlog.add(number, reason, values)
        parse_rejected = len(table.rejected)
        frame = table.frame
        columns = list(frame.columns)
        rows = _Rows(table.rows, frame.to_dict(orient="records"))
        xcol, ycol, how = _coordinate_columns(columns, mapping)
        postcode_col = (
            find(columns, mapping.postcode, "postcode")
            if mapping.postcode
            else guess(columns, "postcode")
        )
        guesses.update(
            {"lon": xcol if how == "lonlat" else None, "lat": ycol if how == "lonlat" else None}
        )
        guesses.update(
            {
                "x": xcol if how in ("bng", "xy") else None,
                "y": ycol if how in ("bng", "xy") else None,
            }
        )
        guesses["postcode"] = postcode_col
        has_postcode = postcode_col is not None and geocoder is not None
        if xcol is None or ycol is None:
            if postcode_col is None:
                raise UploadError(
                    "The table has no coordinate or postcode columns. Name them lon/lat "
                    "(longitude/latitude), easting/northing, or postcode, or choose them in the "
                    f"column mapping. Its columns are: {', '.join(columns)}."
                )
            if geocoder is None:
                raise UploadError(
                    f"The table has postcodes (column {postcode_col!r}) but no coordinates. "
                    "Supply a postcode directory (ONS Postcode Directory or NSPL CSV, or a "
                    "postcode, latitude, longitude table) or allow online postcode look-ups."
                )
            pending = list(range(len(rows.numbers)))
            crs_label, crs_how = WGS84, f"from postcodes (column {postcode_col})"
        else:
            decimal_comma = table.delimiter == ";"
            kinds = _table_geometry(rows, frame, xcol, ycol, decimal_comma, pending, has_postcode)
            if kinds["degrees"] and kinds["metres"]:
                notes.append(
                    f"Columns {xcol}/{ycol} mix lon/lat degrees ({kinds['degrees']:,} rows) and "
                    f"British National Grid metres ({kinds['metres']:,} rows); each row was read "
                    "as what its values fit."
                )
                crs_label, crs_how = "mixed", "judged row by row from the values"
            elif kinds["metres"]:
                crs_label, crs_how = BNG, f"columns {xcol}/{ycol} hold metres"
                if how == "lonlat":
                    notes.append(
                        f"Columns {xcol}/{ycol} are named like lon/lat but hold metres; they were "
                        "read as British National Grid easting/northing."
                    )
            else:
                crs_label, crs_how = WGS84, f"columns {xcol}/{ycol} hold degrees"
                if how == "bng":
                    notes.append(
                        f"Columns {xcol}/{ycol} were chosen as easting/northing but hold degrees; "
                        "they were read as lon/lat."
                    )
            if decimal_comma:
                notes.append("The file is semicolon-separated, so '53,48' was read as 53.48.")
        detected_extra.update(
            encoding=table.encoding,
            delimiter=table.delimiter,
            sheets=table.sheets,
            sheet=table.sheet,
        )
    else:
        features = read_features(data, sniffed, limits, layer)
        notes.extend(features.notes)
        attributes = features.attributes.astype(object).where(features.attributes.notna(), None)
        columns = [str(c) for c in attributes.columns]
        rows = _Rows(features.numbers, attributes.to_dict(orient="records"))
        prepared = prepare_geometries(features.geometries)
        crs_label, crs_how = _vector_crs(features.crs, prepared.geometries, notes)
        if features.crs is not None and crs_how == "declared in the file":
            crs_how = features.crs_how
        for i, geometry in enumerate(prepared.geometries):
            if geometry is None:
                rows.fail(i, R.NO_GEOMETRY, {})
            elif isinstance(geometry, str):
                rows.fail(i, R.UNREADABLE_GEOMETRY, {})
            else:
                rows.geometry[i] = geometry
                rows.crs[i] = crs_label
                coords = shapely.get_coordinates(geometry)
                if len(coords) and np.all(coords == 0):
                    rows.fail(i, R.ZERO_COORDINATES, {"geometry": geometry.wkt[:60]})
        if prepared.mixed:
            notes.append(
                "Mixed geometry types ("
                + ", ".join(f"{k} {v:,}" for k, v in sorted(prepared.types.items()))
                + "); lines and polygons are placed at a point inside them."
            )
        elif prepared.types and next(iter(prepared.types)) != "Point":
            notes.append("Lines and polygons are placed at a point inside them.")
        if prepared.dropped_z:
            notes.append(
                f"Z/M values were dropped from {prepared.dropped_z:,} geometries (2D only)."
            )
        if prepared.repaired:
            notes.append(f"{prepared.repaired:,} invalid geometries were repaired (make_valid).")
        postcode_col = (
            find(columns, mapping.postcode, "postcode")
            if mapping.postcode
            else guess(columns, "postcode")
        )
        guesses["postcode"] = postcode_col
        detected_extra.update(
            layers=features.layers,
            layer=features.layer,
            geometry_types=dict(prepared.types),
            encoding=sniffed.encoding,
        )

    # ---- other columns
    used = [
        c
        for c in (
            guesses.get("lon"),
            guesses.get("lat"),
            guesses.get("x"),
            guesses.get("y"),
            postcode_col,
        )
        if c
    ]
    name_col = find(columns, mapping.name, "name") if mapping.name else guess(columns, "name", used)
    category_col = None
    if mapping.category_value is None:
        category_col = (
            find(columns, mapping.category, "category")
            if mapping.category
            else guess(columns, "category", used)
        )
    capacity_col = (
        find(columns, mapping.capacity, "capacity")
        if mapping.capacity
        else guess(columns, "capacity", used)
    )
    if mapping.address:
        wanted = [mapping.address] if isinstance(mapping.address, str) else list(mapping.address)
        address_cols = [find(columns, a, "address") for a in wanted]
    else:
        address_cols = guess_address(columns, [*used, *(c for c in (name_col,) if c)])
        if postcode_col and postcode_col not in address_cols:
            address_cols.append(postcode_col)
    id_col = find(columns, mapping.id, "id") if mapping.id else guess(columns, "id", used)
    guesses.update(
        name=name_col,
        category=category_col
        if mapping.category_value is None
        else f"(all rows: {mapping.category_value})",
        capacity=capacity_col,
        address=address_cols,
        id=id_col,
    )
    if id_col is not None:
        ids = [_text(a.get(id_col)) for a in rows.attributes]
        filled = [v for v in ids if v]
        if len(set(filled)) != len(filled):
            notes.append(f"Column {id_col} repeats values, so rows are identified by row number.")
            id_col = None
            guesses["id"] = None

    # ---- postcodes for rows without coordinates
    if pending:
        _geocode_rows(rows, pending, postcode_col, geocoder, notes)

    # ---- where every row is
    located = locate(rows.geometry, rows.crs)
    in_uk = located.in_uk
    swappable = np.zeros(len(rows.numbers), dtype=bool)
    candidates = [
        i
        for i in range(len(rows.numbers))
        if rows.failed[i] is None and rows.geometry[i] is not None and not in_uk[i]
    ]
    if candidates:
        swapped_geoms = [swap_xy(rows.geometry[i]) for i in candidates]
        swapped_crs = []
        for i, g in zip(candidates, swapped_geoms, strict=True):
            x, y = shapely.get_coordinates(g)[0]
            swapped_crs.append(
                WGS84
                if abs(x) <= 180 and abs(y) <= 90
                else (BNG if rows.crs[i] == BNG else rows.crs[i])
            )
        trial = locate(swapped_geoms, swapped_crs)
        for k, i in enumerate(candidates):
            if trial.in_uk[k]:
                swappable[i] = True
                if swap_coordinates:
                    rows.geometry[i] = swapped_geoms[k]
                    rows.crs[i] = swapped_crs[k]
                    located.bng[i] = trial.bng[k]
                    located.points[i] = trial.points[k]
                    located.lon[i], located.lat[i] = trial.lon[k], trial.lat[k]
    n_swappable = int(swappable.sum())
    if n_swappable:
        if swap_coordinates:
            notes.append(
                f"{n_swappable:,} row(s) had latitude and longitude the wrong way round; they were "
                "swapped as asked."
            )
        elif swap_coordinates is None:
            suggestions.append(
                Suggestion(
                    code="swap_coordinates",
                    message=(
                        f"{n_swappable:,} row(s) lie outside the UK as given but inside it with "
                        "latitude and longitude swapped. Swap them?"
                    ),
                    parameter="swap_coordinates",
                    value=True,
                    rows=n_swappable,
                )
            )
    in_uk = located.in_uk

    box = check_bbox(area_bbox)
    if box is not None and settings.region_buffer_m:
        box = expand_bbox(box, settings.region_buffer_m)
        notes.append(
            f"The study area was widened by {settings.region_buffer_m:,.0f} m: assets just "
            "outside it serve residents near the border."
        )

    resolver = CategoryResolver(mapping.category_map)
    fixed_category = (
        resolver(mapping.category_value) if mapping.category_value is not None else None
    )
    records: list[dict[str, Any]] = []
    record_rows: list[int] = []
    seen: dict[tuple[Any, ...], int] = {}
    duplicates: list[tuple[int, int]] = []
    outside = 0
    for i, number in enumerate(rows.numbers):
        attrs = rows.attributes[i]
        if rows.failed[i] is not None:
            reason, values = rows.failed[i]  # type: ignore[misc]  # a failed row is (reason, values)
            rowlog.add(number, reason, values)
            continue
        point_values = {
            "lon": round(float(located.lon[i]), 6),
            "lat": round(float(located.lat[i]), 6),
        }
        if located.points[i] is None or not np.isfinite(located.lon[i]):
            raw: np.ndarray | tuple[float, ...] = (
                shapely.get_coordinates(rows.geometry[i])[0] if rows.geometry[i] is not None else ()
            )
            rowlog.add(
                number,
                R.OUTSIDE_UK,
                {"x": raw[0] if len(raw) else None, "y": raw[1] if len(raw) else None},
            )
            continue
        if not in_uk[i]:
            reason = R.OUTSIDE_UK_SWAPPED if swappable[i] else R.OUTSIDE_UK
            rowlog.add(number, reason, point_values)
            continue
        if (
            box is not None
            and not in_box(np.array([located.lon[i]]), np.array([located.lat[i]]), box)[0]
        ):
            rowlog.add(number, R.OUTSIDE_AREA, point_values)
            outside += 1
            continue
        category = (
            fixed_category
            if fixed_category is not None
            else resolver(attrs.get(category_col) if category_col else None)
        )
        if name_col is not None:
            name = _name_text(attrs.get(name_col))
        elif address_cols:
            name = _first_part(attrs.get(address_cols[0]))
        else:
            name = ""
        point = located.points[i]
        key = (name.casefold(), category, round(point.x), round(point.y))
        if key in seen:
            duplicates.append((number, seen[key]))
            if dedupe:
                rowlog.add(number, R.DUPLICATE, {"duplicate of row": seen[key], "name": name})
                continue
        else:
            seen[key] = number
        capacity = parse_number(attrs.get(capacity_col)) if capacity_col else None
        ident = _text(attrs.get(id_col)) if id_col else ""
        records.append(
            {
                "asset_id": f"{source}:{ident or number}",
                "name": name,
                "category": category,
                "source": source,
                "address": _join([attrs.get(c) for c in address_cols]),
                "capacity": math.nan if capacity is None else capacity,
                "tags": tags_json(attrs),
                "geometry": point,
            }
        )
        record_rows.append(number)

    read = finish_assets(records, crs=ASSET_CRS, rows_in=len(records))
    if read.loaded != len(records):  # finish_assets found something this reader did not
        kept = set(read.frame["asset_id"])
        for record, number in zip(records, record_rows, strict=True):
            if record["asset_id"] not in kept:
                rowlog.add(number, R.OUTSIDE_UK, {})
    if duplicates:
        notes.append(
            f"{len(duplicates):,} row(s) repeat an earlier row (same name, category and position)"
            + (
                "; they were left out."
                if dedupe
                else "; they were kept (de-duplicate to drop them)."
            )
        )
    if resolver.new:
        notes.append(
            "New categories not in the atlas taxonomy: "
            + ", ".join(f"{label!r} ({key})" for key, label in resolver.new.items())
            + ". Map them to a taxonomy category, or keep them as new categories."
        )
    if resolver.matched:
        shown = list(resolver.matched.items())[:12]
        notes.append(
            "Categories matched to the taxonomy: "
            + ", ".join(f"{k!r} → {v}" for k, v in shown)
            + (" ..." if len(resolver.matched) > 12 else "")
            + "."
        )
    if category_col is None and mapping.category_value is None:
        notes.append(
            "No category column was found: the assets are uncategorised. Choose a category "
            "column, or one category for every row."
        )
    if not rows.numbers and not len(rowlog):
        raise UploadError("The file has no rows or features.")
    rejections = rowlog.frame()
    detected = Detected(
        format=sniffed.format,
        format_label=LABELS[sniffed.format],
        crs=crs_label,
        crs_how=crs_how,
        columns=tuple(columns),
        guesses=guesses,
        **detected_extra,
    )
    dup_frame = pd.DataFrame(duplicates, columns=["row", "duplicate_of"], dtype="int64")
    result = UploadResult(
        kind="assets",
        frame=read.frame,
        rows_in=len(rows.numbers) + parse_rejected,
        loaded=read.loaded,
        rejections=rejections,
        outside_area=outside,
        detected=detected,
        notes=tuple(notes),
        suggestions=tuple(suggestions),
        duplicates=dup_frame,
        new_categories=dict(resolver.new),
    )
    log.info("Asset upload: %s", result.summary())
    return result


def _geocode_rows(
    rows: _Rows,
    pending: list[int],
    postcode_col: str | None,
    geocoder: Geocoder | None,
    notes: list[str],
) -> None:
    if postcode_col is None or geocoder is None:
        for i in pending:
            rows.fail(i, R.MISSING_COORDINATES, {})
        return
    raw = [_text(rows.attributes[i].get(postcode_col)) for i in pending]
    try:
        found = geocoder([r for r in raw if r])
    except AtlasError as exc:
        raise UploadError(f"The postcodes could not be geocoded: {exc}") from None
    located = 0
    for i, text in zip(pending, raw, strict=True):
        if not text:
            rows.fail(i, R.MISSING_COORDINATES, {postcode_col: ""})
            continue
        hit, reason = found.locate(text)
        if hit is None:
            rows.fail(i, reason, {postcode_col: text})
            continue
        rows.geometry[i] = shapely.Point(hit["lon"], hit["lat"])
        rows.crs[i] = WGS84
        located += 1
    notes.append(
        f"{located:,} of {len(pending):,} row(s) without coordinates were placed at their "
        f"postcode's centre ({found.source})."
    )
