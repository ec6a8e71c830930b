"""On-disk cache of assembled regions.

Assembling a region reads national files (Census tables, IoD, lookups) and
asset registers; the result for one area is small.  It is stored in the
download cache (:mod:`geo.net.cache`) as three GeoParquet files (areas, assets, places) and
a JSON record (provenance, unavailable datasets, notes), keyed by a
fingerprint of everything that could change it (:mod:`geo.net.fingerprint`).
A region assembled while a dataset failed (:attr:`Region.degraded`) is never
stored, so the next run tries that dataset again.

Regions built from downloads expire after :data:`ONLINE_MAX_AGE_DAYS` so that
OpenStreetMap and republished datasets are fetched again; regions built only
from local files stay valid until one of those files changes.
"""

from __future__ import annotations

import io
import json
import logging
import time

import geopandas as gpd

from geo.config import Settings
from geo.net.cache import Cache
from geo.net.fingerprint import fingerprint
from geo.provenance import ProvenanceRecord, Unavailable
from geo.regiontypes import Region, SourceCoverage
from geo.sources.registry import Sources

log = logging.getLogger(__name__)

ONLINE_MAX_AGE_DAYS = 7


def _keys(fp: str) -> tuple[str, str, str, str]:
    return (
        f"region/{fp}-areas",
        f"region/{fp}-assets",
        f"region/{fp}-places",
        f"region/{fp}-meta",
    )


def load_cached(key: str, settings: Settings, sources: Sources) -> Region | None:
    """The cached region for ``key``, or ``None`` when absent, stale or damaged."""
    cache = Cache.from_settings(settings)
    areas_key, assets_key, places_key, meta_key = _keys(fingerprint(key, settings, sources))
    meta_path = cache.get(meta_key)
    if meta_path is None:
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("online") and time.time() - meta["created"] > ONLINE_MAX_AGE_DAYS * 86400:
            return None
        paths = [cache.get(k) for k in (areas_key, assets_key, places_key)]
        if any(p is None for p in paths):
            return None
        areas, assets, places = (gpd.read_parquet(p) for p in paths)
        return Region(
            key=meta["key"],
            name=meta["name"],
            lad_codes=tuple(meta["lad_codes"]),
            areas=areas,
            assets=assets,
            provenance=tuple(ProvenanceRecord(**r) for r in meta["provenance"]),
            unavailable=tuple(Unavailable(**u) for u in meta["unavailable"]),
            notes=tuple(meta["notes"]),
            coverage=tuple(SourceCoverage.from_dict(c) for c in meta.get("coverage", ())),
            places=places,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cached region %s unreadable (%s); rebuilding", key, exc)
        return None


def store(region: Region, settings: Settings, sources: Sources) -> None:
    """Cache a region (areas, assets, then the record that makes it visible).

    A degraded region (a dataset failed while it was assembled) is not stored.
    """
    if region.degraded:
        log.info("region %s not cached: %s failed this run", region.key, ", ".join(region.failed))
        return
    cache = Cache.from_settings(settings)
    areas_key, assets_key, places_key, meta_key = _keys(fingerprint(region.key, settings, sources))
    parts = ((areas_key, region.areas), (assets_key, region.assets), (places_key, region.places))
    for key, frame in parts:
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        cache.put_bytes(key, buffer.getvalue(), suffix=".parquet", meta={"region": region.key})
    meta = {
        "key": region.key,
        "name": region.name,
        "lad_codes": list(region.lad_codes),
        "provenance": [r.as_dict() for r in region.provenance],
        "unavailable": [vars(u) for u in region.unavailable],
        "notes": list(region.notes),
        "coverage": [c.as_dict() for c in region.coverage],
        "online": any(r.origin == "download" for r in region.provenance),
        "created": time.time(),
    }
    cache.put_bytes(
        meta_key, json.dumps(meta).encode("utf-8"), suffix=".json", meta={"region": region.key}
    )
