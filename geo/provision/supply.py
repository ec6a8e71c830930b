"""Which assets are measured, and the supply each brings to E2SFCA."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def usable_assets(
    assets: gpd.GeoDataFrame, chosen: tuple[str, ...]
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Assets of the measured categories that have a location; notes on the others."""
    notes = []
    category = assets["category"]
    outside = ~category.isin(chosen).to_numpy(dtype=bool)
    if outside.any():
        kinds = category[outside].fillna("(none)").value_counts()
        listed = ", ".join(f"{k}: {v}" for k, v in kinds.head(6).items())
        notes.append(
            f"{int(outside.sum())} asset(s) are in categories not measured here ({listed}) and "
            "are left out, including from the 'any asset' measures."
        )
    kept = assets[~outside]
    geoms = kept.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        notes.append(f"{int(missing.sum())} asset(s) have no location and are left out.")
        kept = kept[~missing]
    return kept, notes


def category_supply(
    assets: pd.DataFrame,
    codes: np.ndarray,
    chosen: tuple[str, ...],
    column: str | None,
) -> tuple[np.ndarray, list[str], dict[str, bool]]:
    """Supply per asset for the per-category E2SFCA: its capacity, or 1.

    A category uses ``column`` only when every one of its assets has a
    capacity; returns the supply, notes, and which categories used it.
    """
    supply = np.ones(len(assets))
    used = dict.fromkeys(chosen, False)
    if column is None or not len(assets):
        return supply, [], used
    values = pd.to_numeric(assets[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    known = np.isfinite(values) & (values >= 0)
    partial = []
    for k, key in enumerate(chosen):
        mine = codes == k
        if not mine.any():
            continue
        if known[mine].all():
            supply[mine] = values[mine]
            used[key] = True
        elif known[mine].any():
            partial.append(f"{key} ({int(known[mine].sum())} of {int(mine.sum())})")
    notes = []
    with_capacity = [key for key, flag in used.items() if flag]
    if with_capacity:
        notes.append(
            f"E2SFCA for {', '.join(with_capacity)} weighs each asset by its capacity "
            f"('{column}'); other categories count each asset as 1."
        )
    if partial:
        notes.append(
            "Capacity is known for only some assets of "
            + ", ".join(partial)
            + ": it is not used there, and each asset counts as 1."
        )
    return supply, notes, used
