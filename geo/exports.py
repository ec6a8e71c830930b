"""Writing tables and layers for analysts: CSV, XLSX, GeoPackage, GeoJSON, Parquet.

Exports are for people who open them in Excel or a GIS, so they are safe and
self-describing:

* **CSV** is UTF-8 with a byte-order mark (Excel then reads accents and £
  correctly), every text cell quoted, CRLF line ends so embedded line breaks
  survive a round trip, and text cells that begin with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return prefixed with an apostrophe so a
  spreadsheet shows them as text instead of running them as formulas.
  Numbers are written as numbers (a negative number is not a formula).
* **XLSX** has one sheet per table plus a ``metadata`` sheet (sources,
  licences, parameters, row counts); text cells are neutralised the same way
  and written as strings, never as formulas.
* **GeoPackage** holds layers (areas with every measure, assets, priority
  gaps) in EPSG:27700, with a ``metadata`` table of provenance.
* **GeoJSON** is WGS84 (RFC 7946); provenance goes in a sidecar
  ``.metadata.json`` and in a ``metadata`` member of the FeatureCollection.
* Every export is accompanied by its provenance and row counts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import AtlasError

#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx", "gpkg", "geojson", "parquet")


class ExportError(AtlasError, ValueError):
    """An export cannot be written as asked."""


def neutralise(value: object) -> object:
    """Prefix a text value that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised (numbers are left alone)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise, na_action="ignore")
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    return out


def format_for(path: Path, fmt: str | None = None) -> str:
    """The export format named by ``fmt`` or by the file's extension."""
    name = (fmt or Path(path).suffix.lstrip(".")).lower()
    name = {"json": "geojson", "pq": "parquet", "xls": "xlsx"}.get(name, name)
    if name not in FORMATS:
        raise ExportError(
            f"Cannot write {Path(path).name!r}: use one of the extensions "
            + ", ".join(f".{f}" for f in FORMATS)
            + "."
        )
    return name


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop geometry and turn extension dtypes into plain ones for writers."""
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as an Excel-safe CSV (see the module notes)."""
    table = neutralise_frame(_plain(frame))
    text = io.StringIO()
    table.to_csv(text, index=False, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    Path(path).write_bytes(text.getvalue().encode("utf-8-sig"))
    return Path(path)


def read_csv(path: Path) -> pd.DataFrame:
    """Read back a CSV written by :func:`write_csv` (for checks and tests)."""
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])


def write_xlsx(
    tables: Mapping[str, pd.DataFrame],
    path: Path | BinaryIO,
    *,
    metadata: pd.DataFrame | None = None,
) -> Path | BinaryIO:
    """Write several tables as sheets, plus a ``metadata`` sheet.

    ``path`` may also be a binary file object (for a download in memory).
    Characters that XML (and so XLSX) cannot hold, such as control characters
    other than tab and line breaks, are removed from text cells.
    """
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            table = _xml_safe(neutralise_frame(_plain(frame)))
            table.to_excel(writer, sheet_name=_sheet_name(name), index=False)
            _text_cells_as_strings(writer.sheets[_sheet_name(name)])
        if metadata is not None:
            _xml_safe(neutralise_frame(metadata)).to_excel(
                writer, sheet_name="metadata", index=False
            )
            _text_cells_as_strings(writer.sheets["metadata"])
    return path if hasattr(path, "write") else Path(path)


def _xml_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Remove characters an XLSX cell cannot store (openpyxl would refuse the file)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(value: object) -> object:
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(clean, na_action="ignore")
    return out


def _sheet_name(name: str) -> str:
    cleaned = "".join(c for c in name if c not in "[]:*?/\\")
    return cleaned[:31] or "sheet"


def _text_cells_as_strings(sheet: Any) -> None:
    """Make sure openpyxl stores text as strings, never as formulas."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"


def write_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame], path: Path, *, metadata: pd.DataFrame | None = None
) -> Path:
    """Write layers (and a non-spatial metadata table) to one GeoPackage."""
    path = Path(path)
    if path.exists():
        path.unlink()
    for name, frame in layers.items():
        _for_gis(frame).to_file(path, layer=name, driver="GPKG")
    if metadata is not None:
        import pyogrio

        pyogrio.write_dataframe(_for_gis(metadata), path, layer="metadata", driver="GPKG")
    return path


def _for_gis(frame: pd.DataFrame) -> pd.DataFrame:
    """Index as a column; nullable integers and booleans GDAL can store."""
    out = frame.reset_index() if frame.index.name else frame.copy()
    geometry = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.BooleanDtype):
            out[column] = series.astype("Int64")
        elif column != geometry and pd.api.types.is_string_dtype(series):
            out[column] = series.astype(object)
    return out


def write_geojson(frame: gpd.GeoDataFrame, path: Path, *, metadata: Mapping | None = None) -> Path:
    """Write WGS84 GeoJSON, with a ``.metadata.json`` sidecar for provenance.

    The metadata is also carried inside the file as a ``metadata`` member of
    the FeatureCollection (a foreign member, which RFC 7946 allows and GIS
    readers ignore).
    """
    path = Path(path)
    path.write_text(geojson_text(frame, metadata=metadata), encoding="utf-8")
    if metadata is not None:
        sidecar = path.with_suffix(".metadata.json")
        sidecar.write_text(json.dumps(metadata, indent=2, default=str), encoding="utf-8")
    return path


def geojson_text(frame: gpd.GeoDataFrame, *, metadata: Mapping | None = None) -> str:
    """WGS84 GeoJSON text, with ``metadata`` as a member of the FeatureCollection."""
    out = _for_gis(frame).to_crs(4326)
    text = out.to_json(na="null", drop_id=True)
    if metadata is None:
        return text
    collection = json.loads(text)
    collection["metadata"] = json.loads(json.dumps(metadata, default=str))
    return json.dumps(collection, ensure_ascii=False)


def write_parquet(frame: pd.DataFrame, path: Path, *, metadata: Mapping | None = None) -> Path:
    """Write (Geo)Parquet; provenance in the file's key-value metadata."""
    path = Path(path)
    frame.to_parquet(path)
    if metadata is not None:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        extra = {b"belonging_atlas": json.dumps(metadata, default=str).encode()}
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
        pq.write_table(table, path)
    return path


def write_table(
    frame: pd.DataFrame,
    path: Path,
    *,
    fmt: str | None = None,
    metadata: pd.DataFrame | None = None,
    extra_layers: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write one main table in the format its extension names.

    ``metadata`` (a table of provenance and parameters) goes in a sheet,
    layer, sidecar file or file metadata as the format allows;
    ``extra_layers`` (e.g. assets) become more sheets or layers where the
    format has them.
    """
    path = Path(path)
    kind = format_for(path, fmt)
    if kind == "csv":
        write_csv(frame, path)
        if metadata is not None:
            write_csv(metadata, path.with_suffix(".metadata.csv"))
        return path
    if kind == "xlsx":
        write_xlsx({"areas": frame, **(extra_layers or {})}, path, metadata=metadata)
        return path
    meta_records = None if metadata is None else _records(metadata)
    if kind == "gpkg":
        if not isinstance(frame, gpd.GeoDataFrame):
            raise ExportError("A GeoPackage needs geometry: export the areas with their polygons.")
        layers = {"areas": frame, **(extra_layers or {})}
        spatial = {k: v for k, v in layers.items() if isinstance(v, gpd.GeoDataFrame)}
        return write_gpkg(spatial, path, metadata=metadata)
    if kind == "geojson":
        if not isinstance(frame, gpd.GeoDataFrame):
            raise ExportError("GeoJSON needs geometry: export the areas with their polygons.")
        return write_geojson(frame, path, metadata={"sources": meta_records})
    return write_parquet(frame, path, metadata={"sources": meta_records})


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", default_handler=str))


def metadata_table(
    provenance: Sequence[Mapping[str, Any]],
    parameters: Mapping[str, Any],
    row_counts: Mapping[str, int],
) -> pd.DataFrame:
    """One table describing an export: sources, parameters and row counts."""
    rows: list[dict[str, Any]] = []
    for rec in provenance:
        rows.append(
            {
                "kind": "source",
                "name": rec.get("dataset", ""),
                "value": rec.get("title", ""),
                "vintage": rec.get("vintage", ""),
                "licence": rec.get("licence", ""),
                "attribution": rec.get("attribution", ""),
                "location": rec.get("location", ""),
                "rows": rec.get("rows", np.nan),
            }
        )
    for name, value in parameters.items():
        rows.append({"kind": "parameter", "name": name, "value": json.dumps(value, default=str)})
    for name, count in row_counts.items():
        rows.append({"kind": "rows", "name": name, "value": str(count), "rows": count})
    return pd.DataFrame(
        rows,
        columns=["kind", "name", "value", "vintage", "licence", "attribution", "location", "rows"],
    )
