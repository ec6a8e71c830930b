"""The report's files: PDF, HTML and the tables behind them for Excel and GIS.

:func:`export_files` writes any of :data:`FORMATS` to a folder;
:func:`export_bytes` returns one format in memory, with a file name and a
MIME type, for a download button.  The tables go through :mod:`geo.exports`
(Excel-safe CSV, XLSX with text never stored as formulas, GeoPackage layers,
WGS84 GeoJSON), and every file carries or is accompanied by the same
metadata: sources with vintage, licence and attribution, the parameters, and
the row count of every table.

========  ==============================================================
format    what is written
========  ==============================================================
pdf       the A4 report
html      the same report as one self-contained web page
docx      the same report as an editable Word document
csv       ``…-areas.csv``, ``…-priority-gaps.csv``, ``…-assets.csv`` and
          ``…-metadata.csv`` (in memory: one zip of the four)
xlsx      sheets ``areas``, ``priority_gaps``, ``assets``, ``wards``,
          ``dictionary`` (every column's meaning, unit and source) and
          ``metadata``
gpkg      layers ``areas``, ``assets``, ``priority_gaps`` (EPSG:27700) and
          a ``metadata`` table
geojson   ``…-areas.geojson``, ``…-priority-gaps.geojson`` and
          ``…-assets.geojson`` (WGS84), each with its metadata inside and in a
          ``.metadata.json`` sidecar (in memory: the areas file)
========  ==============================================================
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geo import __version__, exports
from geo.errors import AtlasError

from . import columns, tables, wards
from .basemap import basemap_from_env
from .context import report_context
from .mapjob import ReportMaps, drawn
from .render import html_to_pdf, report_documents, report_html
from .word import report_docx

if TYPE_CHECKING:
    from geo.pipeline import Result
    from geo.planning import Scenario
    from geo.reference import Reference

FORMATS = ("pdf", "html", "docx", "csv", "xlsx", "gpkg", "geojson")
#: The formats that are the report itself (the others are its tables).
DOCUMENTS = frozenset({"pdf", "html", "docx"})
MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
}


class ReportExportError(AtlasError, ValueError):
    """A report export was asked for in a format that does not exist."""


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """Formats lower-cased and checked, duplicates dropped, in the order given."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise ReportExportError(
            f"Unknown report format(s): {', '.join(unknown)}. Use any of {', '.join(FORMATS)}."
        )
    if not chosen:
        raise ReportExportError(f"Choose at least one format: {', '.join(FORMATS)}.")
    return chosen


def file_stem(result: Result) -> str:
    """``belonging-atlas-E08000009-trafford``: safe on every file system."""
    slug = re.sub(r"[^a-z0-9]+", "-", result.region.name.lower()).strip("-")[:60]
    key = re.sub(r"[^A-Za-z0-9]+", "-", result.region.key).strip("-")[:60]
    return "-".join(p for p in ("belonging-atlas", key, slug) if p)


# ---------------------------------------------------------------------------
# Tables and metadata
# ---------------------------------------------------------------------------


def export_tables(result: Result) -> dict[str, gpd.GeoDataFrame]:
    """The three tables every export holds, with geometry (EPSG:27700).

    ``areas`` is :meth:`Result.table` (every measure) with the nearest
    counted asset; ``priority_gaps`` is :func:`geo.report.tables.priority_table`;
    ``assets`` is the asset frame with BNG and WGS84 coordinates as columns.
    """
    areas = result.table()
    near = tables.nearest_assets(result)
    areas = areas.merge(near, left_on="lsoa21cd", right_index=True, how="left")
    areas = gpd.GeoDataFrame(areas, geometry="geometry", crs=result.areas.crs)
    priority = tables.priority_table(result, geometry=True)
    numbers = wards.priority_order(result)
    priority.insert(0, "priority_number", numbers.reindex(priority["lsoa21cd"]).to_numpy())
    assets = result.assets.copy()
    if len(assets):
        wgs = assets.geometry.to_crs(4326)
        assets["easting"] = assets.geometry.x.round(1)
        assets["northing"] = assets.geometry.y.round(1)
        assets["lat"] = wgs.y.round(6)
        assets["lon"] = wgs.x.round(6)
        assets["category_label"] = assets["category"].map(tables.category_label)
    return {"areas": areas, "priority_gaps": priority, "assets": assets}


def export_metadata(
    result: Result, row_counts: dict[str, int], *, generated: datetime | None = None
) -> pd.DataFrame:
    """Sources, parameters and row counts, as :func:`geo.exports.metadata_table`."""
    generated = generated or datetime.now()
    parameters: dict[str, Any] = {
        "area": result.region.key,
        "area_name": result.region.name,
        "local_authorities": list(result.region.lad_codes),
        **result.parameters.as_dict(),
        "categories_counted": list(result.categories),
        "generated": generated.isoformat(timespec="seconds"),
        "software": f"Belonging Atlas {__version__}",
    }
    return exports.metadata_table(
        [r.as_dict() for r in result.provenance],
        parameters,
        row_counts,
        coverage=result.coverage_summary(),
    )


def _metadata_json(meta: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(meta.to_json(orient="records", default_handler=str))


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


def export_files(
    result: Result,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    *,
    stem: str | None = None,
    generated: datetime | None = None,
    scenario: Scenario | None = None,
    reference: Reference | None = None,
) -> list[Path]:
    """Write the report and its tables; return the paths written.

    ``scenario`` (a what-if of this analysis) adds its section to the PDF,
    HTML and Word reports; the tables stay those of the analysis.
    ``reference`` (:func:`geo.reference.reference_areas`) gives the region's
    and England's comparators; without it the region is "not known".

    Files are written in a temporary folder inside ``out_dir`` and moved into
    place one by one, so a file that exists is always complete.
    """
    chosen = check_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = stem or file_stem(result)
    generated = generated or datetime.now()
    frames = export_tables(result) if set(chosen) - DOCUMENTS else {}
    meta = (
        export_metadata(result, {k: len(v) for k, v in frames.items()}, generated=generated)
        if frames
        else None
    )
    written: list[Path] = []
    with (
        (
            ReportMaps(result, basemap=basemap_from_env())
            if DOCUMENTS & set(chosen)
            else nullcontext()
        ) as maps,
        tempfile.TemporaryDirectory(dir=out_dir, prefix=".partial-") as tmp,
    ):
        values = (
            report_context(
                result, maps=maps, generated=generated, scenario=scenario, reference=reference
            )
            if maps is not None
            else {}
        )
        work = Path(tmp)
        if {"pdf", "html"} & set(chosen):
            html, pdf = report_documents(values, html="html" in chosen, pdf="pdf" in chosen)
            if html is not None:
                (work / f"{stem}.html").write_text(html, encoding="utf-8")
            if pdf is not None:
                (work / f"{stem}.pdf").write_bytes(pdf)
        for fmt in chosen:
            if fmt == "docx":
                (work / f"{stem}.docx").write_bytes(report_docx(drawn(values)))
            elif fmt == "csv":
                for name, frame in frames.items():
                    exports.write_csv(frame, work / f"{stem}-{_dash(name)}.csv")
                exports.write_csv(meta, work / f"{stem}-metadata.csv")
            elif fmt == "xlsx":
                write_workbook(result, frames, work / f"{stem}.xlsx", meta)
            elif fmt == "gpkg":
                layers = {k: frames[k] for k in ("areas", "assets", "priority_gaps")}
                exports.write_gpkg(layers, work / f"{stem}.gpkg", metadata=meta)
            elif fmt == "geojson":
                records = {"sources_parameters_rows": _metadata_json(meta)}
                for name, frame in frames.items():
                    exports.write_geojson(
                        frame, work / f"{stem}-{_dash(name)}.geojson", metadata=records
                    )
        for path in sorted(work.iterdir()):
            target = out_dir / path.name
            os.replace(path, target)
            written.append(target)
    return written


def write_workbook(
    result: Result, frames: dict[str, gpd.GeoDataFrame], target: Any, meta: pd.DataFrame
) -> Any:
    """The Excel workbook: the tables, the ward summary, a data dictionary and the metadata."""
    sheets = {**frames, "wards": wards.ward_summary(result)}
    return exports.write_xlsx(sheets, target, metadata=meta, dictionary=columns.dictionary)


def _dash(name: str) -> str:
    return name.replace("_", "-")


# ---------------------------------------------------------------------------
# In memory
# ---------------------------------------------------------------------------


def export_bytes(
    result: Result,
    fmt: str,
    *,
    generated: datetime | None = None,
    html: str | None = None,
    scenario: Scenario | None = None,
) -> tuple[bytes, str, str]:
    """One format in memory: ``(content, file name, MIME type)`` for a download button.

    ``html`` (from :func:`geo.report.report_html` for the same result) saves
    drawing the maps again when both the HTML and the PDF are offered.
    ``scenario`` (a what-if of this analysis) adds its section to the PDF,
    HTML and Word reports.
    """
    (fmt,) = check_formats([fmt])
    stem = file_stem(result)
    if fmt == "docx":
        content = report_docx(report_context(result, generated=generated, scenario=scenario))
        return content, f"{stem}.docx", MIME[fmt]
    if fmt in ("html", "pdf"):
        page = (
            html
            if html is not None
            else report_html(result, generated=generated, scenario=scenario)
        )
        if fmt == "html":
            return page.encode("utf-8"), f"{stem}.html", MIME[fmt]
        return html_to_pdf(page), f"{stem}.pdf", MIME[fmt]
    frames = export_tables(result)
    meta = export_metadata(result, {k: len(v) for k, v in frames.items()}, generated=generated)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_workbook(result, frames, buffer, meta)
        return buffer.getvalue(), f"{stem}.xlsx", MIME[fmt]
    if fmt == "geojson":
        text = exports.geojson_text(
            frames["areas"], metadata={"sources_parameters_rows": _metadata_json(meta)}
        )
        return text.encode("utf-8"), f"{stem}-areas.geojson", MIME[fmt]
    with tempfile.TemporaryDirectory(prefix="belonging-atlas-") as tmp:
        work = Path(tmp)
        if fmt == "gpkg":
            path = exports.write_gpkg(
                {k: frames[k] for k in ("areas", "assets", "priority_gaps")},
                work / f"{stem}.gpkg",
                metadata=meta,
            )
            return path.read_bytes(), path.name, MIME[fmt]
        # csv: the three tables and their metadata, zipped
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, frame in [*frames.items(), ("metadata", meta)]:
                path = exports.write_csv(frame, work / f"{stem}-{_dash(name)}.csv")
                archive.write(path, arcname=path.name)
        return buffer.getvalue(), f"{stem}-csv.zip", MIME[fmt]
