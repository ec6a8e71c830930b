"""Where each row of a places upload is, and the asset columns of the rows kept.

Rows outside the UK whose swapped reading is in the UK are **not** swapped
unless asked (``swap_coordinates=True``): they are rejected as ``outside the
UK (latitude and longitude look swapped)`` and a suggestion says how many
would be saved.  Rows outside the study area are listed and counted;
duplicates (same name, category and position to the metre) are reported, and
rejected only with ``dedupe``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.sources.assetfiles import tags_json
from geo.uploads import asset_text as T
from geo.uploads import result as R
from geo.uploads.asset_rows import Rows
from geo.uploads.asset_rows import numbers as numbers_of
from geo.uploads.categories import CategoryResolver
from geo.uploads.locate import WGS84, Located, in_box, locate, locate_xy, swap_xy
from geo.uploads.memory import release_freed
from geo.uploads.result import RowLog, Suggestion


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
    outside = (int(i) for i in np.flatnonzero(~in_uk))
    candidates = [i for i in outside if rows.failed[i] is None and rows.has_geometry(i)]
    if not candidates:
        return swappable, located
    if rows.xy is not None:
        swapped: Any = rows.xy[candidates][:, ::-1].copy()
        first = swapped
    else:
        swapped = [swap_xy(rows.geometry[i]) for i in candidates]
        first = np.array([shapely.get_coordinates(g)[0][:2] for g in swapped]).reshape(-1, 2)
    swapped_crs = [
        WGS84 if abs(x) <= 180 and abs(y) <= 90 else rows.crs[i]
        for i, (x, y) in zip(candidates, first, strict=True)
    ]
    trial = (locate_xy if rows.xy is not None else locate)(swapped, swapped_crs)
    for k, i in enumerate(candidates):
        if trial.in_uk[k]:
            swappable[i] = True
            if swap:
                _take_swapped(rows, located, i, trial, k, swapped[k], swapped_crs[k])
    return swappable, located


def _take_swapped(
    rows: Rows, located: Located, i: int, trial: Located, k: int, shape: Any, crs: str | None
) -> None:
    """Row ``i`` becomes its swapped reading (row ``k`` of ``trial``)."""
    if rows.xy is not None:
        rows.xy[i] = shape
    else:
        rows.geometry[i] = shape
    rows.crs[i] = crs
    if located.bng is not None and trial.bng is not None:
        located.bng[i] = trial.bng[k]
    located.x[i], located.y[i] = trial.x[k], trial.y[k]
    located.lon[i], located.lat[i] = trial.lon[k], trial.lat[k]


def swap_notes(
    count: int,
    swap: bool | None,
    notes: list[str],
    suggestions: list[Suggestion],
    *,
    asked: bool = True,
) -> None:
    """Say what was done with the ``count`` rows that look swapped.

    Swapped because the user asked (``asked``), or taken as the likely reading
    when reading without asking (``swap`` true, ``asked`` false); offered as a
    suggestion when ``swap`` is ``None``.
    """
    if not count:
        return
    if swap:
        notes.append(
            f"{count:,} row(s) had latitude and longitude the wrong way round; they were "
            + (
                "swapped as asked."
                if asked
                else "read swapped (they lie in the UK only that way round)."
            )
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
    if not located.placed[i] or not np.isfinite(located.lon[i]):
        raw = rows.source_xy(i)
        return R.OUTSIDE_UK, {"x": raw[0] if raw else None, "y": raw[1] if raw else None}
    if in_uk[i] and (in_area is None or in_area[i]):
        return None
    values = {"lon": round(float(located.lon[i]), 6), "lat": round(float(located.lat[i]), 6)}
    if not in_uk[i]:
        return (R.OUTSIDE_UK_SWAPPED if swappable[i] else R.OUTSIDE_UK), values
    return R.OUTSIDE_AREA, values


@dataclass
class Assembled:
    """The asset columns of the rows kept, and what happened to the others."""

    columns: dict[str, Any]
    numbers: np.ndarray  # file row number of each row kept (int64)
    duplicates: np.ndarray  # (row, duplicate_of) pairs of file row numbers, shape (k, 2)
    outside: int


def log_failures(
    rows: Rows,
    located: Located,
    swappable: np.ndarray,
    in_area: np.ndarray | None,
    rowlog: RowLog,
) -> tuple[np.ndarray, int]:
    """Log every row not kept with its reason; the rows kept and how many lay outside the area."""
    in_uk = located.in_uk
    failed = np.fromiter((f is not None for f in rows.failed), dtype=bool, count=len(rows))
    keep = ~failed & located.placed & np.isfinite(located.lon) & in_uk
    if in_area is not None:
        keep &= in_area
    outside = 0
    for i in np.flatnonzero(~keep):
        failure = _where_failed(rows, int(i), located, swappable, in_uk, in_area)
        if failure is not None:
            rowlog.add(rows.numbers[i], *failure)
            outside += failure[0] == R.OUTSIDE_AREA
    return np.flatnonzero(keep), int(outside)


def _categories(rows: Rows, kept: np.ndarray, chosen: Chosen, resolver: CategoryResolver) -> Any:
    """The category key of each row kept (each distinct text resolved once, in file order)."""
    if chosen.fixed_category:
        return np.full(len(kept), chosen.fixed_category, dtype=object)
    if chosen.category is None:
        return np.full(len(kept), resolver(None) if len(kept) else "", dtype=object)
    values = rows.cells(chosen.category, kept)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    keys = np.array([resolver(v) for v in uniques], dtype=object)
    return keys[codes]


def _names(rows: Rows, kept: np.ndarray, chosen: Chosen) -> pa.Array:
    if chosen.name is not None:
        return T.name_column(rows.cells(chosen.name, kept))
    if chosen.address:
        return T.first_part_column(rows.cells(chosen.address[0], kept))
    return pa.array([""] * len(kept), type=pa.string())


def _duplicates(names: pa.Array, categories: Any, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row kept, the position of the first row with the same name, category and metre.

    The key of a row is four integers (codes of its case-folded name and of
    its category, and its position rounded to the metre), so the rows are
    grouped without a frame of their text.
    """
    if not len(x):
        return np.zeros(0, dtype=np.int64)
    name_codes = pc.dictionary_encode(T.casefold(names)).indices.to_numpy(zero_copy_only=False)
    category_codes, _ = pd.factorize(categories, use_na_sentinel=False)
    keys = pd.DataFrame(
        {
            "name": name_codes.astype(np.int64),
            "category": category_codes,
            "x": np.round(x).astype(np.int64),
            "y": np.round(y).astype(np.int64),
        }
    )
    group = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    _, first = np.unique(group, return_index=True)
    return first[group]


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
    in_area = None if box is None else in_box(located.lon, located.lat, box)
    kept, outside = log_failures(rows, located, swappable, in_area, rowlog)
    numbers = np.asarray(rows.numbers, dtype=np.int64)[kept]
    categories = _categories(rows, kept, chosen, resolver)
    names = _names(rows, kept, chosen)
    x, y = located.x[kept], located.y[kept]
    first = _duplicates(names, categories, x, y)
    repeat = np.flatnonzero(first != np.arange(len(kept)))
    duplicates = np.column_stack([numbers[repeat], numbers[first[repeat]]])
    if dedupe and len(repeat):
        for k in repeat:
            of = {"duplicate of row": int(numbers[first[k]]), "name": names[int(k)].as_py()}
            rowlog.add(int(numbers[k]), R.DUPLICATE, of)
        stay = np.ones(len(kept), dtype=bool)
        stay[repeat] = False
        kept, numbers, x, y = kept[stay], numbers[stay], x[stay], y[stay]
        names, categories = names.filter(pa.array(stay)), categories[stay]
    if chosen.capacity:
        values = rows.cells(chosen.capacity, kept)
        capacity, _ = numbers_of(values, False)
    else:
        capacity = np.full(len(kept), np.nan)
    if chosen.id:
        ident = T.text_column(rows.cells(chosen.id, kept))
        ident = pc.if_else(pc.equal(ident, ""), pa.array(numbers.astype(str)), ident)
    else:
        ident = pa.array(numbers.astype(str), type=pa.string())
    out: dict[str, Any] = {
        "asset_id": pc.binary_join_element_wise(source + ":", ident, ""),
        "name": names,
        "category": list(categories),
        "source": [source] * len(kept),
        "address": T.address_column([rows.cells(c, kept) for c in chosen.address], len(kept)),
        "capacity": capacity,
    }
    del ident, names, categories
    # the largest column last, when the others' working copies are gone
    release_freed()
    if plain_text:
        out["tags"] = T.tags_column(rows.columns, kept)
    else:
        out["tags"] = [tags_json(rows.row(int(i))) for i in kept]
    out["geometry"] = (x, y)  # made into points last, once the file's cells are gone
    return Assembled(out, numbers, duplicates, outside)
