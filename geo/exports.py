"""Writing tables and layers for analysts: CSV, XLSX, GeoPackage, GeoJSON, Parquet.

Exports are for people who open them in Excel or a GIS, so they are safe and
self-describing:

* **CSV** is UTF-8 with a byte-order mark (Excel then reads accents and £
  correctly), every text cell quoted, CRLF line ends so embedded line breaks
  survive a round trip, and text cells that begin with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return prefixed with an apostrophe so a
  spreadsheet shows them as text instead of running them as formulas.
  Numbers are written as numbers (a negative number is not a formula).
* **XLSX** has one sheet per table plus an optional ``dictionary`` sheet
  (column → meaning, unit, source) and a ``metadata`` sheet (sources,
  licences, parameters, row counts); text cells are neutralised the same way
  and written as strings, never as formulas.  Every sheet has a frozen,
  filterable header, column widths that fit, and number formats (shares as
  %, distances in whole metres, scores to 2 decimals); columns with no value
  at all are left out.
* **GeoPackage** holds layers (areas with every measure, assets, priority
  gaps) in EPSG:27700, with a ``metadata`` table of provenance.
* **GeoJSON** is WGS84 (RFC 7946) with coordinates to 6 decimals (about
  10 cm); provenance goes in a sidecar
  ``.metadata.json`` and in a ``metadata`` member of the FeatureCollection.
* Every export is accompanied by its provenance and row counts.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

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
    dictionary: Callable[[Mapping[str, Sequence[str]]], pd.DataFrame] | None = None,
) -> Path | BinaryIO:
    """Write several tables as sheets, plus ``dictionary`` and ``metadata`` sheets.

    ``path`` may also be a binary file object (for a download in memory).
    Characters that XML (and so XLSX) cannot hold, such as control characters
    other than tab and line breaks, are removed from text cells.
    ``dictionary`` builds the data dictionary from the columns written
    (sheet name → column names), after all-empty columns are dropped.
    """
    written: dict[str, list[str]] = {}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in tables.items():
            table = drop_empty_columns(_plain(frame))
            written[_sheet_name(name)] = [str(c) for c in table.columns]
            _write_sheet(writer, _sheet_name(name), table)
        if dictionary is not None:
            _write_sheet(writer, "dictionary", dictionary(written))
        if metadata is not None:
            _write_sheet(writer, "metadata", metadata)
    return path if hasattr(path, "write") else Path(path)


def drop_empty_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without columns that hold no value (all missing or blank)."""
    keep = []
    for column in frame.columns:
        series = frame[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            filled = series.notna() & series.astype("string").str.strip().ne("")
        else:
            filled = series.notna()
        if bool(filled.any()):
            keep.append(column)
    return frame[keep]


def _write_sheet(writer: pd.ExcelWriter, name: str, frame: pd.DataFrame) -> None:
    table = _xml_safe(neutralise_frame(frame))
    table.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    _text_cells_as_strings(sheet)
    _lay_out(sheet, table)


#: Number formats by column name, first match wins (see :func:`number_format`).
NUMBER_FORMATS: tuple[tuple[str, str], ...] = (
    (r"^(lat|lon)$", "0.000000"),
    (r"^(p_value|p_fdr)$", "0.000"),
    (
        r"^(pct_.*|share.*|.*_share|.*_percentile|weight_coverage|income_score|"
        r"employment_score|iod2019_(income|employment)_score|older_prevalence)$",
        "0.0%",
    ),
    (r"^(.*_m|point_[xy]|easting|northing)$", "#,##0"),
    (r"^(.*walk_min.*)$", "0.0"),
    (
        r"^(.*score.*|z_.*|access_e2sfca.*|older_relative_risk|older_logit|local_i|"
        r"mean_household_size|expected_lonely.*|capacity)$",
        "0.00",
    ),
)


def number_format(column: str, values: pd.Series) -> str | None:
    """The Excel number format for a numeric column (None for text or yes/no)."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    for pattern, fmt in NUMBER_FORMATS:
        if re.match(pattern, column):
            return fmt
    return "#,##0"


def _lay_out(sheet: Any, table: pd.DataFrame) -> None:
    """Frozen, filterable header; widths that fit; number formats by column."""
    from openpyxl.utils import get_column_letter

    if sheet.max_row >= 1 and sheet.max_column >= 1:
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    for i, column in enumerate(table.columns, start=1):
        values = table[column]
        sample = [str(v) for v in values.head(300) if v is not None and str(v) != "nan"]
        longest = max([len(str(column)), *(len(v) for v in sample)], default=8)
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = min(max(longest + 2, 8), 60)
        fmt = number_format(str(column), values)
        if fmt is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = fmt


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


#: Decimal places of GeoJSON coordinates (6 ≈ 10 cm).
GEOJSON_DECIMALS = 6


def geojson_text(frame: gpd.GeoDataFrame, *, metadata: Mapping | None = None) -> str:
    """WGS84 GeoJSON text, with ``metadata`` as a member of the FeatureCollection."""
    out = _for_gis(frame).to_crs(4326)
    out = out.set_geometry(
        shapely.set_precision(out.geometry.values, 10.0**-GEOJSON_DECIMALS, mode="pointwise")
    )
    text = out.to_json(na="null", drop_id=True)
    if metadata is None:
        return text
    collection = json.loads(text)
    collection["metadata"] = json.loads(json.dumps(metadata, default=str))
    return json.dumps(collection, ensure_ascii=False)


def write_parquet(frame: pd.DataFrame, path: Path, *, metadata: Mapping | None = None) -> Path:
    """Write (Geo)Parquet; provenance in the file's key-value metadata."""
    path = Path(path)
    if metadata is None:
        frame.to_parquet(path)
        return path
    import pyarrow.parquet as pq

    table = _arrow_table(frame)
    extra = {b"belonging_atlas": json.dumps(metadata, default=str).encode()}
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **extra}), path)
    return path


def _arrow_table(frame: pd.DataFrame) -> Any:
    """The Arrow table ``to_parquet`` would write (GeoParquet's ``geo`` metadata included).

    Built once, so the provenance joins the file's metadata without writing
    the file twice (England's table: 0.3 s).  For a GeoDataFrame it is the
    converter behind ``GeoDataFrame.to_parquet`` in geopandas 1.x (the
    versions the project requires).
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        import pyarrow as pa

        return pa.Table.from_pandas(frame)
    from geopandas.io.arrow import _geopandas_to_arrow

    return _geopandas_to_arrow(frame, index=None)


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


def readable(value: object) -> str:
    """A parameter as people read it: text unquoted, lists with commas, empty for none."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={readable(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(readable(v) for v in value)
    return str(value)


def file_names(location: str) -> str:
    """Where a dataset was read, without local folders: URLs kept, paths as file names."""
    parts = []
    for part in (p.strip() for p in location.split(";")):
        if not part:
            continue
        parts.append(part if re.match(r"^[a-z][a-z0-9+.-]*://", part) else Path(part).name)
    return "; ".join(parts)


def metadata_table(
    provenance: Sequence[Mapping[str, Any]],
    parameters: Mapping[str, Any],
    row_counts: Mapping[str, int],
    coverage: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One table describing an export: sources, parameters, coverage and row counts.

    ``coverage`` (:meth:`geo.result.Result.coverage_summary`) adds rows of
    kind ``coverage``: the notice in words, the categories measured by
    "any place" and the gaps, those left out and why, and each category's
    share of areas covered and its sources.
    """
    rows: list[dict[str, Any]] = []
    for name, value in (coverage or {}).items():
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        rows.append({"kind": "coverage", "name": name, "value": text})
    for rec in provenance:
        rows.append(
            {
                "kind": "source",
                "name": rec.get("dataset", ""),
                "value": rec.get("title", ""),
                "vintage": rec.get("vintage", ""),
                "licence": rec.get("licence", ""),
                "attribution": rec.get("attribution", ""),
                "location": file_names(str(rec.get("location", "") or "")),
                "rows": rec.get("rows", np.nan),
            }
        )
    for name, value in parameters.items():
        rows.append({"kind": "parameter", "name": name, "value": readable(value) or "(default)"})
    for name, count in row_counts.items():
        rows.append({"kind": "rows", "name": name, "value": str(count), "rows": count})
    return pd.DataFrame(
        rows,
        columns=["kind", "name", "value", "vintage", "licence", "attribution", "location", "rows"],
    )
