"""One glossary: every label the sliders and the risk chart show is a glossary term,
and the Method page and the report both list every term with its meaning.

The app runs on the tiny mirror (AppTest); the report is rendered from the same data.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from geo.params import Parameters
from geo.present import glossary
from geo.risk import INDICATORS
from geo.risk.evidence_terms import EVIDENCE_TERMS
from geo.risk.terms import AGE_UK_TERMS
from tests.tiny_mirror import TESTHAM
from ui import controls, params

PROJECT = Path(__file__).resolve().parent.parent
APP = str(PROJECT / "app.py")
METHOD = "pages/3_Method_and_data.py"
TIMEOUT = 300
RUTLAND_005A = "E01013787"  # a small area of the demo
LABELS = {t.label for t in glossary.TERMS}


def _no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _chart_labels(at: AppTest) -> list[str]:
    """The indicator names on the risk chart's bars (its ``short`` field)."""
    charts = at.get("vega_lite_chart")
    assert charts, "no risk chart on the page"
    proto = charts[0].proto
    table = pa.ipc.open_stream(proto.datasets[0].data.data).read_all()
    return [str(v) for v in table.column("short").to_pylist()]


def test_every_indicator_term_model_lens_and_layer_is_in_the_glossary():
    used_terms = [t.name for t in AGE_UK_TERMS if t.in_census]
    keys = [
        *(i.name for i in INDICATORS),
        *used_terms,
        *(t.name for t in EVIDENCE_TERMS),
        "intercept",
        *controls.LENS_LABELS,
        *params.LAYERS,
        "user",
        *params.MODEL_LABELS,
        *params.ACCESS_MEASURES,
    ]
    for key in keys:
        assert glossary.definition(key)  # raises KeyError for a term it lacks
    with pytest.raises(KeyError, match="no term"):
        glossary.term("not-a-term")


def test_each_term_has_one_label_and_one_plain_sentence():
    assert len(LABELS) == len(glossary.TERMS), "two terms share a label"
    assert len({t.key for t in glossary.TERMS}) == len(glossary.TERMS)
    for t in glossary.TERMS:
        assert t.group in glossary.GROUPS
        assert t.definition.endswith(".") and t.definition[0].isupper(), t.key
        # one sentence: no full stop followed by a new sentence inside it
        assert not re.search(r"\.\s+[A-Z]", t.definition[:-1]), t.key


def test_the_glossary_writes_escaped_html_and_markdown():
    text = glossary.glossary_html()
    assert text.count("<dt>") == len(glossary.TERMS)
    assert html.escape("Gaps: risk × access") in text
    markdown = glossary.glossary_markdown()
    for title in glossary.GROUPS.values():
        assert f"### {title}" in markdown


@pytest.fixture()
def demo_env(tmp_path, monkeypatch):
    """The app on the built-in demo (Rutland, real data), offline and without tiles."""
    monkeypatch.delenv("ATLAS_SOURCES", raising=False)
    monkeypatch.setenv("ATLAS_DEMO", "1")
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")


@pytest.mark.parametrize("model", ["all-ages", "evidence", "older"])
def test_sliders_and_the_risk_chart_are_named_from_the_glossary(demo_env, model):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.MODEL] = model
    at.run()
    at.session_state[params.SELECTED] = RUTLAND_005A
    at.run()
    _no_errors(at)
    sliders = [s.label for s in (*at.slider, *at.select_slider)]
    assert len(sliders) >= 3 + len(INDICATORS)
    assert set(sliders) <= LABELS, set(sliders) - LABELS
    chart = _chart_labels(at)
    assert chart and set(chart) <= LABELS, set(chart) - LABELS
    # the weight sliders and the chart call an indicator the same
    if model == "all-ages":
        assert set(chart) <= set(sliders)
    panel = {m.label for m in at.metric}
    for key in ("risk_decile", "risk_rank", "imd_decile", "nearest_place"):
        assert glossary.label(key) in panel


def _page_text(at: AppTest) -> str:
    shown = [m.value for m in at.markdown]
    for t in at.table:
        shown += [str(v) for v in t.value.to_numpy().ravel()]
    return "\n".join(shown)


def test_the_method_page_has_a_glossary_of_every_term(tiny_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.CHOICE_KEY] = params.Choice(area=TESTHAM)
    at.switch_page(METHOD)
    at.run()
    _no_errors(at)
    tab = next(t for t in at.tabs if t.label == "Glossary")
    text = _page_text(tab)
    for t in glossary.TERMS:
        assert t.label in text and t.definition in text, t.key


def test_the_report_appendix_has_a_glossary_of_every_term(tiny_env):
    from geo.config import Settings
    from geo.pipeline import run_analysis
    from geo.report import report_html

    result = run_analysis(TESTHAM, Parameters(permutations=19), settings=Settings.from_env())
    report = report_html(result)
    start = report.index('<h3 id="glossary">')
    part = html.unescape(report[start:])
    for t in glossary.TERMS:
        assert f"<dt>{t.label}</dt><dd>{t.definition}</dd>" in part, t.key


def _glossary_file(tmp_path: Path, terms: str) -> Path:
    path = tmp_path / "glossary.toml"
    path.write_text('[groups]\nrisk = "Loneliness risk"\n' + terms, encoding="utf-8")
    return path


def test_a_term_in_a_section_the_file_does_not_name_is_refused(tmp_path):
    path = _glossary_file(
        tmp_path, '\n[[term]]\nkey = "x"\ngroup = "nope"\nlabel = "X"\ndefinition = "An x."\n'
    )
    with pytest.raises(ValueError, match="term 'x' is in an unknown section 'nope'"):
        glossary._read_glossary(path)


def test_a_key_listed_twice_is_refused(tmp_path):
    entry = '\n[[term]]\nkey = "x"\ngroup = "risk"\nlabel = "X"\ndefinition = "An x."\n'
    with pytest.raises(ValueError, match="term 'x' is listed twice"):
        glossary._read_glossary(_glossary_file(tmp_path, entry + entry))
