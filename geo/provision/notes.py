"""Plain-English notes on how the provision measures were made."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.provision.checks import distance_label

POINT_INSIDE = "point inside polygon"


def method_notes(
    areas: pd.DataFrame,
    assets: pd.DataFrame,
    chosen: tuple[str, ...],
    steps: tuple[float, ...],
    radius: float,
    speed: float,
    decay: str,
) -> list[str]:
    """How distances, counts and E2SFCA were computed, for the areas and assets given."""
    n = len(areas)
    notes = []
    if "point_source" in areas.columns:
        inside = int((areas["point_source"] == POINT_INSIDE).sum())
        centroid = n - inside
        text = (
            f"Distances are straight lines (British National Grid, metres) from each area's "
            f"population-weighted centroid ({centroid} of {n} areas)"
        )
        if inside:
            text += (
                f"; {inside} area(s) have no such centroid and a point inside the polygon is used "
                "instead"
            )
        notes.append(text + ". They are not walking routes, which are longer.")
    else:
        notes.append(
            "Distances are straight lines (British National Grid, metres) from each area's "
            "point as given (point_x, point_y). They are not walking routes, which are longer."
        )
    thresholds = ", ".join(f"{distance_label(t)} m" for t in steps)
    notes.append(
        f"Counts are of assets within {thresholds} of the area's point (an asset exactly at "
        f"the distance counts). Walking minutes assume {speed:g} m/s in a straight line."
    )
    if "in_region" in assets.columns and len(assets):
        outside = int((~assets["in_region"].fillna(False).astype(bool)).sum())
        if outside:
            notes.append(
                f"{outside} of {len(assets)} assets lie outside the region, within the buffer "
                "around it; they are counted, because residents near the border use them. "
                "Assets beyond the buffer are not loaded, so a nearest distance longer than "
                "the buffer may be overstated."
            )
    half, edge = distance_label(radius / 2), distance_label(radius)
    if decay == "gaussian":
        kernel = (
            f"Gaussian decay W(d) = exp(-d²/(2σ²)) with σ = {half} m, 0 beyond "
            f"{edge} m (W = 0.61 at {half} m, 0.14 at the edge)"
        )
    elif decay == "step":
        kernel = "Luo & Qi's step weights 1.00, 0.68 and 0.22 over thirds of the catchment"
    else:
        kernel = "no distance decay (plain 2SFCA)"
    notes.append(
        f"E2SFCA (Luo & Qi 2009): assets per 1,000 residents within {edge} m, with "
        f"{kernel}. Each asset's supply is shared among the residents of every area within "
        "its catchment, so crowded catchments score lower. Access to all community assets "
        "counts every asset as 1 whatever its kind."
    )
    return notes


def data_notes(
    chosen: tuple[str, ...], codes: np.ndarray, demand: np.ndarray, missing_pop: np.ndarray
) -> list[str]:
    """Notes on what the data lacks: categories with no asset, areas with nobody."""
    notes = []
    absent = [key for k, key in enumerate(chosen) if not (codes == k).any()]
    if absent:
        notes.append(
            f"No assets of {len(absent)} categor{'y' if len(absent) == 1 else 'ies'} "
            f"({', '.join(absent)}): their nearest distance is blank and their counts and "
            "E2SFCA are 0 — an absence in the data, which may not mean none exist."
        )
    if not len(codes):
        notes.append(
            "There are no assets of the measured categories at all: every nearest distance "
            "is blank."
        )
    zero = int(((demand == 0) & ~missing_pop).sum())
    if zero:
        notes.append(
            f"{zero} area(s) have zero population: they add no demand to E2SFCA; an asset "
            "whose catchment holds only such areas adds nothing to anyone's E2SFCA."
        )
    return notes


def demand_note(given: bool, reached: pd.Series, n: int) -> str:
    """Who E2SFCA counted as demand: the areas measured, and those around them."""
    if not given:
        return (
            f"E2SFCA counts as demand only the residents of the {n} area(s) measured: people "
            "just outside who use the same assets are left out, so access near the edge is "
            "overstated."
        )
    return (
        "E2SFCA shares each asset among the residents of every area within its catchment, "
        f"wherever they live: besides the {n} area(s) measured, {len(reached)} area(s) around "
        f"them ({reached.sum():,.0f} residents) compete for the same assets, so an area's "
        "access is the same whichever region it is measured in."
    )
