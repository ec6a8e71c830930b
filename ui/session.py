"""What a user adds in one browser session: places, indicator tables, a study area.

Each store lives in ``st.session_state`` (private to the session, never on
disk); adding the same file again replaces the earlier copy.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.region import Region
from geo.userdata import user_category, user_column
from ui import params

#: Session key of the assets uploaded in this session (private to it).
UPLOADS_KEY = "atlas_uploads"
#: Session key of the indicator tables uploaded in this session.
INDICATORS_KEY = "atlas_indicator_uploads"
#: Session key of the study area drawn from an uploaded boundary (replaces the area).
STUDY_KEY = "atlas_study_area"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _key(identity: str, length: int = 20) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()[:length]


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
        key=_key(identity),
        name=name,
        frame=frame,
        rows_in=rows_in,
        added=_now(),
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
        key=_key(identity),
        name=name,
        frame=frame,
        rows_in=rows_in,
        added=_now(),
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
        key="custom-" + _key(identity, 16),
        name=name,
        region=region_,
        added=_now(),
    )
    st.session_state[STUDY_KEY] = item
    st.session_state.pop(params.SELECTED, None)
    return item


def clear_study_area() -> None:
    """Go back to the local authority picked on the map."""
    st.session_state.pop(STUDY_KEY, None)
    st.session_state.pop(params.SELECTED, None)
