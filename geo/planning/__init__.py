"""Planning tools: what if places open or close, and where the next ones should go.

:func:`scenario` applies proposed openings and closures to an analysis and
compares the result with it (:class:`Scenario`); :func:`suggest` chooses sites
for new places that reach the most people at risk (:class:`Suggestion`).
"""

from __future__ import annotations

from geo.planning.equity import plan_equity, scenario_equity, suggestion_equity
from geo.planning.scenario import Scenario, ScenarioError, scenario
from geo.planning.suggest import Suggestion, suggest

__all__ = [
    "Scenario",
    "ScenarioError",
    "Suggestion",
    "plan_equity",
    "scenario",
    "scenario_equity",
    "suggest",
    "suggestion_equity",
]
