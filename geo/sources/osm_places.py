"""Place names people recognise: OpenStreetMap ``place=*`` nodes (towns, villages, suburbs).

A place table is a GeoDataFrame in EPSG:27700 with one point per named place
and the columns ``name``, ``kind`` (one of :data:`PLACE_KINDS`) and
``osm_id`` (``osm:node/<id>``).  It is read from

* an Overpass API answer (:func:`overpass_places_query`, then
  :func:`places_from_overpass_json`);
* a ``.osm.pbf`` extract, with pyosmium (:func:`places_from_osm_pbf`);
* the Geofabrik "free" shapefile bundle's ``gis_osm_places_free_1`` layer
  (:func:`places_from_geofabrik_shp_zip`);
* a table this module wrote (:func:`places_from_parquet`, the built-in demo).

Places without a name, and kinds other than those listed (farms, isolated
dwellings, localities), are left out.  :func:`nearest_place` names the
nearest place to each of a set of points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import DataSourceError, SchemaError
from geo.sources.assetfiles import check_bbox, clean_text
from geo.sources.osm_common import PathArg, _as_path
from geo.sources.osm_shpzip import inspect_zip

CRS = "EPSG:27700"
#: The kinds of place read, largest first (the order labels are chosen in).
PLACE_KINDS: tuple[str, ...] = (
    "city",
    "town",
    "suburb",
    "village",
    "quarter",
    "neighbourhood",
    "hamlet",
)
COLUMNS = ("name", "kind", "osm_id")
_LAYER = "gis_osm_places_free_1"
_SELECTOR = 'node["place"~"^(' + "|".join(PLACE_KINDS) + ')$"]["name"]'


def empty_places() -> gpd.GeoDataFrame:
    """A place table with no rows."""
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=str) for c in COLUMNS}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS
    )


def _finish(
    rows: Sequence[Mapping[str, Any]],
    crs: object,
    bbox_wgs84: Sequence[float] | None = None,
) -> gpd.GeoDataFrame:
    """The place table of ``rows`` (``name kind osm_id geometry``), in EPSG:27700."""
    kept = [
        {**r, "name": clean_text(r["name"]), "kind": clean_text(r["kind"]).lower()}
        for r in rows
        if r.get("geometry") is not None
    ]
    kept = [r for r in kept if r["name"] and r["kind"] in PLACE_KINDS]
    if not kept:
        return empty_places()
    frame = gpd.GeoDataFrame(pd.DataFrame(kept), geometry="geometry", crs=crs)
    if bbox_wgs84 is not None:
        west, south, east, north = check_bbox(bbox_wgs84)  # type: ignore[misc]
        lonlat = (
            frame.to_crs(4326) if frame.crs is not None and not frame.crs.equals(4326) else frame
        )
        frame = frame[lonlat.geometry.intersects(shapely.box(west, south, east, north)).to_numpy()]
    frame = frame.to_crs(CRS)
    order = frame["kind"].map({k: i for i, k in enumerate(PLACE_KINDS)})
    frame = frame.assign(_order=order).sort_values(["_order", "name"], kind="stable")
    frame = frame.drop_duplicates(subset=["osm_id"]).drop(columns="_order")
    return frame[[*COLUMNS, "geometry"]].reset_index(drop=True)


def overpass_places_query(
    bbox_wgs84: tuple[float, float, float, float], *, timeout: int = 60
) -> str:
    """Overpass QL for the named place nodes inside a ``(west, south, east, north)`` box."""
    west, south, east, north = check_bbox(bbox_wgs84)  # type: ignore[misc]
    box = f"({south:.7g},{west:.7g},{north:.7g},{east:.7g})"
    return f"[out:json][timeout:{int(timeout)}];\n{_SELECTOR}{box};\nout;"


def places_from_overpass_json(data: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """The place table of an Overpass JSON answer (nodes with ``lat``/``lon``)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("elements"), list):
        raise SchemaError("Not an Overpass JSON answer: expected an object with 'elements'.")
    rows = []
    for element in data["elements"]:
        if not isinstance(element, Mapping) or element.get("type") != "node":
            continue
        tags = element.get("tags") or {}
        lat, lon = element.get("lat"), element.get("lon")
        if not isinstance(tags, Mapping) or lat is None or lon is None:
            continue
        rows.append(
            {
                "name": tags.get("name"),
                "kind": tags.get("place"),
                "osm_id": f"osm:node/{element.get('id')}",
                "geometry": shapely.Point(float(lon), float(lat)),
            }
        )
    return _finish(rows, "EPSG:4326")


def places_from_osm_pbf(
    path: PathArg, *, bbox_wgs84: tuple[float, float, float, float] | None = None
) -> gpd.GeoDataFrame:
    """The place table of a ``.osm.pbf`` extract: its nodes tagged ``place`` and ``name``."""
    import osmium

    pbf = _as_path(path)
    rows = []
    try:
        nodes = osmium.FileProcessor(str(pbf), osmium.osm.NODE).with_filter(
            osmium.filter.KeyFilter("place")
        )
        node: Any
        for node in nodes:
            if node.location.valid() and node.tags.get("place") in PLACE_KINDS:
                rows.append(
                    {
                        "name": node.tags.get("name"),
                        "kind": node.tags.get("place"),
                        "osm_id": f"osm:node/{node.id}",
                        "geometry": shapely.Point(node.location.lon, node.location.lat),
                    }
                )
    except RuntimeError as exc:  # libosmium reports unreadable input this way
        raise DataSourceError(f"Cannot read OSM file {pbf}: {exc}") from exc
    return _finish(rows, "EPSG:4326", bbox_wgs84)


def places_from_geofabrik_shp_zip(
    path: PathArg, *, bbox_wgs84: tuple[float, float, float, float] | None = None
) -> gpd.GeoDataFrame:
    """The place table of a Geofabrik ``-free.shp.zip`` bundle (its places point layer)."""
    import pyogrio

    archive = _as_path(path)
    members = [PurePosixPath(m.filename.replace("\\", "/")) for m in inspect_zip(archive)]
    layer = next((m for m in members if m.suffix.lower() == ".shp" and m.stem == _LAYER), None)
    if layer is None:
        raise SchemaError(f"{archive} has no {_LAYER} layer; is it a Geofabrik bundle?")
    try:
        frame = pyogrio.read_dataframe(f"/vsizip/{archive.resolve()}/{layer}")
    except Exception as exc:  # pyogrio raises several DataSourceError/OSError types
        raise DataSourceError(f"Cannot read layer {_LAYER} of {archive}: {exc}") from exc
    if not {"osm_id", "fclass", "name"} <= set(frame.columns):
        raise SchemaError(f"Layer {_LAYER} of {archive} lacks osm_id, fclass or name.")
    rows = [
        {"name": name, "kind": kind, "osm_id": f"osm:node/{clean_text(osm_id)}", "geometry": geom}
        for osm_id, kind, name, geom in zip(
            frame["osm_id"], frame["fclass"], frame["name"], frame.geometry.values, strict=True
        )
    ]
    return _finish(rows, frame.crs or "EPSG:4326", bbox_wgs84)


def places_from_parquet(path: PathArg) -> gpd.GeoDataFrame:
    """A place table written as GeoParquet (the built-in demo's)."""
    file = _as_path(path)
    try:
        frame = gpd.read_parquet(file)
    except (OSError, ValueError) as exc:
        raise DataSourceError(f"Cannot read the place table {file}: {exc}") from exc
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise SchemaError(f"Place table {file} lacks {', '.join(sorted(missing))}.")
    return _finish(frame.to_dict(orient="records"), frame.crs or CRS)


#: Readers by the ``format`` a sources file names for ``osm_places``.
READERS = {
    "osm_pbf": places_from_osm_pbf,
    "geofabrik_shp_zip": places_from_geofabrik_shp_zip,
}


def read_places(
    path: Path, fmt: str, bbox_wgs84: tuple[float, float, float, float]
) -> gpd.GeoDataFrame:
    """The place table of a local file in format ``fmt`` (see :data:`READERS`)."""
    if fmt == "places_parquet":
        return places_from_parquet(path)
    reader = READERS.get(fmt)
    if reader is None:
        known = ", ".join(["places_parquet", *READERS])
        raise SchemaError(f"Unknown format {fmt!r} for place names; use one of {known}.")
    return reader(path, bbox_wgs84=bbox_wgs84)


def nearest_place(
    points: gpd.GeoSeries, places: gpd.GeoDataFrame, *, max_m: float = 5000.0
) -> pd.DataFrame:
    """The nearest named place to each point (EPSG:27700), within ``max_m`` metres.

    Returns a frame indexed like ``points`` with ``place`` (``""`` when none
    is that close), ``kind`` and ``distance_m``.
    """
    out = pd.DataFrame({"place": "", "kind": "", "distance_m": np.nan}, index=points.index).astype(
        {"place": object, "kind": object}
    )
    if places is None or not len(places) or not len(points):
        return out
    tree = shapely.STRtree(places.geometry.values)
    geoms = points.values
    ok = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    where = np.flatnonzero(ok)
    if not len(where):
        return out
    hit_point, hit_place = tree.query_nearest(geoms[where], max_distance=max_m, all_matches=False)
    rows = points.index[where[hit_point]]
    distance = shapely.distance(geoms[where[hit_point]], places.geometry.values[hit_place])
    out.loc[rows, "place"] = places["name"].to_numpy()[hit_place]
    out.loc[rows, "kind"] = places["kind"].to_numpy()[hit_place]
    out.loc[rows, "distance_m"] = distance
    return out
