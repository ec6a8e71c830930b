"""Where each row of a places upload is, and the asset columns of the rows kept.

Rows outside the UK whose swapped reading is in the UK are **not** swapped
unless asked (``swap_coordinates=True``): they are rejected as ``outside the
UK (latitude and longitude look swapped)`` and a suggestion says how many
would be saved.  Rows outside the study area are listed and counted;
duplicates (same name, category and position to the metre) are reported, and
rejected only with ``dedupe``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geo.sources.assetfiles import tags_json
from geo.uploads import result as R
from geo.uploads.asset_rows import Rows, first_part, join_address, name_text, text
from geo.uploads.categories import CategoryResolver
from geo.uploads.locate import BNG, WGS84, Located, in_box, locate, swap_xy
from geo.uploads.numbers import parse_number
from geo.uploads.result import RowLog, Suggestion

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


@dataclass(frozen=True)
class Chosen:
    """The columns that give each asset field (``None``: not in the file)."""

    name: str | None
    category: str | None
    capacity: str | None
    address: tuple[str, ...]
    id: str | None
    fixed_category: str | None = None


def swap_candidates(rows: Rows, located: Located, swap: bool | None) -> tuple[np.ndarray, Located]:
    """Rows outside the UK that are inside it swapped; swapped in ``located`` when ``swap``."""
    in_uk = located.in_uk  # a property: computed once here
    swappable = np.zeros(len(rows), dtype=bool)
    candidates = [
        i for i in np.flatnonzero(~in_uk) if rows.failed[i] is None and rows.geometry[i] is not None
    ]
    if not candidates:
        return swappable, located
    swapped_geoms = [swap_xy(rows.geometry[i]) for i in candidates]
    swapped_crs = []
    for i, g in zip(candidates, swapped_geoms, strict=True):
        x, y = shapely.get_coordinates(g)[0]
        swapped_crs.append(
            WGS84
            if abs(x) <= 180 and abs(y) <= 90
            else (BNG if rows.crs[i] == BNG else rows.crs[i])
        )
    trial = locate(swapped_geoms, swapped_crs)
    for k, i in enumerate(candidates):
        if trial.in_uk[k]:
            swappable[i] = True
            if swap:
                rows.geometry[i] = swapped_geoms[k]
                rows.crs[i] = swapped_crs[k]
                located.bng[i] = trial.bng[k]
                located.points[i] = trial.points[k]
                located.lon[i], located.lat[i] = trial.lon[k], trial.lat[k]
    return swappable, located


def swap_notes(
    count: int, swap: bool | None, notes: list[str], suggestions: list[Suggestion]
) -> None:
    if not count:
        return
    if swap:
        notes.append(
            f"{count:,} row(s) had latitude and longitude the wrong way round; they were "
            "swapped as asked."
        )
    elif swap is None:
        suggestions.append(
            Suggestion(
                code="swap_coordinates",
                message=(
                    f"{count:,} row(s) lie outside the UK as given but inside it with "
                    "latitude and longitude swapped. Swap them?"
                ),
                parameter="swap_coordinates",
                value=True,
                rows=count,
            )
        )


def _where_failed(
    rows: Rows,
    i: int,
    located: Located,
    swappable: np.ndarray,
    in_uk: np.ndarray,
    in_area: np.ndarray | None,
) -> tuple[str, dict[str, Any]] | None:
    """Why row ``i`` is not kept (failed, outside the UK or the area), or ``None``."""
    if rows.failed[i] is not None:
        return rows.failed[i]
    if located.points[i] is None or not np.isfinite(located.lon[i]):
        raw: Any = (
            shapely.get_coordinates(rows.geometry[i])[0] if rows.geometry[i] is not None else ()
        )
        return R.OUTSIDE_UK, {
            "x": raw[0] if len(raw) else None,
            "y": raw[1] if len(raw) else None,
        }
    if in_uk[i] and (in_area is None or in_area[i]):
        return None
    values = {"lon": round(float(located.lon[i]), 6), "lat": round(float(located.lat[i]), 6)}
    if not in_uk[i]:
        return (R.OUTSIDE_UK_SWAPPED if swappable[i] else R.OUTSIDE_UK), values
    return R.OUTSIDE_AREA, values


@dataclass
class Assembled:
    """The asset columns of the rows kept, and what happened to the others."""

    columns: dict[str, list[Any]]
    numbers: list[int]
    duplicates: list[tuple[int, int]]
    outside: int


def assemble(
    rows: Rows,
    located: Located,
    swappable: np.ndarray,
    box: Sequence[float] | None,
    chosen: Chosen,
    resolver: CategoryResolver,
    *,
    source: str,
    dedupe: bool,
    rowlog: RowLog,
    plain_text: bool,
) -> Assembled:
    """One asset per row kept; every other row logged with its reason."""
    fields = ("asset_id", "name", "category", "source", "address", "capacity", "tags", "geometry")
    out: dict[str, list[Any]] = {f: [] for f in fields}
    kept: list[int] = []
    seen: dict[tuple[Any, ...], int] = {}
    duplicates: list[tuple[int, int]] = []
    outside = 0
    tags = _ENCODE if plain_text else tags_json
    in_uk = located.in_uk
    in_area = None if box is None else in_box(located.lon, located.lat, box)
    for i, number in enumerate(rows.numbers):
        failure = _where_failed(rows, i, located, swappable, in_uk, in_area)
        if failure is not None:
            rowlog.add(number, *failure)
            outside += failure[0] == R.OUTSIDE_AREA
            continue
        category = chosen.fixed_category or resolver(rows.value(chosen.category, i))
        if chosen.name is not None:
            name = name_text(rows.value(chosen.name, i))
        else:
            name = first_part(rows.value(chosen.address[0], i)) if chosen.address else ""
        point = located.points[i]
        key = (name.casefold(), category, round(point.x), round(point.y))
        if key in seen:
            duplicates.append((number, seen[key]))
            if dedupe:
                rowlog.add(number, R.DUPLICATE, {"duplicate of row": seen[key], "name": name})
                continue
        else:
            seen[key] = number
        capacity = parse_number(rows.value(chosen.capacity, i)) if chosen.capacity else None
        ident = text(rows.value(chosen.id, i)) if chosen.id else ""
        out["asset_id"].append(f"{source}:{ident or number}")
        out["name"].append(name)
        out["category"].append(category)
        out["source"].append(source)
        out["address"].append(join_address([rows.value(c, i) for c in chosen.address]))
        out["capacity"].append(math.nan if capacity is None else capacity)
        out["tags"].append(tags(rows.row(i)))
        out["geometry"].append(point)
        kept.append(number)
    return Assembled(out, kept, duplicates, int(outside))
