"""Gap reports: a PDF and a self-contained HTML page per area, and their exports.

One Jinja2 template (``templates/report.html.j2``, autoescaped) gives both the
HTML page and, laid out by WeasyPrint, the A4 PDF.  Modules, one concept each:

``tables``      the report's tables as DataFrames (priority gaps, equity,
                nearest assets, risk drivers, asset directory)
``staticmaps``  matplotlib maps in EPSG:27700 with legend, scale bar and
                attribution
``context``     a result turned into the template's formatted values
``render``      HTML and PDF rendering (no network: ``data:`` URIs only)
``word``        the same report as an editable Word document (python-docx)
``downloads``   files and in-memory downloads: PDF, HTML, Word, CSV, XLSX,
                GeoPackage, GeoJSON, each with provenance and row counts
``batch``       many areas in one resumable run (``batchpool``: in worker
                processes; ``batchindex``: the markers, failures and index)

Typical use::

    from geo.report import report_html, report_pdf, export_files, export_bytes

    html = report_html(result)          # str, self-contained
    pdf = report_pdf(result)            # bytes, A4
    export_files(result, "out/", ["pdf", "xlsx", "gpkg"])
    content, filename, mime = export_bytes(result, "xlsx")
"""

from __future__ import annotations

from .batch import AreaOutcome, BatchResult, batch_areas, run_batch, write_index
from .downloads import FORMATS, export_bytes, export_files, export_tables
from .render import report_html, report_pdf

__all__ = [
    "FORMATS",
    "AreaOutcome",
    "BatchResult",
    "batch_areas",
    "export_bytes",
    "export_files",
    "export_tables",
    "report_html",
    "report_pdf",
    "run_batch",
    "write_index",
]
