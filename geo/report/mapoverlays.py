"""What lets people place a report map: ward lines and names, hatching, island insets.

* :func:`ward_overlay` draws electoral ward boundaries (the small areas
  dissolved by the ward the ONS best-fit lookup gives them, so the lines sit
  exactly on LSOA edges) and, optionally, the ward names with a white halo.
* :func:`hatch_by_risk` adds a hatch to the risk terciles of the gap map, so
  its nine classes stay apart when printed in greyscale: risk reads from the
  hatch (none, dots, diagonal lines), access from the lightness.
* :func:`main_bounds` and :func:`island_inset`: an area whose land includes an
  outlying island (Lundy in Torridge) is drawn at the scale of its main body,
  with the island in a small inset, instead of shrinking the whole map.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.collections import PathCollection

from geo.present.geometry import polygonal
from geo.present.wards import ward_shapes

from .mapcanvas import FONT, _polygon_paths

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WARD_LINE = "#4d4d4d"
#: Hatches for risk terciles 1 (low), 2 and 3 (high) on the gap map.
RISK_HATCHES = {1: "", 2: "....", 3: "//////"}
#: A land part further than this from the main body, and small, is an outlying island.
ISLAND_GAP_M = 5000.0
ISLAND_SHARE = 0.05
HALO = [patheffects.withStroke(linewidth=1.6, foreground="#ffffff")]


def ward_overlay(ax: Axes, areas: gpd.GeoDataFrame, *, names: bool = False) -> int:
    """Draw ward boundaries (and names); return how many wards were drawn."""
    shapes = ward_shapes(areas)
    if len(shapes) < 2:
        return 0
    for geom in shapes.geometry:
        for line in shapely.get_parts(shapely.boundary(geom)):
            for part in shapely.get_parts(line):
                xy = np.asarray(part.coords)
                ax.plot(xy[:, 0], xy[:, 1], color=WARD_LINE, lw=0.55, zorder=4.5)
    if names:
        _ward_names(ax, shapes)
    return len(shapes)


def _ward_names(ax: Axes, shapes: gpd.GeoDataFrame) -> None:
    """Ward names, largest wards first; a name that would crowd one already placed is left out."""
    size = FONT - 2.2 if len(shapes) > 25 else FONT - 1.6
    x0, y0, x1, y1 = shapes.total_bounds
    spacing = max(x1 - x0, y1 - y0) * 0.055
    placed: list[tuple[float, float]] = []
    order = shapes.assign(_area=shapes.geometry.area).sort_values("_area", ascending=False)
    for ward, geom in zip(order["ward"], order.geometry, strict=True):
        point = geom.representative_point() if geom is not None else None
        if point is None or point.is_empty:
            continue
        if any(abs(point.x - px) < 1.6 * spacing and abs(point.y - py) < spacing
               for px, py in placed):  # fmt: skip
            continue
        placed.append((point.x, point.y))
        ax.text(
            point.x,
            point.y,
            _wrap_name(ward),
            ha="center",
            va="center",
            fontsize=size,
            color="#1a1a1a",
            zorder=5.5,
            path_effects=HALO,
            linespacing=1.0,
        )


def _wrap_name(name: str) -> str:
    if len(name) <= 14 or " " not in name:
        return name
    words = name.split()
    half = len(words) // 2 or 1
    return " ".join(words[:half]) + "\n" + " ".join(words[half:])


def hatch_by_risk(ax: Axes, areas: gpd.GeoDataFrame) -> None:
    """Hatch each area by its risk tercile (greyscale-safe classes)."""
    if "risk_tercile" not in areas:
        return
    tercile = areas["risk_tercile"]
    for level, hatch in RISK_HATCHES.items():
        if not hatch:
            continue
        chosen = areas[(tercile == level).fillna(False).to_numpy(dtype=bool)]
        if not len(chosen):
            continue
        collection = PathCollection(
            _polygon_paths(polygonal(chosen.geometry.values)),
            facecolors="none",
            edgecolors="#000000",
            linewidths=0.0,
            hatch=hatch,
            zorder=1.5,
            alpha=0.3,
        )
        ax.add_collection(collection)


def _parts(areas: gpd.GeoDataFrame) -> list[shapely.Geometry]:
    whole = shapely.union_all(polygonal(areas.geometry.values))
    return [p for p in shapely.get_parts(whole) if not p.is_empty]


def split_islands(
    areas: gpd.GeoDataFrame,
) -> tuple[tuple[float, float, float, float], list[shapely.Geometry]]:
    """The bounds of the main body of land and the outlying islands, if any."""
    parts = _parts(areas)
    if len(parts) < 2:
        return tuple(float(b) for b in areas.total_bounds), []  # type: ignore[return-value]
    total = sum(p.area for p in parts)
    main = max(parts, key=lambda p: p.area)
    body = [main]
    islands: list[Any] = []
    for part in parts:
        if part is main:
            continue
        far = part.distance(main) > ISLAND_GAP_M
        small = part.area < ISLAND_SHARE * total
        (islands if far and small else body).append(part)
    bounds = shapely.union_all(body).bounds
    return tuple(float(b) for b in bounds), islands  # type: ignore[return-value]


def island_inset(ax: Axes, islands: Sequence[shapely.Geometry]) -> Axes | None:
    """A small inset in the upper left showing the outlying islands, drawn as the map is."""
    if not islands:
        return None
    inset = ax.inset_axes((0.01, 0.66, 0.2, 0.28))
    for collection in ax.collections:
        if not isinstance(collection, PathCollection):
            continue
        if len(collection.get_sizes()):  # a scatter layer
            _copy_points(inset, collection)
            continue
        inset.add_collection(
            PathCollection(
                collection.get_paths(),
                facecolors=collection.get_facecolor(),
                edgecolors=collection.get_edgecolor(),
                linewidths=collection.get_linewidth(),
                hatch=collection.get_hatch(),
            )
        )
    for line in ax.lines:
        inset.plot(*line.get_data(), color=line.get_color(), lw=line.get_linewidth())
    x0, y0, x1, y1 = shapely.union_all(list(islands)).bounds
    pad = max(x1 - x0, y1 - y0) * 0.25 + 200
    inset.set_xlim(x0 - pad, x1 + pad)
    inset.set_ylim(y0 - pad, y1 + pad)
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("#ffffff")
    inset.set_zorder(10)
    for spine in inset.spines.values():
        spine.set_linewidth(0.6)
    inset.set_title("Island (enlarged)", fontsize=FONT - 2, pad=1.5)
    return inset


def _copy_points(inset: Axes, collection: PathCollection) -> None:
    """Copy a scatter layer (asset symbols) into the inset."""
    offsets = np.asarray(collection.get_offsets())
    if not len(offsets):
        return
    inset.scatter(
        offsets[:, 0],
        offsets[:, 1],
        s=collection.get_sizes(),
        c=collection.get_facecolor(),
        linewidths=0,
    )


#: At most this many place names on a map.
PLACE_LABELS = 8


def place_labels(
    ax: Axes, places: gpd.GeoDataFrame | None, *, limit: int = PLACE_LABELS
) -> list[tuple[str, Any]]:
    """Name a few towns and villages: larger kinds first, none overlapping, all inside the map.

    Call once the map's extent is set.  Each label is a dot and a name with a
    white halo; a label whose box (in display units) would overlap one placed
    already, or leave the map, is left out.  Returns the names placed with
    their boxes.
    """
    if places is None or not len(places) or limit <= 0:
        return []
    from geo.sources.osm_places import PLACE_KINDS

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    shown = places.cx[x0:x1, y0:y1]
    rank = shown["kind"].map({k: i for i, k in enumerate(PLACE_KINDS)}).fillna(len(PLACE_KINDS))
    shown = shown.assign(_rank=rank).sort_values(["_rank", "name"], kind="stable")
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    placed: list[tuple[str, Any]] = []
    for name, kind, point in zip(shown["name"], shown["kind"], shown.geometry, strict=True):
        big = kind in ("city", "town")
        text = ax.annotate(
            str(name),
            (point.x, point.y),
            xytext=(3, 1),
            textcoords="offset points",
            fontsize=FONT - (0.6 if big else 1.6),
            fontweight="bold" if big else "normal",
            fontstyle="normal" if big else "italic",
            color="#000000",
            va="center",
            zorder=7,
            path_effects=HALO,
        )
        box = text.get_window_extent(renderer).expanded(1.08, 1.2)
        inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
        if not inside or any(box.overlaps(other) for _, other in placed):
            text.remove()
            continue
        ax.plot([point.x], [point.y], marker="o", ms=1.8, color="#000000", zorder=7)
        placed.append((str(name), box))
        if len(placed) == limit:
            break
    return placed
