"""The app's access layer and the report's access map put every area in the same class."""

from __future__ import annotations

import pytest

from geo import maps
from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report import staticmaps

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def test_app_layer_and_report_map_class_every_trafford_area_alike(shared_settings):
    from ui import mapview

    result = run_analysis("Trafford", Parameters(permutations=99), settings=shared_settings)
    shown = mapview.classes(result, mapview.View(layer="access"))
    props = mapview.area_properties(result, shown)
    layer = maps.feature_collection(maps.simplified_geometries(result.region.areas), props)
    app = {f["id"]: f["properties"]["colour"] for f in layer["features"]}
    report = staticmaps.access_colours(result).colour

    class_of = {colour: i for i, (colour, _) in enumerate(shown.legend)}
    class_of[maps.NO_DATA] = -1
    assert len(app) == len(result.areas) == len(report)
    assert {code: class_of[c] for code, c in app.items()} == {
        str(code): class_of[c] for code, c in report.items()
    }
    # Trafford has areas in every class: none within reach apart, then fifths
    counts = report.map(class_of).value_counts()
    assert len(shown.legend) == 6 and set(counts.index) >= set(range(1, 6))
    fifths = counts.reindex(range(1, 6))
    assert fifths.max() - fifths.min() <= 2
