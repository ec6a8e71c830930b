"""English Indices of Deprivation (IoD2025 on LSOA 2021, IoD2019 on LSOA 2011).

Methods
-------
**Reading.** Columns are recognised by the words in their headers, never by
position, so the official files (File 7 has ~57 columns in its own order;
Files 1, 2 and 6 hold parts of it), the reconstructions in the official names
and the renamed re-publications (humaniverse ``IMD_score``, ``Income_rank``…)
all map to one set of standard names:

* ``imd_score, imd_rank, imd_decile`` and, for each domain ``d`` in
  :data:`DOMAINS` (income, employment, education, health, crime, barriers,
  living_env), ``d_score, d_rank, d_decile``;
* when present: ``idaci_*`` and ``idaopi_*`` (the supplementary income
  indices for children and older people), the population denominators
  ``population_total``, ``population_0_15``, ``population_16_59``,
  ``population_60plus``, ``population_working_age``, and the LSOA and local
  authority names/codes.

A header is classified by its kind word (``Score``, ``Rank``, ``Decile``) and
its index or domain words (``Index of Multiple Deprivation``/``IMD``,
``Income``, ``Employment``, ``Education``, ``Health``, ``Crime``,
``Barriers``/``Housing``, ``Living Environment``/``Environment``; ``IDACI`` /
"affecting children", ``IDAOPI``/"affecting older"). Sub-domain columns are
ignored. Thousands separators (``"29,199"``) are removed. Scores are floats;
ranks, deciles and population counts are nullable integers (``Int64``).
Deciles must lie in 1–10.

Domain scores keep the official units: income and employment scores (and
IDACI/IDAOPI) are **rates** — the share of the relevant population that is
deprived, 0–1; the other domain scores are unit-free composite scores.

**mySociety's composite UK IMD** (``UK_IMD_E.csv``) can supply IoD2019 scores:
its England rows (``nation == "E"``) carry ``overall_local_score``, which is
the official IMD 2019 score (E01000001: 6.208), and ``income_score`` /
``employment_score`` stored as **percentages** (E01000001: 0.7 and 1.0; the
England maxima are 60.9 and 53.4, impossible for rates). They are divided by
100 to give the official rates (E01000001 income 0.007, employment 0.010).
The ordering of every converted score matches the official File 2 ranks.

**Bridging IoD2019 to LSOA 2021** (:func:`bridge_lsoa11_to_lsoa21`) uses the
ONS exact-fit LSOA11 → LSOA21 lookup; see that function for the method.
"""

from geo.sources.deprivation.bridge import BridgeReport, BridgeResult, bridge_lsoa11_to_lsoa21
from geo.sources.deprivation.columns import (
    DOMAINS,
    N_LSOA_2019,
    N_LSOA_2025,
    POPULATION_COLUMNS,
    STANDARD_COLUMNS,
    decile_from_rank,
)
from geo.sources.deprivation.read import read_iod2019, read_iod2025

__all__ = [
    "DOMAINS",
    "N_LSOA_2019",
    "N_LSOA_2025",
    "POPULATION_COLUMNS",
    "STANDARD_COLUMNS",
    "BridgeReport",
    "BridgeResult",
    "bridge_lsoa11_to_lsoa21",
    "decile_from_rank",
    "read_iod2019",
    "read_iod2025",
]
