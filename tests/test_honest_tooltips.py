"""Access tooltips tell "not covered" (no source lists the kind here) from "none within
reach" (covered, none near) and from a distance, on the map and in the area panel."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import maps
from geo.present import reach
from tests.tiny_mirror import X0, Y0

NOT_COVERED = "not covered — no source lists library here"


def _areas() -> pd.DataFrame:
    # A: outside the library register's coverage; B: covered, none near; C: 700 m away
    return pd.DataFrame(
        {
            "nearest_library_m": [np.nan, np.nan, 700.0],
            "access_e2sfca_library": [np.nan, 0.0, 0.8],
        },
        index=["A", "B", "C"],
    )


COVERED = pd.Series([False, True, True], index=["A", "B", "C"])


def _map_html(shown: maps.Classes) -> str:
    boxes = [shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(3)]
    geoms = maps.simplified_geometries(
        gpd.GeoDataFrame(geometry=boxes, index=list("ABC"), crs=27700)
    )
    props = pd.DataFrame({"access": shown.text, "colour": shown.colour})
    layer = maps.feature_collection(geoms, props)
    m = maps.base_map((-2.3, 53.4, -2.2, 53.5), tiles=None)
    maps.choropleth_layer(
        layer, colour_property="colour", name=shown.title, tooltip_fields=["access"],
        tooltip_aliases=["Access"], m=m,
    )  # fmt: skip
    return m.get_root().render()


def test_walking_tooltips_tell_not_covered_from_none_listed_and_a_distance():
    shown = maps.access_classes(
        _areas(), measure="walk", category="library", category_label="Library",
        speed_m_s=1.0, covered=COVERED,
    )  # fmt: skip
    assert shown.text["A"] == NOT_COVERED
    assert shown.text["B"].startswith("none within reach")
    assert shown.text["C"] == "12 min walk (700 m)"
    html = _map_html(shown)
    assert "not covered \\u2014 no source lists library here" in html or NOT_COVERED in html
    assert "none within reach" in html and "12 min walk (700 m)" in html


def test_provision_tooltips_and_legend_tell_not_covered_from_none_within_the_catchment():
    shown = maps.access_classes(
        _areas(), measure="e2sfca", category="library", category_label="Library",
        catchment_m=1600, covered=COVERED,
    )  # fmt: skip
    assert shown.text["A"] == NOT_COVERED
    assert shown.text["B"] == "none within reach (1,600 m)"
    assert shown.text["C"] == "0.80 per 1,000 residents"
    assert shown.colour["A"] == maps.NO_DATA and shown.colour["B"] == maps.NO_ACCESS
    labels = [label for _, label in shown.legend]
    assert "not covered" in labels and "none within 1.6 km" in labels


def test_without_a_coverage_record_every_area_counts_as_covered():
    index = pd.Index(["A", "B"])
    assert reach.covered_areas(None, "library", index).all()
    shown = maps.access_classes(_areas(), measure="walk", category="library")
    assert NOT_COVERED not in set(shown.text)


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    from geo.config import Settings
    from geo.params import Parameters
    from geo.pipeline import run_analysis
    from tests.tiny_mirror import write_mirror

    root = tmp_path_factory.mktemp("reach")
    settings = Settings(
        sources_file=write_mirror(root / "mirror"), offline=True, cache_dir=root / "cache"
    )
    return run_analysis("Testham", Parameters(permutations=19), settings=settings)


def test_the_panel_lines_say_why_a_kind_has_no_figure(tiny_result):
    lines = dict(reach.area_reach(tiny_result, str(tiny_result.areas.index[0])))
    assert lines, "no kind of place counted"
    for text in lines.values():
        assert text.endswith("m)") or text.startswith(("not covered", "none within reach"))
    assert reach.area_reach(tiny_result, "E00000000") == []
