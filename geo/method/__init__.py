"""The method write-up: one Markdown source per topic, filled from the code's constants.

``geo/method/<topic>.md`` holds the text.  A small template step fills
``{{ name }}`` with a figure and a line ``{{ table:name }}`` with a table
(:mod:`geo.method.figures`), so every number is read from the constant the
code uses and is typed once.  The Method page shows the result block by block
(:func:`method_blocks`); the HTML report's method appendix renders the same text to
HTML (:func:`method_html`).  Nothing user-supplied goes into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import pandas as pd
from markdown_it import MarkdownIt

from geo.errors import AtlasError
from geo.method.figures import COLOUR_COLUMN, TABLES, method_tables, method_values
from geo.params import Parameters

__all__ = [
    "COLOUR_COLUMN",
    "TOPICS",
    "MethodError",
    "MethodTable",
    "method_blocks",
    "method_html",
    "method_markdown",
    "method_tables",
    "method_values",
    "swatch_html",
]

#: The topics, in reading order, with the title each page tab or report part uses.
TOPICS: dict[str, str] = {
    "sources": "Data sources and vintages",
    "risk": "Loneliness risk",
    "provision": "Access to community places",
    "gaps": "Gaps, priority ranks and hot spots",
    "limitations": "Limitations",
}

_FIELD = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")
_TABLE = re.compile(r"\s*\{\{\s*table:([a-z0-9_]+)\s*\}\}\s*")
_HEADING = re.compile(r"^(#{1,6}) ")
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class MethodError(AtlasError, KeyError):
    """A topic or a template field the write-up does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class MethodTable:
    """A table of the write-up: its name in the template and its cells (text)."""

    name: str
    frame: pd.DataFrame


def _source(topic: str) -> str:
    """``<topic>.md`` followed by its parts ``<topic>_*.md`` in name order."""
    if topic not in TOPICS:
        raise MethodError(f"No method topic {topic!r}; the topics are {', '.join(TOPICS)}.")
    folder = resources.files("geo.method")
    parts = sorted(f.name for f in folder.iterdir() if f.name.startswith(f"{topic}_"))
    names = [f"{topic}.md", *(n for n in parts if n.endswith(".md"))]
    return "\n\n".join(folder.joinpath(n).read_text(encoding="utf-8") for n in names)


def _fill(text: str, values: dict[str, str], topic: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise MethodError(f"geo/method/{topic}.md uses {{{{ {name} }}}}, which has no value.")
        return values[name]

    return _FIELD.sub(value, text)


def _shift_headings(lines: list[str], offset: int) -> list[str]:
    """Headings ``offset`` levels deeper (outside fenced code), at most level 6."""
    if offset <= 0:
        return lines
    out, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            level = min(6, len(match.group(1)) + offset)
            line = "#" * level + line[len(match.group(1)) :]
        out.append(line)
    return out


def method_blocks(
    topic: str,
    params: Parameters | None = None,
    *,
    buffer_m: float | None = None,
    heading_offset: int = 0,
) -> list[str | MethodTable]:
    """The topic as Markdown text blocks and tables, in order.

    Parameters
    ----------
    topic
        One of :data:`TOPICS`.
    params
        The analysis options the text quotes (the defaults when not given).
    buffer_m
        How far outside the area places are counted (the default settings').
    heading_offset
        Levels added to every heading (``1``: ``#`` becomes ``##``).
    """
    values = method_values(params, buffer_m=buffer_m)
    blocks: list[str | MethodTable] = []
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(_shift_headings(lines, heading_offset)).strip()
        if text:
            blocks.append(_fill(text, values, topic))
        lines.clear()

    for line in _source(topic).splitlines():
        match = _TABLE.fullmatch(line)
        if match is None:
            lines.append(line)
            continue
        name = match.group(1)
        if name not in TABLES:
            raise MethodError(f"geo/method/{topic}.md places table {name!r}, which is not built.")
        flush()
        blocks.append(MethodTable(name, TABLES[name]()))
    flush()
    return blocks


def swatch_html(colour: str) -> str:
    """A small box of ``colour`` (a ``#rrggbb`` code) for tables in HTML."""
    if not _HEX.fullmatch(colour):
        raise MethodError(f"{colour!r} is not a #rrggbb colour.")
    return (
        f'<span class="swatch" role="img" aria-label="map colour" style="display:inline-block;'
        f'width:2.4em;height:1.1em;background:{colour};border:1px solid #777"></span>'
    )


def _cell(column: str, value: object) -> str:
    text = str(value)
    if column == COLOUR_COLUMN:
        return swatch_html(text)
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = [
        "| " + " | ".join(_cell(str(c), v) for c, v in zip(frame.columns, row, strict=True)) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([header, rule, *rows])


def method_markdown(
    topic: str,
    params: Parameters | None = None,
    *,
    buffer_m: float | None = None,
    heading_offset: int = 0,
) -> str:
    """The topic as one Markdown document, tables included (colours as HTML swatches)."""
    blocks = method_blocks(topic, params, buffer_m=buffer_m, heading_offset=heading_offset)
    parts = [b if isinstance(b, str) else _markdown_table(b.frame) for b in blocks]
    return "\n\n".join(parts) + "\n"


def method_html(
    topic: str,
    params: Parameters | None = None,
    *,
    buffer_m: float | None = None,
    heading_offset: int = 0,
) -> str:
    """The topic rendered to HTML (CommonMark with tables), for the report's appendix."""
    text = method_markdown(topic, params, buffer_m=buffer_m, heading_offset=heading_offset)
    return _renderer().render(text)


def _renderer() -> MarkdownIt:
    # html=True only for the swatches: the text is the package's own, never user input
    return MarkdownIt("commonmark", {"html": True}).enable("table")
