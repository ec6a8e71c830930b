"""The :class:`Region` record: a study region's areas, assets and provenance.

Kept apart from :mod:`geo.region` (which assembles regions) and
:mod:`geo.regioncache` (which stores them) so that both can import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import shapely

from geo.provenance import ProvenanceRecord, Unavailable
from geo.sources.osm_places import empty_places

CRS = "EPSG:27700"


@dataclass(frozen=True)
class SourceCoverage:
    """Where one asset source is complete, and which categories it supplies.

    Attributes
    ----------
    source, title
        The source key (as in the asset frame's ``source`` column) and its title.
    categories
        Category keys the source supplies.
    extent
        ``"national"`` (``label`` names the nation: England, England and
        Wales, Great Britain), ``"authorities"`` (``lad_codes``) or
        ``"area"`` (``area_wkt``, a polygon in EPSG:27700).
    label
        The extent in words, for notices ("Great Britain", "3 authorities",
        "the box searched").
    lad_codes
        The local authorities covered (``extent == "authorities"``).
    area_wkt
        The polygon covered (``extent == "area"``), as WKT in EPSG:27700.
    """

    source: str
    title: str
    categories: tuple[str, ...]
    extent: str
    label: str
    lad_codes: tuple[str, ...] = ()
    area_wkt: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for the region cache and metadata."""
        return {
            "source": self.source,
            "title": self.title,
            "categories": list(self.categories),
            "extent": self.extent,
            "label": self.label,
            "lad_codes": list(self.lad_codes),
            "area_wkt": self.area_wkt,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceCoverage:
        """The record :meth:`as_dict` wrote."""
        return cls(
            source=str(data["source"]),
            title=str(data["title"]),
            categories=tuple(data["categories"]),
            extent=str(data["extent"]),
            label=str(data["label"]),
            lad_codes=tuple(data.get("lad_codes", ())),
            area_wkt=str(data.get("area_wkt", "")),
        )


@dataclass(frozen=True)
class Region:
    """A study region: areas, assets and where every value came from.

    Attributes
    ----------
    key, name
        Identifier (e.g. ``E08000003``) and display name (``Manchester``).
    lad_codes
        The local authorities it covers.
    areas
        LSOA 2021 areas (index ``lsoa21cd``), EPSG:27700.
    assets
        Community assets (standard asset frame) within the region and its
        buffer; ``in_region`` says which lie inside.
    provenance
        One record per dataset used.
    unavailable
        Datasets that could not be had, with the reason.
    notes
        Plain-English notes on methods applied (bridging, fallbacks, rows
        rejected).
    coverage
        Where each asset source is complete and what it supplies
        (:class:`SourceCoverage`); empty for a region assembled without
        that knowledge, whose assets are then taken to cover it all.
    failed
        Datasets whose download failed in this run (a server error, the
        network unreachable, offline without an earlier download).  A region
        with failures is :attr:`degraded`: it is used for this run only and
        never cached, so the next run tries those datasets again.
    places
        Named places (towns, villages, suburbs) in and around the region
        (:mod:`geo.sources.osm_places`: ``name``, ``kind``, ``osm_id``,
        points in EPSG:27700); empty when none could be had.  They help
        readers find their way and take no part in the analysis.
    """

    key: str
    name: str
    lad_codes: tuple[str, ...]
    areas: gpd.GeoDataFrame
    assets: gpd.GeoDataFrame
    provenance: tuple[ProvenanceRecord, ...]
    unavailable: tuple[Unavailable, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    failed: tuple[str, ...] = ()
    coverage: tuple[SourceCoverage, ...] = ()
    places: gpd.GeoDataFrame = field(default_factory=empty_places)

    @property
    def degraded(self) -> bool:
        """Whether a dataset failed while this region was assembled."""
        return bool(self.failed)

    @property
    def bounds_wgs84(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the areas in WGS84, for display."""
        box = shapely.box(*self.areas.total_bounds)
        return tuple(gpd.GeoSeries([box], crs=CRS).to_crs(4326).total_bounds)
