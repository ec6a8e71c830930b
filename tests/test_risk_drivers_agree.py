"""The app panel, the report and ``python -m geo explain`` name the same top drivers."""

from __future__ import annotations

import pytest

from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report.tables import risk_drivers
from geo.risk import area_explanation

pytestmark = pytest.mark.shared_data


def _explained(result, code: str) -> list[str]:
    """Names of the drivers in the text ``explain`` prints."""
    lines = area_explanation(result, code).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Top drivers"))
    return [
        line.strip().split(":", 1)[0]
        for line in lines[start + 1 :]
        if line.startswith("  ") and not line.strip().startswith("none")
    ]


@pytest.mark.parametrize("model", ["evidence", "all-ages", "older"])
@pytest.mark.parametrize("area", ["Rutland", "Trafford"])
def test_top_three_drivers_agree_for_every_lsoa(area, model, shared_settings):
    from ui import cache

    result = run_analysis(area, Parameters(model=model, permutations=9), settings=shared_settings)
    report = risk_drivers(result)
    assert len(result.areas) > 20
    for code in result.areas.index:
        panel = cache.contributions(result, code)
        shown = list(panel[panel["contribution"] > 0].head(3).index)
        assert [d.name for d in report[code]] == shown, code
        assert _explained(result, code) == shown, code
    # a driver is listed for most areas (the others are at or below England on every term)
    assert sum(bool(report[c]) for c in result.areas.index) > len(result.areas) / 2
