"""Escaping text for HTML that maps and reports show (no heavy imports)."""

from __future__ import annotations

import html
import math

_NEUTRALISE = str.maketrans({"`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;"})


def escape_html(value: object) -> str:
    """Escape a value for HTML, and neutralise what templates would evaluate.

    Besides ``< > & " '``, the backtick and ``$`` (JavaScript template
    literals) and the braces (Jinja, which folium runs over rendered scripts:
    ``{{ … }}`` in a place's name would otherwise be evaluated on the server)
    become character references, which the browser shows as the characters.
    Missing values (``None``, ``pd.NA``, NaN) become the empty string.
    """
    if value is None or _is_missing(value):
        return ""
    return html.escape(str(value), quote=True).translate(_NEUTRALISE)


def _is_missing(value: object) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ == "NAType"  # pandas.NA, without importing pandas
