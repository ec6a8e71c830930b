"""National (England) indicator table: the reference every region is ranked against.

Risk scores are normalised against England and given national ranks and
deciles, so a region's "high risk" means high for England, not only high for
that place.  This module assembles the Census 2021 indicators and IoD2025
values for every English LSOA 2021 (no geometry), from the same datasets and
sources file as regions, and caches the table on disk.  Online, each Census
table comes from its Nomis bulk zip (one download per table, cached and
checked) rather than from thousands of rows of paged API answers.  A sources
file may instead name the table precomputed (``national_table``, as the
built-in demo does), which is then read as it is.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from geo.config import Settings
from geo.errors import DataSourceError
from geo.sources import census
from geo.sources.access import CENSUS_DATASETS, DataAccess
from geo.tablecache import cached_table

log = logging.getLogger(__name__)

_KEY = "england-indicators"


def national_indicators(
    settings: Settings, *, access: DataAccess | None = None, use_cache: bool = True
) -> pd.DataFrame | None:
    """Census indicators and IoD2025 values for every English LSOA 2021.

    Returns ``None`` when neither the Census tables nor IoD2025 can be had;
    otherwise the columns that could be computed (missing tables leave their
    indicators out, never zeros).  A table assembled while a dataset failed
    lists those datasets in ``frame.attrs["failed"]`` and is not cached, so
    the next run tries them again.
    """
    access = access or DataAccess(settings)
    if access.sources.national_table is not None:
        return _precomputed(access.sources.national_table)
    return cached_table(_KEY, settings, access, _build, use_cache=use_cache)


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


def _build(access: DataAccess) -> pd.DataFrame | None:
    frame, failed = _assemble(access)
    if frame is not None and failed:
        frame.attrs["failed"] = failed
    return frame


def _assemble(access: DataAccess) -> tuple[pd.DataFrame | None, list[str]]:
    """The table, and the datasets that failed while it was assembled."""
    failed: list[str] = []
    if access.check_available(["lsoa21_lookup"]):
        return None, failed
    lookup = access.lsoa21_lookup().frame
    codes = list(lookup.index[lookup.index.str.startswith("E")])
    parts: list[pd.DataFrame] = []
    tables = {}
    for dataset_id in CENSUS_DATASETS:
        if access.check_available([dataset_id]):
            continue
        try:
            loaded = access.census_table(dataset_id, codes, national=True)
        except DataSourceError as exc:
            log.info("national %s unavailable: %s", dataset_id, exc)
            failed.append(dataset_id)
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
            failed.append("iod2025")
    if not parts:
        return None, failed
    frame = pd.concat(parts, axis=1).reindex(pd.Index(codes, name="lsoa21cd"))
    return frame, failed
