"""Provision on the real Manchester data: the same value in every run that holds an area.

Manchester's LSOAs are measured in Manchester's own run (its assets within the
2 km buffer, demand from every LSOA within reach of them) and in an England
run over the same assets (every English LSOA measured, every LSOA of England
and Wales as demand).  Their access, nearest distances and counts must agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.provision import demand_around, provision_measures
from geo.region import load_region
from geo.residents import national_residents

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


@pytest.fixture(scope="module")
def manchester(shared_settings):
    return load_region("Manchester", settings=shared_settings)


@pytest.fixture(scope="module")
def residents(shared_settings):
    table = national_residents(shared_settings)
    assert table is not None
    return table


def test_residents_cover_england_and_wales_as_regions_see_them(manchester, residents):
    assert len(residents) > 35_000
    assert residents.index.str.startswith("W").sum() > 1_800
    assert (residents["population"] > 0).all()
    areas = manchester.areas
    assert (areas["point_source"] == "population-weighted centroid").all()
    own = residents.loc[areas.index]
    for column in ("point_x", "point_y", "population"):
        np.testing.assert_array_equal(own[column].to_numpy(), areas[column].to_numpy(float))


def test_manchester_alone_equals_the_england_run(manchester, residents):
    areas, assets = manchester.areas, manchester.assets
    demand = demand_around(residents, areas, assets, reach_m=1600)
    assert len(demand) > len(areas) + 50  # Salford, Trafford, Oldham... compete too
    own = provision_measures(areas, assets, demand=demand)
    england = residents[residents.index.str.startswith("E")]
    national = provision_measures(england, assets, demand=residents)
    got, expected = own.frame, national.frame.loc[areas.index]
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=0)
    moston = got.loc["E01005254", "access_e2sfca"]
    # with the national libraries and GP registers among the assets
    assert moston == pytest.approx(1.3662, abs=1e-3)  # far more when Oldham's residents are ignored
    alone = provision_measures(areas, assets).frame["access_e2sfca"]
    assert alone["E01005254"] > 5 * moston


def test_manchester_alone_equals_manchester_and_trafford_joined(shared_settings):
    alone = run_analysis("Manchester", Parameters(permutations=99), settings=shared_settings)
    joined = run_analysis(
        "Manchester,Trafford", Parameters(permutations=99), settings=shared_settings
    )
    codes = alone.areas.index
    assert len(joined.areas) > len(codes) + 100
    got, other = alone.areas, joined.areas.loc[codes]
    measures = [c for c in got if c.startswith(("access_e2sfca", "count_"))]
    assert len(measures) > 20
    assert set(measures) <= set(other.columns)  # Trafford's run sees every asset Manchester does
    for column in measures:
        np.testing.assert_allclose(got[column], other[column], rtol=1e-9, atol=0, err_msg=column)
    nearest = [c for c in got if c.startswith("nearest_") and c in other]
    for column in nearest:
        within = got[column] <= 2000  # anything nearer lies in Manchester's own buffer
        np.testing.assert_allclose(got.loc[within, column], other.loc[within, column], rtol=1e-12)
    assert any("compete for the same assets" in n for n in alone.notes)
