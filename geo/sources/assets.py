"""Community assets for a region, from OpenStreetMap and asset registers.

Online, OpenStreetMap places in the asset taxonomy are fetched through the
Overpass API for the region's bounding box plus a buffer.  Offline, or in
addition, a sources file can name OpenStreetMap extracts (``osm_assets``) and
any number of asset registers (``[[assets]]``: council lists, DCMS libraries,
OS places of worship, Sport England Active Places, warm spaces...).

Assets are chosen by where they are, not by the authorities a source lists:
every point within ``buffer_m`` metres of any area of the region is kept
(assets just over the border serve residents too), and ``in_region`` says
which lie inside the region itself.  A source that lists the authorities it
``covers`` is opened when the region and its buffer touch any of them, so a
neighbouring authority's register contributes its points near the border.
The same place listed by two sources (same category, names equal or one
missing, less than :data:`DUPLICATE_DISTANCE_M` apart) is kept once, from the
source listed first.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import DataSourceError, OfflineError, SchemaError, UnreachableError
from geo.provenance import ProvenanceRecord, Unavailable, file_sha256, record
from geo.sources import lookups, osm
from geo.sources.assetfiles import empty_asset_frame
from geo.sources.registers import assets_from_spec
from geo.sources.registry import AssetFile, Dataset

if TYPE_CHECKING:  # the data access layer imports this module
    from geo.sources.access import DataAccess

log = logging.getLogger(__name__)

CRS = "EPSG:27700"
#: Two records of the same category closer than this (metres) may be one place.
DUPLICATE_DISTANCE_M = 30.0
#: Slack (metres) added to the buffer when asking which authorities it touches,
#: because the national authority boundaries are simplified.
BOUNDARY_SLACK_M = 1000.0


@dataclass(frozen=True)
class RegionAssets:
    """Assets gathered for a region, with provenance per source."""

    frame: gpd.GeoDataFrame
    provenance: list[ProvenanceRecord] = field(default_factory=list)
    unavailable: list[Unavailable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Sources whose download failed in this run (tried again next time).
    failed: list[str] = field(default_factory=list)


def search_box_wgs84(areas: gpd.GeoDataFrame, buffer_m: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) in WGS84 of the areas' bounds grown by ``buffer_m``."""
    minx, miny, maxx, maxy = areas.total_bounds
    box = shapely.box(minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m)
    west, south, east, north = gpd.GeoSeries([box], crs=CRS).to_crs(4326).total_bounds
    return (float(south), float(west), float(north), float(east))


def load_assets(
    access: DataAccess, areas: gpd.GeoDataFrame, lads: Sequence[str], *, buffer_m: float
) -> RegionAssets:
    """Gather the assets that serve the region's residents.

    Parameters
    ----------
    access
        A :class:`geo.sources.access.DataAccess`.
    areas
        The region's LSOA polygons (EPSG:27700).
    lads
        The region's local authority codes.
    buffer_m
        Keep assets up to this distance outside the region.
    """
    bbox = search_box_wgs84(areas, buffer_m)
    parts: list[gpd.GeoDataFrame] = []
    result = RegionAssets(frame=empty_asset_frame().assign(in_region=pd.Series(dtype=bool)))
    near = nearby_authorities(access, areas, lads, buffer_m, result.notes)

    access.report("OpenStreetMap community places", 0, 1)
    osm_frame = _osm_assets(access, near, bbox, result)
    access.report("OpenStreetMap community places", 1, 1)
    if osm_frame is not None:
        parts.append(osm_frame)
    for asset_file in access.sources.asset_files:
        if not asset_file.relevant_to(near):
            continue
        access.report(asset_file.title, 0, 1)
        frame = _asset_file(asset_file, bbox, result)
        access.report(asset_file.title, 1, 1)
        if frame is not None:
            parts.append(frame)

    if not parts:
        result.notes.append("No community assets could be loaded for this area.")
        return result
    frame = pd.concat(parts, ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS)
    frame = within_buffer(frame, areas, buffer_m)
    frame, dropped = deduplicate(frame)
    if dropped:
        result.notes.append(
            f"{dropped} asset record(s) were the same place as one from an earlier source "
            f"(same category, same or missing name, within {DUPLICATE_DISTANCE_M:.0f} m) and "
            "were counted once."
        )
    _set_rows(result, frame)
    return RegionAssets(
        frame=frame.reset_index(drop=True),
        provenance=result.provenance,
        unavailable=result.unavailable,
        notes=result.notes,
        failed=result.failed,
    )


def nearby_authorities(
    access: DataAccess,
    areas: gpd.GeoDataFrame,
    lads: Sequence[str],
    buffer_m: float,
    notes: list[str] | None = None,
) -> tuple[str, ...]:
    """The region's authorities and every other one its buffer reaches.

    Parameters
    ----------
    access
        A :class:`geo.sources.access.DataAccess` (for the lookup and the
        local authority boundaries).
    areas
        The region's LSOA polygons (EPSG:27700).
    lads
        The region's own local authority codes, always included.
    buffer_m
        The buffer around the region in which assets are kept; authorities
        within it (plus :data:`BOUNDARY_SLACK_M`, as the national boundaries
        are simplified) are included.
    notes
        Gets a note when the boundaries cannot be had; only ``lads`` are
        returned then.

    Returns
    -------
    tuple of str
        ``lads`` first, then the neighbouring codes in sorted order.
    """
    try:
        codes = lookups.local_authorities(access.lsoa21_lookup().frame)["lad_code"]
        if access.check_available(["lad_boundaries"], list(lads)):
            raise OfflineError("local authority boundaries unavailable")
        polygons = access.lad_boundaries(list(codes)).frame
    except (DataSourceError, OfflineError, SchemaError) as exc:
        log.info("neighbouring authorities unknown: %s", exc)
        if notes is not None and len(areas):
            notes.append(
                "Local authority boundaries are unavailable, so only asset files listing this "
                "area's own authorities were opened: registers of neighbouring authorities, "
                "whose places near the border serve residents too, may be missing."
            )
        return tuple(lads)
    return authorities_within(polygons, areas, lads, buffer_m + BOUNDARY_SLACK_M)


def authorities_within(
    polygons: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, lads: Sequence[str], distance_m: float
) -> tuple[str, ...]:
    """``lads``, then the codes of ``polygons`` within ``distance_m`` of any area."""
    if not len(areas) or not len(polygons):
        return tuple(lads)
    tree = shapely.STRtree(polygons.geometry.values)
    hits = tree.query(areas.geometry.values, predicate="dwithin", distance=distance_m)[1]
    near = sorted(set(polygons.index[np.unique(hits)]) - set(lads))
    return (*lads, *near)


def _osm_assets(
    access: DataAccess,
    lads: Sequence[str],
    bbox: tuple[float, float, float, float],
    result: RegionAssets,
) -> gpd.GeoDataFrame | None:
    dataset_id = "osm_assets"
    dataset = access.dataset(dataset_id)
    local = access.sources.local.get(dataset_id)
    if local is not None:
        covers = local.details.get("covers")
        paths = local.resolve(lads)
        if covers and not set(covers) & set(lads):
            result.unavailable.append(
                _unavailable(dataset, "the sources file has no OpenStreetMap extract for this area")
            )
            return None
        if not paths:
            result.unavailable.append(_unavailable(dataset, f"not found: {local.describe()}"))
            return None
        frames = []
        for path in paths:
            spec = {
                "format": local.details.get("format", "osm_pbf"),
                "path": str(path),
                "source": dataset_id,
            }
            read = assets_from_spec(spec, base_dir=path.parent, bbox_wgs84=_wsen(bbox))
            frames.append(read.frame)
            result.provenance.append(
                record(
                    access.dataset(dataset_id),
                    origin="local file",
                    location=str(path),
                    rows=len(read.frame),
                    sha256=file_sha256([path]),
                    note=_rejected_note(read) + (" " + access.sources.note(dataset_id)).rstrip(),
                )
            )
        return pd.concat(frames, ignore_index=True) if frames else None
    online = dataset.online or {}
    try:
        # offline, the client answers from the cache (an earlier run's download) or raises;
        # a large box is split into tiles (each cached on its own) and merged
        data = access.client.overpass_area(_wsen(bbox), osm.overpass_query, url=online.get("url"))
    except OfflineError as exc:
        reason = (
            str(exc)
            if isinstance(exc, UnreachableError)
            else "offline, no OpenStreetMap file named and no earlier download of this area"
        )
        result.unavailable.append(_unavailable(dataset, reason))
        result.failed.append(dataset_id)
        return None
    except DataSourceError as exc:
        result.unavailable.append(_unavailable(dataset, str(exc)))
        result.failed.append(dataset_id)
        return None
    read = osm.assets_from_overpass_json(data, source=dataset_id)
    result.provenance.append(
        record(
            dataset,
            origin="download",
            location=str(online.get("url", "")),
            rows=len(read.frame),
            note=(
                f"Overpass query for the box S{bbox[0]:.4f} W{bbox[1]:.4f} N{bbox[2]:.4f} "
                f"E{bbox[3]:.4f}, fetched {datetime.now(UTC):%Y-%m-%d}. " + _rejected_note(read)
            ).strip(),
        )
    )
    return read.frame


def _asset_file(
    asset_file: AssetFile, bbox: tuple[float, float, float, float], result: RegionAssets
) -> gpd.GeoDataFrame | None:
    if not asset_file.path.is_file():
        result.unavailable.append(
            Unavailable(asset_file.source, asset_file.title, f"file not found: {asset_file.path}")
        )
        return None
    spec = {**asset_file.options, "path": str(asset_file.path), "source": asset_file.source}
    try:
        read = assets_from_spec(spec, base_dir=asset_file.path.parent, bbox_wgs84=_wsen(bbox))
    except DataSourceError as exc:
        result.unavailable.append(Unavailable(asset_file.source, asset_file.title, str(exc)))
        return None
    result.provenance.append(
        ProvenanceRecord(
            dataset=asset_file.source,
            title=asset_file.title,
            publisher="",
            vintage=asset_file.vintage,
            licence=asset_file.licence,
            attribution=asset_file.attribution,
            origin="local file",
            location=str(asset_file.path),
            rows=len(read.frame),
            retrieved=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            sha256=file_sha256([asset_file.path]),
            note=_rejected_note(read),
        )
    )
    return read.frame


def _wsen(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    south, west, north, east = bbox
    return (west, south, east, north)


def _unavailable(dataset: Dataset, reason: str) -> Unavailable:
    return Unavailable(dataset.id, dataset.title, reason)


def _rejected_note(read: object) -> str:
    rejected = getattr(read, "rejected", None) or {}
    if not rejected:
        return ""
    parts = ", ".join(f"{n} {reason}" for reason, n in sorted(rejected.items()))
    return f"Rows not used: {parts}."


def within_buffer(
    frame: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, buffer_m: float
) -> gpd.GeoDataFrame:
    """Keep assets within ``buffer_m`` of any area; flag those inside the region."""
    if frame.empty:
        return frame.assign(in_region=pd.Series(dtype=bool))
    tree = shapely.STRtree(areas.geometry.values)
    points = frame.geometry.values
    near_idx = tree.query(points, predicate="dwithin", distance=buffer_m)[0]
    inside_idx = tree.query(points, predicate="intersects")[0]
    keep = np.zeros(len(frame), dtype=bool)
    keep[near_idx] = True
    inside = np.zeros(len(frame), dtype=bool)
    inside[inside_idx] = True
    out = frame.assign(in_region=inside)
    return out[keep]


def deduplicate(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Drop records that repeat a place already listed by an earlier source.

    Two records are the same place when they have the same category, lie
    less than :data:`DUPLICATE_DISTANCE_M` apart, come from different sources
    and their names are equal (case and spacing ignored) or one is missing.
    """
    if len(frame) < 2:
        return frame, 0
    frame = frame.reset_index(drop=True)
    tree = shapely.STRtree(frame.geometry.values)
    left, right = tree.query(
        frame.geometry.values, predicate="dwithin", distance=DUPLICATE_DISTANCE_M
    )
    pairs = left < right
    left, right = left[pairs], right[pairs]
    cat = frame["category"].to_numpy()
    src = frame["source"].to_numpy()
    names = frame["name"].fillna("").str.casefold().str.split().str.join(" ").to_numpy()
    same = (cat[left] == cat[right]) & (src[left] != src[right])
    same &= (names[left] == names[right]) | (names[left] == "") | (names[right] == "")
    drop = np.unique(right[same])
    return frame.drop(index=drop), len(drop)


def _set_rows(result: RegionAssets, frame: gpd.GeoDataFrame) -> None:
    """Record the rows each source contributes after clipping and de-duplication."""
    counts = frame["source"].value_counts()
    for i, rec in enumerate(result.provenance):
        rows = int(counts.get(rec.dataset, 0))
        result.provenance[i] = dataclasses.replace(rec, rows=rows)
