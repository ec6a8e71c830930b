"""Legends of the report's static maps: colour boxes, category markers, the 3×3 grid."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import pandas as pd
from matplotlib.patches import Rectangle

from geo.gaps import BIVARIATE_COLOURS, CLASS_LABELS
from geo.sources.taxonomy import category_labels

from .mapcanvas import FONT, wrap
from .mapoverlays import RISK_HATCHES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _legend_title(lax: Axes, title: str, subtitle: str) -> float:
    lax.text(0.0, 1.0, title, fontsize=FONT + 1.3, fontweight="bold", va="top")
    lines = wrap(subtitle, 40)
    lax.text(0.0, 0.935, "\n".join(lines), fontsize=FONT - 0.5, va="top", color="#333333")
    return 0.935 - 0.045 * len(lines) - 0.025


def legend_boxes(lax: Axes, title: str, subtitle: str, items: Sequence[tuple[str, str]]) -> None:
    """A title, a subtitle and one colour box per ``(colour, label)`` item."""
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


def legend_dots(
    lax: Axes, title: str, subtitle: str, items: Sequence[tuple[str, str, str]]
) -> None:
    """A title, a subtitle and one marker per ``(colour, marker, label)`` item."""
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


def bivariate_legend(lax: Axes, classes: pd.Series, *, labelled: int) -> None:
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
    fig_w, fig_h = cast("Figure", lax.figure).get_size_inches()  # legends sit on a Figure
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
            if RISK_HATCHES.get(r):
                lax.add_patch(
                    Rectangle(
                        (x, y),
                        cell_w,
                        cell_h,
                        facecolor="none",
                        edgecolor="#000000",
                        linewidth=0.0,
                        hatch=RISK_HATCHES[r],
                        alpha=0.3,
                        zorder=2.5,
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
    _bivariate_axes(lax, left, top, bottom, cell_w, cell_h)
    _bivariate_notes(lax, bottom - 0.13, labelled)


def _bivariate_axes(
    lax: Axes, left: float, top: float, bottom: float, cell_w: float, cell_h: float
) -> None:
    arrow = {"arrowstyle": "->", "lw": 0.7}
    lax.annotate("", xy=(left + 3 * cell_w, bottom - 0.03), xytext=(left, bottom - 0.03),
                 arrowprops=arrow)  # fmt: skip
    lax.text(left + 1.5 * cell_w, bottom - 0.045, "access (low → high)", ha="center",
             va="top", fontsize=FONT - 0.5)  # fmt: skip
    lax.annotate("", xy=(left - 0.04, top), xytext=(left - 0.04, bottom), arrowprops=arrow)
    lax.text(left - 0.065, bottom + 1.5 * cell_h, "risk (low → high)", ha="right",
             va="center", rotation=90, fontsize=FONT - 0.5)  # fmt: skip


def _bivariate_notes(lax: Axes, y: float, labelled: int) -> None:
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
        hatch = RISK_HATCHES.get(int(code[0]))
        if hatch:
            lax.add_patch(
                Rectangle(
                    (0.0, y - 0.02),
                    0.07,
                    0.04,
                    facecolor="none",
                    edgecolor="#000000",
                    linewidth=0.0,
                    hatch=hatch,
                    alpha=0.3,
                )
            )
        lax.text(0.1, y, text, fontsize=FONT - 0.5, va="center")
        y -= 0.055
    if labelled:
        lax.text(
            0.0,
            y - 0.005,
            "\n".join(
                wrap(
                    f"Outlined: priority gap areas. Numbers 1–{labelled}: the priority "
                    "areas in order, as in the table. Hatching shows risk (none low, dots "
                    "middle, lines high) for greyscale printing. Grey lines: wards.",
                    46,
                )
            ),
            fontsize=FONT - 0.5,
            va="top",
            color="#333333",
        )
