"""Helpers shared by the OpenStreetMap readers: names, addresses, records, paths, finishing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from geo.errors import DataSourceError
from geo.sources.assetfiles import (
    AssetRead,
    clean_text,
    finish_assets,
    tags_json,
    to_float,
)
from geo.sources.taxonomy import CATEGORY_KEYS

PathArg = str | PathLike[str]

# --------------------------------------------------------------------------- helpers


def osm_address(tags: Mapping[str, Any]) -> str:
    """A one-line address from ``addr:*`` tags (``""`` when there are none)."""

    def get(*keys: str) -> str:
        for key in keys:
            value = clean_text(tags.get(key))
            if value:
                return value
        return ""

    street = " ".join(p for p in (get("addr:housenumber"), get("addr:street")) if p)
    parts = [
        get("addr:housename"),
        street or get("addr:place"),
        get("addr:village", "addr:suburb", "addr:hamlet"),
        get("addr:town", "addr:city"),
        get("addr:postcode"),
    ]
    out: list[str] = []
    for part in parts:
        if part and part.lower() not in (p.lower() for p in out):
            out.append(part)
    return ", ".join(out)


def _osm_name(tags: Mapping[str, Any]) -> str:
    return clean_text(tags.get("name")) or clean_text(tags.get("official_name"))


def _osm_record(
    asset_id: str, category: str, source: str, tags: Mapping[str, Any], geometry: object
) -> dict[str, Any]:
    return {
        "asset_id": asset_id,
        "name": _osm_name(tags),
        "category": category,
        "source": source,
        "address": osm_address(tags),
        "capacity": to_float(tags.get("capacity")),
        "tags": tags_json(tags),
        "geometry": geometry,
    }


def _as_path(path: PathArg) -> Path:
    p = Path(path)
    if not p.is_file():
        raise DataSourceError(f"Asset file {p} not found (or not a file).")
    return p


def finish_osm_assets(
    records: Iterable[Mapping[str, Any]],
    crs: object,
    rows_in: int,
    rejected: Mapping[str, int],
    bbox_wgs84: Sequence[float] | None,
    notes: Iterable[str] = (),
) -> AssetRead:
    """:func:`~geo.sources.assetfiles.finish_assets` for OSM elements: an element
    read twice (in two categories) keeps the category the taxonomy lists first."""
    return finish_assets(
        records,
        crs=crs,
        rows_in=rows_in,
        rejected=rejected,
        bbox_wgs84=bbox_wgs84,
        notes=notes,
        category_order=CATEGORY_KEYS,
    )
