"""The built-in demo: one real local authority that works with no data folder and no internet.

``data/demo/`` holds Rutland (E06000017) — every LSOA 2021 with its boundary,
lookup rows, population-weighted centroid, IoD2025 and bridged IoD2019
values, the Census 2021 tables the analysis uses, its community places
(OpenStreetMap and the registers that cover it), and the England indicator
table the analysis ranks against — all cut from the official files by
``python -m geo demo build`` (see :mod:`geo.demobuild` and
``data/demo/PROVENANCE.md``).  ``data/demo/sources.toml`` points every
dataset at those files, so the demo runs through the same loaders as any
other area.

The area names ``demo`` (and, within the demo, ``Rutland`` or its code)
select it.  :func:`use_demo_by_default` decides whether the app should open
on it: when no sources file is set, the shared data folder is absent and a
quick network probe (:func:`network_available`) fails.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path

from geo.config import DATA_DIR, PROJECT_ROOT, Settings

#: Folder of the demo's files, its sources file and the area it covers.
DEMO_DIR = DATA_DIR / "demo"
DEMO_SOURCES = DEMO_DIR / "sources.toml"
DEMO_AREA = "E06000017"
DEMO_NAME = "Rutland"
#: Area texts that mean "the built-in demo".
DEMO_NAMES = frozenset({"demo", "built-in demo"})

#: The banner every page shows while the demo is in use.
BANNER = (
    "Built-in demo: Rutland. Connect to the internet or give a sources file "
    "(ATLAS_SOURCES) to analyse other areas."
)

#: Hosts the probe tries (the data publishers the atlas downloads from).
PROBE_HOSTS: tuple[tuple[str, int], ...] = (
    ("services1.arcgis.com", 443),
    ("www.nomisweb.co.uk", 443),
)
#: Longest the probe may take in all, seconds.
PROBE_TIMEOUT_S = 2.0


def is_demo_area(text: str | None) -> bool:
    """Whether an area text asks for the built-in demo (``demo``, any case)."""
    return text is not None and str(text).strip().lower() in DEMO_NAMES


def is_demo(settings: Settings) -> bool:
    """Whether these settings read the built-in demo's sources file."""
    if settings.sources_file is None:
        return False
    return Path(settings.sources_file).resolve() == DEMO_SOURCES.resolve()


def demo_settings(settings: Settings | None = None) -> Settings:
    """Settings that read the built-in demo, offline (it needs nothing else).

    The cache folder and other fields of ``settings`` are kept.
    """
    base = settings or Settings()
    return base.replace(sources_file=DEMO_SOURCES, offline=True)


def shared_data_present(env: Mapping[str, str] | None = None) -> bool:
    """Whether the folder of real public data (the mirror) is where the project expects it."""
    env = os.environ if env is None else env
    folder = Path(env.get("ATLAS_SHARED_DATA") or PROJECT_ROOT.parent / "shared" / "data")
    return (folder / "SOURCES.md").is_file()


def network_available(
    hosts: tuple[tuple[str, int], ...] = PROBE_HOSTS, timeout: float = PROBE_TIMEOUT_S
) -> bool:
    """A quick check that the data publishers can be reached (at most ``timeout`` seconds).

    Tries a TCP connection to each host in turn, sharing the time budget; the
    first success answers ``True``.  Name lookups that fail fast (no network)
    answer ``False`` at once.
    """
    import time

    deadline = time.monotonic() + timeout
    for host, port in hosts:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            with socket.create_connection((host, port), timeout=left):
                return True
        except OSError:
            continue
    return False


def use_demo_by_default(env: Mapping[str, str] | None = None) -> bool:
    """Whether the app should open on the built-in demo.

    Yes when ``ATLAS_SOURCES`` is unset, the shared data folder is absent and
    the network probe fails (or ``ATLAS_OFFLINE`` is set, since then nothing
    can be downloaded).  ``ATLAS_DEMO=1`` forces the demo, ``ATLAS_DEMO=0``
    never uses it by default.
    """
    env = os.environ if env is None else env
    forced = env.get("ATLAS_DEMO", "").strip().lower()
    if forced in {"1", "true", "yes", "on"}:
        return True
    if forced in {"0", "false", "no", "off"}:
        return False
    if env.get("ATLAS_SOURCES") or not DEMO_SOURCES.is_file() or shared_data_present(env):
        return False
    if env.get("ATLAS_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        return True
    return not network_available()
