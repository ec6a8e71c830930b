"""Cached calls into the library for the Streamlit pages.

Caches are keyed by simple arguments (area code, the settings key, the
analysis choice, the uploads key), never by GeoDataFrames: objects that
cannot be hashed are passed as ``_underscore`` arguments beside a key that
identifies them.  The assembled region and the analysis
:class:`~geo.pipeline.Result` are shared read-only objects
(``st.cache_resource``); GeoJSON dicts are cached with ``st.cache_data``.  The
library's errors are shown as messages; no traceback reaches the page.  An
analysis that fails with a known error is cached as its :class:`Failure`
(the message), keyed like a result, so it is computed once per server.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from geo import maps, pipeline, risk
from geo.errors import AtlasError, CacheError, DataSourceError
from geo.national import national_indicators
from geo.params import Parameters
from geo.region import Region, load_region
from geo.sources.access import DataAccess
from geo.sources.lookups import local_authorities
from geo.userdata import with_user_assets, with_user_indicators
from ui import config, session
from ui.params import Choice
from ui.progress import LoadingStatus

log = logging.getLogger(__name__)
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _access(sources_file: str, offline: bool, cache_dir: str) -> DataAccess:
    return DataAccess(config.from_key(sources_file, offline, cache_dir))


@st.cache_data(show_spinner=False)
def _authorities(sources_file: str, offline: bool, cache_dir: str) -> pd.DataFrame:
    access = _access(sources_file, offline, cache_dir)
    access.require(["lsoa21_lookup"])
    las = local_authorities(access.lsoa21_lookup().frame)
    return las[las["country"] == "England"].reset_index(drop=True)


def authorities() -> pd.DataFrame | None:
    """English local authorities (code, name, LSOAs), or None after showing the error."""
    key = config.key_of(config.settings())
    return _guarded(lambda: _authorities(*key), "listing the local authorities")


@st.cache_resource(show_spinner=False, max_entries=8)
def _region(area: str, sources_file: str, offline: bool, cache_dir: str) -> Region:
    s = config.from_key(sources_file, offline, cache_dir)
    with LoadingStatus(_area_name(area, sources_file, offline, cache_dir)) as progress:
        return load_region(area, settings=s, access=DataAccess(s, progress=progress))


def _area_name(area: str, sources_file: str, offline: bool, cache_dir: str) -> str:
    """An authority's name for the loading message (its code when the list cannot be read)."""
    try:
        las = _authorities(sources_file, offline, cache_dir)
    except Exception:  # the loading message only: the region load reports the real error
        return area
    names = dict(zip(las["lad_code"], las["lad_name"], strict=True))
    return str(names.get(area, area))


def _base(area: str, settings_id: tuple[Any, ...]) -> Region:
    """The region of ``area``, or this session's custom study area when one is in use."""
    study = session.study_area()
    if len(settings_id) > 3 and study is not None and study.key == settings_id[3]:
        return study.region
    return _region(area, *settings_id[:3])


def region(area: str) -> Region | None:
    """The assembled region for an area (or the custom study area), or None after an error."""
    return _guarded(lambda: _base(area, config.settings_key()), "assembling this area")


@st.cache_resource(show_spinner=False)
def _national(sources_file: str, offline: bool, cache_dir: str, *_: str) -> pd.DataFrame | None:
    return national_indicators(config.from_key(sources_file, offline, cache_dir))


def _with_indicators(base: Region, tables: Sequence[session.UploadedIndicators]) -> Region:
    for table in tables:
        base, _ = with_user_indicators(
            base, table.frame, name=table.name, note=f"{table.rows_in:,} rows in the file."
        )
    return base


def _with_uploads(base: Region, items: Sequence[session.UploadedAssets], buffer_m: float) -> Region:
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


@dataclass(frozen=True)
class Failure:
    """A known, user-facing error of a cached computation: cached like a result.

    The same inputs give the same error (no risk score can be computed here, an
    option out of range), so it is computed once per server and its message
    shown to every session.  Not cached (raised, so computed again next time):
    errors of data access (:class:`~geo.errors.DataSourceError`: a download or
    server that may work later, a file that may be fixed) and of the disk cache
    (:class:`~geo.errors.CacheError`), and unexpected exceptions (bugs), which
    are logged with their traceback each time they happen.
    """

    message: str


#: Errors that depend on more than the inputs: never cached.
_TRANSIENT = (DataSourceError, CacheError)


def _known_failure(compute: Callable[[], T], what: str) -> T | Failure:
    """``compute()``, or the :class:`Failure` of the known error it raised."""
    try:
        return compute()
    except _TRANSIENT:
        raise
    except AtlasError as exc:
        log.info("%s failed: %s", what, exc)
        return Failure(str(exc))


@st.cache_resource(show_spinner=False, max_entries=32)
def _analysis(
    choice: Choice,
    settings_id: tuple[Any, ...],
    upload_id: str,
    _uploads: tuple[session.UploadedAssets, ...] = (),
    _tables: tuple[session.UploadedIndicators, ...] = (),
) -> pipeline.Result | Failure:
    log.info("analysis computed: %s, model %s, uploads %s, key %08x", choice.area,
             choice.parameters.model, upload_id or "none",
             zlib.crc32(repr((choice, settings_id, upload_id)).encode()))  # fmt: skip
    return _known_failure(
        lambda: _run_analysis(choice, settings_id, upload_id, _uploads, _tables), "analysis"
    )


def _run_analysis(
    choice: Choice,
    settings_id: tuple[Any, ...],
    upload_id: str,
    _uploads: tuple[session.UploadedAssets, ...],
    _tables: tuple[session.UploadedIndicators, ...],
) -> pipeline.Result:
    s = config.from_key(*settings_id)
    base = _with_indicators(_base(choice.area, settings_id), _tables)
    parameters = choice.parameters
    if parameters.model in ("all-ages", "evidence"):  # weights choose the composite index
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
    items = tuple(session.uploads())
    tables = tuple(session.indicator_uploads())
    upload_id = session.uploads_key(items, tables)
    found = _guarded(
        lambda: _analysis(choice, config.settings_key(), upload_id, items, tables),
        "running the analysis",
    )
    if isinstance(found, Failure):
        st.error(found.message)
        return None
    return found


def analysis_key(choice: Choice) -> tuple[Any, ...]:
    """A hashable identity of the analysis ``choice`` gives in this session."""
    return (choice, config.settings_key(), session.uploads_key())


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


@st.cache_data(show_spinner=False, max_entries=16)
def geometries(area: str, settings_id: tuple[Any, ...]) -> dict[str, dict[str, Any]]:
    """Simplified WGS84 geometry of every area of the region, by code."""
    return maps.simplified_geometries(_base(area, settings_id).areas)


@st.cache_data(show_spinner=False, max_entries=16)
def wards(area: str, settings_id: tuple[Any, ...]) -> maps.WardBasemap:
    """The region's ward lines and names, for the map when there are no tiles."""
    return maps.ward_basemap(_base(area, settings_id).areas)


@st.cache_data(show_spinner=False, max_entries=16)
def bounds(area: str, settings_id: tuple[Any, ...]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the region in WGS84."""
    return tuple(float(v) for v in _base(area, settings_id).bounds_wgs84)  # type: ignore[return-value]


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


@st.cache_resource(show_spinner=False, max_entries=6)
def _reference(parameters: Parameters, sources_file: str, offline: bool, cache_dir: str) -> Any:
    from geo.reference import reference_areas

    settings = config.from_key(sources_file, offline, cache_dir)
    return reference_areas(
        settings, parameters, national=_national(sources_file, offline, cache_dir)
    )


def reference(parameters: Parameters) -> Any:
    """England's small areas for the comparators (loaded once per process), or None."""
    key = config.key_of(config.settings())
    return _guarded(lambda: _reference(parameters, *key), "reading England's tables")
