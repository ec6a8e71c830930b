"""Every export format with non-default options: custom weights, uploaded
places and uploaded weighted indicators — from the command line, from
``export_bytes`` and from the app's download buttons.

Custom weights once broke every table export (the parameters held a
``MappingProxyType``, which cannot be copied or pickled).
"""

from __future__ import annotations

import copy
import io
import json
import pickle
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from geo.cli import main
from geo.config import Settings
from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.region import load_region
from geo.report import export_bytes
from geo.risk import DEFAULT_WEIGHTS
from geo.userdata import apply_user_files
from tests.tiny_mirror import TESTHAM, X0, Y0, write_mirror
from ui import params

PROJECT = Path(__file__).resolve().parent.parent
APP = str(PROJECT / "app.py")
REPORT = "pages/1_Gap_report.py"
TABLE_FORMATS = ("csv", "xlsx", "gpkg", "geojson", "parquet")
WEIGHTS = "bad_health=20,imd=0"


def _places_csv(folder: Path) -> Path:
    point = gpd.GeoSeries([shapely.Point(X0 + 2500, Y0 + 500)], crs=27700).to_crs(4326)[0]
    path = folder / "sheds.csv"
    path.write_text(
        f"name,category,lon,lat\nTestham Men's Shed,men's shed,{point.x:.6f},{point.y:.6f}\n",
        encoding="utf-8",
    )
    return path


def _survey_csv(folder: Path) -> Path:
    path = folder / "survey.csv"
    rows = "\n".join(f"E019000{i:02d},{i * 10}" for i in range(1, 10))
    path.write_text("lsoa21cd,Lonely (survey %)\n" + rows + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def mirror(tmp_path):
    return write_mirror(tmp_path / "mirror")


@pytest.fixture()
def custom_result(mirror, tmp_path):
    """Custom weights, an uploaded place and an uploaded indicator weighted in."""
    settings = Settings(sources_file=mirror, offline=True, cache_dir=tmp_path / "cache")
    region = load_region(TESTHAM, settings=settings)
    region, columns = apply_user_files(
        region,
        settings=settings,
        assets=[_places_csv(tmp_path)],
        indicators=[_survey_csv(tmp_path)],
    )
    chosen = Parameters(
        weights={**DEFAULT_WEIGHTS, "bad_health": 20, "imd": 0},
        user_weights={columns[0]: 30},
        permutations=9,
    )
    return run_analysis(region, chosen, settings=settings)


def test_parameters_are_plain_hashable_picklable_values():
    weights = {"bad_health": 20, "imd": 0}
    a = Parameters(weights=weights, categories=["library"], thresholds=[800, 400])
    b = Parameters(weights={"imd": 0.0, "bad_health": 20.0}, categories=("library",))
    assert a != b and a == b.replace(thresholds=(400, 800))
    assert hash(a) == hash(b.replace(thresholds=(800, 400)))
    assert a.thresholds == (400, 800) and b.thresholds == (400, 800, 1600)
    for copied in (pickle.loads(pickle.dumps(a)), copy.deepcopy(a), a.replace()):
        assert copied == a and hash(copied) == hash(a)
    plain = a.as_dict()
    assert plain["weights"] == {"bad_health": 20.0, "imd": 0.0}
    assert json.loads(json.dumps(plain)) == plain
    with pytest.raises(TypeError):
        a.weights["imd"] = 5  # type: ignore[index]


def test_result_is_read_only(custom_result):
    result = custom_result
    before = result.areas["risk_score"].copy()
    result.areas["risk_score"] = 0  # changes a copy only
    frame = result.areas
    frame.loc[frame.index[0], "risk_score"] = 99
    pd.testing.assert_series_equal(result.areas["risk_score"], before)
    with pytest.raises(AttributeError, match="read-only"):
        result.parameters = Parameters()  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.totals["priority_areas"] = 0  # type: ignore[index]
    assert not result.areas["risk_score"].to_numpy().flags.writeable
    text = repr(result)
    assert len(text) < 200 and TESTHAM in text
    assert hash(result) == hash(result)
    again = result.replace(notes=("changed",))
    assert again.notes == ("changed",) and result.notes != ("changed",)
    pd.testing.assert_frame_equal(pd.DataFrame(again.areas), pd.DataFrame(result.areas))
    assert result.risk_detail is not None


@pytest.mark.parametrize("fmt", [*TABLE_FORMATS[:4], "html", "pdf"])
def test_export_bytes_with_custom_options(custom_result, fmt):
    content, name, mime = export_bytes(custom_result, fmt)
    assert content and name and mime
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content), read_only=True)
        assert "metadata" in book.sheetnames
        meta = "\n".join(
            str(c) for row in book["metadata"].iter_rows(values_only=True) for c in row
        )
        assert "bad_health" in meta and "user_lonely_survey" in meta
    elif fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = zf.namelist()
            assert any("metadata" in n for n in names)
            areas = next(n for n in names if "areas" in n)
            assert b"user_lonely_survey" in zf.read(areas)
    elif fmt == "pdf":
        assert content.startswith(b"%PDF")
    elif fmt == "html":
        assert b"Testham Men&#x27;s Shed" in content  # the uploaded place, escaped


@pytest.mark.parametrize("fmt", TABLE_FORMATS)
def test_cli_analyse_writes_every_format_with_custom_options(mirror, tmp_path, fmt):
    out_file = tmp_path / f"testham.{fmt}"
    args = [
        "analyse",
        "--area",
        TESTHAM,
        "--weights",
        WEIGHTS,
        "--assets",
        str(_places_csv(tmp_path)),
        "--indicators",
        str(_survey_csv(tmp_path)),
        "--indicator-weights",
        "user_lonely_survey=20",
        "--permutations",
        "9",
        "--out",
        str(out_file),
        "--sources",
        str(mirror),
        "--offline",
        "--cache-dir",
        str(tmp_path / "cache"),
        "-q",
    ]
    out = io.StringIO()
    code = main(args, out=out)
    assert code == 0, out.getvalue()
    assert out_file.is_file() and out_file.stat().st_size > 0
    if fmt in ("gpkg", "geojson"):
        table = gpd.read_file(out_file)
    elif fmt == "parquet":
        table = gpd.read_parquet(out_file)
    elif fmt == "xlsx":
        table = pd.read_excel(out_file, sheet_name=0)
    else:
        table = pd.read_csv(out_file, encoding="utf-8-sig")
    assert len(table) == 9
    assert "user_lonely_survey" in table.columns


def test_cli_report_with_custom_weights(mirror, tmp_path):
    out = io.StringIO()
    code = main(
        [
            "report",
            "--area",
            TESTHAM,
            "--weights",
            WEIGHTS,
            "--permutations",
            "9",
            "--formats",
            "pdf,html,csv,xlsx,gpkg,geojson",
            "--out",
            str(tmp_path / "reports"),
            "--sources",
            str(mirror),
            "--offline",
            "--cache-dir",
            str(tmp_path / "cache"),
            "-q",
        ],
        out=out,
    )
    assert code == 0, out.getvalue()
    files = {p.suffix for p in (tmp_path / "reports").rglob("*") if p.is_file()}
    assert {".pdf", ".html", ".xlsx", ".gpkg", ".geojson", ".csv"} <= files


# ---------------------------------------------------------------------------
# The app's download buttons
# ---------------------------------------------------------------------------


@pytest.fixture()
def app_env(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_SOURCES", str(mirror))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")


def _report_page(choice: params.Choice) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state[params.CHOICE_KEY] = choice
    at.switch_page(REPORT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _prepare(at: AppTest) -> AppTest:
    assert not at.get("download_button")  # nothing is built before the user asks
    next(b for b in at.button if b.label == "Prepare the downloads").click()
    return at.run()


def test_app_downloads_with_custom_weights(app_env):
    # as after moving two weight sliders: the defaults with bad health up and the IMD off
    weights = {**DEFAULT_WEIGHTS, "bad_health": 20, "imd": 0}
    chosen = Parameters(weights=weights, permutations=9)
    at = _prepare(_report_page(params.Choice(area=TESTHAM, parameters=chosen)))
    assert not at.exception and not at.error, [e.value for e in at.error]
    labels = {b.proto.label for b in at.get("download_button")}
    assert labels == {
        "PDF report",
        "HTML report",
        "Excel workbook",
        "CSV tables (zip)",
        "GeoPackage",
        "GeoJSON",
    }


def test_app_download_that_fails_says_so(app_env, monkeypatch, tmp_path):
    at = _report_page(params.Choice(area=TESTHAM))
    # the temporary folder the GeoPackage and CSV files are written in is gone
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    at = _prepare(at)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("The GeoPackage could not be built") for e in errors), errors
    assert any(e.startswith("The CSV tables (zip) could not be built") for e in errors), errors
    labels = {b.proto.label for b in at.get("download_button")}
    assert "PDF report" in labels and "GeoPackage" not in labels
