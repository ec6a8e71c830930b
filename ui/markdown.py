"""Escaping user text for Streamlit's Markdown (labels, captions, help, messages).

Streamlit renders Markdown almost everywhere text is shown: widget labels,
captions, ``help`` tooltips, ``st.error`` and friends.  On top of CommonMark
it turns ``:red[x]`` into coloured text, ``:material/home:`` into an icon,
``:smile:`` into an emoji and ``$x$`` into LaTeX.  A name from an uploaded file
or OpenStreetMap must reach the page as the characters it is, so Markdown's own
characters, a colon that could open a directive, an ampersand that could open
an entity and a leading list marker are backslash-escaped (CommonMark shows
``\\x`` as ``x``), and line breaks become spaces (a label is one line).
"""

from __future__ import annotations

import re

#: Characters that are Markdown or HTML wherever they stand.
_ALWAYS = re.compile(r"([\\`*_\[\]<>#|$~])")
#: A colon that could open ``:red[…]``, ``:material/icon:`` or ``:emoji:`` (not ``": "``).
_COLON = re.compile(r":(?=\S)")
#: An ampersand that could start an HTML entity (``&lt;``, ``&#60;``).
_ENTITY = re.compile(r"&(?=[#A-Za-z])")
#: A list, quote or heading marker at the start of the text.
_LEADING = re.compile(r"^(\s*(?:\d+)?)([-+=.)])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def escape_markdown(text: object) -> str:
    """``text`` as literal characters in Streamlit Markdown.

    Examples
    --------
    >>> escape_markdown(":red[x]")
    '\\\\:red\\\\[x\\\\]'
    >>> escape_markdown("Your data: need_score")
    'Your data: need\\\\_score'
    """
    out = _BREAKS.sub(" ", str(text))
    out = _ALWAYS.sub(r"\\\1", out)
    out = _COLON.sub(r"\\:", out)
    out = _ENTITY.sub(r"\\&", out)
    return _LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), out, count=1)


__all__ = ["escape_markdown"]
