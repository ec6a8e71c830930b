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
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.path import Path

from geo.gaps import BIVARIATE_COLOURS, CLASS_LABELS
from geo.present.classes import Classes, access_classes, risk_classes, risk_decile_column
from geo.present.geometry import polygonal
from geo.present.labels import category_label, model_label
from geo.present.palettes import NO_DATA, RISK_COLOURS
from geo.sources.taxonomy import category_colours, category_labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from geo.pipeline import Result

#: Figure size in inches: two maps fit one A4 page with their captions.
FIGSIZE = (7.0, 4.35)
DPI = 170
#: Where the map and its legend sit in the figure (left, bottom, width, height).
MAP_BOX = (0.005, 0.075, 0.665, 0.92)
LEGEND_BOX = (0.685, 0.075, 0.31, 0.92)
#: Colours for uploaded (user_…) asset categories, which the taxonomy does not colour.
USER_COLOURS = ("#000000", "#666666", "#b15928", "#fb9a99", "#cab2d6", "#ffff99")
EDGE = "#ffffff"
OUTLINE = "#222222"
FONT = 7.0

OGL_BOUNDARIES = (
    "Boundaries: ONS, OGL v3.0; contains OS data © Crown copyright and database right 2021."
)


# ---------------------------------------------------------------------------
# Public builders
# ---------------------------------------------------------------------------


def all_maps(result: Result) -> dict[str, bytes]:
    """Every report map as PNG bytes, keyed ``risk``, ``access``, ``gaps``, ``assets``."""
    return {
        "risk": risk_map(result),
        "access": access_map(result),
        "gaps": gap_map(result),
        "assets": asset_map(result),
    }


def risk_map(result: Result) -> bytes:
    """Loneliness-risk deciles (1 = highest risk), coloured as on the app's map."""
    areas = result.areas
    shown = risk_classes(areas, model=result.parameters.model)
    fig, ax, lax = _canvas()
    _draw_areas(ax, areas, list(shown.colour))
    _outline(ax, areas)
    _decorate(ax, areas)
    scope = "England" if risk_decile_column(areas) == "risk_decile_national" else "this area"
    model = model_label(result.parameters.model, short=True)
    items = [
        (c, f"{i + 1}" + (" highest risk" if i == 0 else "") + _count(shown.colour, c))
        for i, c in enumerate(RISK_COLOURS)
    ]
    items[-1] = (RISK_COLOURS[-1], "10 lowest risk" + _count(shown.colour, RISK_COLOURS[-1]))
    if (shown.colour == NO_DATA).any():
        items.append((NO_DATA, "no value" + _count(shown.colour, NO_DATA)))
    _legend_boxes(
        lax, f"Loneliness risk, {model}", f"Decile within {scope} (areas in brackets)", items
    )
    _attribution(fig, [OGL_BOUNDARIES, "Risk: Census 2021 and IoD (ONS, MHCLG), OGL v3.0."])
    return _png(fig)


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
    fig, ax, lax = _canvas()
    _draw_areas(ax, areas, list(shown.colour))
    _outline(ax, areas)
    _decorate(ax, areas)
    items = [(c, label + _count(shown.colour, c)) for c, label in shown.legend]
    if (shown.colour == NO_DATA).any():
        items.append((NO_DATA, "no value" + _count(shown.colour, NO_DATA)))
    catch = result.parameters.catchment_m / 1000
    _legend_boxes(
        lax,
        "Access to community assets",
        f"Assets per 1,000 residents within {catch:g} km, distance-weighted (E2SFCA); "
        "fifths of the areas here with some access (areas in brackets)",
        items,
    )
    _attribution(fig, [OGL_BOUNDARIES, _asset_attribution(result)])
    return _png(fig)


def gap_map(result: Result, *, label_top: int = 10) -> bytes:
    """The nine risk × access classes; priority gaps outlined, top ranks labelled."""
    areas = result.areas
    colours = [
        BIVARIATE_COLOURS.get(c, NO_DATA) if isinstance(c, str) else NO_DATA
        for c in areas["gap_class"]
    ]
    fig, ax, lax = _canvas()
    _draw_areas(ax, areas, colours)
    priority = areas[areas["is_priority"].fillna(False).astype(bool)]
    if len(priority):
        _draw_areas(ax, priority, ["none"] * len(priority), edge="#000000", width=1.1, z=3)
    _outline(ax, areas)
    top = priority.sort_values("priority_rank").head(label_top)
    _decorate(ax, areas)
    points = top.geometry.representative_point()
    _rank_labels(ax, list(top["priority_rank"]), [(p.x, p.y) for p in points])
    _bivariate_legend(lax, areas["gap_class"], labelled=len(top))
    _attribution(fig, [OGL_BOUNDARIES, _asset_attribution(result)])
    return _png(fig)


def asset_map(result: Result) -> bytes:
    """Community assets by category over the area's small areas."""
    areas = result.areas
    fig, ax, lax = _canvas()
    _draw_areas(ax, areas, ["#f4f4f1"] * len(areas), edge="#c8c8c8", width=0.3)
    _outline(ax, areas)
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
    _decorate(ax, areas)
    if items:
        _legend_dots(
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
    _attribution(fig, [OGL_BOUNDARIES, _asset_attribution(result)])
    return _png(fig)


# ---------------------------------------------------------------------------
# Drawing helpers
# ---------------------------------------------------------------------------


def _canvas() -> tuple[Figure, Axes, Axes]:
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


def _draw_areas(
    ax: Axes,
    areas: gpd.GeoDataFrame,
    colours: Sequence[str],
    *,
    edge: str = EDGE,
    width: float = 0.25,
    z: int = 1,
) -> None:
    paths = _polygon_paths(polygonal(areas.geometry.values))
    collection = PathCollection(
        paths, facecolors=list(colours), edgecolors=edge, linewidths=width, zorder=z
    )
    ax.add_collection(collection)


def _outline(ax: Axes, areas: gpd.GeoDataFrame) -> None:
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


def _decorate(ax: Axes, areas: gpd.GeoDataFrame) -> None:
    """Fit the view to the areas, hide the axes, add scale bar and north arrow."""
    _fit(ax, areas.total_bounds)
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
    fig_w, fig_h = ax.figure.get_size_inches()
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


def _attribution(fig: Figure, lines: Sequence[str]) -> None:
    text = "  ".join(line for line in dict.fromkeys(lines) if line)
    fig.text(
        0.005,
        0.008,
        "\n".join(_wrap(text, 170)),
        fontsize=FONT - 1.8,
        color="#444444",
        ha="left",
        va="bottom",
        linespacing=1.3,
    )


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


def _legend_title(lax: Axes, title: str, subtitle: str) -> float:
    lax.text(0.0, 1.0, title, fontsize=FONT + 1.3, fontweight="bold", va="top")
    lines = _wrap(subtitle, 40)
    lax.text(0.0, 0.935, "\n".join(lines), fontsize=FONT - 0.5, va="top", color="#333333")
    return 0.935 - 0.045 * len(lines) - 0.025


def _legend_boxes(lax: Axes, title: str, subtitle: str, items: Sequence[tuple[str, str]]) -> None:
    y = _legend_title(lax, title, subtitle)
    step = min(0.062, (y - 0.02) / max(len(items), 1))
    for colour, label in items:
        lax.add_patch(
            Rectangle(
                (0.0, y - step * 0.8),
                0.09,
                step * 0.75,
                facecolor=colour,
                edgecolor="#777777",
                linewidth=0.4,
            )
        )
        lax.text(0.12, y - step * 0.42, label, fontsize=FONT, va="center")
        y -= step


def _legend_dots(
    lax: Axes, title: str, subtitle: str, items: Sequence[tuple[str, str, str]]
) -> None:
    y = _legend_title(lax, title, subtitle)
    step = min(0.062, (y - 0.02) / max(len(items), 1))
    for colour, marker, label in items:
        lax.scatter(
            [0.045], [y - step * 0.42], s=26, c=colour, marker=marker, edgecolors="#ffffff", lw=0.3
        )
        lax.text(0.12, y - step * 0.42, label, fontsize=FONT, va="center")
        y -= step


#: One marker shape per category (by taxonomy order), so categories differ in shape
#: as well as colour (several taxonomy colours are close, and for colour-blind readers).
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "p", "h", "<", ">", "*", "d", "H")


def category_markers(keys: Sequence[str]) -> dict[str, str]:
    """The marker of each category: fixed for taxonomy categories, then in turn."""
    order = {key: i for i, key in enumerate(category_labels())}
    out = {}
    spare = len(order)
    for key in keys:
        index = order.get(key)
        if index is None:
            index, spare = spare, spare + 1
        out[key] = MARKERS[index % len(MARKERS)]
    return out


def _bivariate_legend(lax: Axes, classes: pd.Series, *, labelled: int) -> None:
    """The 3×3 grid: risk up the side, access along the bottom; counts in cells."""
    lax.text(0.0, 1.0, "Risk × access", fontsize=FONT + 1.3, fontweight="bold", va="top")
    lax.text(
        0.0,
        0.935,
        "Terciles within this area (areas per class)",
        fontsize=FONT - 0.5,
        va="top",
        color="#333333",
    )
    counts = classes.value_counts()
    box = lax.get_position()
    fig_w, fig_h = lax.figure.get_size_inches()
    cell_w = 0.17
    cell_h = cell_w * (box.width * fig_w) / (box.height * fig_h)  # square cells
    left, top = 0.2, 0.87
    bottom = top - 3 * cell_h
    for r in (3, 2, 1):
        for a in (1, 2, 3):
            code = f"{r}-{a}"
            x = left + (a - 1) * cell_w
            y = top - (4 - r) * cell_h
            priority = code == "3-1"
            lax.add_patch(
                Rectangle(
                    (x, y),
                    cell_w,
                    cell_h,
                    facecolor=BIVARIATE_COLOURS[code],
                    edgecolor="#000000" if priority else "#ffffff",
                    linewidth=1.2 if priority else 0.6,
                    zorder=3 if priority else 2,
                )
            )
            dark = code in ("3-1", "3-2", "2-1", "3-3")
            lax.text(
                x + cell_w / 2,
                y + cell_h / 2,
                str(int(counts.get(code, 0))),
                ha="center",
                va="center",
                fontsize=FONT - 0.5,
                color="#ffffff" if dark else "#000000",
                zorder=4,
            )
    arrow = {"arrowstyle": "->", "lw": 0.7}
    lax.annotate("", xy=(left + 3 * cell_w, bottom - 0.03), xytext=(left, bottom - 0.03),
                 arrowprops=arrow)  # fmt: skip
    lax.text(left + 1.5 * cell_w, bottom - 0.045, "access (low → high)", ha="center",
             va="top", fontsize=FONT - 0.5)  # fmt: skip
    lax.annotate("", xy=(left - 0.04, top), xytext=(left - 0.04, bottom), arrowprops=arrow)
    lax.text(left - 0.065, bottom + 1.5 * cell_h, "risk (low → high)", ha="right",
             va="center", rotation=90, fontsize=FONT - 0.5)  # fmt: skip
    y = bottom - 0.13
    notes = [
        ("3-1", "High risk, low access: priority gap"),
        ("3-3", CLASS_LABELS["3-3"]),
        ("1-1", CLASS_LABELS["1-1"]),
        ("1-3", CLASS_LABELS["1-3"]),
    ]
    for code, text in notes:
        lax.add_patch(
            Rectangle(
                (0.0, y - 0.02),
                0.07,
                0.04,
                facecolor=BIVARIATE_COLOURS[code],
                edgecolor="#000000" if code == "3-1" else "#999999",
                linewidth=0.8 if code == "3-1" else 0.4,
            )
        )
        lax.text(0.1, y, text, fontsize=FONT - 0.5, va="center")
        y -= 0.055
    if labelled:
        lax.text(
            0.0,
            y - 0.005,
            "\n".join(
                _wrap(
                    f"Outlined: priority gap areas. Numbers: the top {labelled} by "
                    "priority rank, as in the table.",
                    46,
                )
            ),
            fontsize=FONT - 0.5,
            va="top",
            color="#333333",
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


def _rank_labels(ax: Axes, ranks: Sequence[object], points: Sequence[tuple[float, float]]) -> None:
    """Priority ranks in boxes, moved apart where they would overlap, with leader lines."""
    x0, x1 = ax.get_xlim()
    spacing = (x1 - x0) * 0.042
    for rank, (x, y), (lx, ly) in zip(ranks, points, label_positions(points, spacing), strict=True):
        moved = math.hypot(lx - x, ly - y) > 1e-9
        ax.annotate(
            f"{int(rank)}",  # type: ignore[call-overload]
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


def _wrap(text: str, width: int) -> list[str]:
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


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="#ffffff")
    return buf.getvalue()
