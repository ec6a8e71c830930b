"""The method write-up: one Markdown source per topic, figures from the code's constants.

The Method page and the report's appendix render the same text: the test at
the end runs both (the page with AppTest on the tiny mirror, the report from
the same parameters) and compares their headings and figures, after changing
a constant and a parameter so that a number typed anywhere would show.
"""

from __future__ import annotations

import html
import re

import pytest

from geo import method
from geo.gaps import classes as gap_classes
from geo.method import TOPICS, MethodError, method_blocks, method_html, method_markdown
from geo.params import Parameters
from geo.risk import INDICATORS, terms

FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def _figures(text: str) -> set[str]:
    return set(FIGURE.findall(text))


def _headings(markdown: str) -> list[str]:
    return [line.lstrip("#").strip() for line in markdown.splitlines() if line.startswith("#")]


def _html_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


@pytest.mark.parametrize("topic", list(TOPICS))
def test_every_topic_is_filled_and_renders(topic):
    text = method_markdown(topic)
    assert "{{" not in text and "}}" not in text
    assert _headings(text)[0]  # each topic opens with its title
    rendered = method_html(topic)
    assert "<h1>" in rendered and "{{" not in rendered
    shifted = method_html(topic, heading_offset=2)
    assert "<h1>" not in shifted and "<h3>" in shifted


def test_figures_are_the_code_constants_and_the_parameters():
    p = Parameters(catchment_m=1234, speed_m_s=1.3, thresholds=(250, 500), permutations=99)
    access = method_markdown("provision", p, buffer_m=3500)
    assert "d0 = 1,234 m" in access and "σ = d0 / 2 = 617 m" in access
    assert "now 1.3 m/s" in access and "within 250 m, 500 m." in access
    assert "3.5 km outside" in access
    gaps = method_markdown("gaps", p)
    assert "with\n99 permutations" in gaps and f"Class **{gap_classes.PRIORITY_CLASS}**" in gaps
    risk = method_markdown("risk")
    for ind in INDICATORS:
        assert f"| {ind.name} | {ind.column} | {ind.default_weight:g} |" in risk
    for term in terms.AGE_UK_TERMS:
        assert f"{abs(term.estimate):.4f}" in risk and f"{term.std_error:.4f}" in risk
    assert f"{terms.AGED_75_79_SHARE_OF_75_84:.4f} is the share" in risk


def test_changing_a_constant_changes_the_text(monkeypatch):
    monkeypatch.setattr(terms, "GOOD_SHARE_OF_GOOD_OR_VERY_GOOD", 0.4567)
    monkeypatch.setitem(gap_classes.CLASS_LABELS, "3-1", "Most at risk, least served")
    assert "good ≈ 0.4567 ×" in method_markdown("risk")
    assert "good ≈ 0.4101" not in method_markdown("risk")
    assert "Most at risk, least served" in method_html("gaps")


def test_tables_come_as_blocks_with_colours_as_swatches():
    blocks = method_blocks("gaps")
    (table,) = [b for b in blocks if isinstance(b, method.MethodTable)]
    assert table.name == "gap_classes" and len(table.frame) == 9
    assert set(table.frame[method.COLOUR_COLUMN]) == set(gap_classes.BIVARIATE_COLOURS.values())
    rendered = method_html("gaps")
    for colour in gap_classes.BIVARIATE_COLOURS.values():
        assert f"background:{colour}" in rendered
    assert not re.search(r">\s*#[0-9a-f]{6}\s*<", rendered)  # never shown as text


def test_unknown_topics_fields_and_colours_are_refused(monkeypatch):
    with pytest.raises(MethodError, match="No method topic 'weather'; the topics are sources"):
        method_markdown("weather")
    monkeypatch.setattr(method, "_source", lambda _topic: "Speed {{ warp_speed }}.")
    with pytest.raises(MethodError, match=r"uses \{\{ warp_speed \}\}, which has no value"):
        method_markdown("provision")
    with pytest.raises(MethodError, match="not a #rrggbb colour"):
        method.swatch_html("red;background:url(x)")


def test_styled_tables_draw_swatches_and_escape_text():
    import pandas as pd

    from ui.method_view import styled

    frame = pd.DataFrame({"Class": ["3-1"], "Colour": ["#3b4994"], "Meaning": ["*not* bold"]})
    out = styled(frame).to_html()
    assert "background-color: #3b4994" in out
    assert ">#3b4994<" not in out  # the code itself is not printed
    assert r"\*not\* bold" in out


@pytest.mark.slow
def test_method_page_and_report_appendix_say_the_same(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from geo.config import Settings
    from geo.pipeline import run_analysis
    from geo.report import report_html
    from tests.tiny_mirror import TESTHAM, write_mirror
    from ui import params

    monkeypatch.setenv("ATLAS_SOURCES", str(write_mirror(tmp_path / "mirror")))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")
    # a constant and a parameter changed: both must follow, or a number is typed twice
    monkeypatch.setattr(terms, "AGED_75_79_SHARE_OF_75_84", 0.6123)
    chosen = Parameters(catchment_m=1300, permutations=19)
    settings = Settings.from_env()

    at = AppTest.from_file("../app.py", default_timeout=600)
    at.session_state[params.CHOICE_KEY] = params.Choice(area=TESTHAM, parameters=chosen)
    at.switch_page("pages/3_Method_and_data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    tabs = {t.label: t for t in at.tabs}

    report = report_html(run_analysis(TESTHAM, chosen, settings=settings))
    start = report.index('<div class="method-text">')
    appendix = report[start : report.index("</div>", start)]
    parts = re.split(r"<h3>", appendix)[1:]  # one part per topic (headings shifted by two)
    assert len(parts) == len(TOPICS)

    tab_of = {
        "sources": "Sources and licences",
        "risk": "Loneliness risk",
        "provision": "Access",
        "gaps": "Gaps and hot spots",
        "limitations": "Limitations",
    }
    assert list(tab_of) == list(TOPICS)  # the report's order
    for (topic, tab_label), part in zip(tab_of.items(), parts, strict=True):
        expected = method_markdown(topic, chosen, buffer_m=settings.region_buffer_m)
        tab = tabs[tab_label]
        shown = [m.value for m in tab.markdown]
        for t in tab.table:
            shown += [str(v) for v in t.value.index] + [str(v) for v in t.value.to_numpy().ravel()]
        page_text = " \n ".join(shown)
        report_text = _html_text("<h3>" + part)
        for heading in _headings(expected):
            assert heading in page_text, (topic, heading)
            assert html.escape(heading, quote=False) in html.escape(report_text, quote=False)
        figures = _figures(
            _html_text(method_html(topic, chosen, buffer_m=settings.region_buffer_m))
        )
        assert figures <= _figures(page_text), (topic, figures - _figures(page_text))
        assert figures == _figures(report_text), (topic, figures ^ _figures(report_text))

    risk_tab = " ".join(m.value for m in tabs["Loneliness risk"].markdown)
    assert "0.6123 is the share" in risk_tab and "0.6123 is the share" in appendix
    assert "0.5884 is the share" not in risk_tab + appendix
    access_tab = " ".join(m.value for m in tabs["Access"].markdown)
    assert "d0 = 1,300 m" in access_tab and "d0 = 1,300 m" in _html_text(appendix)
