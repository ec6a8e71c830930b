"""Electoral wards, for orientation on maps: each area's ward name and the ward shapes.

A ward is drawn as its small areas dissolved together (the ONS best-fit
LSOA → ward lookup the region carries), so its lines sit exactly on LSOA
edges.  The report's static maps and the app's offline basemap both use
:func:`ward_shapes`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from .geometry import polygonal

__all__ = ["NO_WARD", "WARD", "ward_names", "ward_shapes"]

#: The ward column the region carries, and what to call areas without one.
WARD = "ward_name"
NO_WARD = "(ward not known)"


def ward_names(areas: pd.DataFrame) -> pd.Series:
    """Each area's ward name (``(ward not known)`` when the lookup has none)."""
    if WARD not in areas:
        return pd.Series(NO_WARD, index=areas.index)
    names = areas[WARD].astype("string").str.strip()
    return names.where(names.notna() & names.ne(""), NO_WARD).astype(str)


def ward_shapes(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (multi)polygon per ward, dissolved from its small areas."""
    names = ward_names(areas)
    geoms = polygonal(areas.geometry.values)
    rows = []
    for ward in dict.fromkeys(names):
        if ward == NO_WARD:
            continue
        part = geoms[(names == ward).to_numpy()]
        try:
            shape = shapely.coverage_union_all(part)
        except Exception:
            shape = shapely.union_all(part)
        rows.append((ward, shape))
    return gpd.GeoDataFrame(
        {"ward": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs=areas.crs
    )
