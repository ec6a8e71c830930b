"""Real published files loaded as uploads (skipped when ../shared/data is absent)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geo.config import Settings
from geo.postcodes import geocode_postcodes, read_postcode_directory
from geo.uploads import ColumnMapping, check_upload, read_assets_upload, read_boundary_upload

pytestmark = pytest.mark.shared_data
WARM = "warm_spaces"
PC = "postcodes_onspd_sample"
WALES = "boundaries_wales_scotland_ni"


@pytest.mark.parametrize(
    ("name", "rows", "duplicates"),
    [
        ("brc_warm_spaces_2022-11-11_early.geojson", 2067, 34),
        ("brc_warm_spaces_2022-12-05.geojson", 3281, 63),
    ],
)
def test_warm_spaces_as_uploads(shared_data, name, rows, duplicates):
    data = (shared_data / WARM / name).read_bytes()
    result = read_assets_upload(data, name, mapping=ColumnMapping(category_value="warm_space"))
    assert (result.rows_in, result.loaded, result.rejected, result.outside_area) == (
        rows,
        rows,
        {},
        0,
    )
    assert len(result.duplicates) == duplicates
    assert set(result.frame["category"]) == {"warm_space"}
    assert result.detected.crs == "EPSG:4326"
    assert result.frame.crs.to_epsg() == 27700
    assert not result.frame["address"].str.contains("<br", case=False).any()
    if "early" in name:
        first = result.frame.iloc[0]
        assert first["name"] == "St Andrew's Church"
        assert first["address"] == "St Andrew's Church, Stanstead Abbotts, Herts SG12 8BU"


def test_warm_spaces_study_area_accounting(shared_data):
    name = "brc_warm_spaces_2022-12-05.geojson"
    data = (shared_data / WARM / name).read_bytes()
    box = (-2.35, 53.35, -2.10, 53.55)
    settings = Settings(region_buffer_m=0.0)
    result = read_assets_upload(data, name, area_bbox=box, settings=settings)
    coords = np.array([f["geometry"]["coordinates"] for f in json.loads(data)["features"]])
    inside = (
        (coords[:, 0] >= box[0])
        & (coords[:, 0] <= box[2])
        & (coords[:, 1] >= box[1])
        & (coords[:, 1] <= box[3])
    )
    assert result.loaded == int(inside.sum())
    assert result.outside_area == 3281 - int(inside.sum())
    assert result.rejected == {}
    assert (result.rejections["reason"] == "outside the study area").all()


def test_onspd_sample_as_directory(shared_data):
    path = shared_data / PC / "postcodesio_seed_onspd_AB1_sample.csv"
    settings = Settings(offline=True)
    result = geocode_postcodes(
        ["M1 1AD", "m11 1aa", "SE1 2DL", "SE1 9ZZ", "AB1 0AA", "JE2 4WD", "ZZ9 9ZZ"],
        settings=settings,
        directory=path,
    )
    assert result.found.loc["M1 1AD", "lsoa21"] == "E01033658"
    assert result.found.loc["M11 1AA", "lsoa21"] == "E01034113"
    assert result.found.loc["SE1 2DL", "lat"] == pytest.approx(51.498972)
    reasons = dict(zip(result.unmatched["postcode"], result.unmatched["reason"], strict=True))
    assert reasons == {
        "SE1 9ZZ": "postcode terminated (1998-12)",
        "AB1 0AA": "postcode terminated (1996-06)",
        "JE2 4WD": "postcode has no coordinates",
        "ZZ9 9ZZ": "postcode not found",
    }
    whole = read_postcode_directory(path)
    assert len(whole) == 8048
    assert int(whole["doterm"].notna().sum()) == 3811
    assert int(whole["lat"].isna().sum()) == 2


def test_postcode_latlon_tsv_as_directory(shared_data):
    path = shared_data / PC / "openinnovations_warmspaces_postcode_latlon.tsv"
    frame = read_postcode_directory(path)
    assert len(frame) == 1076
    assert frame["lat"].between(50.02, 56.97).all() and frame["lon"].between(-6.54, 1.63).all()
    result = geocode_postcodes(["al1 3hg"], settings=Settings(offline=True), directory=path)
    assert result.found.loc["AL1 3HG", "lat"] == pytest.approx(51.75497)


@pytest.mark.parametrize(("code", "count", "multi"), [("W06000024", 36, 0), ("W06000004", 58, 4)])
def test_welsh_lsoa21_boundaries(shared_data, code, count, multi):
    name = f"drkane_lsoa21_{code}.geojson"
    data = (shared_data / WALES / name).read_bytes()
    result = read_boundary_upload(data, name)
    assert (result.rows_in, result.loaded, result.rejected) == (count, count, {})
    assert len(result.frame) == count
    assert result.frame["area_id"].str.startswith("W01").all()
    assert int((result.frame.geom_type == "MultiPolygon").sum()) == multi
    assert result.frame.crs.to_epsg() == 27700 and result.detected.crs == "EPSG:4326"
    dissolved = read_boundary_upload(data, name, mode="study_area")
    assert len(dissolved.frame) == 1
    assert dissolved.frame.geometry.iat[0].area == pytest.approx(
        result.frame.geometry.area.sum(), rel=1e-3
    )


def test_check_upload_on_real_file(shared_data):
    report = check_upload(shared_data / WARM / "brc_warm_spaces_2022-12-05.geojson", "assets")
    text = report.render_text()
    assert report.usable
    assert "Format: GeoJSON" in text and "Loaded: 3,281" in text and "Rows: 3,281" in text


def test_imd2019_lsoa11_table_bridged_with_the_real_lookup(shared_data):
    """A council's IMD 2019 extract (LSOA 2011) uploaded and carried to LSOA 2021."""
    import csv
    import io

    from geo.sources.lookups import read_lsoa11_lsoa21_lookup
    from geo.uploads import read_indicators_upload

    lookup = read_lsoa11_lsoa21_lookup(
        shared_data / "lookups" / "geographr_lookup_lsoa11_lsoa21_ltla22.csv"
    )
    source = shared_data / "imd2019_england" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.reader(handle)]
    header, body = rows[0], [r for r in rows[1:] if r[2] == "E06000001"]  # Hartlepool
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *body])
    data = buffer.getvalue().encode("utf-8-sig")
    result = read_indicators_upload(
        data,
        "hartlepool_imd2019.csv",
        lsoa_lookup=lookup,
        mapping=ColumnMapping(values=["Index of Multiple Deprivation (IMD) Rank"]),
    )
    assert result.detected.guesses["code"] == "LSOA code (2011)"
    assert (result.rows_in, result.loaded, result.rejected) == (len(body), len(body), {})
    expected = set(lookup.loc[lookup["lsoa11cd"].isin([r[0] for r in body]), "lsoa21cd"])
    assert set(result.frame.index) == expected
    rank = {r[0]: float(r[4].replace(",", "")) for r in body}
    merged = result.frame.loc["E01035188", "Index of Multiple Deprivation (IMD) Rank"]
    assert merged == pytest.approx((rank["E01011973"] + rank["E01011976"]) / 2)
    assert any("carried to" in n for n in result.notes)
