"""The official web services, faked on 127.0.0.1 for the online tests.

:class:`FakeWeb` answers the way
the real ones do, from the tiny mirror's areas (a 3×3 grid of 1 km LSOAs
"Testham" and one square "Otherby" to its east):

* **ArcGIS FeatureServer layers** (ONS Open Geography Portal): ``?f=pjson``
  with a small ``maxRecordCount`` so paging really happens,
  ``returnCountOnly``, paged ``resultOffset``/``resultRecordCount`` queries
  with ``exceededTransferLimit``, ``LSOA21CD IN (…)`` filters sent by POST, and
  errors as HTTP 200 bodies;
* **fixed files** (gov.uk): IoD2025 and IoD2019 File 7 in their official
  column names;
* **Nomis API** (``/api/v01/dataset/<id>.data.csv``) in its long CSV layout,
  paged with ``RecordOffset``/``RecordLimit``;
* **Overpass API** (POST ``data=<query>``) returning the elements inside the
  query's bounding box.

The registry used is ``geo/data/sources.toml`` with every ``https://`` address
pointed at the fake (``https://host/path`` → ``http://127.0.0.1:port/host/path``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import shapely

from geo.config import REGISTRY_FILE, Settings
from geo.sources.access import DataAccess
from geo.sources.census import TABLES
from geo.sources.registry import load_sources
from tests.helpers_http import LocalServer, Reply, Request, json_reply
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


def _layers() -> dict[str, dict]:
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


def _iod2025_csv() -> bytes:
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


def _iod2019_csv() -> bytes:
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


def _nomis_categories() -> dict[str, list[str]]:
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


def _table_values(table: str, i: int, labels: list[str]) -> list[int]:
    """The counts of the i-th area in a table, in the order of its categories."""
    if table == "ts001":
        return ts001_values(i)
    if table == "ts003":
        return ts003_values(i)
    return _generic_values(i, labels)


_OVERPASS_HEAD = {
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


def _overpass_elements() -> list[dict]:
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


def _overpass_places() -> list[dict]:
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


class FakeWeb:
    """Answers like the official services; records what it was asked.

    ``broken_layers`` answer every request with an ArcGIS error body (HTTP
    200); ``failing_nomis`` datasets answer with a Nomis error page (API and
    bulk zip); paths in ``missing_files`` answer 404.
    """

    def __init__(self) -> None:
        self.layers = _layers()
        self.files = {"IoD2025": _iod2025_csv(), "IoD2019": _iod2019_csv()}
        self.nomis = _nomis_categories()
        self.elements = _overpass_elements()
        self.places = _overpass_places()
        self.broken_layers: set[str] = set()
        self.failing_nomis: set[str] = set()
        self.missing_files: set[str] = set()
        self.overpass_failures = 0  # this many Overpass queries are answered 504 first
        self.sent: dict[str, int] = {}  # bytes of response bodies, by path
        self.nomis_busy = 0  # this many Nomis requests get the HTML "too many requests" page
        self.server = LocalServer(self.handle)

    # -- plumbing

    def __enter__(self) -> FakeWeb:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def hits(self, needle: str = "") -> int:
        """Requests whose path contains ``needle``."""
        return sum(1 for r in list(self.requests) if needle in r.path)

    def registry(self, folder: Path) -> Path:
        """``geo/data/sources.toml`` with every address on this server."""
        text = REGISTRY_FILE.read_text(encoding="utf-8")
        text = text.replace("https://", f"{self.url}/")
        nomis_api = f"{self.url}/www.nomisweb.co.uk/api/v01"
        text = text.replace('kind = "nomis", ', f'kind = "nomis", url = "{nomis_api}", ')
        # the census tables of the fake cover its ten LSOAs, not England and Wales
        text = text.replace("expected_rows = 35672", f"expected_rows = {len(squares())}")
        assert "https://" not in text
        path = folder / "sources.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def handle(self, request: Request) -> Reply:
        reply = self._answer(request)
        self.sent[request.path] = self.sent.get(request.path, 0) + len(reply.body)
        return reply

    def _answer(self, request: Request) -> Reply:
        path = request.path
        if "/FeatureServer/" in path:
            return self._arcgis(request)
        if path.startswith("/assets.publishing.service.gov.uk/media/"):
            if path in self.missing_files:
                return Reply(404, b"<html><body>Page not found</body></html>")
            for key, body in self.files.items():
                if key in path:
                    return Reply(200, body, {"Content-Type": "text/csv"})
            return Reply(404, b"<html><body>Page not found</body></html>")
        match = re.fullmatch(r"/www\.nomisweb\.co\.uk/api/v01/dataset/(NM_\d+_1)\.data\.csv", path)
        if match:
            if self.nomis_busy > 0:
                self.nomis_busy -= 1
                page = b"<html><body><h1>Too many requests</h1>Please wait.</body></html>"
                return Reply(200, page, {"Content-Type": "text/html"})
            return self._nomis(match.group(1), request)
        bulk = re.fullmatch(
            r"/www\.nomisweb\.co\.uk/output/census/2021/census2021-(ts\d+a?)\.zip", path
        )
        if bulk and bulk.group(1) in TABLES:
            if TABLES[bulk.group(1)].nomis_id in self.failing_nomis:
                page = b"<html><body><h1>Service unavailable</h1></body></html>"
                return Reply(200, page, {"Content-Type": "text/html"})
            return Reply(200, self.bulk_zip(bulk.group(1)), {"Content-Type": "application/zip"})
        if path == "/overpass-api.de/api/interpreter":
            if self.overpass_failures > 0:
                self.overpass_failures -= 1
                return Reply(504, b"<html><body>504 Gateway Timeout</body></html>")
            return self._overpass(request)
        if path == "/overpass-api.de/api/status":
            text = "Connected as: 1\nRate limit: 2\n2 slots available now.\n"
            return Reply(200, text.encode(), {"Content-Type": "text/plain"})
        return Reply(404, b"<html><body>Not found</body></html>")

    # -- ArcGIS

    def _arcgis(self, request: Request) -> Reply:
        parts = request.path.strip("/").split("/")
        at = parts.index("FeatureServer")
        service = parts[at - 1]
        layer = self.layers.get(service)
        if layer is None or service in self.broken_layers:
            return json_reply(
                {"error": {"code": 400, "message": "Invalid URL", "details": ["Invalid URL"]}}
            )
        params = request.params
        if parts[-1] != "query":
            if params.get("f") not in ("pjson", "json"):
                return Reply(200, b"<html><body>ArcGIS REST Services Directory</body></html>")
            return json_reply(self._layer_info(service, layer))
        try:
            selected = self._select(layer, params.get("where", ""))
        except ValueError as exc:
            return json_reply(
                {
                    "error": {
                        "code": 400,
                        "message": "Unable to complete operation.",
                        "details": [str(exc)],
                    }
                }
            )
        if params.get("returnCountOnly") == "true":
            return json_reply({"count": len(selected)})
        names = [name for name, _ in layer["fields"]]
        wanted = params.get("outFields", "*")
        fields = names if wanted == "*" else wanted.split(",")
        unknown = [f for f in fields if f not in names]
        # orderByFields: "A,B" or "A ASC,B DESC" (directions ignored here)
        order = [f.split()[0] for f in params.get("orderByFields", "FID").split(",") if f.strip()]
        if unknown or any(o != "FID" and o not in names for o in order):
            return json_reply(
                {
                    "error": {
                        "code": 400,
                        "message": "Cannot perform query. Invalid query parameters.",
                        "details": ["Unable to perform query. Please check your parameters."],
                    }
                }
            )
        if order != ["FID"]:
            selected = sorted(
                selected,
                key=lambda f: (
                    *(f["props"][o] if o != "FID" else f["oid"] for o in order),
                    f["oid"],
                ),
            )
        offset = int(params.get("resultOffset", 0))
        count = min(int(params.get("resultRecordCount", MAX_RECORDS)), MAX_RECORDS)
        page = selected[offset : offset + count]
        assert params.get("f") == "geojson" and params.get("outSR") == "4326"
        doc: dict = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": f["oid"],
                    "geometry": f["geometry"],
                    "properties": {k: f["props"][k] for k in fields},
                }
                for f in page
            ],
        }
        if offset + len(page) < len(selected):
            doc["properties"] = {"exceededTransferLimit": True}
        return json_reply(doc)

    @staticmethod
    def _layer_info(service: str, layer: dict) -> dict:
        geometry = layer["geometry"]
        return {
            "currentVersion": 11.5,
            "id": 0,
            "name": service,
            "type": "Table" if geometry is None else "Feature Layer",
            "geometryType": geometry,
            "objectIdField": "FID",
            "maxRecordCount": MAX_RECORDS,
            "standardMaxRecordCount": MAX_RECORDS,
            "supportedQueryFormats": "JSON, geoJSON, PBF",
            "advancedQueryCapabilities": {"supportsPagination": True},
            "fields": [
                {"name": "FID", "type": "esriFieldTypeOID", "alias": "FID"},
                *({"name": n, "type": t, "alias": n, "length": 255} for n, t in layer["fields"]),
            ],
        }

    @staticmethod
    def _select(layer: dict, where: str) -> list[dict]:
        features = [{**f, "oid": i + 1} for i, f in enumerate(layer["features"])]
        where = where.strip()
        if where in ("1=1", ""):
            return features
        match = re.fullmatch(r"(\w+) IN \(('[^']*'(?:,'[^']*')*)\)", where)
        if not match:
            raise ValueError(f"'Invalid where clause' {where[:60]}")
        field, codes = match.group(1), set(re.findall(r"'([^']*)'", match.group(2)))
        if field not in {n for n, _ in layer["fields"]}:
            raise ValueError(f"'Invalid field: {field}' parameter is invalid")
        return [f for f in features if f["props"][field] in codes]

    # -- Nomis

    def _nomis(self, dataset: str, request: Request) -> Reply:
        labels = self.nomis.get(dataset)
        if labels is None or dataset in self.failing_nomis:
            body = (
                '<?xml version="1.0" encoding="utf-8"?><error><message>Cannot create query: '
                f"dataset {dataset} is not available</message></error>"
            )
            return Reply(200, body.encode(), {"Content-Type": "text/xml"})
        params = request.params
        table = next(k for k, t in TABLES.items() if t.nomis_id == dataset)
        dim = TABLES[table].dimension.upper()
        codes = params.get("geography", "").split(",")
        order = {c: i for i, c in enumerate(squares()["code"])}
        names = dict(zip(squares()["code"], squares()["name"], strict=True))
        header = [
            "DATE",
            "DATE_NAME",
            "DATE_CODE",
            "DATE_TYPE",
            "DATE_TYPECODE",
            "DATE_SORTORDER",
            "GEOGRAPHY",
            "GEOGRAPHY_NAME",
            "GEOGRAPHY_CODE",
            "GEOGRAPHY_TYPE",
            "GEOGRAPHY_TYPECODE",
            "GEOGRAPHY_SORTORDER",
            dim,
            f"{dim}_NAME",
            f"{dim}_CODE",
            f"{dim}_TYPE",
            f"{dim}_TYPECODE",
            f"{dim}_SORTORDER",
            "MEASURES",
            "MEASURES_NAME",
            "OBS_VALUE",
            "OBS_STATUS",
            "OBS_STATUS_NAME",
            "OBS_CONF",
            "OBS_CONF_NAME",
            "URN",
            "RECORD_OFFSET",
            "RECORD_COUNT",
        ]
        measures = params.get("measures", "20100,20301").split(",")
        rows = []
        for code in sorted((c for c in codes if c in order), key=order.get):
            i = order[code]
            values = _table_values(table, i, labels)
            for k, (label, value) in enumerate(zip(labels, values, strict=True)):
                for measure in measures:
                    shown = value if measure == "20100" else round(100 * value / values[0], 1)
                    rows.append(
                        [
                            "2021",
                            "2021",
                            "2021",
                            "date",
                            "0",
                            "0",
                            str(1249934848 + i),
                            names[code],
                            code,
                            "2021 super output areas - lower layer",
                            "151",
                            str(i),
                            str(k),
                            label,
                            str(k),
                            "total" if k == 0 else "value",
                            "0",
                            str(k),
                            measure,
                            "Value" if measure == "20100" else "Percent",
                            str(shown),
                            "A",
                            "Normal Value",
                            "F",
                            "Free (free of disclosure control)",
                            f"Nm-{dataset[3:7]}d1d32716e1d{i}d{k}d{measure}",
                        ]
                    )
        offset = int(params.get("RecordOffset", 0))
        limit = min(int(params.get("RecordLimit", 25_000)), 25_000)
        page = rows[offset : offset + limit]
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(header)
        for n, row in enumerate(page):
            # strings quoted, numbers not, as Nomis writes them
            cells = [*row, str(offset + n), str(len(rows))]
            writer.writerow([int(c) if c.isdigit() else c for c in cells])
        return Reply(200, out.getvalue().encode(), {"Content-Type": "text/csv"})

    def bulk_zip(self, table: str) -> bytes:
        """A table's Nomis bulk zip (``census2021-<table>-lsoa.csv``): the API's counts."""
        spec = TABLES[table]
        labels = self.nomis[spec.nomis_id]
        columns = [
            f"{spec.title}: {'Total' if k == 0 else label}" for k, label in enumerate(labels)
        ]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            ["date", "geography", "geography code", *(f"{c}; measures: Value" for c in columns)]
        )
        for i, (code, name) in enumerate(zip(squares()["code"], squares()["name"], strict=True)):
            writer.writerow(["2021", name, code, *_table_values(table, i, labels)])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(spec.bulk_member, out.getvalue())
            archive.writestr("metadata/readme.txt", "Census 2021 bulk file (test copy).")
        return buffer.getvalue()

    # -- Overpass

    def _overpass(self, request: Request) -> Reply:
        query = request.form.get("data", "")
        if request.method != "POST" or not query.startswith("[out:json]"):
            return Reply(400, b"<html><body>Error: no valid query</body></html>")
        boxes = set(re.findall(r"\(([-\d.]+),([-\d.]+),([-\d.]+),([-\d.]+)\)", query))
        if len(boxes) != 1:
            return Reply(400, b"<html><body>Error: expected one bounding box</body></html>")
        south, west, north, east = (float(v) for v in boxes.pop())
        if not (south < north and west < east and south >= -90 and north <= 90):
            return Reply(400, b"<html><body>Error: bad bounding box</body></html>")

        def position(element: dict) -> tuple[float, float]:
            where = element.get("center", element)
            return where["lat"], where["lon"]

        elements = self.places if '"place"' in query else self.elements
        inside = [
            e
            for e in elements
            if south <= position(e)[0] <= north and west <= position(e)[1] <= east
        ]
        doc = {**_OVERPASS_HEAD, "elements": inside}
        return Reply(200, json.dumps(doc).encode(), {"Content-Type": "application/json"})


def online_settings(cache: Path, **changes: object) -> Settings:
    """Online settings for the fake web: short timeouts, one retry, no waits."""
    base = Settings(
        cache_dir=cache, timeout=5.0, retries=1, backoff=0.01, max_retry_after=0.1, nomis_interval=0
    )
    return base.replace(**changes)


def fake_access(web: FakeWeb, tmp_path: Path, settings: Settings) -> DataAccess:
    """Data access reading the registry with every address pointed at ``web``."""
    sources = load_sources(None, registry=web.registry(tmp_path))
    return DataAccess(settings, sources=sources)
