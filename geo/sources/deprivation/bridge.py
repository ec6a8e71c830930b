"""Carrying LSOA 2011 values (IoD2019) to LSOA 2021 areas through the ONS lookup."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.errors import SchemaError
from geo.sources.deprivation.columns import N_LSOA_2019
from geo.sources.tables import (
    missing_columns_error,
)

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------
# LSOA 2011 → LSOA 2021 bridge
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class BridgeReport:
    """What happened when 2011 values were carried to 2021 areas.

    Attributes
    ----------
    by_change_code
        Number of LSOA 2021 areas by ONS change code (U, S, M, X).
        (The lookup rows by code are in ``pairs_by_change_code``.)
    pairs_by_change_code
        Number of (LSOA 2011, LSOA 2021) pairs by change code.
    n_areas
        LSOA 2021 areas in the lookup (all get a row).
    n_without_value
        Of those, areas none of whose 2011 parents has a value (e.g. Welsh
        areas for the English IoD).
    weights
        ``"population"`` or ``"equal"``.
    n_missing_weights
        2011 areas with a value but no weight; the median weight was used.
    dropped_columns
        Non-numeric columns that were not carried over (names, codes).
    """

    by_change_code: dict[str, int]
    pairs_by_change_code: dict[str, int]
    n_areas: int
    n_without_value: int
    weights: str
    n_missing_weights: int = 0
    dropped_columns: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        codes = ", ".join(f"{k} {v:,}" for k, v in self.by_change_code.items())
        text = (
            f"{self.n_areas:,} LSOA 2021 areas ({codes}); {self.n_without_value:,} without a "
            f"2011 value; {self.weights} weights"
        )
        if self.n_missing_weights:
            text += f" ({self.n_missing_weights} parents without a weight took the median)"
        return text


@dataclass(frozen=True)
class BridgeResult:
    """Values carried from LSOA 2011 to LSOA 2021 (``frame``) and how (``report``)."""

    frame: pd.DataFrame
    report: BridgeReport


def _is_count(column: str) -> bool:
    return column.startswith("population")


def bridge_lsoa11_to_lsoa21(
    values: pd.DataFrame,
    lookup: pd.DataFrame,
    *,
    weights: pd.Series | None = None,
    rank_scale: int = N_LSOA_2019,
) -> BridgeResult:
    """Carry values on LSOA 2011 areas to LSOA 2021 areas with the ONS exact-fit lookup.

    Method: each (2011 area, 2021 area) pair of the lookup gets the weight
    ``w = weight(2011 area) / (number of 2021 areas that 2011 area maps to)``,
    where the weight is the 2011 area's population (IoD2019 File 6, mid-2015)
    or 1 when no weights are given. A 2021 area's value is ``Σ w·v / Σ w`` over
    its pairs (pairs whose 2011 value is missing are left out). So:

    * **U** (unchanged) copies the 2011 value;
    * **S** (split) gives each 2021 part its parent's value;
    * **M** (merged) takes the population-weighted mean of the merged parents;
    * **X** (irregular) takes the weighted mean, each parent's population
      being shared equally among the 2021 areas it maps to.

    Ranks and deciles: areas with one parent (U, S) keep the parent's rank and
    decile exactly. For M and X areas the rank is the weighted mean of the
    parents' ranks — **not a true rank** (it can be fractional and two areas
    can share it) — and the decile is recomputed from it on the 2019 national
    scale: ``decile = ceil(rank × 10 / 32,844)`` (which reproduces every
    official IoD2019 decile from its rank). Population counts
    (``population_*`` columns) are apportioned, not averaged: each 2011 area's
    count is shared equally among its 2021 areas and the shares are summed.
    Non-numeric columns (names, codes) are dropped.

    Parameters
    ----------
    values
        Numeric columns indexed by LSOA 2011 code (e.g. from
        :func:`read_iod2019`).
    lookup
        From :func:`geo.sources.lookups.read_lsoa11_lsoa21_lookup` (columns
        ``lsoa11cd, lsoa21cd, change_code``); may be restricted to a region.
    weights
        Population by LSOA 2011 code; None for equal weights.
    rank_scale
        Number of ranked areas for recomputing deciles (32,844 for IoD2019).

    Returns
    -------
    BridgeResult
        ``.frame`` indexed by ``lsoa21cd`` (every 2021 area of the lookup, same
        numeric columns; ranks as floats, deciles ``Int64``) and ``.report``
        (:class:`BridgeReport`).
    """
    values = _checked_values(values, lookup)
    pairs = lookup[_LOOKUP_COLUMNS].dropna(subset=["lsoa11cd", "lsoa21cd"]).reset_index(drop=True)
    numeric = [
        c
        for c in values.columns
        if pd.api.types.is_numeric_dtype(values[c]) and not pd.api.types.is_bool_dtype(values[c])
    ]
    data = values[numeric].astype("float64").reindex(pairs["lsoa11cd"].to_numpy())
    data.index = pairs.index

    n_children = pairs.groupby("lsoa11cd")["lsoa21cd"].transform("size").to_numpy(dtype=float)
    parent_w, n_missing_w = _parent_weights(pairs, data, weights)
    pair_w = pd.Series(parent_w / n_children, index=pairs.index)

    n_parents = pairs.groupby("lsoa21cd", sort=True).size()
    codes = pairs.groupby("lsoa21cd", sort=True)["change_code"].agg(_dominant_code)
    single = (n_parents == 1) & codes.isin(["U", "S"])

    out = _carried(data, pairs["lsoa21cd"], pair_w, n_children, single, numeric)
    for column in [c for c in numeric if c.endswith("_decile")]:
        out[column] = _decile(out, column, single, rank_scale)
    out = out[numeric]
    out.index.name = "lsoa21cd"

    present = out.notna().any(axis=1) if numeric else pd.Series(False, index=out.index)
    order = ["U", "S", "M", "X"]
    report = BridgeReport(
        by_change_code={c: int((codes == c).sum()) for c in order},
        pairs_by_change_code={c: int((pairs["change_code"] == c).sum()) for c in order},
        n_areas=len(out),
        n_without_value=int((~present).sum()),
        weights="equal" if weights is None else "population",
        n_missing_weights=n_missing_w,
        dropped_columns=tuple(c for c in values.columns if c not in numeric),
    )
    if n_missing_w:
        logger.warning("Bridge: %d LSOA 2011 areas had no weight; median used.", n_missing_w)
    return BridgeResult(frame=out, report=report)


_LOOKUP_COLUMNS = ["lsoa11cd", "lsoa21cd", "change_code"]


def _checked_values(values: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """``values`` indexed by LSOA 2011 code, once the lookup has the columns needed."""
    missing = [c for c in _LOOKUP_COLUMNS if c not in lookup.columns]
    if missing:
        raise missing_columns_error(
            "the LSOA 2011 → 2021 lookup",
            {c: [c] for c in missing},
            list(lookup.columns),
            "a frame returned by read_lsoa11_lsoa21_lookup",
        )
    if values.index.name != "lsoa11cd" and "lsoa11cd" in values.columns:
        values = values.set_index("lsoa11cd")
    if values.index.has_duplicates:
        raise SchemaError("The values to bridge list some LSOA 2011 codes twice.")
    return values


def _parent_weights(
    pairs: pd.DataFrame, data: pd.DataFrame, weights: pd.Series | None
) -> tuple[np.ndarray, int]:
    """Each pair's 2011 weight (1 without weights; the median where one is missing)."""
    if weights is None:
        return np.ones(len(pairs)), 0
    w = pd.to_numeric(pd.Series(weights), errors="coerce").astype("float64")
    parent_w = w.reindex(pairs["lsoa11cd"].to_numpy()).to_numpy()
    gap = np.isnan(parent_w) & data.notna().any(axis=1).to_numpy()
    if not gap.any():
        return parent_w, 0
    positive = w[w > 0]
    fill = float(positive.median()) if len(positive) else 1.0
    return np.where(gap, fill, parent_w), int(pairs.loc[gap, "lsoa11cd"].nunique())


def _carried(
    data: pd.DataFrame,
    key: pd.Series,
    pair_w: pd.Series,
    n_children: np.ndarray,
    single: pd.Series,
    numeric: list[str],
) -> pd.DataFrame:
    """Weighted means (values, ranks, deciles) and apportioned counts per 2021 area."""
    out = pd.DataFrame(index=single.index)
    mean_cols = [c for c in numeric if not _is_count(c)]
    count_cols = [c for c in numeric if _is_count(c)]
    if mean_cols:
        part = data[mean_cols]
        weighted = part.mul(pair_w, axis=0).groupby(key, sort=True).sum(min_count=1)
        denom = part.notna().mul(pair_w, axis=0).groupby(key, sort=True).sum()
        mean = weighted / denom.where(denom > 0)
        # Areas with one parent (U, S) take the parent's own value, exactly.
        first = data.groupby(key, sort=True)[mean_cols].first().reindex(out.index)
        mean = mean.reindex(out.index)
        keep = single.reindex(out.index).to_numpy()[:, None]
        out[mean_cols] = np.where(keep, first.to_numpy(), mean.to_numpy())
    if count_cols:
        shares = data[count_cols].div(n_children, axis=0)
        out[count_cols] = shares.groupby(key, sort=True).sum(min_count=1).reindex(out.index)
    return out


def _decile(out: pd.DataFrame, column: str, single: pd.Series, rank_scale: int) -> pd.Series:
    """The parent's decile for U/S areas, else one recomputed from the mean rank."""
    rank_col = column[: -len("_decile")] + "_rank"
    decile = out[column]
    if rank_col in out.columns:
        recomputed = np.ceil(out[rank_col] * 10.0 / rank_scale).clip(1, 10)
    else:
        recomputed = decile.round()
    return decile.where(single, recomputed).round().astype("Int64")


def _dominant_code(codes: pd.Series) -> str:
    """One change code per 2021 area (they agree in the ONS lookup; X > M > S > U otherwise)."""
    present = set(codes)
    for code in ("X", "M", "S", "U"):
        if code in present:
            return code
    return str(codes.iloc[0])
