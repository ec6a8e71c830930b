"""Indicator uploads keyed by postcode: records counted per LSOA, small counts suppressed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import AtlasError, UploadError
from geo.uploads import result as R
from geo.uploads.result import RowLog
from geo.uploads.value_columns import row_values


def postcode_mode(
    records: list[dict[str, Any]],
    numbers: list[int],
    key: str,
    value_cols: list[str],
    keys: list[str],
    geocoder: Callable[[Sequence[str]], Any] | None,
    areas: Collection[str] | None,
    min_count: int,
    rowlog: RowLog,
    notes: list[str],
) -> tuple[pd.DataFrame, int, int]:
    from geo.postcodes import normalise_postcode

    if geocoder is None:
        raise UploadError(
            f"Column {key!r} holds postcodes: supply a postcode directory (ONSPD or NSPL CSV) or "
            "allow online look-ups so they can be placed in LSOAs."
        )
    try:
        found = geocoder([k for k in keys if normalise_postcode(k)])
    except AtlasError as exc:
        raise UploadError(f"The postcodes could not be geocoded: {exc}") from None
    area_set = set(areas) if areas is not None else None
    missing: Counter[str] = Counter()
    totals: dict[str, dict[str, float]] = {}
    loaded = outside = 0
    for record, number, text in zip(records, numbers, keys, strict=True):
        shown = {key: text}
        if not text:
            rowlog.add(number, R.MISSING_CODE, shown)
            continue
        hit, reason = found.locate(text)
        if hit is None:
            rowlog.add(number, reason, shown)
            continue
        lsoa = hit.get("lsoa21")
        if not isinstance(lsoa, str) or not lsoa:
            rowlog.add(number, R.NO_LSOA, shown)
            continue
        values, bad = row_values(record, value_cols, missing)
        if bad is not None:
            rowlog.add(number, R.NOT_A_NUMBER, {**shown, **bad})
            continue
        if area_set is not None and lsoa not in area_set:
            rowlog.add(number, R.OUTSIDE_AREA, shown)
            outside += 1
            continue
        entry = totals.setdefault(lsoa, {"records": 0.0, **dict.fromkeys(value_cols, 0.0)})
        entry["records"] += 1
        for column, value in values.items():
            if not np.isnan(value):
                entry[column] += value
        loaded += 1
    columns = ["records", *value_cols]
    out = pd.DataFrame.from_dict(totals, orient="index", columns=columns).astype("float64")
    out.index = out.index.astype("str")
    out.index.name = "lsoa21cd"
    small = out["records"] < min_count
    out.loc[small, columns] = np.nan
    out["suppressed"] = small
    notes.append(
        f"{loaded:,} record(s) were counted in {len(out):,} LSOA(s) by postcode ({found.source}). "
        f"{int(small.sum()):,} LSOA(s) with fewer than {min_count} records were suppressed "
        "(their counts and values are blank) so that small numbers cannot identify people."
    )
    return out.sort_index(), loaded, outside
