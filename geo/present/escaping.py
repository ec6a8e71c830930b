"""Escaping text for HTML pages and the scripts in them.

Every string from the data that reaches a page (map tooltips, legends, layer
names, the HTML report) goes through :func:`escape_html`.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

_NEUTRALISE = str.maketrans({"`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;"})


def escape_html(value: object) -> str:
    """Escape a value for HTML, and neutralise what templates would evaluate.

    Besides ``< > & " '``, the backtick and ``$`` (JavaScript template
    literals) and the braces (Jinja, which folium runs over rendered scripts:
    ``{{ … }}`` in a place's name would otherwise be evaluated on the server)
    become character references, which the browser shows as the characters.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        text = ""
    else:
        text = str(value)
    return html.escape(text, quote=True).translate(_NEUTRALISE)
