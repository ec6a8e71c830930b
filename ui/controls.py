"""The explorer's widgets: area, analysis settings, map layer, area finder.

Every widget has a stable key and keeps its value for the whole session
(``persist_state="session"``), so switching pages and coming back finds the
map as it was left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

import pandas as pd
import streamlit as st

from geo import pipeline
from geo.params import DEFAULT_FAR_MINUTES, DEFAULT_THRESHOLDS, MODELS, Parameters
from geo.present import glossary
from geo.provision import region_coverage
from geo.region import Region
from geo.risk import DEFAULT_WEIGHTS, INDICATORS
from geo.sources.taxonomy import CATEGORY_KEYS
from geo.userdata import user_category
from ui import common, config, params, session
from ui.labels import CATEGORY_LABELS
from ui.mapview import View

PICK = "area_pick"
LENS = "lens"
FAR_MINUTES = "far_minutes"
LENS_LABELS = {k: glossary.label(k) for k in ("thin", "far")}
USER_LAYER = "user_layer"
_PERSIST: Final = "session"


def area_picker(authorities: pd.DataFrame) -> str:
    """The local-authority picker (type to search by name or code); returns its code."""
    codes = list(authorities["lad_code"])
    names = dict(zip(authorities["lad_code"], authorities["lad_name"], strict=True))
    if st.session_state.get(params.AREA) not in names:
        st.session_state.pop(params.AREA, None)
    _init(params.AREA, params.DEFAULT_AREA if params.DEFAULT_AREA in names else codes[0])
    study = session.study_area()
    if study is not None:
        st.info(
            f"**Study area: {common.md_escape(study.name)}** (your boundary, "
            f"{len(study.region.areas):,} small areas) — remove it on the Upload page "
            "to map a local authority again.",
            icon=":material/draw:",
        )
    area = st.selectbox(
        "Local authority",
        options=codes,
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        key=params.AREA,
        help="Type to search by name or code. The map fits the chosen area."
        + (" Not used while your own study area is in use." if study is not None else ""),
        disabled=study is not None,
        persist_state=_PERSIST,
    )
    if st.session_state.get("_last_area") != area:
        st.session_state["_last_area"] = area
        st.session_state.pop(params.SELECTED, None)
    return str(area)


def _init(key: str, value: object) -> None:
    """Give a widget its first value through session state (never also as a default)."""
    if key not in st.session_state:
        st.session_state[key] = value


def _sanitise(key: str, allowed: Sequence[object], fallback: Sequence[object]) -> None:
    """Drop values a multi-select no longer offers (for fixed option lists)."""
    if key in st.session_state:
        kept = [v for v in st.session_state[key] if v in allowed]
        st.session_state[key] = kept if kept else list(fallback)


def _left_out_key(key: str) -> str:
    return f"_{key}_left_out"


def _remember_left_out(key: str, available: Sequence[str]) -> None:
    """The user changed a category choice: remember what they left out of it."""
    chosen = set(st.session_state.get(key) or ())
    st.session_state[_left_out_key(key)] = [c for c in available if c not in chosen]


def carry_categories(
    key: str, area_key: str, available: Sequence[str], area_name: str = "this area"
) -> str:
    """Set a category multi-select for an area; return what could not carry over ("" if none).

    An area counts every category its sources cover, except those the user
    left out by hand (that choice carries from area to area).  Categories
    chosen for the previous area that this one does not have are named in
    the message returned, so a choice never narrows silently.
    """
    seen = f"_{key}_area"
    area_key = f"{area_key}|{','.join(available)}"  # an upload may add a category
    if st.session_state.get(seen) == area_key and key in st.session_state:
        return str(st.session_state.get(f"_{key}_message", ""))
    before = list(st.session_state.get(key) or ())
    had_area = st.session_state.get(seen) is not None
    left_out = set(st.session_state.get(_left_out_key(key)) or ())
    picked = [c for c in available if c not in left_out] or list(available)
    st.session_state[key] = picked
    st.session_state[seen] = area_key
    lost = [c for c in before if c not in available] if had_area else []
    message = ""
    if lost:
        names = [CATEGORY_LABELS.get(c, c) for c in lost]
        verb = "is" if len(names) == 1 else "are"
        message = (
            f"{', '.join(names)} {verb} not known for {area_name} and "
            f"{'was' if len(names) == 1 else 'were'} left out."
        )
    st.session_state[f"_{key}_message"] = message
    return message


def available_categories(region: Region) -> list[str]:
    """Categories the region's sources cover (and have a place), and this session's uploads."""
    covered = set(region_coverage(region).measured)
    for item in session.uploads():
        covered |= {user_category(c) for c in item.frame["category"].astype(str)}
    own = sorted(c for c in covered if c.startswith("user_"))
    return [c for c in CATEGORY_KEYS if c in covered] + own


def _lens_controls() -> tuple[str, float]:
    """Which reading of "gap" the lists use, and the walking time for "far"."""
    _init(LENS, "thin")
    lens = st.radio(
        "What makes a gap",
        options=list(LENS_LABELS),
        format_func=LENS_LABELS.get,
        key=LENS,
        help=" ".join(f"{glossary.label(k)}: {glossary.definition(k)}" for k in LENS_LABELS),
        persist_state=_PERSIST,
    )
    _init(FAR_MINUTES, int(DEFAULT_FAR_MINUTES))
    minutes = st.slider(
        glossary.label("far_minutes"),
        min_value=5,
        max_value=30,
        step=1,
        key=FAR_MINUTES,
        help=glossary.definition("far_minutes"),
        disabled=lens != "far",
        persist_state=_PERSIST,
    )
    return (str(lens) if lens in LENS_LABELS else "thin"), float(minutes)


def _reset_weights() -> None:
    for name, value in DEFAULT_WEIGHTS.items():
        st.session_state[params.WEIGHT_PREFIX + name] = int(value)


def analysis_controls(region: Region, area: str) -> tuple[params.Choice, View]:
    """Sidebar controls: risk model, what the map shows, and the analysis settings."""
    model = _model_control()
    available = available_categories(region)
    hotspots, shown, outside = _map_controls(region, available)
    with st.expander("Analysis settings", expanded=False):
        counted = _counted_control(region, available)
        lens, far_minutes = _lens_controls()
        speed, thresholds, catchment = _distance_controls()
    weights = _weight_controls(all_ages=model == "all-ages")

    choice = params.Choice(
        area=area,
        parameters=Parameters(
            model=str(model) if model in MODELS else "evidence",
            weights=params.normalise_weights(weights) if model == "all-ages" else None,
            categories=params.normalise_categories(counted or available, available),
            thresholds=tuple(thresholds or DEFAULT_THRESHOLDS),
            speed_m_s=round(float(speed), 2),
            catchment_m=float(catchment),
            lens=lens,
            far_minutes=far_minutes,
        ),
    )
    view = View(hotspots=bool(hotspots), asset_categories=tuple(shown), show_outside=bool(outside))
    return choice, view


def _model_control() -> str | None:
    """The risk model radio."""
    _init(params.MODEL, "evidence")
    return st.radio(
        "Loneliness risk model",
        options=list(params.MODEL_LABELS),
        format_func=params.MODEL_LABELS.get,
        key=params.MODEL,
        help=" ".join(glossary.definition(k) for k in params.MODEL_LABELS),
        persist_state=_PERSIST,
    )


def _map_controls(region: Region, available: list[str]) -> tuple[bool, list[str], bool]:
    """What the map shows: hot spots, community places, places just outside."""
    st.subheader("On the map", divider="gray")
    _init(params.HOTSPOTS, True)
    hotspots = st.toggle(
        "Outline hot spots",
        key=params.HOTSPOTS,
        help=glossary.definition("hot_spot"),
        persist_state=_PERSIST,
    )
    carry_categories(params.SHOW_ASSETS, region.key, available, region.name)
    shown = st.multiselect(
        "Community places shown",
        options=available,
        format_func=lambda c: CATEGORY_LABELS.get(c, c),
        key=params.SHOW_ASSETS,
        on_change=_remember_left_out,
        args=(params.SHOW_ASSETS, available),
        persist_state=_PERSIST,
    )
    _init(params.SHOW_OUTSIDE, True)
    outside = st.toggle(
        "Include places just outside the area",
        key=params.SHOW_OUTSIDE,
        help=f"Places within {config.settings().region_buffer_m / 1000:g} km of the boundary "
        "serve residents near it, so they are counted; they are drawn as hollow circles.",
        persist_state=_PERSIST,
    )
    return hotspots, shown, outside


def _counted_control(region: Region, available: list[str]) -> list[str]:
    """The categories counted as provision (a note when some were carried over as lost)."""
    lost = carry_categories(params.COUNTED, region.key, available, region.name)
    counted = st.multiselect(
        glossary.label("counted"),
        options=available,
        format_func=lambda c: CATEGORY_LABELS.get(c, c),
        key=params.COUNTED,
        help=glossary.help_text(
            "counted",
            "Each area counts every kind of place its sources cover, except those you "
            "leave out here.",
        ),
        on_change=_remember_left_out,
        args=(params.COUNTED, available),
        persist_state=_PERSIST,
    )
    if lost:
        st.info(lost, icon=":material/info:")
    if not counted:
        st.warning("Choose at least one category; all are counted until you do.")
    return counted


def _distance_controls() -> tuple[float, list[int], int]:
    """Walking speed, the distance thresholds and the catchment."""
    _init(params.THRESHOLDS, list(pipeline.DEFAULT_THRESHOLDS))
    _sanitise(params.THRESHOLDS, params.THRESHOLD_CHOICES, pipeline.DEFAULT_THRESHOLDS)
    _init(params.SPEED, float(pipeline.DEFAULT_SPEED_M_S))
    speed = st.slider(
        glossary.label("speed"),
        min_value=0.5,
        max_value=1.6,
        step=0.1,
        key=params.SPEED,
        help=glossary.definition("speed"),
        persist_state=_PERSIST,
    )
    thresholds = st.multiselect(
        glossary.label("thresholds"),
        options=list(params.THRESHOLD_CHOICES),
        format_func=lambda t: f"{t:,} m (~{t / speed / 60:.0f} min)",
        key=params.THRESHOLDS,
        help=glossary.definition("thresholds"),
        persist_state=_PERSIST,
    )
    _init(params.CATCHMENT, int(pipeline.DEFAULT_CATCHMENT_M))
    catchment = st.select_slider(
        glossary.label("catchment"),
        options=list(params.CATCHMENT_CHOICES),
        format_func=lambda m: f"{m:,} m",
        key=params.CATCHMENT,
        help=glossary.definition("catchment"),
        persist_state=_PERSIST,
    )
    return speed, thresholds, catchment


def _weight_controls(*, all_ages: bool) -> dict[str, float]:
    """The all-ages index weights (disabled for the other models) and their reset."""
    weights: dict[str, float] = {}
    with st.expander("Risk weights (all-ages index)", expanded=False):
        if not all_ages:
            st.caption(
                "The Age UK model uses its published coefficients; weights apply to the "
                "all-ages index only."
            )
        for ind in INDICATORS:
            _init(params.WEIGHT_PREFIX + ind.name, int(DEFAULT_WEIGHTS[ind.name]))
            weights[ind.name] = st.slider(
                glossary.label(ind.name),
                min_value=0,
                max_value=30,
                step=1,
                key=params.WEIGHT_PREFIX + ind.name,
                disabled=not all_ages,
                help=glossary.help_text(ind.name, ind.rationale),
                persist_state=_PERSIST,
            )
        st.button(
            "Reset weights",
            on_click=_reset_weights,
            disabled=not all_ages,
            key="reset_weights",
        )
        st.caption("Weights are relative: they are rescaled to sum to 100%.")
    return weights


def layer_controls(result: pipeline.Result, view: View, columns: Sequence) -> View:
    """The layer switch above the map (and the access options when it shows access)."""
    yours = session.user_indicator_columns(result.areas)
    layers = dict(params.LAYERS)
    if yours:
        layers["user"] = "Your data"
    if st.session_state.get(params.LAYER) not in layers:
        st.session_state[params.LAYER] = "risk"
    with columns[0]:
        layer = st.segmented_control(
            "Map layer",
            options=list(layers),
            format_func=layers.__getitem__,
            required=True,
            key=params.LAYER,
            persist_state=_PERSIST,
        )
    layer = layer or "risk"
    if layer == "user":
        if st.session_state.get(USER_LAYER) not in yours:
            st.session_state[USER_LAYER] = next(iter(yours))
        with columns[1]:
            column = st.selectbox(
                "Column",
                options=list(yours),
                format_func=lambda c: f"Your data: {yours.get(c, c)}",
                key=USER_LAYER,
                help="Indicator tables you uploaded on the Upload data page (this session only).",
                persist_state=_PERSIST,
            )
        return replace(view, layer="user", user_column=str(column), user_label=yours[column])
    if layer != "access":
        return replace(view, layer=layer)
    options = ["any", *result.categories]
    full = result.coverage.full if result.coverage is not None else result.categories
    any_label = glossary.label("any_place")
    if len(full) < len(result.categories):
        any_label = f"Any of the {len(full)} kinds known everywhere"
    if st.session_state.get(params.ACCESS_CATEGORY) not in options:
        st.session_state[params.ACCESS_CATEGORY] = "any"
    _init(params.ACCESS_MEASURE, "e2sfca")
    with columns[1]:
        category = st.selectbox(
            "Places",
            options=options,
            format_func=lambda c: any_label if c == "any" else CATEGORY_LABELS.get(c, c),
            key=params.ACCESS_CATEGORY,
            persist_state=_PERSIST,
        )
    with columns[2]:
        measure = st.selectbox(
            "Measure",
            options=list(params.ACCESS_MEASURES),
            format_func=params.ACCESS_MEASURES.__getitem__,
            key=params.ACCESS_MEASURE,
            persist_state=_PERSIST,
        )
    return replace(
        view,
        layer="access",
        access_category=None if category in (None, "any") else str(category),
        access_measure=str(measure),
    )


def _select(code: str | None) -> None:
    st.session_state[params.SELECTED] = code


def _picked() -> None:
    # The finder only jumps to an area; it is emptied again so that it never
    # has to mirror a selection made on the map (a widget set from code and
    # then re-sent by the browser would undo that selection).
    code = st.session_state.get(PICK)
    if code:
        st.session_state[params.SELECTED] = code
    st.session_state[PICK] = None


def area_finder(result: pipeline.Result) -> None:
    """Pick a small area by name or code (the same as clicking it)."""
    a = result.areas
    order = a["lsoa21nm"].astype(str).sort_values().index
    names = a["lsoa21nm"].astype(str).to_dict()
    if st.session_state.get(PICK) not in names:
        st.session_state.pop(PICK, None)
    selected = st.session_state.get(params.SELECTED)
    st.selectbox(
        "Find a small area",
        options=list(order),
        index=None,
        format_func=lambda c: f"{names.get(c, c)} ({c})",
        placeholder="Click the map, or type a name or code",
        key=PICK,
        on_change=_picked,
    )
    if selected in names:
        st.button(
            "Clear selection",
            on_click=_select,
            args=(None,),
            key="clear_area",
            icon=":material/close:",
            type="tertiary",
        )


def priority_shortcuts(result: pipeline.Result, *, limit: int = 10) -> None:
    """Shown when no area is selected: how to use the panel, and the top priority gaps."""
    st.markdown("##### Explore an area")
    st.caption(
        "Click any area on the map to see its figures, what drives its loneliness risk, "
        "and the community places nearest to it — or pick one of the areas below."
    )
    a = result.areas
    priority = a[a["is_priority"].fillna(False).astype(bool)]
    top = (priority if len(priority) else a).sort_values("priority_rank").head(limit)
    lens = (
        f"high risk, nearest place over {result.parameters.far_minutes:g} min walk"
        if result.parameters.lens == "far"
        else "high risk, thin provision"
    )
    st.markdown(f"**Top priority gaps** ({lens})" if len(priority) else "**Largest gaps**")
    # short headers and fixed widths: every column fits the side panel at 1440 px
    table = pd.DataFrame(
        {
            # numbered 1…n in this list's own order; the rank among all areas beside it
            "No.": range(1, len(top) + 1),
            "Rank": top["priority_rank"].astype("Int64"),
            "Area": top["lsoa21nm"].astype(str),
            "People": top.get("population", pd.NA),
            "Gap": top["gap_score"],
        },
    )
    generation = st.session_state.get("_top_generation", 0)
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"top-{generation}",
        column_config={
            "No.": st.column_config.NumberColumn(width=30),
            "Rank": st.column_config.NumberColumn(width=40, help=glossary.definition("gap_rank")),
            "Area": st.column_config.TextColumn(width=108),
            "People": st.column_config.NumberColumn(
                width=50, format="localized", help="Residents (Census 2021)"
            ),
            "Gap": st.column_config.NumberColumn(
                width=44, format="%.2f", help=glossary.definition("gap_score")
            ),
        },
    )
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    if rows:
        st.session_state["_top_generation"] = generation + 1
        st.session_state[params.SELECTED] = str(top.index[rows[0]])
        st.rerun()
    st.caption("Select a row to open the area. The full ranked list is in the Gap report.")
