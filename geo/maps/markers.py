"""Marker shapes for community places: small SVG icons, the same on the map and in its legend.

Every category of places has a colour and a shape
(:func:`geo.present.palettes.category_mark`), so two categories never look
alike, even to someone who cannot tell their colours apart.  Places inside
the area are filled; places just outside it are hollow; places the user
uploaded have a thick dark outline.
"""

from __future__ import annotations

from geo.present.escaping import escape_html
from geo.present.palettes import MARKER_SHAPES

#: Points of each shape on a 0–10 box (the circle is drawn as a circle).
_POLYGONS = {
    "square": "1.5,1.5 8.5,1.5 8.5,8.5 1.5,8.5",
    "triangle": "5,0.8 9.6,9 0.4,9",
    "diamond": "5,0.3 9.7,5 5,9.7 0.3,5",
    "down": "0.4,1 9.6,1 5,9.2",
}
UPLOAD_OUTLINE = "#000000"


def marker_svg(
    shape: str, colour: str, *, size: int = 11, hollow: bool = False, uploaded: bool = False
) -> str:
    """An inline SVG of one marker (escaped: ``colour`` may come from data)."""
    if shape not in MARKER_SHAPES:
        raise ValueError(f"unknown marker shape {shape!r}; use one of {', '.join(MARKER_SHAPES)}")
    fill = "#ffffff" if hollow else escape_html(colour)
    stroke = UPLOAD_OUTLINE if uploaded else (escape_html(colour) if hollow else "#1f1f1f")
    width = 2.2 if uploaded or hollow else 0.9
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"'
    if shape == "circle":
        body = f'<circle cx="5" cy="5" r="4.2" {paint}/>'
    else:
        body = f'<polygon points="{_POLYGONS[shape]}" {paint} stroke-linejoin="round"/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="-0.6 -0.6 11.2 11.2" style="display:block">{body}</svg>'
    )
