"""Cached access to the library for the Streamlit pages.

Caches are keyed by simple arguments (area code, sources file, model, a tuple
of weights, ...), never by GeoDataFrames: objects that cannot be hashed are
passed as ``_underscore`` arguments beside a key that identifies them.  The
assembled region and the analysis :class:`~geo.pipeline.Result` are shared
read-only objects (``st.cache_resource``); GeoJSON dicts are cached with
``st.cache_data``.  The library's errors are shown as messages; no traceback
reaches the page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import demo, maps, pipeline, risk
from geo.config import Settings
from geo.errors import AtlasError
from geo.national import national_indicators
from geo.region import Region, load_region
from geo.sources.access import DataAccess
from geo.sources.lookups import local_authorities
from geo.sources.taxonomy import CATEGORIES
from geo.userdata import user_category, user_column, with_user_assets, with_user_indicators
from ui import params
from ui.params import DEFAULT_AREA, Choice

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_AREA", "STATIC_URL"]

#: Streamlit serves ./static at this path (server.enableStaticServing).
STATIC_URL = "/app/static/vendor"
#: Session key of the assets uploaded in this session (private to it).
UPLOADS_KEY = "atlas_uploads"
#: Session key of the indicator tables uploaded in this session.
INDICATORS_KEY = "atlas_indicator_uploads"
#: Session key of the study area drawn from an uploaded boundary (replaces the area).
STUDY_KEY = "atlas_study_area"

#: Colour of the places in a category of the user's own (``user_<name>``).
USER_CATEGORY_COLOUR = "#7b3294"


class _Categories(dict):
    """Taxonomy categories, plus a fallback for the user's own ``user_<name>`` ones."""

    def __init__(self, values: Mapping[str, str], fallback: Any) -> None:
        super().__init__(values)
        self._fallback = fallback

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        if isinstance(key, str) and key.startswith("user_"):
            return self._fallback(key)
        return default


def user_category_label(key: str) -> str:
    """``user_knit_club`` → ``Knit club (your category)``."""
    return key.removeprefix("user_").replace("_", " ").capitalize() + " (your category)"


CATEGORY_LABELS = _Categories({c.key: c.label for c in CATEGORIES}, user_category_label)
CATEGORY_COLOURS = _Categories(
    {c.key: c.colour for c in CATEGORIES}, lambda _key: USER_CATEGORY_COLOUR
)


class Unavailable(Exception):
    """Raised after an error has been shown on the page (the page stops)."""


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
    keys = ("ATLAS_SOURCES", "ATLAS_OFFLINE", "ATLAS_DEMO", "ATLAS_SHARED_DATA")
    return _demo_by_default(tuple(os.environ.get(k, "") for k in keys))


@st.cache_resource(show_spinner=False)
def _demo_by_default(env: tuple[str, ...]) -> bool:
    # once per environment: the network probe takes up to two seconds
    keys = ("ATLAS_SOURCES", "ATLAS_OFFLINE", "ATLAS_DEMO", "ATLAS_SHARED_DATA")
    return demo.use_demo_by_default({k: v for k, v in zip(keys, env, strict=True) if v})


def in_demo() -> bool:
    """Whether the pages show the built-in demo."""
    return demo.is_demo(settings())


def default_area() -> str:
    """The area pages open on: Rutland in the demo, else Manchester."""
    return demo.DEMO_AREA if in_demo() else DEFAULT_AREA


#: What identifies a session's settings in cache keys: (sources file, offline flag,
#: cache folder), and the custom study area's key when one is in use.
SettingsId = tuple[Any, ...]


def _key(s: Settings) -> tuple[str, bool, str]:
    return (str(s.sources_file or ""), s.offline, str(s.cache_dir))


def settings_key() -> SettingsId:
    """The hashable identity of the current settings (and of a custom study area)."""
    study = study_area()
    return _key(settings()) + ((study.key,) if study else ())


@st.cache_resource(show_spinner=False)
def _access(sources_file: str, offline: bool, cache_dir: str) -> DataAccess:
    return DataAccess(_settings(sources_file, offline, cache_dir))


def _settings(sources_file: str, offline: bool, cache_dir: str, *_: str) -> Settings:
    return Settings(
        sources_file=Path(sources_file) if sources_file else None,
        offline=offline,
        cache_dir=Path(cache_dir),
    )


@st.cache_data(show_spinner=False)
def _authorities(sources_file: str, offline: bool, cache_dir: str) -> pd.DataFrame:
    access = _access(sources_file, offline, cache_dir)
    access.require(["lsoa21_lookup"])
    las = local_authorities(access.lsoa21_lookup().frame)
    return las[las["country"] == "England"].reset_index(drop=True)


def authorities() -> pd.DataFrame | None:
    """English local authorities (code, name, LSOAs), or None after showing the error."""
    return _guarded(lambda: _authorities(*_key(settings())), "listing the local authorities")


@st.cache_resource(show_spinner=False, max_entries=8)
def _region(area: str, sources_file: str, offline: bool, cache_dir: str) -> Region:
    s = _settings(sources_file, offline, cache_dir)
    bar = st.progress(0.0, text="Loading data…")
    steps: dict[str, None] = {}

    def progress(label: str, done: int, total: int | None) -> None:
        steps.setdefault(label, None)
        fraction = min(len(steps) / 18, 1.0)
        bar.progress(fraction, text=f"Loading {label}…")

    try:
        return load_region(area, settings=s, access=DataAccess(s, progress=progress))
    finally:
        bar.empty()


def _base(area: str, settings_id: SettingsId) -> Region:
    """The region of ``area``, or this session's custom study area when one is in use."""
    study = study_area()
    if len(settings_id) > 3 and study is not None and study.key == settings_id[3]:
        return study.region
    return _region(area, *settings_id[:3])


def region(area: str) -> Region | None:
    """The assembled region for an area (or the custom study area), or None after an error."""
    return _guarded(lambda: _base(area, settings_key()), "assembling this area")


@st.cache_resource(show_spinner=False)
def _national(sources_file: str, offline: bool, cache_dir: str, *_: str) -> pd.DataFrame | None:
    return national_indicators(_settings(sources_file, offline, cache_dir))


# ---------------------------------------------------------------------------
# Uploaded assets (this session only)
# ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UploadedAssets:
    """Assets a user added in this session."""

    key: str
    name: str
    frame: gpd.GeoDataFrame
    rows_in: int
    added: str


def uploads() -> list[UploadedAssets]:
    """Assets uploaded in this session, in the order they were added."""
    items = st.session_state.get(UPLOADS_KEY)
    return list(items) if isinstance(items, list) else []


def add_upload(
    name: str, frame: gpd.GeoDataFrame, *, rows_in: int, identity: str
) -> UploadedAssets:
    """Keep uploaded assets in this session (never on disk) and return the record.

    ``identity`` says which file and reading options gave ``frame``: adding the
    same again replaces the earlier copy instead of counting it twice.
    """
    item = UploadedAssets(
        key=hashlib.sha256(identity.encode()).hexdigest()[:20],
        name=name,
        frame=frame,
        rows_in=rows_in,
        added=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    kept = [u for u in uploads() if u.key != item.key]
    st.session_state[UPLOADS_KEY] = [*kept, item]
    _show_and_count(user_category(str(c)) for c in frame["category"].astype(str))
    return item


def _show_and_count(categories: Iterable[str]) -> None:
    """Shown and counted on the map: the categories of places just added.

    The map's category pickers keep their choice for the session; without this,
    places of a category the area did not have would be added but hidden and
    not counted.
    """
    categories = list(categories)
    for key in (params.SHOW_ASSETS, params.COUNTED):
        chosen = st.session_state.get(key)
        if isinstance(chosen, list):
            st.session_state[key] = list(dict.fromkeys([*chosen, *categories]))


def remove_upload(key: str) -> None:
    """Forget one upload."""
    st.session_state[UPLOADS_KEY] = [u for u in uploads() if u.key != key]


def uploads_key(
    items: Sequence[UploadedAssets] | None = None,
    tables: Sequence[UploadedIndicators] | None = None,
) -> str:
    """A short key identifying the uploads (\"\" when there are none)."""
    items = uploads() if items is None else items
    tables = indicator_uploads() if tables is None else tables
    parts = [u.key for u in items]
    parts += [f"{t.key}:{sorted(t.weights.items())}" for t in tables]
    return "+".join(parts)


@dataclasses.dataclass(frozen=True)
class UploadedIndicators:
    """An indicator table a user added in this session (values indexed by lsoa21cd).

    ``weights`` gives the columns added to the all-ages risk index (file column →
    weight); the other columns are only joined (and can be mapped on their own).
    """

    key: str
    name: str
    frame: pd.DataFrame
    rows_in: int
    added: str
    weights: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def user_weights(self) -> dict[str, float]:
        """``{joined column: weight}`` for the columns in the risk index."""
        return {user_column(c): float(w) for c, w in self.weights.items() if w > 0}


def indicator_uploads() -> list[UploadedIndicators]:
    """Indicator tables uploaded in this session, in the order they were added."""
    items = st.session_state.get(INDICATORS_KEY)
    return list(items) if isinstance(items, list) else []


def add_indicators(
    name: str,
    frame: pd.DataFrame,
    *,
    rows_in: int,
    identity: str,
    weights: Mapping[str, float] | None = None,
) -> UploadedIndicators:
    """Keep an indicator table in this session; adding it again replaces the earlier copy."""
    item = UploadedIndicators(
        key=hashlib.sha256(identity.encode()).hexdigest()[:20],
        name=name,
        frame=frame,
        rows_in=rows_in,
        added=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        weights=dict(weights or {}),
    )
    kept = [u for u in indicator_uploads() if u.key != item.key]
    st.session_state[INDICATORS_KEY] = [*kept, item]
    return item


def user_indicator_columns(areas: pd.DataFrame) -> dict[str, str]:
    """``{joined column: column name as uploaded}`` of this session's indicator tables."""
    out: dict[str, str] = {}
    for table in indicator_uploads():
        for column in table.frame.select_dtypes("number").columns:
            joined = user_column(str(column))
            if joined in areas.columns:
                out[joined] = str(column)
    return out


def remove_indicators(key: str) -> None:
    """Forget one indicator table."""
    st.session_state[INDICATORS_KEY] = [u for u in indicator_uploads() if u.key != key]


@dataclasses.dataclass(frozen=True)
class StudyArea:
    """A study area drawn from an uploaded boundary, used instead of the picked area."""

    key: str
    name: str
    region: Region
    added: str


def study_area() -> StudyArea | None:
    """The custom study area in use in this session, if any."""
    item = st.session_state.get(STUDY_KEY)
    return item if isinstance(item, StudyArea) else None


def use_study_area(name: str, region_: Region, *, identity: str) -> StudyArea:
    """Use ``region_`` as this session's study area (the map and report follow it)."""
    item = StudyArea(
        key="custom-" + hashlib.sha256(identity.encode()).hexdigest()[:16],
        name=name,
        region=region_,
        added=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    st.session_state[STUDY_KEY] = item
    st.session_state.pop(params.SELECTED, None)
    return item


def clear_study_area() -> None:
    """Go back to the local authority picked on the map."""
    st.session_state.pop(STUDY_KEY, None)
    st.session_state.pop(params.SELECTED, None)


def _with_indicators(base: Region, tables: Sequence[UploadedIndicators]) -> Region:
    for table in tables:
        base, _ = with_user_indicators(
            base, table.frame, name=table.name, note=f"{table.rows_in:,} rows in the file."
        )
    return base


def _with_uploads(base: Region, items: Sequence[UploadedAssets], buffer_m: float) -> Region:
    """The region with uploaded assets added, labelled as user data in provenance."""
    for item in items:
        base = with_user_assets(
            base,
            item.frame,
            name=item.name,
            note=f"{item.rows_in:,} rows in the file; {len(item.frame):,} places loaded.",
            buffer_m=buffer_m,
        )
    return base


# ---------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=32)
def _analysis(
    choice: Choice,
    settings_id: SettingsId,
    upload_id: str,
    _uploads: tuple[UploadedAssets, ...] = (),
    _tables: tuple[UploadedIndicators, ...] = (),
) -> pipeline.Result:
    s = _settings(*settings_id)
    base = _with_indicators(_base(choice.area, settings_id), _tables)
    parameters = choice.parameters
    if parameters.model == "all-ages":
        user_weights: dict[str, float] = {}
        for table in _tables:
            user_weights.update(table.user_weights())
        parameters = parameters.replace(user_weights=user_weights or None)
    return pipeline.run_analysis(
        _with_uploads(base, _uploads, s.region_buffer_m),
        parameters,
        settings=s,
        national=_national(*settings_id),
    )


def analysis(choice: Choice) -> pipeline.Result | None:
    """The analysis for ``choice`` (with this session's uploads), or None after an error."""
    items = tuple(uploads())
    tables = tuple(indicator_uploads())
    return _guarded(
        lambda: _analysis(choice, settings_key(), uploads_key(items, tables), items, tables),
        "running the analysis",
    )


def analysis_key(choice: Choice) -> tuple[Any, ...]:
    """A hashable identity of the analysis ``choice`` gives in this session."""
    return (choice, settings_key(), uploads_key())


def contributions(result: pipeline.Result, code: str) -> pd.DataFrame | None:
    """How each indicator (or model term) drives one area's risk, or None.

    Read from the risk model output the analysis carries (uploaded indicators
    weighted into the all-ages index included), never recomputed.
    """
    if result.risk_detail is None:
        return None
    try:
        return risk.contributions(result.risk_detail, code)
    except AtlasError as exc:
        log.info("no contributions for %s: %s", code, exc)
        return None


# ---------------------------------------------------------------------------
# Map data (cached GeoJSON dicts)
# ---------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def geometries(area: str, settings_id: SettingsId) -> dict[str, dict[str, Any]]:
    """Simplified WGS84 geometry of every area of the region, by code."""
    return maps.simplified_geometries(_base(area, settings_id).areas)


@st.cache_data(show_spinner=False, max_entries=16)
def bounds(area: str, settings_id: SettingsId) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the region in WGS84."""
    return tuple(float(v) for v in _base(area, settings_id).bounds_wgs84)  # type: ignore[return-value]  # four values


@st.cache_data(show_spinner=False, max_entries=64)
def hotspot_outlines(key: tuple[Any, ...], _result: pipeline.Result) -> list[dict[str, Any]]:
    """Dissolved outlines of the hot-spot areas of the analysis ``key``."""
    choice = key[0]
    geoms = geometries(choice.area, key[1])
    areas = _result.areas
    codes = list(areas.index[areas["hotspot"].fillna(False).astype(bool)])
    return maps.outline_geometries(geoms, codes)


def _guarded(func: Any, doing: str) -> Any:
    """Run ``func``; show the library's message (or a generic one) and return None on error."""
    try:
        return func()
    except AtlasError as exc:
        st.error(str(exc))
    except Exception:
        log.exception("unexpected error while %s", doing)
        st.error(
            f"Something went wrong while {doing}. The details are in the server log; "
            "please report it."
        )
    return None


def source_labels(result: pipeline.Result) -> dict[str, str]:
    """Asset source id → a readable name (dataset title, or the uploaded file)."""
    labels: dict[str, str] = {}
    for record in result.provenance:
        labels[record.dataset] = record.title
    return labels
