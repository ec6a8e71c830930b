"""Community assets from registers that are not OpenStreetMap.

Councils, the NHS, Sport England, the Ordnance Survey and charities publish
lists of libraries, places of worship, GP practices, sports facilities, green
spaces, food banks and warm spaces as CSV/TSV tables or vector files
(GeoJSON, GeoPackage, shapefile).  Two readers turn any of them into the
standard asset frame (see :mod:`geo.sources.assetfiles`):

* :func:`assets_from_table` for CSV/TSV/XLSX with coordinate columns (lon/lat
  or British National Grid easting/northing);
* :func:`assets_from_vector` for files with geometries (points, or polygons,
  which become a point inside them).

Both read through the places reader uploads use (:mod:`geo.uploads.places`)
with ``on_ambiguity="auto"``: a register and an upload of the same file give
the same places and the same account of the rows left out; where an upload
would ask (rows whose latitude and longitude look swapped) a register takes
the likely reading and says so in its notes.

:func:`assets_from_spec` reads one asset file described by a mapping (a table
of a sources TOML file), for every asset format the atlas knows, OSM ones
included; ``asset_parquet`` reads a standard asset frame saved as GeoParquet
(the built-in demo's).

The work is shared by job: :mod:`geo.sources.register_tables` (tables),
:mod:`geo.sources.register_vectors` (vector files on disk),
:mod:`geo.sources.register_rows` (categories, ids, names of the rows) and
:mod:`geo.sources.register_text` (plain text from cells); this module keeps
the category maps of real registers and the spec reader.

Finding columns
---------------
Columns are found by name as for uploads (:mod:`geo.uploads.columns`,
ignoring case, spaces and punctuation), unless the sources file names them:
the name (``name, site name, venue, title, distname, organisation name``...),
lon/lat (``lon/long/longitude/lng``, ``lat/latitude``), easting/northing
(also ``x``/``y``: each row's pair is read as degrees when it fits and as
British National Grid metres otherwise), the address (``address,
address1..3, street, town, city`` and the postcode; parts already contained
in earlier ones are skipped) and the capacity.  An id is used only when
``id_column`` names it.  A file without a name column takes the name from
the first part of the address (before a comma or ``<br>``).  Names such as
``Unknown`` or ``NA`` become ``""``; HTML line breaks, tags and entities in
text are turned into plain text.

Categories
----------
Either fixed (``category="library"``) or taken from a column
(``category_column``) through ``category_map`` (column value -> taxonomy key;
a value missing from the map, or mapped to ``""``/``None``, drops the row as
``"category not mapped"``).  Without a map, column values must be taxonomy
keys themselves.

Examples of maps for real registers
-----------------------------------
OS Open Greenspace ``site_type`` (:data:`GREENSPACE_SITE_TYPES`), Sport
England Active Places ``facility_type`` (:data:`ACTIVE_PLACES_FACILITY_TYPES`).
Care-home lists (CQC) are not community assets for the atlas and have no
category: leave them out of the sources file.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from geo.errors import ConfigError, DataSourceError, SchemaError
from geo.sources.assetfiles import AssetRead, assets_from_asset_parquet
from geo.sources.national_registers import (
    EPRACCUR_FORMAT,
    LIBRARIES_FORMAT,
    assets_from_epraccur,
    assets_from_libraries_basic,
)
from geo.sources.osm import (
    assets_from_geofabrik_shp_zip,
    assets_from_osm_geojson,
    assets_from_osm_pbf,
    assets_from_overpass_json,
    assets_from_pubs_tsv,
)
from geo.sources.register_rows import PathArg, existing_file
from geo.sources.register_tables import assets_from_table
from geo.sources.register_vectors import assets_from_vector

log = logging.getLogger(__name__)

__all__ = [
    "ACTIVE_PLACES_FACILITY_TYPES",
    "GREENSPACE_SITE_TYPES",
    "SPEC_FORMATS",
    "assets_from_spec",
    "assets_from_table",
    "assets_from_vector",
]

#: OS Open Greenspace ``site_type`` -> category (others, e.g. Cemetery,
#: Religious Grounds, Golf Course, Play Space, are not mapped).
GREENSPACE_SITE_TYPES: dict[str, str] = {
    "Public Park Or Garden": "park",
    "Allotments Or Community Growing Spaces": "community_garden",
    "Playing Field": "sports_leisure",
    "Other Sports Facility": "sports_leisure",
}

#: Sport England Active Places ``facility_type`` -> category.
ACTIVE_PLACES_FACILITY_TYPES: dict[str, str] = {
    "Sports halls": "sports_leisure",
    "Swimming pools": "sports_leisure",
    "Health and fitness gym stations": "sports_leisure",
    "Studios": "sports_leisure",
    "Grass pitches": "sports_leisure",
    "Artificial grass pitches": "sports_leisure",
    "Outdoor tennis courts": "sports_leisure",
    "Indoor tennis courts": "sports_leisure",
    "Squash courts": "sports_leisure",
    "Athletics": "sports_leisure",
    "Ice rinks": "sports_leisure",
    "Indoor bowls": "sports_leisure",
    "Golf": "sports_leisure",
    "Ski slopes": "sports_leisure",
    "Cycling": "sports_leisure",
}


# --------------------------------------------------------------------------- sources files


def _read_overpass_file(
    path: PathArg, *, source: str = "osm_overpass", bbox_wgs84: Sequence[float] | None = None
) -> AssetRead:
    file = existing_file(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SchemaError(f"{file.name} is not Overpass JSON: {exc}") from exc
    return assets_from_overpass_json(data, source=source, bbox_wgs84=bbox_wgs84)  # type: ignore[arg-type]  # checked there


#: ``format`` value -> reader.
SPEC_FORMATS: dict[str, Callable[..., AssetRead]] = {
    "overpass_json": _read_overpass_file,
    "osm_pbf": assets_from_osm_pbf,
    "geofabrik_shp_zip": assets_from_geofabrik_shp_zip,
    "osm_geojson": assets_from_osm_geojson,
    "pubs_tsv": assets_from_pubs_tsv,
    "table": assets_from_table,
    "vector": assets_from_vector,
    "asset_parquet": assets_from_asset_parquet,
    LIBRARIES_FORMAT: assets_from_libraries_basic,
    EPRACCUR_FORMAT: assets_from_epraccur,
}

#: Keys a spec may carry for people, ignored by the readers.
SPEC_METADATA_KEYS = frozenset(
    {"title", "description", "licence", "license", "attribution", "url", "vintage", "notes"}
)


def assets_from_spec(
    spec: Mapping[str, Any],
    *,
    base_dir: PathArg,
    bbox_wgs84: Sequence[float] | None = None,
) -> AssetRead:
    """Read the asset file a spec describes.

    ``spec["format"]`` is one of :data:`SPEC_FORMATS`; ``spec["path"]`` is
    relative to ``base_dir``; the other keys are the reader's keyword options
    (``source``, ``category``, ``category_map``, ``name_column``...), plus
    free-text keys of :data:`SPEC_METADATA_KEYS`.  ``bbox_wgs84`` given here
    overrides one in the spec.

    Example (TOML)::

        [[assets]]
        format = "table"
        path = "community_assets/gm_libraries.csv"
        source = "gm_libraries"
        category = "library"
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(f"An asset spec must be a table of options, got {spec!r}.")
    fmt = spec.get("format")
    if fmt not in SPEC_FORMATS:
        raise ConfigError(
            f"Asset spec format {fmt!r} is not known; use one of {', '.join(SPEC_FORMATS)}."
        )
    if not spec.get("path"):
        raise ConfigError(f"Asset spec {dict(spec)!r} has no path.")
    reader = SPEC_FORMATS[fmt]
    accepted = {
        name
        for name, p in inspect.signature(reader).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    options = {
        k: v for k, v in spec.items() if k not in ("format", "path") and k not in SPEC_METADATA_KEYS
    }
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise ConfigError(
            f"Asset spec for {spec['path']!r} ({fmt}) has unknown option(s) "
            f"{', '.join(unknown)}; accepted: {', '.join(sorted(accepted))}."
        )
    for key in ("address_columns", "columns", "bbox_wgs84"):
        if isinstance(options.get(key), list):
            options[key] = tuple(options[key])
    if bbox_wgs84 is not None:
        options["bbox_wgs84"] = tuple(bbox_wgs84)
    file = Path(base_dir) / str(spec["path"])
    if not file.is_file():
        raise DataSourceError(
            f"Asset file {file} (from spec path {spec['path']!r}) not found; check the path "
            "in the sources file and the data folder."
        )
    result = reader(file, **options)
    log.info("%s: %s", spec["path"], result.summary())
    return result
