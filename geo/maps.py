"""Folium map builders and the colours of every map layer.

Builders take ``m=None`` and add their layer to an existing map or feature
group, so layers compose.  Geometry is simplified once as a coverage in
EPSG:27700 (so neighbouring areas keep shared edges), converted to WGS84 for
display only, rounded, and handed to folium as a GeoJSON dict with colours
already in the properties.  Every string that reaches HTML (tooltips, layer
names, legends) is escaped with :func:`escape_html`, which also neutralises
the backtick and dollar sign that template literals would otherwise evaluate.

Colours are computed here, in Python, from a :class:`geo.pipeline.Result`:

* :func:`risk_classes` — loneliness-risk deciles (England when known);
* :func:`access_classes` — E2SFCA quintiles or walking minutes to the nearest
  asset, for any asset or one category;
* :func:`gap_classes` — the nine risk × access classes of :mod:`geo.gaps`;
* :func:`deprivation_classes` — IMD deciles.

Each returns a :class:`Classes`: a colour and a short text per area, and the
legend that explains them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from geo.escaping import escape_html

CRS = "EPSG:27700"
#: Decile colours, 1 = most deprived (dark) to 10 = least deprived (light).
DECILE_COLOURS = (
    "#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6",
    "#9ecae1", "#c6dbef", "#deebf7", "#eef5fb", "#f7fbff",
)  # fmt: skip
#: Loneliness-risk decile colours, 1 = highest risk (dark red) to 10 = lowest.
RISK_COLOURS = (
    "#67000d", "#a50f15", "#cb181d", "#ef3b2c", "#fb6a4a",
    "#fc9272", "#fcbba1", "#fddcc9", "#feeee5", "#fff8f4",
)  # fmt: skip
#: Access quintile colours, lowest access (pale) to highest (dark green).
USER_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
ACCESS_COLOURS = ("#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c")
#: Walking-time bands (upper bound in minutes) and colours: near is dark.
WALK_BANDS = (5, 10, 15, 20, 30)
WALK_COLOURS = ("#00441b", "#238b45", "#66c2a4", "#ccece6", "#fff7bc", "#fec44f")
NO_DATA = "#d9d9d9"
NO_ACCESS = "#fde0ef"
HOTSPOT_COLOUR = "#ff6f00"
SELECTION_COLOUR = "#111111"
BACKGROUND = "#f3f2ee"


# ---------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------


def simplified_geometries(
    areas: gpd.GeoDataFrame, *, tolerance_m: float = 15.0, precision: int = 5
) -> dict[str, dict[str, Any]]:
    """Each area's simplified WGS84 geometry as a GeoJSON geometry dict.

    The polygons are simplified together (``shapely.coverage_simplify``) in
    EPSG:27700 so shared edges stay shared and no slivers open between
    neighbours; coordinates are rounded to ``precision`` decimals (5 ≈ 1 m).
    """
    geoms = areas.to_crs(CRS).geometry.values if areas.crs else areas.geometry.values
    try:
        simple = shapely.coverage_simplify(geoms, tolerance_m)
    except Exception:  # invalid coverage: fall back to per-polygon simplification
        simple = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    wgs = gpd.GeoSeries(simple, index=areas.index, crs=CRS).to_crs(4326)
    wgs = wgs.set_precision(10 ** (-precision))
    return {
        str(code): shapely.geometry.mapping(geom)
        for code, geom in zip(areas.index, wgs.values, strict=True)
    }


def feature_collection(
    geometries: Mapping[str, Mapping[str, Any]], properties: pd.DataFrame
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the areas in ``properties`` (index = code).

    String properties are HTML-escaped; numbers become plain floats or ints
    (NaN becomes null).  Areas without a geometry are left out.
    """
    records = properties.to_dict(orient="index")
    features = [
        {
            "type": "Feature",
            "id": str(code),
            "properties": {k: _clean(v) for k, v in rec.items()},
            "geometry": geometries[str(code)],
        }
        for code, rec in records.items()
        if str(code) in geometries
    ]
    return {"type": "FeatureCollection", "features": features}


def simplified_geojson(
    areas: gpd.GeoDataFrame,
    properties: pd.DataFrame,
    *,
    tolerance_m: float = 15.0,
    precision: int = 5,
) -> dict[str, Any]:
    """A compact WGS84 GeoJSON dict of the areas with the given properties."""
    geometries = simplified_geometries(areas, tolerance_m=tolerance_m, precision=precision)
    return feature_collection(geometries, properties.reindex(areas.index))


def outline_geometries(
    geometries: Mapping[str, Mapping[str, Any]], codes: Sequence[str]
) -> list[dict[str, Any]]:
    """The outlines of groups of touching areas (dissolved), as geometry dicts."""
    shapes = [shapely.geometry.shape(geometries[c]) for c in codes if c in geometries]
    if not shapes:
        return []
    merged = shapely.union_all(shapely.make_valid(np.array(shapes, dtype=object)), grid_size=1e-6)
    parts = list(getattr(merged, "geoms", [merged]))
    return [
        shapely.geometry.mapping(p) for p in parts if p.geom_type in {"Polygon", "MultiPolygon"}
    ]


def locate(geometries: Mapping[str, Mapping[str, Any]], lat: float, lng: float) -> str | None:
    """The code of the area containing (lat, lng), or None when outside every area."""
    codes = list(geometries)
    if not codes:
        return None
    shapes = [shapely.geometry.shape(geometries[c]) for c in codes]
    tree = shapely.STRtree(shapes)
    point = shapely.Point(lng, lat)
    hits = tree.query(point, predicate="covers")
    if len(hits):
        return codes[int(hits[0])]
    # A click on an edge drawn a pixel wide of the simplified polygon: take the
    # nearest area within ~30 m.
    nearest = tree.query_nearest(point, max_distance=0.0003)
    return codes[int(nearest[0])] if len(nearest) else None


def _clean(value: object) -> object:
    if isinstance(value, str):
        return escape_html(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    if value is pd.NA or value is None:
        return None
    return value


# ---------------------------------------------------------------------------
# Classes and colours
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Classes:
    """The colour and the text of each area on one map layer, and its legend.

    Attributes
    ----------
    colour
        Hex colour per area (index = area code).
    text
        What the colour means for that area, in a few words (for tooltips).
    title
        The legend's title.
    legend
        ``(colour, label)`` rows of the legend, in order.
    note
        One sentence under the legend (what "high" is compared with).
    ramp
        For ordered scales (deciles): the labels of the two ends, so the
        legend can be drawn as one compact colour bar.
    """

    colour: pd.Series
    text: pd.Series
    title: str
    legend: tuple[tuple[str, str], ...]
    note: str = ""
    ramp: tuple[str, str] | None = None


def risk_classes(areas: pd.DataFrame, *, model: str) -> Classes:
    """Loneliness-risk deciles: of England when national ranks exist, else of the region."""
    national = "risk_decile_national" in areas and areas["risk_decile_national"].notna().any()
    column = "risk_decile_national" if national else "risk_decile"
    deciles = pd.to_numeric(areas[column], errors="coerce")
    lookup = dict(enumerate(RISK_COLOURS, start=1))
    colour = deciles.map(lambda d: lookup.get(int(d), NO_DATA) if pd.notna(d) else NO_DATA)
    where = "England" if national else "this area"
    text = deciles.map(
        lambda d: f"decile {int(d)} of {where}" if pd.notna(d) else "no risk score"
    ).astype(str)
    who = "people aged 65+ (Age UK model)" if model == "older" else "all ages (composite index)"
    legend = tuple(
        (c, f"{i}{' — highest risk 10%' if i == 1 else ' — lowest risk 10%' if i == 10 else ''}")
        for i, c in enumerate(RISK_COLOURS, start=1)
    )
    note = f"Risk of loneliness, {who}: deciles of all areas in {where}" + (
        " (1 = the 10% of English areas most at risk)." if national else "."
    )
    return Classes(
        colour,
        text,
        f"Loneliness risk decile ({where})",
        legend,
        note,
        ramp=("1 highest risk", "10 lowest"),
    )


def _quintile_bins(values: pd.Series) -> tuple[pd.Series, list[float]]:
    positive = values[values > 0].dropna()
    if positive.empty:
        return pd.Series(np.nan, index=values.index), []
    qs = np.unique(np.quantile(positive.to_numpy(dtype=float), np.linspace(0, 1, 6)))
    if len(qs) < 2:
        qs = np.array([positive.min(), positive.max() + 1e-9])
    edges = list(qs)
    bins = pd.cut(values.where(values > 0), bins=edges, include_lowest=True, labels=False)
    return bins, edges


def access_classes(
    areas: pd.DataFrame,
    *,
    measure: str = "e2sfca",
    category: str | None = None,
    category_label: str = "any community asset",
    speed_m_s: float = 1.0,
    catchment_m: float = 1600.0,
) -> Classes:
    """Access to community assets per area.

    Parameters
    ----------
    measure
        ``"e2sfca"``: quintiles (within the region) of E2SFCA places per
        1,000 residents; ``"walk"``: walking minutes to the nearest asset.
    category
        A category key, or None for any asset counted.
    """
    if measure == "walk":
        column = f"nearest_{category}_m" if category else "nearest_any_m"
        metres = pd.to_numeric(areas.get(column, pd.Series(np.nan, index=areas.index)))
        minutes = metres / float(speed_m_s) / 60.0
        band = np.searchsorted(np.array(WALK_BANDS, dtype=float), minutes.to_numpy(), side="left")
        colour = pd.Series(
            [
                NO_DATA if np.isnan(m) else WALK_COLOURS[min(int(b), len(WALK_COLOURS) - 1)]
                for m, b in zip(minutes.to_numpy(), band, strict=True)
            ],
            index=areas.index,
        )
        text = minutes.map(
            lambda m: (
                "none loaded nearby"
                if pd.isna(m)
                else f"{m:.0f} min walk ({m * speed_m_s * 60:,.0f} m)"
            )
        ).astype(str)
        lows = (0, *WALK_BANDS)
        labels = [f"{a}–{b} min" for a, b in zip(lows, WALK_BANDS, strict=False)]
        labels[0] = f"up to {WALK_BANDS[0]} min"
        labels.append(f"over {WALK_BANDS[-1]} min")
        legend = (*zip(WALK_COLOURS, labels, strict=True), (NO_DATA, "none loaded"))
        note = (
            f"Straight-line distance from each area's population-weighted centre to the "
            f"nearest {category_label}, at {speed_m_s:g} m/s. Real walks are longer."
        )
        return Classes(colour, text, f"Walk to nearest {category_label}", legend, note)

    column = f"access_e2sfca_{category}" if category else "access_e2sfca"
    values = pd.to_numeric(areas.get(column, pd.Series(np.nan, index=areas.index)))
    bins, edges = _quintile_bins(values)
    colours = list(ACCESS_COLOURS[-(len(edges) - 1) :]) if edges else []
    colour = pd.Series(NO_DATA, index=areas.index)
    colour[values.fillna(-1) == 0] = NO_ACCESS
    known = bins.notna()
    colour[known] = [colours[int(b)] for b in bins[known]]
    text = values.map(
        lambda v: (
            "no data"
            if pd.isna(v)
            else ("none within reach" if v == 0 else f"{v:.2f} per 1,000 residents")
        )
    ).astype(str)
    legend = [(NO_ACCESS, f"none within {catchment_m / 1000:g} km")]
    for i, c in enumerate(colours):
        lo, hi = edges[i], edges[i + 1]
        suffix = " (lowest)" if i == 0 else " (highest)" if i == len(colours) - 1 else ""
        legend.append((c, f"{lo:.2f}–{hi:.2f}{suffix}"))
    note = (
        f"E2SFCA: {category_label} per 1,000 residents within {catchment_m:,.0f} m, "
        "shared among everyone who can reach them (higher = better provision). "
        "Classes are fifths of the areas here."
    )
    return Classes(
        colour,
        text,
        f"Access to {category_label} (per 1,000 residents)",
        tuple(legend),
        note,
    )


def gap_classes(areas: pd.DataFrame, *, labels: Mapping[str, str]) -> Classes:
    """The nine risk × access classes (``gap_colour`` and ``gap_label`` of the result)."""
    colour = areas["gap_colour"].where(areas["gap_colour"].notna(), NO_DATA).astype(str)
    colour = colour.where(colour.str.startswith("#"), NO_DATA)
    text = areas["gap_label"].where(areas["gap_class"].notna(), "no class").astype(str)
    legend = tuple((c, labels.get(k, k)) for k, c in _bivariate_order())
    return Classes(
        colour,
        text,
        "Gaps: loneliness risk × access",
        legend,
        "Thirds of the areas here by risk and by access; the darkest are priority gaps.",
    )


def deprivation_classes(areas: pd.DataFrame) -> Classes:
    """IMD 2025 deciles (1 = the most deprived 10% of England)."""
    deciles = pd.to_numeric(areas.get("imd_decile", pd.Series(np.nan, index=areas.index)))
    colour = decile_colour(deciles)
    text = deciles.map(
        lambda d: f"decile {int(d)} of England" if pd.notna(d) else "no IMD value"
    ).astype(str)
    legend = tuple(
        (
            c,
            f"{i}"
            + (" — most deprived 10%" if i == 1 else " — least deprived 10%" if i == 10 else ""),
        )
        for i, c in enumerate(DECILE_COLOURS, start=1)
    )
    return Classes(
        colour,
        text,
        "Index of Multiple Deprivation 2025",
        legend,
        "Deciles of England's small areas. Deprivation is one loneliness indicator among many.",
        ramp=("1 most deprived", "10 least"),
    )


def user_classes(areas: pd.DataFrame, column: str, *, label: str) -> Classes:
    """An uploaded indicator column in quantile classes (fifths of the areas with a value).

    ``label`` is the column's name as uploaded; it is only ever shown escaped.
    """
    values = pd.to_numeric(
        areas.get(column, pd.Series(np.nan, index=areas.index)), errors="coerce"
    ).astype(float)
    values = values.where(np.isfinite(values))
    known = values.dropna()
    colour = pd.Series(NO_DATA, index=areas.index, dtype=object)
    legend: list[tuple[str, str]] = []
    if not known.empty:
        edges = np.unique(np.quantile(known.to_numpy(), np.linspace(0, 1, 6)))
        if len(edges) < 2:
            edges = np.array([known.min(), known.max()])
        n = max(len(edges) - 1, 1)
        colours = USER_COLOURS[-n:] if n < len(USER_COLOURS) else USER_COLOURS
        bins = np.clip(np.searchsorted(edges, known.to_numpy(), side="right") - 1, 0, n - 1)
        colour[known.index] = [colours[int(b)] for b in bins]
        for i in range(n):
            lo, hi = edges[i], edges[min(i + 1, len(edges) - 1)]
            suffix = " (lowest)" if i == 0 and n > 1 else " (highest)" if i == n - 1 else ""
            legend.append((colours[i], f"{lo:,.4g}–{hi:,.4g}{suffix}"))
    legend.append((NO_DATA, "no value"))
    text = values.map(lambda v: "no value" if pd.isna(v) else f"{v:,.4g}").astype(str)
    return Classes(
        colour,
        text,
        f"{label} (your data)",
        tuple(legend),
        f"Your data: {label}, uploaded in this session and not checked by Belonging Atlas. "
        "Classes are fifths of the areas here with a value (darker = higher).",
    )


def decile_colour(deciles: pd.Series) -> pd.Series:
    """Colour per IMD decile (1 most deprived); grey when missing."""
    lookup = dict(enumerate(DECILE_COLOURS, start=1))
    return deciles.map(lambda d: lookup.get(int(d), NO_DATA) if pd.notna(d) else NO_DATA)


def _bivariate_order() -> list[tuple[str, str]]:
    from geo.gaps import BIVARIATE_COLOURS

    return [(f"{r}-{a}", BIVARIATE_COLOURS[f"{r}-{a}"]) for r in (3, 2, 1) for a in (1, 2, 3)]


# ---------------------------------------------------------------------------
# Map and layers
# ---------------------------------------------------------------------------

#: Where the vendored Leaflet and jQuery live under a static files URL.
VENDORED_JS = (("leaflet", "leaflet/leaflet.js"), ("jquery", "jquery/jquery.min.js"))
VENDORED_CSS = (("leaflet_css", "leaflet/leaflet.css"),)
OSM_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
DATA_ATTRIBUTION = (
    "ONS, MHCLG (OGL v3.0); OS data &copy; Crown copyright; places &copy; "
    '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)

_MAP_CSS = """
<style>
.leaflet-container { background: BACKGROUND; font-family: "Source Sans Pro", sans-serif; }
.leaflet-control-attribution { font-size: 10px !important; max-width: 70%; }
.leaflet-tooltip.foliumtooltip { padding: 4px 6px; }
.foliumtooltip table { border-collapse: collapse; font-size: 12px; }
.foliumtooltip th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: 600;
  vertical-align: top; white-space: nowrap; }
.foliumtooltip td { padding: 1px 0; white-space: normal; min-width: 150px; max-width: 230px; }
.atlas-legend { background: rgba(255,255,255,0.93); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); max-width: 250px; max-height: 380px; overflow-y: auto; }
</style>
""".replace("BACKGROUND", BACKGROUND)


class _Attribution(MacroElement):
    """Adds a fixed attribution line to the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.setPrefix(
            '<a href="https://leafletjs.com">Leaflet</a>');
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = text


class _KeepFitted(MacroElement):
    """Refit the map to its area when its frame is resized, until the user moves it.

    Inside Streamlit the map's frame often gets its final width after Leaflet
    has fitted the bounds, which would leave the area off-centre.  Also makes
    a click focus the map without scrolling the page.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var bounds = {{ this.bounds|tojson }};
            var touched = false;
            var box = map.getContainer();
            ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (name) {
                box.addEventListener(name, function () { touched = true; }, {passive: true});
            });
            function refit() {
                map.invalidateSize(false);
                if (!touched) { map.fitBounds(bounds, {animate: false}); }
            }
            if (window.ResizeObserver) { new ResizeObserver(refit).observe(box); }
            setTimeout(refit, 250);
            // Leaflet focuses the map on mousedown (for the arrow keys); in a page
            // that scrolls, focusing a map partly out of view scrolls it between
            // mousedown and mouseup and the click lands on another area. Focus
            // without scrolling instead.
            if (map.keyboard) {
                var keyboard = map.keyboard;
                var enabled = keyboard.enabled();
                if (enabled) { keyboard.disable(); }
                keyboard._onMouseDown = function () {
                    if (this._focused) { return; }
                    this._map._container.focus({preventScroll: true});
                };
                if (enabled) { keyboard.enable(); }
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "KeepFitted"
        self.bounds = bounds


def base_map(
    bounds_wgs84: Sequence[float],
    *,
    tiles: str | None = "OpenStreetMap",
    static_url: str | None = None,
    attribution: str = DATA_ATTRIBUTION,
) -> folium.Map:
    """An empty map fitted to (west, south, east, north).

    Parameters
    ----------
    tiles
        ``"OpenStreetMap"`` for the OSM basemap, or ``None`` for a plain
        background (offline: polygons and points still draw).
    static_url
        Base URL of the vendored Leaflet files (e.g. ``/app/static/vendor``);
        when given, the map loads Leaflet from there instead of a CDN, so it
        draws with no internet connection.
    attribution
        Data attribution shown in the map's corner (trusted HTML).
    """
    west, south, east, north = bounds_wgs84
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_snap=0.25,
    )
    if static_url is not None:
        base = static_url.rstrip("/")
        m.default_js = [(name, f"{base}/{path}") for name, path in VENDORED_JS]
        m.default_css = [(name, f"{base}/{path}") for name, path in VENDORED_CSS]
    m.get_root().header.add_child(Element(_MAP_CSS), name="atlas_css")
    if tiles == "OpenStreetMap":
        folium.TileLayer(
            "OpenStreetMap",
            name="OpenStreetMap",
            attr=OSM_ATTRIBUTION,
            control=False,
            opacity=0.6,
        ).add_to(m)
    if attribution:
        m.add_child(_Attribution(attribution))
    m.fit_bounds([[south, west], [north, east]])
    m.add_child(_KeepFitted([[south, west], [north, east]]))
    return m


def _target(m: folium.Map | folium.FeatureGroup | None) -> folium.Map | folium.FeatureGroup:
    return folium.Map(tiles=None) if m is None else m


class _RawScript(Element):
    """Script text placed in the page as it is (branca would parse it as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        """The text itself."""
        return self._text


class _GeoJsonLayer(MacroElement):
    """A GeoJSON layer styled from its features' properties, in one small script.

    Compared with ``folium.GeoJson`` it sends the data once, with no per-feature
    style table, and builds tooltips in the browser from properties that were
    escaped in Python (:func:`escape_html`), so nothing in them is ever
    interpreted as HTML or script.  ``style_js`` is a trusted JavaScript
    function of a feature returning its Leaflet style (our code, never data).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.atlasTooltip = window.atlasTooltip || function (props, fields, aliases) {
            var rows = "";
            for (var i = 0; i < fields.length; i++) {
                var v = props[fields[i]];
                if (v === null || v === undefined || v === "") { continue; }
                rows += "<tr><th>" + aliases[i] + "</th><td>" + v + "</td></tr>";
            }
            return "<table>" + rows + "</table>";
        };
        var {{ this.get_name() }} = L.geoJson({{ this.data_json }}, {
            interactive: {{ this.interactive|tojson }},
            style: {{ this.style_js }},
            pointToLayer: function (feature, latlng) {
                return L.circleMarker(latlng, ({{ this.style_js }})(feature));
            },
            onEachFeature: function (feature, layer) {
                {%- if this.fields %}
                layer.bindTooltip(function () {
                    return window.atlasTooltip(
                        feature.properties, {{ this.fields|tojson }}, {{ this.aliases|tojson }});
                }, {sticky: {{ this.sticky|tojson }}, className: "foliumtooltip"});
                {%- endif %}
                {%- if this.highlight %}
                layer.on("mouseover", function () {
                    // no bringToFront: moving the node under the pointer loses the click
                    layer.setStyle({{ this.highlight|tojson }});
                });
                layer.on("mouseout", function () {
                    layer.setStyle(({{ this.style_js }})(feature));
                });
                {%- endif %}
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def render(self, **kwargs: Any) -> None:
        """Add the script to the page as it is: the data is never parsed as a template."""
        figure = self.get_root()
        script = self._template.module.__dict__["script"](self, kwargs)
        figure.script.add_child(_RawScript(script), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        style_js: str,
        fields: Sequence[str] = (),
        aliases: Sequence[str] = (),
        highlight: Mapping[str, Any] | None = None,
        sticky: bool = True,
        interactive: bool = True,
    ) -> None:
        super().__init__()
        self._name = "GeoJsonLayer"
        self.data = dict(data)
        # serialised once (streamlit-folium renders the script twice), safe inside <script>
        self.data_json = htmlsafe_json_dumps(self.data, dumps=json.dumps, separators=(",", ":"))
        self.style_js = style_js
        self.fields = list(fields)
        self.aliases = [escape_html(a) for a in aliases]
        self.highlight = dict(highlight) if highlight else None
        self.sticky = sticky
        self.interactive = interactive


_AREA_STYLE_JS = (
    "function (f) { return {fillColor: f.properties.%s || '"
    + NO_DATA
    + "', color: '#6b6b6b', weight: 0.6, fillOpacity: %s}; }"
)
_ASSET_STYLE_JS = """function (f) {
    var p = f.properties;
    return p.inside
        ? {radius: 3.2, color: '#1f1f1f', weight: 0.6, fillColor: p.colour, fillOpacity: 0.95}
        : {radius: 2.6, color: p.colour, weight: 1.4, fillColor: '#ffffff', fillOpacity: 0.6};
}"""


def choropleth_layer(
    geojson: Mapping[str, Any],
    *,
    colour_property: str,
    name: str,
    tooltip_fields: Sequence[str],
    tooltip_aliases: Sequence[str],
    m: folium.Map | folium.FeatureGroup | None = None,
    fill_opacity: float = 0.75,
) -> folium.Map | folium.FeatureGroup:
    """Add polygons coloured by a precomputed colour property.

    ``geojson`` must come from :func:`feature_collection` (escaped strings);
    ``colour_property`` must be a plain identifier.
    """
    m = _target(m)
    if not colour_property.isidentifier():
        raise ValueError(f"colour_property must be an identifier, not {colour_property!r}")
    style = _AREA_STYLE_JS % (colour_property, float(fill_opacity))
    m.add_child(
        _GeoJsonLayer(
            geojson,
            style_js=style,
            fields=tooltip_fields,
            aliases=tooltip_aliases,
            highlight={"weight": 2.5, "color": "#000000"},
        )
    )
    return m


def outline_layer(
    outlines: Sequence[Mapping[str, Any]],
    *,
    name: str,
    tooltip: str,
    colour: str = HOTSPOT_COLOUR,
    weight: float = 3.0,
    dash: str | None = None,
    interactive: bool = False,
    m: folium.Map | folium.FeatureGroup | None = None,
) -> folium.Map | folium.FeatureGroup:
    """Add unfilled outlines (hot spots, the selected area)."""
    m = _target(m)
    if not outlines:
        return m
    features = [
        {"type": "Feature", "id": f"o{i}", "properties": {"what": escape_html(tooltip)},
         "geometry": dict(g)}
        for i, g in enumerate(outlines)
    ]  # fmt: skip
    style = {"color": colour, "weight": weight, "fill": False, "opacity": 0.95}
    if dash:
        style["dashArray"] = dash
    m.add_child(
        _GeoJsonLayer(
            {"type": "FeatureCollection", "features": features},
            style_js=f"function (f) {{ return {json.dumps(style)}; }}",
            fields=["what"] if interactive else (),
            aliases=[""] if interactive else (),
            interactive=interactive,
        )
    )
    return m


def asset_features(
    assets: gpd.GeoDataFrame,
    *,
    labels: Mapping[str, str],
    sources: Mapping[str, str] | None = None,
    region_name: str = "the area",
) -> pd.DataFrame:
    """Asset points as plain rows (lon, lat, escaped texts) for :func:`asset_layer`."""
    if assets.empty:
        return pd.DataFrame(
            columns=["lon", "lat", "name", "category", "category_label", "source", "where",
                     "in_region"]
        )  # fmt: skip
    wgs = assets.to_crs(4326)
    sources = sources or {}
    inside = (
        assets["in_region"].fillna(False).astype(bool)
        if "in_region" in assets
        else pd.Series(True, index=assets.index)
    )
    names = assets["name"].astype("string").fillna("").str.strip()
    out = pd.DataFrame(
        {
            "lon": wgs.geometry.x.round(5).to_numpy(),
            "lat": wgs.geometry.y.round(5).to_numpy(),
            "name": [escape_html(n) if n else "(no name recorded)" for n in names],
            "category": assets["category"].astype(str).to_numpy(),
            "category_label": [
                escape_html(labels.get(c, c)) for c in assets["category"].astype(str)
            ],
            "source": [
                escape_html(sources.get(str(s), str(s))) for s in assets["source"].astype(str)
            ],
            "where": np.where(
                inside.to_numpy(),
                escape_html(f"inside {region_name}"),
                escape_html(f"outside {region_name}, near its edge (still counted)"),
            ),
            "in_region": inside.to_numpy(),
        },
        index=assets.index,
    )
    return out


def asset_layer(
    points: pd.DataFrame,
    *,
    colours: Mapping[str, str],
    name: str = "Community places",
    m: folium.Map | folium.FeatureGroup | None = None,
) -> folium.Map | folium.FeatureGroup:
    """Add community places (rows of :func:`asset_features`) as one layer.

    Places inside the region are filled circles in their category's colour;
    places just outside it are smaller hollow circles in that colour.  Places
    outside are drawn first, so the region's own places sit on top.
    """
    m = _target(m)
    if points.empty:
        return m
    ordered = points.sort_values("in_region", kind="stable")
    features = [
        {
            "type": "Feature",
            "id": f"a{i}",
            "properties": {
                "name": row.name,
                "category": row.category_label,
                "where": row.where,
                "source": row.source,
                "colour": escape_html(colours.get(row.category, "#444444")),
                "inside": bool(row.in_region),
            },
            "geometry": {"type": "Point", "coordinates": [float(row.lon), float(row.lat)]},
        }
        for i, row in enumerate(ordered.itertuples(index=False))
    ]
    m.add_child(
        _GeoJsonLayer(
            {"type": "FeatureCollection", "features": features},
            style_js=_ASSET_STYLE_JS,
            fields=["name", "category", "where", "source"],
            aliases=["Name", "Category", "Where", "Source"],
            highlight={"weight": 3},
            sticky=False,
        )
    )
    return m


class _LegendControl(MacroElement):
    """A legend drawn on the map; replaces the previous one in the same slot.

    It can live in a feature group that streamlit-folium swaps without
    reloading the map: the script removes the legend it drew last time.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var slot = {{ this.slot|tojson }};
            window.atlasLegends = window.atlasLegends || {};
            if (window.atlasLegends[slot]) { window.atlasLegends[slot].remove(); }
            window.atlasLegends[slot] = null;
            if (!{{ this.html|tojson }}) { return; }
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "atlas-legend");
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this.map_name }});
            window.atlasLegends[slot] = legend;
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, position: str, slot: str, map_name: str) -> None:
        super().__init__()
        self._name = "LegendControl"
        self.html = html_text
        self.position = position
        self.slot = slot
        self.map_name = map_name


def legend_control(
    html_text: str,
    *,
    title: str | None = None,
    position: str = "bottomright",
    slot: str = "layer",
    m: folium.Map | folium.FeatureGroup | None = None,
    map_name: str = "map_div",
) -> folium.Map | folium.FeatureGroup:
    """Add a legend box to the map (``html_text`` must already be escaped).

    With a ``title`` the legend can be folded away by clicking the title, so it
    never hides the part of the map a user wants to see.

    ``map_name`` is the JavaScript name of the map the legend goes on: inside
    streamlit-folium it is ``map_div``; on a plain folium map it is the map's
    own name (the default then is that map when ``m`` is a map).
    """
    m = _target(m)
    name = m.get_name() if isinstance(m, folium.Map) else map_name
    if title and html_text:
        html_text = (
            '<details open><summary style="cursor:pointer;font-weight:600;font-size:12.5px">'
            f"{escape_html(title)}</summary>{html_text}</details>"
        )
    m.add_child(_LegendControl(html_text, position=position, slot=slot, map_name=name))
    return m


# ---------------------------------------------------------------------------
# Legends (HTML, escaped)
# ---------------------------------------------------------------------------


def legend_html(title: str | None, items: Sequence[tuple[str, str]], *, note: str = "") -> str:
    """A small HTML legend (escaped) for use beside or on a map."""
    rows = "".join(
        f'<div style="display:flex;align-items:center;margin:1px 0">'
        f'<span style="flex:none;display:inline-block;width:14px;height:12px;'
        f'background:{escape_html(colour)};margin-right:6px;border:1px solid #999"></span>'
        f"<span>{escape_html(label)}</span></div>"
        for colour, label in items
    )
    foot = (
        f'<div style="color:#555;margin-top:4px;line-height:1.3">{escape_html(note)}</div>'
        if note
        else ""
    )
    head = f"<b>{escape_html(title)}</b>" if title else ""
    return (
        f'<div style="font-size:12.5px;line-height:1.25">{head}'
        f'<div style="margin-top:3px">{rows}</div>{foot}</div>'
    )


def ramp_legend_html(
    title: str | None,
    colours: Sequence[str],
    ends: tuple[str, str],
    *,
    extra: Sequence[tuple[str, str]] = (),
) -> str:
    """An ordered scale as one compact colour bar with its two ends labelled."""
    cells = "".join(
        f'<span style="flex:1;height:12px;background:{escape_html(c)};'
        'border-right:1px solid #fff"></span>'
        for c in colours
    )
    head = f"<b>{escape_html(title)}</b>" if title else ""
    more = legend_html(None, extra) if extra else ""
    return (
        f'<div style="font-size:12px;line-height:1.25;min-width:190px">{head}'
        f'<div style="display:flex;margin-top:4px;border:1px solid #999">{cells}</div>'
        '<div style="display:flex;justify-content:space-between;color:#333;font-size:11px">'
        f"<span>{escape_html(ends[0])}</span><span>{escape_html(ends[1])}</span></div>"
        f"{more}</div>"
    )


def bivariate_legend_html(*, note: str = "", title: str | None = None) -> str:
    """The 3×3 risk × access legend as a small HTML grid (highest risk on top)."""
    from geo.gaps import BIVARIATE_COLOURS, CLASS_LABELS

    cells = []
    for r in (3, 2, 1):
        for a in (1, 2, 3):
            key = f"{r}-{a}"
            border = "2px solid #000" if key == "3-1" else "1px solid #fff"
            cells.append(
                f'<div title="{escape_html(CLASS_LABELS[key])}" style="width:30px;height:24px;'
                f'background:{BIVARIATE_COLOURS[key]};border:{border};box-sizing:border-box">'
                "</div>"
            )
    grid = (
        '<div style="display:grid;grid-template-columns:repeat(3,30px);gap:0">'
        + "".join(cells)
        + "</div>"
    )
    foot = (
        f'<div style="color:#555;margin-top:4px;line-height:1.3">{escape_html(note)}</div>'
        if note
        else ""
    )
    return (
        '<div style="font-size:12.5px;line-height:1.25">'
        + (f"<b>{escape_html(title)}</b>" if title else "")
        + '<div style="display:flex;align-items:center;margin-top:4px;gap:6px">'
        '<div style="writing-mode:vertical-rl;transform:rotate(180deg);font-size:11px;'
        'color:#333;text-align:center">risk: low → high</div>'
        f"<div>{grid}"
        '<div style="font-size:11px;color:#333;margin-top:2px">access: low → good</div></div>'
        '<div style="font-size:11.5px;max-width:150px;margin-left:6px">'
        f'<span style="display:inline-block;width:12px;height:12px;'
        f'background:{BIVARIATE_COLOURS["3-1"]};border:2px solid #000;vertical-align:middle">'
        "</span> high risk, low access: <b>priority gap</b><br>"
        f'<span style="display:inline-block;width:12px;height:12px;'
        f'background:{BIVARIATE_COLOURS["1-3"]};border:1px solid #999;vertical-align:middle">'
        "</span> low risk, good access</div>"
        f"</div>{foot}</div>"
    )


def asset_legend_html(
    items: Sequence[tuple[str, str, int, int]],
    *,
    region_name: str = "the area",
    buffer_km: float = 2.0,
    title: str | None = None,
) -> str:
    """Legend of asset categories: ``(colour, label, inside, outside)`` counts per row."""
    dot = (
        '<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
        'background:{c};border:1px solid #1f1f1f"></span>'
    )
    ring = (
        '<span style="display:inline-block;width:7px;height:7px;border-radius:50%;'
        'background:#fff;border:2px solid {c}"></span>'
    )
    rows = "".join(
        "<tr>"
        f'<td style="padding:1px 3px 1px 0">{dot.format(c=escape_html(c))}</td>'
        f'<td style="padding:1px 6px 1px 0">{ring.format(c=escape_html(c))}</td>'
        f'<td style="padding:1px 8px 1px 0">{escape_html(label)}</td>'
        f'<td style="text-align:right;padding:1px 6px 1px 0">{n_in:,}</td>'
        f'<td style="text-align:right;color:#666">{n_out:,}</td>'
        "</tr>"
        for c, label, n_in, n_out in items
    )
    head = (
        '<tr style="color:#555;font-size:11px"><td colspan="3">'
        f"● inside {escape_html(region_name)} · ○ within {buffer_km:g} km outside</td>"
        '<td style="text-align:right;padding-right:6px">in</td>'
        '<td style="text-align:right">out</td></tr>'
    )
    return (
        '<div style="font-size:12px;line-height:1.2">'
        + (f"<b>{escape_html(title)}</b>" if title else "")
        + f'<table style="border-collapse:collapse;margin-top:2px">{head}{rows}</table></div>'
    )


def to_json(geojson: Mapping[str, Any]) -> str:
    """Serialise a GeoJSON dict compactly (to measure payload size)."""
    return json.dumps(geojson, separators=(",", ":"))
