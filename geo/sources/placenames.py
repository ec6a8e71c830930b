"""A region's place names (towns, villages, suburbs) from OpenStreetMap.

The registry's ``osm_places`` dataset: a sources file may name a local file
for it (a ``.osm.pbf`` extract, a Geofabrik ``-free.shp.zip`` bundle or a
place table, see :mod:`geo.sources.osm_places`); otherwise one or two
authorities ask Overpass (one small query of its own for the whole box,
cached and paced like every Overpass query) and larger regions read the Geofabrik extract once.

Place names only help readers find their way (search, the report's maps and
page 1): when they cannot be had the region says so in ``unavailable`` and
the analysis is unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd

from geo.errors import DataSourceError, OfflineError, SchemaError, UnreachableError
from geo.provenance import ProvenanceRecord, Unavailable, file_sha256, record
from geo.sources import osm_geofabrik
from geo.sources.osm_places import (
    empty_places,
    overpass_places_query,
    places_from_overpass_json,
    read_places,
)

log = logging.getLogger(__name__)

DATASET = "osm_places"


@dataclass(frozen=True)
class RegionPlaces:
    """Place names gathered for a region, with where they came from."""

    frame: gpd.GeoDataFrame
    provenance: list[ProvenanceRecord] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)


def load_places(
    access: object,
    lads: Sequence[str],
    bbox_wgs84: tuple[float, float, float, float],
    *,
    national: bool = False,
) -> RegionPlaces:
    """The named places in a ``(west, south, east, north)`` box around the region.

    Parameters
    ----------
    access
        A :class:`geo.sources.access.DataAccess`.
    lads
        The region's authorities and their neighbours (a local file that
        ``covers`` none of them is not opened).
    bbox_wgs84
        The search box in degrees.
    national
        Read the Geofabrik extract instead of asking Overpass (regions of
        several authorities).
    """
    dataset = access.dataset(DATASET)  # type: ignore[attr-defined]
    local = access.sources.local.get(DATASET)  # type: ignore[attr-defined]
    try:
        if local is not None:
            return _local(access, local, lads, bbox_wgs84)
        if national:
            frame, md5 = osm_geofabrik.national_place_table(
                access.client,  # type: ignore[attr-defined]
                str((dataset.online or {}).get("extract") or osm_geofabrik.ENGLAND_EXTRACT),
            )
            frame = frame.cx[_bng_slice(bbox_wgs84)]
            note = f"Geofabrik extract with md5 {md5}; places selected by location."
            url = osm_geofabrik.ENGLAND_EXTRACT
        else:
            online = dataset.online or {}
            url = str(online.get("url", ""))
            # one query for the whole box: place nodes are few, so it is not split into tiles
            data = access.client.overpass(  # type: ignore[attr-defined]
                overpass_places_query(bbox_wgs84),
                url=online.get("url"),
                description="OpenStreetMap place names",
            )
            frame = places_from_overpass_json(data)
            note = f"Overpass query for named places, fetched {datetime.now(UTC):%Y-%m-%d}."
    except OfflineError as exc:
        reason = str(exc) if isinstance(exc, UnreachableError) else "offline, no file named"
        return _none(dataset, reason)
    except (DataSourceError, SchemaError) as exc:
        log.info("place names unavailable: %s", exc)
        return _none(dataset, str(exc))
    rec = record(dataset, origin="download", location=url, rows=len(frame), note=note)
    return RegionPlaces(frame.reset_index(drop=True), [rec])


def _local(
    access: object,
    local: object,
    lads: Sequence[str],
    bbox_wgs84: tuple[float, float, float, float],
) -> RegionPlaces:
    dataset = access.dataset(DATASET)  # type: ignore[attr-defined]
    details = local.details  # type: ignore[attr-defined]
    covers = details.get("covers")
    if covers and not set(covers) & set(lads):
        return _none(dataset, "the sources file has no place names for this area")
    paths = local.resolve(lads)  # type: ignore[attr-defined]
    if not paths:
        return _none(dataset, f"not found: {local.describe()}")  # type: ignore[attr-defined]
    fmt = str(details.get("format", "osm_pbf"))
    frames, records = [], []
    for path in paths:
        frame = read_places(path, fmt, bbox_wgs84)
        frames.append(frame)
        note = access.sources.note(DATASET)  # type: ignore[attr-defined]
        records.append(
            record(
                dataset,
                origin="local file",
                location=str(path),
                rows=len(frame),
                sha256=file_sha256([path]),
                note=note,
            )
        )
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    return RegionPlaces(gpd.GeoDataFrame(frame, geometry="geometry", crs=frames[0].crs), records)


def _bng_slice(bbox_wgs84: tuple[float, float, float, float]) -> tuple[slice, slice]:
    import shapely

    box = gpd.GeoSeries([shapely.box(*bbox_wgs84)], crs=4326).to_crs(27700)
    west, south, east, north = box.total_bounds
    return slice(west, east), slice(south, north)


def _none(dataset: object, reason: str) -> RegionPlaces:
    gone = Unavailable(dataset.id, dataset.title, reason)  # type: ignore[attr-defined]
    return RegionPlaces(empty_places(), [], [gone])
