"""Drawing the report's static maps: the figure, the areas, scale bar, north arrow, labels.

Only the object-oriented matplotlib API is used (``Figure`` + Agg canvas,
never ``pyplot``), so maps can be drawn from several threads of a web server
and no window system is needed.  Polygons are drawn as one
``PathCollection`` per map, after the same repair as the app's maps
(:func:`geo.present.geometry.polygonal`: invalid polygons made valid, only
polygonal parts kept).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.path import Path
from PIL import Image as PILImage

from geo.present.geometry import polygonal

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Figure size in inches: two maps fit one A4 page with their captions.
FIGSIZE = (7.0, 4.35)
DPI = 170
#: Where the map and its legend sit in the figure (left, bottom, width, height).
MAP_BOX = (0.005, 0.075, 0.665, 0.92)
LEGEND_BOX = (0.685, 0.075, 0.31, 0.92)
EDGE = "#ffffff"
OUTLINE = "#222222"
FONT = 7.0


def canvas() -> tuple[Figure, Axes, Axes]:
    """A figure with the map's axes and the legend's (axes switched off)."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI, facecolor="#ffffff")
    FigureCanvasAgg(fig)
    ax = fig.add_axes(MAP_BOX)
    lax = fig.add_axes(LEGEND_BOX)
    lax.set_axis_off()
    lax.set_xlim(0, 1)
    lax.set_ylim(0, 1)
    return fig, ax, lax


def _polygon_paths(geoms: Iterable[object]) -> list[Path]:
    """One compound path per (multi)polygon, holes included."""
    paths = []
    for geom in geoms:
        rings: list[np.ndarray] = []
        if geom is not None and not shapely.is_empty(geom):
            for part in shapely.get_parts(geom):
                if shapely.get_type_id(part) != 3:  # polygons only
                    continue
                rings.append(np.asarray(part.exterior.coords)[:, :2])
                rings.extend(np.asarray(r.coords)[:, :2] for r in part.interiors)
        if not rings:
            paths.append(Path(np.empty((0, 2))))
            continue
        verts = np.concatenate(rings)
        codes = np.full(len(verts), Path.LINETO, dtype=Path.code_type)
        start = 0
        for ring in rings:
            codes[start] = Path.MOVETO
            codes[start + len(ring) - 1] = Path.CLOSEPOLY
            start += len(ring)
        paths.append(Path(verts, codes))
    return paths


def draw_areas(
    ax: Axes,
    areas: gpd.GeoDataFrame,
    colours: Sequence[str],
    *,
    edge: str = EDGE,
    width: float = 0.25,
    z: int = 1,
) -> None:
    """Fill the areas with one colour each, as a single path collection."""
    paths = _polygon_paths(polygonal(areas.geometry.values))
    collection = PathCollection(
        paths, facecolors=list(colours), edgecolors=edge, linewidths=width, zorder=z
    )
    ax.add_collection(collection)


def outline(ax: Axes, areas: gpd.GeoDataFrame) -> None:
    """Draw the outline of the whole region (the union of its areas)."""
    geoms = polygonal(areas.geometry.values)
    try:
        whole = shapely.coverage_union_all(geoms)
    except Exception:
        whole = shapely.union_all(geoms)
    boundary = shapely.get_parts(shapely.boundary(whole))
    for line in boundary:
        for part in shapely.get_parts(line):
            xy = np.asarray(part.coords)
            ax.plot(xy[:, 0], xy[:, 1], color=OUTLINE, lw=0.8, zorder=5, solid_joinstyle="round")


def decorate(ax: Axes, areas: gpd.GeoDataFrame, *, bounds: Sequence[float] | None = None) -> None:
    """Fit the view to the areas (or ``bounds``), hide the axes, add scale bar and north arrow."""
    _fit(ax, areas.total_bounds if bounds is None else bounds)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#bbbbbb")
        spine.set_linewidth(0.5)
    scale_bar(ax)
    _north_arrow(ax)


def _fit(ax: Axes, bounds: Sequence[float], margin: float = 0.04) -> None:
    """Limits that contain ``bounds`` and fill the axes box at equal scale."""
    x0, y0, x1, y1 = (float(b) for b in bounds)
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    x0, x1, y0, y1 = x0 - w * margin, x1 + w * margin, y0 - h * margin, y1 + h * margin
    w, h = x1 - x0, y1 - y0
    fig_w, fig_h = cast(Figure, ax.figure).get_size_inches()  # maps are drawn on a Figure
    box = ax.get_position()
    box_ratio = (box.width * fig_w) / (box.height * fig_h)
    if w / h < box_ratio:  # too tall: widen
        extra = h * box_ratio - w
        x0, x1 = x0 - extra / 2, x1 + extra / 2
    else:
        extra = w / box_ratio - h
        y0, y1 = y0 - extra / 2, y1 + extra / 2
    # leave room at the bottom for the scale bar
    pad = (y1 - y0) * 0.06
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0 - pad, y1)


def nice_length(target_m: float) -> float:
    """A round scale-bar length (metres) no longer than ``target_m``."""
    if target_m <= 0 or not math.isfinite(target_m):
        return 1000.0
    exponent = math.floor(math.log10(target_m))
    for step in (5, 2.5, 2, 1):
        length = step * 10**exponent
        if length <= target_m:
            return float(length)
    return float(10 ** (exponent - 1) * 5)


def scale_bar(ax: Axes, *, fraction: float = 0.25) -> float:
    """Draw a two-segment scale bar in the lower left; return its length in metres."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length((x1 - x0) * fraction)
    height = (y1 - y0) * 0.012
    left = x0 + (x1 - x0) * 0.03
    bottom = y0 + (y1 - y0) * 0.035
    half = length / 2
    ax.add_patch(
        Rectangle(
            (left - (x1 - x0) * 0.01, bottom - height * 1.2),
            length + (x1 - x0) * 0.03,
            height * 5.2,
            facecolor="#ffffff",
            alpha=0.8,
            edgecolor="none",
            zorder=7,
        )
    )
    for i, colour in enumerate(("#000000", "#ffffff")):
        ax.add_patch(
            Rectangle(
                (left + i * half, bottom),
                half,
                height,
                facecolor=colour,
                edgecolor="#000000",
                linewidth=0.5,
                zorder=8,
            )
        )
    for dx, text in ((0, "0"), (half, _km(half)), (length, _km(length) + " km")):
        ax.text(
            left + dx,
            bottom + height * 1.6,
            text,
            ha="center",
            va="bottom",
            fontsize=FONT - 0.5,
            zorder=9,
        )
    return length


def _km(metres: float) -> str:
    km = metres / 1000
    return f"{km:g}"


def _north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.965, 0.955),
        xytext=(0.965, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=FONT,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#000000", "lw": 0.8},
        zorder=9,
    )


def attribution(fig: Figure, lines: Sequence[str]) -> None:
    """The data attribution lines, wrapped, along the bottom of the figure."""
    text = "  ".join(line for line in dict.fromkeys(lines) if line)
    fig.text(
        0.005,
        0.008,
        "\n".join(wrap(text, 170)),
        fontsize=FONT - 1.8,
        color="#444444",
        ha="left",
        va="bottom",
        linespacing=1.3,
    )


def label_positions(
    points: Sequence[tuple[float, float]], spacing: float
) -> list[tuple[float, float]]:
    """Where to put labels so none is closer than ``spacing`` to another.

    Each label stays on its point when it can; otherwise it moves to the
    nearest free spot on rings around the point (eight directions, growing
    radius), in the order given (so the first labels keep their places).
    """
    placed: list[tuple[float, float]] = []
    angles = np.radians(np.arange(0, 360, 45) + 90)
    for x, y in points:
        candidates = [(x, y)]
        for ring in (1.05, 1.6, 2.2, 2.9):
            r = spacing * ring
            candidates += [(x + r * np.cos(a), y + r * np.sin(a)) for a in angles]
        best = candidates[-1]
        for cx, cy in candidates:
            if all(math.hypot(cx - px, cy - py) >= spacing for px, py in placed):
                best = (cx, cy)
                break
        placed.append((float(best[0]), float(best[1])))
    return placed


LEADER = {"arrowstyle": "-", "lw": 0.6, "color": "#000000", "shrinkA": 0, "shrinkB": 0}


def rank_labels(ax: Axes, ranks: Sequence[object], points: Sequence[tuple[float, float]]) -> None:
    """Priority ranks in boxes, moved apart where they would overlap, with leader lines."""
    x0, x1 = ax.get_xlim()
    spacing = (x1 - x0) * 0.042
    for rank, (x, y), (lx, ly) in zip(ranks, points, label_positions(points, spacing), strict=True):
        moved = math.hypot(lx - x, ly - y) > 1e-9
        ax.annotate(
            f"{int(rank)}",  # type: ignore[call-overload]  # ranks are numbers
            (x, y),
            xytext=(lx, ly),
            textcoords="data",
            ha="center",
            va="center",
            fontsize=FONT - 1,
            fontweight="bold",
            color="#000000",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.15", "fc": "#ffffff", "ec": "#000000", "lw": 0.5},
            arrowprops=LEADER if moved else None,
        )
        if moved:
            ax.plot([x], [y], marker="o", ms=1.6, color="#000000", zorder=6)


def wrap(text: str, width: int) -> list[str]:
    """Words of ``text`` in lines of at most ``width`` characters (a long word alone)."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines


def png(fig: Figure) -> bytes:
    """The figure as an opaque RGB PNG (the background is white: no alpha channel to carry).

    Without an alpha channel the PNG is a tenth smaller and WeasyPrint embeds
    it in the PDF as one image rather than splitting off a transparency mask.
    """
    fig.set_facecolor("#ffffff")
    canvas = fig.canvas
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())  # type: ignore[attr-defined]
    buf = io.BytesIO()
    PILImage.fromarray(rgba[..., :3]).save(buf, format="PNG", dpi=(DPI, DPI))
    return buf.getvalue()
