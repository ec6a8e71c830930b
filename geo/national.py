"""National (England) indicator table: the reference every region is ranked against.

Risk scores are normalised against England and given national ranks and
deciles, so a region's "high risk" means high for England, not only high for
that place.  This module assembles the Census 2021 indicators and IoD2025
values for every English LSOA 2021 (no geometry), from the same datasets and
sources file as regions, and caches the table on disk.  A sources file may
instead name the table precomputed (``national_table``, as the built-in demo
does), which is then read as it is.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pandas as pd

from geo.cache import Cache
from geo.config import Settings
from geo.errors import CacheError, DataSourceError
from geo.sources import census
from geo.sources.access import CENSUS_DATASETS, DataAccess

log = logging.getLogger(__name__)

_KEY = "england-indicators"


def national_indicators(
    settings: Settings, *, access: DataAccess | None = None, use_cache: bool = True
) -> pd.DataFrame | None:
    """Census indicators and IoD2025 values for every English LSOA 2021.

    Returns ``None`` when neither the Census tables nor IoD2025 can be had;
    otherwise the columns that could be computed (missing tables leave their
    indicators out, never zeros).
    """
    from geo import regioncache

    access = access or DataAccess(settings)
    if access.sources.national_table is not None:
        return _precomputed(access.sources.national_table)
    cache = Cache.from_settings(settings)
    key = f"national/{regioncache.fingerprint(_KEY, settings, access.sources)}"
    if use_cache:
        path = cache.get(key)
        if path is not None:
            try:
                return pd.read_parquet(path)
            except (OSError, ValueError) as exc:
                log.warning("cached national table unreadable (%s); rebuilding", exc)
    frame = _assemble(access)
    if frame is not None and use_cache:
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        try:
            cache.put_bytes(key, buffer.getvalue(), suffix=".parquet", meta={"table": _KEY})
        except CacheError as exc:
            log.warning("could not cache the national table: %s", exc)
    return frame


def _precomputed(path: Path) -> pd.DataFrame:
    """The England table a sources file names (index ``lsoa21cd``)."""
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise DataSourceError(
            f"The sources file names the England indicator table {path}, which does not exist."
        ) from None
    except (OSError, ValueError) as exc:
        raise DataSourceError(f"The England indicator table {path} is unreadable: {exc}") from exc


def _assemble(access: DataAccess) -> pd.DataFrame | None:
    if access.check_available(["lsoa21_lookup"]):
        return None
    lookup = access.lsoa21_lookup().frame
    codes = list(lookup.index[lookup.index.str.startswith("E")])
    parts: list[pd.DataFrame] = []
    tables = {}
    for dataset_id in CENSUS_DATASETS:
        if access.check_available([dataset_id]):
            continue
        try:
            loaded = access.census_table(dataset_id, codes)
        except DataSourceError as exc:
            log.info("national %s unavailable: %s", dataset_id, exc)
            continue
        tables[access.dataset(dataset_id).table or dataset_id] = loaded.frame
    if tables:
        parts.append(census.census_indicators(tables).frame)
    if not access.check_available(["iod2025"]):
        try:
            iod = access.iod2025().frame
            parts.append(
                iod.drop(columns=[c for c in ("lsoa21nm", "lad_code", "lad_name") if c in iod])
            )
        except DataSourceError as exc:
            log.warning("national IoD2025 unavailable: %s", exc)
    if not parts:
        return None
    frame = pd.concat(parts, axis=1).reindex(pd.Index(codes, name="lsoa21cd"))
    return frame
