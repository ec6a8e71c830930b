"""Assets are chosen by where they are, not by the authorities a register lists.

The tiny mirror's Testham is a 3 × 3 km grid at BNG (400000, 300000) with
Otherby, one 1 km square, to its east.  Added here: local authority
boundaries for Testham, Otherby and Farshire (a square 20 km away), and two
registers that list only Otherby or only Farshire.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.config import Settings
from geo.region import load_region
from geo.sources.assets import authorities_within
from tests.tiny_mirror import OTHERBY, TESTHAM, X0, Y0, _asset_points, write_mirror

FARSHIRE = "E09999903"


def _write_extra(root, sources) -> None:
    lads = gpd.GeoDataFrame(
        {
            "LAD24CD": [TESTHAM, OTHERBY, FARSHIRE],
            "LAD24NM": ["Testham", "Otherby", "Farshire"],
        },
        geometry=[
            shapely.box(X0, Y0, X0 + 3000, Y0 + 3000),
            shapely.box(X0 + 3000, Y0, X0 + 4000, Y0 + 1000),
            shapely.box(X0 + 20_000, Y0, X0 + 21_000, Y0 + 1000),
        ],
        crs=27700,
    ).to_crs(4326)
    (root / "lads.geojson").write_text(lads.to_json(), encoding="utf-8")
    points = {
        "otherby.csv": [("Otherby Park", X0 + 3600, Y0 + 600), ("Otherby Far Park", X0 + 9000, Y0)],
        "farshire.csv": [("Farshire Park", X0 + 3500, Y0 + 2500)],  # near Testham all the same
    }
    for name, rows in points.items():
        lines = ["name,lon,lat", *(f'"{n}",{lon},{lat}' for n, lon, lat in _asset_points(rows))]
        (root / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    extra = '\n[datasets.lad_boundaries]\npath = "lads.geojson"\n'
    for name, source, lad in (("otherby.csv", "otherby_parks", OTHERBY),
                              ("farshire.csv", "farshire_parks", FARSHIRE)):  # fmt: skip
        extra += f"""
[[assets]]
format = "table"
path = "{name}"
source = "{source}"
title = "{source}"
category = "park"
licence = "OGL-UK-3.0"
attribution = "Test"
covers = ["{lad}"]
"""
    sources.write_text(sources.read_text(encoding="utf-8") + extra, encoding="utf-8")


@pytest.fixture()
def mirror(tmp_path):
    root = tmp_path / "mirror"
    sources = write_mirror(root)
    _write_extra(root, sources)
    return Settings(sources_file=sources, offline=True, cache_dir=tmp_path / "cache")


def test_a_neighbours_register_contributes_its_points_near_the_border(mirror):
    region = load_region("Testham", settings=mirror, use_cache=False)
    names = set(region.assets["name"])
    assert "Otherby Park" in names  # listed for Otherby only, 600 m from Testham
    assert "Otherby Far Park" not in names  # same register, 6 km out: beyond the buffer
    # Farshire's register is not opened: its authority is far from Testham and its buffer,
    # even though (by a data error) it holds a point inside the buffer.
    assert "Farshire Park" not in names
    sources = {r.dataset for r in region.provenance}
    assert "otherby_parks" in sources and "farshire_parks" not in sources
    assert not any("boundaries are unavailable" in n for n in region.notes)


def test_without_authority_boundaries_only_own_registers_open_and_a_note_says_so(tmp_path):
    sources = write_mirror(tmp_path / "m")
    text = sources.read_text(encoding="utf-8")
    sources.write_text(
        text.replace('category = "library"', 'category = "library"\ncovers = ["E09999902"]')
    )
    settings = Settings(sources_file=sources, offline=True, cache_dir=tmp_path / "c")
    region = load_region("Testham", settings=settings, use_cache=False)
    assert len(region.assets) == 0
    assert any("boundaries are unavailable" in n for n in region.notes)


def test_authorities_within_the_buffer_by_hand():
    lads = gpd.GeoDataFrame(
        geometry=[
            shapely.box(0, 0, 1000, 1000),
            shapely.box(1000, 0, 2000, 1000),  # touches
            shapely.box(3500, 0, 4000, 1000),  # 2.5 km from the area
            shapely.box(2999, 0, 3200, 1000),  # 1,999 m from the area
        ],
        index=["L1", "L2", "L3", "L4"],
        crs=27700,
    )
    areas = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1000, 1000)], crs=27700)
    assert authorities_within(lads, areas, ["L1"], 2000) == ("L1", "L2", "L4")
    assert authorities_within(lads, areas, ["L1"], 2500) == ("L1", "L2", "L3", "L4")
    assert authorities_within(lads, areas.iloc[:0], ["L1"], 2000) == ("L1",)


TRAFFORD_ONLY = (
    "trafford_active_places",
    "trafford_gp_practices",
    "trafford_greenspace",
    "trafford_allotments",
)


@pytest.mark.shared_data
@pytest.mark.slow
def test_trafford_only_registers_serve_manchester_residents_near_the_border(shared_settings):
    region = load_region("Manchester", settings=shared_settings)
    assets = region.assets
    listed = {a.source: a.covers for a in _asset_files(shared_settings)}
    for source in TRAFFORD_ONLY:
        assert listed[source] == ("E08000009",)  # the register lists Trafford only
        mine = assets[assets["source"] == source]
        assert len(mine) > 0, source
        assert any(r.dataset == source for r in region.provenance)
    trafford = assets[assets["source"].isin(TRAFFORD_ONLY)]
    assert len(trafford) > 100
    # each lies within 2 km of a Manchester LSOA and most lie outside Manchester
    tree = shapely.STRtree(region.areas.geometry.values)
    near = tree.query(trafford.geometry.values, predicate="dwithin", distance=2000.0)[0]
    assert set(near) == set(range(len(trafford)))
    assert (~trafford["in_region"]).mean() > 0.9
    # a register for far-away authorities is still not opened
    assert not any(r.dataset.startswith("osm_norwich") for r in region.provenance)


def _asset_files(settings: Settings):
    from geo.sources.registry import load_sources

    return load_sources(settings.sources_file).asset_files
