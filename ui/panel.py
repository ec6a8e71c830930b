"""The side panel of one small area: its figures, what drives its risk, nearby places."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from geo import pipeline
from geo.present import glossary, reach
from geo.risk import INDICATORS
from ui import cache, common, labels, session
from ui.params import Choice

_INDICATOR_UNITS = {i.name: i.column for i in INDICATORS}


def _fmt(value: Any, spec: str = ",.0f", missing: str = "—") -> str:
    try:
        if value is None or pd.isna(value):
            return missing
        return format(float(value), spec)
    except (TypeError, ValueError):
        return missing


def _value_text(column: str, value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    if column.startswith("pct_"):
        return f"{float(value) * 100:.1f}%"
    return f"{float(value):.3g}"


def nearest_places(result: pipeline.Result, code: str, *, limit: int = 8) -> pd.DataFrame:
    """The community places nearest an area's point, with distance and walking minutes."""
    area = result.areas.loc[code]
    assets = result.assets
    counted = set(result.categories)
    if assets.empty:
        return pd.DataFrame()
    assets = assets[assets["category"].isin(counted)]
    if assets.empty:
        return pd.DataFrame()
    dx = assets.geometry.x.to_numpy() - float(area["point_x"])
    dy = assets.geometry.y.to_numpy() - float(area["point_y"])
    dist = np.hypot(dx, dy)
    order = np.argsort(dist)[: limit * 3]
    chosen = assets.iloc[order]
    xs, ys = chosen.geometry.x.to_numpy(), chosen.geometry.y.to_numpy()
    names = chosen["name"].astype("string").fillna("").str.strip().to_list()
    categories = chosen["category"].astype(str).to_list()
    inside = chosen["in_region"].fillna(False).astype(bool).to_list()
    kept: list[int] = []
    for i in range(len(chosen)):
        # a place listed twice (same name and kind within 150 m) is shown once
        if names[i] and any(
            names[j].casefold() == names[i].casefold()
            and categories[j] == categories[i]
            and np.hypot(xs[i] - xs[j], ys[i] - ys[j]) <= 150
            for j in kept
        ):
            continue
        kept.append(i)
        if len(kept) == limit:
            break
    speed = result.parameters.speed_m_s
    return pd.DataFrame(
        {
            "name": [names[i] or "(no name recorded)" for i in kept],
            "category": [labels.CATEGORY_LABELS.get(categories[i], categories[i]) for i in kept],
            "metres": [float(dist[order][i]) for i in kept],
            "minutes": [float(dist[order][i]) / speed / 60.0 for i in kept],
            "inside": [inside[i] for i in kept],
        }
    )


_GLOSSED = {t.key for t in glossary.TERMS if t.group == "indicator"}


def chart_label(name: str, fallback: str) -> str:
    """The risk chart's name for an indicator or model term: the glossary's label.

    Only the user's own indicators (``user:<column>``), which the glossary cannot
    know, keep the label they were given (``fallback``).
    """
    return glossary.label(name) if name in _GLOSSED else fallback


def _contribution_chart(table: pd.DataFrame, *, logistic: bool) -> alt.Chart | None:
    if table is None or table.empty:
        return None
    frame = table.copy()
    frame["short"] = [
        chart_label(str(i), lab) for i, lab in zip(frame.index, frame["label"], strict=True)
    ]
    frame["meaning"] = [
        glossary.definition(str(i)) if str(i) in _GLOSSED else lab
        for i, lab in zip(frame.index, frame["label"], strict=True)
    ]
    frame = frame.reset_index(drop=True)
    frame = frame[frame["contribution"].notna()]
    if frame.empty:
        return None
    frame["direction"] = np.where(frame["contribution"] >= 0, "raises risk", "lowers risk")
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "contribution:Q",
                title="log-odds vs England" if logistic else "contribution to the score",
            ),
            y=alt.Y("short:N", sort="-x", title=None, axis=alt.Axis(labelLimit=140)),
            color=alt.Color(
                "direction:N",
                scale=alt.Scale(
                    domain=["raises risk", "lowers risk"], range=["#cb181d", "#4292c6"]
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("short:N", title="Indicator"),
                alt.Tooltip("meaning:N", title="Meaning"),
                alt.Tooltip("contribution:Q", format=".3f"),
            ],
        )
        .properties(height=max(140, 30 * len(frame)))
    )


def render(result: pipeline.Result, choice: Choice, code: str) -> None:
    """Show everything about one area."""
    a = result.areas
    if code not in a.index:
        st.info("That area is not part of this analysis. Click an area on the map.")
        return
    row = a.loc[code]
    n = len(a)
    _heading(row, code, n)
    _risk_metrics(result, row, n)
    _drivers(result, code)
    _places_nearby(result, row, code)


def _heading(row: pd.Series, code: str, n: int) -> None:
    """The area's name, code and ward, its gap class or priority, and the hot-spot badge."""
    ward = row.get("ward_name")
    st.markdown(f"#### {row['lsoa21nm']}")
    st.caption(f"{code}" + (f" · {ward} ward" if isinstance(ward, str) and ward else ""))

    gap_label = row.get("gap_label") if isinstance(row.get("gap_label"), str) else "no class"
    if bool(row.get("is_priority", False)):
        st.warning(
            f"**Priority gap**: high risk, low access. Rank {int(row['priority_rank'])} of {n}.",
            icon=":material/flag:",
        )
    else:
        rank = row.get("priority_rank")
        st.info(f"{gap_label}." + (f" Gap rank {int(rank)} of {n}." if pd.notna(rank) else ""))
    if bool(row.get("hotspot", False)):
        st.badge(
            "In a hot spot of large gaps", icon=":material/local_fire_department:", color="orange"
        )


def _risk_metrics(result: pipeline.Result, row: pd.Series, n: int) -> None:
    """Residents, risk decile, rank and score, expected lonely people, IoD, nearest place."""
    c1, c2 = st.columns(2)
    c1.metric("Residents", _fmt(row.get("population")))
    c2.metric("Aged 65+", _fmt(row.get("pop_65plus")))
    nat = row.get("risk_decile_national")
    c1.metric(
        glossary.label("risk_decile"),
        f"{_fmt(nat, '.0f')} of 10" if pd.notna(nat) else "—",
        help=glossary.definition("risk_decile"),
    )
    c2.metric(
        glossary.label("risk_rank"),
        f"{_fmt(row.get('risk_rank'), '.0f')} of {n}",
        help=glossary.definition("risk_rank"),
    )
    robust = row.get("robust_priority")
    st.caption(
        f"{glossary.label('rank_range')} under model uncertainty: "
        f"{_fmt(row.get('risk_rank_p05'), '.0f')}–"
        f"{_fmt(row.get('risk_rank_p95'), '.0f')} (5th–95th percentile)"
        + (
            f" · **{glossary.label('robust_priority').lower()}** "
            f"({glossary.definition('robust_priority').rstrip('.')})"
            if robust is True
            else ""
        )
    )
    if result.parameters.model in ("older", "evidence"):
        c1.metric(
            f"{glossary.label('relative_risk')} vs England"
            + (" (65+)" if result.parameters.model == "older" else ""),
            f"{_fmt(row.get('risk_score'), '.2f')}×",
            help=glossary.definition("relative_risk"),
        )
    else:
        c1.metric(
            f"{glossary.label('risk_score')} vs England",
            f"{_fmt(row.get('risk_score'), '+.2f')} SD",
            help=glossary.definition("risk_score"),
        )
    c2.metric(
        glossary.label("expected_lonely"),
        _fmt(row.get("expected_lonely"), ",.0f"),
        help=glossary.definition("expected_lonely") + " 90% range "
        f"{_fmt(row.get('expected_lonely_p05'), ',.0f')}–"
        f"{_fmt(row.get('expected_lonely_p95'), ',.0f')} from the coefficients' standard errors.",
    )
    c1.metric(
        glossary.label("imd_decile"),
        _fmt(row.get("imd_decile"), ".0f"),
        help=glossary.definition("imd_decile"),
    )
    c2.metric(
        glossary.label("nearest_place"),
        f"{_fmt(row.get('walk_min_any'), '.0f')} min",
        help=glossary.definition("nearest_place"),
    )


def _drivers(result: pipeline.Result, code: str) -> None:
    """What drives the area's risk: the contributions chart and the numbers behind it."""
    st.markdown("**What drives the risk here**")
    table = cache.contributions(result, code)
    if table is not None:
        yours = session.user_indicator_columns(result.areas)
        table = table.assign(
            label=[
                f"{yours.get(str(i)[5:], str(i)[5:])} (your data)"
                if str(i).startswith("user:")
                else lab
                for i, lab in zip(table.index, table["label"], strict=True)
            ]
        )
    logistic = result.parameters.model in ("older", "evidence")
    chart = _contribution_chart(table, logistic=logistic) if table is not None else None
    if chart is None or table is None:
        st.caption("No indicator breakdown is available for this area.")
    else:
        st.altair_chart(chart, width="stretch")
        shown, caption = _logistic_table(table) if logistic else _weighted_table(table)
        st.caption(caption)
        with st.expander("The numbers behind the chart"):
            st.dataframe(shown, hide_index=True, width="stretch")


def _logistic_table(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The risk model's terms in log-odds, and the chart's caption."""
    shown = table.reset_index(drop=True).copy()
    shown = shown.assign(
        value=shown["value"].map(lambda v: _fmt(v, ".3f")),
        reference=shown["reference"].map(lambda v: _fmt(v, ".3f")),
        coefficient=shown["coefficient"].map(lambda v: _fmt(v, "+.3f")),
        contribution=shown["contribution"].map(lambda v: _fmt(v, "+.3f")),
    )[["label", "value", "reference", "coefficient", "contribution"]]
    shown.columns = ["Term", "Value", "England", "Coefficient", "Log-odds"]
    caption = (
        "Red raises the risk, blue lowers it: each term's coefficient × (the area's "
        "value − England's average), in log-odds of being often lonely. The same "
        "drivers are listed in the report and by `python -m geo explain`."
    )
    return shown, caption


def _weighted_table(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The all-ages index's indicators, z-scores and weights, and the chart's caption."""
    columns = [_INDICATOR_UNITS.get(i, "") for i in table.index]
    shown = pd.DataFrame(
        {
            "Indicator": table["label"].to_numpy(),
            "Value": [_value_text(c, v) for c, v in zip(columns, table["value"], strict=True)],
            "vs England (z)": table["z"].map(lambda v: _fmt(v, "+.2f")).to_numpy(),
            "Weight": table["weight_in_area"].map(lambda v: _fmt(v * 100, ".0f") + "%").to_numpy(),
            "Adds": table["contribution"].map(lambda v: _fmt(v, "+.3f")).to_numpy(),
        }
    )
    caption = (
        "Red raises the risk, blue lowers it: each indicator's distance from the "
        "England average (z) × its weight. The bars add up to the risk score."
    )
    return shown, caption


def _places_nearby(result: pipeline.Result, row: pd.Series, code: str) -> None:
    """Counted places within each distance, the nearest of each kind and a short list."""
    a = result.areas
    st.markdown("**Community places nearby**")
    p = result.parameters
    counts = [
        f"{int(row[f'count_any_{t}m'])} within {t:,} m"
        for t in p.thresholds
        if f"count_any_{t}m" in a and pd.notna(row.get(f"count_any_{t}m"))
    ]
    if counts:
        st.caption(
            "Counted places: "
            + ", ".join(counts)
            + f". E2SFCA access {_fmt(row.get('access_e2sfca'), '.2f')} per 1,000 residents."
        )
    kinds = reach.area_reach(result, code)
    if kinds:
        with st.expander(f"{glossary.label('nearest_place')} of each kind"):
            st.markdown(
                "\n".join(
                    f"- {common.md_escape(kind)}: {common.md_escape(text)}" for kind, text in kinds
                )
            )
    places = nearest_places(result, code)
    if places.empty:
        st.caption("No counted community place is listed near this area.")
    else:
        lines = [
            f"- **{common.md_escape(r.name)}** · {common.md_escape(r.category)} — "
            f"{r.minutes:.0f} min ({r.metres:,.0f} m)" + ("" if r.inside else ", over the border")
            for r in places.itertuples(index=False)
        ]
        st.markdown("\n".join(lines))
        st.caption(
            "Distances are straight lines from the area's population-weighted centre; "
            "walking minutes at the speed set in Analysis settings."
        )
