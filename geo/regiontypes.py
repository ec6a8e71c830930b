"""The :class:`Region` record: a study region's areas, assets and provenance.

Kept apart from :mod:`geo.region` (which assembles regions) and
:mod:`geo.regioncache` (which stores them) so that both can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import shapely

from geo.provenance import ProvenanceRecord, Unavailable

CRS = "EPSG:27700"


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
    failed
        Datasets whose download failed in this run (a server error, the
        network unreachable, offline without an earlier download).  A region
        with failures is :attr:`degraded`: it is used for this run only and
        never cached, so the next run tries those datasets again.
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

    @property
    def degraded(self) -> bool:
        """Whether a dataset failed while this region was assembled."""
        return bool(self.failed)

    @property
    def bounds_wgs84(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the areas in WGS84, for display."""
        box = shapely.box(*self.areas.total_bounds)
        return tuple(gpd.GeoSeries([box], crs=CRS).to_crs(4326).total_bounds)
