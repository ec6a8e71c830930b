"""Residents of every LSOA in England and Wales, as points: who competes for assets.

The demand side of provision (E2SFCA) counts everyone within reach of an
asset, wherever they live, so a region's assets are shared with the people
just over its border.  :func:`national_residents` assembles, for every LSOA
2021 in the lookup, its population-weighted centroid (rounded to 0.1 m as a
region's points are) and its usual residents (Census 2021 TS001, the same
figure a region's ``population`` holds), and caches the table on disk.
:func:`geo.provision.demand_around` picks the areas a region needs from it.
"""

from __future__ import annotations

import logging

import pandas as pd

from geo.config import Settings
from geo.errors import DataSourceError, OfflineError, SchemaError
from geo.sources import census
from geo.sources.access import DataAccess
from geo.tablecache import cached_table

log = logging.getLogger(__name__)

_KEY = "england-wales-residents"
_NEEDED = ("lsoa21_lookup", "lsoa21_centroids", "census_ts001")


def national_residents(
    settings: Settings, *, access: DataAccess | None = None, use_cache: bool = True
) -> pd.DataFrame | None:
    """Point and population of every LSOA 2021 in England and Wales.

    Parameters
    ----------
    settings
        Cache, sources file, offline flag.
    access
        Reuse an existing :class:`~geo.sources.access.DataAccess`.
    use_cache
        Read the table cached on disk when nothing it depends on has changed,
        and cache a new one.

    Returns
    -------
    pandas.DataFrame or None
        Index ``lsoa21cd``; ``point_x``, ``point_y`` (metres, EPSG:27700) and
        ``population``.  LSOAs without a centroid or a population are left
        out.  ``None`` when the lookup, the centroids or Census TS001 cannot
        be had.
    """
    access = access or DataAccess(settings)
    return cached_table(_KEY, settings, access, _assemble_or_none, use_cache=use_cache)


def _assemble_or_none(access: DataAccess) -> pd.DataFrame | None:
    try:
        return _assemble(access)
    except (DataSourceError, OfflineError, SchemaError) as exc:
        log.info("residents around regions unavailable: %s", exc)
        return None


def _assemble(access: DataAccess) -> pd.DataFrame | None:
    if access.check_available(list(_NEEDED)):
        return None
    codes = list(access.lsoa21_lookup().frame.index)
    points = access.lsoa21_centroids(codes, ()).frame
    points = points[points.notna() & ~points.is_empty]
    table = access.dataset("census_ts001").table or "census_ts001"
    ts001 = access.census_table("census_ts001", codes).frame
    population = census.census_indicators({table: ts001}).frame["population"]
    frame = pd.DataFrame(
        {"point_x": points.x.round(1), "point_y": points.y.round(1)}, index=points.index
    ).join(population.astype(float), how="inner")
    frame = frame[frame["population"].notna()]
    frame.index.name = "lsoa21cd"
    return frame.sort_index()
