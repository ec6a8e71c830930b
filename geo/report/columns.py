"""The data dictionary of the exports: every column's meaning, unit and source.

Columns are matched by name against :data:`RULES` (first match wins), so
families such as ``nearest_<category>_m`` or ``iod2019_<domain>_rank`` need
one rule each; ``{cat}`` and ``{n}`` in a meaning are filled from the name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from geo.present.labels import category_label

CENSUS = "Census 2021 (ONS)"
IOD25 = "English Indices of Deprivation 2025 (MHCLG)"
IOD19 = "English Indices of Deprivation 2019 (MHCLG), LSOA 2011 bridged to 2021"
LOOKUP = "ONS LSOA 2021 → ward → local authority best-fit lookup"
ANALYSIS = "Belonging Atlas analysis (see the report's method)"
ASSETS = "Community asset sources (see metadata)"

#: (pattern, meaning, unit, source); ``{cat}`` is the category's label, ``{n}`` a number.
RULES: tuple[tuple[str, str, str, str], ...] = (
    (r"lsoa21cd", "Small area (LSOA 2021) code", "code", "ONS"),
    (r"lsoa21nm", "Small area (LSOA 2021) name", "text", "ONS"),
    (r"ward_code", "Electoral ward code (best fit)", "code", LOOKUP),
    (r"ward_name|ward", "Electoral ward name (best fit)", "text", LOOKUP),
    (r"lad_code", "Local authority code", "code", LOOKUP),
    (r"lad_name", "Local authority name", "text", LOOKUP),
    (r"region_code", "Region code (ONS; empty where not known)", "code", "ONS"),
    (r"region_name", "Region (ONS; empty where not known)", "text", "ONS"),
    (r"point_x|easting", "Easting (British National Grid)", "metres", "ONS / source"),
    (r"point_y|northing", "Northing (British National Grid)", "metres", "ONS / source"),
    (r"point_source", "Where the area's point came from", "text", "ONS"),
    (r"lat", "Latitude (WGS84)", "degrees", ASSETS),
    (r"lon", "Longitude (WGS84)", "degrees", ASSETS),
    (r"iod2019_population_(.+)", "IoD2019 population denominator ({n})", "people", IOD19),
    (r"iod2019_(\w+?)_score", "IoD2019 {n} score", "score", IOD19),
    (r"iod2019_(\w+?)_rank", "IoD2019 {n} rank (1 = most deprived)", "rank", IOD19),
    (r"iod2019_(\w+?)_decile", "IoD2019 {n} decile (1 = most deprived 10%)", "decile", IOD19),
    (r"income_score", "IoD2025 income deprivation rate", "share", IOD25),
    (r"employment_score", "IoD2025 employment deprivation rate", "share", IOD25),
    (
        r"(imd|income|employment|education|health|crime|barriers|living_env)_score",
        "IoD2025 {n} score",
        "score",
        IOD25,
    ),
    (
        r"(imd|income|employment|education|health|crime|barriers|living_env)_rank",
        "IoD2025 {n} rank in England (1 = most deprived)",
        "rank",
        IOD25,
    ),
    (
        r"(imd|income|employment|education|health|crime|barriers|living_env)_decile",
        "IoD2025 {n} decile in England (1 = most deprived 10%)",
        "decile",
        IOD25,
    ),
    (r"population", "Usual residents", "people", CENSUS),
    (r"households", "Households", "households", CENSUS),
    (r"mean_household_size", "Mean household size", "people", CENSUS),
    (r"pct_(\w+)", "Share: {n}", "share", CENSUS),
    (r"pop_(\w+)", "Residents {n}", "people", CENSUS),
    (
        r"(one_person_hh|one_person_66plus|widowed|divorced_separated|never_married|"
        r"bad_health|fair_health|good_health|very_good_health|disabled|carers|renting|"
        r"social_rented|private_rented|no_car)",
        "Count: {n}",
        "people or households",
        CENSUS,
    ),
    (r"risk_score", "Loneliness-risk index (0 = England average)", "score", ANALYSIS),
    (r"risk_rank_national", "Risk rank in England (1 = highest risk)", "rank", ANALYSIS),
    (r"risk_decile_national", "Risk decile in England (1 = highest 10%)", "decile", ANALYSIS),
    (r"risk_rank", "Risk rank in this area (1 = highest risk)", "rank", ANALYSIS),
    (r"risk_decile", "Risk decile in this area (1 = highest 10%)", "decile", ANALYSIS),
    (r"risk_tercile", "Risk third in this area (3 = highest)", "class", ANALYSIS),
    (r"risk_percentile", "Risk percentile in this area", "share", ANALYSIS),
    (r"risk_model", "Risk model used", "text", ANALYSIS),
    (
        r"z_(\w+)",
        "Standardised indicator ({n}) against England, capped at ±3",
        "z-score",
        ANALYSIS,
    ),
    (r"n_indicators", "Indicators available for the area", "count", ANALYSIS),
    (
        r"weight_coverage",
        "Share of the index weight the area's indicators carry",
        "share",
        ANALYSIS,
    ),
    (r"indicators_used", "Indicators in the area's score", "text", ANALYSIS),
    (
        r"older_prevalence",
        "Predicted share of people 65+ often lonely (Age UK)",
        "share",
        ANALYSIS,
    ),
    (r"older_relative_risk", "Older people's risk relative to England", "ratio", ANALYSIS),
    (r"older_logit", "Age UK model log-odds", "log-odds", ANALYSIS),
    (r"expected_lonely\w*", "Expected people 65+ often lonely (Age UK)", "people", ANALYSIS),
    (r"older_(rank|decile)\w*", "Older people's risk {n}", "rank", ANALYSIS),
    (r"nearest_any_m", "Distance to the nearest community place", "metres", ANALYSIS),
    (r"nearest_asset_m", "Distance to the nearest community place", "metres", ANALYSIS),
    (r"nearest_asset_id", "Nearest community place: identifier", "code", ASSETS),
    (r"nearest_asset_name", "Nearest community place: name", "text", ASSETS),
    (r"nearest_asset_category", "Nearest community place: category", "text", ASSETS),
    (r"nearest_(\w+)_m", "Distance to the nearest {cat}", "metres", ANALYSIS),
    (r"median_nearest_m", "Median distance to the nearest community place", "metres", ANALYSIS),
    (r"median_nearest_(\w+)_m", "Median distance to the nearest {cat}", "metres", ANALYSIS),
    (r"median_walk_min", "Median walking minutes to the nearest place", "minutes", ANALYSIS),
    (r"count_any_(\d+)m", "Community places within {n} m", "count", ANALYSIS),
    (
        r"count_(\w+)_(\d+)m",
        "Places of this category within the distance: {cat}",
        "count",
        ANALYSIS,
    ),
    (
        r"access_e2sfca",
        "Access: places per 1,000 residents within reach (E2SFCA)",
        "per 1,000",
        ANALYSIS,
    ),
    (r"access_e2sfca_(\w+)", "Access to {cat} (E2SFCA)", "per 1,000", ANALYSIS),
    (r"access_tercile", "Access third in this area (1 = lowest)", "class", ANALYSIS),
    (r"access_percentile", "Access percentile in this area", "share", ANALYSIS),
    (r"walk_min_any", "Walking minutes to the nearest community place", "minutes", ANALYSIS),
    (r"gap_class", "Risk × access class (risk-access terciles)", "class", ANALYSIS),
    (r"gap_label", "Risk × access class in words", "text", ANALYSIS),
    (r"gap_colour", "Map colour of the class", "colour", ANALYSIS),
    (r"gap_score", "Gap score (0–1, higher = larger gap)", "score", ANALYSIS),
    (r"priority_rank", "Gap-score rank among all areas (1 = largest)", "rank", ANALYSIS),
    (
        r"priority_number",
        "Priority gap area number as in the report (1 = largest)",
        "rank",
        ANALYSIS,
    ),
    (r"first_priority", "Ward's first priority gap area number", "rank", ANALYSIS),
    (r"is_priority", "Priority gap area (high risk, low access)", "yes/no", ANALYSIS),
    (r"is_high_risk", "In the highest-risk third here", "yes/no", ANALYSIS),
    (
        r"(local_i|p_value|p_fdr|quadrant|cluster|neighbours)",
        "Hot-spot statistic: {n} (Local Moran's I)",
        "statistic",
        ANALYSIS,
    ),
    (
        r"hotspot|coldspot",
        "In a significant cluster of high (low) gap scores",
        "yes/no",
        ANALYSIS,
    ),
    (r"drivers", "What raises the area's risk most", "text", ANALYSIS),
    (r"areas", "Small areas", "count", ANALYSIS),
    (r"residents", "Usual residents", "people", CENSUS),
    (
        r"high_risk_residents",
        "Residents of the highest-risk third of areas",
        "people",
        ANALYSIS,
    ),
    (r"priority_areas", "Priority gap areas", "count", ANALYSIS),
    (r"priority_residents", "Residents of priority gap areas", "people", ANALYSIS),
    (r"asset_id", "Community place identifier (source:id)", "code", ASSETS),
    (r"name", "Name", "text", ASSETS),
    (r"category", "Category key", "code", ASSETS),
    (r"category_label", "Category", "text", ASSETS),
    (r"source", "Source dataset key (see metadata)", "code", ASSETS),
    (r"source_title", "Source dataset", "text", ASSETS),
    (r"address", "Address as the source gives it", "text", ASSETS),
    (r"capacity", "Capacity where the source gives one", "count", ASSETS),
    (r"tags", "Source attributes (JSON)", "text", ASSETS),
    (r"in_region", "Inside the area (else within the buffer around it)", "yes/no", ASSETS),
    (r"priority_distance_m", "Distance to the nearest priority gap area", "metres", ANALYSIS),
)

_COMPILED = tuple((re.compile(rf"^(?:{p})$"), m, u, s) for p, m, u, s in RULES)


def describe(column: str) -> tuple[str, str, str]:
    """``(meaning, unit, source)`` of one column (a plain fallback when unknown)."""
    for pattern, meaning, unit, source in _COMPILED:
        match = pattern.match(column)
        if match is None:
            continue
        groups = [g for g in match.groups() if g]
        words = groups[0].replace("_", " ") if groups else ""
        cat = category_label(groups[0]).lower() if groups else ""
        return meaning.format(n=words, cat=cat), unit, source
    if column.startswith("user_"):
        return f"Your own data: {column.removeprefix('user_')}", "as uploaded", "your upload"
    return column.replace("_", " "), "", ANALYSIS


def dictionary(sheets: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """One row per sheet and column: ``sheet``, ``column``, ``meaning``, ``unit``, ``source``."""
    rows = []
    for sheet, columns in sheets.items():
        for column in columns:
            meaning, unit, source = describe(str(column))
            rows.append(
                {
                    "sheet": sheet,
                    "column": str(column),
                    "meaning": meaning,
                    "unit": unit,
                    "source": source,
                }
            )
    return pd.DataFrame(rows, columns=["sheet", "column", "meaning", "unit", "source"])
