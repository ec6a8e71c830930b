"""The Streamlit pages, run headless with ``streamlit.testing.v1.AppTest``.

Most tests use the tiny mirror (Testham: a 3×3 grid of square LSOAs with a
few libraries), so they are fast and need no real data; one compares the two
risk models on Manchester when the real-data mirror is present.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo.params import Parameters
from geo.present import glossary
from tests.helpers_app import (
    APP,
    METHOD,
    PROJECT,
    REPORT,
    TIMEOUT,
    UPLOAD,
    _explorer,
    _map_args,
    _metrics,
    _no_errors,
    _page,
)
from tests.tiny_mirror import OTHERBY, TESTHAM, grid_codes, write_mirror
from ui import params


def test_map_page_draws_every_area_of_the_default_area(tiny_env):
    at = _explorer()
    _no_errors(at)
    metrics = _metrics(at)
    assert metrics["Residents"] == "12,600"
    assert metrics["Priority gaps (this area)"] == "2"
    args = _map_args(at)
    layers = args["feature_group"]
    for code in grid_codes()[:9]:
        assert f'"{code}"' in layers, code
    assert "E01900010" not in layers  # Otherby is another local authority
    # Leaflet comes from the vendored copy, never a CDN
    assert any(link.endswith("/vendor/leaflet/leaflet.js") for link in args["js_links"])
    assert not any("cdn" in link for link in args["js_links"] + args["css_links"])
    # only clicks come back to Python: panning never reruns the script
    assert set(args["returned_objects"]) <= {"last_object_clicked", "last_object_clicked_count"}


def test_layer_switch_changes_the_map_not_the_view(tiny_env):
    at = _explorer()
    before = _map_args(at)
    at.segmented_control(key=params.LAYER).set_value("gaps").run()
    _no_errors(at)
    after = _map_args(at)
    assert after["feature_group"] != before["feature_group"]
    assert "Gaps: loneliness risk" in after["feature_group"]
    # the base map is unchanged, so the component keeps the user's pan and zoom
    assert after["script"] == before["script"]
    assert after["key"] == before["key"] if "key" in after else True


def test_access_layer_offers_categories_and_walking_time(tiny_env):
    at = _explorer()
    at.segmented_control(key=params.LAYER).set_value("access").run()
    at.selectbox(key=params.ACCESS_MEASURE).set_value("walk").run()
    _no_errors(at)
    walk = glossary.label("walk").replace("·", "\\u00b7")
    title = f"{walk} \\u00b7 {glossary.label('any_place')}"  # as the map's script writes it
    assert title in _map_args(at)["feature_group"]
    at.selectbox(key=params.ACCESS_CATEGORY).set_value("library").run()
    _no_errors(at)
    assert f"{walk} \\u00b7 Library" in _map_args(at)["feature_group"]


def test_all_weights_zero_gives_a_message_not_a_traceback(tiny_env):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[params.AREA] = TESTHAM
    at.session_state[params.MODEL] = "all-ages"  # the weights are the composite index's
    at.run()
    for slider in at.slider:
        if slider.key and slider.key.startswith(params.WEIGHT_PREFIX):
            slider.set_value(0)
    at.run()
    assert not at.exception
    assert any("weights are zero" in e.value for e in at.error)


def test_unusable_area_gives_a_message_not_a_traceback(tiny_env):
    at = _explorer(OTHERBY)  # one LSOA without deprivation data: no risk can be scored
    assert not at.exception
    assert any("No weighted indicator can be used" in e.value for e in at.error)


def test_selecting_an_area_opens_its_panel(tiny_env):
    at = _explorer()
    at.session_state[params.SELECTED] = "E01900005"
    at.run()
    _no_errors(at)
    text = " ".join(m.value for m in at.markdown)
    assert "What drives the risk here" in text
    assert "Community places nearby" in text
    assert "Testham 005A" in text
    # the selected area is outlined on the map
    assert "Selected area" in _map_args(at)["feature_group"]


def test_the_search_box_selects_a_small_area_like_a_click(tiny_env):
    at = _explorer()
    at.text_input(key="search_query").input("Testham 003").run()
    hit = next(b for b in at.button if b.label.startswith("Testham 003A"))
    hit.click().run()
    _no_errors(at)
    assert at.session_state[params.SELECTED] == "E01900003"
    assert any("Testham 003A" in m.value for m in at.markdown)


def test_hostile_asset_names_are_escaped_in_the_map(tmp_path, monkeypatch):
    hostile = "<img src=x onerror=document.title='pwned'>${alert(1)}`"
    sources = write_mirror(tmp_path / "mirror", hostile_name=hostile)
    monkeypatch.setenv("ATLAS_SOURCES", str(sources))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")
    at = _explorer()
    _no_errors(at)
    layers = _map_args(at)["feature_group"]
    # tags are never passed through raw (the asset reader also strips them from names)
    assert "<img" not in layers
    # template syntax is neutralised: $ { } ` become character references
    # (&#36; &#123; &#125; &#96;, JSON-encoded as \u0026#36; ...), shown as text
    assert "alert(1)" in layers
    assert "${" not in layers and "{alert" not in layers
    assert "#36;\\u0026#123;alert(1)\\u0026#125;" in layers


def test_gap_report_page_has_every_download(tiny_env):
    at = _page(REPORT, params.Choice(area=TESTHAM))
    _no_errors(at)
    next(b for b in at.button if b.label == "Prepare the downloads").click()
    at.run()
    _no_errors(at)
    buttons = at.get("download_button")
    labels = {b.proto.label for b in buttons}
    assert labels == {
        "PDF report",
        "HTML report",
        "Excel workbook",
        "CSV tables (zip)",
        "GeoPackage",
        "GeoJSON",
    }
    assert any("Testham" in t.value for t in at.title)
    frames = at.dataframe
    assert frames and "Manchester" not in str(frames[0].value)
    assert list(frames[0].value["Area"])[:1]  # the ranked priority gaps are listed


def test_gap_report_follows_the_map_settings(tiny_env):
    chosen = Parameters(thresholds=(200, 400), speed_m_s=1.3)
    at = _page(REPORT, params.Choice(area=TESTHAM, parameters=chosen))
    _no_errors(at)
    captions = " ".join(c.value for c in at.caption)
    assert "200 m, 400 m at 1.3 m/s" in captions


def test_download_names_match_the_exports(tiny_env):
    from geo.config import Settings
    from geo.params import Parameters
    from geo.pipeline import run_analysis
    from geo.report import export_bytes
    from ui.report_view import download_name

    result = run_analysis(TESTHAM, Parameters(permutations=9), settings=Settings.from_env())
    for fmt in ("csv", "geojson", "gpkg"):
        content, name, _mime = export_bytes(result, fmt)
        assert content
        assert download_name(result, fmt) == name


def test_method_page_runs(tiny_env):
    at = _page(METHOD, params.Choice(area=TESTHAM))
    _no_errors(at)
    text = " ".join(m.value for m in at.markdown)
    assert "Age UK model" in text
    assert "Limitations" not in text or "ecological" in text.lower()
    assert len(at.table) >= 3


UPLOAD_CSV = (
    "Site name,Type,Latitude,Longitude\n"
    "Hall <b>one</b>,community centre,{lat},{lon}\n"
    "Knit club,Knitting circle,{lat},{lon}\n"
    "Broken,library,not a number,{lon}\n"
)


def _upload_bytes() -> bytes:
    import geopandas as gpd
    import shapely

    from tests.tiny_mirror import X0, Y0

    point = gpd.GeoSeries([shapely.Point(X0 + 1500, Y0 + 1500)], crs=27700).to_crs(4326)[0]
    return UPLOAD_CSV.format(lat=round(point.y, 6), lon=round(point.x, 6)).encode()


def test_upload_flow_adds_places_to_the_analysis(tiny_env):
    at = _page(UPLOAD, params.Choice(area=TESTHAM))
    _no_errors(at)
    at.file_uploader(key="upload_file").set_value(("places.csv", _upload_bytes(), "text/csv"))
    at.run()
    _no_errors(at)
    metrics = _metrics(at)
    assert metrics["Rows in the file"] == "3"
    assert metrics["Places ready to add"] == "2"
    assert metrics["Rows with a problem"] == "1"
    add = at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("add-")))
    assert add.disabled  # the new category must be mapped first
    new = next(s for s in at.selectbox if s.key and s.key.startswith("newcat-"))
    new.set_value("community_centre").run()
    next(b for b in at.button if b.proto.label == "Use these categories").click().run()
    _no_errors(at)
    add = at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("add-")))
    assert not add.disabled
    add.click().run()
    _no_errors(at)
    assert any("Added 2 places" in s.value for s in at.success)
    uploads = at.session_state["atlas_uploads"]
    assert len(uploads) == 1 and len(uploads[0].frame) == 2

    # the uploaded places join the map, labelled as the user's data
    at.switch_page("app.py")
    at.session_state[params.AREA] = TESTHAM
    at.run()
    _no_errors(at)
    layers = _map_args(at)["feature_group"]
    assert "Hall" in layers and "<b>" not in layers
    assert "Uploaded assets: places.csv" in layers

    # a bad file afterwards gives a message and loses nothing
    at.switch_page(UPLOAD).run()
    at.file_uploader(key="upload_file").set_value(("bad.csv", b"\x00\x01\x02garbage", "text/csv"))
    at.run()
    assert not at.exception
    assert any("cannot be used" in e.value for e in at.error)
    assert len(at.session_state["atlas_uploads"]) == 1


@pytest.mark.shared_data
def test_model_switch_changes_the_headline_on_manchester(shared_data, monkeypatch):
    monkeypatch.setenv("ATLAS_SOURCES", str(PROJECT / "data" / "sources.shared.toml"))
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(shared_data))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")
    at = AppTest.from_file(APP, default_timeout=300).run()
    _no_errors(at)
    assert "Manchester" in at.sidebar.selectbox(key=params.AREA).format_func("E08000003")
    all_ages = _metrics(at)
    layers = _map_args(at)["feature_group"]
    assert layers.count('"E0100') >= 290  # Manchester's 295 LSOAs
    at.radio(key=params.MODEL).set_value("older").run()
    _no_errors(at)
    older = _metrics(at)
    assert older["Residents"] == all_ages["Residents"]
    assert (
        older["In England's 20% highest-risk areas"]
        != all_ages["In England's 20% highest-risk areas"]
    )
    assert _map_args(at)["feature_group"] != layers

    # weights change the all-ages result; reset restores it
    at.radio(key=params.MODEL).set_value("all-ages").run()
    at.session_state[params.SELECTED] = "E01005075"
    at.run()
    before = _metrics(at)["Risk score vs England"]
    at.slider(key="weight_bad_health").set_value(0).run()
    _no_errors(at)
    assert _metrics(at)["Risk score vs England"] != before
    at.button(key="reset_weights").click().run()
    assert at.slider(key="weight_bad_health").value == 15
    assert _metrics(at)["Risk score vs England"] == before


def test_the_priority_list_is_numbered_in_its_own_order(tiny_env):
    at = _explorer()
    _no_errors(at)
    table = next(df.value for df in at.dataframe if "No." in df.value.columns)
    assert list(table["No."]) == list(range(1, len(table) + 1))
    # the rank among all areas stays beside it, in increasing order
    ranks = list(table["Rank"])
    assert ranks == sorted(ranks)
