"""OpenStreetMap pubs from the GB pub-names list (TSV)."""

from __future__ import annotations

import csv
import logging
from collections import Counter
from typing import Any

from shapely.geometry import Point

from geo.errors import SchemaError
from geo.sources.assetfiles import (
    NO_COORDINATES,
    AssetRead,
    finish_assets,
    tags_json,
    to_float,
)
from geo.sources.osm_common import PathArg, _as_path

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- pubs list


def assets_from_pubs_tsv(
    path: PathArg,
    *,
    bbox_wgs84: tuple[float, float, float, float] | None = None,
    source: str = "osm_pubs",
) -> AssetRead:
    """Pubs from the GB pub-names list (tab-separated, no header).

    Columns: name as in OSM, normalised name, OSM id, latitude, longitude.
    Rows without coordinates (OSM ways in that list) are rejected as
    ``"no coordinates"``; rows listed twice (features on the England/Wales or
    England/Scotland border appear in both extracts) as ``"duplicate"``.
    """
    file = _as_path(path)
    records: list[dict[str, Any]] = []
    rejected: Counter[str] = Counter()
    rows_in = 0
    with file.open(encoding="utf-8-sig", newline="") as handle:
        for line_number, row in enumerate(
            csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), start=1
        ):
            if not row or not any(cell.strip() for cell in row):
                continue
            rows_in += 1
            if len(row) < 5:
                raise SchemaError(
                    f"{file} line {line_number} has {len(row)} columns; the pubs list has 5 "
                    "(name, normalised name, OSM id, latitude, longitude)."
                )
            name, normalised, osm_id, lat, lon = (cell.strip() for cell in row[:5])
            lat_f, lon_f = to_float(lat), to_float(lon)
            geometry = None if lat_f != lat_f or lon_f != lon_f else Point(lon_f, lat_f)
            # the list does not record whether the id is a node or a way: "pub"
            # stands in for the element type
            records.append(
                {
                    "asset_id": f"osm:pub/{osm_id}" if osm_id else f"{source}:{line_number}",
                    "name": name,
                    "category": "pub",
                    "source": source,
                    "address": "",
                    "capacity": float("nan"),
                    "tags": tags_json(
                        {
                            "name": name,
                            "normalised_name": normalised,
                            "osm_id": osm_id,
                            "lat": lat,
                            "lon": lon,
                        }
                    ),
                    "geometry": geometry,
                }
            )
    if rows_in == 0:
        raise SchemaError(f"{file} has no rows.")
    result = finish_assets(
        records, crs="EPSG:4326", rows_in=rows_in, rejected=rejected, bbox_wgs84=bbox_wgs84
    )
    if result.rejected.get(NO_COORDINATES):
        log.info("%s: %d pubs without coordinates", file.name, result.rejected[NO_COORDINATES])
    return result
