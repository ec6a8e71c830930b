"""Who gains from a plan: the equity groups of the gap report, for the areas a plan helps.

A plan (a :class:`~geo.planning.Scenario` or a
:class:`~geo.planning.Suggestion`) helps some areas: their nearest place gets
nearer or their access rises.  :func:`plan_equity` says how many people of
each group the report compares (older people, disabled people, carers, young
adults, people in bad health, one-person and renting households…, see
:data:`geo.report.tables.EQUITY_GROUPS`) live in those areas, and whether
each group is over- or under-represented among them compared with the whole
study area.  People in deprived areas (England's most deprived 20 % of
LSOAs by IMD) are added as a group.  Census 2021 tables on ethnic group are
not read by the analysis, so minority ethnic groups are not in the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.planning.scenario import Scenario
from geo.planning.suggest import Suggestion
from geo.result import Result

#: IMD deciles counted as deprived areas (1 = England's most deprived 10 %).
DEPRIVED_DECILES = (1, 2)


def plan_equity(result: Result, helped: pd.Series) -> pd.DataFrame:
    """Each group's people in the ``helped`` areas, against the whole study area.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``base`` (residents or households), ``helped`` (people or
        households in the helped areas), ``share_helped`` (the group's share
        among the helped), ``share_all`` (its share in the whole area) and
        ``ratio`` (above 1: the group gains more than its share).
    """
    areas = result.areas
    mask = helped.reindex(areas.index).fillna(False).astype(bool)
    from geo.report.tables import equity_table  # late: geo.report imports the PDF stack

    table = equity_table(result, mask).rename(
        columns={"in_gap_areas": "helped", "share_gap": "share_helped"}
    )
    if "imd_decile" in areas:
        pop = pd.to_numeric(areas["population"], errors="coerce").fillna(0.0)
        deprived = areas["imd_decile"].isin(DEPRIVED_DECILES).to_numpy()
        total = float(pop.sum())
        helped_pop = float(pop[mask.to_numpy()].sum())
        in_deprived = float(pop[deprived & mask.to_numpy()].sum())
        share_helped = in_deprived / helped_pop if helped_pop else np.nan
        share_all = float(pop[deprived].sum()) / total if total else np.nan
        row = {
            "group": "In England's most deprived 20 % of areas (IMD)",
            "base": "residents",
            "helped": in_deprived,
            "share_helped": share_helped,
            "share_all": share_all,
            "ratio": share_helped / share_all if share_all else np.nan,
        }
        table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    return table


def scenario_equity(plan: Scenario) -> pd.DataFrame:
    """Who lives in the areas a scenario helps (nearer place or more access)."""
    c = plan.comparison
    nearer = c["nearest_any_m_after"] < c["nearest_any_m_before"] - 1e-6
    nearer |= c["nearest_any_m_before"].isna() & c["nearest_any_m_after"].notna()
    more = c["access_e2sfca_after"] > c["access_e2sfca_before"] * (1 + 1e-9) + 1e-12
    return plan_equity(plan.after, nearer | more)


def suggestion_equity(result: Result, found: Suggestion) -> pd.DataFrame:
    """Who lives in the areas the suggested sites reach (see :attr:`Suggestion.reached`)."""
    helped = pd.Series(result.areas.index.isin(found.reached), index=result.areas.index)
    return plan_equity(result, helped)
