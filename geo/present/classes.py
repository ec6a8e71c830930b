"""What colour each area is on a map layer, and the legend that explains it.

Colours are computed here, in Python, from a :class:`geo.pipeline.Result`:

* :func:`risk_classes` — loneliness-risk deciles (England when known);
* :func:`access_classes` — E2SFCA quintiles or walking minutes to the nearest
  asset, for any asset or one category;
* :func:`gap_classes` — the nine risk × access classes of :mod:`geo.gaps`;
* :func:`deprivation_classes` — IMD deciles;
* :func:`user_classes` — an uploaded indicator in fifths.

Each returns a :class:`Classes`: a colour and a short text per area, and the
legend that explains them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import glossary
from .breaks import classify, quantile_breaks
from .labels import category_label as label_of
from .labels import model_label
from .palettes import (
    ACCESS_COLOURS,
    DECILE_COLOURS,
    NO_ACCESS,
    NO_DATA,
    RISK_COLOURS,
    USER_COLOURS,
    WALK_BANDS,
    WALK_COLOURS,
)
from .reach import nearest_text, provision_text


@dataclass(frozen=True)
class Classes:
    """The colour and the text of each area on one map layer, and its legend.

    Attributes
    ----------
    colour
        Hex colour per area (index = area code).
    text
        What the colour means for that area, in a few words (for tooltips).
    title
        The legend's title.
    legend
        ``(colour, label)`` rows of the legend, in order.
    note
        One sentence under the legend (what "high" is compared with).
    ramp
        For ordered scales (deciles): the labels of the two ends, so the
        legend can be drawn as one compact colour bar.
    """

    colour: pd.Series
    text: pd.Series
    title: str
    legend: tuple[tuple[str, str], ...]
    note: str = ""
    ramp: tuple[str, str] | None = None


def risk_decile_column(areas: pd.DataFrame) -> str:
    """``risk_decile_national`` when England deciles are known, else ``risk_decile``."""
    national = "risk_decile_national" in areas and areas["risk_decile_national"].notna().any()
    return "risk_decile_national" if national else "risk_decile"


def risk_classes(areas: pd.DataFrame, *, model: str) -> Classes:
    """Loneliness-risk deciles: of England when national ranks exist, else of the region."""
    column = risk_decile_column(areas)
    national = column == "risk_decile_national"
    deciles = pd.to_numeric(areas[column], errors="coerce")
    lookup = dict(enumerate(RISK_COLOURS, start=1))
    colour = deciles.map(lambda d: lookup.get(int(d), NO_DATA) if pd.notna(d) else NO_DATA)
    where = "England" if national else "this area"
    text = deciles.map(
        lambda d: f"decile {int(d)} of {where}" if pd.notna(d) else "no risk score"
    ).astype(str)
    who = model_label(model)
    legend = tuple(
        (c, f"{i}{' — highest risk 10%' if i == 1 else ' — lowest risk 10%' if i == 10 else ''}")
        for i, c in enumerate(RISK_COLOURS, start=1)
    )
    note = f"Risk of loneliness, {who}: deciles of all areas in {where}" + (
        " (1 = the 10% of English areas most at risk)." if national else "."
    )
    return Classes(
        colour,
        text,
        f"Loneliness risk decile ({where})",
        legend,
        note,
        ramp=("1 highest risk", "10 lowest"),
    )


def access_bins(values: pd.Series, classes: int = 5) -> tuple[pd.Series, np.ndarray]:
    """Access classes: quantiles of the areas with some access; none and missing apart.

    Returns the class of each area (0 = lowest access; NaN for areas with no
    access within reach or no value) and the class edges.  This is the one
    classification of access, used by the app's map and the report's.
    """
    values = pd.to_numeric(values, errors="coerce").astype(float)
    positive = values.where(values > 0)
    edges = quantile_breaks(positive, classes)
    if len(edges) == 2 and edges[0] == edges[1]:
        edges = np.array([edges[0], edges[1] + 1e-9])
    return pd.Series(classify(positive, edges), index=values.index), edges


def access_classes(
    areas: pd.DataFrame,
    *,
    measure: str = "e2sfca",
    category: str | None = None,
    category_label: str | None = None,
    speed_m_s: float = 1.0,
    catchment_m: float = 1600.0,
    covered: pd.Series | None = None,
) -> Classes:
    """Access to community places per area.

    Parameters
    ----------
    measure
        ``"e2sfca"``: quintiles (within the region) of E2SFCA places per
        1,000 residents; ``"walk"``: walking minutes to the nearest place.
    category
        A category key, or None for any place counted.
    category_label
        The kind of place in words (default: the glossary's "any community
        place", or the category's label).
    covered
        True where a source covers the kind of place (see
        :func:`geo.present.reach.covered_areas`); the tooltips then tell
        "not covered" from "none within reach".  Default: covered everywhere.
    """
    kind = category_label or (
        glossary.label("any_place") if category is None else label_of(category)
    )
    known = (
        pd.Series(True, index=areas.index)
        if covered is None
        else covered.reindex(areas.index, fill_value=False).astype(bool)
    )
    if measure == "walk":
        column = f"nearest_{category}_m" if category else "nearest_any_m"
        return _walk_classes(_column(areas, column), kind, speed_m_s, known)
    column = f"access_e2sfca_{category}" if category else "access_e2sfca"
    return _e2sfca_classes(_column(areas, column), kind, catchment_m, known)


def _column(areas: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(areas.get(column, pd.Series(np.nan, index=areas.index)))


def _title(measure: str, kind: str) -> str:
    return f"{glossary.label(measure)} · {kind}"


def _walk_classes(metres: pd.Series, kind: str, speed_m_s: float, known: pd.Series) -> Classes:
    minutes = metres / float(speed_m_s) / 60.0
    band = np.searchsorted(np.array(WALK_BANDS, dtype=float), minutes.to_numpy(), side="left")
    colour = pd.Series(
        [
            NO_DATA if np.isnan(m) else WALK_COLOURS[min(int(b), len(WALK_COLOURS) - 1)]
            for m, b in zip(minutes.to_numpy(), band, strict=True)
        ],
        index=metres.index,
    )
    text = pd.Series(
        [
            nearest_text(m, covered=bool(c), kind=kind.lower(), speed_m_s=speed_m_s)
            for m, c in zip(metres.to_numpy(), known.to_numpy(), strict=True)
        ],
        index=metres.index,
        dtype=object,
    ).astype(str)
    lows = (0, *WALK_BANDS)
    labels = [f"{a}–{b} min" for a, b in zip(lows, WALK_BANDS, strict=False)]
    labels[0] = f"up to {WALK_BANDS[0]} min"
    labels.append(f"over {WALK_BANDS[-1]} min")
    legend = (*zip(WALK_COLOURS, labels, strict=True), (NO_DATA, _blank_legend(known)))
    note = (
        f"Straight-line distance from each area's population-weighted centre to the "
        f"nearest {kind.lower()}, at {speed_m_s:g} m/s. Real walks are longer."
    )
    return Classes(colour, text, _title("walk", kind), legend, note)


def _blank_legend(known: pd.Series) -> str:
    return "not covered, or none listed" if (~known).any() else "none listed"


def _e2sfca_classes(values: pd.Series, kind: str, catchment_m: float, known: pd.Series) -> Classes:
    bins, edges = access_bins(values)
    colours = list(ACCESS_COLOURS[-(len(edges) - 1) :]) if len(edges) else []
    colour = pd.Series(NO_DATA, index=values.index)
    colour[values.fillna(-1) == 0] = NO_ACCESS
    has = bins.notna()
    colour[has] = [colours[int(b)] for b in bins[has]]
    text = pd.Series(
        [
            provision_text(v, covered=bool(c), kind=kind.lower(), catchment_m=catchment_m)
            for v, c in zip(values.to_numpy(), known.to_numpy(), strict=True)
        ],
        index=values.index,
        dtype=object,
    ).astype(str)
    legend = [(NO_ACCESS, f"none within {catchment_m / 1000:g} km")]
    for i, c in enumerate(colours):
        lo, hi = edges[i], edges[i + 1]
        suffix = " (lowest)" if i == 0 else " (highest)" if i == len(colours) - 1 else ""
        legend.append((c, f"{lo:.2f}–{hi:.2f}{suffix}"))
    if (~known).any():
        legend.append((NO_DATA, glossary.label("not_covered").lower()))
    note = (
        f"{glossary.definition('e2sfca')} Counting: {kind.lower()}, within "
        f"{catchment_m:,.0f} m (higher = better provision). Classes are fifths of the "
        "areas here."
    )
    return Classes(colour, text, _title("e2sfca", kind), tuple(legend), note)


def gap_classes(areas: pd.DataFrame, *, labels: Mapping[str, str]) -> Classes:
    """The nine risk × access classes (``gap_colour`` and ``gap_label`` of the result)."""
    colour = areas["gap_colour"].where(areas["gap_colour"].notna(), NO_DATA).astype(str)
    colour = colour.where(colour.str.startswith("#"), NO_DATA)
    text = areas["gap_label"].where(areas["gap_class"].notna(), "no class").astype(str)
    legend = tuple((c, labels.get(k, k)) for k, c in _bivariate_order())
    return Classes(
        colour,
        text,
        "Gaps: loneliness risk × access",
        legend,
        "Thirds of the areas here by risk and by access; the darkest are priority gaps.",
    )


def deprivation_classes(areas: pd.DataFrame) -> Classes:
    """IMD 2025 deciles (1 = the most deprived 10% of England)."""
    deciles = pd.to_numeric(areas.get("imd_decile", pd.Series(np.nan, index=areas.index)))
    colour = decile_colour(deciles)
    text = deciles.map(
        lambda d: f"decile {int(d)} of England" if pd.notna(d) else "no IMD value"
    ).astype(str)
    legend = tuple(
        (
            c,
            f"{i}"
            + (" — most deprived 10%" if i == 1 else " — least deprived 10%" if i == 10 else ""),
        )
        for i, c in enumerate(DECILE_COLOURS, start=1)
    )
    return Classes(
        colour,
        text,
        "Index of Multiple Deprivation 2025",
        legend,
        "Deciles of England's small areas. Deprivation is one loneliness indicator among many.",
        ramp=("1 most deprived", "10 least"),
    )


def user_classes(areas: pd.DataFrame, column: str, *, label: str) -> Classes:
    """An uploaded indicator column in quantile classes (fifths of the areas with a value).

    ``label`` is the column's name as uploaded; it is only ever shown escaped.
    """
    values = pd.to_numeric(
        areas.get(column, pd.Series(np.nan, index=areas.index)), errors="coerce"
    ).astype(float)
    values = values.where(np.isfinite(values))
    known = values.dropna()
    colour = pd.Series(NO_DATA, index=areas.index, dtype=object)
    legend: list[tuple[str, str]] = []
    if not known.empty:
        edges = quantile_breaks(known)
        n = max(len(edges) - 1, 1)
        colours = USER_COLOURS[-n:] if n < len(USER_COLOURS) else USER_COLOURS
        bins = classify(known, edges, right=False)
        colour[known.index] = [colours[int(b)] for b in bins]
        for i in range(n):
            lo, hi = edges[i], edges[min(i + 1, len(edges) - 1)]
            suffix = " (lowest)" if i == 0 and n > 1 else " (highest)" if i == n - 1 else ""
            legend.append((colours[i], f"{lo:,.4g}–{hi:,.4g}{suffix}"))
    legend.append((NO_DATA, "no value"))
    text = values.map(lambda v: "no value" if pd.isna(v) else f"{v:,.4g}").astype(str)
    return Classes(
        colour,
        text,
        f"{label} (your data)",
        tuple(legend),
        f"Your data: {label}, uploaded in this session and not checked by Belonging Atlas. "
        "Classes are fifths of the areas here with a value (darker = higher).",
    )


def decile_colour(deciles: pd.Series) -> pd.Series:
    """Colour per IMD decile (1 most deprived); grey when missing."""
    lookup = dict(enumerate(DECILE_COLOURS, start=1))
    return deciles.map(lambda d: lookup.get(int(d), NO_DATA) if pd.notna(d) else NO_DATA)


def _bivariate_order() -> list[tuple[str, str]]:
    from geo.gaps import BIVARIATE_COLOURS

    return [(f"{r}-{a}", BIVARIATE_COLOURS[f"{r}-{a}"]) for r in (3, 2, 1) for a in (1, 2, 3)]
