"""The words the atlas uses, each with its label and one plain sentence.

Every label a person reads — map legends and tooltips, the area panel, the
sliders and their help, the risk chart, the report's glossary and the Method
page's — comes from :data:`TERMS` (kept as data in ``geo/data/glossary.toml``,
read once), so a term is named the same way everywhere and explained once.
Look a term up with :func:`label` and :func:`definition`; :func:`glossary_markdown`
and :func:`glossary_html` write the whole glossary.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path

__all__ = [
    "GROUPS",
    "TERMS",
    "Term",
    "definition",
    "glossary_html",
    "glossary_markdown",
    "groups",
    "help_text",
    "label",
    "term",
]


@dataclass(frozen=True)
class Term:
    """One word or phrase of the atlas.

    Attributes
    ----------
    key
        Stable identifier (an indicator's or a layer's name, ``"risk_decile"``).
    label
        What the app, maps and report call it.
    definition
        One plain sentence saying what it means.
    group
        The glossary section it is listed under (a key of :data:`GROUPS`).
    """

    key: str
    label: str
    definition: str
    group: str


#: The glossary itself is data: ``geo/data/glossary.toml``, sections then terms.
GLOSSARY_FILE = Path(__file__).resolve().parent.parent / "data" / "glossary.toml"


def _read_glossary(path: Path) -> tuple[dict[str, str], tuple[Term, ...]]:
    """The sections and the terms of the glossary file, in its order.

    A term in a section the file does not name, or a key used twice, is a
    ValueError naming it.
    """
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    sections = {str(key): str(title) for key, title in table["groups"].items()}
    terms = tuple(
        Term(str(t["key"]), str(t["label"]), str(t["definition"]), str(t["group"]))
        for t in table["term"]
    )
    seen: set[str] = set()
    for t in terms:
        if t.group not in sections:
            raise ValueError(f"{path.name}: term {t.key!r} is in an unknown section {t.group!r}")
        if t.key in seen:
            raise ValueError(f"{path.name}: term {t.key!r} is listed twice")
        seen.add(t.key)
    return sections, terms


#: The glossary's sections (key → title) in reading order, and every term, read once.
GROUPS: dict[str, str]
TERMS: tuple[Term, ...]
GROUPS, TERMS = _read_glossary(GLOSSARY_FILE)

_BY_KEY: dict[str, Term] = {t.key: t for t in TERMS}


def term(key: str) -> Term:
    """The glossary entry of ``key`` (KeyError, naming the key, when there is none)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"The glossary has no term {key!r}.") from None


def label(key: str) -> str:
    """What the atlas calls ``key``."""
    return term(key).label


def definition(key: str) -> str:
    """The one-sentence meaning of ``key``."""
    return term(key).definition


def help_text(key: str, *more: str) -> str:
    """A widget's help: the term's definition, then any further sentences."""
    return " ".join((definition(key), *more))


def groups() -> Iterator[tuple[str, tuple[Term, ...]]]:
    """Each glossary section's title and its terms, in reading order."""
    for group, title in GROUPS.items():
        yield title, tuple(t for t in TERMS if t.group == group)


def glossary_markdown(*, heading_level: int = 3) -> str:
    """The glossary as Markdown: one heading per section, one bullet per term."""
    marks = "#" * heading_level
    parts: list[str] = []
    for title, terms in groups():
        parts.append(f"{marks} {title}\n")
        parts.extend(f"- **{t.label}**: {t.definition}" for t in terms)
        parts.append("")
    return "\n".join(parts).strip() + "\n"


def glossary_html(*, heading_level: int = 4) -> str:
    """The glossary as HTML (escaped): one heading and one definition list per section."""
    tag = f"h{heading_level}"
    parts = ['<div class="glossary">']
    for title, terms in groups():
        parts.append(f"<{tag}>{escape(title)}</{tag}>")
        parts.append("<dl>")
        for t in terms:
            parts.append(f"<dt>{escape(t.label)}</dt><dd>{escape(t.definition)}</dd>")
        parts.append("</dl>")
    parts.append("</div>")
    return "\n".join(parts)
