"""Before/after maps of a scenario for the report: the gap classes with the proposals marked.

:func:`scenario_maps` draws the nine risk × access classes of the analysis as
it is and with the scenario applied, on the same canvas, legend and
decorations as the report's gap map (:mod:`geo.report.mapcanvas`,
:mod:`geo.report.maplegends`), so the two can be printed side by side.
Proposed openings are drawn as red stars, closures as dark crosses, on both
maps so the reader sees where the change is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .mapcanvas import attribution, canvas, decorate, png
from .maplegends import bivariate_legend
from .mapoverlays import island_inset, split_islands, ward_overlay
from .staticmaps import OGL_BOUNDARIES, draw_gap_classes

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from geo.planning import Scenario
    from geo.result import Result

#: How each action is marked: (marker, colour, legend label).
MARKS = {
    "open": ("*", "#d7191c", "proposed place (opens)"),
    "close": ("X", "#333333", "place closed"),
}


def scenario_maps(plan: Scenario) -> dict[str, bytes]:
    """PNG bytes of the gap classes ``before`` and ``after`` the scenario."""
    return {
        "before": scenario_gap_map(plan.before, plan.proposals, "Before"),
        "after": scenario_gap_map(plan.after, plan.proposals, "After"),
    }


def scenario_gap_map(result: Result, proposals: gpd.GeoDataFrame, title: str) -> bytes:
    """The gap classes of ``result``, priority gaps outlined, the proposals marked."""
    areas = result.areas
    fig, ax, lax = canvas()
    priority = draw_gap_classes(ax, areas)
    ward_overlay(ax, areas)
    bounds, islands = split_islands(areas)
    decorate(ax, areas, bounds=bounds)
    island_inset(ax, islands)
    mark_proposals(ax, proposals.to_crs(areas.crs))
    ax.set_title(f"{title}: {len(priority):,} priority gap areas", fontsize=8, loc="left")
    bivariate_legend(lax, areas["gap_class"], labelled=0)
    attribution(fig, [OGL_BOUNDARIES, "Proposed places and closures: the scenario's."])
    return png(fig)


def mark_proposals(ax: Axes, proposals: gpd.GeoDataFrame) -> None:
    """Stars where places open, crosses where they close, with a small key."""
    for action, (marker, colour, label) in MARKS.items():
        chosen = proposals[proposals["action"] == action]
        if len(chosen):
            ax.scatter(
                chosen.geometry.x,
                chosen.geometry.y,
                s=90 if marker == "*" else 45,
                marker=marker,
                c=colour,
                edgecolors="#ffffff",
                linewidths=0.6,
                zorder=7,
                label=label,
            )
    if len(proposals):
        ax.legend(loc="lower left", fontsize=6, frameon=True, framealpha=0.85, borderpad=0.4)
