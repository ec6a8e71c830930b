"""The Upload page's flows, run headless with AppTest on the tiny mirror (Testham)."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import shapely

from geo.sources.registry import load_sources
from tests.helpers_app import UPLOAD, _map_args, _metrics, _no_errors, _page
from tests.tiny_mirror import TESTHAM, X0, Y0, grid_codes
from ui import params


def _start() -> object:
    at = _page(UPLOAD, params.Choice(area=TESTHAM))
    _no_errors(at)
    return at


def _button(at: object, prefix: str) -> object:
    return at.button(key=next(b.key for b in at.button if b.key and b.key.startswith(prefix)))


def _places_csv() -> bytes:
    point = gpd.GeoSeries([shapely.Point(X0 + 2500, Y0 + 2500)], crs=27700).to_crs(4326)[0]
    return (
        "name,category,lat,lon\n"
        f"Knit club,Knitting circle,{point.y:.6f},{point.x:.6f}\n"
        f"Yarn corner,Knitting circle,{point.y + 0.0005:.6f},{point.x:.6f}\n"
    ).encode()


def _indicator_csv() -> bytes:
    # a made-up need score: high in the first row of squares, low elsewhere
    rows = [f"{code},{90 if i < 3 else 5}" for i, code in enumerate(grid_codes()[:9])]
    return ("LSOA21CD,need_score\n" + "\n".join(rows) + "\nE01999999,7\n").encode()


def _boundary_geojson() -> bytes:
    # the left column of Testham's 3×3 grid: three LSOAs
    box = shapely.box(X0 - 100, Y0 - 100, X0 + 900, Y0 + 2900)
    wgs = gpd.GeoSeries([box], crs=27700).to_crs(4326)
    return wgs.to_json().encode()


def _add_indicators(at: object, weight: int) -> object:
    at.radio(key="upload_kind").set_value("indicators").run()
    at.file_uploader(key="upload_file_indicators").set_value(
        ("need.csv", _indicator_csv(), "text/csv")
    ).run()
    _no_errors(at)
    metrics = _metrics(at)
    assert metrics["Rows in the file"] == "10"
    assert metrics["Areas with values"] == "9"
    assert metrics["Outside the area"] == "1"
    slider = next(s for s in at.slider if s.key and s.key.startswith("ind-w-"))
    slider.set_value(weight).run()
    _button(at, "add-ind-").click().run()
    _no_errors(at)
    return at


def test_indicator_weight_changes_the_risk(tiny_env):
    at = _add_indicators(_start(), weight=5)
    assert any("now count in the risk index" in s.value for s in at.success)
    tables = at.session_state["atlas_indicator_uploads"]
    assert len(tables) == 1 and tables[0].weights == {"need_score": 5.0}

    at.switch_page("app.py")
    at.session_state[params.AREA] = TESTHAM
    at.run()
    _no_errors(at)
    with_need = at.session_state[params.CHOICE_KEY]
    risk_with = _risk(at, with_need)

    # remove it: the risk goes back
    at.switch_page(UPLOAD).run()
    _button(at, "remove-ind-").click().run()
    _no_errors(at)
    assert at.session_state["atlas_indicator_uploads"] == []
    risk_without = _risk(at, with_need)
    assert risk_with["E01900001"] > risk_without["E01900001"]
    assert risk_with["E01900009"] < risk_without["E01900009"]


def _risk(at: object, choice: params.Choice) -> dict[str, float]:
    """The risk scores the pages would show for ``choice`` in ``at``'s session."""
    from ui import cache, config, session

    tables = tuple(at.session_state["atlas_indicator_uploads"])
    result = cache._analysis(
        choice, config.key_of(config.settings()), session.uploads_key((), tables), (), tables
    )
    column = "risk_score" if "risk_score" in result.areas else "risk"
    return result.areas[column].to_dict()


def test_new_category_is_kept_and_counted(tiny_env):
    at = _start()
    at.file_uploader(key="upload_file").set_value(("knit.csv", _places_csv(), "text/csv")).run()
    _no_errors(at)
    new = next(s for s in at.selectbox if s.key and s.key.startswith("newcat-"))
    assert new.options[0].startswith("Keep")
    new.set_value("new:knitting_circle").run()
    next(b for b in at.button if b.proto.label == "Use these categories").click().run()
    _no_errors(at)
    add = _button(at, "add-")
    assert not add.disabled
    add.click().run()
    _no_errors(at)
    assert any("Added 2 places" in s.value for s in at.success)

    at.switch_page("app.py")
    at.session_state[params.AREA] = TESTHAM
    at.run()
    _no_errors(at)
    shown = at.multiselect(key=params.SHOW_ASSETS)
    assert "user_knitting_circle" in shown.value
    assert "Knitting circle (your category)" in shown.options
    layers = _map_args(at)["feature_group"]
    assert "Knit club" in layers
    choice = at.session_state[params.CHOICE_KEY]
    from ui import cache, config, session

    items = tuple(at.session_state["atlas_uploads"])
    result = cache._analysis(
        choice, config.key_of(config.settings()), session.uploads_key(items, ()), items, ()
    )
    assert "user_knitting_circle" in result.categories  # counted as provision
    assert (result.assets["category"] == "user_knitting_circle").sum() == 2


def test_boundary_becomes_the_study_area(tiny_env):
    at = _start()
    at.radio(key="upload_kind").set_value("boundary").run()
    at.file_uploader(key="upload_file_boundary").set_value(
        ("left_column.geojson", _boundary_geojson(), "application/geo+json")
    ).run()
    _no_errors(at)
    assert _metrics(at)["LSOAs inside the boundary"] == "3"
    _button(at, "use-study-").click().run()
    _no_errors(at)
    assert any("now cover" in s.value for s in at.success)

    at.switch_page("app.py")
    at.session_state[params.AREA] = TESTHAM
    at.run()
    _no_errors(at)
    layers = _map_args(at)["feature_group"]
    assert '"E01900001"' in layers and '"E01900002"' not in layers
    notices = [i.value for i in at.sidebar.info]
    assert any(
        "Study area: left column" in n
        and "(your boundary" in n
        and "remove it on the Upload page" in n
        for n in notices
    ), notices
    assert at.selectbox(key=params.AREA).disabled

    # remove it: back to the nine areas of Testham
    at.switch_page(UPLOAD).run()
    at.button(key="remove-study").click().run()
    at.switch_page("app.py").run()
    _no_errors(at)
    assert '"E01900002"' in _map_args(at)["feature_group"]
    assert not any("Study area" in i.value for i in at.sidebar.info)
    assert not at.selectbox(key=params.AREA).disabled


def test_saved_upload_set_is_a_sources_file(tiny_env, tmp_path):
    at = _start()
    at = _add_indicators(at, weight=2)
    at.radio(key="upload_kind").set_value("places").run()
    at.file_uploader(key="upload_file").set_value(("knit.csv", _places_csv(), "text/csv")).run()
    next(s for s in at.selectbox if s.key and s.key.startswith("newcat-")).set_value(
        "community_centre"
    ).run()
    next(b for b in at.button if b.proto.label == "Use these categories").click().run()
    _button(at, "add-").click().run()
    _no_errors(at)
    assert any("sources.toml" in m.value for m in at.markdown)
    assert any(
        b.proto.label.startswith("Download the upload set") for b in at.get("download_button")
    )
    # the bytes behind the button, from the upload set kept in this session
    from ui.uploads import reading

    data = reading.save_set_zip(
        [(u.name, u.frame) for u in at.session_state["atlas_uploads"]],
        [(t.name, t.frame) for t in at.session_state["atlas_indicator_uploads"]],
    )
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        assert "atlas_uploads/sources.toml" in names
        assert any(n.endswith(".geojson") for n in names)
        assert any(n.endswith(".csv") for n in names)
        zf.extractall(tmp_path)
    sources = load_sources(tmp_path / "atlas_uploads" / "sources.toml")
    assert sources is not None
    geo = json.loads(next((tmp_path / "atlas_uploads").glob("*.geojson")).read_text())
    assert len(geo["features"]) == 2
    text = (tmp_path / "atlas_uploads" / "sources.toml").read_text()
    assert "[[assets]]" in text and "[[indicators]]" in text


def test_bad_indicator_file_loses_nothing(tiny_env):
    at = _add_indicators(_start(), weight=1)
    at.file_uploader(key="upload_file_indicators").set_value(
        ("bad.csv", b"\x00\x01\x02garbage", "text/csv")
    ).run()
    assert not at.exception
    assert any("cannot be used" in e.value or "could not be read" in e.value for e in at.error)
    assert len(at.session_state["atlas_indicator_uploads"]) == 1


def test_uploaded_indicator_is_a_map_layer(tiny_env):
    at = _add_indicators(_start(), weight=0)
    at.switch_page("app.py")
    at.session_state[params.AREA] = TESTHAM
    at.run()
    _no_errors(at)
    layer = at.segmented_control(key=params.LAYER)
    assert "Your data" in layer.options
    layer.set_value("user").run()
    _no_errors(at)
    column = at.selectbox(key="user_layer")
    assert column.value == "user_need_score"
    assert "Your data: need_score" in column.options
    layers = _map_args(at)["feature_group"]
    assert "need_score (your data)" in layers  # legend and tooltip name the column
    assert '"yours":"90"' in layers and '"yours":"5"' in layers  # the values, per area
    assert any("Your data: need" in c.value for c in at.caption)


def test_uploaded_indicator_names_are_escaped_on_the_map(tiny_env):
    at = _start()
    at.radio(key="upload_kind").set_value("indicators").run()
    rows = "\n".join(f"{code},{i}" for i, code in enumerate(grid_codes()[:9]))
    hostile = "<img src=x onerror=alert(1)>{{7*7}}"
    at.file_uploader(key="upload_file_indicators").set_value(
        ("hostile.csv", f'LSOA21CD,"{hostile}"\n{rows}\n'.encode(), "text/csv")
    ).run()
    _no_errors(at)
    _button(at, "add-ind-").click().run()
    _no_errors(at)
    at.switch_page("app.py")
    at.session_state[params.AREA] = TESTHAM
    at.session_state[params.LAYER] = "user"
    at.run()
    _no_errors(at)
    layers = _map_args(at)["feature_group"]
    assert "<img" not in layers
    assert "7*7" in layers and "{7*7" not in layers  # shown as text, never evaluated
    assert "lt;img src=x" in layers


def test_weighted_indicator_drives_the_area_panel(tiny_env):
    at = _add_indicators(_start(), weight=5)
    at.switch_page("app.py")
    at.session_state[params.AREA] = TESTHAM
    at.run()
    at.session_state[params.SELECTED] = "E01900001"
    at.run()
    _no_errors(at)
    assert any("What drives the risk here" in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "Indicator" in d.value.columns)
    row = table[table["Indicator"] == "need_score (your data)"]
    assert len(row) == 1, list(table["Indicator"])
    assert row["Value"].iloc[0] == "90"
    assert float(row["Adds"].iloc[0]) > 0  # a high value raises the risk here
