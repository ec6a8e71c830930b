"""Cached access to the library for the Streamlit pages.

Caches are keyed by simple arguments (area text, sources file, offline flag),
never by GeoDataFrames.  The library's errors are shown as messages; no
traceback reaches the page.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.config import Settings
from geo.errors import AtlasError
from geo.region import Region, load_region
from geo.sources.access import DataAccess
from geo.sources.lookups import local_authorities

log = logging.getLogger(__name__)

DEFAULT_AREA = "E08000003"  # Manchester
#: Streamlit serves ./static at this path (server.enableStaticServing).
STATIC_URL = "/app/static/vendor"


def tiles() -> str | None:
    """Basemap: OpenStreetMap tiles unless ATLAS_TILES=none or running offline."""
    choice = os.environ.get("ATLAS_TILES", "").strip().lower()
    if choice in {"none", "off", "0"} or (not choice and settings().offline):
        return None
    return "OpenStreetMap"


def settings() -> Settings:
    """Settings from the environment (ATLAS_SOURCES, ATLAS_OFFLINE, ...)."""
    return Settings.from_env()


def _key(s: Settings) -> tuple[str, bool, str]:
    return (str(s.sources_file or ""), s.offline, str(s.cache_dir))


@st.cache_resource(show_spinner=False)
def _access(sources_file: str, offline: bool, cache_dir: str) -> DataAccess:
    s = Settings(
        sources_file=Path(sources_file) if sources_file else None,
        offline=offline,
        cache_dir=Path(cache_dir),
    )
    return DataAccess(s)


@st.cache_data(show_spinner=False)
def _authorities(sources_file: str, offline: bool, cache_dir: str) -> pd.DataFrame:
    access = _access(sources_file, offline, cache_dir)
    access.require(["lsoa21_lookup"])
    las = local_authorities(access.lsoa21_lookup().frame)
    return las[las["country"] == "England"].reset_index(drop=True)


def authorities() -> pd.DataFrame | None:
    """English local authorities (code, name, LSOAs), or None after showing the error."""
    try:
        return _authorities(*_key(settings()))
    except AtlasError as exc:
        st.error(str(exc))
        return None


@st.cache_resource(show_spinner=False, max_entries=8)
def _region(area: str, sources_file: str, offline: bool, cache_dir: str) -> Region:
    s = _access(sources_file, offline, cache_dir).settings
    bar = st.progress(0.0, text="Loading data…")
    steps: dict[str, None] = {}

    def progress(label: str, done: int, total: int | None) -> None:
        steps.setdefault(label, None)
        fraction = min(len(steps) / 18, 1.0)
        bar.progress(fraction, text=f"Loading {label}…")

    try:
        # A fresh DataAccess per load (national files stay cached in memory).
        return load_region(area, settings=s, access=DataAccess(s, progress=progress))
    finally:
        bar.empty()


def region(area: str) -> Region | None:
    """The assembled region for an area, or None after showing the error."""
    try:
        return _region(area, *_key(settings()))
    except AtlasError as exc:
        st.error(str(exc))
        return None
    except Exception:
        log.exception("unexpected error loading %s", area)
        st.error(
            "Something went wrong while assembling this area. The details are in the "
            "server log; please report it."
        )
        return None
