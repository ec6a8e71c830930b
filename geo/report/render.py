"""Rendering: one Jinja2 template to a self-contained HTML page and to an A4 PDF.

* :func:`report_html` fills ``templates/report.html.j2`` with autoescape on:
  every string from the data (area, ward and asset names, addresses, notes)
  is escaped with :func:`geo.present.escaping.escape_html` (which also neutralises ``$``
  and the backtick, as the interactive maps do); the stylesheet is inlined
  and the maps are embedded as base64 PNG ``data:`` URIs, so the file opens
  anywhere with nothing to fetch.  A
  Content-Security-Policy in the page forbids scripts and any resource that
  is not inline or ``data:``.
* :func:`report_pdf` lays the same HTML out with WeasyPrint (A4, page numbers
  in the page margins), less its screen-only parts (:func:`print_edition`:
  the method write-up, which the HTML edition carries), as a tagged PDF/UA-1
  document: structure tree, marked content, the document language and title,
  and each map's alternative text, so screen readers can follow it.  Its URL
  fetcher accepts ``data:`` URIs only (and the report's own maps): any other
  URL (``http``, ``https``, ``file`` …) is refused before anything is opened,
  and the refusal is logged, so rendering never touches the network or the
  file system.  Fonts come from the system (fontconfig); no ``@font-face``.
  The font configuration is made once per thread and reused by every PDF
  that thread lays out, so the fonts found for one report serve the next.
* :func:`report_documents` writes both editions from one set of values; with
  the maps being drawn in a child process (:mod:`geo.report.mapjob`) the PDF's
  layout starts before they are done.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from geo.present.escaping import escape_html

from .context import report_context
from .formatting import data_uri
from .mapjob import MAP_KEYS, SCHEME, ReportMaps, drawn

if TYPE_CHECKING:
    from geo.pipeline import Result
    from geo.planning import Scenario
    from geo.reference import Reference

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _finalize(value: object) -> object:
    """Escape every value the template prints, as the maps do (also ``$`` and backtick)."""
    if isinstance(value, Markup):
        return value
    return Markup(escape_html(value))


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def render_template(name: str, **values: Any) -> str:
    """Render one of the package's templates (autoescaped)."""
    return _environment().get_template(name).render(**values)


def report_html(
    result: Result,
    *,
    context: dict[str, Any] | None = None,
    generated: datetime | None = None,
    scenario: Scenario | None = None,
    reference: Reference | None = None,
) -> str:
    """The gap report as one self-contained HTML document.

    Parameters
    ----------
    result
        The analysis to report.
    context
        Values from :func:`geo.report.context.report_context` (built now when
        not given; pass one to render HTML and PDF from the same maps).
    generated
        The report's date (default: now).
    scenario
        A what-if of this analysis, reported in its own section (ignored
        when ``context`` is given: build that with the scenario).
    reference
        England's small areas (:func:`geo.reference.reference_areas`), for the
        region and England comparators.
    """
    if context is not None:
        values = drawn(context)
    else:
        values = report_context(result, generated=generated, scenario=scenario, reference=reference)
    return _page(values)


def _page(values: dict[str, Any]) -> str:
    """The report template filled with ``values``, the stylesheet inlined."""
    return render_template("report.html.j2", css=Markup(_css()), **values)


def report_documents(
    values: dict[str, Any], *, html: bool = True, pdf: bool = True
) -> tuple[str | None, bytes | None]:
    """The HTML and PDF editions from one set of template values, as asked.

    With values made while the maps are drawn (``report_context(result,
    maps=ReportMaps(result))``), the page is written once with the maps'
    addresses: the PDF's layout starts at once and takes each map when it
    reaches it, and the HTML edition, written after it, embeds them.  Other
    values give the same documents as :func:`report_html` and :func:`html_to_pdf`.
    """
    source = values.get("map_source")
    drawing = source if isinstance(source, ReportMaps) else None
    page = _page(values)
    document = html_to_pdf(page, maps=drawing) if pdf else None
    if not html:
        return None, document
    return (page if drawing is None else _page(drawn(values))), document


def report_pdf(
    result: Result,
    *,
    html: str | None = None,
    generated: datetime | None = None,
    scenario: Scenario | None = None,
) -> bytes:
    """The gap report as an A4 PDF, from the same template as :func:`report_html`.

    Parameters
    ----------
    result
        The analysis to report.
    html
        HTML from :func:`report_html` for the same result (rendered now when
        not given).
    generated
        The report's date when the HTML is rendered here.
    scenario
        A what-if of this analysis, reported in its own section.
    """
    if html is None:
        html = report_html(result, generated=generated, scenario=scenario)
    return html_to_pdf(html)


#: Parts of the page only the screen edition carries (see :func:`print_edition`).
_SCREEN_ONLY = re.compile(r"<!-- screen-only -->.*?<!-- /screen-only -->", re.S)


def print_edition(html: str) -> str:
    """The page the PDF lays out: the report without its screen-only parts.

    The method write-up, the same for every area, is in the HTML edition and
    on the app's Method page; the PDF's appendix says so and keeps what this
    analysis used.  The markers are the template's own comments: text from
    the data is escaped, so it cannot contain them.
    """
    return _SCREEN_ONLY.sub("", html)


def html_to_pdf(html: str, *, maps: ReportMaps | None = None) -> bytes:
    """Lay out report HTML as a PDF; the fetcher accepts ``data:`` URIs only.

    ``maps`` resolves the images that point to maps being drawn
    (:class:`geo.report.mapjob.ReportMaps`); the layout waits for a map only
    when it reaches it.
    """
    import weasyprint

    document = weasyprint.HTML(
        string=print_edition(html), base_url=None, url_fetcher=offline_fetcher(maps)
    )
    return document.write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True, custom_metadata=True, font_config=_fonts()
    )


_THREAD = threading.local()


def _fonts() -> Any:
    """This thread's WeasyPrint font configuration (no ``@font-face``, so it never grows)."""
    fonts = getattr(_THREAD, "fonts", None)
    if fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        fonts = _THREAD.fonts = FontConfiguration()
    return fonts


def offline_fetcher(maps: ReportMaps | None = None) -> Any:
    """A WeasyPrint URL fetcher that serves ``data:`` URIs and refuses everything else.

    With ``maps`` it also serves the report's own maps at their
    :data:`geo.report.mapjob.SCHEME` addresses, as ``data:`` URIs.
    """
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):
        """Refuses every URL but ``data:``, so rendering makes no request."""

        refused: list[str]

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
            self.refused = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if maps is not None and url.startswith(SCHEME) and url[len(SCHEME) :] in MAP_KEYS:
                url = data_uri(maps.png(url[len(SCHEME) :]))
            if not url.lower().startswith("data:"):
                self.refused.append(url)
                log.warning("report rendering refused to fetch %s", url[:200])
                raise ValueError(f"the report never fetches external resources: {url[:80]}")
            return super().fetch(url, headers)

    return OfflineFetcher()
