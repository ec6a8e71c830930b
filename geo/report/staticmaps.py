"""Static maps for the printed report, drawn with matplotlib in EPSG:27700.

Four maps, each a PNG with its legend, a scale bar in kilometres, a north
arrow and the attribution of the data drawn:

* :func:`risk_map` — loneliness-risk deciles (England deciles when the
  analysis has a national reference, otherwise the region's);
* :func:`access_map` — E2SFCA access in the classes of the app's access
  layer (no access apart, then fifths of the areas with some);
* :func:`gap_map` — the nine risk × access classes with the 3×3 bivariate
  legend, priority gap areas outlined and the top ranks labelled;
* :func:`asset_map` — community assets by category over the area.

The access and asset maps, which do not name wards, name a few of the
area's towns and villages instead (OpenStreetMap place names, where known).

Drawing helpers are in :mod:`geo.report.mapcanvas` and legends in
:mod:`geo.report.maplegends`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from geo.gaps import BIVARIATE_COLOURS
from geo.present.classes import Classes, access_classes, risk_classes, risk_decile_column
from geo.present.labels import category_label, model_label
from geo.present.palettes import NO_DATA, RISK_COLOURS
from geo.sources.taxonomy import category_colours, category_labels

from .mapcanvas import (
    FONT,
    attribution,
    canvas,
    decorate,
    draw_areas,
    label_positions,
    nice_length,
    outline,
    png,
    rank_labels,
    scale_bar,
)
from .maplegends import MARKERS, bivariate_legend, category_markers, legend_boxes, legend_dots
from .mapoverlays import (
    hatch_by_risk,
    island_inset,
    place_labels,
    split_islands,
    ward_overlay,
)
from .wards import priority_order

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from matplotlib.axes import Axes

    from geo.pipeline import Result

    from .basemap import Basemap

__all__ = [
    "MARKERS",
    "access_colours",
    "access_map",
    "all_maps",
    "asset_map",
    "category_markers",
    "gap_map",
    "label_positions",
    "nice_length",
    "risk_map",
    "scale_bar",
]

#: Colours for uploaded (user_…) asset categories, which the taxonomy does not colour.
USER_COLOURS = ("#000000", "#666666", "#b15928", "#fb9a99", "#cab2d6", "#ffff99")

OGL_BOUNDARIES = (
    "Boundaries: ONS, OGL v3.0; contains OS data © Crown copyright and database right 2021."
)


PLACE_ATTRIBUTION = "Place names: © OpenStreetMap contributors, ODbL."


def all_maps(result: Result, *, basemap: Basemap | None = None) -> dict[str, bytes]:
    """Every report map as PNG bytes, keyed ``risk``, ``access``, ``gaps``, ``assets``.

    With ``basemap`` the asset map is drawn over its tiles (the others are
    coloured areas, which would hide them).
    """
    return {
        "risk": risk_map(result),
        "access": access_map(result),
        "gaps": gap_map(result),
        "assets": asset_map(result, basemap=basemap),
    }


def _frame(
    ax: Axes,
    areas: gpd.GeoDataFrame,
    *,
    names: bool = False,
    places: gpd.GeoDataFrame | None = None,
) -> str:
    """Ward lines (and names), the view fitted to the main body of land, island insets.

    With ``places`` (OpenStreetMap place names) a few towns and villages inside
    the area are named too, on the maps that do not name wards; returns their
    attribution then ("" when none is named).
    """
    ward_overlay(ax, areas, names=names)
    bounds, islands = split_islands(areas)
    decorate(ax, areas, bounds=bounds)
    named = []
    if places is not None and not names:
        named = place_labels(ax, places_inside(places, areas))
    island_inset(ax, islands)
    return PLACE_ATTRIBUTION if named else ""


def places_inside(places: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The place names that lie inside the area's small areas."""
    if not len(places):
        return places
    inside = shapely.STRtree(areas.geometry.values).query(places.geometry.values, "intersects")[0]
    return places.iloc[np.unique(inside)]


def _places(result: Result) -> gpd.GeoDataFrame | None:
    return getattr(result.region, "places", None)


def risk_map(result: Result) -> bytes:
    """Loneliness-risk deciles (1 = highest risk), coloured as on the app's map."""
    areas = result.areas
    shown = risk_classes(areas, model=result.parameters.model)
    fig, ax, lax = canvas()
    draw_areas(ax, areas, list(shown.colour))
    outline(ax, areas)
    _frame(ax, areas, names=True)
    scope = "England" if risk_decile_column(areas) == "risk_decile_national" else "this area"
    model = model_label(result.parameters.model, short=True)
    items = [
        (c, f"{i + 1}" + (" highest risk" if i == 0 else "") + _count(shown.colour, c))
        for i, c in enumerate(RISK_COLOURS)
    ]
    items[-1] = (RISK_COLOURS[-1], "10 lowest risk" + _count(shown.colour, RISK_COLOURS[-1]))
    if (shown.colour == NO_DATA).any():
        items.append((NO_DATA, "no value" + _count(shown.colour, NO_DATA)))
    legend_boxes(
        lax, f"Loneliness risk, {model}", f"Decile within {scope} (areas in brackets)", items
    )
    attribution(fig, [OGL_BOUNDARIES, "Risk: Census 2021 and IoD (ONS, MHCLG), OGL v3.0."])
    return png(fig)


def access_colours(result: Result) -> Classes:
    """The access classes of the report's map: the same as the app's access layer."""
    return access_classes(
        result.areas,
        measure="e2sfca",
        category_label="community assets",
        catchment_m=result.parameters.catchment_m,
    )


def access_map(result: Result) -> bytes:
    """E2SFCA access to community assets, in the classes of the app's access layer.

    Areas with no asset within reach have their own class; the others are in
    fifths of the areas here with some access.
    """
    areas = result.areas
    shown = access_colours(result)
    fig, ax, lax = canvas()
    draw_areas(ax, areas, list(shown.colour))
    outline(ax, areas)
    named = _frame(ax, areas, places=_places(result))
    items = [(c, label + _count(shown.colour, c)) for c, label in shown.legend]
    if (shown.colour == NO_DATA).any():
        items.append((NO_DATA, "no value" + _count(shown.colour, NO_DATA)))
    catch = result.parameters.catchment_m / 1000
    legend_boxes(
        lax,
        "Access to community assets",
        f"Assets per 1,000 residents within {catch:g} km, distance-weighted (E2SFCA); "
        "fifths of the areas here with some access (areas in brackets)",
        items,
    )
    attribution(fig, [OGL_BOUNDARIES, _asset_attribution(result), named])
    return png(fig)


def draw_gap_classes(ax: Axes, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The nine classes' colours, risk hatching, priority gaps outlined; returns those gaps."""
    colours = [
        BIVARIATE_COLOURS.get(c, NO_DATA) if isinstance(c, str) else NO_DATA
        for c in areas["gap_class"]
    ]
    draw_areas(ax, areas, colours)
    hatch_by_risk(ax, areas)
    priority = areas[areas["is_priority"].fillna(False).astype(bool)]
    if len(priority):
        draw_areas(ax, priority, ["none"] * len(priority), edge="#000000", width=1.1, z=3)
    outline(ax, areas)
    return priority


def gap_map(result: Result, *, label_top: int = 10) -> bytes:
    """The nine risk × access classes; priority gaps outlined, top ranks labelled."""
    areas = result.areas
    fig, ax, lax = canvas()
    priority = draw_gap_classes(ax, areas)
    numbers = priority_order(result)
    top = priority.assign(_number=numbers.reindex(priority.index)).sort_values("_number")
    top = top.head(label_top)
    _frame(ax, areas, names=True)
    points = top.geometry.representative_point()
    rank_labels(ax, list(top["_number"]), [(p.x, p.y) for p in points])
    bivariate_legend(lax, areas["gap_class"], labelled=len(top))
    attribution(fig, [OGL_BOUNDARIES, _asset_attribution(result)])
    return png(fig)


def asset_map(result: Result, *, basemap: Basemap | None = None) -> bytes:
    """Community assets by category over the area's small areas (and basemap tiles)."""
    areas = result.areas
    fig, ax, lax = canvas()
    fill = "none" if basemap is not None else "#f4f4f1"
    draw_areas(ax, areas, [fill] * len(areas), edge="#c8c8c8", width=0.3)
    outline(ax, areas)
    assets = result.assets
    colours = category_colours()
    items = []
    if len(assets):
        inside = assets["in_region"].fillna(False).astype(bool).to_numpy()
        found = set(assets["category"].astype(str))
        present = [c for c in category_labels() if c in found]
        extra = sorted(found - set(present))
        present += extra
        colours.update({c: USER_COLOURS[i % len(USER_COLOURS)] for i, c in enumerate(extra)})
        markers = category_markers(present)
        size = _marker_size(len(assets))
        for key in present:
            mask = (assets["category"] == key).to_numpy()
            marker = markers[key]
            for sel, alpha in ((mask & ~inside, 0.35), (mask & inside, 0.95)):
                if sel.any():
                    pts = assets.geometry[sel]
                    ax.scatter(
                        pts.x,
                        pts.y,
                        s=size,
                        c=colours.get(key, "#555555"),
                        marker=marker,
                        alpha=alpha,
                        edgecolors="#ffffff",
                        linewidths=0.25,
                        zorder=4,
                    )
            n_in = int((mask & inside).sum())
            label = f"{category_label(key)} ({n_in})"
            items.append((colours.get(key, "#555555"), marker, label))
    named = _frame(ax, areas, places=_places(result))
    tiles = basemap.draw(ax) if basemap is not None else ""
    if items:
        legend_dots(
            lax,
            "Community assets",
            "Category (number inside the area); faded: just outside, also counted",
            items,
        )
    else:
        lax.text(
            0.0,
            0.95,
            "No community assets were found\nin the sources used for this area.",
            fontsize=FONT + 1,
            va="top",
            transform=lax.transAxes,
        )
    attribution(fig, [OGL_BOUNDARIES, _asset_attribution(result), named, tiles])
    return png(fig)


def _asset_attribution(result: Result) -> str:
    """Who the assets drawn or counted come from, with ODbL attribution when OSM is used."""
    sources = set(result.assets["source"].astype(str)) if len(result.assets) else set()
    if not sources:
        return ""
    osm = False
    others = 0
    for rec in result.provenance:
        if rec.dataset in sources:
            if rec.licence.upper().startswith("ODBL") or "openstreetmap" in rec.attribution.lower():
                osm = True
            else:
                others += 1
    parts = []
    if osm:
        parts.append("Assets: © OpenStreetMap contributors, ODbL.")
    if others:
        parts.append("Other asset registers as listed in the sources appendix.")
    return " ".join(parts)


def _marker_size(n: int) -> float:
    if n > 3000:
        return 4.0
    if n > 1000:
        return 7.0
    if n > 300:
        return 11.0
    return 16.0


def _count(colours: pd.Series, colour: str) -> str:
    """`` (n)``: how many areas have this colour."""
    return f" ({int((colours == colour).sum())})"
