"""England's nine regions: their ONS codes and names.

The codes are the ONS statistical-geography codes for regions
(``E12000001``–``E12000009``) and the names are ONS's, as published in
"Regions (December 2023) Names and Codes in EN" (Office for National
Statistics, Open Geography Portal; Open Government Licence v3.0).  The list
has not changed since the regions were set in 1994 (Merseyside joined the
North West in 1998).  An area whose region is not in the data is said to be
in a region "not known", never guessed.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["REGION_NAMES", "REGION_NOT_KNOWN", "region_name", "region_names"]

#: ONS region code → name (England).
REGION_NAMES: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}

#: What is shown where an area's region is not in the data.
REGION_NOT_KNOWN = "region not known"


def region_name(code: object) -> str | None:
    """The ONS name of a region code, or None for a missing or unknown code."""
    if not isinstance(code, str):
        return None
    return REGION_NAMES.get(code.strip().upper())


def region_names(codes: pd.Series) -> pd.Series:
    """The ONS names of a Series of region codes (missing where not known)."""
    return codes.map(region_name).astype("str").where(codes.map(region_name).notna())
