"""Taking GDAL drivers out of the running GDAL for a while, and putting them back.

``GDAL_SKIP`` only works before GDAL registers its drivers (when pyogrio is
first imported), and setting it would change GDAL for the whole process.  The
upload readers instead remove the drivers that follow references
(:data:`geo.uploads.hardening.SKIPPED_DRIVERS`) from GDAL's driver manager
just for the time they read a file, through GDAL's own C functions
(``GDALDeregisterDriver`` / ``GDALRegisterDriver``) in the very library
pyogrio loaded, and put them back afterwards **in their original order** (the
order in which GDAL tries drivers on a file).

:func:`gdal_library` finds that library: the ``libgdal`` already mapped into
the process (Linux), else the one bundled beside pyogrio, else the system's;
it is used only when its version is pyogrio's.  When none is found,
:func:`remove_drivers` removes nothing, and the callers' check
(:func:`geo.uploads.hardening.gdal_is_hardened`) refuses to read.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Removed:
    """What :func:`remove_drivers` took out: restore it with :func:`restore_drivers`."""

    order: tuple[int, ...]  # every driver handle, in GDAL's order before the removal
    removed: tuple[int, ...]  # the handles taken out


def _candidates() -> Iterator[str]:
    """Paths of GDAL libraries that may be pyogrio's, the likeliest first."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            mapped = {line.split()[-1] for line in maps if "libgdal" in line and "/" in line}
        yield from sorted(mapped)
    except OSError:
        pass
    import pyogrio

    here = Path(pyogrio.__file__).resolve().parent
    for folder in (here.parent / "pyogrio.libs", here / ".dylibs", here.parent / "pyogrio.dylibs"):
        if folder.is_dir():
            yield from (str(p) for p in sorted(folder.glob("*gdal*")))
    system = ctypes.util.find_library("gdal")
    if system:
        yield system


def _bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    lib.GDALVersionInfo.argtypes = [ctypes.c_char_p]
    lib.GDALVersionInfo.restype = ctypes.c_char_p
    lib.GDALGetDriverCount.argtypes = []
    lib.GDALGetDriverCount.restype = ctypes.c_int
    lib.GDALGetDriver.argtypes = [ctypes.c_int]
    lib.GDALGetDriver.restype = ctypes.c_void_p
    lib.GDALGetDriverByName.argtypes = [ctypes.c_char_p]
    lib.GDALGetDriverByName.restype = ctypes.c_void_p
    lib.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
    lib.GDALDeregisterDriver.restype = None
    lib.GDALRegisterDriver.argtypes = [ctypes.c_void_p]
    lib.GDALRegisterDriver.restype = ctypes.c_int
    return lib


@functools.cache
def gdal_library() -> ctypes.CDLL | None:
    """The GDAL library pyogrio uses, or ``None`` when it cannot be found."""
    import pyogrio

    wanted = str(pyogrio.__gdal_version_string__)
    for path in _candidates():
        try:
            lib = _bind(ctypes.CDLL(path))
            version = (lib.GDALVersionInfo(b"RELEASE_NAME") or b"").decode()
        except (OSError, AttributeError):
            continue
        if version == wanted:
            return lib
        log.debug("GDAL at %s is %s, pyogrio uses %s", path, version, wanted)
    log.warning("The GDAL library pyogrio uses was not found; GDAL drivers stay as they are.")
    return None


def _registered(lib: ctypes.CDLL) -> list[int]:
    handles = (lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount()))
    return [h for h in handles if h]


def remove_drivers(names: Iterable[str]) -> Removed:
    """Deregister the drivers called ``names`` (those present) from the running GDAL."""
    lib = gdal_library()
    if lib is None:
        return Removed((), ())
    order = tuple(_registered(lib))
    removed = []
    for name in names:
        handle = lib.GDALGetDriverByName(name.encode())
        if handle:
            lib.GDALDeregisterDriver(handle)
            removed.append(handle)
    return Removed(order, tuple(removed))


def restore_drivers(state: Removed) -> None:
    """Register again what :func:`remove_drivers` removed, in GDAL's original order.

    GDAL appends a registered driver at the end, so every driver after the
    first removed one is moved to the end in turn: at any moment at most one
    driver (the one being moved) is missing.
    """
    lib = gdal_library()
    if lib is None or not state.removed:
        return
    removed = set(state.removed)
    first = min(state.order.index(h) for h in state.removed)
    current = set(_registered(lib))
    for handle in state.order[first:]:
        if handle in current:
            lib.GDALDeregisterDriver(handle)
            lib.GDALRegisterDriver(handle)
        elif handle in removed:
            lib.GDALRegisterDriver(handle)
