"""Reading an uploaded file of community places for the Upload page.

The file is read by :func:`geo.uploads.read_assets_upload` (size caps, type
sniffing, archive and workbook checks, row accounting).  Nothing here writes
the file anywhere: its bytes stay in this browser session's memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from geo.config import Settings
from geo.postcodes import PostcodeGeocoder
from geo.region import Region
from geo.sources.taxonomy import CATEGORY_KEYS
from geo.uploads import ColumnMapping, UploadResult, read_assets_upload

#: The roles a column can play, in the order they are asked for, with labels.
ROLES: dict[str, str] = {
    "name": "Name",
    "category": "Category",
    "lat": "Latitude (degrees)",
    "lon": "Longitude (degrees)",
    "x": "Easting (metres, British National Grid)",
    "y": "Northing (metres, British National Grid)",
    "postcode": "Postcode",
    "capacity": "Capacity (optional)",
    "id": "Your reference (optional)",
}
NONE = "(none)"


def fingerprint(data: bytes, name: str) -> str:
    """A short identity of an uploaded file."""
    return hashlib.sha256(name.encode() + b"\0" + data).hexdigest()[:16]


def mapping_from(
    choices: Mapping[str, Any],
    *,
    category_value: str | None = None,
    category_map: Mapping[str, str] | None = None,
) -> ColumnMapping:
    """A :class:`ColumnMapping` from the page's choices (``(none)`` = not used)."""
    values = {
        role: (None if value in (None, NONE, "") else value) for role, value in choices.items()
    }
    address = values.pop("address", None)
    return ColumnMapping(
        **{k: v for k, v in values.items() if k in ROLES},
        address=list(address) if address else None,
        category_value=category_value,
        category_map=dict(category_map) if category_map else None,
    )


def read(
    data: bytes,
    name: str,
    region: Region,
    settings: Settings,
    *,
    mapping: ColumnMapping | None = None,
    swap: bool | None = None,
    layer: str | None = None,
) -> UploadResult:
    """Read an upload of community places for ``region`` (raises UploadError)."""
    return read_assets_upload(
        data,
        name,
        mapping=mapping,
        area_bbox=region.bounds_wgs84,
        settings=settings,
        geocoder=PostcodeGeocoder(settings),
        swap_coordinates=swap,
        layer=layer,
        source="upload",
    )


def detected_table(result: UploadResult) -> pd.DataFrame:
    """What was found in the file, as rows of (what, found)."""
    d = result.detected
    rows = [("Format", d.format_label)]
    if d.encoding:
        rows.append(("Text encoding", d.encoding))
    if d.delimiter:
        rows.append(("Delimiter", {",": "comma", "\t": "tab", ";": "semicolon"}.get(
            d.delimiter, repr(d.delimiter))))  # fmt: skip
    if d.sheets:
        rows.append(("Sheets", f"{', '.join(d.sheets)} (reading {d.sheet})"))
    if d.layers:
        rows.append(("Layers", f"{', '.join(d.layers)} (reading {d.layer})"))
    if d.crs or d.crs_how:
        rows.append(
            ("Coordinates", f"{d.crs or 'unknown'}" + (f" — {d.crs_how}" if d.crs_how else ""))
        )
    if d.geometry_types:
        rows.append(
            ("Geometry", ", ".join(f"{k}: {v:,}" for k, v in sorted(d.geometry_types.items())))
        )
    if d.columns:
        shown = ", ".join(d.columns[:40]) + (" …" if len(d.columns) > 40 else "")
        rows.append(("Columns", shown))
    rows.append(("Rows", f"{result.rows_in:,}"))
    return pd.DataFrame(rows, columns=["What", "Found"])


def summary(result: UploadResult) -> dict[str, int]:
    """Rows in the file, loaded, rejected (by a problem) and outside the area."""
    rejected = len(result.rejections) - int(result.outside_area)
    return {
        "rows": int(result.rows_in),
        "loaded": int(result.loaded),
        "rejected": int(rejected),
        "outside": int(result.outside_area),
    }


def rejections_table(result: UploadResult) -> pd.DataFrame:
    """Rows not loaded, with the reason and the offending values."""
    frame = result.rejections.copy()
    return frame.rename(columns={"row": "Row", "reason": "Reason", "values": "Values"})


def preview(result: UploadResult, labels: Mapping[str, str], limit: int = 200) -> pd.DataFrame:
    """The loaded places (first ``limit``), as text."""
    frame = result.frame
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=["Name", "Category", "Address"])
    wgs = frame.to_crs(4326)
    return pd.DataFrame(
        {
            "Name": frame["name"].astype("string").fillna(""),
            "Category": frame["category"].astype(str).map(lambda c: labels.get(c, c)),
            "Address": frame.get("address", pd.Series("", index=frame.index))
            .astype("string")
            .fillna(""),
            "Latitude": wgs.geometry.y.round(5),
            "Longitude": wgs.geometry.x.round(5),
        }
    ).head(limit)


def unmapped_categories(result: UploadResult) -> dict[str, str]:
    """Categories in the file that are not the atlas's: ``{file value: count label}``."""
    return {str(label): str(key) for key, label in result.new_categories.items()}


def all_mapped(new: Sequence[str], category_map: Mapping[str, str]) -> bool:
    """Whether every new category value has been given an atlas category."""
    return all(category_map.get(v) in CATEGORY_KEYS for v in new)
