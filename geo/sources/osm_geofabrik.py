"""National OpenStreetMap from a Geofabrik extract, for runs beyond one or two authorities.

Overpass suits one local authority; for a region or all of England the
atlas downloads Geofabrik's ``england-latest.osm.pbf`` (about 1.4 GB) once:

1. the published ``.md5`` beside the extract is read (cached for the day:
   Geofabrik rebuilds its extracts daily);
2. the extract is streamed into the download cache under a key holding
   that md5, with a progress report, and its md5 checked once complete: a
   file that does not match is refused and nothing is cached.  A download
   cut short keeps what arrived and resumes with an HTTP Range request, in
   the same run or the next (:mod:`geo.net.resume`); a newer extract
   (another md5) is downloaded afresh and the older one removed from the
   cache once the new one is complete;
3. the extract is read once with :func:`~geo.sources.osm_pbf.assets_from_osm_pbf`
   (streamed, bounded memory, the same taxonomy) into a national asset table
   kept in the cache as GeoParquet, keyed by the extract's md5;
4. each run selects the points in its search box
   (:func:`assets_in_box`).

Offline, the newest extract already in the cache is used.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from geo.errors import CacheError, DownloadError, OfflineError
from geo.sources.assetfiles import ASSET_CRS, check_asset_frame
from geo.sources.osm_pbf import assets_from_osm_pbf

log = logging.getLogger(__name__)

GEOFABRIK_UK = "https://download.geofabrik.de/europe/united-kingdom"
#: The extract for England.
ENGLAND_EXTRACT = f"{GEOFABRIK_UK}/england-latest.osm.pbf"
#: Regions of this many local authorities or more use the extract, not Overpass.
NATIONAL_MIN_AUTHORITIES = 3
_TABLE_VERSION = "1"
#: Called as ``progress(label, done_bytes, total_bytes_or_None)`` while the extract arrives
#: (the one progress callback, :mod:`geo.progress`).
Progress = Callable[[str, int, int | None], object]
_MD5 = re.compile(r"^\s*([0-9a-fA-F]{32})\b")


def extract_name(url: str) -> str:
    """``.../england-latest.osm.pbf`` -> ``"england"``."""
    name = posixpath.basename(urllib.parse.urlparse(url).path)
    return name.removesuffix(".osm.pbf").removesuffix("-latest")


def _keys(name: str) -> tuple[str, str]:
    """The cache key prefix of the extracts of ``name``, and the newest-md5 pointer."""
    return f"geofabrik/{name}-", f"geofabrik/pointer/{name}"


def published_md5(client: Any, url: str, *, today: str | None = None) -> str:
    """The md5 Geofabrik publishes beside ``url`` (its ``.md5`` file), fetched once a day."""
    name = extract_name(url)
    day = today or datetime.now(UTC).strftime("%Y-%m-%d")
    key = f"geofabrik/md5/{name}/{day}"
    path = client.download(
        f"{url}.md5", key=key, suffix=".md5", description=f"the md5 of the {name} extract"
    )
    found = _MD5.match(Path(path).read_text(encoding="ascii", errors="replace"))
    if found is None:
        client.cache.delete(key)
        raise DownloadError(
            f"{url}.md5 does not hold an md5 checksum; the extract cannot be checked, so it "
            "was not downloaded. Check the address."
        )
    return found.group(1).lower()


def download_extract(
    client: Any, url: str = ENGLAND_EXTRACT, *, progress: Progress | None = None
) -> tuple[Path, str]:
    """The extract at ``url`` in the cache (downloaded when new), and its md5.

    Raises
    ------
    DownloadError
        When the download fails or its md5 is not the published one.
    OfflineError
        Offline, when no extract of this name is in the cache.
    """
    name = extract_name(url)
    prefix, pointer = _keys(name)
    cache = client.cache
    try:
        md5 = published_md5(client, url)
    except OfflineError:
        cached = _cached_md5(cache, pointer)
        if cached is None:
            raise
        md5 = cached
        log.info("offline: using the cached %s extract (md5 %s)", name, md5)
    key = f"{prefix}{md5}"
    path = client.download(
        url,
        key=key,
        expected_md5=md5,
        progress=progress,
        suffix=".osm.pbf",
        description=f"the Geofabrik OpenStreetMap extract for {name}",
        resume=True,
    )
    if _cached_md5(cache, pointer) != md5:
        cache.put_bytes(pointer, md5.encode(), suffix=".txt", meta={"url": url})
    older = [k for k in list(cache.keys()) if k.startswith(prefix) and not k.startswith(key)]
    for old in older:  # an older extract, or the table read from it
        cache.delete(old)
    return path, md5


def _cached_md5(cache: Any, pointer: str) -> str | None:
    path = cache.get(pointer)
    if path is None:
        return None
    found = _MD5.match(Path(path).read_text(encoding="ascii", errors="replace"))
    return found.group(1).lower() if found else None


def national_asset_table(
    client: Any,
    url: str = ENGLAND_EXTRACT,
    *,
    source: str = "osm_assets",
    progress: Progress | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Every community place of the extract, read once and cached as GeoParquet.

    Returns the standard asset frame (EPSG:27700) and the extract's md5.
    """
    path, md5 = download_extract(client, url, progress=progress)

    def read() -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
        found = assets_from_osm_pbf(path, source=source)
        log.info("%s: %s", Path(path).name, found.summary())
        return found.frame, {"notes": list(found.notes), "rejected": found.rejected}

    frame = _cached_table(client, url, md5, "assets", read)
    return frame.assign(source=source), md5


def national_place_table(
    client: Any, url: str = ENGLAND_EXTRACT, *, progress: Progress | None = None
) -> tuple[gpd.GeoDataFrame, str]:
    """Every named place (town, village, suburb …) of the extract, read once and cached.

    Returns the place table of :mod:`geo.sources.osm_places` and the extract's md5.
    """
    from geo.sources.osm_places import places_from_osm_pbf

    path, md5 = download_extract(client, url, progress=progress)
    return _cached_table(client, url, md5, "places", lambda: (places_from_osm_pbf(path), {})), md5


def _cached_table(
    client: Any,
    url: str,
    md5: str,
    what: str,
    read: Callable[[], tuple[gpd.GeoDataFrame, dict[str, Any]]],
) -> gpd.GeoDataFrame:
    """The table ``read()`` makes from the extract, cached as GeoParquet by its md5."""
    prefix, _ = _keys(extract_name(url))
    key = f"{prefix}{md5}-{what}-v{_TABLE_VERSION}"
    hit = client.cache.get(key)
    if hit is not None:
        try:
            return gpd.read_parquet(hit)
        except (OSError, ValueError) as exc:
            log.warning("cached %s table unreadable (%s); reading the extract again", what, exc)
    frame, meta = read()
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    try:
        client.cache.put_bytes(
            key, buffer.getvalue(), suffix=".parquet", meta={"md5": md5, "url": url, **meta}
        )
    except CacheError as exc:
        log.warning("could not cache the national %s table: %s", what, exc)
    return frame


def assets_in_box(
    frame: gpd.GeoDataFrame, bbox_wgs84: tuple[float, float, float, float]
) -> gpd.GeoDataFrame:
    """The assets inside a ``(west, south, east, north)`` box in degrees.

    The box is projected to British National Grid (its corners' envelope, so
    nothing inside it is lost) and points are selected there.
    """
    check_asset_frame(frame)
    box = gpd.GeoSeries([shapely.box(*bbox_wgs84)], crs="EPSG:4326").to_crs(ASSET_CRS)
    west, south, east, north = box.total_bounds
    return frame.cx[west:east, south:north].reset_index(drop=True)


def region_osm_assets(
    access: Any, dataset: Any, bbox_wgs84: tuple[float, float, float, float]
) -> tuple[gpd.GeoDataFrame, Any]:
    """A region's OpenStreetMap places from the national extract, and their provenance.

    Parameters
    ----------
    access
        A :class:`geo.sources.access.DataAccess` (its client, cache and
        progress reports).
    dataset
        The registry's ``osm_assets`` entry; ``online.extract`` names the
        extract (default :data:`ENGLAND_EXTRACT`).
    bbox_wgs84
        The search box ``(west, south, east, north)`` in degrees.
    """
    from geo.provenance import record

    url = str((dataset.online or {}).get("extract") or ENGLAND_EXTRACT)
    label = f"OpenStreetMap extract {extract_name(url)} (Geofabrik)"
    frame, md5 = national_asset_table(
        access.client,
        url,
        source=dataset.id,
        progress=lambda _what, done, total: access.report(label, done, total),
    )
    selected = assets_in_box(frame, bbox_wgs84)
    provenance = record(
        dataset,
        origin="download",
        location=url,
        rows=len(selected),
        note=f"Geofabrik extract with md5 {md5}; places selected by location for the region.",
    )
    return selected, provenance
