"""OpenStreetMap assets from the Geofabrik "free" shapefile bundle (``*-free.shp.zip``)."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from geo.errors import DataSourceError, SchemaError
from geo.sources.assetfiles import (
    NO_CATEGORY,
    AssetRead,
    clean_text,
    tags_json,
)
from geo.sources.osm_common import PathArg, _as_path, finish_osm_assets
from geo.sources.taxonomy import GEOFABRIK_FCLASS
from geo.zipcheck import ZipRefused, ZipRules, check_members

#: Geofabrik free-shapefile layers that hold community assets.
GEOFABRIK_LAYERS: tuple[str, ...] = (
    "gis_osm_pois_free_1",
    "gis_osm_pois_a_free_1",
    "gis_osm_pofw_free_1",
    "gis_osm_pofw_a_free_1",
    "gis_osm_landuse_a_free_1",
)

# limits for zip archives (a zip bomb is cheap to make)
MAX_ZIP_MEMBERS = 500
MAX_ZIP_UNCOMPRESSED = 2 * 1024**3
MAX_ZIP_RATIO = 200
_RATIO_MIN_BYTES = 1024**2  # tiny members can have any ratio


# --------------------------------------------------------------------------- zip archives


def inspect_zip(path: PathArg) -> list[zipfile.ZipInfo]:
    """The members of a zip archive, after checking it is safe to open.

    Refuses (:class:`DataSourceError`) member names with ``..`` or absolute
    paths, more than 500 members, more than 2 GB uncompressed, or a member
    (over 1 MB) or the whole archive compressed more than 200 times
    (:func:`geo.zipcheck.check_members`).
    """
    archive = _as_path(path)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise DataSourceError(f"{archive} is not a valid zip archive: {exc}") from exc
    rules = ZipRules(MAX_ZIP_MEMBERS, MAX_ZIP_UNCOMPRESSED, MAX_ZIP_RATIO, _RATIO_MIN_BYTES)
    try:
        check_members(members, rules, label=str(archive))
    except ZipRefused as exc:
        raise DataSourceError(str(exc)) from None
    return members


def _zip_readme_date(path: Path, members: Sequence[zipfile.ZipInfo]) -> str:
    for info in members:
        if PurePosixPath(info.filename).name.upper() == "README" and info.file_size < 100_000:
            with zipfile.ZipFile(path) as zf:
                text = zf.read(info).decode("utf-8", "replace")
            found = re.search(r"OpenStreetMap data as of\s+(\S+)", text)
            return found.group(1) if found else ""
    return ""


def assets_from_geofabrik_shp_zip(
    path: PathArg,
    *,
    bbox_wgs84: tuple[float, float, float, float] | None = None,
    source: str = "osm_geofabrik_shp",
) -> AssetRead:
    """Community assets from a Geofabrik "free" shapefile bundle (``*-free.shp.zip``).

    Reads the layers of :data:`GEOFABRIK_LAYERS` that the archive holds
    (points, polygons, places of worship, land use) straight from the zip,
    after :func:`inspect_zip`.  ``fclass`` is mapped with
    :data:`~geo.sources.taxonomy.GEOFABRIK_FCLASS`; other classes count as
    ``"no matching category"``.  The same OSM feature can appear in two layers
    (a park in both the POI-area and land-use layers) or twice in one (one row
    per class): it is kept once, under the category that comes first in the
    taxonomy, and the other rows count as ``"duplicate"``.  Tags keep
    ``osm_id``, ``code``, ``fclass``, ``name`` and the layer name.
    """
    import pyogrio

    archive = _as_path(path)
    members = inspect_zip(archive)
    by_layer: dict[str, str] = {}
    for info in members:
        member = PurePosixPath(info.filename.replace("\\", "/"))
        if member.suffix.lower() == ".shp" and member.stem in GEOFABRIK_LAYERS:
            by_layer.setdefault(member.stem, str(member))
    if not by_layer:
        raise SchemaError(
            f"{archive} has none of the Geofabrik layers {', '.join(GEOFABRIK_LAYERS)}; "
            "is it a Geofabrik '-free.shp.zip' bundle?"
        )
    rejected: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    rows_in = 0
    for layer in GEOFABRIK_LAYERS:
        if layer not in by_layer:
            continue
        vsi = f"/vsizip/{archive.resolve()}/{by_layer[layer]}"
        try:
            frame = pyogrio.read_dataframe(vsi)
        except Exception as exc:  # pyogrio raises several DataSourceError/OSError types
            raise DataSourceError(f"Cannot read layer {layer} of {archive}: {exc}") from exc
        missing = {"osm_id", "fclass"} - set(frame.columns)
        if missing:
            raise SchemaError(
                f"Layer {layer} of {archive} has no {', '.join(sorted(missing))} column."
            )
        if frame.crs is None:
            frame = frame.set_crs("EPSG:4326")
        elif not frame.crs.equals("EPSG:4326"):
            frame = frame.to_crs("EPSG:4326")
        rows_in += len(frame)
        is_point_layer = not layer.endswith("_a_free_1")
        osm_ids = frame["osm_id"].tolist()
        codes = frame["code"].tolist() if "code" in frame else [None] * len(frame)
        names = frame["name"].tolist() if "name" in frame else [None] * len(frame)
        for osm_id, code, fclass, name, geometry in zip(
            osm_ids, codes, frame["fclass"].tolist(), names, frame.geometry.values, strict=True
        ):
            category = GEOFABRIK_FCLASS.get(clean_text(fclass))
            if category is None:
                rejected[NO_CATEGORY] += 1
                continue
            ident = clean_text(osm_id)
            # point layers hold nodes; polygon layers mix ways and relations
            # without saying which, hence "area"
            asset_id = f"osm:node/{ident}" if is_point_layer else f"osm:area/{ident}"
            tags = {
                "osm_id": ident,
                "code": None if code is None else int(code),
                "fclass": clean_text(fclass),
                "name": clean_text(name),
                "layer": layer,
            }
            records.append(
                {
                    "asset_id": asset_id,
                    "name": clean_text(name),
                    "category": category,
                    "source": source,
                    "address": "",
                    "capacity": float("nan"),
                    "tags": tags_json(tags),
                    "geometry": geometry,
                }
            )
    date = _zip_readme_date(archive, members)
    notes = [f"OpenStreetMap data as of {date}"] if date else []
    return finish_osm_assets(records, "EPSG:4326", rows_in, rejected, bbox_wgs84, notes)
