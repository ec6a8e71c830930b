"""Legends: small escaped HTML boxes, and the control that puts one on the map."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.present.escaping import escape_html

from .basemap import _target
from .markers import marker_svg


class _LegendControl(MacroElement):
    """A legend drawn on the map; replaces the previous one in the same slot.

    It can live in a feature group that streamlit-folium swaps without
    reloading the map: the script removes the legend it drew last time.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var slot = {{ this.slot|tojson }};
            window.atlasLegends = window.atlasLegends || {};
            if (window.atlasLegends[slot]) { window.atlasLegends[slot].remove(); }
            window.atlasLegends[slot] = null;
            if (!{{ this.html|tojson }}) { return; }
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "atlas-legend");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this.map_name }});
            window.atlasLegends[slot] = legend;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, position: str, slot: str, map_name: str) -> None:
        super().__init__()
        self._name = "LegendControl"
        self.html = html_text
        self.position = position
        self.slot = slot
        self.map_name = map_name


def legend_control(
    html_text: str,
    *,
    title: str | None = None,
    position: str = "bottomright",
    slot: str = "layer",
    m: folium.Map | folium.FeatureGroup | None = None,
    map_name: str = "map_div",
) -> folium.Map | folium.FeatureGroup:
    """Add a legend box to the map (``html_text`` must already be escaped).

    With a ``title`` the legend can be folded away by clicking the title, so it
    never hides the part of the map a user wants to see.

    ``map_name`` is the JavaScript name of the map the legend goes on: inside
    streamlit-folium it is ``map_div``; on a plain folium map it is the map's
    own name (the default then is that map when ``m`` is a map).
    """
    m = _target(m)
    name = m.get_name() if isinstance(m, folium.Map) else map_name
    if title and html_text:
        html_text = (
            '<details open><summary style="cursor:pointer;font-weight:600;font-size:12.5px">'
            f"{escape_html(title)}</summary>{html_text}</details>"
        )
    m.add_child(_LegendControl(html_text, position=position, slot=slot, map_name=name))
    return m


# ---------------------------------------------------------------------------
# Legends (HTML, escaped)
# ---------------------------------------------------------------------------


def legend_html(title: str | None, items: Sequence[tuple[str, str]], *, note: str = "") -> str:
    """A small HTML legend (escaped) for use beside or on a map."""
    rows = "".join(
        f'<div style="display:flex;align-items:center;margin:1px 0">'
        f'<span style="flex:none;display:inline-block;width:14px;height:12px;'
        f'background:{escape_html(colour)};margin-right:6px;border:1px solid #999"></span>'
        f"<span>{escape_html(label)}</span></div>"
        for colour, label in items
    )
    foot = (
        f'<div style="color:#555;margin-top:4px;line-height:1.3">{escape_html(note)}</div>'
        if note
        else ""
    )
    head = f"<b>{escape_html(title)}</b>" if title else ""
    return (
        f'<div style="font-size:12.5px;line-height:1.25">{head}'
        f'<div style="margin-top:3px">{rows}</div>{foot}</div>'
    )


def ramp_legend_html(
    title: str | None,
    colours: Sequence[str],
    ends: tuple[str, str],
    *,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """An ordered scale as one compact colour bar with its two ends labelled."""
    cells = "".join(
        f'<span style="flex:1;height:12px;background:{escape_html(c)};'
        'border-right:1px solid #fff"></span>'
        for c in colours
    )
    head = f"<b>{escape_html(title)}</b>" if title else ""
    more = legend_html(None, extra) if extra else ""
    return (
        f'<div style="font-size:12px;line-height:1.25;min-width:190px">{head}'
        f'<div style="display:flex;margin-top:4px;border:1px solid #999">{cells}</div>'
        '<div style="display:flex;justify-content:space-between;color:#333;font-size:11px">'
        f"<span>{escape_html(ends[0])}</span><span>{escape_html(ends[1])}</span></div>"
        f"{more}</div>"
    )


def bivariate_legend_html(*, note: str = "", title: str | None = None) -> str:
    """The 3×3 risk × access legend as a small HTML grid (highest risk on top)."""
    from geo.gaps import BIVARIATE_COLOURS, CLASS_LABELS

    cells = []
    for r in (3, 2, 1):
        for a in (1, 2, 3):
            key = f"{r}-{a}"
            border = "2px solid #000" if key == "3-1" else "1px solid #fff"
            cells.append(
                f'<div title="{escape_html(CLASS_LABELS[key])}" style="width:30px;height:24px;'
                f'background:{BIVARIATE_COLOURS[key]};border:{border};box-sizing:border-box">'
                "</div>"
            )
    grid = (
        '<div style="display:grid;grid-template-columns:repeat(3,30px);gap:0">'
        + "".join(cells)
        + "</div>"
    )
    foot = (
        f'<div style="color:#555;margin-top:4px;line-height:1.3">{escape_html(note)}</div>'
        if note
        else ""
    )
    return (
        '<div style="font-size:12.5px;line-height:1.25">'
        + (f"<b>{escape_html(title)}</b>" if title else "")
        + '<div style="display:flex;align-items:center;margin-top:4px;gap:6px">'
        '<div style="writing-mode:vertical-rl;transform:rotate(180deg);font-size:11px;'
        'color:#333;text-align:center">risk: low → high</div>'
        f"<div>{grid}"
        '<div style="font-size:11px;color:#333;margin-top:2px">access: low → good</div></div>'
        '<div style="font-size:11.5px;max-width:150px;margin-left:6px">'
        f'<span style="display:inline-block;width:12px;height:12px;'
        f'background:{BIVARIATE_COLOURS["3-1"]};border:2px solid #000;vertical-align:middle">'
        "</span> high risk, low access: <b>priority gap</b><br>"
        f'<span style="display:inline-block;width:12px;height:12px;'
        f'background:{BIVARIATE_COLOURS["1-3"]};border:1px solid #999;vertical-align:middle">'
        "</span> low risk, good access</div>"
        f"</div>{foot}</div>"
    )


def asset_legend_html(
    items: Sequence[tuple[str, str, int, int]],
    *,
    region_name: str = "the area",
    buffer_km: float = 2.0,
    title: str | None = None,
    shapes: Sequence[str] | None = None,
    uploaded: bool = False,
) -> str:
    """Legend of asset categories: ``(colour, label, inside, outside)`` counts per row.

    With ``shapes`` (one per item) each row shows its marker shape, filled for
    inside and hollow for outside, as :func:`~geo.maps.assets.asset_layer`
    draws them; ``uploaded`` adds a line on how uploaded places are marked.
    """
    dot = (
        '<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
        'background:{c};border:1px solid #1f1f1f"></span>'
    )
    ring = (
        '<span style="display:inline-block;width:7px;height:7px;border-radius:50%;'
        'background:#fff;border:2px solid {c}"></span>'
    )
    marks = (
        [(marker_svg(s, c), marker_svg(s, c, size=9, hollow=True)) for s, (c, *_) in
         zip(shapes, items, strict=True)]
        if shapes is not None
        else [(dot.format(c=escape_html(c)), ring.format(c=escape_html(c))) for c, *_ in items]
    )  # fmt: skip
    rows = "".join(
        "<tr>"
        f'<td style="padding:1px 3px 1px 0">{filled}</td>'
        f'<td style="padding:1px 6px 1px 0">{hollow}</td>'
        f'<td style="padding:1px 8px 1px 0">{escape_html(label)}</td>'
        f'<td style="text-align:right;padding:1px 6px 1px 0">{n_in:,}</td>'
        f'<td style="text-align:right;color:#666">{n_out:,}</td>'
        "</tr>"
        for (filled, hollow), (_, label, n_in, n_out) in zip(marks, items, strict=True)
    )
    if uploaded and shapes is not None:
        rows += (
            '<tr style="color:#555;font-size:11px"><td colspan="2">'
            f"{marker_svg(shapes[0] if shapes else 'circle', '#ffffff', uploaded=True)}</td>"
            '<td colspan="3">thick black outline: a place you uploaded</td></tr>'
        )
    head = (
        '<tr style="color:#555;font-size:11px"><td colspan="3">'
        f"● inside {escape_html(region_name)} · ○ within {buffer_km:g} km outside</td>"
        '<td style="text-align:right;padding-right:6px">in</td>'
        '<td style="text-align:right">out</td></tr>'
    )
    return (
        '<div style="font-size:12px;line-height:1.2">'
        + (f"<b>{escape_html(title)}</b>" if title else "")
        + f'<table style="border-collapse:collapse;margin-top:2px">{head}{rows}</table></div>'
    )
