"""OpenStreetMap community assets, from every form OSM data arrives in.

This module gathers the readers, one module per form: :mod:`~geo.sources.osm_overpass`,
:mod:`~geo.sources.osm_pbf`, :mod:`~geo.sources.osm_shpzip`,
:mod:`~geo.sources.osm_geojson`, :mod:`~geo.sources.osm_pubs` (shared helpers in
:mod:`~geo.sources.osm_common`).

All readers return an :class:`~geo.sources.assetfiles.AssetRead` holding the
standard asset frame (EPSG:27700, columns ``asset_id name category source
address capacity tags geometry``) and the count of rows dropped, by reason.
Categories come from :func:`geo.sources.taxonomy.categorise_tags` (or
:data:`~geo.sources.taxonomy.GEOFABRIK_FCLASS` for the Geofabrik shapefiles).

==========================  ==================================================
reader                      input
==========================  ==================================================
``assets_from_overpass_json``  an Overpass API JSON answer (``out center tags``)
``assets_from_osm_pbf``        a ``.osm.pbf`` extract (Geofabrik), via pyosmium
``assets_from_geofabrik_shp_zip``  the Geofabrik ``-free.shp.zip`` bundle
``assets_from_osm_geojson``    an osmtogeojson / overpass-turbo GeoJSON export
``assets_from_pubs_tsv``       the GB pub-names TSV (name, normalised, id, lat, lon)
==========================  ==================================================

``asset_id`` is ``osm:<type>/<id>`` (``osm:node/123``, ``osm:way/456``,
``osm:relation/789``).  Where the source does not record the element type it
says so: Geofabrik polygons are ``osm:area/<id>`` (a way or a multipolygon
relation), pub-list rows ``osm:pub/<id>``.

Where the point comes from
--------------------------
* PBF: nodes are points; tagged ways and multipolygon relations are assembled
  into areas by libosmium and replaced by a point inside the area
  (``representative_point`` in EPSG:27700).  A tagged way that cannot form an
  area (open, or a broken ring) gets a point on its line; a relation that
  cannot be assembled is rejected as ``"no geometry"``.
* Overpass ``out center``: ways and relations come with their bounding-box
  centre only, which can fall outside a concave or ring-shaped feature (an
  L-shaped park, a site wrapped round a car park): the atlas uses it as is.
  An answer made with ``out geom`` gives the way's outline, and then the point
  is inside it.
* GeoJSON exports and Geofabrik polygons: a point inside the shape.
"""

from __future__ import annotations

from geo.sources.osm_common import PathArg, osm_address
from geo.sources.osm_geojson import assets_from_osm_geojson, geojson_crs
from geo.sources.osm_overpass import assets_from_overpass_json, overpass_query
from geo.sources.osm_pbf import assets_from_osm_pbf
from geo.sources.osm_pubs import assets_from_pubs_tsv
from geo.sources.osm_shpzip import (
    GEOFABRIK_LAYERS,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    MAX_ZIP_UNCOMPRESSED,
    assets_from_geofabrik_shp_zip,
    inspect_zip,
)
from geo.sources.taxonomy import overpass_filters

__all__ = [
    "GEOFABRIK_LAYERS",
    "MAX_ZIP_MEMBERS",
    "MAX_ZIP_RATIO",
    "MAX_ZIP_UNCOMPRESSED",
    "PathArg",
    "assets_from_geofabrik_shp_zip",
    "assets_from_osm_geojson",
    "assets_from_osm_pbf",
    "assets_from_overpass_json",
    "assets_from_pubs_tsv",
    "geojson_crs",
    "inspect_zip",
    "osm_address",
    "overpass_filters",
    "overpass_query",
]
