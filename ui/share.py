"""The explorer's view in its address: a copied link reopens the same view.

On a session's first run the area, map layer, risk model and selected small
area are read from the URL (``?area=E06000009&layer=gaps&model=evidence&lsoa=…``)
into the widgets' state, and so is a Plan-mode scenario (``plan=…``, see
:mod:`ui.plan_link`), which opens Plan mode on it; after every run the URL is
rewritten to match what is shown, so the address bar always holds a link to
the current view.
Values that are not valid (an unknown code, a misspelt layer) are ignored:
the widgets then start on their defaults.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import streamlit as st

from ui import params, plan, plan_link

#: URL parameter → the widget state it fills.
KEYS = {"area": params.AREA, "layer": params.LAYER, "model": params.MODEL, "lsoa": params.SELECTED}
_READ = "_url_read"
_CODE = re.compile(r"^[EW]\d{8}$")


def _first(name: str) -> str | None:
    value = st.query_params.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_once(area_codes: Collection[str]) -> None:
    """Put the view named in the URL into the widgets' state, once per session."""
    if st.session_state.get(_READ):
        return
    st.session_state[_READ] = True
    area = _first("area")
    if area is not None and area in area_codes:
        st.session_state[params.AREA] = area
        # the picker clears the selection when the area changes: this one is not a change
        st.session_state["_last_area"] = area
    layer = _first("layer")
    if layer is not None and (layer in params.LAYERS or layer == "user"):
        st.session_state[params.LAYER] = layer
    model = _first("model")
    if model is not None and model in params.MODEL_LABELS:
        st.session_state[params.MODEL] = model
    lsoa = _first("lsoa")
    if lsoa is not None and _CODE.match(lsoa):
        st.session_state[params.SELECTED] = lsoa
    shared = plan_link.decode(_first("plan"))
    if area is not None and area in area_codes and shared is not None:
        st.session_state.setdefault(plan.PLAN_KEY, {})[area] = shared
        st.session_state[plan.MODE_KEY] = True


def write(*, area: str, layer: str, model: str, selected: str | None) -> None:
    """Keep the URL in step with the view on screen (only what differs is written)."""
    scenario = plan_link.encode(plan.plan_for(area)) if plan.is_on() else None
    wanted = {"area": area, "layer": layer, "model": model}
    optional = {"lsoa": selected or None, "plan": scenario}
    wanted.update({k: v for k, v in optional.items() if v})
    current = {k: st.query_params.get(k) for k in (*KEYS, "plan")}
    if current == {k: wanted.get(k) for k in current}:
        return
    for name, value in optional.items():
        if not value and name in st.query_params:
            del st.query_params[name]
    st.query_params.update(wanted)
