"""Benchmark of the explorer's map: payload, build time and draw time, against a baseline.

Run from the project folder (needs the real-data mirror named in
data/sources.shared.toml and Chromium at /usr/bin/chromium, or ATLAS_CHROMIUM)::

    python bench/bench_map.py                 # Manchester and Birmingham, plus the live app
    python bench/bench_map.py --no-app        # skip the live-app control-change timing
    python bench/bench_map.py --areas E08000003 --repeat 5

For each area, measured in the same run:

* **ours** — what the explorer sends: geometry simplified once as a coverage
  (``shapely.coverage_simplify``, 15 m, EPSG:27700), coordinates rounded to
  5 decimals, a GeoJSON dict with only the tooltip texts and a colour per
  area, community places as one GeoJSON layer per category (and inside/just
  outside), legends; built with :mod:`geo.maps` exactly as the app does.
* **baseline** — the obvious folium idiom: ``folium.GeoJson(gdf)`` on the
  region's GeoDataFrame as it comes (every column, unsimplified geometry),
  a ``style_function`` that looks the colour up per feature, a
  ``GeoJsonTooltip`` on the same fields, and one ``folium.CircleMarker`` with
  a ``folium.Tooltip`` per community place.

Both maps load the same vendored Leaflet from ``static/vendor`` (file://), so
neither waits on a CDN.  Reported: HTML bytes; Python build time (cold:
including simplification; warm: geometry cached, as after the first draw);
and the time headless Chromium takes from navigation until every area and
place is drawn as an SVG path (median of ``--repeat`` loads).

With ``--app`` (default when the mirror is present), a ``streamlit run``
server is started on a free port and Playwright times a control change in
the real app on Manchester: the layer switch from loneliness risk to gaps,
from the click until the map's legend shows the new layer (first time: the
layer is built; second time: it comes from the cache).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("ATLAS_SOURCES", str(PROJECT / "data" / "sources.shared.toml"))
os.environ.setdefault("ATLAS_OFFLINE", "1")

import folium  # noqa: E402
import pandas as pd  # noqa: E402
from benchserver import server  # noqa: E402

from geo import maps, pipeline  # noqa: E402
from geo.config import Settings  # noqa: E402
from geo.national import national_indicators  # noqa: E402
from geo.region import load_region  # noqa: E402
from geo.sources.taxonomy import CATEGORIES  # noqa: E402

LABELS = {c.key: c.label for c in CATEGORIES}
COLOURS = {c.key: c.colour for c in CATEGORIES}
VENDOR = (PROJECT / "static" / "vendor").as_uri()
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _mapview():
    # ui.mapview's pure helpers (the same tooltip texts as the app); importing it
    # outside a Streamlit run is fine.
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from ui import mapview

    return mapview


def ours(result: pipeline.Result, geometries: dict | None = None) -> tuple[str, dict]:
    """The explorer's map as one HTML page, and the geometry it used."""
    mv = _mapview()
    if geometries is None:
        geometries = maps.simplified_geometries(result.region.areas)
    view = mv.View(layer="risk", asset_categories=tuple(sorted(set(result.assets["category"]))))
    shown = mv.classes(result, view)
    props = mv.area_properties(result, shown)
    geojson = maps.feature_collection(geometries, props)
    m = maps.base_map(result.region.bounds_wgs84, tiles=None, static_url=VENDOR)
    maps.choropleth_layer(
        geojson,
        colour_property="colour",
        name=shown.title,
        tooltip_fields=mv.TOOLTIP_FIELDS,
        tooltip_aliases=mv.TOOLTIP_ALIASES,
        m=m,
    )
    codes = list(result.areas.index[result.areas["hotspot"].fillna(False).astype(bool)])
    maps.outline_layer(
        maps.outline_geometries(geometries, codes), name="Hot spots", tooltip="Hot spot", m=m
    )
    points = maps.asset_features(result.assets, labels=LABELS, region_name=result.region.name)
    maps.asset_layer(points, colours=COLOURS, m=m)
    maps.legend_control(
        maps.ramp_legend_html(None, [c for c, _ in shown.legend], shown.ramp or ("", "")),
        title=shown.title,
        m=m,
    )
    return m.get_root().render(), geometries


def baseline(result: pipeline.Result) -> str:
    """The obvious folium idiom: the GeoDataFrame as it is, one marker per place."""
    areas = result.areas.to_crs(4326)
    colours = maps.risk_classes(result.areas, model=result.parameters.model).colour
    gdf = areas.assign(colour=colours).reset_index()
    west, south, east, north = result.region.bounds_wgs84
    m = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=11, tiles=None)
    m.default_js = [(n, f"{VENDOR}/{p}") for n, p in maps.VENDORED_JS]
    m.default_css = [(n, f"{VENDOR}/{p}") for n, p in maps.VENDORED_CSS]
    folium.GeoJson(
        gdf,
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#666",
            "weight": 0.6,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["lsoa21nm", "lsoa21cd", "population", "risk_decile_national", "gap_label"]
        ),
    ).add_to(m)
    wgs = result.assets.to_crs(4326)
    for row, geom in zip(wgs.itertuples(index=False), wgs.geometry, strict=True):
        folium.CircleMarker(
            [geom.y, geom.x],
            radius=4,
            color="#222",
            fill=True,
            fill_color=COLOURS.get(row.category, "#444"),
            tooltip=folium.Tooltip(
                f"{maps.escape_html(row.name)} ({LABELS.get(row.category, row.category)})"
            ),
        ).add_to(m)
    m.fit_bounds([[south, west], [north, east]])
    return m.get_root().render()


def _chromium() -> str:
    for candidate in (
        os.environ.get("ATLAS_CHROMIUM"),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    raise SystemExit("Chromium not found: install it or set ATLAS_CHROMIUM")


def draw_seconds(browser, html_file: Path, expected: int, repeat: int) -> float:
    """Median seconds from navigation until ``expected`` SVG paths are drawn."""
    times = []
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        start = time.perf_counter()
        page.goto(html_file.as_uri(), wait_until="commit")
        page.wait_for_function(
            f"document.querySelectorAll('path.leaflet-interactive').length >= {expected}",
            timeout=180_000,
            polling=20,
        )
        times.append(time.perf_counter() - start)
        page.close()
    return statistics.median(times)


def bench_area(
    area: str, settings: Settings, national: pd.DataFrame, browser, repeat: int
) -> list[dict]:
    region = load_region(area, settings=settings)
    result = pipeline.run_analysis(region, settings=settings, national=national)
    n_paths = len(result.areas) + len(result.assets)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        html_ours, geometries = ours(result)
        cold = time.perf_counter() - t0
        warm_runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            ours(result, geometries)
            warm_runs.append(time.perf_counter() - t0)
        warm = statistics.median(warm_runs)
        t0 = time.perf_counter()
        html_base = baseline(result)
        base_build = time.perf_counter() - t0
        f_ours, f_base = Path(tmp, "ours.html"), Path(tmp, "baseline.html")
        f_ours.write_text(html_ours, encoding="utf-8")
        f_base.write_text(html_base, encoding="utf-8")
        draw_ours = draw_seconds(browser, f_ours, n_paths, repeat)
        draw_base = draw_seconds(browser, f_base, n_paths, repeat)
    name = f"{region.name} ({area}, {len(result.areas)} LSOAs, {len(result.assets)} places)"
    rows.append(
        {
            "area": name,
            "map": "baseline: folium.GeoJson(gdf) + a CircleMarker per place",
            "html_bytes": len(html_base.encode()),
            "build_s": base_build,
            "build_warm_s": base_build,
            "draw_s": draw_base,
        }
    )
    rows.append(
        {
            "area": name,
            "map": "ours: coverage-simplified GeoJSON dict, colours in Python",
            "html_bytes": len(html_ours.encode()),
            "build_s": cold,
            "build_warm_s": warm,
            "draw_s": draw_ours,
        }
    )
    return rows


# ---------------------------------------------------------------------------
# The live app: a control change
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def _server() -> Iterator[str]:
    env = {**os.environ, "ATLAS_TILES": "none"}
    with server(PROJECT, env, wait_s=60) as (url, _, _):
        yield url


def _legend_title(frame) -> str:
    with contextlib.suppress(Exception):
        return frame.evaluate(
            "() => [...document.querySelectorAll('.leaflet-bottom .atlas-legend summary')]"
            ".map((s) => s.textContent).join('|')"
        )
    return ""


def app_control_change(browser) -> list[dict]:
    """Seconds from clicking a layer to its legend on the map, in the running app."""
    rows = []
    with _server() as url:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        start = time.perf_counter()
        page.goto(url)
        frame = None
        while frame is None and time.perf_counter() - start < 300:
            for f in page.frames:
                with contextlib.suppress(Exception):
                    if f.locator("path.leaflet-interactive").count() >= 295:
                        frame = f
            time.sleep(0.05)
        first_draw = time.perf_counter() - start
        rows.append(
            {
                "step": "open the app on Manchester (server cold: region from disk cache)",
                "seconds": first_draw,
            }
        )
        for label, wanted, note in (
            ("Gaps: risk × access", "Gaps", "first time (layer built)"),
            ("Loneliness risk", "Loneliness", "back (cached)"),
            ("Gaps: risk × access", "Gaps", "again (cached)"),
            ("Deprivation", "Index", "first time (layer built)"),
        ):
            time.sleep(1.0)
            t0 = time.perf_counter()
            page.get_by_text(label, exact=True).click()
            while wanted not in _legend_title(frame):
                if time.perf_counter() - t0 > 60:
                    raise SystemExit(f"the map did not switch to {label}")
                time.sleep(0.01)
            rows.append(
                {"step": f"switch layer to {label}: {note}", "seconds": time.perf_counter() - t0}
            )
        page.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--areas", default="E08000003,E08000025")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-app", action="store_true", help="skip the live-app timing")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    settings = Settings.from_env()
    national = national_indicators(settings)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=LAUNCH_ARGS)
        rows = []
        for area in args.areas.split(","):
            rows.extend(bench_area(area.strip(), settings, national, browser, args.repeat))
        app_rows = [] if args.no_app else app_control_change(browser)
        browser.close()

    frame = pd.DataFrame(rows)
    print("\nMap of each area (median of", args.repeat, "draws in headless Chromium)\n")
    for area, group in frame.groupby("area", sort=False):
        base = group.iloc[0]
        print(area)
        for _, r in group.iterrows():
            print(
                f"  {r['map']:<62} {r['html_bytes'] / 1e6:7.2f} MB  "
                f"build {r['build_s']:6.2f} s (warm {r['build_warm_s']:5.2f} s)  "
                f"draw {r['draw_s']:6.2f} s"
            )
        ours_row = group.iloc[1]
        print(
            f"  ratios baseline/ours: bytes {base['html_bytes'] / ours_row['html_bytes']:.1f}×, "
            f"warm build {base['build_s'] / ours_row['build_warm_s']:.1f}×, "
            f"draw {base['draw_s'] / ours_row['draw_s']:.1f}×\n"
        )
    if app_rows:
        print("Live app (streamlit run, Manchester, Chromium): click → new legend on the map")
        for r in app_rows:
            print(f"  {r['step']:<62} {r['seconds']:6.2f} s")
    print(json.dumps({"areas": rows, "app": app_rows}, default=float))


if __name__ == "__main__":
    main()
