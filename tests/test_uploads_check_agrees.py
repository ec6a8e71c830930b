"""``python -m geo check`` predicts what the Upload page says about the same file."""

from __future__ import annotations

import io
import re

import geopandas as gpd
import shapely

from geo.cli import main
from tests.helpers_app import UPLOAD, _metrics, _no_errors, _page
from tests.tiny_mirror import TESTHAM, X0, Y0
from ui import params


def _mixed_places_csv() -> bytes:
    inside = gpd.GeoSeries([shapely.Point(X0 + 2500, Y0 + 2500)], crs=27700).to_crs(4326)[0]
    far = gpd.GeoSeries([shapely.Point(X0 + 60_000, Y0 + 60_000)], crs=27700).to_crs(4326)[0]
    # 3 km north of the 3 km square: outside the 2 km buffer (and inside twice that)
    near = gpd.GeoSeries([shapely.Point(X0 + 1500, Y0 + 6000)], crs=27700).to_crs(4326)[0]
    return (
        "name,category,lat,lon\n"
        f"Knit club,community centre,{inside.y:.6f},{inside.x:.6f}\n"
        f"Yarn corner,library,{inside.y + 0.0005:.6f},{inside.x:.6f}\n"
        f"Far hall,community centre,{far.y:.6f},{far.x:.6f}\n"
        f"Swapped,library,{inside.x:.6f},{inside.y:.6f}\n"
        f"Just beyond,library,{near.y:.6f},{near.x:.6f}\n"
        "No place,library,,\n"
        "Words,library,north,west\n"
    ).encode()


def _cli_counts(path) -> dict[str, int]:
    out = io.StringIO()
    main(["check", str(path), "--kind", "assets", "--area", TESTHAM], out=out)
    text = out.getvalue()
    found = {}
    for label, key in (
        ("Rows", "rows"),
        ("Loaded", "loaded"),
        ("Outside the study area", "outside"),
    ):
        match = re.search(rf"^{label}: ([\d,]+)$", text, re.MULTILINE)
        found[key] = int(match.group(1).replace(",", "")) if match else 0
    found["rejected"] = found["rows"] - found["loaded"] - found["outside"]
    return found


def test_cli_check_gives_the_counts_the_upload_page_shows(tiny_env, tmp_path):
    data = _mixed_places_csv()
    path = tmp_path / "places.csv"
    path.write_bytes(data)
    cli = _cli_counts(path)
    assert cli == {"rows": 7, "loaded": 2, "outside": 2, "rejected": 3}

    at = _page(UPLOAD, params.Choice(area=TESTHAM))
    at.file_uploader(key="upload_file").set_value(("places.csv", data, "text/csv")).run()
    _no_errors(at)
    shown = _metrics(at)
    app = {
        "rows": int(shown["Rows in the file"].replace(",", "")),
        "loaded": int(shown["Places ready to add"].replace(",", "")),
        "rejected": int(shown["Rows with a problem"].replace(",", "")),
        "outside": int(shown["Outside the area"].replace(",", "")),
    }
    assert app == cli
