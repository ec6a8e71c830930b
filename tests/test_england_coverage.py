"""The England run: the national registers cover every area, the rest stays blank.

One whole analysis of England's 33,755 LSOAs from the shared data folder (the
national libraries list and the NHS GP register, geocoded with Code-Point
Open, plus the regional files): ``nearest_library_m`` and ``nearest_health_m``
must be known almost everywhere, a kind of place that no source covers in
Cornwall must be blank there rather than a distance to Trafford, and the
outputs must say which kinds of place were left out and why.  Skips without
the shared data folder (the demo holds one authority only).
"""

from __future__ import annotations

import pytest

from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report.downloads import export_metadata
from geo.result import Result

ENGLAND_LSOAS = 33_755


@pytest.fixture(scope="module")
def england(shared_settings) -> Result:
    # Coverage does not depend on the hot-spot permutations; 99 keeps the run short.
    return run_analysis("england", Parameters(permutations=99), settings=shared_settings)


def test_national_registers_cover_at_least_95_percent_of_england(england):
    areas = england.areas
    assert len(areas) == ENGLAND_LSOAS
    for column in ("nearest_library_m", "nearest_health_m"):
        share = areas[column].notna().mean()
        assert share >= 0.95, f"{column} known for only {share:.1%} of English areas"
        assert (areas[column].dropna() >= 0).all()


def test_a_kind_of_place_no_source_covers_is_blank_not_far(england):
    areas = england.areas
    cornwall = areas[areas["lad_name"].eq("Cornwall")]
    assert len(cornwall) > 300
    # Community gardens are known only where a Trafford list or a local
    # OpenStreetMap extract covers them: Cornwall is blank, never "300 km away".
    assert cornwall["nearest_community_garden_m"].isna().all()
    for column in [c for c in areas.columns if c.endswith("community_garden")]:
        assert cornwall[column].isna().all(), column
    assert england.coverage is not None
    covered = england.coverage.frame["community_garden"]
    assert not covered.loc[cornwall.index].any()
    assert covered.any(), "Trafford's allotments and greenspace cover some areas"
    assert "community_garden" in england.coverage.partial
    assert {"library", "health"} <= set(england.coverage.full)


def test_the_england_outputs_say_which_kinds_of_place_were_left_out(england):
    notice = england.coverage_notice()
    assert "coverage" in notice.lower()
    # The gaps are measured over the nationally covered kinds only.
    assert "library" in notice and "GP / health centre" in notice
    assert "Allotment / community garden" in " ".join(england.notes)
    metadata = export_metadata(england, {"areas": len(england.areas)})
    coverage_rows = metadata[metadata["kind"].eq("coverage")]
    assert "Allotment / community garden" in " ".join(coverage_rows["value"].astype(str))
