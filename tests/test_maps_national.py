"""Every English and Welsh local authority's map layer draws from the real boundaries.

Reads the national LSOA 2021 boundary layer once, groups it by local
authority through the ONS lookup, and builds for each authority the GeoJSON
layer the app sends to the browser (and, for the authorities with their own
detailed boundary file, from that file too, as the app does for them).
"""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from geo import maps
from geo.sources.boundaries import read_lsoa21_boundaries

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

NATIONAL = "boundaries/national_geographr/boundaries_lsoa21.geojson.gz"
LOOKUP = "lookups/geographr_lookup_lsoa21_ward24_ltla24.csv"
DETAILED = "boundaries/drkane_by_lad/lsoa"


def _layer_shapes(areas) -> tuple[list[str], list[shapely.Geometry]]:
    """The feature ids and shapes of the app's GeoJSON layer for these areas."""
    props = pd.DataFrame(
        {"name": areas["lsoa21nm"].astype(str), "colour": "#123456"}, index=areas.index
    )
    layer = maps.feature_collection(maps.simplified_geometries(areas), props)
    ids = [f["id"] for f in layer["features"]]
    return ids, [shapely.geometry.shape(f["geometry"]) for f in layer["features"]]


def _problems(lad: str, areas, ids, shapes) -> list[str]:
    out = []
    if sorted(ids) != sorted(map(str, areas.index)):
        out.append(f"{lad}: {len(ids)} features for {len(areas)} LSOAs")
    geoms = shapely.from_wkb(shapely.to_wkb(shapes)) if shapes else []
    for code, geom in zip(ids, geoms, strict=True):
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            out.append(f"{lad} {code}: {geom.geom_type} (empty={geom.is_empty})")
        elif not geom.is_valid:
            out.append(f"{lad} {code}: {shapely.is_valid_reason(geom)}")
    return out


def test_every_authority_gets_one_valid_polygon_per_lsoa(shared_data):
    lookup = pd.read_csv(shared_data / LOOKUP, usecols=["lsoa21_code", "ltla24_code"])
    lookup = lookup[lookup["ltla24_code"].str[0].isin(["E", "W"])]
    lad_of = lookup.set_index("lsoa21_code")["ltla24_code"]
    national = read_lsoa21_boundaries(shared_data / NATIONAL)
    national = national[national.index.isin(lad_of.index)]
    groups = national.groupby(lad_of.reindex(national.index).to_numpy(), sort=True)
    assert groups.ngroups == lookup["ltla24_code"].nunique() > 300
    problems: list[str] = []
    drawn = 0
    for lad, areas in groups:
        ids, shapes = _layer_shapes(areas)
        problems += _problems(str(lad), areas, ids, shapes)
        drawn += len(ids)
    assert not problems, problems[:20]
    assert drawn == len(national) == len(lookup)


def test_authorities_with_detailed_boundaries_draw_too(shared_data):
    files = sorted((shared_data / DETAILED).glob("E*.geojson"))
    assert any(f.stem == "E06000009" for f in files)  # Blackpool, which once failed
    for path in files:
        areas = read_lsoa21_boundaries(path)
        ids, shapes = _layer_shapes(areas)
        assert not _problems(path.stem, areas, ids, shapes)


def test_a_polygon_that_reprojection_made_self_touching_is_repaired():
    # A valid ring in EPSG:27700 whose WGS84 image self-intersects by a hair is
    # the kind of geometry that made the precision step fail; any invalid
    # bow-tie stands for it here.
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    out = maps.rounded([bowtie, None, shapely.LineString([(0, 0), (1, 1)])], 5)
    assert out[0].is_valid and out[0].geom_type in ("Polygon", "MultiPolygon")
    assert out[0].area == pytest.approx(0.5)
    assert out[1] is None
    assert out[2].is_empty and out[2].geom_type == "Polygon"
