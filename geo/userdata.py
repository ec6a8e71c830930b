"""Joining a user's own data to a region: assets, indicators, study areas.

Uploaded assets and indicators join the current analysis (map, gaps, report,
exports) and are labelled as user data in provenance.  The region itself is
immutable: each function returns a new :class:`~geo.region.Region`.

An upload set can be saved as a folder with the cleaned files and a sources
file (:func:`save_upload_set`); ``python -m geo analyse --sources that.toml``
(or ``--assets`` / ``--indicators``) then reuses it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.config import Settings
from geo.errors import UploadError
from geo.provenance import ProvenanceRecord
from geo.region import Region, load_region
from geo.regiontypes import SourceCoverage
from geo.sources.assets import search_box_wgs84, within_buffer

log = logging.getLogger(__name__)

USER_LICENCE = "user data"
USER_ATTRIBUTION = "User-supplied data (not checked by Belonging Atlas)"


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")
    return slug[:40] or "upload"


def _record(name: str, title: str, rows: int, note: str) -> ProvenanceRecord:
    now = datetime.now(UTC)
    return ProvenanceRecord(
        dataset=f"user:{_slug(name)}",
        title=title,
        publisher="user",
        vintage=f"uploaded {now:%Y-%m-%d}",
        licence=USER_LICENCE,
        attribution=USER_ATTRIBUTION,
        origin="user upload",
        location=name,
        rows=int(rows),
        retrieved=now.strftime("%Y-%m-%d %H:%M UTC"),
        note=note,
    )


def user_column(name: str) -> str:
    """The column an uploaded indicator column is joined as (``user_<name>``)."""
    return f"user_{_slug(name)}"


def user_category(key: str) -> str:
    """A safe category key for a category that is not in the taxonomy."""
    return key if not key.startswith("new:") else f"user_{_slug(key[4:])}"


def with_user_assets(
    region: Region,
    assets: gpd.GeoDataFrame,
    *,
    name: str,
    note: str = "",
    buffer_m: float = 2000.0,
    covers_region: bool = False,
) -> Region:
    """The region with uploaded assets added (standard asset frame in EPSG:27700).

    Assets beyond ``buffer_m`` of every area are left out (and counted in the
    provenance note); categories outside the taxonomy (``new:<name>``) become
    ``user_<name>``.  The upload is taken to be complete over the area its
    places span (their convex hull), or over the whole region when
    ``covers_region`` says the list is complete for it.
    """
    if assets is None or len(assets) == 0:
        raise UploadError(f"{name}: the upload has no assets to add.")
    frame = assets.to_crs(region.areas.crs).copy()
    frame["category"] = frame["category"].map(user_category)
    frame["source"] = f"user:{_slug(name)}"
    frame["asset_id"] = [f"user:{_slug(name)}:{i}" for i in range(len(frame))]
    frame = frame.drop(columns=[c for c in ("in_region",) if c in frame])
    kept = within_buffer(frame, region.areas, buffer_m)
    dropped = len(frame) - len(kept)
    parts = [note] if note else []
    if dropped:
        parts.append(f"{dropped} uploaded asset(s) lie more than {buffer_m:,.0f} m from the area.")
    combined = pd.concat([region.assets, kept], ignore_index=True)
    combined = gpd.GeoDataFrame(combined, geometry="geometry", crs=region.areas.crs)
    record = _record(name, f"Uploaded assets: {name}", len(kept), " ".join(parts))
    return dataclasses.replace(
        region,
        assets=combined,
        coverage=(*region.coverage, _upload_coverage(region, kept, name, covers_region)),
        provenance=(*region.provenance, record),
        notes=(
            *region.notes,
            f"Assets uploaded from {name} are included and labelled as user data.",
        ),
    )


def _upload_coverage(
    region: Region, kept: gpd.GeoDataFrame, name: str, covers_region: bool
) -> SourceCoverage:
    """Where an upload is complete: its places' convex hull, or the whole region."""
    import shapely

    shape = region.areas.geometry if covers_region or not len(kept) else kept.geometry
    hull = shapely.convex_hull(shapely.union_all(shape.values)).buffer(1.0)
    return SourceCoverage(
        source=f"user:{_slug(name)}",
        title=f"Uploaded assets: {name}",
        categories=tuple(dict.fromkeys(kept["category"].astype(str))),
        extent="area",
        label="the whole study area" if covers_region else "the area its places span",
        area_wkt=hull.wkt,
    )


def with_user_indicators(
    region: Region,
    values: pd.DataFrame,
    *,
    name: str,
    note: str = "",
) -> tuple[Region, list[str]]:
    """The region with uploaded indicator columns joined by LSOA 2021 code.

    Columns are prefixed ``user_`` (so they never replace official values);
    returns the new region and the names of the joined columns.
    """
    if values is None or values.empty:
        raise UploadError(f"{name}: the upload has no indicator values to add.")
    numeric = values.select_dtypes("number")
    if numeric.empty:
        raise UploadError(f"{name}: none of the uploaded columns holds numbers.")
    renamed = numeric.rename(columns=lambda c: user_column(str(c)))
    areas = region.areas.drop(columns=[c for c in renamed.columns if c in region.areas])
    joined = areas.join(renamed.reindex(areas.index))
    matched = int(renamed.index.isin(areas.index).sum())
    record = _record(
        name,
        f"Uploaded indicators: {name}",
        matched,
        (note + " " if note else "")
        + f"Columns: {', '.join(renamed.columns)}; {matched} of {len(areas)} areas have values.",
    )
    region = dataclasses.replace(
        region,
        areas=joined,
        provenance=(*region.provenance, record),
        notes=(*region.notes, f"Indicators uploaded from {name} are joined as user data."),
    )
    return region, list(renamed.columns)


def region_from_boundary(
    study_area: object, *, settings: Settings, name: str = "Custom study area"
) -> Region:
    """A region made of the LSOAs whose representative point lies in a polygon.

    The local authorities the polygon touches are assembled, then their areas
    are kept when their population-weighted centroid (or inner point) falls
    inside ``study_area`` (a shapely polygon in EPSG:27700); assets are kept
    within the usual buffer of the remaining areas.
    """
    import shapely

    from geo.sources.access import DataAccess

    if study_area is None or shapely.is_empty(study_area):
        raise UploadError("The boundary upload has no polygon to use as a study area.")
    access = DataAccess(settings)
    access.require(["lsoa21_lookup", "lsoa21_centroids"])
    lookup = access.lsoa21_lookup().frame
    centroids = access.lsoa21_centroids(list(lookup.index), ()).frame
    inside = centroids[centroids.within(study_area)]
    if inside.empty:
        raise UploadError(
            "No LSOA 2021 lies inside the uploaded boundary: check that it is in England "
            "and in the right coordinate system."
        )
    lads = sorted(set(lookup.loc[inside.index, "lad_code"]))
    region = load_region(",".join(lads), settings=settings, access=access)
    areas = region.areas.loc[region.areas.index.intersection(inside.index)]
    assets = region.assets
    if len(assets):
        assets = within_buffer(assets.drop(columns="in_region"), areas, settings.region_buffer_m)
    return dataclasses.replace(
        region,
        key=f"custom-{_slug(name)}",
        name=name,
        areas=areas,
        assets=assets.reset_index(drop=True),
        notes=(
            *region.notes,
            f"Custom study area {name!r}: {len(areas)} LSOA 2021 areas whose representative "
            "point lies inside the uploaded boundary.",
        ),
    )


def save_upload_set(
    folder: Path,
    *,
    assets: Sequence[tuple[str, gpd.GeoDataFrame]] = (),
    indicators: Sequence[tuple[str, pd.DataFrame]] = (),
) -> Path:
    """Save cleaned uploads and a sources file that names them; return its path.

    Assets are saved as GeoJSON (WGS84, standard columns), indicators as CSV
    keyed by ``lsoa21cd``.  The sources file lists the assets under
    ``[[assets]]`` and the indicator tables under ``[[indicators]]``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Uploaded data saved by Belonging Atlas; use with --sources or ATLAS_SOURCES.",
        'base = "."',
        "",
    ]
    for name, frame in assets:
        file = f"assets_{_slug(name)}.geojson"
        out = frame[["name", "category", "address", "capacity", "geometry"]].to_crs(4326)
        (folder / file).write_text(out.to_json(na="null", drop_id=True), encoding="utf-8")
        lines += [
            "[[assets]]",
            'format = "vector"',
            f"path = {_toml(file)}",
            f"source = {_toml('user_' + _slug(name))}",
            f"title = {_toml('Uploaded assets: ' + name)}",
            'category_column = "category"',
            f"licence = {_toml(USER_LICENCE)}",
            f"attribution = {_toml(USER_ATTRIBUTION)}",
            "",
        ]
    for name, frame in indicators:
        file = f"indicators_{_slug(name)}.csv"
        frame.rename_axis("lsoa21cd").to_csv(folder / file, encoding="utf-8")
        lines += ["[[indicators]]", f"path = {_toml(file)}", f"title = {_toml(name)}", ""]
    path = folder / "sources.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def indicator_files(sources_file: Path | None) -> list[tuple[str, Path]]:
    """``[[indicators]]`` entries of a sources file: (title, path)."""
    if sources_file is None:
        return []
    with Path(sources_file).open("rb") as fh:
        data = tomllib.load(fh)
    base = Path(sources_file).resolve().parent / str(data.get("base", "."))
    out = []
    for entry in data.get("indicators") or []:
        path = Path(entry["path"])
        out.append(
            (str(entry.get("title", path.name)), path if path.is_absolute() else base / path)
        )
    return out


def read_indicator_csv(path: Path) -> pd.DataFrame:
    """An indicator table saved by :func:`save_upload_set` (indexed by lsoa21cd)."""
    return pd.read_csv(path, dtype={"lsoa21cd": str}).set_index("lsoa21cd")


def box_for(region: Region, buffer_m: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) around a region, for upload checks."""
    south, west, north, east = search_box_wgs84(region.areas, buffer_m)
    return (west, south, east, north)


def _read_file(path: Path) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise UploadError(f"{path} does not exist or is not a file.")
    return path.read_bytes()


def apply_user_files(
    region: Region,
    *,
    settings: Settings,
    assets: Sequence[Path] = (),
    indicators: Sequence[Path] = (),
    assets_cover_region: bool = False,
) -> tuple[Region, list[str]]:
    """Add asset and indicator files (and a sources file's saved uploads) to a region.

    Each file is read with the same validation as the Upload page
    (:mod:`geo.uploads`); a file that cannot be used raises
    :class:`~geo.errors.UploadError` with the reason.  Returns the new region
    and the joined indicator column names.  ``assets_cover_region`` says the
    asset files are complete for the whole region (see
    :func:`with_user_assets`).
    """
    from geo.uploads import read_assets_upload, read_indicators_upload

    box = box_for(region, settings.region_buffer_m)
    for path in assets:
        result = read_assets_upload(
            _read_file(path), Path(path).name, area_bbox=box, settings=settings
        )
        if not result.usable:
            raise UploadError(f"{Path(path).name}: no usable assets ({result.summary()}).")
        region = with_user_assets(
            region,
            result.frame,
            name=Path(path).name,
            note=result.summary(),
            buffer_m=settings.region_buffer_m,
            covers_region=assets_cover_region,
        )
    columns: list[str] = []
    codes = list(region.areas.index)
    tables = [(Path(p).name, None, p) for p in indicators]
    tables += [
        (title, read_indicator_csv(p), p) for title, p in indicator_files(settings.sources_file)
    ]
    for name, saved, path in tables:
        if saved is None:
            result = read_indicators_upload(
                _read_file(path), Path(path).name, settings=settings, areas=codes
            )
            if not result.usable:
                raise UploadError(f"{name}: no usable values ({result.summary()}).")
            saved, note = result.frame, result.summary()
        else:
            note = f"saved upload {Path(path).name}"
        region, joined = with_user_indicators(region, saved, name=name, note=note)
        columns.extend(joined)
    return region, columns
