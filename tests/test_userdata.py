"""A user's own assets and indicators joining the analysis (library and CLI)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from geo.cli import main
from geo.config import Settings
from geo.errors import UploadError
from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.region import load_region
from geo.uploads import read_assets_upload
from geo.userdata import (
    apply_user_files,
    read_indicator_csv,
    save_upload_set,
    with_user_assets,
    with_user_indicators,
)
from tests.tiny_mirror import X0, Y0, write_mirror


@pytest.fixture()
def tiny(tmp_path):
    sources = write_mirror(tmp_path / "mirror")
    return Settings(sources_file=sources, offline=True, cache_dir=tmp_path / "cache")


def _asset_csv(tmp_path):
    import geopandas as gpd
    import shapely

    points = gpd.GeoSeries(
        [shapely.Point(X0 + 2500, Y0 + 500), shapely.Point(X0 + 90_000, Y0)], crs=27700
    ).to_crs(4326)
    path = tmp_path / "sheds.csv"
    path.write_text(
        "name,category,lon,lat\n"
        f"Testham Men's Shed,men's shed,{points[0].x:.6f},{points[0].y:.6f}\n"
        f"Far Shed,bingo,{points[1].x:.6f},{points[1].y:.6f}\n"
        "No Place,church,,\n",
        encoding="utf-8",
    )
    return path


def test_uploaded_assets_join_and_are_labelled_user_data(tiny, tmp_path):
    region = load_region("Testham", settings=tiny)
    path = _asset_csv(tmp_path)
    result = read_assets_upload(path.read_bytes(), path.name, settings=tiny)
    assert result.rows_in == 3 and result.loaded == 2
    joined = with_user_assets(region, result.frame, name="sheds.csv", buffer_m=2000)
    added = joined.assets[joined.assets["source"] == "user:sheds_csv"]
    assert list(added["name"]) == ["Testham Men's Shed"]  # the far one is beyond the buffer
    assert added["category"].iloc[0] == "social_facility"
    record = joined.provenance[-1]
    assert record.origin == "user upload" and record.licence == "user data"
    assert "1 uploaded asset(s) lie more than 2,000 m" in record.note
    assert len(region.assets) + 1 == len(joined.assets)  # the original is untouched


def test_uploaded_assets_change_the_gaps(tiny, tmp_path):
    region = load_region("Testham", settings=tiny)
    before = run_analysis(region, Parameters(permutations=99), settings=tiny)
    # a list said to be complete for the whole area joins "any place"
    region2, _ = apply_user_files(
        region, settings=tiny, assets=[_asset_csv(tmp_path)], assets_cover_region=True
    )
    after = run_analysis(region2, Parameters(permutations=99), settings=tiny)
    code = "E01900003"  # the square the shed is in
    assert after.areas.loc[code, "nearest_any_m"] < before.areas.loc[code, "nearest_any_m"]
    assert "social_facility" in after.categories
    assert "social_facility" in after.coverage.full


def test_an_upload_covers_only_where_its_places_lie(tiny, tmp_path):
    region = load_region("Testham", settings=tiny)
    region2, _ = apply_user_files(region, settings=tiny, assets=[_asset_csv(tmp_path)])
    added = region2.coverage[-1]
    assert added.source.startswith("user:") and added.extent == "area"
    assert added.label == "the area its places span"
    result = run_analysis(
        region2,
        Parameters(categories=("library", "social_facility"), permutations=99),
        settings=tiny,
    )
    # one shed, at the centre of E01900003: known there only, so not in "any place", and said
    assert result.coverage.full == ("library",)
    assert result.coverage.partial == ("social_facility",)
    shed = result.areas["nearest_social_facility_m"]
    assert shed.notna().tolist() == [c == "E01900003" for c in shed.index]
    assert any("Day centre / support service: known in only 1 of 9" in n for n in result.notes)


def test_uploaded_indicators_join_and_weigh_in(tiny, tmp_path):
    region = load_region("Testham", settings=tiny)
    path = tmp_path / "survey.csv"
    rows = "\n".join(f"E019000{i:02d},{i * 10}" for i in range(1, 10))
    path.write_text("lsoa21cd,Lonely (survey %)\n" + rows + "\n", encoding="utf-8")
    region2, columns = apply_user_files(region, settings=tiny, indicators=[path])
    assert columns == ["user_lonely_survey"]
    assert region2.areas.loc["E01900009", "user_lonely_survey"] == 90
    result = run_analysis(
        region2, Parameters(permutations=99, user_weights={"user_lonely_survey": 50}), settings=tiny
    )
    assert "user:user_lonely_survey" in result.risk_used
    assert result.provenance[-1].title == "Uploaded indicators: survey.csv"


def test_bad_user_files_raise_clear_errors(tiny, tmp_path):
    region = load_region("Testham", settings=tiny)
    with pytest.raises(UploadError, match="does not exist"):
        apply_user_files(region, settings=tiny, assets=[tmp_path / "nope.csv"])
    with pytest.raises(UploadError, match="no indicator values"):
        with_user_indicators(region, pd.DataFrame(), name="empty.csv")


def test_saved_upload_set_is_reused_through_a_sources_file(tiny, tmp_path):
    region = load_region("Testham", settings=tiny)
    path = _asset_csv(tmp_path)
    result = read_assets_upload(path.read_bytes(), path.name, settings=tiny)
    values = pd.DataFrame({"score": [1.0, 2.0]}, index=pd.Index(["E01900001", "E01900002"]))
    saved = save_upload_set(
        tmp_path / "set", assets=[("sheds", result.frame)], indicators=[("survey", values)]
    )
    assert read_indicator_csv(tmp_path / "set" / "indicators_survey.csv")["score"].tolist() == [
        1.0,
        2.0,
    ]
    text = saved.read_text()
    assert "[[assets]]" in text and "[[indicators]]" in text
    from geo.sources.registry import load_sources

    asset_file = load_sources(saved).asset_files[0]
    assert asset_file.path.is_file() and asset_file.licence == "user data"
    assert region is not None


def test_cli_check_and_analyse_with_user_files(tiny, tmp_path, capsys):
    path = _asset_csv(tmp_path)
    args = ["--sources", str(tiny.sources_file), "--offline", "--cache-dir", str(tiny.cache_dir)]
    out = io.StringIO()
    assert main(["check", str(path), "--kind", "assets", "--area", "Testham", *args], out=out) == 0
    text = out.getvalue()
    assert "Loaded: 1" in text and "Rejected: 1" in text and "Outside the study area: 1" in text
    assert "USABLE" in text
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lon,lat\n", encoding="utf-8")
    out = io.StringIO()
    assert main(["check", str(bad), "--kind", "assets", *args], out=out) == 1
    assert "Traceback" not in capsys.readouterr().err
    out = io.StringIO()
    code = main(
        ["analyse", "--area", "Testham", "--assets", str(path), "--permutations", "99", "-q",
         "--out", str(tmp_path / "a.csv"), *args],
        out=out,
    )  # fmt: skip
    assert code == 0, out.getvalue()
    meta = pd.read_csv(tmp_path / "a.metadata.csv", encoding="utf-8-sig")
    assert "user:sheds_csv" in set(meta["name"])


def test_uploaded_boundary_becomes_the_study_area(tiny):
    import shapely

    from geo.userdata import region_from_boundary

    # the left-hand column of Testham plus Otherby's square, drawn as one polygon
    left = shapely.box(X0, Y0, X0 + 1000, Y0 + 3000)
    other = shapely.box(X0 + 3000, Y0, X0 + 4000, Y0 + 1000)
    region = region_from_boundary(shapely.union(left, other), settings=tiny, name="My patch")
    assert sorted(region.areas.index) == ["E01900001", "E01900004", "E01900007", "E01900010"]
    assert region.name == "My patch" and region.key == "custom-my_patch"
    with pytest.raises(UploadError, match="No LSOA 2021 lies inside"):
        region_from_boundary(shapely.box(0, 0, 10, 10), settings=tiny)


def test_new_categories_from_uploads_are_measured(tiny, tmp_path):
    import geopandas as gpd
    import shapely

    region = load_region("Testham", settings=tiny)
    point = gpd.GeoSeries([shapely.Point(X0 + 1500, Y0 + 1500)], crs=27700).to_crs(4326)[0]
    path = tmp_path / "bingo.csv"
    path.write_text(
        f"name,category,lon,lat\nMecca Bingo,bingo hall,{point.x:.6f},{point.y:.6f}\n",
        encoding="utf-8",
    )
    region2, _ = apply_user_files(region, settings=tiny, assets=[path])
    assert "user_bingo_hall" in set(region2.assets["category"])
    result = run_analysis(region2, Parameters(permutations=99), settings=tiny)
    assert "user_bingo_hall" in result.categories
    assert result.areas.loc["E01900005", "nearest_user_bingo_hall_m"] == pytest.approx(0, abs=1)
