"""The Compare page: two local authorities side by side, on the same scales.

Both maps show a layer whose classes are England's deciles (loneliness risk,
deprivation), so a colour means the same on either map; the headline figures
are set out in one table, one column per authority.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo import pipeline
from ui import cache, common, mapview, params
from ui.params import Choice

#: Layers coloured by England-wide deciles: the same class breaks on both maps.
SAME_SCALE_LAYERS = {"risk": "Loneliness risk", "deprivation": "Deprivation"}
FIGURES = {
    "residents": ("Residents", ",.0f", 1),
    "high_risk_residents": ("In high-risk areas", ",.0f", 1),
    "expected_lonely": ("Lonely 65+ (est.)", ",.0f", 1),
    "high_risk_share_beyond_10min": ("High-risk, >10 min walk", ".1f", 100),
    "high_risk_share_beyond_20min": ("High-risk, >20 min walk", ".1f", 100),
    "priority_areas": ("Priority gaps (areas)", ",.0f", 1),
}


def _figure(value: Any, spec: str, scale: float) -> str:
    if value is None or pd.isna(value):
        return "—"
    text = format(float(value) * scale, spec)
    return f"{text}%" if scale == 100 else text


def headline_table(results: dict[str, pipeline.Result]) -> pd.DataFrame:
    """The headline figures of each authority, one column each (texts)."""
    columns = {}
    for name, result in results.items():
        h = pipeline.headline(result)
        columns[name] = [_figure(h.get(k), spec, scale) for k, (_, spec, scale) in FIGURES.items()]
    return pd.DataFrame(columns, index=[label for label, _, _ in FIGURES.values()])


def pick_two(authorities: pd.DataFrame) -> tuple[str, str]:
    """Two different authorities (the first is the one on the map page)."""
    codes = list(authorities["lad_code"])
    names = dict(zip(authorities["lad_code"], authorities["lad_name"], strict=True))
    first = params.current().area
    first = first if first in names else codes[0]
    left, right = st.columns(2)
    a = left.selectbox(
        "First authority",
        codes,
        index=codes.index(first),
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        key="compare_a",
    )
    b = right.selectbox(
        "Second authority",
        codes,
        index=(codes.index(first) + 1) % len(codes),
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        key="compare_b",
    )
    return str(a), str(b)


def render(authorities: pd.DataFrame) -> None:
    """The whole Compare page below its title."""
    a, b = pick_two(authorities)
    if a == b:
        st.info("Pick two different authorities to compare them.")
        return
    layer = st.segmented_control(
        "Map layer (England's deciles: the same colours mean the same on both maps)",
        options=list(SAME_SCALE_LAYERS),
        format_func=SAME_SCALE_LAYERS.__getitem__,
        default="risk",
        key="compare_layer",
    )
    parameters = params.current().parameters
    results: dict[str, pipeline.Result] = {}
    keys = {}
    for code in (a, b):
        choice = Choice(area=code, parameters=parameters)
        if cache.region(code) is None:
            return
        result = cache.analysis(choice)
        if result is None:
            return
        results[result.region.name] = result
        keys[result.region.name] = cache.analysis_key(choice)
    common.safe_table(headline_table(results))
    view = mapview.View(layer=str(layer or "risk"), hotspots=False)
    for col, (name, result) in zip(st.columns(2), results.items(), strict=True):
        with col, common.guard(f"drawing the map of {name}"):
            st.markdown(f"**{common.md_escape(name)}**")
            mapview.render(result, keys[name], view, selected=None)
    st.caption(common.md_escape(mapview.classes(next(iter(results.values())), view).note))
