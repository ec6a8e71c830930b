"""The indicators of the all-ages index: what each reads, its default weight and why.

The evidence behind each indicator and its weight is in ``geo/method/risk.md``
(Model 2).  User indicators (columns of an uploaded table) are defined here too.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geo.frozen import FrozenMap
from geo.risk.checks import RiskError

__all__ = [
    "DEFAULT_WEIGHTS",
    "INDICATORS",
    "INDICATORS_BY_NAME",
    "USER_PREFIX",
    "Indicator",
    "user_indicators",
]

#: Prefix of the names of user indicators (``user:<column>``).
USER_PREFIX = "user:"


@dataclass(frozen=True)
class Indicator:
    """One indicator of the all-ages index.

    Attributes
    ----------
    name
        Identifier used in weights and in ``z_<name>`` columns.
    column
        Column of the region frame it reads.
    label
        Plain-English description.
    direction
        +1 when a higher value means a higher risk, −1 when lower does.
    default_weight
        Default weight (points out of 100; normalised before use).
    rationale
        Why it is in the index, with its source.
    """

    name: str
    column: str
    label: str
    direction: int
    default_weight: float
    rationale: str


#: The indicators of the all-ages index (see geo/method/risk.md).
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "living_alone",
        "pct_one_person_hh",
        "Households of one person",
        1,
        15,
        "Living alone is among the strongest correlates of loneliness at all ages; ONS "
        "profiles of lonely people include older people living alone and working-age adults "
        "living alone (ONS 2018; ONS 2020).",
    ),
    Indicator(
        "older_living_alone",
        "pct_one_person_66plus",
        "Households of one person aged 66+",
        1,
        10,
        "Age UK's model: household size is the second strongest Census factor for loneliness "
        "at 65+ (Age UK 2015; Iparraguirre 2016). Overlaps with living alone, hence 10. "
        "Direction contested for all ages: "
        "loneliness at any age is highest among young adults, renters and single people.",
    ),
    Indicator(
        "bad_health",
        "pct_bad_health",
        "Residents in bad or very bad health",
        1,
        15,
        "Poor health is the biggest factor in later life (Age UK 2015) and is independently "
        "linked with loneliness at all ages (ONS 2018: about 1.9 times as likely).",
    ),
    Indicator(
        "disability",
        "pct_disabled",
        "Residents disabled under the Equality Act",
        1,
        10,
        "People with limiting conditions report loneliness more often (ONS 2018). Overlaps "
        "with bad health, hence 10.",
    ),
    Indicator(
        "carers",
        "pct_carers",
        "Residents providing unpaid care",
        1,
        5,
        "35% of unpaid carers said they were always or often lonely against 5% of the public "
        "(Carers UK, Carers Week 2019; a self-selected survey, hence 5). "
        "Direction contested for all ages: "
        "loneliness at any age is highest among young adults, renters and single people.",
    ),
    Indicator(
        "widowed",
        "pct_widowed",
        "Residents 16+ who are widowed",
        1,
        10,
        "Widowed people are at particular risk (ONS 2018: about 3.6 times as likely as "
        "married people; Age UK 2015 coefficient 1.03). Direction contested for all ages: "
        "loneliness at any age is highest among young adults, renters and single people.",
    ),
    Indicator(
        "divorced_separated",
        "pct_divorced_separated",
        "Residents 16+ who are divorced, dissolved or separated",
        1,
        5,
        "Divorced or separated people were more likely to report loneliness (ONS 2020); "
        "weaker evidence than widowhood, hence 5.",
    ),
    Indicator(
        "renting",
        "pct_renting",
        "Households renting (social or private)",
        1,
        10,
        "Renters report loneliness more often than owners; 'younger renters with little "
        "trust and sense of belonging' is one of ONS's three profiles (ONS 2018).",
    ),
    Indicator(
        "young_adults",
        "pct_16_24",
        "Residents aged 16 to 24",
        1,
        10,
        "Adults aged 16–24 report feeling lonely most often (ONS 2018: about 2.7 times as "
        "likely as people 75+). High where students live.",
    ),
    Indicator(
        "income_deprivation",
        "income_score",
        "Income deprivation (IoD income score, a rate)",
        1,
        5,
        "Low income limits social participation, but its link with loneliness largely goes "
        "once health and living arrangements are known (Age UK; Victor & Pikhartova 2020).",
    ),
    Indicator(
        "imd",
        "imd_score",
        "Index of Multiple Deprivation score",
        1,
        5,
        "One indicator among several, not the index: area deprivation was not significant in "
        "Age UK's model and weakly linked in ELSA (Victor & Pikhartova 2020); it also "
        "contains the income domain.",
    ),
)
#: The indicators by name.
INDICATORS_BY_NAME: dict[str, Indicator] = {i.name: i for i in INDICATORS}

#: Default weights (points out of 100; ``validate_weights`` normalises them).
DEFAULT_WEIGHTS: Mapping[str, float] = FrozenMap(
    {i.name: float(i.default_weight) for i in INDICATORS}
)


def user_indicators(extra: Mapping[str, float], frame: pd.DataFrame) -> tuple[Indicator, ...]:
    """User indicator columns and weights, checked, as indicators of the index.

    Parameters
    ----------
    extra
        Column of ``frame`` → weight (a finite number, 0 or more).
    frame
        The region's areas, which must hold those columns.

    Returns
    -------
    tuple of Indicator
        One per column, named ``user:<column>``, pointing up (higher = more
        risk), with the given weight as its default weight.

    Raises
    ------
    RiskError
        For a weight that is not a finite number 0 or more, or a column that
        the frame does not have.
    """
    out: list[Indicator] = []
    for column, weight in extra.items():
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            raise RiskError(
                f"Weight for user indicator {column!r} must be a number, not {weight!r}."
            )
        if not math.isfinite(float(weight)) or float(weight) < 0:
            raise RiskError(
                f"Weight for user indicator {column!r} must be a finite number 0 or more, "
                f"not {weight!r}."
            )
        if column not in frame.columns:
            raise RiskError(
                f"User indicator {column!r} is not a column of the areas. Columns from the "
                "uploaded table must be joined to the region before they can be weighted."
            )
        out.append(
            Indicator(
                name=f"{USER_PREFIX}{column}",
                column=column,
                label=f"{column} (user data)",
                direction=1,
                default_weight=float(weight),
                rationale="Supplied by the user; higher values are taken to mean higher risk.",
            )
        )
    return tuple(out)
