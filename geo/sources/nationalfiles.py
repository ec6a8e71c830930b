"""Large national files read once per process, and read again only when they change.

Each reader is keyed by the file's path and modification time, so a session
that assembles many regions from the same national lookup, IoD or Census file
parses it once, and a file replaced on disk is read afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from geo.checksums import file_sha256
from geo.sources import census, deprivation, lookups


def _mtime(path: Path) -> float:
    return Path(path).stat().st_mtime


def cached_lsoa21_lookup(path: Path) -> pd.DataFrame:
    """:func:`geo.sources.lookups.read_lsoa21_lookup` of ``path``, read once."""
    return _lookup(str(path), _mtime(path))


def cached_lsoa11_lsoa21_lookup(path: Path) -> pd.DataFrame:
    """:func:`geo.sources.lookups.read_lsoa11_lsoa21_lookup` of ``path``, read once."""
    return _bridge_lookup(str(path), _mtime(path))


def cached_iod2025(path: Path) -> pd.DataFrame:
    """:func:`geo.sources.deprivation.read_iod2025` of ``path``, read once."""
    return _iod2025(str(path), _mtime(path))


def cached_iod2019(paths: Sequence[Path]) -> pd.DataFrame:
    """:func:`geo.sources.deprivation.read_iod2019` of ``paths``, read once."""
    return _iod2019(tuple(str(p) for p in paths), tuple(_mtime(p) for p in paths))


def cached_census_table(path: Path, table: str) -> pd.DataFrame:
    """:func:`geo.sources.census.read_census_table` of ``path``, read once per table."""
    return _census(str(path), _mtime(path), table)


@lru_cache(maxsize=64)
def cached_sha256(paths: tuple[Path, ...]) -> str:
    """:func:`geo.checksums.file_sha256` of ``paths``, computed once."""
    return file_sha256(paths)


@lru_cache(maxsize=8)
def _lookup(path: str, mtime: float) -> pd.DataFrame:
    return lookups.read_lsoa21_lookup(Path(path))


@lru_cache(maxsize=4)
def _bridge_lookup(path: str, mtime: float) -> pd.DataFrame:
    return lookups.read_lsoa11_lsoa21_lookup(Path(path))


@lru_cache(maxsize=4)
def _iod2025(path: str, mtime: float) -> pd.DataFrame:
    return deprivation.read_iod2025(Path(path))


@lru_cache(maxsize=4)
def _iod2019(paths: tuple[str, ...], mtimes: tuple[float, ...]) -> pd.DataFrame:
    return deprivation.read_iod2019([Path(p) for p in paths])


@lru_cache(maxsize=16)
def _census(path: str, mtime: float, table: str) -> pd.DataFrame:
    return census.read_census_table(Path(path), table=table)
