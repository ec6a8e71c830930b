"""The Compare page: an authority beside another, its region or England, on the same scales.

Both maps show a layer whose classes are England's deciles (loneliness risk,
deprivation), so a colour means the same on either map; the headline figures
are set out in one table, one column per side.  A region or England is
computed from the national tables (:mod:`geo.reference`), loaded once per
process, not from a full analysis: it has no map, and a table of residents
by England's risk decile stands beside the authority's instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from geo import pipeline
from geo.present.headlines import ENGLAND_TOP_DECILES, FIGURES, formatted
from geo.reference import BASIS, ENGLAND, reference_headline
from geo.regionnames import REGION_NOT_KNOWN, region_name
from ui import cache, common, mapview, params
from ui.params import Choice

#: Layers coloured by England-wide deciles: the same class breaks on both maps.
SAME_SCALE_LAYERS = {"risk": "Loneliness risk", "deprivation": "Deprivation"}
#: The second side's choice that stands for the first authority's region.
REGION = "region"
#: Shown for a figure a side does not have.
NOT_MEASURED = "not measured"


def headline_table(sides: Mapping[str, Mapping[str, Any]], *, relative: bool) -> pd.DataFrame:
    """The headline figures of each side, one column each (texts).

    ``relative`` adds the figures relative to each area's own thirds (only
    for two authorities: a region or England has no such figures).
    """
    shown = [f for f in FIGURES if f.scope == "england" or relative]
    columns = {
        name: [formatted(f, values.get(f.key)) if f.key in values else NOT_MEASURED for f in shown]
        for name, values in sides.items()
    }
    for name, values in sides.items():
        if values.get("residents_beyond_10min") is None:
            column = columns[name]
            for i, f in enumerate(shown):
                if f.key.endswith("beyond_10min"):
                    column[i] = NOT_MEASURED
    return pd.DataFrame(columns, index=[f.label for f in shown])


def decile_table(areas: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Share of each side's residents in each England risk decile (1 = highest risk)."""
    columns = {}
    for name, frame in areas.items():
        decile = pd.to_numeric(frame["risk_decile_national"], errors="coerce")
        pop = pd.to_numeric(frame["population"], errors="coerce").fillna(0)
        by = pop.groupby(decile).sum().reindex(range(1, 11), fill_value=0)
        total = float(pop[decile.notna()].sum())
        columns[name] = [f"{v / total * 100:.1f}%" if total else "—" for v in by]
    index = [f"Decile {d}" + (" (highest risk)" if d == 1 else "") for d in range(1, 11)]
    return pd.DataFrame(columns, index=index)


def _region_of(code: str) -> str | None:
    """The region code of an authority (its areas' most common), or None."""
    region = cache.region(code)
    if region is None or "region_code" not in region.areas:
        return None
    known = region.areas["region_code"].dropna()
    return str(known.mode().iloc[0]) if len(known) else None


def pick_two(authorities: pd.DataFrame) -> tuple[str, str]:
    """The first authority and the second side: an authority code, ``region`` or ``england``."""
    codes = list(authorities["lad_code"])
    names = dict(zip(authorities["lad_code"], authorities["lad_name"], strict=True))
    first = params.current().area
    first = first if first in names else codes[0]
    left, right = st.columns(2)
    a = str(
        left.selectbox(
            "First authority",
            codes,
            index=codes.index(first),
            format_func=lambda c: f"{names.get(c, c)} ({c})",
            key="compare_a",
        )
    )
    region = region_name(_region_of(a)) or REGION_NOT_KNOWN
    options = [ENGLAND, REGION, *codes]
    labels = {ENGLAND: "England", REGION: f"Its region: {region}"}
    b = right.selectbox(
        "Compare with (another authority, its region or England)",
        options,
        index=options.index(codes[(codes.index(a) + 1) % len(codes)]),
        format_func=lambda c: labels.get(c) or f"{names.get(c, c)} ({c})",
        key="compare_b",
    )
    return a, str(b)


def _layer() -> str:
    layer = st.segmented_control(
        "Map layer (England's deciles: the same colours mean the same on both maps)",
        options=list(SAME_SCALE_LAYERS),
        format_func=SAME_SCALE_LAYERS.__getitem__,
        default="risk",
        key="compare_layer",
    )
    return str(layer or "risk")


def _analysed(code: str) -> tuple[pipeline.Result, Any] | None:
    choice = Choice(area=code, parameters=params.current().parameters)
    if cache.region(code) is None:
        return None
    result = cache.analysis(choice)
    return None if result is None else (result, cache.analysis_key(choice))


def _draw(results: Mapping[str, tuple[pipeline.Result, Any]], view: mapview.View) -> None:
    for col, (name, (result, key)) in zip(st.columns(len(results)), results.items(), strict=True):
        with col, common.guard(f"drawing the map of {name}"):
            st.markdown(f"**{common.md_escape(name)}**")
            mapview.render(result, key, view, selected=None)


def render(authorities: pd.DataFrame) -> None:
    """The whole Compare page below its title."""
    a, b = pick_two(authorities)
    if a == b:
        st.info("Pick two different authorities to compare them.")
        return
    view = mapview.View(layer=_layer(), hotspots=False)
    first = _analysed(a)
    if first is None:
        return
    result = first[0]
    if b in (ENGLAND, REGION):
        _against_reference(result, first, b, view)
        return
    second = _analysed(b)
    if second is None:
        return
    sides = {result.region.name: first, second[0].region.name: second}
    common.safe_table(
        headline_table({n: pipeline.headline(r) for n, (r, _) in sides.items()}, relative=True)
    )
    _draw(sides, view)
    st.caption(common.md_escape(mapview.classes(result, view).note))


def _against_reference(
    result: pipeline.Result, first: tuple[pipeline.Result, Any], b: str, view: mapview.View
) -> None:
    """The authority beside its region or England, from the national tables."""
    code = ENGLAND if b == ENGLAND else _region_of(result.region.key)
    if code is None:
        st.info(
            f"The region of {common.md_escape(result.region.name)} is not known in these "
            f"data ({REGION_NOT_KNOWN}): compare it with England or another authority."
        )
        return
    reference = cache.reference(result.parameters)
    if reference is None:
        st.info("England's tables are not available here, so there is nothing to compare with.")
        return
    figures = reference_headline(reference, code)
    name = str(figures["name"])
    common.safe_table(
        headline_table(
            {result.region.name: pipeline.headline(result), name: figures}, relative=False
        )
    )
    st.caption(
        f"{common.md_escape(name)}: {int(figures['areas']):,} small areas, {BASIS}. "
        f"England's 20% highest-risk areas are its deciles 1–{ENGLAND_TOP_DECILES}."
    )
    left, right = st.columns(2)
    with left, common.guard(f"drawing the map of {result.region.name}"):
        st.markdown(f"**{common.md_escape(result.region.name)}**")
        mapview.render(result, first[1], view, selected=None)
    areas = reference.areas
    areas = areas if code == ENGLAND else areas[areas["region_code"] == code]
    with right:
        st.markdown(f"**{common.md_escape(name)}: residents by England risk decile**")
        common.safe_table(decile_table({result.region.name: result.areas, name: areas}))
    st.caption(common.md_escape(mapview.classes(result, view).note))
