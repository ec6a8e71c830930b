"""Assembling a study region.

:func:`load_region` turns an area (a local authority name or code, several of
them, or ``england``) into a :class:`Region`: one GeoDataFrame of LSOA 2021
areas in EPSG:27700 indexed by code with names, ward, local authority,
population, IoD2025 and bridged IoD2019 values, Census 2021 indicators and a
representative point per area; the community assets inside the region and
within a buffer around it (assets just over the border serve residents too);
and a provenance record per dataset.  Datasets that could not be had are
listed in ``Region.unavailable``; their columns are absent, never invented.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import regioncache
from geo.config import Settings
from geo.errors import AreaNotFoundError, CacheError, DataSourceError, SchemaError
from geo.provenance import Progress, ProvenanceRecord, Unavailable
from geo.regionnames import region_names
from geo.regiontypes import Region
from geo.sources import census, deprivation, lookups, osm_geofabrik
from geo.sources.access import CENSUS_DATASETS, REQUIRED, DataAccess, Loaded
from geo.sources.assets import load_assets, search_box_wgs84
from geo.sources.osm_places import empty_places
from geo.sources.placenames import RegionPlaces, load_places

log = logging.getLogger(__name__)

CRS = "EPSG:27700"
_LAD_CODE = re.compile(r"^[EWSN]\d{8}$", re.IGNORECASE)
#: Names that select every English local authority.
ENGLAND = {"england", "all england", "e92000001"}


@dataclass(frozen=True)
class AreaSelection:
    """The local authorities an area text resolved to."""

    key: str
    name: str
    lad_codes: tuple[str, ...]


def resolve_area(text: str, lookup: pd.DataFrame) -> AreaSelection:
    """Resolve a name, code, comma-separated list or ``england`` to local authorities.

    Names match case-insensitively; an unknown name raises
    :class:`AreaNotFoundError` listing close matches.
    """
    las = lookups.local_authorities(lookup)
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    if not items:
        raise AreaNotFoundError("No area given. Give a local authority name or code, or england.")
    if len(items) == 1 and items[0].lower() in ENGLAND:
        english = las[las["lad_code"].str.startswith("E")]
        return AreaSelection("england", "England", tuple(english["lad_code"]))
    by_code = {c.upper(): (c, n) for c, n in zip(las["lad_code"], las["lad_name"], strict=True)}
    by_name = {n.lower(): (c, n) for c, n in zip(las["lad_code"], las["lad_name"], strict=True)}
    chosen: list[tuple[str, str]] = []
    for item in items:
        hit = by_code.get(item.upper()) or by_name.get(item.lower())
        if hit is None:
            raise AreaNotFoundError(_unknown_area_message(item, las))
        if hit not in chosen:
            chosen.append(hit)
    codes = tuple(c for c, _ in chosen)
    name = " and ".join(n for _, n in chosen) if len(chosen) <= 3 else f"{len(chosen)} areas"
    key = codes[0] if len(codes) == 1 else "+".join(codes)
    return AreaSelection(key, name, codes)


def _unknown_area_message(item: str, las: pd.DataFrame) -> str:
    names = list(las["lad_name"])
    close = difflib.get_close_matches(item, names, n=5, cutoff=0.6)
    lowered = item.lower()
    close += [n for n in names if lowered in n.lower() and n not in close][:5]
    if _LAD_CODE.match(item):
        hint = f"{item} is not a local authority code in the lookup (2024 codes are used)."
    else:
        hint = f"No local authority is called {item!r}."
    suggestion = f" Did you mean: {', '.join(close[:5])}?" if close else ""
    return f"{hint}{suggestion} Run `python -m geo areas` to list them all."


def load_region(
    area: str,
    *,
    settings: Settings,
    progress: Progress | None = None,
    access: DataAccess | None = None,
    use_cache: bool = True,
) -> Region:
    """Assemble the study region for ``area``.

    Parameters
    ----------
    area
        Local authority name or code (``Manchester``, ``E08000003``), several
        separated by commas, or ``england``.
    settings
        Cache, sources file, offline flag.
    progress
        Called as ``progress(label, done, total)`` while data is read.
    access
        Reuse an existing :class:`DataAccess` (and its in-memory readers).
    use_cache
        Reuse an assembled region cached on disk when nothing it depends on
        has changed (see :mod:`geo.regioncache`), and cache a new one.
    """
    access = access or DataAccess(settings, progress=progress)
    access.require(["lsoa21_lookup"])
    lookup = access.lsoa21_lookup()
    selection = resolve_area(area, lookup.frame)
    lads = selection.lad_codes
    if use_cache:
        cached = regioncache.load_cached(selection.key, settings, access.sources)
        if cached is not None:
            return cached
    access.require(REQUIRED, lads)

    found = _Assembly(access, lads, [lookup.provenance])
    areas = _lsoa_areas(found, lookup.frame)
    codes = list(areas.index)
    centroids = found.optional("lsoa21_centroids", lambda: access.lsoa21_centroids(codes, lads))
    areas = _attach_points(areas, centroids, found.notes)
    areas = _join_deprivation(found, areas)
    areas = _join_census(found, areas, codes)

    assets = load_assets(access, areas, lads, buffer_m=settings.region_buffer_m)
    found.provenance.extend(assets.provenance)
    found.unavailable.extend(assets.unavailable)
    found.notes.extend(assets.notes)
    found.failed.extend(assets.failed)
    places = _places(access, areas, lads, settings.region_buffer_m, found.failed)
    found.provenance.extend(places.provenance)
    found.unavailable.extend(places.unavailable)
    if found.failed:
        found.notes.append(_degraded_note(found.failed, access))

    region = Region(
        key=selection.key,
        name=selection.name,
        lad_codes=lads,
        areas=areas,
        assets=assets.frame,
        provenance=tuple(found.provenance),
        unavailable=tuple(found.unavailable),
        notes=tuple(found.notes),
        failed=tuple(found.failed),
        coverage=tuple(assets.coverage),
        places=places.frame,
    )
    if use_cache:
        try:
            regioncache.store(region, settings, access.sources)
        except (CacheError, OSError) as exc:
            log.warning("could not cache region %s: %s", region.key, exc)
    return region


@dataclass
class _Assembly:
    """What a region's datasets leave behind while it is assembled.

    ``provenance`` and ``unavailable`` collect a record per dataset read or
    missed, ``notes`` what the reader should know, ``failed`` the datasets
    that could not be had in this run.
    """

    access: DataAccess
    lads: tuple[str, ...]
    provenance: list[ProvenanceRecord]
    unavailable: list[Unavailable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def optional(self, dataset_id: str, fetch: Callable[[], Loaded]) -> pd.DataFrame | None:
        """``fetch()``'s frame, or None (recorded as unavailable) when it cannot be had."""
        access = self.access
        missing = access.check_available([dataset_id], self.lads)
        if missing:
            self.unavailable.append(
                Unavailable(dataset_id, access.dataset(dataset_id).title, missing[0][1])
            )
            return None
        try:
            loaded = fetch()
        except (DataSourceError, SchemaError) as exc:
            log.info("%s unavailable: %s", dataset_id, exc)
            self.unavailable.append(
                Unavailable(dataset_id, access.dataset(dataset_id).title, str(exc))
            )
            self.failed.append(dataset_id)
            return None
        self.provenance.append(loaded.provenance)
        return loaded.frame


def _lsoa_areas(found: _Assembly, lookup: pd.DataFrame) -> gpd.GeoDataFrame:
    """The region's LSOAs from the lookup, with their boundaries and English region."""
    access, lads = found.access, found.lads
    areas = lookup[lookup["lad_code"].isin(lads)].copy()
    areas.index.name = "lsoa21cd"
    codes = list(areas.index)

    polygons = access.lsoa21_boundaries(codes, lads)
    found.provenance.append(polygons.provenance)
    areas = _attach_geometry(areas, polygons.frame, found.notes)
    by_lad = None
    if not access.check_available(["lad_regions"]):
        try:
            loaded_regions = access.lad_regions()
            by_lad = loaded_regions.frame
            found.provenance.append(loaded_regions.provenance)
        except (DataSourceError, SchemaError) as exc:
            log.info("local authority → region lookup unavailable: %s", exc)
    return with_regions(areas, polygons.frame, by_lad, found.notes)


def _join_deprivation(found: _Assembly, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """IoD2025 values, and IoD2019 bridged from LSOA 2011 when the lookup is there."""
    access, notes = found.access, found.notes
    iod25 = found.optional("iod2025", access.iod2025)
    if iod25 is not None:
        areas = _join_iod2025(areas, iod25, notes)

    iod19 = found.optional("iod2019", access.iod2019)
    bridge = (
        found.optional("lsoa11_lsoa21_lookup", access.lsoa11_lsoa21_lookup)
        if iod19 is not None
        else None
    )
    if iod19 is not None and bridge is not None:
        areas = _join_iod2019(areas, iod19, bridge, notes)
    elif iod19 is not None:
        notes.append(
            "IoD2019 not used: the LSOA 2011 → 2021 lookup needed to bridge it is unavailable."
        )
    return areas


def _join_census(found: _Assembly, areas: gpd.GeoDataFrame, codes: list[str]) -> gpd.GeoDataFrame:
    """The Census 2021 indicators, and the population (IoD2025's when TS001 is missing)."""
    access, notes = found.access, found.notes
    tables = {}
    for dataset_id in CENSUS_DATASETS:
        frame = found.optional(
            dataset_id, functools.partial(access.census_table, dataset_id, codes)
        )
        if frame is not None:
            tables[access.dataset(dataset_id).table or dataset_id] = frame
    if tables:
        indicators = census.census_indicators(tables)
        areas = areas.join(indicators.frame.reindex(areas.index))
        notes.extend(str(n) for n in indicators.notes)
    if "population" not in areas and "population_total" in areas:
        areas["population"] = areas["population_total"]
        notes.append("Population is the IoD2025 mid-2022 denominator (Census TS001 unavailable).")
    return areas


def _places(
    access: DataAccess,
    areas: gpd.GeoDataFrame,
    lads: tuple[str, ...],
    buffer_m: float,
    failed: list[str],
) -> RegionPlaces:
    """Named places in the region's search box (Overpass, the extract or a local file).

    When OpenStreetMap just failed for the community places, it is not asked
    again for names in the same run.
    """
    if "osm_assets" in failed and "osm_places" not in access.sources.local:
        dataset = access.dataset("osm_places")
        reason = "OpenStreetMap could not be reached for the community places in this run"
        return RegionPlaces(empty_places(), [], [Unavailable(dataset.id, dataset.title, reason)])
    access.report("OpenStreetMap place names", 0, 1)
    national = len(lads) >= osm_geofabrik.NATIONAL_MIN_AUTHORITIES
    south, west, north, east = search_box_wgs84(areas, buffer_m)
    found = load_places(access, lads, (west, south, east, north), national=national)
    access.report("OpenStreetMap place names", 1, 1)
    return found


def _degraded_note(failed: list[str], access: DataAccess) -> str:
    titles = ", ".join(access.dataset(d).title for d in dict.fromkeys(failed))
    return (
        f"Incomplete: {titles} could not be had in this run, so the results leave them out. "
        "This region is not cached: the next run tries again."
    )


def _attach_geometry(
    areas: pd.DataFrame, polygons: gpd.GeoDataFrame, notes: list[str]
) -> gpd.GeoDataFrame:
    missing = areas.index.difference(polygons.index)
    if len(missing):
        notes.append(
            f"{len(missing)} LSOA(s) in the lookup have no boundary and are left out: "
            + ", ".join(missing[:10])
            + ("…" if len(missing) > 10 else "")
        )
    keep = areas.index.intersection(polygons.index)
    geometry = polygons.geometry.reindex(keep)
    frame = areas.loc[keep]
    if "lsoa21nm" in polygons and frame["lsoa21nm"].isna().any():
        frame = frame.assign(lsoa21nm=frame["lsoa21nm"].fillna(polygons["lsoa21nm"]))
    out = gpd.GeoDataFrame(frame, geometry=geometry.values, crs=CRS)
    out.index.name = "lsoa21cd"
    return out.sort_index()


def with_regions(
    areas: gpd.GeoDataFrame,
    polygons: pd.DataFrame,
    by_lad: pd.Series | None,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """``region_code`` and ``region_name`` per area: the boundaries' RGNCD, else by authority.

    Areas whose region is in neither are left missing (and a note says so).
    """
    codes = pd.Series(pd.NA, index=areas.index, dtype="str")
    if "region_code" in polygons:
        codes = polygons["region_code"].reindex(areas.index).astype("str")
    if by_lad is not None and "lad_code" in areas:
        codes = codes.fillna(areas["lad_code"].map(by_lad).astype("str"))
    unknown = int(codes.isna().sum())
    if unknown:
        notes.append(
            f"The region is not known for {unknown:,} small area(s): neither the boundaries "
            "(RGNCD) nor a local authority → region lookup gives it."
        )
    return areas.assign(region_code=codes, region_name=region_names(codes))


def _attach_points(
    areas: gpd.GeoDataFrame, centroids: gpd.GeoSeries | None, notes: list[str]
) -> gpd.GeoDataFrame:
    inside = areas.geometry.representative_point()
    if centroids is None:
        points = inside
        source = pd.Series("point inside polygon", index=areas.index)
        notes.append(
            "Population-weighted centroids are unavailable: distances are measured from a "
            "point inside each area's polygon."
        )
    else:
        pwc = centroids.reindex(areas.index)
        has = pwc.notna() & ~pwc.is_empty.fillna(True)
        points = gpd.GeoSeries(np.where(has, pwc, inside), index=areas.index, crs=CRS)
        source = pd.Series(
            np.where(has, "population-weighted centroid", "point inside polygon"), index=areas.index
        )
        if (~has).any():
            notes.append(
                f"{int((~has).sum())} area(s) have no population-weighted centroid: a point "
                "inside the polygon is used."
            )
    return areas.assign(
        point_x=points.x.round(1), point_y=points.y.round(1), point_source=source.values
    )


def _join_iod2025(areas: gpd.GeoDataFrame, iod: pd.DataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    drop = [c for c in ("lsoa21nm", "lad_code", "lad_name") if c in iod]
    values = iod.drop(columns=drop).reindex(areas.index)
    missing = int(values["imd_score"].isna().sum()) if "imd_score" in values else len(values)
    if missing:
        notes.append(f"{missing} area(s) have no IoD2025 values (IoD covers England only).")
    return areas.join(values)


def _join_iod2019(
    areas: gpd.GeoDataFrame, iod19: pd.DataFrame, bridge: pd.DataFrame, notes: list[str]
) -> gpd.GeoDataFrame:
    weights = iod19.get("population_total")
    values = iod19.drop(columns=[c for c in ("lsoa11nm", "lad_code", "lad_name") if c in iod19])
    relevant = bridge[bridge["lsoa21cd"].isin(areas.index)]
    result = deprivation.bridge_lsoa11_to_lsoa21(values, relevant, weights=weights)
    bridged = result.frame.reindex(areas.index).add_prefix("iod2019_")
    notes.append(_bridge_note(result.report))
    return areas.join(bridged)


def _bridge_note(report: object) -> str:
    counts = getattr(report, "by_change_code", None) or getattr(report, "counts", None)
    text = f"IoD2019 (LSOA 2011) bridged to LSOA 2021 with the ONS lookup: {report}."
    if isinstance(counts, dict):
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        text = (
            "IoD2019 (LSOA 2011) bridged to LSOA 2021 with the ONS exact-fit lookup "
            f"(areas by change code: {parts}). Unchanged and split areas keep their 2011 values; "
            "merged and irregular areas take the 2011 population-weighted mean."
        )
    return text
