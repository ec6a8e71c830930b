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
Each source also says where it is complete (:class:`SourceCoverage`): the
authorities it ``covers``, the nation it declares (``coverage = "Great
Britain"``), the box searched (Overpass), or else the area its places span;
and the categories it supplies (declared, fixed by its options, or read off
its rows).  The same place listed by two sources (same category, names equal or one
missing, less than :data:`DUPLICATE_DISTANCE_M` apart) is kept once, from the
source listed first.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import DataSourceError, OfflineError, SchemaError, UnreachableError
from geo.provenance import ProvenanceRecord, Unavailable, file_sha256, record
from geo.regiontypes import SourceCoverage
from geo.sources import lookups, osm, osm_geofabrik
from geo.sources.assetfiles import empty_asset_frame
from geo.sources.registers import assets_from_spec
from geo.sources.registry import AssetFile
from geo.sources.taxonomy import CATEGORIES

#: Categories OpenStreetMap supplies (those with OSM tags in the taxonomy).
OSM_CATEGORIES: tuple[str, ...] = tuple(c.key for c in CATEGORIES if c.osm_tags)

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
    #: Where each source loaded is complete, and what it supplies.
    coverage: list[SourceCoverage] = field(default_factory=list)


def search_box_wgs84(areas: gpd.GeoDataFrame, buffer_m: float) -> tuple[float, float, float, float]:
    """(south, west, north, east) in WGS84 of the areas' bounds grown by ``buffer_m``."""
    minx, miny, maxx, maxy = areas.total_bounds
    box = shapely.box(minx - buffer_m, miny - buffer_m, maxx + buffer_m, maxy + buffer_m)
    west, south, east, north = gpd.GeoSeries([box], crs=CRS).to_crs(4326).total_bounds
    return (float(south), float(west), float(north), float(east))


def load_assets(
    access: object, areas: gpd.GeoDataFrame, lads: Sequence[str], *, buffer_m: float
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

    access.report("OpenStreetMap community places", 0, 1)  # type: ignore[attr-defined]
    national = len(lads) >= osm_geofabrik.NATIONAL_MIN_AUTHORITIES  # Overpass for one or two
    osm_frame = _osm_assets(access, near, bbox, result, national=national)
    access.report("OpenStreetMap community places", 1, 1)  # type: ignore[attr-defined]
    if osm_frame is not None:
        parts.append(osm_frame)
        result.coverage.append(_osm_coverage(access, bbox))
    for asset_file in access.sources.asset_files:  # type: ignore[attr-defined]
        if not asset_file.relevant_to(near):
            continue
        access.report(asset_file.title, 0, 1)  # type: ignore[attr-defined]
        frame = _asset_file(asset_file, bbox, result)
        access.report(asset_file.title, 1, 1)  # type: ignore[attr-defined]
        if frame is not None:
            parts.append(frame)
            found = file_coverage(asset_file, frame, bbox)
            if found is not None:
                result.coverage.append(found)

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
        coverage=result.coverage,
    )


def _osm_coverage(access: object, bbox: tuple[float, float, float, float]) -> SourceCoverage:
    """OpenStreetMap: the authorities its extract covers, else the box searched."""
    dataset = access.dataset("osm_assets")  # type: ignore[attr-defined]
    local = access.sources.local.get("osm_assets")  # type: ignore[attr-defined]
    covers = tuple(local.details.get("covers") or ()) if local is not None else ()
    common = {"source": "osm_assets", "title": dataset.title, "categories": OSM_CATEGORIES}
    if covers:
        return SourceCoverage(
            **common, extent="authorities", label=_authorities(covers), lad_codes=covers
        )
    return SourceCoverage(
        **common, extent="area", label="the area searched", area_wkt=_box_wkt(bbox)
    )


def file_coverage(
    asset_file: AssetFile, frame: gpd.GeoDataFrame, bbox: tuple[float, float, float, float]
) -> SourceCoverage | None:
    """Where an asset file is complete: its authorities, its nation, or the area searched.

    ``frame`` is what was read from the file around the region; it gives the
    categories when the file does not declare them.  A file that states no
    coverage is taken to be complete over the area searched (``bbox``, south,
    west, north, east in WGS84), and its label says so.  None when the file
    gave no place and declares no category.
    """
    categories = asset_file.supplied_categories()
    if categories is None:
        categories = tuple(dict.fromkeys(frame["category"].astype(str)))
    if not categories:
        return None
    source, title, kinds = asset_file.source, asset_file.title, tuple(categories)
    covers = asset_file.covers
    if covers and "*" not in covers:
        label = _authorities(covers)
        return SourceCoverage(source, title, kinds, "authorities", label, tuple(covers))
    if asset_file.coverage or covers:
        return SourceCoverage(source, title, kinds, "national", asset_file.coverage or "England")
    label = "the area searched (the file states no coverage, so it is assumed complete)"
    return SourceCoverage(source, title, kinds, "area", label, area_wkt=_box_wkt(bbox))


def _authorities(codes: Sequence[str]) -> str:
    listed = ", ".join(codes[:4]) + (", …" if len(codes) > 4 else "")
    return f"{len(codes)} authorit{'y' if len(codes) == 1 else 'ies'}: {listed}"


def _box_wkt(bbox: tuple[float, float, float, float]) -> str:
    """The (south, west, north, east) WGS84 box as a polygon in EPSG:27700, as WKT."""
    south, west, north, east = bbox
    box = gpd.GeoSeries([shapely.box(west, south, east, north)], crs=4326).to_crs(CRS)
    return str(box.iloc[0].wkt)


def nearby_authorities(
    access: object,
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
        codes = lookups.local_authorities(access.lsoa21_lookup().frame)["lad_code"]  # type: ignore[attr-defined]
        if access.check_available(["lad_boundaries"], list(lads)):  # type: ignore[attr-defined]
            raise OfflineError("local authority boundaries unavailable")
        polygons = access.lad_boundaries(list(codes)).frame  # type: ignore[attr-defined]
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
    access: object,
    lads: Sequence[str],
    bbox: tuple[float, float, float, float],
    result: RegionAssets,
    *,
    national: bool = False,
) -> gpd.GeoDataFrame | None:
    dataset_id = "osm_assets"
    dataset = access.dataset(dataset_id)  # type: ignore[attr-defined]
    local = access.sources.local.get(dataset_id)  # type: ignore[attr-defined]
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
                    access.dataset(dataset_id),  # type: ignore[attr-defined]
                    origin="local file",
                    location=str(path),
                    rows=len(read.frame),
                    sha256=file_sha256([path]),
                    note=_rejected_note(read) + (" " + access.sources.note(dataset_id)).rstrip(),  # type: ignore[attr-defined]
                )
            )
        return pd.concat(frames, ignore_index=True) if frames else None
    online = dataset.online or {}
    try:
        if national:  # a region of several authorities: the Geofabrik extract, read once
            frame, provenance = osm_geofabrik.region_osm_assets(access, dataset, _wsen(bbox))
            result.provenance.append(provenance)
            return frame
        # offline, the client answers from the cache (an earlier run's download) or raises;
        # a large box is split into tiles (each cached on its own) and merged
        data = access.client.overpass_area(  # type: ignore[attr-defined]
            _wsen(bbox), osm.overpass_query, url=online.get("url")
        )
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


def _unavailable(dataset: object, reason: str) -> Unavailable:
    return Unavailable(dataset.id, dataset.title, reason)  # type: ignore[attr-defined]


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
