"""The asset directory: community places inside the area, grouped by ward.

Each entry gives the name, category, address (or latitude and longitude when
the source has none), the source's readable title and the straight-line
distance to the nearest priority gap area (0 m when inside one), so a reader
can check a ward's gaps against what is there.  An asset's ward is the ward
of the small area it stands in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

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

    Columns of :func:`geo.report.tables.asset_directory` plus ``ward``,
    ``source_title`` and ``priority_distance_m`` (NaN when there is no
    priority gap area); sorted by ward, then category order, then name.
    """
    frame = tables.asset_directory(result)
    if frame.empty:
        return frame.assign(ward=[], source_title=[], priority_distance_m=[])
    assets = result.assets.set_index(result.assets["asset_id"].astype(str))
    geom = assets.geometry.reindex(frame["asset_id"])
    frame = frame.assign(x=geom.x.to_numpy(), y=geom.y.to_numpy())
    titles = source_titles(result)
    frame["ward"] = _asset_wards(result, frame)
    frame["source_title"] = frame["source"].map(lambda s: titles.get(s, s))
    frame["priority_distance_m"] = _priority_distance(result, frame).round(0)
    frame["_order"] = np.arange(len(frame))
    frame = frame.sort_values(["ward", "_order"], kind="stable")
    return frame.drop(columns=["x", "y", "_order"]).reset_index(drop=True)


def directory_context(result: Result) -> dict[str, Any]:
    """The directory as the template shows it: named (or addressed) assets by ward."""
    frame = directory_table(result)
    total = len(frame)
    if total:
        coords = frame["where"].str.match(r"^-?\d+\.\d+, -?\d+\.\d+$")
        listed = frame[frame["named"] | ~coords]
    else:
        listed = frame
    shown = listed.head(DIRECTORY_LIMIT)
    groups = []
    for ward, part in frame.groupby("ward", sort=True) if total else []:
        rows = shown[shown["ward"] == ward]
        unlisted = len(part) - len(rows)
        groups.append(
            {
                "ward": ward,
                "count": f"{len(part):,}",
                "rows": [
                    {
                        "name": rec["name"],
                        "category": rec["category_label"],
                        "where": rec["where"],
                        "source": rec["source_title"],
                        "distance": _distance(rec["priority_distance_m"]),
                    }
                    for rec in rows.to_dict(orient="records")
                ],
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


def _distance(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return "inside" if float(value) == 0 else f"{fmt_int(value)} m"  # type: ignore[arg-type]
