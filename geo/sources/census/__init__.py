"""Census 2021 tables by LSOA 2021, and the loneliness-related indicators built from them.

Methods
-------
**Tables.** :data:`TABLES` lists the Census 2021 topic summaries used, with
their Nomis dataset id, category dimension, universe and bulk-file names.
:func:`read_census_table` reads any of these layouts into one *wide* frame —
one row per LSOA 2021 (index ``lsoa21cd``), one ``Int64`` column per category:

* the Nomis **bulk** CSVs (``census2021-ts0xx-lsoa.csv``, or the
  ``census2021-ts0xx.zip`` they come in), in both header styles Nomis has
  published: every header quoted and ending ``; measures: Value``, or unquoted
  without the suffix;
* the Nomis **API** CSV (long: ``GEOGRAPHY_CODE``, ``C2021_…_NAME``,
  ``OBS_VALUE``, possibly ``MEASURES_NAME`` — only ``Value`` rows are kept),
  pivoted wide;
* **demographr**'s long files (``lsoa21_code``, a category column, ``n``,
  ``total_residents``/``total_households``);
* **Trafford Data Lab**'s tidy files (``area_code``, ``indicator`` or a
  category column, ``value``).

Category labels are normalised so every layout gives the same columns: the
table title (``Household composition: ``) and the ``; measures: Value``
suffix are removed, the total (``Total``, ``Total: All usual residents``…) is
named ``Total``, and the API's ``One-person household`` is spelt like the
bulk files' ``One person household``.

Nomis tables hold **parent and child categories side by side**
(``One person household`` = ``…: Aged 66 years and over`` + ``…: Other``;
``Provides 19 hours or less`` = ``9 hours or less`` + ``10 to 19 hours``), so
columns are always picked by label and never summed wholesale. The long
re-publications list only the leaf categories: for them, missing parents are
rebuilt as the sum of their ``Parent: child`` children and, when the file
gives no total, ``Total`` is the sum of the top-level categories (noted in
``attrs["notes"]``). ONS perturbs each table separately, so totals differ
slightly between tables; each indicator therefore uses the total of its own
table as denominator.

**Indicators.** :data:`INDICATORS` is the single definition of every
indicator: its table, numerator labels (with weights), denominator, meaning
and any approximation. :func:`census_indicators` computes them all.
Proportions are fractions between 0 and 1; an indicator is NaN (never 0) when
its table is absent, its labels are missing, or its denominator is 0.
"""

from geo.sources.census.indicators import (
    INDICATORS,
    CensusIndicators,
    Indicator,
    census_indicators,
    indicator_table,
)
from geo.sources.census.read import label_key, normalise_label, read_census_table
from geo.sources.census.tables import TABLES, CensusTable

__all__ = [
    "INDICATORS",
    "TABLES",
    "CensusIndicators",
    "CensusTable",
    "Indicator",
    "census_indicators",
    "indicator_table",
    "label_key",
    "normalise_label",
    "read_census_table",
]
