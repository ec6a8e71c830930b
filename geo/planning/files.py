"""A scenario or a set of suggested sites as files to download (CSV, GeoPackage)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import exports
from geo.planning.scenario import Scenario
from geo.planning.suggest import Suggestion
from geo.result import Result

MIME = {
    "csv": "text/csv",
    "gpkg": "application/geopackage+sqlite3",
}


def _stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "scenario"


def _metadata(result: Result, details: dict[str, object]) -> pd.DataFrame:
    return exports.metadata_table(
        [r.as_dict() for r in result.provenance],
        {**result.parameters.as_dict(), "area": result.region.key, **details},
        {"areas": len(result.areas)},
    )


def scenario_files(plan: Scenario) -> dict[str, tuple[bytes, str, str]]:
    """``{format: (content, file name, MIME type)}``: the comparison as CSV; proposals
    and comparison (with the areas' polygons) as a GeoPackage."""
    stem = f"{_stem(plan.name)}-{plan.after.region.key.lower()}"
    details: dict[str, object] = {"scenario": plan.name, **dict(plan.totals)}
    metadata = _metadata(plan.after, details)
    areas = plan.after.areas
    comparison = gpd.GeoDataFrame(plan.table(), geometry=areas.geometry.to_numpy(), crs=areas.crs)
    proposals = gpd.GeoDataFrame(plan.proposals).copy()
    with tempfile.TemporaryDirectory() as folder:
        csv = exports.write_csv(plan.table(), Path(folder) / "comparison.csv").read_bytes()
        gpkg_path = exports.write_gpkg(
            {"comparison": comparison, "proposals": proposals},
            Path(folder) / "scenario.gpkg",
            metadata=metadata,
        )
        gpkg = Path(gpkg_path).read_bytes()
    return {
        "csv": (csv, f"{stem}.csv", MIME["csv"]),
        "gpkg": (gpkg, f"{stem}.gpkg", MIME["gpkg"]),
    }


def suggestion_files(result: Result, found: Suggestion) -> dict[str, tuple[bytes, str, str]]:
    """The suggested sites as CSV (coordinates in BNG and WGS84) and GeoPackage."""
    stem = f"suggested-sites-{result.region.key.lower()}"
    table = found.table()
    metadata = _metadata(result, {"objective": found.objective, "candidates": found.candidates})
    with tempfile.TemporaryDirectory() as folder:
        csv = exports.write_csv(table.drop(columns="geometry"), Path(folder) / "s.csv")
        gpkg = exports.write_gpkg(
            {"sites": table},
            Path(folder) / "s.gpkg",
            metadata=metadata,
        )
        content = (Path(csv).read_bytes(), Path(gpkg).read_bytes())
    return {
        "csv": (content[0], f"{stem}.csv", MIME["csv"]),
        "gpkg": (content[1], f"{stem}.gpkg", MIME["gpkg"]),
    }
