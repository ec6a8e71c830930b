"""The official web services, faked on 127.0.0.1 for the online tests.

:class:`FakeWeb` answers the way
the real ones do, from the tiny mirror's areas (a 3×3 grid of 1 km LSOAs
"Testham" and one square "Otherby" to its east):

* **ArcGIS FeatureServer layers** (ONS Open Geography Portal): ``?f=pjson``
  with a small ``maxRecordCount`` so paging really happens,
  ``returnCountOnly``, paged ``resultOffset``/``resultRecordCount`` queries
  with ``exceededTransferLimit``, ``LSOA21CD IN (…)`` filters sent by POST, and
  errors as HTTP 200 bodies;
* **fixed files** (gov.uk): IoD2025 and IoD2019 File 7 in their official
  column names;
* **Nomis API** (``/api/v01/dataset/<id>.data.csv``) in its long CSV layout,
  paged with ``RecordOffset``/``RecordLimit``;
* **Overpass API** (POST ``data=<query>``) returning the elements inside the
  query's bounding box.

The registry used is ``geo/data/sources.toml`` with every ``https://`` address
pointed at the fake (``https://host/path`` → ``http://127.0.0.1:port/host/path``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

from geo.config import REGISTRY_FILE, Settings
from geo.sources.access import DataAccess
from geo.sources.census import TABLES
from geo.sources.registry import load_sources
from tests.fake_web_data import (
    MAX_RECORDS,
    OVERPASS_HEAD,
    iod2019_csv,
    iod2025_csv,
    layers,
    nomis_categories,
    overpass_elements,
    overpass_places,
    table_values,
)
from tests.helpers_http import LocalServer, Reply, Request, json_reply
from tests.tiny_mirror import squares


class FakeWeb:
    """Answers like the official services; records what it was asked.

    ``broken_layers`` answer every request with an ArcGIS error body (HTTP
    200); ``failing_nomis`` datasets answer with a Nomis error page (API and
    bulk zip); paths in ``missing_files`` answer 404.
    """

    def __init__(self) -> None:
        self.layers = layers()
        self.files = {"IoD2025": iod2025_csv(), "IoD2019": iod2019_csv()}
        self.nomis = nomis_categories()
        self.elements = overpass_elements()
        self.places = overpass_places()
        self.broken_layers: set[str] = set()
        self.failing_nomis: set[str] = set()
        self.missing_files: set[str] = set()
        self.overpass_failures = 0  # this many Overpass queries are answered 504 first
        self.sent: dict[str, int] = {}  # bytes of response bodies, by path
        self.nomis_busy = 0  # this many Nomis requests get the HTML "too many requests" page
        self.server = LocalServer(self.handle)

    # -- plumbing

    def __enter__(self) -> FakeWeb:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def hits(self, needle: str = "") -> int:
        """Requests whose path contains ``needle``."""
        return sum(1 for r in list(self.requests) if needle in r.path)

    def registry(self, folder: Path) -> Path:
        """``geo/data/sources.toml`` with every address on this server."""
        text = REGISTRY_FILE.read_text(encoding="utf-8")
        text = text.replace("https://", f"{self.url}/")
        nomis_api = f"{self.url}/www.nomisweb.co.uk/api/v01"
        text = text.replace('kind = "nomis", ', f'kind = "nomis", url = "{nomis_api}", ')
        # the census tables of the fake cover its ten LSOAs, not England and Wales
        text = text.replace("expected_rows = 35672", f"expected_rows = {len(squares())}")
        assert "https://" not in text
        path = folder / "sources.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def handle(self, request: Request) -> Reply:
        reply = self._answer(request)
        self.sent[request.path] = self.sent.get(request.path, 0) + len(reply.body)
        return reply

    def _answer(self, request: Request) -> Reply:
        path = request.path
        if "/FeatureServer/" in path:
            return self._arcgis(request)
        if path.startswith("/assets.publishing.service.gov.uk/media/"):
            if path in self.missing_files:
                return Reply(404, b"<html><body>Page not found</body></html>")
            for key, body in self.files.items():
                if key in path:
                    return Reply(200, body, {"Content-Type": "text/csv"})
            return Reply(404, b"<html><body>Page not found</body></html>")
        match = re.fullmatch(r"/www\.nomisweb\.co\.uk/api/v01/dataset/(NM_\d+_1)\.data\.csv", path)
        if match:
            if self.nomis_busy > 0:
                self.nomis_busy -= 1
                page = b"<html><body><h1>Too many requests</h1>Please wait.</body></html>"
                return Reply(200, page, {"Content-Type": "text/html"})
            return self._nomis(match.group(1), request)
        bulk = re.fullmatch(
            r"/www\.nomisweb\.co\.uk/output/census/2021/census2021-(ts\d+a?)\.zip", path
        )
        if bulk and bulk.group(1) in TABLES:
            if TABLES[bulk.group(1)].nomis_id in self.failing_nomis:
                page = b"<html><body><h1>Service unavailable</h1></body></html>"
                return Reply(200, page, {"Content-Type": "text/html"})
            return Reply(200, self.bulk_zip(bulk.group(1)), {"Content-Type": "application/zip"})
        if path == "/overpass-api.de/api/interpreter":
            if self.overpass_failures > 0:
                self.overpass_failures -= 1
                return Reply(504, b"<html><body>504 Gateway Timeout</body></html>")
            return self._overpass(request)
        if path == "/overpass-api.de/api/status":
            text = "Connected as: 1\nRate limit: 2\n2 slots available now.\n"
            return Reply(200, text.encode(), {"Content-Type": "text/plain"})
        return Reply(404, b"<html><body>Not found</body></html>")

    # -- ArcGIS

    def _arcgis(self, request: Request) -> Reply:
        parts = request.path.strip("/").split("/")
        at = parts.index("FeatureServer")
        service = parts[at - 1]
        layer = self.layers.get(service)
        if layer is None or service in self.broken_layers:
            return json_reply(
                {"error": {"code": 400, "message": "Invalid URL", "details": ["Invalid URL"]}}
            )
        params = request.params
        if parts[-1] != "query":
            if params.get("f") not in ("pjson", "json"):
                return Reply(200, b"<html><body>ArcGIS REST Services Directory</body></html>")
            return json_reply(self._layer_info(service, layer))
        try:
            selected = self._select(layer, params.get("where", ""))
        except ValueError as exc:
            return json_reply(
                {
                    "error": {
                        "code": 400,
                        "message": "Unable to complete operation.",
                        "details": [str(exc)],
                    }
                }
            )
        if params.get("returnCountOnly") == "true":
            return json_reply({"count": len(selected)})
        names = [name for name, _ in layer["fields"]]
        wanted = params.get("outFields", "*")
        fields = names if wanted == "*" else wanted.split(",")
        unknown = [f for f in fields if f not in names]
        # orderByFields: "A,B" or "A ASC,B DESC" (directions ignored here)
        order = [f.split()[0] for f in params.get("orderByFields", "FID").split(",") if f.strip()]
        if unknown or any(o != "FID" and o not in names for o in order):
            return json_reply(
                {
                    "error": {
                        "code": 400,
                        "message": "Cannot perform query. Invalid query parameters.",
                        "details": ["Unable to perform query. Please check your parameters."],
                    }
                }
            )
        if order != ["FID"]:
            selected = sorted(
                selected,
                key=lambda f: (
                    *(f["props"][o] if o != "FID" else f["oid"] for o in order),
                    f["oid"],
                ),
            )
        offset = int(params.get("resultOffset", 0))
        count = min(int(params.get("resultRecordCount", MAX_RECORDS)), MAX_RECORDS)
        page = selected[offset : offset + count]
        assert params.get("f") == "geojson" and params.get("outSR") == "4326"
        doc: dict = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": f["oid"],
                    "geometry": f["geometry"],
                    "properties": {k: f["props"][k] for k in fields},
                }
                for f in page
            ],
        }
        if offset + len(page) < len(selected):
            doc["properties"] = {"exceededTransferLimit": True}
        return json_reply(doc)

    @staticmethod
    def _layer_info(service: str, layer: dict) -> dict:
        geometry = layer["geometry"]
        return {
            "currentVersion": 11.5,
            "id": 0,
            "name": service,
            "type": "Table" if geometry is None else "Feature Layer",
            "geometryType": geometry,
            "objectIdField": "FID",
            "maxRecordCount": MAX_RECORDS,
            "standardMaxRecordCount": MAX_RECORDS,
            "supportedQueryFormats": "JSON, geoJSON, PBF",
            "advancedQueryCapabilities": {"supportsPagination": True},
            "fields": [
                {"name": "FID", "type": "esriFieldTypeOID", "alias": "FID"},
                *({"name": n, "type": t, "alias": n, "length": 255} for n, t in layer["fields"]),
            ],
        }

    @staticmethod
    def _select(layer: dict, where: str) -> list[dict]:
        features = [{**f, "oid": i + 1} for i, f in enumerate(layer["features"])]
        where = where.strip()
        if where in ("1=1", ""):
            return features
        match = re.fullmatch(r"(\w+) IN \(('[^']*'(?:,'[^']*')*)\)", where)
        if not match:
            raise ValueError(f"'Invalid where clause' {where[:60]}")
        field, codes = match.group(1), set(re.findall(r"'([^']*)'", match.group(2)))
        if field not in {n for n, _ in layer["fields"]}:
            raise ValueError(f"'Invalid field: {field}' parameter is invalid")
        return [f for f in features if f["props"][field] in codes]

    # -- Nomis

    def _nomis(self, dataset: str, request: Request) -> Reply:
        labels = self.nomis.get(dataset)
        if labels is None or dataset in self.failing_nomis:
            body = (
                '<?xml version="1.0" encoding="utf-8"?><error><message>Cannot create query: '
                f"dataset {dataset} is not available</message></error>"
            )
            return Reply(200, body.encode(), {"Content-Type": "text/xml"})
        params = request.params
        table = next(k for k, t in TABLES.items() if t.nomis_id == dataset)
        dim = TABLES[table].dimension.upper()
        codes = params.get("geography", "").split(",")
        order = {c: i for i, c in enumerate(squares()["code"])}
        names = dict(zip(squares()["code"], squares()["name"], strict=True))
        header = [
            "DATE",
            "DATE_NAME",
            "DATE_CODE",
            "DATE_TYPE",
            "DATE_TYPECODE",
            "DATE_SORTORDER",
            "GEOGRAPHY",
            "GEOGRAPHY_NAME",
            "GEOGRAPHY_CODE",
            "GEOGRAPHY_TYPE",
            "GEOGRAPHY_TYPECODE",
            "GEOGRAPHY_SORTORDER",
            dim,
            f"{dim}_NAME",
            f"{dim}_CODE",
            f"{dim}_TYPE",
            f"{dim}_TYPECODE",
            f"{dim}_SORTORDER",
            "MEASURES",
            "MEASURES_NAME",
            "OBS_VALUE",
            "OBS_STATUS",
            "OBS_STATUS_NAME",
            "OBS_CONF",
            "OBS_CONF_NAME",
            "URN",
            "RECORD_OFFSET",
            "RECORD_COUNT",
        ]
        measures = params.get("measures", "20100,20301").split(",")
        rows = []
        for code in sorted((c for c in codes if c in order), key=order.get):
            i = order[code]
            values = table_values(table, i, labels)
            for k, (label, value) in enumerate(zip(labels, values, strict=True)):
                for measure in measures:
                    shown = value if measure == "20100" else round(100 * value / values[0], 1)
                    rows.append(
                        [
                            "2021",
                            "2021",
                            "2021",
                            "date",
                            "0",
                            "0",
                            str(1249934848 + i),
                            names[code],
                            code,
                            "2021 super output areas - lower layer",
                            "151",
                            str(i),
                            str(k),
                            label,
                            str(k),
                            "total" if k == 0 else "value",
                            "0",
                            str(k),
                            measure,
                            "Value" if measure == "20100" else "Percent",
                            str(shown),
                            "A",
                            "Normal Value",
                            "F",
                            "Free (free of disclosure control)",
                            f"Nm-{dataset[3:7]}d1d32716e1d{i}d{k}d{measure}",
                        ]
                    )
        offset = int(params.get("RecordOffset", 0))
        limit = min(int(params.get("RecordLimit", 25_000)), 25_000)
        page = rows[offset : offset + limit]
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(header)
        for n, row in enumerate(page):
            # strings quoted, numbers not, as Nomis writes them
            cells = [*row, str(offset + n), str(len(rows))]
            writer.writerow([int(c) if c.isdigit() else c for c in cells])
        return Reply(200, out.getvalue().encode(), {"Content-Type": "text/csv"})

    def bulk_zip(self, table: str) -> bytes:
        """A table's Nomis bulk zip (``census2021-<table>-lsoa.csv``): the API's counts."""
        spec = TABLES[table]
        labels = self.nomis[spec.nomis_id]
        columns = [
            f"{spec.title}: {'Total' if k == 0 else label}" for k, label in enumerate(labels)
        ]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            ["date", "geography", "geography code", *(f"{c}; measures: Value" for c in columns)]
        )
        for i, (code, name) in enumerate(zip(squares()["code"], squares()["name"], strict=True)):
            writer.writerow(["2021", name, code, *table_values(table, i, labels)])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(spec.bulk_member, out.getvalue())
            archive.writestr("metadata/readme.txt", "Census 2021 bulk file (test copy).")
        return buffer.getvalue()

    # -- Overpass

    def _overpass(self, request: Request) -> Reply:
        query = request.form.get("data", "")
        if request.method != "POST" or not query.startswith("[out:json]"):
            return Reply(400, b"<html><body>Error: no valid query</body></html>")
        boxes = set(re.findall(r"\(([-\d.]+),([-\d.]+),([-\d.]+),([-\d.]+)\)", query))
        if len(boxes) != 1:
            return Reply(400, b"<html><body>Error: expected one bounding box</body></html>")
        south, west, north, east = (float(v) for v in boxes.pop())
        if not (south < north and west < east and south >= -90 and north <= 90):
            return Reply(400, b"<html><body>Error: bad bounding box</body></html>")

        def position(element: dict) -> tuple[float, float]:
            where = element.get("center", element)
            return where["lat"], where["lon"]

        elements = self.places if '"place"' in query else self.elements
        inside = [
            e
            for e in elements
            if south <= position(e)[0] <= north and west <= position(e)[1] <= east
        ]
        doc = {**OVERPASS_HEAD, "elements": inside}
        return Reply(200, json.dumps(doc).encode(), {"Content-Type": "application/json"})


def online_settings(cache: Path, **changes: object) -> Settings:
    """Online settings for the fake web: short timeouts, one retry, no waits."""
    base = Settings(
        cache_dir=cache, timeout=5.0, retries=1, backoff=0.01, max_retry_after=0.1, nomis_interval=0
    )
    return base.replace(**changes)


def fake_access(web: FakeWeb, tmp_path: Path, settings: Settings) -> DataAccess:
    """Data access reading the registry with every address pointed at ``web``."""
    sources = load_sources(None, registry=web.registry(tmp_path))
    return DataAccess(settings, sources=sources)
