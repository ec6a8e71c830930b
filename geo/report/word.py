"""The gap report as an editable Word document (``.docx``), from the same values as the PDF.

Officers rewrite reports for committees, so the Word version holds the same
page-1 summary, headline figures, maps (with their alternative text), the
priority and ward tables, who lives in the gap areas, and the method's data
and parameters, as real Word headings, paragraphs and tables that can be
edited.  It is built from :func:`geo.report.context.report_context`, so its
numbers are the PDF's.  Needs ``python-docx`` (the ``report`` extra).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from geo.errors import AtlasError


class WordExportError(AtlasError, RuntimeError):
    """The Word report cannot be written (python-docx is not installed)."""


def _document() -> Any:
    try:
        import docx
    except ImportError:
        raise WordExportError(
            "The Word report needs python-docx: pip install 'belonging-atlas[report]'."
        ) from None
    document = docx.Document()
    styles = document.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = docx.shared.Pt(10)
    return document


def _table(document: Any, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, heading in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(heading)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)


#: A column of a report table: its heading and the row's key, or how to make the cell.
Column = tuple[str, "str | Callable[[Mapping[str, Any]], object]"]


def _rows_table(
    document: Any, heading: str, rows: Iterable[Mapping[str, Any]], level: int = 1
) -> None:
    """A heading and the table of ``rows``, with the columns :data:`TABLES` gives it."""
    columns = TABLES[heading]
    document.add_heading(heading, level=level)
    cells = [[c(r) if callable(c) else r[c] for _, c in columns] for r in rows]
    _table(document, [h for h, _ in columns], cells)


def _area(row: Mapping[str, Any]) -> str:
    return f"{row['code']} {row['name']}"


#: The report's tables: heading → columns.
TABLES: Mapping[str, Sequence[Column]] = {
    "Priority gap areas": (
        ("No.", "rank"), ("Area", _area), ("Ward", "ward"), ("Residents", "residents"),
        ("Nearest place", lambda r: f"{r['asset']} {r['distance']}".strip()),
        ("What drives the risk", "drivers"),
    ),
    "Wards at a glance": (
        ("Ward", "ward"), ("Residents", "residents"), ("In highest-risk third", "high_risk"),
        ("Priority areas", "priority"), ("Nearest place", "nearest"),
    ),
    "Who lives in the gap areas": (
        ("Group", "group"), ("In gap areas", "count"), ("Share in gap areas", "share_gap"),
        ("Share in whole area", "share_all"), ("Ratio", "ratio"),
    ),
    "What is proposed": (
        ("Place", "name"), ("Kind", "kind"), ("Action", "action"), ("Ward", "ward"),
    ),
    "What changes": (("Measure", "what"), ("Value", "value")),
    "Areas that changed": (
        ("Area", _area), ("Ward", "ward"), ("Residents", "residents"),
        ("Nearest place", "nearest"), ("Class before", "class_before"),
        ("Class after", "class_after"), ("Priority", "priority"),
    ),
    "Who gains": (
        ("Group", "group"), ("In areas that gain", "count"), ("Share there", "share_helped"),
        ("Share in whole area", "share_all"), ("Ratio", "ratio"),
    ),
}  # fmt: skip


def _picture(document: Any, src: str, alt: str) -> None:
    from docx.shared import Cm

    png = base64.b64decode(src.split(",", 1)[1])
    document.add_picture(io.BytesIO(png), width=Cm(16.5))
    shape = document.inline_shapes[-1]
    shape._inline.docPr.set("descr", alt)  # the picture's alternative text


def _summary(document: Any, values: Mapping[str, Any]) -> None:
    document.add_heading("The places with the largest gaps", level=1)
    for p in values["places"]:
        document.add_heading(str(p["ward"]), level=2)
        if p.get("where"):
            document.add_paragraph(str(p["where"]))
        high = "all" if p["all_high"] else p["high_risk"]
        document.add_paragraph(
            f"{p['areas']} (numbers {p['numbers']} on the map); about {p['residents']} "
            f"residents, {high} in the highest-risk third of areas."
        )
        document.add_paragraph(
            f"Far (over {values['far_minutes']} minutes' walk): {p['far']}. "
            f"Thin (few places for the people sharing them): {p['thin']}."
        )
        para = document.add_paragraph()
        para.add_run("What to consider: ").bold = True
        para.add_run(str(p["consider"]))
    document.add_heading("What a gap means here", level=1)
    document.add_paragraph(str(values["gap_meaning"]))
    if values["comparators"]:
        document.add_heading("Compared with the region and England", level=1)
        _table(
            document,
            ["Measure", str(values["area_name"]), "Region", "England"],
            [
                [c["what"], c["here"], c.get("region", ""), c["england"]]
                for c in values["comparators"]
            ],
        )


def _tables(document: Any, values: Mapping[str, Any]) -> None:
    rows = values["priority_rows"] or values["fallback_rows"]
    for heading, table_rows in (
        ("Priority gap areas", rows),
        ("Wards at a glance", values["ward_rows"]),
        ("Who lives in the gap areas", values["equity_rows"]),
    ):
        _rows_table(document, heading, table_rows)


def _scenario(document: Any, s: Mapping[str, Any]) -> None:
    """The "Scenario" section: proposals, totals, the maps before and after, changes, gains."""
    from docx.shared import Cm

    document.add_heading(f"Scenario: {s['name']}", level=1)
    for heading, key in (("What is proposed", "proposals"), ("What changes", "totals")):
        _rows_table(document, heading, s[key], level=2)
    if s["maps"]:
        para = document.add_paragraph()
        for m in s["maps"]:
            png = base64.b64decode(str(m["src"]).split(",", 1)[1])
            para.add_run().add_picture(io.BytesIO(png), width=Cm(8.2))
            document.inline_shapes[-1]._inline.docPr.set("descr", str(m["alt"]))
        document.add_paragraph(
            " · ".join(str(m["title"]) for m in s["maps"])
            + ": risk × access classes; stars: proposed places; crosses: places closed."
        )
    for heading, key in (("Areas that changed", "changed_rows"), ("Who gains", "equity_rows")):
        _rows_table(document, heading, s[key], level=2)


def report_docx(values: Mapping[str, Any]) -> bytes:
    """The Word document for the values of :func:`geo.report.context.report_context`."""
    document = _document()
    document.core_properties.title = str(values["title"])
    document.core_properties.language = "en-GB"
    document.core_properties.author = "Belonging Atlas"
    document.add_heading(str(values["area_name"]), level=0)
    document.add_paragraph(
        "Loneliness risk and community places: where the gaps are and what to consider. "
        f"Produced {values['generated']}."
    )
    _summary(document, values)
    document.add_heading("Headline figures", level=1)
    for f in values["figures"]:
        document.add_paragraph(f"{f['value']} {f['label']} ({f['note']})", style="List Bullet")
    document.add_heading("Maps", level=1)
    for m in values["maps"]:
        document.add_heading(str(m["title"]), level=2)
        _picture(document, str(m["src"]), str(m["alt"]))
        document.add_paragraph(str(m["caption"]))
    _tables(document, values)
    if values.get("scenario"):
        _scenario(document, values["scenario"])
    document.add_heading("Data used and parameters", level=1)
    _table(
        document, ["Dataset", "Vintage"], [[v["what"], v["vintage"]] for v in values["vintages"]]
    )
    _table(document, ["Setting", "Value"], [[p["name"], p["value"]] for p in values["parameters"]])
    document.add_heading("Caveats", level=1)
    for caveat in values["caveats"]:
        document.add_paragraph(str(caveat), style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
