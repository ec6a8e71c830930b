"""On-disk cache of assembled regions.

Assembling a region reads national files (Census tables, IoD, lookups) and
asset registers; the result for one area is small.  It is stored in the
download cache (:mod:`geo.cache`) as two GeoParquet files (areas, assets) and
a JSON record (provenance, unavailable datasets, notes), keyed by a
fingerprint of everything that could change it: the product version, the
registry, the sources file, the size and modification time of every local file
it names, the library's own source code, and the settings that shape a region.

Regions built from downloads expire after :data:`ONLINE_MAX_AGE_DAYS` so that
OpenStreetMap and republished datasets are fetched again; regions built only
from local files stay valid until one of those files changes.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
from functools import lru_cache
from pathlib import Path

import geopandas as gpd

from geo import __version__
from geo.cache import Cache
from geo.config import Settings
from geo.provenance import ProvenanceRecord, Unavailable
from geo.region import Region
from geo.sources.registry import Sources

log = logging.getLogger(__name__)

ONLINE_MAX_AGE_DAYS = 7
_FORMAT = 1


@lru_cache(maxsize=1)
def _code_hash() -> str:
    """Hash of the library's source, so a changed method never reuses old results."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(key: str, settings: Settings, sources: Sources) -> str:
    """A hash of everything a cached region depends on."""
    digest = hashlib.sha256()
    digest.update(
        f"{_FORMAT}|{__version__}|{_code_hash()}|{key}|{settings.region_buffer_m}".encode()
    )
    digest.update(Path(sources.registry_file).read_bytes())
    if sources.sources_file is not None:
        digest.update(Path(sources.sources_file).read_bytes())
    paths: list[Path] = []
    for local in sources.local.values():
        paths.extend(local.base / p for p in (*local.parts, *local.choices) if "{lad}" not in p)
        for choice in local.choices:
            if "{lad}" in choice:
                for lad in key.split("+"):
                    paths.append(local.base / choice.replace("{lad}", lad))
    paths.extend(a.path for a in sources.asset_files)
    for path in sorted(set(paths)):
        try:
            stat = path.stat()
            digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
        except OSError:
            digest.update(f"{path}|missing".encode())
    return digest.hexdigest()[:32]


def _keys(fp: str) -> tuple[str, str, str]:
    return (f"region/{fp}-areas", f"region/{fp}-assets", f"region/{fp}-meta")


def load_cached(key: str, settings: Settings, sources: Sources) -> Region | None:
    """The cached region for ``key``, or ``None`` when absent, stale or damaged."""
    cache = Cache.from_settings(settings)
    areas_key, assets_key, meta_key = _keys(fingerprint(key, settings, sources))
    meta_path = cache.get(meta_key)
    if meta_path is None:
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("online") and time.time() - meta["created"] > ONLINE_MAX_AGE_DAYS * 86400:
            return None
        areas_path, assets_path = cache.get(areas_key), cache.get(assets_key)
        if areas_path is None or assets_path is None:
            return None
        areas = gpd.read_parquet(areas_path)
        assets = gpd.read_parquet(assets_path)
        return Region(
            key=meta["key"],
            name=meta["name"],
            lad_codes=tuple(meta["lad_codes"]),
            areas=areas,
            assets=assets,
            provenance=tuple(ProvenanceRecord(**r) for r in meta["provenance"]),
            unavailable=tuple(Unavailable(**u) for u in meta["unavailable"]),
            notes=tuple(meta["notes"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("cached region %s unreadable (%s); rebuilding", key, exc)
        return None


def store(region: Region, settings: Settings, sources: Sources) -> None:
    """Cache a region (areas, assets, then the record that makes it visible)."""
    cache = Cache.from_settings(settings)
    areas_key, assets_key, meta_key = _keys(fingerprint(region.key, settings, sources))
    for key, frame in ((areas_key, region.areas), (assets_key, region.assets)):
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
        "online": any(r.origin == "download" for r in region.provenance),
        "created": time.time(),
    }
    cache.put_bytes(
        meta_key, json.dumps(meta).encode("utf-8"), suffix=".json", meta={"region": region.key}
    )
