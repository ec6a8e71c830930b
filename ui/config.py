"""The settings the app runs with: from the environment, or the built-in demo.

Also where the vendored map scripts are served and whether basemap tiles are
drawn.  :func:`settings_key` is the hashable identity every cache keys on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit as st

from geo import demo
from geo.config import Settings
from ui import session
from ui.params import DEFAULT_AREA

#: Streamlit serves ./static at this path (server.enableStaticServing).
STATIC_URL = "/app/static/vendor"

_ENV_KEYS = ("ATLAS_SOURCES", "ATLAS_OFFLINE", "ATLAS_DEMO", "ATLAS_SHARED_DATA")


def tiles() -> str | None:
    """Basemap: OpenStreetMap tiles unless ATLAS_TILES=none/offline or running offline."""
    choice = os.environ.get("ATLAS_TILES", "").strip().lower()
    if choice in {"none", "off", "offline", "0", "false", "no"}:
        return None
    if not choice and settings().offline:
        return None
    return "OpenStreetMap"


def settings() -> Settings:
    """Settings from the environment (ATLAS_SOURCES, ATLAS_OFFLINE, ...).

    With no sources file, no shared data folder and no network, the built-in
    demo (:mod:`geo.demo`), so the app opens on real data at once.
    """
    s = Settings.from_env()
    if s.sources_file is None and demo_by_default():
        return demo.demo_settings(s)
    return s


def demo_by_default() -> bool:
    """Whether the app is on the built-in demo because nothing else can be had."""
    return _demo_by_default(tuple(os.environ.get(k, "") for k in _ENV_KEYS))


@st.cache_resource(show_spinner=False)
def _demo_by_default(env: tuple[str, ...]) -> bool:
    # once per environment: the network probe takes up to two seconds
    return demo.use_demo_by_default({k: v for k, v in zip(_ENV_KEYS, env, strict=True) if v})


def in_demo() -> bool:
    """Whether the pages show the built-in demo."""
    return demo.is_demo(settings())


def default_area() -> str:
    """The area pages open on: Rutland in the demo, else Manchester."""
    return demo.DEMO_AREA if in_demo() else DEFAULT_AREA


def key_of(s: Settings) -> tuple[str, bool, str]:
    """(sources file, offline, cache folder): what the caches key on."""
    return (str(s.sources_file or ""), s.offline, str(s.cache_dir))


def settings_key() -> tuple[Any, ...]:
    """The hashable identity of the current settings (and of a custom study area)."""
    study = session.study_area()
    return key_of(settings()) + ((study.key,) if study else ())


def from_key(sources_file: str, offline: bool, cache_dir: str, *_: str) -> Settings:
    """The settings a :func:`settings_key` stands for (the study area part ignored)."""
    return Settings(
        sources_file=Path(sources_file) if sources_file else None,
        offline=offline,
        cache_dir=Path(cache_dir),
    )
