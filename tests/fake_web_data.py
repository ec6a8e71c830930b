"""What the fake official web serves: the tiny mirror's areas as the services publish them.

The ArcGIS layers (lookup, boundaries, centroids, authorities, the LSOA 2011
bridge, regions), the IoD files, the Nomis tables and the OpenStreetMap
elements, in the official layouts and column names; served by
:class:`tests.fake_web.FakeWeb`.
"""

from __future__ import annotations

import csv
import io

import shapely

from geo.sources.census import TABLES
from tests.tiny_mirror import OTHERBY, TESTHAM, X0, Y0, squares

MAX_RECORDS = 4  # the layers' maxRecordCount: every layer of the region takes several pages
NOMIS_ROWS = 40  # page size forced on the client so Nomis paging happens too

LOOKUP = "LSOA21_WD24_LAD24_EW_LU"
BOUNDARIES = "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5"
CENTROIDS = "LSOA_PopCentroids_EW_2021_V4"
LADS = "Local_Authority_Districts_May_2024_Boundaries_UK_BGC"
BRIDGE = "LSOA11_LSOA21_LAD22_EW_LU_v5"
REGIONS = "LAD24_RGN24_EN_LU"

TESTHAM_CODES = [f"E019000{i:02d}" for i in range(1, 10)]

# LSOA 2011 → 2021: E01900003 and E01900004 are the two halves of a split
# 2011 area; E01900005 is two 2011 areas merged; the rest are unchanged.
BRIDGE_ROWS = [
    ("E01800001", "E01900001", "U"),
    ("E01800002", "E01900002", "U"),
    ("E01800003", "E01900003", "S"),
    ("E01800003", "E01900004", "S"),
    ("E01800005", "E01900005", "M"),
    ("E01800006", "E01900005", "M"),
    ("E01800007", "E01900006", "U"),
    ("E01800008", "E01900007", "U"),
    ("E01800009", "E01900008", "U"),
    ("E01800010", "E01900009", "U"),
    ("E01800011", "E01900010", "U"),
]
IOD2019_SCORE = {f"E018000{i:02d}": 10.0 * i for i in range(1, 12)}
IOD2019_POPULATION = {f"E018000{i:02d}": 1000 * i for i in range(1, 12)}


# --------------------------------------------------------------------------
# The fake official web
# --------------------------------------------------------------------------


def _feature(props: dict, geometry: object | None) -> dict:
    return {"props": props, "geometry": geometry}


def layers() -> dict[str, dict]:
    """Service name → fields (name, ArcGIS type), geometry type and features."""
    sq = squares()
    wgs = sq.to_crs(4326)
    la_name = {TESTHAM: "Testham", OTHERBY: "Otherby"}
    wards = {}
    for i, code in enumerate(sq["code"]):
        lad = sq["lad"].iloc[i]
        row = ("South", "Central", "North")[min(i // 3, 2)] if lad == TESTHAM else "Central"
        wards[code] = (f"E0599990{1 + (i // 3 if lad == TESTHAM else 3)}", f"{la_name[lad]} {row}")
    text = "esriFieldTypeString"
    lookup = [
        _feature(
            {
                "LSOA21CD": c,
                "LSOA21NM": n,
                "WD24CD": wards[c][0],
                "WD24NM": wards[c][1],
                "LAD24CD": lad,
                "LAD24NM": la_name[lad],
            },
            None,
        )
        for c, n, lad in zip(sq["code"], sq["name"], sq["lad"], strict=True)
    ]
    polygons = [
        _feature({"LSOA21CD": c, "LSOA21NM": n}, shapely.geometry.mapping(g))
        for c, n, g in zip(wgs["code"], wgs["name"], wgs.geometry, strict=True)
    ]
    points_wgs = squares().assign(geometry=[g.centroid for g in sq.geometry]).to_crs(4326)
    points = [
        _feature({"LSOA21CD": c}, shapely.geometry.mapping(g))
        for c, g in zip(points_wgs["code"], points_wgs.geometry, strict=True)
    ]
    lad_shapes = wgs.dissolve(by="lad")
    lads = [
        _feature({"LAD24CD": lad, "LAD24NM": la_name[lad]}, shapely.geometry.mapping(g))
        for lad, g in zip(lad_shapes.index, lad_shapes.geometry, strict=True)
    ]
    bridge = [
        _feature({"LSOA11CD": a, "LSOA21CD": b, "CHGIND": chg, "LAD22CD": TESTHAM}, None)
        for a, b, chg in BRIDGE_ROWS
    ]
    bridge[-1]["props"]["LAD22CD"] = OTHERBY
    return {
        LOOKUP: {
            "fields": [(f, text) for f in lookup[0]["props"]],
            "geometry": None,
            "features": lookup,
        },
        BOUNDARIES: {
            "fields": [("LSOA21CD", text), ("LSOA21NM", text)],
            "geometry": "esriGeometryPolygon",
            "features": polygons,
        },
        CENTROIDS: {
            "fields": [("LSOA21CD", text)],
            "geometry": "esriGeometryPoint",
            "features": points,
        },
        LADS: {
            "fields": [("LAD24CD", text), ("LAD24NM", text)],
            "geometry": "esriGeometryPolygon",
            "features": lads,
        },
        BRIDGE: {
            "fields": [(f, text) for f in ("LSOA11CD", "LSOA21CD", "CHGIND", "LAD22CD")],
            "geometry": None,
            "features": bridge,
        },
        REGIONS: {
            "fields": [(f, text) for f in ("LAD24CD", "LAD24NM", "RGN24CD", "RGN24NM")],
            "geometry": None,
            "features": [
                _feature(
                    {
                        "LAD24CD": lad,
                        "LAD24NM": name,
                        "RGN24CD": "E12000002",
                        "RGN24NM": "North West",
                    },
                    None,
                )
                for lad, name in la_name.items()
            ],
        },
    }


def iod2025_csv() -> bytes:
    sq = squares()
    header = [
        "LSOA code (2021)",
        "LSOA name (2021)",
        "Local Authority District code (2024)",
        "Local Authority District name (2024)",
        "Index of Multiple Deprivation (IMD) Score",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
        "Income Score (rate)",
        "Income Rank (where 1 is most deprived)",
        "Income Decile (where 1 is most deprived 10% of LSOAs)",
        "Employment Score (rate)",
        "Employment Rank (where 1 is most deprived)",
        "Employment Decile (where 1 is most deprived 10% of LSOAs)",
        "Total population: mid 2022",
        "Dependent Children aged 0-15: mid 2022",
        "Older population aged 60 and over: mid 2022",
        "Working age population 18-66 (for use with Employment Deprivation Domain): mid 2022",
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for i, (code, name, lad) in enumerate(zip(sq["code"], sq["name"], sq["lad"], strict=True)):
        writer.writerow(
            [
                code,
                name,
                lad,
                "Testham" if lad == TESTHAM else "Otherby",
                f"{10.0 + i:.3f}",
                1000 * (10 - i),
                10 - i,
                f"{0.01 * (i + 1):.3f}",
                1000 * (10 - i),
                10 - i,
                f"{0.02 * (i + 1):.3f}",
                1000 * (10 - i),
                10 - i,
                1500 + 10 * i,
                300,
                400,
                900,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def iod2019_csv() -> bytes:
    header = [
        "LSOA code (2011)",
        "LSOA name (2011)",
        "Local Authority District code (2019)",
        "Local Authority District name (2019)",
        "Index of Multiple Deprivation (IMD) Score",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
        "Income Score (rate)",
        "Income Rank (where 1 is most deprived)",
        "Income Decile (where 1 is most deprived 10% of LSOAs)",
        "Total population: mid 2015 (excluding prisoners)",
        "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
        "Population aged 16-59: mid 2015 (excluding prisoners)",
        "Older population aged 60 and over: mid 2015 (excluding prisoners)",
        "Working age population 18-59/64: for use with Employment Deprivation Domain "
        "(excluding prisoners) ",
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for i, code in enumerate(sorted(IOD2019_SCORE), start=1):
        rank = 3000 * (12 - i)
        writer.writerow(
            [
                code,
                f"Oldham {i:03d}A",
                TESTHAM if i < 11 else OTHERBY,
                "Testham" if i < 11 else "Otherby",
                f"{IOD2019_SCORE[code]:.3f}",
                rank,
                min(10, -(-rank * 10 // 32844)),
                f"{0.01 * i:.3f}",
                rank,
                min(10, -(-rank * 10 // 32844)),
                IOD2019_POPULATION[code],
                200,
                600,
                IOD2019_POPULATION[code] - 800,
                650,
            ]
        )
    return out.getvalue().encode("utf-8")


def nomis_categories() -> dict[str, list[str]]:
    """Nomis dataset id → category labels as the API spells them (the total first)."""
    ages = [f"Aged {a} to {a + 4} years" for a in range(5, 85, 5)]
    by_table = {
        "ts001": [
            "Total: All usual residents",
            "Lives in a household",
            "Lives in a communal establishment",
        ],
        "ts002": [
            "Total: All usual residents aged 16 and over",
            "Never married and never registered a civil partnership",
            "Married or in a registered civil partnership",
            "Separated, but still legally married or still legally in a civil partnership",
            "Divorced or civil partnership dissolved",
            "Widowed or surviving civil partnership partner",
        ],
        "ts003": [
            "Total: All households",
            "One-person household",
            "One-person household: Aged 66 years and over",
            "One-person household: Other",
            "Single family household",
            "Single family household: All aged 66 years and over",
            "Single family household: Couple family household",
            "Single family household: Lone parent household",
            "Other household types",
        ],
        "ts007a": ["Total", "Aged 4 years and under", *ages, "Aged 85 years and over"],
        "ts017": [
            "Total: All household spaces",
            "0 people in household",
            "1 person in household",
            *[f"{n} people in household" for n in range(2, 8)],
            "8 or more people in household",
        ],
        "ts037": [
            "Total: All usual residents",
            "Very good health",
            "Good health",
            "Fair health",
            "Bad health",
            "Very bad health",
        ],
        "ts038": [
            "Total: All usual residents",
            "Disabled under the Equality Act",
            "Disabled under the Equality Act: Day-to-day activities limited a lot",
            "Disabled under the Equality Act: Day-to-day activities limited a little",
            "Not disabled under the Equality Act",
        ],
        "ts039": [
            "Total: All usual residents aged 5 and over",
            "Provides no unpaid care",
            "Provides 19 hours or less unpaid care a week",
            "Provides 20 to 49 hours unpaid care a week",
            "Provides 50 or more hours unpaid care a week",
        ],
        "ts045": [
            "Total: All households",
            "No cars or vans in household",
            "1 car or van in household",
            "2 or more cars or vans in household",
        ],
        "ts054": [
            "Total: All households",
            "Owned",
            "Shared ownership",
            "Social rented",
            "Social rented: Rents from council or Local Authority",
            "Social rented: Other social rented",
            "Private rented",
            "Private rented: Private landlord or letting agency",
            "Private rented: Other private rented",
            "Lives rent free",
        ],
    }
    return {TABLES[t].nomis_id: labels for t, labels in by_table.items()}


def ts001_values(i: int) -> list[int]:
    """TS001 counts of the i-th area (0-based): total, in households, communal."""
    communal = 10 * (i % 2)
    total = 1000 + 100 * i
    return [total, total - communal, communal]


def ts003_values(i: int) -> list[int]:
    """TS003 counts of the i-th area, in the order of its categories."""
    old, other = 50 + i, 70 + 4 * i
    one = old + other
    family_old, couple, lone = 30, 200 + i, 40
    family = family_old + couple + lone
    rest = 25
    return [one + family + rest, one, old, other, family, family_old, couple, lone, rest]


def _generic_values(i: int, labels: list[str]) -> list[int]:
    parts = [5 * (k + 1) + i for k in range(len(labels) - 1)]
    return [sum(parts), *parts]


def table_values(table: str, i: int, labels: list[str]) -> list[int]:
    """The counts of the i-th area in a table, in the order of its categories."""
    if table == "ts001":
        return ts001_values(i)
    if table == "ts003":
        return ts003_values(i)
    return _generic_values(i, labels)


OVERPASS_HEAD = {
    "version": 0.6,
    "generator": "Overpass API 0.7.62.4 2390de5a",
    "osm3s": {
        "timestamp_osm_base": "2025-11-20T10:21:43Z",
        "copyright": "The data included in this document is from www.openstreetmap.org. "
        "The data is made available under ODbL.",
    },
}


def _lonlat(x: float, y: float) -> tuple[float, float]:
    import geopandas as gpd

    point = gpd.GeoSeries([shapely.Point(x, y)], crs="EPSG:27700").to_crs(4326).iloc[0]
    return round(point.x, 7), round(point.y, 7)


def overpass_elements() -> list[dict]:
    def node(osm_id: int, x: float, y: float, tags: dict) -> dict:
        lon, lat = _lonlat(x, y)
        return {"type": "node", "id": osm_id, "lat": lat, "lon": lon, "tags": tags}

    church_lon, church_lat = _lonlat(X0 + 1500, Y0 + 1500)
    return [
        node(101, X0 + 500, Y0 + 500, {"amenity": "library", "name": "Testham Library"}),
        node(102, X0 + 2500, Y0 + 2500, {"amenity": "pub", "name": "The Corner Arms"}),
        {
            "type": "way",
            "id": 201,
            "center": {"lat": church_lat, "lon": church_lon},
            "nodes": [1, 2, 3, 4, 1],
            "tags": {
                "amenity": "place_of_worship",
                "religion": "christian",
                "building": "church",
                "name": "St Test's Church",
            },
        },
        # over the border in Otherby, within the buffer: kept, not in the region
        node(103, X0 + 3500, Y0 + 500, {"amenity": "community_centre", "name": "Otherby Hall"}),
        # a shop: not a community asset
        node(104, X0 + 1200, Y0 + 800, {"shop": "bakery", "name": "Testham Bakery"}),
        # far away: outside any query box for Testham
        node(105, X0 + 50_000, Y0 + 50_000, {"amenity": "library", "name": "Far Library"}),
    ]


def overpass_places() -> list[dict]:
    """The place names OpenStreetMap has in and near Testham (answering a place query)."""
    lon, lat = _lonlat(X0 + 1000, Y0 + 1000)
    far_lon, far_lat = _lonlat(X0 + 50_000, Y0 + 50_000)
    return [
        {
            "type": "node",
            "id": 301,
            "lat": lat,
            "lon": lon,
            "tags": {"place": "town", "name": "Testham"},
        },
        {
            "type": "node",
            "id": 302,
            "lat": far_lat,
            "lon": far_lon,
            "tags": {"place": "city", "name": "Farchester"},
        },
    ]
