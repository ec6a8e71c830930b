"""``python -m geo explain``: one LSOA's figures and drivers on the command line."""

from __future__ import annotations

import io

from geo.cli import EXIT_ERROR, EXIT_OK, main


def test_explain_prints_figures_and_drivers_for_a_demo_lsoa(capsys):
    out = io.StringIO()
    status = main(["explain", "--area", "demo", "--lsoa", "e01035104", "--quiet"], out=out)
    text = out.getvalue()
    assert status == EXIT_OK, capsys.readouterr().err
    assert text.startswith("E01035104")
    assert "Risk model: evidence" in text
    assert "Rank in area:" in text and "5th-95th percentile" in text
    assert "Top drivers (log-odds" in text
    assert "Traceback" not in text


def test_explain_composite_and_unknown_lsoa(capsys):
    out = io.StringIO()
    status = main(
        ["explain", "--area", "demo", "--model", "composite", "--lsoa", "E01999999", "--quiet"],
        out=out,
    )
    err = capsys.readouterr().err
    assert status == EXIT_ERROR
    assert "E01999999" in err and "not in this area" in err
    assert "Traceback" not in err
