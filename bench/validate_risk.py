"""Validation of the risk models for England: rank correlations, reported, never tuned.

Run from the project folder (needs the real-data mirror named in
data/sources.shared.toml; set ATLAS_SHARED_DATA when it is not ../shared/data)::

    python bench/validate_risk.py

For every English LSOA 2021 it scores the three models against England (the
all-ages evidence model, the weighted composite index with its default weights
and the Age UK older people's model) and prints Spearman's rank correlation of
each model's score with

* the IMD score (how much of the map is deprivation again),
* each Census or IoD input indicator, and
* each independent small-area measure of loneliness found in the data folder.

The data folder holds no independent small-area loneliness estimate (see its
SOURCES.md), so the last block says so rather than inventing one.  Nothing here
feeds back into a model: the numbers are for reading.
"""

from __future__ import annotations

from pathlib import Path

from benchsetup import offline_settings, shared_data

from geo.national import national_indicators
from geo.risk.validation import (
    between_models,
    model_scores,
    rank_correlations,
    score_spread,
)

#: Names of files that would be independent loneliness measures, if present.
INDEPENDENT_HINTS = ("lonel", "isolation")


def independent_measures(folder: Path) -> list[Path]:
    """Files in the data folder whose names suggest a loneliness measure."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and any(h in p.name.lower() for h in INDEPENDENT_HINTS)
    )


def main() -> int:
    settings = offline_settings()
    england = national_indicators(settings)
    if england is None:
        print("The national frame could not be built: is the shared data folder there?")
        return 1
    scores = model_scores(england)
    print(f"England: {len(england):,} LSOAs; Spearman rank correlation with each model's score\n")
    table = rank_correlations(england, scores)
    table.loc["(between models) evidence"] = between_models(scores).loc["evidence"]
    print(table.round(3).to_string())
    spread = score_spread(scores)
    print("\nSpread of each score over England (5th, 50th, 95th percentile):")
    print(spread.round(3).to_string())
    shared = shared_data()
    found = independent_measures(shared)
    print("\nIndependent small-area loneliness measures in the data folder:")
    if not found:
        print(
            "  none found (no file names loneliness or isolation): no external check is possible."
        )
    for path in found:
        print(f"  {path.relative_to(shared)}: not a small-area estimate readable here; not used")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
