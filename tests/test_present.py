"""What the app's maps and the report share (geo.present): breaks, classes, labels, repair."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.params import Parameters
from geo.present import breaks, classes, geometry, labels, palettes

PROJECT = Path(__file__).resolve().parent.parent


def test_quantile_breaks_are_fifths_and_merge_repeats():
    edges = breaks.quantile_breaks(np.arange(1, 11, dtype=float))
    assert list(edges) == pytest.approx([1.0, 2.8, 4.6, 6.4, 8.2, 10.0])
    assert list(breaks.quantile_breaks([3.0, 3.0, 3.0, np.nan, np.inf])) == [3.0, 3.0]
    assert list(breaks.quantile_breaks([0.0] * 9 + [1.0])) == [0.0, 1.0]
    assert len(breaks.quantile_breaks([np.nan])) == 0


def test_classify_puts_each_value_in_one_class_on_the_chosen_side():
    edges = np.array([0.0, 1.0, 2.0])
    right = breaks.classify([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, np.nan], edges)
    assert list(right[:5]) == [0, 0, 0, 1, 1] and np.isnan(right[5:]).all()
    left = breaks.classify([0.0, 1.0, 2.0], edges, right=False)
    assert list(left) == [0, 1, 1]


def test_access_bins_keep_no_access_and_missing_out_of_the_fifths():
    values = pd.Series([0.0, np.nan, *np.arange(1, 11, dtype=float)])
    bins, edges = classes.access_bins(values)
    assert bins.iloc[:2].isna().all()
    assert edges[0] == 1.0 and edges[-1] == 10.0
    assert bins.iloc[2:].value_counts().sort_index().tolist() == [2, 2, 2, 2, 2]


def test_labels_name_categories_and_models():
    assert labels.category_label("user_knit_club") == "Knit club (your data)"
    assert labels.category_label("library") == "Library"
    assert "65+" in labels.model_label("older")
    assert "all ages" in labels.model_label("all-ages")
    assert len(labels.model_label("all-ages", short=True)) < len(labels.model_label("all-ages"))


def test_polygon_repair_keeps_valid_polygons_as_they_are():
    square = shapely.box(0, 0, 1, 1)
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    out = geometry.polygonal([square, bowtie, None])
    assert out[0] is square
    assert out[1].is_valid and out[1].area == pytest.approx(2.0)
    assert out[2] is None


def test_geo_present_and_the_report_need_no_map_library():
    code = (
        "import sys, geo.present.classes, geo.report, geo.report.staticmaps; "
        "assert 'folium' not in sys.modules and 'geo.maps' not in sys.modules"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_static_maps_draw_an_invalid_polygon(tiny_result):
    from geo.report import staticmaps

    areas = tiny_result.areas.copy()
    x0, y0, x1, y1 = areas.geometry.iloc[0].bounds
    bowtie = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])
    areas.loc[areas.index[0], "geometry"] = bowtie
    broken = tiny_result.replace(areas=areas)
    pngs = staticmaps.all_maps(broken)
    assert all(png.startswith(b"\x89PNG") for png in pngs.values())
    colours = staticmaps.access_colours(broken).colour
    assert set(colours) <= {*palettes.ACCESS_COLOURS, palettes.NO_ACCESS, palettes.NO_DATA}


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    from geo.config import Settings
    from geo.pipeline import run_analysis
    from tests.tiny_mirror import write_mirror

    root = tmp_path_factory.mktemp("present")
    settings = Settings(
        sources_file=write_mirror(root / "mirror"), offline=True, cache_dir=root / "cache"
    )
    return run_analysis("Testham", Parameters(permutations=99), settings=settings)
