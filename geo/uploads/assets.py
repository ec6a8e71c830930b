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

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from geo.config import Settings
from geo.errors import UploadError
from geo.sources.assetfiles import ASSET_COLUMNS, ASSET_CRS, check_bbox, empty_asset_frame
from geo.uploads import result as R
from geo.uploads.asset_place import Chosen, assemble
from geo.uploads.asset_rows import Geocoder
from geo.uploads.categories import CategoryResolver
from geo.uploads.columns import ColumnMapping
from geo.uploads.limits import UploadLimits
from geo.uploads.locate import expand_bbox
from geo.uploads.memory import release_freed
from geo.uploads.places import OnAmbiguity, PlaceOptions, Places, read_places
from geo.uploads.result import Detected, RowLog, UploadResult
from geo.uploads.sniff import LABELS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssetOptions:
    """How to read a places upload.

    Parameters
    ----------
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
        ``None``: detect rows whose coordinates look swapped and suggest it
        (or swap them, with ``on_ambiguity="auto"``); ``True``: swap those
        rows; ``False``: neither.
    on_ambiguity
        ``"ask"``: ambiguities are returned as suggestions and guesses;
        ``"auto"``: the likely reading is taken, with a note (see
        :mod:`geo.uploads.places`).
    dedupe
        Reject repeated rows (same name, category and position) instead of
        only reporting them.
    layer
        Sheet of a workbook or layer of a GeoPackage/zip (default the first).
    source
        Source key in ``source`` and ``asset_id`` (``<source>:<row>``).
    limits
        Size caps (:class:`UploadLimits` defaults).
    """

    mapping: ColumnMapping | None = None
    area_bbox: Sequence[float] | None = None
    settings: Settings | None = None
    geocoder: Geocoder | None = None
    swap_coordinates: bool | None = None
    on_ambiguity: OnAmbiguity = "ask"
    dedupe: bool = False
    layer: str | None = None
    source: str = "upload"
    limits: UploadLimits | None = None


def _category_notes(
    resolver: CategoryResolver, chosen: Chosen, mapping: ColumnMapping, notes: list[str]
) -> None:
    for base, texts in resolver.clashes.items():
        notes.append(
            f"Categories {', '.join(repr(t) for t in texts)} all read as "
            f"{base.removeprefix('new:')!r}; they were kept apart as separate new categories."
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
    if chosen.category is None and mapping.category_value is None:
        notes.append(
            "No category column was found: the assets are uncategorised. Choose a category "
            "column, or one category for every row."
        )


def _study_box(options: AssetOptions, settings: Settings, notes: list[str]) -> Any:
    box = check_bbox(options.area_bbox)
    if box is not None and settings.region_buffer_m:
        box = expand_bbox(box, settings.region_buffer_m)
        notes.append(
            f"The study area was widened by {settings.region_buffer_m:,.0f} m: assets just "
            "outside it serve residents near the border."
        )
    return box


def read_assets_upload(
    data: bytes, filename: str = "", options: AssetOptions | None = None, **fields: Any
) -> UploadResult:
    """Read an uploaded asset file into the standard asset frame, accounting for every row.

    ``data`` is the file's bytes (the size cap is checked first); ``filename``
    the name it was uploaded under (only compared with the content for a
    note, never used as a path).  ``options`` (an :class:`AssetOptions`) says
    how to read it; its fields may also be given as keywords
    (``mapping=…, area_bbox=…``), which override those of ``options``.

    Raises
    ------
    UploadError
        For a file refused as a whole (unsafe, too large, unreadable, no
        coordinates), with a message saying what to do.
    """
    options = dataclasses.replace(options or AssetOptions(), **fields)
    settings = options.settings or Settings()
    mapping = options.mapping or ColumnMapping()
    how = PlaceOptions(
        mapping=mapping,
        geocoder=options.geocoder,
        swap_coordinates=options.swap_coordinates,
        on_ambiguity=options.on_ambiguity,
        layer=options.layer,
        limits=options.limits,
    )
    read = read_places(data, filename, how)
    assert read.located is not None, "read_places locates the rows"
    box = _study_box(options, settings, read.notes)
    resolver = CategoryResolver(mapping.category_map)
    chosen = read.chosen
    if mapping.category_value is not None:
        chosen = dataclasses.replace(chosen, fixed_category=resolver(mapping.category_value))
    built = assemble(
        read.rows, read.located, read.swappable, box, chosen, resolver,
        source=options.source, dedupe=options.dedupe, rowlog=read.rowlog,
        plain_text=read.plain_text,
    )  # fmt: skip
    read.rows.columns.clear()  # the file's cells are in the asset columns now: let them go
    release_freed()
    return _result(read, built, resolver, chosen, options)


def _text_series(values: Any, keep: np.ndarray) -> pd.Series:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return (values if keep.all() else values.filter(pa.array(keep))).to_pandas()
    return pd.Series(np.asarray(values, dtype=object)[keep], dtype="str")


def _asset_frame(built: Any, rowlog: RowLog) -> Any:
    """The standard asset frame of the rows kept; a repeated ``asset_id`` keeps the first."""
    import geopandas as gpd

    if not len(built.numbers):
        return empty_asset_frame()
    ids = _text_series(built.columns["asset_id"], np.ones(len(built.numbers), dtype=bool))
    repeated = ids.duplicated().to_numpy()
    for k in np.flatnonzero(repeated):
        rowlog.add(int(built.numbers[k]), R.DUPLICATE, {"asset_id": ids.iat[k]})
    keep = ~repeated
    # each column leaves ``built`` as it enters the frame, so no column is held twice
    columns = built.columns
    data = {c: _text_series(columns.pop(c), keep) for c in ASSET_COLUMNS[:-1] if c != "capacity"}
    data["capacity"] = pd.Series(np.asarray(columns.pop("capacity"), dtype=float)[keep])
    x, y = columns.pop("geometry")
    data["geometry"] = gpd.points_from_xy(x[keep], y[keep], crs=ASSET_CRS)
    return gpd.GeoDataFrame({c: data[c] for c in ASSET_COLUMNS}, geometry="geometry", copy=False)


def _result(
    read: Places,
    built: Any,
    resolver: CategoryResolver,
    chosen: Chosen,
    options: AssetOptions,
) -> UploadResult:
    rowlog, notes, sniffed = read.rowlog, read.notes, read.sniffed
    assert sniffed is not None, "an upload is sniffed"
    frame = _asset_frame(built, rowlog)
    if len(built.duplicates):
        kept_or_not = (
            "they were left out" if options.dedupe else "they were kept (de-duplicate to drop them)"
        )
        notes.append(
            f"{len(built.duplicates):,} row(s) repeat an earlier row (same name, category and "
            f"position); {kept_or_not}."
        )
    _category_notes(resolver, chosen, options.mapping or ColumnMapping(), notes)
    if not len(read.rows) and not len(rowlog):
        raise UploadError("The file has no rows or features.")
    detected = Detected(
        format=sniffed.format,
        format_label=LABELS[sniffed.format],
        crs=read.crs,
        crs_how=read.crs_how,
        columns=tuple(read.columns),
        guesses=read.guesses,
        **read.details,
    )
    result = UploadResult(
        kind="assets",
        frame=frame,
        rows_in=len(read.rows) + read.parse_rejected,
        loaded=len(frame),
        rejections=rowlog.frame(),
        outside_area=built.outside,
        detected=detected,
        notes=tuple(notes),
        suggestions=tuple(read.suggestions),
        duplicates=pd.DataFrame(
            built.duplicates.reshape(-1, 2), columns=["row", "duplicate_of"], dtype="int64"
        ),
        new_categories=dict(resolver.new),
    )
    log.info("Asset upload: %s", result.summary())
    return result
