"""The analysis the user has chosen, shared by every page of the session.

The map page's widgets write a :class:`Choice` to ``st.session_state`` on
every run; the other pages read it with :func:`current`, so the report and
exports are built from exactly the analysis on screen.  Widgets keep their
values across page switches (``persist_state="session"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import streamlit as st

from geo.params import Parameters
from geo.present import glossary
from geo.risk import DEFAULT_WEIGHTS

DEFAULT_AREA = "E08000003"  # Manchester
CHOICE_KEY = "atlas_choice"

#: Session keys of the widgets (stable: tests set them).
AREA = "area"
MODEL = "model"
LAYER = "layer"
ACCESS_MEASURE = "access_measure"
ACCESS_CATEGORY = "access_category"
HOTSPOTS = "hotspots"
SHOW_ASSETS = "show_assets"
SHOW_OUTSIDE = "show_outside"
COUNTED = "counted"
THRESHOLDS = "thresholds"
SPEED = "speed"
CATCHMENT = "catchment"
SELECTED = "selected_area"
WEIGHT_PREFIX = "weight_"

#: The names of the models, layers and access measures (from the glossary).
MODEL_LABELS = {k: glossary.label(k) for k in ("evidence", "all-ages", "older")}
LAYERS = {k: glossary.label(k) for k in ("risk", "access", "gaps", "deprivation")}
ACCESS_MEASURES = {k: glossary.label(k) for k in ("e2sfca", "walk")}
THRESHOLD_CHOICES = (200, 400, 600, 800, 1000, 1200, 1600, 2000, 2400, 3200)
CATCHMENT_CHOICES = (800, 1200, 1600, 2000, 2400, 3200)


@dataclass(frozen=True)
class Choice:
    """Everything that decides the analysis (not how the map shows it): the
    area and the analysis :class:`~geo.params.Parameters`."""

    area: str = DEFAULT_AREA
    parameters: Parameters = field(default_factory=Parameters)


def normalise_weights(weights: Mapping[str, float]) -> dict[str, float] | None:
    """Weights in a stable order, or None when they equal the defaults."""
    clean = tuple((k, float(weights.get(k, 0.0))) for k in DEFAULT_WEIGHTS)
    if all(abs(v - float(DEFAULT_WEIGHTS[k])) < 1e-9 for k, v in clean):
        return None
    return dict(clean)


def normalise_categories(chosen: Sequence[str], available: Sequence[str]) -> tuple[str, ...] | None:
    """Chosen categories in taxonomy order, or None when every available one is chosen."""
    picked = tuple(c for c in available if c in set(chosen))
    if set(picked) == set(available):
        return None
    return picked


def current() -> Choice:
    """The choice on screen (the defaults before the map page has run)."""
    choice = st.session_state.get(CHOICE_KEY)
    if isinstance(choice, Choice):
        return choice
    from ui import config  # late: ui.config imports this module

    return Choice(area=config.default_area())


def remember(choice: Choice) -> None:
    """Make ``choice`` the one every page uses."""
    st.session_state[CHOICE_KEY] = choice


def describe(choice: Choice, *, area_name: str, category_labels: Mapping[str, str]) -> str:
    """One line saying which analysis this is (for captions and reports)."""
    p = choice.parameters
    cats = (
        "all community places"
        if p.categories is None
        else ", ".join(category_labels.get(c, c) for c in p.categories)
    )
    weights = "default weights" if p.weights is None else "custom weights"
    model = MODEL_LABELS.get(p.model, p.model)
    extra = f", {weights}" if p.model == "all-ages" else ""
    return (
        f"{area_name} · {model}{extra} · counting {cats} · walking "
        f"{', '.join(f'{t:,} m' for t in p.thresholds)} at {p.speed_m_s:g} m/s · "
        f"catchment {p.catchment_m:,.0f} m"
    )
