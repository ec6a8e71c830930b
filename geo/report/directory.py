"""The asset directory: community places inside the area, grouped by ward.

Each entry gives the name, category, address (or, when the source has none,
its postcode; with coordinates only, the nearest town or village and the
ward, "near Oakham, Oakham South ward"; latitude and longitude when not even
a place name is known), the source's readable title and the straight-line
distance to the nearest priority gap area (0 m when inside one), so a reader
can check a ward's gaps against what is there.  An asset's ward is the ward
of the small area it stands in.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.sources.osm_places import nearest_place

from . import tables
from .formatting import fmt_int
from .wards import NO_WARD, priority_mask, ward_names

if TYPE_CHECKING:
    from geo.pipeline import Result

#: Most assets listed in the printed directory (the exports always hold all).
DIRECTORY_LIMIT = 2500


def source_titles(result: Result) -> dict[str, str]:
    """Dataset key → readable title, for the sources the assets came from."""
    return {rec.dataset: rec.title for rec in result.provenance}


def _asset_wards(result: Result, frame: pd.DataFrame) -> pd.Series:
    areas = result.areas
    if not len(frame):
        return pd.Series(dtype=str)
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=areas.crs, index=frame.index
    )
    names = gpd.GeoDataFrame({"ward": ward_names(areas)}, geometry=areas.geometry, crs=areas.crs)
    joined = gpd.sjoin(points, names, how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["ward"].reindex(frame.index).fillna(NO_WARD).astype(str)


def _priority_distance(result: Result, frame: pd.DataFrame) -> pd.Series:
    areas = result.areas
    priority = areas[priority_mask(areas)]
    if not len(frame) or not len(priority):
        return pd.Series(np.nan, index=frame.index)
    union = priority.geometry.union_all()
    points = gpd.GeoSeries(gpd.points_from_xy(frame["x"], frame["y"]), crs=areas.crs)
    return pd.Series(points.distance(union).to_numpy(), index=frame.index)


def directory_table(result: Result) -> pd.DataFrame:
    """Every asset inside the area with ward, source title and distance to a priority area.

    Columns of :func:`geo.report.tables.asset_directory` (``where`` made
    readable, see the module docstring) plus ``ward``, ``located`` (an
    address or postcode is known), ``source_title`` and
    ``priority_distance_m`` (NaN when there is no priority gap area); sorted
    by ward, then category order, then name.
    """
    frame = tables.asset_directory(result)
    if frame.empty:
        return frame.assign(ward=[], located=[], source_title=[], priority_distance_m=[])
    assets = result.assets.set_index(result.assets["asset_id"].astype(str))
    geom = assets.geometry.reindex(frame["asset_id"])
    frame = frame.assign(x=geom.x.to_numpy(), y=geom.y.to_numpy())
    titles = source_titles(result)
    frame["ward"] = _asset_wards(result, frame)
    frame["located"] = ~frame["where"].str.match(_COORDS)
    frame["where"] = _readable_where(result, frame, assets)
    frame["source_title"] = frame["source"].map(lambda s: titles.get(s, s))
    frame["priority_distance_m"] = _priority_distance(result, frame).round(0)
    frame["_order"] = np.arange(len(frame))
    frame = frame.sort_values(["ward", "_order"], kind="stable")
    return frame.drop(columns=["x", "y", "_order"]).reset_index(drop=True)


_COORDS = r"^-?\d+\.\d+, -?\d+\.\d+$"
#: Tag keys that hold a postcode, in the order they are tried.
POSTCODE_KEYS = ("addr:postcode", "postcode", "Postcode", "POSTCODE")


def _postcode(tags: object) -> str:
    """The postcode an asset's source recorded in its tags ("" when none)."""
    try:
        values = json.loads(str(tags)) if tags else {}
    except ValueError:
        return ""
    if not isinstance(values, dict):
        return ""
    for key in POSTCODE_KEYS:
        value = str(values.get(key) or "").strip()
        if value:
            return value.upper()
    return ""


def _readable_where(result: Result, frame: pd.DataFrame, assets: pd.DataFrame) -> pd.Series:
    """Where each asset is: the address; else its postcode; else near a place, in a ward."""
    where = frame["where"].copy()
    bare = ~frame["located"]
    if not bare.any():
        return where
    tags = assets["tags"].reindex(frame["asset_id"]) if "tags" in assets else None
    if tags is not None:
        codes = pd.Series([_postcode(t) for t in tags.to_numpy()], index=frame.index)
        found = bare & codes.ne("")
        where[found] = codes[found]
        frame.loc[found, "located"] = True
        bare &= ~found
    places = getattr(result.region, "places", None)
    if bare.any() and places is not None and len(places):
        xy = gpd.points_from_xy(frame.loc[bare, "x"], frame.loc[bare, "y"])
        near = nearest_place(gpd.GeoSeries(xy, index=frame.index[bare], crs=places.crs), places)
        named = near["place"].ne("")
        rows = near.index[named]
        wards = frame.loc[rows, "ward"]
        in_ward = np.where(wards.eq(NO_WARD), "", ", " + wards + " ward")
        where[rows] = "near " + near.loc[rows, "place"] + in_ward
    return where


def directory_context(result: Result) -> dict[str, Any]:
    """The directory as the template shows it: named (or addressed) assets by ward."""
    frame = directory_table(result)
    total = len(frame)
    listed = frame[frame["named"] | frame["located"]] if total else frame
    shown = listed.head(DIRECTORY_LIMIT)
    groups = []
    for ward, part in frame.groupby("ward", sort=True) if total else []:
        rows = shown[shown["ward"] == ward]
        unlisted = len(part) - len(rows)
        groups.append(
            {
                "ward": ward,
                "count": f"{len(part):,}",
                "rows": [_entry(rec) for rec in rows.to_dict(orient="records")],
                "unlisted": f"{unlisted:,} more without a name or address" if unlisted else "",
            }
        )
    inside = result.assets["in_region"].fillna(False).astype(bool) if len(result.assets) else None
    outside = int((~inside).sum()) if inside is not None else 0
    return {
        "groups": groups,
        "total": f"{total:,}",
        "listed": f"{len(shown):,}",
        "truncated": len(listed) > len(shown),
        "outside": f"{outside:,}",
        "has_priority": bool(priority_mask(result.areas).any()),
    }


def _entry(rec: dict[str, Any]) -> dict[str, str]:
    """One listed asset: its fields, and the line the directory prints after the name.

    The line is plain text (category · where · source · distance): the printed
    directory is a list, one entry per asset, not a five-column table, which
    took WeasyPrint about three times as long to lay out and ran to more pages.
    """
    entry = {
        "name": rec["name"],
        "category": rec["category_label"],
        "where": rec["where"],
        "source": rec["source_title"],
        "distance": _distance(rec["priority_distance_m"]),
    }
    parts = [entry["category"], entry["where"], entry["source"], entry["distance"]]
    entry["details"] = " · ".join(p for p in parts if p)
    return entry


def _distance(value: object) -> str:
    """The distance to the nearest priority area as the directory prints it ("" when none)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if float(value) == 0:  # type: ignore[arg-type]
        return "inside a priority area"
    return f"{fmt_int(value)} m from a priority area"
