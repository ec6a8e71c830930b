"""The report's four maps, drawn beside the page layout when the machine allows.

Drawing the maps (matplotlib, about a second and a half for an authority)
and laying out the PDF (WeasyPrint) are both pure-Python work, so threads do
not overlap them.  :class:`ReportMaps` draws the maps in a child process
forked from this one: the child has the analysis already (nothing is pickled
but the PNG bytes coming back), and the caller writes the template values
and starts the layout meanwhile.  The PDF's map images are fetched only
when WeasyPrint reaches them, by then usually drawn.

A fork is made only where it is safe and useful: on Linux, in a process
with a single thread (the command line, a one-process batch, a benchmark)
and more than one CPU, unless the process is one of a pool of workers that
already shares out the CPUs (:func:`share_cpus`).  A multi-threaded process such as the app's server
draws the maps itself when they are first asked for, as does any process
where the child fails: the maps are then the same, only later.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from . import staticmaps
from .formatting import data_uri

if TYPE_CHECKING:
    from geo.pipeline import Result

    from .basemap import Basemap

#: The maps, in the report's order.
MAP_KEYS = ("risk", "access", "gaps", "assets")
#: The URL scheme of a map the PDF's fetcher resolves from :class:`ReportMaps`.
SCHEME = "report-map:"


_CPUS_SHARED = False


def share_cpus() -> None:
    """Draw maps in place from now on: this process is one of a pool that uses every CPU.

    The report batch's workers call it; a child per report there would only
    compete with the other workers (measured: 7.3 s per area with two
    workers forking, against 5.8 s with one).
    """
    global _CPUS_SHARED
    _CPUS_SHARED = True


def can_fork() -> bool:
    """Whether a child process may be forked here to draw the maps (see the module notes)."""
    return (
        not _CPUS_SHARED
        and sys.platform.startswith("linux")
        and threading.active_count() == 1
        and (os.cpu_count() or 1) > 1
    )


class ReportMaps:
    """The report maps of one analysis: being drawn in a child process, or drawn on demand.

    Parameters
    ----------
    result
        The analysis.
    basemap
        Tiles under the asset map (see :func:`geo.report.staticmaps.all_maps`).
    background
        Draw in a forked child: ``None`` (default) when :func:`can_fork`.
    """

    def __init__(
        self, result: Result, *, basemap: Basemap | None = None, background: bool | None = None
    ) -> None:
        self._result = result
        self._basemap = basemap
        self._maps: dict[str, bytes] | None = None
        self._conn: Connection | None = None
        self._child: multiprocessing.process.BaseProcess | None = None
        if background if background is not None else can_fork():
            self._start()

    def _start(self) -> None:
        fork = multiprocessing.get_context("fork")
        receive, send = fork.Pipe(duplex=False)
        result, basemap = self._result, self._basemap

        def draw() -> None:  # runs in the child, which has the analysis already
            receive.close()
            try:
                send.send(staticmaps.all_maps(result, basemap=basemap))
            except BaseException:  # the parent draws them itself then
                send.send(None)
            finally:
                send.close()

        child = fork.Process(target=draw, daemon=True)
        try:
            child.start()
        except OSError:  # no memory or process slots: draw here instead
            receive.close()
            send.close()
            return
        send.close()
        self._conn, self._child = receive, child

    @property
    def basemap(self) -> Basemap | None:
        """The tiles under the asset map, if any."""
        return self._basemap

    @property
    def background(self) -> bool:
        """Whether a child process is drawing (or drew) the maps."""
        return self._child is not None

    def url(self, key: str) -> str:
        """The address the report template gives the PDF for map ``key``."""
        return SCHEME + key

    def png(self, key: str) -> bytes:
        """Map ``key`` as PNG bytes (waits for the child, or draws them all, the first time)."""
        return self.get()[key]

    def get(self) -> dict[str, bytes]:
        """Every map as PNG bytes, keyed as :data:`MAP_KEYS`."""
        if self._maps is None:
            self._maps = self._collect() or staticmaps.all_maps(self._result, basemap=self._basemap)
        return self._maps

    def close(self) -> None:
        """Stop a child whose maps were never asked for (nothing to do otherwise)."""
        conn, child = self._conn, self._child
        self._conn = None
        if conn is not None:
            conn.close()
        if child is not None and child.is_alive():
            child.terminate()
            child.join()

    def __enter__(self) -> ReportMaps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _collect(self) -> dict[str, bytes] | None:
        conn, child = self._conn, self._child
        if conn is None or child is None:
            return None
        self._conn = None
        try:
            maps = conn.recv()
        except (EOFError, OSError):  # the child died before sending
            maps = None
        finally:
            conn.close()
            child.join()
        return maps if isinstance(maps, dict) else None


def drawn(values: dict[str, Any]) -> dict[str, Any]:
    """Template values whose maps are all ``data:`` URIs (waits for maps being drawn).

    Values made with :class:`ReportMaps` (``values["map_source"]``) point to
    the maps by :data:`SCHEME` URLs; the HTML and Word editions embed them.
    """
    source = values.get("map_source")
    if not isinstance(source, ReportMaps):
        return values
    maps = [dict(m, src=data_uri(source.png(m["key"]))) for m in values["maps"]]
    return {**values, "maps": maps, "map_source": None}
