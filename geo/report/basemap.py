"""Basemap tiles under the report's asset map, when online (contextily), else none.

The report decides as the app does: tiles unless ``ATLAS_TILES`` says
``none`` (or ``off``, ``offline``, ``0``, ``false``, ``no``) or the atlas runs
offline (``ATLAS_OFFLINE``).  ``ATLAS_TILES`` may also be a tile address
template (``https://…/{z}/{x}/{y}.png``); otherwise OpenStreetMap's standard
tiles are used, with their attribution on the map.

Fetching tiles can fail (no network, a timeout, a refusal): the map is then
drawn without them, as offline, and :attr:`Basemap.failures` says why, for the
method appendix.  Nothing is fetched when tiles are off.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from geo.config import Settings

if TYPE_CHECKING:
    from matplotlib.axes import Axes

log = logging.getLogger(__name__)

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "Basemap: © OpenStreetMap contributors."
OFF = {"none", "off", "offline", "0", "false", "no"}


@dataclass
class Basemap:
    """Where tiles come from, and what went wrong fetching them (if anything)."""

    url: str = OSM_TILES
    attribution: str = OSM_ATTRIBUTION
    failures: list[str] = field(default_factory=list)

    def draw(self, ax: Axes) -> str:
        """Add the tiles under what ``ax`` shows; their attribution, or "" when none came.

        One tile is asked for first with a time limit (contextily itself waits
        as long as the network does), so a network that does not answer costs
        :data:`PROBE_TIMEOUT_S` seconds, once.
        """
        if self.failures:  # already failed in this report: do not wait again
            return ""
        try:
            _probe(self.url)
            import contextily

            contextily.add_basemap(
                ax, source=self.url, crs="EPSG:27700", attribution=False, zorder=0
            )
        except Exception as exc:  # no network, timeout, HTTP error, unreadable tile
            log.info("basemap tiles unavailable: %s", exc)
            self.failures.append(f"{type(exc).__name__}: {exc}"[:200])
            return ""
        return self.attribution

    def note(self) -> str:
        """The method appendix's note when tiles failed ("" when they did not)."""
        if not self.failures:
            return ""
        return (
            "Basemap tiles could not be fetched for the maps, so they show ward boundaries "
            f"only ({self.failures[0]})."
        )


#: Seconds to wait for the first tile before drawing the map without tiles.
PROBE_TIMEOUT_S = 5.0


def _probe(url: str) -> None:
    """Fetch the world tile (zoom 0), raising when it does not come in time."""
    import urllib.request

    from geo import __version__

    request = urllib.request.Request(
        url.format(z=0, x=0, y=0), headers={"User-Agent": f"belonging-atlas/{__version__}"}
    )
    with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT_S) as response:
        response.read(1)


def basemap_from_env(settings: Settings | None = None) -> Basemap | None:
    """The basemap the environment asks for, or ``None`` (tiles off or offline)."""
    choice = os.environ.get("ATLAS_TILES", "").strip()
    if choice.lower() in OFF:
        return None
    settings = settings or Settings.from_env()
    if settings.offline:
        return None
    if "{z}" in choice and "{x}" in choice and "{y}" in choice:
        return Basemap(url=choice, attribution="Basemap: tiles from " + choice.split("/{z}")[0])
    return Basemap()
