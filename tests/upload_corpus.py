"""A generated corpus of hostile and messy uploads, each with its exact expected outcome.

Every :class:`Case` builds its bytes in the test (nothing is stored), names
the reader (``assets``, ``indicators``, ``boundary``) and the options, and
says exactly what must happen: an :class:`~geo.errors.UploadError` whose
message contains ``error``, or the counts loaded / rejected by reason /
outside the study area, plus an optional extra check.
"""

from __future__ import annotations

import codecs
import io
import json
import sqlite3
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo.uploads.columns import ColumnMapping
from geo.uploads.limits import UploadLimits

MANCHESTER = (-2.30, 53.43, -2.20, 53.52)  # west, south, east, north


@dataclass
class Case:
    name: str
    kind: str
    build: Callable[[], bytes]
    filename: str
    error: str | None = None
    loaded: int | None = None
    rejected: dict[str, int] = field(default_factory=dict)
    outside: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    check: Callable[[Any], None] | None = None


# --------------------------------------------------------------------------- builders


def zip_of(members: dict[str, bytes], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, body in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
    return buffer.getvalue()


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("layer.shp")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def zip_bomb() -> bytes:
    return zip_of(
        {"layer.shp": b"\0" * (20 * 1024 * 1024), "layer.shx": b"", "layer.dbf": b""}, level=9
    )


def shapefile_zip(frame: Any, *, prj: bool = True, extra: dict[str, bytes] | None = None) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sites.shp"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "'crs' was not provided"
            frame.to_file(path, engine="pyogrio")
        members = {}
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            part = path.with_suffix(suffix)
            if part.exists() and (prj or suffix != ".prj"):
                members[f"data/sites{suffix}"] = part.read_bytes()
    members.update(extra or {})
    return zip_of(members)


def gpkg_of(layers: dict[str, Any]) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        for name, frame in layers.items():
            frame.to_file(path, layer=name, engine="pyogrio")
        return path.read_bytes()


def gpkg_with_virtual_table() -> bytes:
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(-2.24, 53.48)], crs=4326)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        path.write_bytes(gpkg_of({"sites": frame}))
        connection = sqlite3.connect(path)
        connection.execute("CREATE VIRTUAL TABLE notes USING fts5(body)")
        connection.commit()
        connection.close()
        return path.read_bytes()


def gpkg_with_trigger() -> bytes:
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(-2.24, 53.48)], crs=4326)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gpkg"
        path.write_bytes(gpkg_of({"sites": frame}))
        connection = sqlite3.connect(path)
        connection.execute(
            "CREATE VIEW leak AS SELECT ogr_datasource_load_layers('/etc/passwd') AS x"
        )
        connection.commit()
        connection.close()
        return path.read_bytes()


def kmz() -> bytes:
    kml = (
        b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Hall</name>'
        b'<ExtendedData><Data name="type"><value>church</value></Data></ExtendedData>'
        b"<Polygon><outerBoundaryIs><LinearRing><coordinates>-2.25,53.47 -2.24,53.47 "
        b"-2.24,53.48 -2.25,53.48 -2.25,53.47</coordinates></LinearRing></outerBoundaryIs>"
        b"</Polygon></Placemark></Document></kml>"
    )
    return zip_of({"doc.kml": kml, "files/icon.png": b"\x89PNG"})


def plain_sqlite() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.db"
        connection = sqlite3.connect(path)
        connection.execute("CREATE TABLE t (a)")
        connection.commit()
        connection.close()
        return path.read_bytes()


def xlsx(
    sheets: dict[str, list[list[Any]]],
    *,
    cached: dict[str, str] | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        sheet = workbook.active if first else workbook.create_sheet()
        sheet.title = title
        first = False
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if not cached and not extra:
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for formula, value in (cached or {}).items():
        xml = members["xl/worksheets/sheet1.xml"].decode()
        for empty in ("<v />", "<v></v>", "<v/>"):  # as the installed XML writer spells it
            xml = xml.replace(f"<f>{formula}</f>{empty}", f"<f>{formula}</f><v>{value}</v>")
        members["xl/worksheets/sheet1.xml"] = xml.encode()
    members.update(extra or {})
    return zip_of(members)


def geojson(features: list[dict[str, Any]], **extra: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", **extra, "features": features}).encode()


def feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(x: float, y: float, *z: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y, *z]}


SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-2.25, 53.47], [-2.24, 53.47], [-2.24, 53.48], [-2.25, 53.48], [-2.25, 53.47]]
    ],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[-2.25, 53.47], [-2.24, 53.48], [-2.24, 53.47], [-2.25, 53.48], [-2.25, 53.47]]
    ],
}


def sites_frame(crs: Any = 4326) -> Any:
    import geopandas as gpd
    import shapely

    if crs == 4326:
        points = [shapely.Point(-2.24, 53.48), shapely.Point(-2.25, 53.47)]
    else:
        points = [shapely.Point(384_000, 398_000), shapely.Point(383_000, 397_000)]
    return gpd.GeoDataFrame(
        {"name": ["Hall", "Library"], "type": ["village hall", "library"]},
        geometry=points,
        crs=crs,
    )


# lookups for indicator cases
LSOA_LOOKUP = pd.DataFrame(
    {
        "lsoa11cd": ["E01000001", "E01000002", "E01000002", "E01000003", "E01000004"],
        "lsoa21cd": ["E01000001", "E01033001", "E01033002", "E01033003", "E01033003"],
        "change_code": ["U", "S", "S", "M", "M"],
    }
)
AREA_LOOKUP = pd.DataFrame(
    {"msoa21cd": ["E02000001", "E02000001", "E02000002"], "lad_code": ["E08000003"] * 3},
    index=pd.Index(["E01000001", "E01000005", "E01000006"], name="lsoa21cd"),
)
POSTCODE_DIRECTORY = (
    b"pcds,doterm,lat,long,lsoa21\n"
    b"M1 1AD,,53.483784,-2.244866,E01033658\n"
    b"M1 1AE,,53.4839,-2.2449,E01033658\n"
    b"M11 1AA,,53.473628,-2.172086,E01034113\n"
    b"SE1 9ZZ,199812,51.506903,-0.100841,E01003934\n"
    b"JE2 4WD,,99.999999,0.000000,L99999999\n"
)


def geocoder() -> Any:
    from geo.config import Settings
    from geo.postcodes import PostcodeGeocoder

    return PostcodeGeocoder(Settings(offline=True), directory=POSTCODE_DIRECTORY)


def _expect(**checks: Any) -> Callable[[Any], None]:
    """A check comparing attributes/notes of a result."""

    def check(result: Any) -> None:
        for key, want in checks.items():
            if key == "note":
                assert any(want in n for n in result.notes), (want, result.notes)
            elif key == "no_note":
                assert not any(want in n for n in result.notes), (want, result.notes)
            elif key == "crs":
                assert result.detected.crs == want, result.detected
            elif key == "encoding":
                assert result.detected.encoding == want, result.detected
            elif key == "delimiter":
                assert result.detected.delimiter == want, result.detected
            elif key == "names":
                assert list(result.frame["name"]) == want, list(result.frame["name"])
            elif key == "categories":
                assert list(result.frame["category"]) == want, list(result.frame["category"])
            elif key == "suggest":
                assert [s.code for s in result.suggestions] == want, result.suggestions
            elif key == "rows":
                assert list(result.rejections["row"]) == want, result.rejections
            else:  # pragma: no cover
                raise AssertionError(key)

    return check


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


HEADER = "name,category,lat,lon\n"
GOOD = "Hall,village hall,53.48,-2.24\n"


# --------------------------------------------------------------------------- the corpus


def _indicator_check(result: Any) -> None:
    frame = result.frame
    assert list(frame.index) == ["E01000001", "E01033001", "E01033002", "E01033003"]
    assert list(frame["rate"]) == [10.0, 20.0, 20.0, 35.0]
    assert list(frame["count"]) == [100.0, 25.0, 25.0, 70.0]
    assert any("mixes LSOA 2011 and LSOA 2021" in n for n in result.notes)


def _msoa_check(result: Any) -> None:
    frame = result.frame
    assert list(frame.index) == ["E01000001", "E01000005", "E01000006"]
    assert list(frame["rate"]) == [7.5, 7.5, 3.0]
    assert list(frame["people"]) == [50.0, 50.0, 40.0]


def _postcode_indicator_check(result: Any) -> None:
    frame = result.frame
    assert list(frame.index) == ["E01033658", "E01034113"]
    assert frame.loc["E01033658", "records"] == 6
    assert frame.loc["E01033658", "suppressed"] == False  # noqa: E712
    assert bool(frame.loc["E01034113", "suppressed"]) is True
    assert pd.isna(frame.loc["E01034113", "records"])


def _xlsx_check(result: Any) -> None:
    assert list(result.frame["capacity"]) == [5.0]  # the cached value, not 2+2
    assert result.detected.sheets == ("assets", "notes")
    assert any("2 sheets" in n for n in result.notes)


def _leading_zero_check(result: Any) -> None:
    assert list(result.frame["asset_id"]) == ["upload:007", "upload:010"]
    assert '"id":"007"' in result.frame["tags"].iat[0]


def _postcode_assets_check(result: Any) -> None:
    assert list(result.rejections["reason"]) == [
        "postcode terminated (1998-12)",
        "postcode has no coordinates",
        "postcode not found",
        "not a valid postcode",
    ]


def _gpkg_second_layer(result: Any) -> None:
    assert result.detected.layers == ("first", "second")
    assert result.detected.layer == "second"


def _two_duplicates(result: Any) -> None:
    assert list(result.duplicates["row"]) == [3, 4]
    assert list(result.duplicates["duplicate_of"]) == [2, 2]


def _bowtie_check(result: Any) -> None:
    assert result.frame.geometry.is_valid.all()
    assert any("1 invalid polygon(s) were repaired" in n for n in result.notes)


CASES: list[Case] = [
    # ---- archives
    Case(
        "zip-slip",
        "assets",
        lambda: zip_of({"../../evil.shp": b"x"}),
        "a.zip",
        error="unsafe member name",
    ),
    Case(
        "zip-absolute",
        "assets",
        lambda: zip_of({"/etc/cron.d/x.shp": b"x"}),
        "a.zip",
        error="unsafe member name",
    ),
    Case("zip-bomb", "assets", zip_bomb, "sites.zip", error="zip bomb"),
    Case(
        "nested-zip",
        "assets",
        lambda: zip_of({"a.shp": b"x", "inner.zip": zip_of({"b.shp": b"y"})}),
        "a.zip",
        error="another archive",
    ),
    Case("symlink-member", "assets", symlink_zip, "a.zip", error="symbolic link"),
    Case(
        "too-many-members",
        "assets",
        lambda: zip_of({f"f{i}.txt": b"" for i in range(201)}),
        "a.zip",
        error="201 members (limit 200)",
    ),
    Case(
        "zip-without-layer",
        "assets",
        lambda: zip_of({"readme.txt": b"hi"}),
        "a.zip",
        error="no shapefile",
    ),
    Case(
        "vrt-in-zip",
        "assets",
        lambda: zip_of({"x.vrt": b"<OGRVRTDataSource/>", "y.txt": b""}),
        "a.zip",
        error="virtual dataset",
    ),
    # ---- disguised or refused formats
    Case(
        "vrt-renamed-geojson",
        "assets",
        lambda: (
            b'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd'
            b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
        ),
        "sites.geojson",
        error="GDAL virtual dataset (VRT)",
    ),
    Case(
        "html-as-csv",
        "assets",
        lambda: b"<!DOCTYPE html><html><body>Error</body></html>",
        "x.csv",
        error="web page",
    ),
    Case(
        "old-xls",
        "assets",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "x.xls",
        error=".xls",
    ),
    Case("gzip", "assets", lambda: b"\x1f\x8b\x08\x00" + b"\0" * 20, "x.csv.gz", error="gzip"),
    Case(
        "json-not-geojson", "assets", lambda: b'{"hello": [1, 2, 3]}', "x.json", error="not GeoJSON"
    ),
    Case(
        "deep-json",
        "assets",
        lambda: (
            b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        ),
        "x.geojson",
        error="not valid JSON",
    ),
    Case(
        "kml-billion-laughs",
        "assets",
        lambda: (
            b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<kml><Document><Placemark><name>&b;</name></Placemark></Document></kml>"
        ),
        "x.kml",
        error="entities",
    ),
    Case(
        "xlsx-macros",
        "assets",
        lambda: xlsx({"s": [["name", "lat", "lon"]]}, extra={"xl/vbaProject.bin": b"\0" * 10}),
        "x.xlsx",
        error="macros",
    ),
    Case(
        "xlsx-external-link",
        "assets",
        lambda: xlsx({"s": [["name"]]}, extra={"xl/externalLinks/externalLink1.xml": b"<x/>"}),
        "x.xlsx",
        error="links to other workbooks",
    ),
    Case("gpkg-virtual-table", "assets", gpkg_with_virtual_table, "x.gpkg", error="virtual table"),
    Case("gpkg-view-calling-gdal", "assets", gpkg_with_trigger, "x.gpkg", error="a view 'leak'"),
    Case(
        "kmz-polygon",
        "assets",
        kmz,
        "x.kmz",
        loaded=1,
        check=_expect(categories=["place_of_worship"], names=["Hall"]),
    ),
    Case("sqlite-not-gpkg", "assets", plain_sqlite, "x.gpkg", error="not a GeoPackage"),
    # ---- sizes
    Case("empty", "assets", lambda: b"", "x.csv", error="empty"),
    Case("blank", "assets", lambda: b"  \r\n\n ", "x.csv", error="empty"),
    Case("header-only", "assets", lambda: b"name,lat,lon\r\n", "x.csv", error="no rows of data"),
    Case(
        "over-size-cap",
        "assets",
        lambda: (HEADER + GOOD * 100).encode(),
        "x.csv",
        error="uploads are limited to",
        options={"limits": UploadLimits(max_bytes=1000)},
    ),
    Case(
        "over-row-cap",
        "assets",
        lambda: (HEADER + GOOD * 150).encode(),
        "x.csv",
        error="more than 100 rows",
        options={"limits": UploadLimits(max_rows=100)},
    ),
    Case(
        "over-feature-cap",
        "assets",
        lambda: geojson([feature(point(-2.24, 53.48))] * 11),
        "x.geojson",
        error="11 features",
        options={"limits": UploadLimits(max_features=10)},
    ),
    # ---- encodings and delimiters
    Case(
        "cp1252",
        "assets",
        lambda: csv_bytes(HEADER + "Café £5 – St Mary’s,church,53.48,-2.24\n", "cp1252"),
        "x.csv",
        loaded=1,
        check=_expect(names=["Café £5 – St Mary’s"], encoding="cp1252", note="Windows-1252"),
    ),
    Case(
        "utf8-bom",
        "assets",
        lambda: codecs.BOM_UTF8 + (HEADER + GOOD).encode(),
        "x.csv",
        loaded=1,
        check=_expect(names=["Hall"], encoding="utf-8-sig"),
    ),
    Case(
        "utf16-le-tab",
        "assets",
        lambda: (
            codecs.BOM_UTF16_LE + "name\tlat\tlon\r\nSalle é\t53.48\t-2.24\r\n".encode("utf-16-le")
        ),
        "x.txt",
        loaded=1,
        check=_expect(names=["Salle é"], delimiter="\t", encoding="utf-16"),
    ),
    Case(
        "utf16-be",
        "assets",
        lambda: codecs.BOM_UTF16_BE + (HEADER + GOOD).encode("utf-16-be"),
        "x.csv",
        loaded=1,
        check=_expect(names=["Hall"]),
    ),
    Case(
        "semicolon-decimal-comma",
        "assets",
        lambda: b"name;lat;lon\nHall;53,48;-2,24\nPark;53,47;-2,25\n",
        "x.csv",
        loaded=2,
        check=_expect(delimiter=";", note="53,48"),
    ),
    Case(
        "pipe",
        "assets",
        lambda: b"name|lat|lon\nHall|53.48|-2.24\n",
        "x.csv",
        loaded=1,
        check=_expect(delimiter="|"),
    ),
    Case(
        "csv-named-geojson",
        "assets",
        lambda: (HEADER + GOOD).encode(),
        "x.geojson",
        loaded=1,
        check=_expect(note="named '*.geojson'"),
    ),
    # ---- coordinates
    Case(
        "swapped-lat-lon",
        "assets",
        lambda: (HEADER + "A,pub,-2.24,53.48\nB,pub,-2.25,53.47\n" + GOOD).encode(),
        "x.csv",
        loaded=1,
        rejected={"outside the UK (latitude and longitude look swapped)": 2},
        check=_expect(suggest=["swap_coordinates"], rows=[2, 3]),
    ),
    Case(
        "swapped-accepted",
        "assets",
        lambda: (HEADER + "A,pub,-2.24,53.48\nB,pub,-2.25,53.47\n" + GOOD).encode(),
        "x.csv",
        loaded=3,
        options={"swap_coordinates": True},
        check=_expect(suggest=[], note="swapped as asked"),
    ),
    Case(
        "bng",
        "assets",
        lambda: b"name,easting,northing\nTown Hall,383848,398589\nLibrary,384000,398000\n",
        "x.csv",
        loaded=2,
        check=_expect(crs="EPSG:27700"),
    ),
    Case(
        "zero-zero-and-missing",
        "assets",
        lambda: (HEADER + "Z,pub,0,0\nM,pub,,\nH,pub,53.4,\nN,pub,north,west\n" + GOOD).encode(),
        "x.csv",
        loaded=1,
        rejected={
            "coordinates are (0, 0)": 1,
            "missing coordinates": 2,
            "coordinates are not numbers": 1,
        },
        check=_expect(rows=[2, 3, 4, 5]),
    ),
    Case(
        "outside-uk",
        "assets",
        lambda: (HEADER + "Paris,cafe,48.85,2.35\nNYC,cafe,40.7,-74.0\n" + GOOD).encode(),
        "x.csv",
        loaded=1,
        rejected={"outside the UK": 2},
    ),
    Case(
        "far-outside-study-area",
        "assets",
        lambda: (HEADER + "London,cafe,51.5,-0.12\n" + GOOD).encode(),
        "x.csv",
        loaded=1,
        outside=1,
        options={"area_bbox": MANCHESTER},
        check=_expect(rows=[2]),
    ),
    Case(
        "duplicates-kept",
        "assets",
        lambda: (HEADER + GOOD * 3).encode(),
        "x.csv",
        loaded=3,
        check=_two_duplicates,
    ),
    Case(
        "duplicates-dropped",
        "assets",
        lambda: (HEADER + GOOD * 3).encode(),
        "x.csv",
        loaded=1,
        rejected={"duplicate": 2},
        options={"dedupe": True},
    ),
    Case(
        "too-many-cells",
        "assets",
        lambda: (HEADER + GOOD + "X,pub,53.4,-2.2,surprise,more\n").encode(),
        "x.csv",
        loaded=1,
        rejected={"too many cells (6; the header has 4)": 1},
        check=_expect(rows=[3]),
    ),
    Case(
        "html-script-names-kept",
        "assets",
        lambda: (
            HEADER
            + '"<script>alert(1)</script>",pub,53.48,-2.24\n<b>Bold</b> & co,cafe,53.47,-2.25\n'
        ).encode(),
        "x.csv",
        loaded=2,
        check=_expect(names=["<script>alert(1)</script>", "<b>Bold</b> & co"]),
    ),
    Case(
        "leading-zero-ids",
        "assets",
        lambda: b"id,name,lat,lon\n007,Hall,53.48,-2.24\n010,Park,53.47,-2.25\n",
        "x.csv",
        loaded=2,
        check=_leading_zero_check,
    ),
    Case(
        "categories-synonyms-and-new",
        "assets",
        lambda: (
            HEADER + "A,Church,53.48,-2.24\nB,YOUTH  Club,53.47,-2.24\nC,bingo,53.46,-2.24\n"
        ).encode(),
        "x.csv",
        loaded=3,
        check=_expect(
            categories=["place_of_worship", "youth_centre", "new:bingo"], note="New categories"
        ),
    ),
    Case(
        "postcodes-terminated-unmatched",
        "assets",
        lambda: b"name,postcode\nA,m1 1ad\nB,SE1 9ZZ\nC,JE2 4WD\nD,ZZ9 9ZZ\nE,not a postcode\n",
        "x.csv",
        loaded=1,
        rejected={
            "postcode terminated (1998-12)": 1,
            "postcode has no coordinates": 1,
            "postcode not found": 1,
            "not a valid postcode": 1,
        },
        options={"geocoder": "directory"},
        check=_postcode_assets_check,
    ),
    Case(
        "postcodes-without-geocoder",
        "assets",
        lambda: b"name,postcode\nA,M1 1AD\n",
        "x.csv",
        error="postcodes (column 'postcode') but no coordinates",
    ),
    Case(
        "xlsx-formulas-and-sheets",
        "assets",
        lambda: xlsx(
            {
                "assets": [["name", "lat", "lon", "capacity"], ["Hall", 53.48, -2.24, "=2+2"]],
                "notes": [["x"]],
            },
            cached={"2+2": "5"},
        ),
        "x.xlsx",
        loaded=1,
        check=_xlsx_check,
    ),
    # ---- vector files
    Case(
        "geojson-3d-points",
        "assets",
        lambda: geojson([feature(point(-2.24, 53.48, 120.0), name="A")]),
        "x.geojson",
        loaded=1,
        check=_expect(note="Z/M values were dropped from 1"),
    ),
    Case(
        "geojson-mixed-geometries",
        "assets",
        lambda: geojson(
            [
                feature(point(-2.24, 53.48), name="P"),
                feature(
                    {"type": "LineString", "coordinates": [[-2.24, 53.48], [-2.23, 53.49]]},
                    name="L",
                ),
                feature(SQUARE, name="S"),
                feature(None, name="none"),
            ]
        ),
        "x.geojson",
        loaded=3,
        rejected={"no geometry": 1},
        check=_expect(note="Mixed geometry types"),
    ),
    Case(
        "geojson-metres-labelled-lonlat",
        "assets",
        lambda: geojson(
            [feature(point(383848, 398589), name="A")],
            crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        ),
        "x.geojson",
        loaded=1,
        check=_expect(crs="EPSG:27700", note="coordinates are metres"),
    ),
    Case(
        "shapefile-without-prj",
        "assets",
        lambda: shapefile_zip(sites_frame(27700).set_crs(None, allow_override=True), prj=False),
        "sites.zip",
        loaded=2,
        check=_expect(crs="EPSG:27700", note="no .prj file"),
    ),
    Case(
        "shapefile-with-other-files",
        "assets",
        lambda: shapefile_zip(sites_frame(), extra={"notes/readme.txt": b"hello"}),
        "sites.zip",
        loaded=2,
        check=_expect(categories=["community_centre", "library"], note="ignored"),
    ),
    Case(
        "gpkg-two-layers-default-first",
        "assets",
        lambda: gpkg_of({"first": sites_frame(), "second": sites_frame().iloc[:1]}),
        "x.gpkg",
        loaded=2,
        check=_expect(note="2 layers"),
    ),
    Case(
        "gpkg-second-layer",
        "assets",
        lambda: gpkg_of({"first": sites_frame(), "second": sites_frame().iloc[:1]}),
        "x.gpkg",
        loaded=1,
        options={"layer": "second"},
        check=_gpkg_second_layer,
    ),
    Case(
        "kml-network-link",
        "assets",
        lambda: (
            b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            b"<NetworkLink><Link><href>http://127.0.0.1:9/x.kml</href></Link></NetworkLink>"
            b"<Placemark><name>Hall</name><Point><coordinates>-2.24,53.48,0</coordinates></Point></Placemark>"
            b"<Placemark><name>Nowhere</name></Placemark></Document></kml>"
        ),
        "x.kml",
        loaded=1,
        rejected={"no geometry": 1},
        check=_expect(names=["Hall"], note="not followed"),
    ),
    # ---- boundaries
    Case(
        "boundary-bowtie-repaired",
        "boundary",
        lambda: geojson([feature(BOWTIE, code="A")]),
        "x.geojson",
        loaded=1,
        check=_bowtie_check,
    ),
    Case(
        "boundary-point-rejected",
        "boundary",
        lambda: geojson([feature(SQUARE, code="A"), feature(point(-2.24, 53.48), code="B")]),
        "x.geojson",
        loaded=1,
        rejected={"not a polygon (Point)": 1},
    ),
    Case(
        "boundary-table-refused",
        "boundary",
        lambda: (HEADER + GOOD).encode(),
        "x.csv",
        error="must be GeoJSON",
    ),
    # ---- indicators
    Case(
        "indicators-mixed-2011-2021-unknown",
        "indicators",
        lambda: (
            b"LSOA code,rate,count\nE01000001,10,100\nE01000002,20,50\nE01000003,30,40\n"
            b"E01000004,40,30\nE01099999,1,1\nnonsense,1,1\n,1,1\nE02000001,1,1\nE01000001,1,1\n"
        ),
        "x.csv",
        loaded=4,
        rejected={
            "unknown area code": 1,
            "not an area code": 1,
            "missing area code": 1,
            "different kind of area code (MSOA, not LSOA)": 1,
            "area code listed twice": 1,
        },
        options={"lsoa_lookup": LSOA_LOOKUP, "mapping": ColumnMapping(counts=["count"])},
        check=_indicator_check,
    ),
    Case(
        "indicators-msoa",
        "indicators",
        lambda: b"msoa21cd,rate,people\nE02000001,7.5,100\nE02000002,3,40\nE02000099,1,1\n",
        "x.csv",
        loaded=2,
        rejected={"unknown area code": 1},
        options={"area_lookup": AREA_LOOKUP, "mapping": ColumnMapping(counts=["people"])},
        check=_msoa_check,
    ),
    Case(
        "indicators-not-a-number",
        "indicators",
        lambda: b'lsoa21cd,score\nE01000001,1.5\nE01000002,lots\nE01000003,..\nE01000004,"1,234"\n',
        "x.csv",
        loaded=3,
        rejected={"value is not a number": 1},
        check=_expect(note="read as missing values"),
    ),
    Case(
        "indicators-text-column",
        "indicators",
        lambda: b"lsoa21cd,score\nE01000001,high\nE01000002,low\n",
        "x.csv",
        error="is not numeric",
        options={"mapping": ColumnMapping(values=["score"])},
    ),
    Case(
        "indicators-postcodes-suppressed",
        "indicators",
        lambda: (
            b"postcode,visits\n"
            + b"M1 1AD,1\n" * 4
            + b"M1 1AE,2\nM1 1AE,2\nM11 1AA,5\nSE1 9ZZ,1\nXX\n"
        ),
        "x.csv",
        loaded=7,
        rejected={"postcode terminated (1998-12)": 1, "not a valid postcode": 1},
        options={"geocoder": "directory"},
        check=_postcode_indicator_check,
    ),
]
