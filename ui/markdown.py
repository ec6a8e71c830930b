"""Escaping user text for Streamlit's Markdown (labels, captions, help, messages).

Streamlit renders Markdown almost everywhere text is shown: widget labels,
captions, ``help`` tooltips, ``st.error`` and friends.  On top of CommonMark
it turns ``:red[x]`` into coloured text, ``:material/home:`` into an icon,
``:smile:`` into an emoji and ``$x$`` into LaTeX.  A name from an uploaded file
or OpenStreetMap must reach the page as the characters it is, so every ASCII
punctuation character is backslash-escaped (CommonMark shows ``\\x`` as ``x``
for any of them) and line breaks become spaces (a label is one line).
"""

from __future__ import annotations

import re

#: Every ASCII punctuation character, each of which CommonMark lets a backslash escape.
_PUNCTUATION = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


def escape_markdown(text: object) -> str:
    """``text`` as literal characters in Streamlit Markdown.

    Examples
    --------
    >>> escape_markdown(":red[x]")
    '\\\\:red\\\\[x\\\\]'
    >>> escape_markdown("**bold**\\nnext")
    '\\\\*\\\\*bold\\\\*\\\\* next'
    """
    return _PUNCTUATION.sub(r"\\\1", _BREAKS.sub(" ", str(text)))


__all__ = ["escape_markdown"]
