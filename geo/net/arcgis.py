"""ArcGIS FeatureServer queries (the ONS Open Geography Portal).

ArcGIS answers errors with HTTP 200 and an ``{"error": …}`` body and pages at
``maxRecordCount`` (``exceededTransferLimit``, under ``properties`` in GeoJSON
output).  :class:`ArcGisClient` counts first, pages in a stable order, checks
the total and caches the whole result as one GeoJSON file.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from geo.errors import DownloadError
from geo.net._http import Transport
from geo.net._util import cache_key, params_text, short, show, text_of
from geo.progress import Progress

logger = logging.getLogger(__name__)

ARCGIS_DEFAULT_PAGE = 1000
ARCGIS_CODES_PER_REQUEST = 200
ARCGIS_LONG_WHERE = 1500  # characters; longer where clauses are sent by POST
_MAX_PAGES = 5000


def arcgis_service(layer_url: str) -> str:
    """The service name in ``…/services/<NAME>/FeatureServer/0``."""
    parts = urllib.parse.urlparse(layer_url).path.rstrip("/").split("/")
    for index, part in enumerate(parts):
        if part.lower() in {"featureserver", "mapserver"} and index > 0:
            return parts[index - 1]
    return parts[-1] if parts else layer_url


def _normalised(
    layer_url: str,
    out_fields: str | Sequence[str],
    codes_field: str | None,
    codes: Sequence[str] | None,
    chunk_size: int,
    page_size: int | None,
) -> tuple[str, str, list[str] | None]:
    """The layer URL without ``/query``, the field list, and the sorted codes; or raise."""
    layer_url = layer_url.rstrip("/")
    if layer_url.lower().endswith("/query"):
        layer_url = layer_url[: -len("/query")]
    fields = out_fields if isinstance(out_fields, str) else ",".join(out_fields)
    fields = ",".join(f.strip() for f in fields.split(",") if f.strip()) or "*"
    code_list: list[str] | None = None
    if codes is not None:
        if isinstance(codes, str):
            raise TypeError("codes must be a list of codes, not one string.")
        if not codes_field:
            raise ValueError("codes_field is required with codes (e.g. 'LSOA21CD').")
        code_list = sorted({str(c).strip() for c in codes if str(c).strip()})
    if chunk_size < 1 or (page_size is not None and page_size < 1):
        raise ValueError("chunk_size and page_size must be positive.")
    return layer_url, fields, code_list


def _sql_quote(code: str) -> str:
    return "'" + code.replace("'", "''") + "'"


class ArcGisClient(Transport):
    """ArcGIS FeatureServer layer queries on top of :class:`Transport`."""

    def _arcgis_json(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any],
        *,
        layer_url: str,
        what: str,
    ) -> dict[str, Any]:
        form = params_text(params)
        body = self._get_bytes(
            method,
            url,
            what=what,
            params=form if method == "GET" else None,
            data=form if method == "POST" else None,
        )
        check = f"{layer_url}?f=pjson"
        try:
            doc = json.loads(body)
        except ValueError:
            raise DownloadError(
                f"The ArcGIS layer {layer_url} did not return JSON ({text_of(body, 200)}). "
                f"The service name may have changed: check it with {check} and update the "
                "sources registry."
            ) from None
        if not isinstance(doc, dict):
            raise DownloadError(f"The ArcGIS layer {layer_url} returned unexpected JSON.")
        error = doc.get("error")
        if error is not None:
            error = error if isinstance(error, dict) else {"message": error}
            details = error.get("details") or []
            extra = f" ({'; '.join(map(str, details))})" if details else ""
            raise DownloadError(
                f"The ArcGIS service {arcgis_service(layer_url)} at {layer_url} answered "
                f"error {error.get('code', '?')}: {error.get('message', 'no message')}{extra}. "
                "The service name may have changed (ONS services carry version suffixes that "
                f"change): check it with {check} and update the sources registry."
            )
        return doc

    @staticmethod
    def _arcgis_wheres(
        where: str, codes_field: str | None, codes: list[str] | None, chunk_size: int
    ) -> list[str]:
        if codes is None:
            return [where]
        base = "" if where.strip() in ("", "1=1") else f"({where}) AND "
        return [
            f"{base}{codes_field} IN ({','.join(_sql_quote(c) for c in codes[i : i + chunk_size])})"
            for i in range(0, len(codes), chunk_size)
        ]

    def arcgis_features(
        self,
        layer_url: str,
        *,
        where: str = "1=1",
        out_fields: str | Sequence[str] = "*",
        out_sr: int = 4326,
        order_by: str | None = None,
        page_size: int | None = None,
        codes_field: str | None = None,
        codes: Sequence[str] | None = None,
        progress: Progress | None = None,
        chunk_size: int = ARCGIS_CODES_PER_REQUEST,
        description: str = "",
    ) -> dict[str, Any]:
        """All features of an ArcGIS FeatureServer layer query, as GeoJSON.

        Counts first (``returnCountOnly``), then pages with ``resultOffset`` /
        ``resultRecordCount`` in a stable order until ``exceededTransferLimit``
        is false (top level or under ``properties``) and the count is reached,
        and checks the total.

        Parameters
        ----------
        layer_url
            The layer, ``…/FeatureServer/<n>`` (a trailing ``/query`` is ignored).
        where
            SQL filter.
        out_fields
            Field names (a comma-separated string or a list) or ``"*"``.
        out_sr
            Output spatial reference (EPSG code).
        order_by
            ``orderByFields`` for stable paging; default the first out field,
            or the layer's object-id field when ``out_fields`` is ``"*"``.
        page_size
            Features per request; default the layer's ``maxRecordCount``
            (from ``?f=pjson``), or 1000.
        codes_field, codes
            Select features whose ``codes_field`` is one of ``codes``; the
            list is split into ``IN (…)`` clauses of ``chunk_size`` codes sent
            by POST (combined with ``where`` by ``AND``).
        progress
            Called as ``progress(what, features_done, features_total)``.
        chunk_size
            Codes per request.
        description
            What the layer is, for messages.

        Returns
        -------
        dict
            A GeoJSON ``FeatureCollection``; cached as one file.

        Raises
        ------
        DownloadError
            On an error body (the message names the service and how to check
            it), a feature count that does not match, or HTTP errors.
        OfflineError
            When offline and the result is not cached.
        """
        layer_url, fields, code_list = _normalised(
            layer_url, out_fields, codes_field, codes, chunk_size, page_size
        )
        service = arcgis_service(layer_url)
        what = description or f"ArcGIS layer {service}"
        query = {
            "where": where,
            "outFields": fields,
            "outSR": out_sr,
            "orderByFields": order_by,
            "codes_field": codes_field,
            "codes": code_list,
        }
        key = cache_key("arcgis", service, layer_url, query)
        with self.cache.lock(key):
            hit = self.cache.get(key)
            if hit is not None:
                logger.debug("Cache hit for %s: %s", what, hit)
                return json.loads(hit.read_bytes())
            if self.settings.offline:
                raise self._offline_error(what, show(f"{layer_url}/query", {"where": where}))
            collection = self._arcgis_fetch(
                layer_url,
                where=where,
                fields=fields,
                out_sr=out_sr,
                order_by=order_by,
                page_size=page_size,
                codes_field=codes_field,
                codes=code_list,
                chunk_size=chunk_size,
                progress=progress,
                what=what,
            )
            body = json.dumps(collection, separators=(",", ":")).encode("utf-8")
            meta = {"features": len(collection["features"]), "description": description}
            self._store_answer(key, body, ".geojson", layer_url, query, **meta)
            return collection

    def _arcgis_defaults(
        self, layer_url: str, fields: str, order_by: str | None, page_size: int | None, what: str
    ) -> tuple[str | None, int]:
        """``orderByFields`` and page size, from the layer's ``?f=pjson`` when not given."""
        info: dict[str, Any] = {}
        if page_size is None or (order_by is None and fields == "*"):
            info = self._arcgis_json(
                "GET", layer_url, {"f": "pjson"}, layer_url=layer_url, what=what
            )
        if page_size is None:
            max_records = info.get("maxRecordCount")
            page_size = (
                max_records
                if isinstance(max_records, int) and max_records > 0
                else ARCGIS_DEFAULT_PAGE
            )
        if order_by is None:
            if fields != "*":
                order_by = fields.split(",")[0]
            else:
                order_by = info.get("objectIdField") or next(
                    (
                        f.get("name")
                        for f in info.get("fields") or []
                        if isinstance(f, dict) and f.get("type") == "esriFieldTypeOID"
                    ),
                    None,
                )
                if not order_by:
                    logger.warning(
                        "No object-id field found for %s; paging without orderByFields.", what
                    )
        return order_by, page_size

    def _arcgis_count(self, method: str, layer_url: str, clause: str, what: str) -> int:
        doc = self._arcgis_json(
            method,
            f"{layer_url}/query",
            {"where": clause, "returnCountOnly": "true", "f": "json"},
            layer_url=layer_url,
            what=what,
        )
        count = doc.get("count")
        if not isinstance(count, int) or count < 0:
            raise DownloadError(
                f"The ArcGIS layer {layer_url} did not return a feature count "
                f"({short(doc, 160)}). Check the layer with {layer_url}?f=pjson."
            )
        return count

    def _arcgis_fetch(
        self,
        layer_url: str,
        *,
        where: str,
        fields: str,
        out_sr: int,
        order_by: str | None,
        page_size: int | None,
        codes_field: str | None,
        codes: list[str] | None,
        chunk_size: int,
        progress: Progress | None,
        what: str,
    ) -> dict[str, Any]:
        if codes is not None and not codes:
            return {"type": "FeatureCollection", "features": []}
        order_by, size = self._arcgis_defaults(layer_url, fields, order_by, page_size, what)
        wheres = self._arcgis_wheres(where, codes_field, codes, chunk_size)
        post = codes is not None or any(len(w) > ARCGIS_LONG_WHERE for w in wheres)
        method = "POST" if post else "GET"
        counts = [self._arcgis_count(method, layer_url, clause, what) for clause in wheres]
        total = sum(counts)
        features: list[Any] = []
        for clause, count in zip(wheres, counts, strict=True):
            params = {
                "where": clause,
                "outFields": fields,
                "outSR": out_sr,
                "returnGeometry": "true",
                "resultRecordCount": size,
                "orderByFields": order_by,
                "f": "geojson",
            }
            received = self._arcgis_pages(
                method, layer_url, params, count, features, total, progress, what
            )
            if received != count:
                raise DownloadError(
                    f"The ArcGIS layer {layer_url} said {count} features match but sent "
                    f"{received}; the result was not kept. The layer may be changing or the "
                    "server overloaded: try again later."
                )
        logger.info("Fetched %d features from %s", len(features), what)
        return {"type": "FeatureCollection", "features": features}

    def _arcgis_pages(
        self,
        method: str,
        layer_url: str,
        params: dict[str, Any],
        count: int,
        features: list[Any],
        total: int,
        progress: Progress | None,
        what: str,
    ) -> int:
        """Page one where clause into ``features``; the number of features received."""
        received = 0
        for _page in range(_MAX_PAGES):
            if count == 0:
                break
            page = self._arcgis_json(
                method,
                f"{layer_url}/query",
                {**params, "resultOffset": received},
                layer_url=layer_url,
                what=what,
            )
            batch = page.get("features")
            if not isinstance(batch, list):
                raise DownloadError(
                    f"The ArcGIS layer {layer_url} returned a page without features "
                    f"({short(page, 160)}). Check the layer with {layer_url}?f=pjson."
                )
            features.extend(batch)
            received += len(batch)
            if progress is not None:
                progress(what, len(features), total)
            props = page.get("properties")
            exceeded = bool(page.get("exceededTransferLimit")) or bool(
                isinstance(props, dict) and props.get("exceededTransferLimit")
            )
            if not batch or received > count or (received == count and not exceeded):
                break
        return received
