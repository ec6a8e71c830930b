"""Reading uploaded files for the Upload page and summarising what was found.

The file is read by :func:`geo.uploads.read_assets_upload` (size caps, type
sniffing, archive and workbook checks, row accounting).  Nothing here writes
the file anywhere: its bytes stay in this browser session's memory.
"""

from __future__ import annotations

import hashlib
import json
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
    """Whether every new category value has been given an atlas category (or kept as new)."""
    return all(
        category_map.get(v) in CATEGORY_KEYS or str(category_map.get(v) or "").startswith("new:")
        for v in new
    )


# ---------------------------------------------------------------------------
# Indicator tables and study-area boundaries
# ---------------------------------------------------------------------------

#: What a file can be, with the label the page shows.
KINDS: dict[str, str] = {
    "places": "Community places",
    "indicators": "Indicator table (values by area)",
    "boundary": "Study-area boundary (polygon)",
}
KIND_TYPES: dict[str, list[str]] = {
    "places": ["csv", "tsv", "txt", "xlsx", "geojson", "json", "gpkg", "kml", "kmz", "zip"],
    "indicators": ["csv", "tsv", "txt", "xlsx"],
    "boundary": ["geojson", "json", "gpkg", "kml", "kmz", "zip"],
}
#: The most a column can weigh in the all-ages risk index (the built-in ones weigh 1–3).
MAX_WEIGHT = 5


def new_category(value: str) -> str:
    """The category key that keeps a file's category as the user's own."""
    from geo.uploads.categories import NEW_PREFIX, slug

    return NEW_PREFIX + slug(value)


def _lsoa_lookup(settings: Settings) -> pd.DataFrame | None:
    """The ONS LSOA 2011 → 2021 lookup, or None when it is not available."""
    from geo.sources.access import DataAccess

    try:
        return DataAccess(settings).lsoa11_lsoa21_lookup().frame
    except Exception:  # not in the mirror, or offline without a cached copy
        return None


def _area_lookup(settings: Settings) -> pd.DataFrame | None:
    from geo.sources.access import DataAccess

    try:
        return DataAccess(settings).lsoa21_lookup().frame
    except Exception:
        return None


def read_indicators(
    data: bytes,
    name: str,
    region: Region,
    settings: Settings,
    *,
    mapping: ColumnMapping | None = None,
    layer: str | None = None,
) -> UploadResult:
    """Read an indicator table for ``region`` (2011 codes carried to 2021 when possible)."""
    from geo.uploads import read_indicators_upload

    lookup = _lsoa_lookup(settings)
    return read_indicators_upload(
        data,
        name,
        mapping=mapping,
        settings=settings,
        lsoa_lookup=lookup,
        area_lookup=_area_lookup(settings),
        areas=list(region.areas.index),
        geocoder=PostcodeGeocoder(settings),
        layer=layer,
    )


def read_boundary(data: bytes, name: str, *, layer: str | None = None) -> UploadResult:
    """Read a study-area boundary: every polygon dissolved into one."""
    from geo.uploads import read_boundary_upload

    return read_boundary_upload(data, name, mode="study_area", layer=layer)


def value_columns(result: UploadResult) -> list[str]:
    """The numeric value columns an indicator upload gave."""
    frame = result.frame
    if frame is None or len(frame) == 0:
        return []
    numeric = frame.select_dtypes("number")
    return [str(c) for c in numeric.columns if str(c) != "records"]


def indicator_preview(result: UploadResult, region: Region, limit: int = 200) -> pd.DataFrame:
    """The values by area (first ``limit``), with the area's name."""
    frame = result.frame
    if frame is None or len(frame) == 0:
        return pd.DataFrame()
    names = region.areas.get("name", None)
    out = frame.copy()
    if names is not None:
        out.insert(0, "Area", names.reindex(out.index).fillna(""))
    return out.rename_axis("LSOA 2021").reset_index().head(limit)


def indicator_map(
    region: Region, values: pd.Series, title: str, tiles: str | None, static_url: str
) -> Any:
    """A small folium map of one uploaded column over the region's areas (quintile colours)."""
    from geo import maps

    areas = region.areas
    numbers = pd.to_numeric(values.reindex(areas.index), errors="coerce")
    palette = ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"]
    colour = pd.Series("#dddddd", index=areas.index)
    present = numbers.dropna()
    legend: list[tuple[str, str]] = []
    if len(present):
        bins = min(5, present.nunique())
        ranks = pd.qcut(present.rank(method="first"), bins, labels=False)
        chosen = palette[:: max(1, 5 // bins)][:bins] if bins < 5 else palette
        colour.loc[present.index] = [chosen[int(r)] for r in ranks]
        for i in range(bins):
            part = present[ranks == i]
            legend.append((chosen[i], f"{part.min():,.3g} – {part.max():,.3g}"))
    legend.append(("#dddddd", "no value"))
    props = pd.DataFrame(
        {
            "name": areas["name"] if "name" in areas else pd.Series(areas.index, index=areas.index),
            "code": areas.index,
            "value": [("" if pd.isna(v) else f"{v:,.4g}") for v in numbers],
            "colour": colour,
        },
        index=areas.index,
    )
    m = maps.base_map(region.bounds_wgs84, tiles=tiles, static_url=static_url)
    maps.choropleth_layer(
        maps.simplified_geojson(areas, props),
        colour_property="colour",
        name=title,
        tooltip_fields=["name", "code", "value"],
        tooltip_aliases=["Area", "Code", title],
        m=m,
    )
    maps.legend_control(maps.legend_html(title, legend), m=m)
    return m


def boundary_map(region: Region, boundary: Any, tiles: str | None, static_url: str) -> Any:
    """A small folium map of an uploaded boundary (dissolved) and the LSOAs it covers."""
    import geopandas as gpd

    from geo import maps

    areas = region.areas
    props = pd.DataFrame(
        {
            "name": areas["name"] if "name" in areas else pd.Series(areas.index, index=areas.index),
            "code": areas.index,
            "colour": "#9ecae1",
        },
        index=areas.index,
    )
    outline = gpd.GeoSeries([boundary], crs=areas.crs)
    bounds = outline.to_crs(4326).total_bounds
    m = maps.base_map(bounds, tiles=tiles, static_url=static_url)
    maps.choropleth_layer(
        maps.simplified_geojson(areas, props),
        colour_property="colour",
        name="LSOAs in the study area",
        tooltip_fields=["name", "code"],
        tooltip_aliases=["Area", "Code"],
        m=m,
    )
    geoms = {"study": json.loads(outline.to_crs(4326).to_json())["features"][0]["geometry"]}
    maps.outline_layer(
        maps.outline_geometries(geoms, ["study"]),
        name="Uploaded boundary",
        tooltip="Uploaded boundary",
        m=m,
    )
    return m


def save_set_zip(
    assets: Sequence[tuple[str, Any]], indicators: Sequence[tuple[str, pd.DataFrame]]
) -> bytes:
    """A zip of the cleaned uploads and the ``sources.toml`` that names them."""
    import io
    import tempfile
    import zipfile
    from pathlib import Path

    from geo.userdata import save_upload_set

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "atlas_uploads"
        save_upload_set(folder, assets=assets, indicators=indicators)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                zf.write(path, f"atlas_uploads/{path.name}")
        return buffer.getvalue()
