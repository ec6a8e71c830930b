"""A tiny local mirror of the official datasets, in their real layouts.

Two local authorities side by side: ``E09999901`` "Testham" is a 3×3 grid of
square 1 km LSOAs (``E01900001``…``E01900009``) with its south-west corner at
BNG (400000, 300000); ``E09999902`` "Otherby" is one 1 km square to its east
(``E01900010``).  Values are chosen so answers can be worked out by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely

TESTHAM = "E09999901"
OTHERBY = "E09999902"
#: The header of an OS Code-Point Open CSV, for tests that add postcodes to the mirror.
CODEPOINT_HEADER = (
    "Postcode,Positional_quality_indicator,Eastings,Northings,Country_code,"
    "NHS_regional_HA_code,NHS_HA_code,Admin_county_code,Admin_district_code,Admin_ward_code"
)
X0, Y0, SIDE = 400_000.0, 300_000.0, 1_000.0


def grid_codes() -> list[str]:
    return [f"E019000{i:02d}" for i in range(1, 11)]


def squares() -> gpd.GeoDataFrame:
    rows = []
    for i in range(9):
        col, row = i % 3, i // 3
        x, y = X0 + col * SIDE, Y0 + row * SIDE
        rows.append(
            (
                f"E019000{i + 1:02d}",
                f"Testham 00{i + 1}A",
                TESTHAM,
                shapely.box(x, y, x + SIDE, y + SIDE),
            )
        )
    x = X0 + 3 * SIDE
    rows.append(("E01900010", "Otherby 001A", OTHERBY, shapely.box(x, Y0, x + SIDE, Y0 + SIDE)))
    return gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "name": [r[1] for r in rows], "lad": [r[2] for r in rows]},
        geometry=[r[3] for r in rows],
        crs="EPSG:27700",
    )


def write_mirror(root: Path, *, with_census: bool = True, hostile_name: str | None = None) -> Path:
    """Write the mirror files and a sources file; return the sources file path."""
    root.mkdir(parents=True, exist_ok=True)
    sq = squares()

    lookup = ["lsoa21_name,lsoa21_code,ward24_name,ward24_code,ltla24_name,ltla24_code"]
    for code, name, lad in zip(sq["code"], sq["name"], sq["lad"], strict=True):
        la = "Testham" if lad == TESTHAM else "Otherby"
        lookup.append(f"{name},{code},{la} Central,E059999{code[-2:]},{la},{lad}")
    (root / "lookup.csv").write_text("\n".join(lookup) + "\n", encoding="utf-8")

    wgs = sq.to_crs(4326)
    features = [
        {
            "type": "Feature",
            "properties": {"LSOA21CD": c, "LSOA21NM": n},
            "geometry": shapely.geometry.mapping(g),
        }
        for c, n, g in zip(wgs["code"], wgs["name"], wgs.geometry, strict=True)
    ]
    (root / "lsoa21.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )

    # centroids: the middle of each square, as BNG X/Y
    cen = ["LSOA21CD,X,Y"] + [
        f"{c},{g.centroid.x},{g.centroid.y}" for c, g in zip(sq["code"], sq.geometry, strict=True)
    ]
    (root / "centroids.csv").write_text("\n".join(cen) + "\n", encoding="utf-8")

    header = (
        "LSOA code (2021),Index of Multiple Deprivation (IMD) Score,"
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
        "Income Score (rate),Income Rank (where 1 is most deprived),"
        "Income Decile (where 1 is most deprived 10% of LSOAs)"
    )
    iod = [header] + [
        f"{c},{10.0 + i},{1000 * (10 - i)},{10 - i},{0.01 * (i + 1):.2f},{1000 * (10 - i)},{10 - i}"
        for i, c in enumerate(sq["code"][:9])  # Otherby has no IoD row
    ]
    (root / "iod2025.csv").write_text("\n".join(iod) + "\n", encoding="utf-8")

    if with_census:
        ts001 = [
            '"date","geography","geography code","Residence type: Total; measures: Value",'
            '"Residence type: Lives in a household; measures: Value",'
            '"Residence type: Lives in a communal establishment; measures: Value"'
        ] + [
            f'"2021","{n}","{c}",{1000 + 100 * i},{1000 + 100 * i},0'
            for i, (c, n) in enumerate(zip(sq["code"], sq["name"], strict=True))
        ]
        (root / "ts001.csv").write_text("\n".join(ts001) + "\n", encoding="utf-8")

    name = hostile_name or "Testham Library"
    assets = [
        "name,lon,lat",
        *(
            f'"{nm}",{lon},{lat}'
            for nm, lon, lat in _asset_points(
                [(name, X0 + 500, Y0 + 500), ("Corner Library", X0 + 2500, Y0 + 2500),
                 ("Over The Border Library", X0 + 3500, Y0 + 500),
                 ("Far Away Library", X0 + 50_000, Y0 + 50_000)]
            )
        ),
    ]  # fmt: skip
    (root / "libraries.csv").write_text("\n".join(assets) + "\n", encoding="utf-8")

    sources = root / "sources.toml"
    sources.write_text(
        f"""
base = "."
[datasets.lsoa21_lookup]
path = "lookup.csv"
[datasets.lsoa21_boundaries]
path = "lsoa21.geojson"
[datasets.lsoa21_centroids]
path = "centroids.csv"
[datasets.iod2025]
path = "iod2025.csv"
{"[datasets.census_ts001]" + chr(10) + 'path = "ts001.csv"' if with_census else ""}

[[assets]]
format = "table"
path = "libraries.csv"
source = "test_libraries"
title = "Test libraries"
category = "library"
licence = "OGL-UK-3.0"
attribution = "Test attribution"
""",
        encoding="utf-8",
    )
    return sources


def _asset_points(points: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    geo = gpd.GeoSeries([shapely.Point(x, y) for _, x, y in points], crs="EPSG:27700").to_crs(4326)
    return [(n, round(p.x, 7), round(p.y, 7)) for (n, _, _), p in zip(points, geo, strict=True)]
