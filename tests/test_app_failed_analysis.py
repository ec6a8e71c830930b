"""An analysis that fails with a known error is computed once per server, like a result."""

from __future__ import annotations

import logging

import pytest

from geo.errors import DownloadError
from geo.params import AnalysisError, Parameters
from tests.helpers_app import REPORT, _page
from tests.tiny_mirror import TESTHAM
from ui import cache, params

#: A walking speed the analysis refuses with a message (not a bug).
FAILING = params.Choice(area=TESTHAM, parameters=Parameters(speed_m_s=12))


def _computed(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "analysis computed" in r.getMessage()]


def test_a_failing_analysis_is_computed_once_for_two_sessions_and_a_rerun(tiny_env, caplog):
    caplog.set_level(logging.INFO, logger="ui.cache")
    first = _page(REPORT, FAILING)
    second = _page(REPORT, FAILING)
    first.run()  # a rerun of the first session
    shown = [[e.value for e in at.error] for at in (first, second)]
    assert not first.exception and not second.exception
    assert shown[0] == shown[1]
    assert len(shown[0]) == 1 and "implausible" in shown[0][0]
    assert len(_computed(caplog)) == 1, _computed(caplog)


def test_only_known_errors_are_kept_as_failures():
    def refused() -> None:
        raise AnalysisError("Walking speed 12 m/s is implausible.")

    assert cache._known_failure(refused, "analysis") == cache.Failure(
        "Walking speed 12 m/s is implausible."
    )

    def offline() -> None:
        raise DownloadError("The server did not answer.")

    def bug() -> None:
        raise KeyError("risk")

    for transient in (offline, bug):  # raised, so not cached: computed again next time
        with pytest.raises((DownloadError, KeyError)):
            cache._known_failure(transient, "analysis")
