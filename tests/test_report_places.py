"""Place names in the report: page 1 names the village beside the ward, maps name a few."""

from __future__ import annotations

import re

import pytest
from matplotlib.figure import Figure

from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report import report_html
from geo.report.mapoverlays import place_labels
from geo.report.staticmaps import places_inside
from geo.report.summary import top_places


@pytest.fixture(scope="module")
def rutland(rutland_settings):
    return run_analysis("Rutland", Parameters(permutations=99), settings=rutland_settings)


def test_page_one_names_the_nearest_place_beside_the_ward(rutland):
    places = top_places(rutland)
    assert places and all(p.localities for p in places)
    names = set(rutland.region.places["name"])
    for place in places:
        assert set(place.localities) <= names
        *rest, last = place.localities
        named = f"{', '.join(rest)} and {last}" if rest else last
        assert place.where == f"{named}, in {place.ward} ward"
    html = report_html(rutland)
    first = places[0]
    assert f'<p class="place-where">{first.where}</p>' in html.replace("&#39;", "'")


def test_without_place_names_page_one_names_wards_alone(rutland, rutland_settings):
    import dataclasses

    from geo.sources.osm_places import empty_places

    region = dataclasses.replace(rutland.region, places=empty_places())
    bare = run_analysis(region, rutland.parameters, settings=rutland_settings)
    places = top_places(bare)
    assert [p.ward for p in places] == [p.ward for p in top_places(rutland)]
    assert all(p.where == "" for p in places)
    assert 'class="place-where"' not in report_html(bare)


def test_map_names_at_most_n_places_inside_the_map_without_overlap(rutland):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    areas = rutland.areas
    fig = Figure(figsize=(7, 4.35), dpi=170)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    x0, y0, x1, y1 = areas.total_bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    inside = places_inside(rutland.region.places, areas)
    placed = place_labels(ax, inside, limit=6)
    names = [n for n, _ in placed]
    assert 3 <= len(placed) <= 6
    assert names[:2] == ["Oakham", "Uppingham"]  # towns first, then villages
    kinds = dict(zip(inside["name"], inside["kind"], strict=False))
    assert all(kinds[n] == "village" for n in names[2:])
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    for i, (_, box) in enumerate(placed):
        assert frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
        assert not any(box.overlaps(other) for _, other in placed[i + 1 :])
    assert len(ax.texts) == len(placed)  # the labels left out were removed


def test_directory_gives_a_postcode_or_the_nearest_place_instead_of_a_blank(rutland):
    from geo.report.directory import _postcode, directory_context, directory_table

    table = directory_table(rutland)
    assert table["where"].str.strip().ne("").all()
    by_id = table.set_index("asset_id")
    assets = rutland.assets.set_index("asset_id")
    no_address = assets["address"].fillna("").eq("").reindex(by_id.index)
    # coordinates alone: the nearest town or village and the ward
    near = by_id.loc[no_address & by_id["where"].str.startswith("near ")]
    assert len(near) >= 10
    sample = near.iloc[0]
    place, ward = sample["where"].removeprefix("near ").split(", ", 1)
    assert place in set(rutland.region.places["name"])
    assert ward == f"{sample['ward']} ward"
    assert not by_id["located"][by_id["where"].str.startswith("near ")].any()
    # a source that recorded only a postcode (OSM addr:postcode, a register's column) shows it
    assert _postcode('{"addr:postcode": "le15 6qs", "amenity": "pub"}') == "LE15 6QS"
    assert _postcode('{"Postcode": "LE15 6AY"}') == "LE15 6AY"
    assert _postcode('{"name": "x"}') == _postcode("not json") == ""
    context = directory_context(rutland)
    rows = [r for g in context["groups"] for r in g["rows"]]
    assert not any(re.fullmatch(r"-?\d+\.\d+, -?\d+\.\d+", r["where"]) for r in rows)


def test_report_prose_shows_no_raw_column_names(rutland):
    """Sentences use words; column names appear only marked as code (the data notes)."""
    html = report_html(rutland)
    html = re.sub(r"<(style|code|pre|table)\b[^>]*>.*?</\1>", " ", html, flags=re.S)
    found = {}
    for tag in ("p", "li", "figcaption", "h2", "h3", "dd", "caption"):
        for para in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, flags=re.S):
            words = " ".join(re.sub(r"<[^>]+>", " ", para).split())
            for token in re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", words):
                found.setdefault(token, words[:120])
    assert found == {}
