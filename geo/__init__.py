"""Belonging Atlas: where loneliness risk is high and community provision is thin.

Use it as a library::

    from geo import Settings, load_region, run_analysis

    settings = Settings.from_env()  # ATLAS_SOURCES, ATLAS_OFFLINE, ...
    region = load_region("Trafford", settings=settings)
    result = run_analysis(region, settings=settings)
    table = result.table()  # one row per LSOA 2021

The names below are imported on first use, so ``import geo`` is cheap and
changes nothing in the process (no environment variable, no GDAL setting).
The library never imports streamlit; the app (``app.py``, ``pages/``) and the
command line (``python -m geo``) call the same functions.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: Public name → module that defines it.
_EXPORTS = {
    "Settings": "geo.config",
    "load_region": "geo.region",
    "Region": "geo.region",
    "run_analysis": "geo.pipeline",
    "headline": "geo.pipeline",
    "Parameters": "geo.pipeline",
    "Result": "geo.pipeline",
    "AtlasError": "geo.errors",
}

__all__ = [
    "AtlasError",
    "Parameters",
    "Region",
    "Result",
    "Settings",
    "__version__",
    "headline",
    "load_region",
    "run_analysis",
]

if TYPE_CHECKING:
    from geo.config import Settings
    from geo.errors import AtlasError
    from geo.pipeline import Parameters, Result, headline, run_analysis
    from geo.region import Region, load_region


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
