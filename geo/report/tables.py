"""The report's tables, as plain DataFrames shared by the report and its exports.

* :func:`nearest_assets` — for each area, the nearest community asset counted
  by the analysis (name, category, distance), from the same points and the
  same asset set as :func:`geo.provision.provision_measures`, so the distance
  equals ``nearest_any_m``.
* :func:`risk_drivers` — the two or three indicators that push each area's
  risk up most, in plain words (all-ages index: z-score × weight; older
  people's model: coefficient × difference from the region's average).
* :func:`priority_table` — the priority gap areas (class 3-1) in rank order,
  with risk, access, nearest asset and drivers.
* :func:`equity_table` — who lives in the priority gap areas compared with the
  whole area (population- or household-weighted shares from the Census).
* :func:`asset_directory` — the community assets inside the area, by category.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo import risk
from geo.present.labels import category_label
from geo.sources.taxonomy import category_labels

if TYPE_CHECKING:
    from geo.pipeline import Result

#: Short plain names of the all-ages indicators, for "what drives the risk".
INDICATOR_WORDS: dict[str, str] = {
    "living_alone": "living alone",
    "older_living_alone": "older people living alone",
    "bad_health": "bad health",
    "disability": "disability",
    "carers": "unpaid carers",
    "widowed": "widowed",
    "divorced_separated": "divorced or separated",
    "renting": "renting",
    "young_adults": "aged 16–24",
    "income_deprivation": "income-deprived",
    "imd": "IMD score",
}

#: Plain names of the Age UK model's Census terms.
TERM_WORDS: dict[str, str] = {
    "poor_health": "bad health",
    "fair_health": "fair health",
    "good_health": "good health",
    "household_size": "65+ living alone",
    "widowed": "widowed (per 65+)",
    "age_75_79": "aged 75–79",
}

#: Columns of :func:`priority_table`, in order.
PRIORITY_COLUMNS = (
    "priority_rank",
    "lsoa21cd",
    "lsoa21nm",
    "ward_name",
    "population",
    "pop_65plus",
    "risk_score",
    "risk_decile",
    "risk_decile_national",
    "risk_rank_p05",
    "risk_rank_p95",
    "robust_priority",
    "access_e2sfca",
    "nearest_any_m",
    "walk_min_any",
    "nearest_asset_name",
    "nearest_asset_category",
    "nearest_asset_m",
    "drivers",
    "gap_score",
    "gap_class",
    "hotspot",
    "expected_lonely",
)


def counted_assets(result: Result) -> gpd.GeoDataFrame:
    """The assets the analysis counted as provision (its categories)."""
    assets = result.assets
    if not len(assets):
        return assets
    return assets[assets["category"].isin(result.categories)]


def nearest_assets(result: Result) -> pd.DataFrame:
    """The nearest counted asset to each area's point.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``result.areas``: ``nearest_asset_id``,
        ``nearest_asset_name`` (the category label when the asset has no
        name), ``nearest_asset_category`` (label) and ``nearest_asset_m``
        (straight line, metres; NaN when there is no asset).
    """
    areas = result.areas
    out = pd.DataFrame(
        {
            "nearest_asset_id": pd.Series(pd.NA, index=areas.index, dtype="string"),
            "nearest_asset_name": pd.Series(pd.NA, index=areas.index, dtype="string"),
            "nearest_asset_category": pd.Series(pd.NA, index=areas.index, dtype="string"),
            "nearest_asset_m": np.nan,
        },
        index=areas.index,
    )
    assets = counted_assets(result)
    if not len(assets) or not {"point_x", "point_y"} <= set(areas.columns):
        return out
    xy = np.column_stack([assets.geometry.x.to_numpy(), assets.geometry.y.to_numpy()])
    origins = areas[["point_x", "point_y"]].to_numpy(dtype=float)
    ok = np.isfinite(origins).all(axis=1)
    dist, idx = cKDTree(xy).query(origins[ok], k=1)
    chosen = assets.iloc[idx]
    names = _display_names(chosen["name"], chosen["category"])
    out.loc[ok, "nearest_asset_id"] = chosen["asset_id"].astype(str).to_numpy()
    out.loc[ok, "nearest_asset_name"] = names.to_numpy()
    out.loc[ok, "nearest_asset_category"] = chosen["category"].map(category_label).to_numpy()
    out.loc[ok, "nearest_asset_m"] = dist
    return out


def _display_names(names: pd.Series, categories: pd.Series) -> pd.Series:
    """Asset names, with ``unnamed <category>`` where a name is missing or blank."""
    text = names.astype("string").str.strip()
    blank = text.isna() | text.eq("")
    fallback = "unnamed " + categories.map(category_label).astype(str).str.lower()
    return text.where(~blank, fallback).astype(str)


@dataclass(frozen=True)
class Driver:
    """One reason an area's risk is high."""

    name: str
    words: str
    value: float
    shown: str
    contribution: float

    def text(self) -> str:
        """``bad health 9%``: the indicator in plain words with its value."""
        return f"{self.words} {self.shown}"


def risk_drivers(
    result: Result, codes: Sequence[str] | None = None, *, top: int = 3
) -> dict[str, list[Driver]]:
    """The indicators that raise each area's risk most, largest first.

    Read from :func:`geo.risk.top_drivers` on the risk model the result
    carries, so the report lists the same drivers as the app and
    ``python -m geo explain``: each term's contribution relative to England
    (``geo/method/risk.md``).  Only positive contributions are listed.
    """
    areas = result.areas
    codes = list(areas.index if codes is None else codes)
    detail = result.risk_detail
    if not codes or detail is None:
        return {c: [] for c in codes}
    older = isinstance(detail, risk.OlderRisk)
    composite = isinstance(detail, risk.CompositeRisk)
    out: dict[str, list[Driver]] = {}
    for code in codes:
        items = []
        for name, row in risk.top_drivers(detail, code, n=top).iterrows():
            name = str(name)
            value = float(row["value"])
            if composite:
                words, shown = _indicator_words(name, value)
            elif older:
                words = TERM_WORDS.get(name, str(row["label"]).lower())
                shown = f"{(2.0 - value if name == 'household_size' else value):.0%}"
            else:
                words, shown = INDICATOR_WORDS.get(name, str(row["label"]).lower()), f"{value:.0%}"
            items.append(Driver(name, words, value, shown, float(row["contribution"])))
        out[code] = items
    return out


def _indicator_words(name: str, value: float) -> tuple[str, str]:
    """Plain words and the shown value of an all-ages index indicator."""
    indicator = {i.name: i for i in risk.INDICATORS}.get(name)
    if indicator is not None:
        words = INDICATOR_WORDS.get(name, indicator.label.lower())
        return words, _value_text(indicator.column, value)
    column = name.split(":", 1)[-1]  # an uploaded indicator, "user:<column>"
    words = column.removeprefix("user_").replace("_", " ") + " (your data)"
    return words, _value_text(column, value, known=False)


def _value_text(column: str, value: float, *, known: bool = True) -> str:
    if not np.isfinite(value):
        return "(no value)"
    if not known:
        return f"{value:.3g}"
    if column.startswith("pct_") or column == "income_score":
        return f"{value:.0%}"
    return f"{value:.0f}"


def priority_table(result: Result, *, geometry: bool = False) -> pd.DataFrame:
    """The priority gap areas (class 3-1) in priority-rank order.

    Parameters
    ----------
    result
        An analysis result.
    geometry
        Return a GeoDataFrame with the areas' polygons (for GIS exports).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PRIORITY_COLUMNS` (those available); ``drivers`` is a
        plain-English string such as ``"bad health 9%; renting 61%"``.
    """
    areas = result.areas
    chosen = areas[areas["is_priority"].fillna(False).astype(bool)].sort_values("priority_rank")
    return _area_rows(result, chosen, geometry=geometry)


def top_gap_table(result: Result, n: int = 10) -> pd.DataFrame:
    """The ``n`` areas with the largest gap scores, whatever their class."""
    chosen = result.areas.sort_values("priority_rank").head(n)
    return _area_rows(result, chosen, geometry=False)


def _area_rows(result: Result, chosen: pd.DataFrame, *, geometry: bool) -> pd.DataFrame:
    codes = list(chosen.index)
    near = nearest_assets(result).loc[codes]
    drivers = risk_drivers(result, codes)
    frame = chosen.join(near.drop(columns=[c for c in near if c in chosen]))
    frame = frame.assign(drivers=["; ".join(d.text() for d in drivers[c]) for c in codes])
    frame = frame.reset_index()
    columns = [c for c in PRIORITY_COLUMNS if c in frame.columns]
    table = pd.DataFrame(frame[columns])
    if geometry:
        return gpd.GeoDataFrame(table, geometry=frame.geometry.values, crs=result.areas.crs)
    return table


@dataclass(frozen=True)
class EquityGroup:
    """One group of people (or households) for the equity breakdown."""

    label: str
    count: str  # column with the group's count
    pct: str | None  # column with its share of the table's own total
    base: str  # "residents" or "households": what the share is of


#: The groups compared, as the Census columns allow.
EQUITY_GROUPS: tuple[EquityGroup, ...] = (
    EquityGroup("Older people (65+)", "pop_65plus", "pct_65plus", "residents"),
    EquityGroup("People aged 75+", "pop_75plus", "pct_75plus", "residents"),
    EquityGroup("Young adults (16–24)", "pop_16_24", "pct_16_24", "residents"),
    EquityGroup("Disabled people (Equality Act)", "disabled", "pct_disabled", "residents"),
    EquityGroup("Unpaid carers (5+)", "carers", "pct_carers", "residents"),
    EquityGroup("In bad or very bad health", "bad_health", "pct_bad_health", "residents"),
    EquityGroup("Widowed (16+)", "widowed", "pct_widowed", "residents"),
    EquityGroup("Income-deprived (IoD)", "income_score", None, "residents"),
    EquityGroup("Households of one person", "one_person_hh", "pct_one_person_hh", "households"),
    EquityGroup(
        "One-person households aged 66+",
        "one_person_66plus",
        "pct_one_person_66plus",
        "households",
    ),
    EquityGroup("Households renting", "renting", "pct_renting", "households"),
    EquityGroup("Households without a car or van", "no_car", "pct_no_car", "households"),
)


def gap_areas(result: Result, *, fallback: int = 10) -> tuple[pd.Series, bool]:
    """The areas the equity breakdown compares: the priority gaps, if any.

    Returns a boolean mask indexed like the areas and whether it is the
    priority gaps (True) or, when there are none, the ``fallback`` areas with
    the largest gap scores (False), as the ranked table then lists.
    """
    areas = result.areas
    priority = areas["is_priority"].fillna(False).astype(bool)
    if priority.any():
        return priority, True
    top = areas.sort_values("priority_rank").head(fallback).index
    return pd.Series(areas.index.isin(top), index=areas.index), False


def equity_table(result: Result, mask: pd.Series | None = None) -> pd.DataFrame:
    """Who lives in the gap areas (``mask``, default :func:`gap_areas`), against the whole area.

    Each share is the group's count over its table's own total (for example
    carers over residents aged 5+), summed over the areas: a population- or
    household-weighted share, not a mean of area percentages.  The
    income-deprived share weights the IoD income score (a rate) by
    residents.

    Returns
    -------
    pandas.DataFrame
        One row per group the data has: ``group``, ``base`` (residents or
        households), ``in_gap_areas`` (count), ``share_gap`` and
        ``share_all`` (fractions) and ``ratio`` (gap ÷ all; above 1 means the
        group is over-represented in the gap areas).
    """
    areas = result.areas
    if mask is None:
        mask, _ = gap_areas(result)
    gap = mask.reindex(areas.index).fillna(False).astype(bool).to_numpy()
    rows = []
    pop = _col(areas, "population")
    households = _col(areas, "households")
    for group in EQUITY_GROUPS:
        if group.count not in areas.columns:
            continue
        base_col = households if group.base == "households" else pop
        if group.pct is None:  # a rate: weight by the base
            rate = _col(areas, group.count)
            count = rate * base_col
            denom = base_col.where(rate.notna())
        else:
            count = _col(areas, group.count)
            pct = _col(areas, group.pct) if group.pct in areas.columns else None
            denom = base_col.copy()
            if pct is not None:
                from_pct = count / pct.where(pct > 0)
                denom = from_pct.where(from_pct.notna(), base_col)
            denom = denom.where(count.notna())
        share_all = _ratio(count.sum(), denom.sum())
        share_gap = _ratio(count[gap].sum(), denom[gap].sum()) if gap.any() else np.nan
        rows.append(
            {
                "group": group.label,
                "base": group.base,
                "in_gap_areas": float(count[gap].sum()) if gap.any() else 0.0,
                "share_gap": share_gap,
                "share_all": share_all,
                "ratio": _ratio(share_gap, share_all),
            }
        )
    residents_gap = float(pop[gap].sum())
    head = {
        "group": "All residents",
        "base": "residents",
        "in_gap_areas": residents_gap,
        "share_gap": _ratio(residents_gap, float(pop.sum())),
        "share_all": 1.0,
        "ratio": np.nan,
    }
    return pd.DataFrame([head, *rows])


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return pd.to_numeric(frame[name], errors="coerce").astype(float)


def _ratio(a: float, b: float) -> float:
    if not np.isfinite(a) or not np.isfinite(b) or b == 0:
        return np.nan
    return float(a) / float(b)


def asset_directory(result: Result, *, in_region_only: bool = True) -> pd.DataFrame:
    """The community assets in the area, grouped by category, sorted by name.

    Returns
    -------
    pandas.DataFrame
        ``category`` (key), ``category_label``, ``name`` (or ``unnamed …``),
        ``where`` (the address, or latitude and longitude to five decimals),
        ``source``, ``asset_id``, ``lat``, ``lon`` and ``named`` (False when
        the asset has no name); in the taxonomy's category order, named
        assets first, then by name.
    """
    assets = result.assets
    if in_region_only and len(assets) and "in_region" in assets:
        assets = assets[assets["in_region"].fillna(False).astype(bool)]
    columns = [
        "category",
        "category_label",
        "name",
        "where",
        "source",
        "asset_id",
        "lat",
        "lon",
        "named",
    ]
    if not len(assets):
        return pd.DataFrame(columns=columns)
    order = {key: i for i, key in enumerate(category_labels())}
    wgs = assets.geometry.to_crs(4326)
    lat = wgs.y.round(5).to_numpy()
    lon = wgs.x.round(5).to_numpy()
    address = (
        assets["address"].astype("string").str.strip()
        if "address" in assets
        else pd.Series(pd.NA, index=assets.index, dtype="string")
    )
    coords = pd.Series([f"{a:.5f}, {b:.5f}" for a, b in zip(lat, lon, strict=True)], assets.index)
    has_address = (address.notna() & address.ne("")).to_numpy(dtype=bool)
    where = address.where(has_address, coords).astype(str)
    raw = assets["name"].astype("string").str.strip()
    has_name = (raw.notna() & raw.ne("")).to_numpy(dtype=bool)
    frame = pd.DataFrame(
        {
            "category": assets["category"].astype(str).to_numpy(),
            "category_label": assets["category"].map(category_label).to_numpy(),
            "name": _display_names(assets["name"], assets["category"]).to_numpy(),
            "where": where.to_numpy(),
            "source": assets["source"].astype(str).to_numpy(),
            "asset_id": assets["asset_id"].astype(str).to_numpy(),
            "lat": lat,
            "lon": lon,
            "named": has_name,
        }
    )
    frame["_order"] = frame["category"].map(order).fillna(len(order))
    frame["_key"] = frame["name"].str.casefold()
    frame["_unnamed"] = ~frame["named"]
    frame = frame.sort_values(["_order", "_unnamed", "_key", "asset_id"], kind="stable")
    return frame.drop(columns=["_order", "_key", "_unnamed"]).reset_index(drop=True)
