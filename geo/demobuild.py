"""Building the built-in demo (``python -m geo demo build``) from the official files.

The inputs are the files ``data/sources.shared.toml`` names in the shared data
folder (``ATLAS_SHARED_DATA``): the same files, chosen by the same rules, as a
full offline run.  For Rutland (E06000017) the build keeps

* the rows of every table (lookups, IoD2025, IoD2019 parts, Census tables)
  that belong to its LSOAs 2021 (or, for IoD2019, the LSOAs 2011 bridged to
  them), **as the published text**, with the published column names, so the
  usual loaders read them;
* its LSOA polygons, population-weighted centroids and authority boundary,
  with their published attributes, as GeoParquet;
* the community places a full run finds for it (OpenStreetMap extract and
  registers, inside the area and within the usual buffer), one GeoParquet
  standard asset frame per source, and its OpenStreetMap place names (towns,
  villages, hamlets) as a place table;
* the England indicator table (:mod:`geo.national`) reduced to the columns
  the risk models use (:data:`NATIONAL_COLUMNS`), for national ranks.

It writes ``sources.toml`` (pointing every dataset at these files),
``provenance.json`` and ``PROVENANCE.md`` (each input's publisher, vintage,
licence, sha256 and rows in and out).  Nothing depends on the clock or the
machine: the same inputs give the same files.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.checksums import file_sha256
from geo.config import DATA_DIR, Settings
from geo.demo import DEMO_AREA, DEMO_DIR, DEMO_NAME
from geo.errors import DataSourceError
from geo.sources.access import CENSUS_DATASETS
from geo.sources.registry import Sources, licence_name, load_sources
from geo.sources.tables import read_table

SHARED_SOURCES = DATA_DIR / "sources.shared.toml"

#: Columns of the England table the risk models read: the all-ages indicators
#: and the Census inputs of the older people's model's first-choice terms.
NATIONAL_COLUMNS: tuple[str, ...] = (
    "pct_one_person_hh",
    "pct_one_person_66plus",
    "pct_bad_health",
    "pct_disabled",
    "pct_carers",
    "pct_widowed",
    "pct_divorced_separated",
    "pct_renting",
    "pct_16_24",
    "income_score",
    "imd_score",
    "pct_fair_health",
    "pct_good_health",
    "pct_very_good_health",
    "one_person_66plus",
    "pop_65plus",
    "widowed",
    "pop_75_79",
)

#: Tables and layers cut to the demo area, in the order they are written.
TABLE_DATASETS: tuple[str, ...] = (
    "lsoa21_lookup",
    "lad_regions",
    "lsoa11_lsoa21_lookup",
    "iod2025",
    "iod2019",
    *CENSUS_DATASETS,
)
LAYER_DATASETS: tuple[str, ...] = ("lsoa21_boundaries", "lsoa21_centroids", "lad_boundaries")

_PARQUET = {"compression": "zstd", "compression_level": 19, "index": False}
_REGISTRY_NOTE = "Rows for Rutland (E06000017) only, cut from the file named; built-in demo."


@dataclass
class Output:
    """One file the build wrote, and where it came from."""

    dataset: str
    file: str
    inputs: list[dict[str, object]]
    rows: int
    details: dict[str, Any] = field(default_factory=dict)  # JSON-like: files, rows, …


@dataclass
class _Area:
    codes21: set[str]
    codes11: set[str]


def build_demo(shared_dir: Path, out_dir: Path = DEMO_DIR) -> list[Output]:
    """Cut the demo from the shared data folder into ``out_dir``.

    Files are written to a temporary folder first and moved into place at the
    end, so a failed build leaves the previous demo untouched.

    Raises
    ------
    DataSourceError
        When the shared folder lacks a file the demo needs.
    """
    shared_dir = Path(shared_dir).resolve()
    if not (shared_dir / "SOURCES.md").is_file():
        raise DataSourceError(
            f"{shared_dir} is not the shared data folder (no SOURCES.md); give its path "
            "with ATLAS_SHARED_DATA."
        )
    previous = os.environ.get("ATLAS_SHARED_DATA")
    os.environ["ATLAS_SHARED_DATA"] = str(shared_dir)
    try:
        sources = load_sources(SHARED_SOURCES)
        with tempfile.TemporaryDirectory(prefix="atlas-demo-") as tmp:
            work = Path(tmp)
            outputs = _write_all(sources, shared_dir, work)
            _write_sources_toml(sources, outputs, work / "sources.toml")
            _write_provenance(outputs, work)
            out_dir.mkdir(parents=True, exist_ok=True)
            for old in out_dir.iterdir():
                if old.is_file():
                    old.unlink()
            for new in sorted(work.iterdir()):
                shutil.copyfile(new, out_dir / new.name)
    finally:
        if previous is None:
            os.environ.pop("ATLAS_SHARED_DATA", None)
        else:
            os.environ["ATLAS_SHARED_DATA"] = previous
    return outputs


def _write_all(sources: Sources, shared: Path, work: Path) -> list[Output]:
    area = _area(sources)
    outputs = [_table_output(sources, d, area, shared, work) for d in TABLE_DATASETS]
    outputs += [_layer_output(sources, d, area, shared, work) for d in LAYER_DATASETS]
    outputs += _asset_outputs(sources, shared, work)
    outputs.append(_national_output(sources, shared, work))
    return outputs


def _paths(sources: Sources, dataset_id: str) -> list[Path]:
    paths = sources.local_paths(dataset_id, [DEMO_AREA])
    if not paths:
        raise DataSourceError(f"The shared data folder has no file for {dataset_id}.")
    return paths


def _area(sources: Sources) -> _Area:
    from geo.sources import lookups

    lookup = lookups.read_lsoa21_lookup(_paths(sources, "lsoa21_lookup")[0])
    codes21 = set(lookup.index[lookup["lad_code"] == DEMO_AREA])
    bridge = lookups.read_lsoa11_lsoa21_lookup(_paths(sources, "lsoa11_lsoa21_lookup")[0])
    codes11 = set(bridge.loc[bridge["lsoa21cd"].isin(codes21), "lsoa11cd"])
    return _Area(codes21, codes11)


def _input(path: Path, shared: Path, rows: int) -> dict[str, object]:
    return {
        "path": path.relative_to(shared).as_posix(),
        "sha256": file_sha256([path]),
        "bytes": path.stat().st_size,
        "rows": rows,
    }


def _rows_with(frame: pd.DataFrame, codes: set[str]) -> pd.Series:
    """Rows where any column holds one of ``codes`` (the table's area code column)."""
    mask = pd.Series(False, index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            mask |= values.astype("str").str.strip().isin(codes)
    return mask


def _table_output(
    sources: Sources, dataset_id: str, area: _Area, shared: Path, work: Path
) -> Output:
    codes = area.codes11 if dataset_id == "iod2019" else area.codes21
    if dataset_id == "lad_regions":
        codes = {DEMO_AREA}
    paths = _paths(sources, dataset_id)
    inputs, files, rows = [], [], 0
    for number, path in enumerate(paths, start=1):
        table = read_table(path)
        kept = table[_rows_with(table, codes)].reset_index(drop=True)
        kept.attrs = {}
        name = dataset_id if len(paths) == 1 else f"{dataset_id}_part{number}"
        kept.to_parquet(work / f"{name}.parquet", **_PARQUET)
        inputs.append(_input(path, shared, len(table)))
        files.append(f"{name}.parquet")
        rows += len(kept)
    return Output(dataset_id, ", ".join(files), inputs, rows, {"files": files})


def _read_layer(path: Path) -> gpd.GeoDataFrame:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return pyogrio.read_dataframe(io.BytesIO(data) if path.suffix == ".gz" else path)


def _layer_output(
    sources: Sources, dataset_id: str, area: _Area, shared: Path, work: Path
) -> Output:
    path = _paths(sources, dataset_id)[0]
    layer = _read_layer(path)
    codes = {DEMO_AREA} if dataset_id == "lad_boundaries" else area.codes21
    attributes = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    kept = layer[_rows_with(attributes, codes)].reset_index(drop=True)
    kept.to_parquet(work / f"{dataset_id}.parquet", **_PARQUET)
    return Output(
        dataset_id,
        f"{dataset_id}.parquet",
        [_input(path, shared, len(layer))],
        len(kept),
        {"files": [f"{dataset_id}.parquet"]},
    )


def _shared_settings(work: Path) -> Settings:
    return Settings(sources_file=SHARED_SOURCES, offline=True, cache_dir=work / ".cache")


def _asset_outputs(sources: Sources, shared: Path, work: Path) -> list[Output]:
    from geo.region import load_region

    region = load_region(DEMO_AREA, settings=_shared_settings(work), use_cache=False)
    assets = region.assets.drop(columns=["in_region"]).sort_values("asset_id")
    by_file = {str(f.path): f for f in sources.asset_files}
    outputs = []
    for record in region.provenance:
        if record.dataset not in set(assets["source"]) or record.origin != "local file":
            continue
        rows = assets[assets["source"] == record.dataset].reset_index(drop=True)
        name = f"assets_{record.dataset}.parquet"
        rows.to_parquet(work / name, **_PARQUET)
        path = Path(record.location)
        details: dict[str, object] = {"files": [name], "source": record.dataset}
        asset_file = by_file.get(str(path))
        if asset_file is not None:
            details.update(
                title=asset_file.title,
                licence=asset_file.licence,
                attribution=asset_file.attribution,
                vintage=asset_file.vintage,
            )
        outputs.append(
            Output(
                record.dataset, name, [_input(path, shared, int(record.rows))], len(rows), details
            )
        )
    return [*outputs, *_places_output(region, shared, work)]


def _places_output(region: Any, shared: Path, work: Path) -> list[Output]:
    """The region's place names as a place table (none when the shared data has none)."""
    records = [r for r in region.provenance if r.dataset == "osm_places"]
    if not records or not len(region.places):
        return []
    name = "places_osm.parquet"
    places = region.places.sort_values("osm_id").reset_index(drop=True)
    places.to_parquet(work / name, **_PARQUET)
    inputs = [_input(Path(r.location), shared, int(r.rows)) for r in records]
    return [Output("osm_places", name, inputs, len(places), {"files": [name]})]


def _national_output(sources: Sources, shared: Path, work: Path) -> Output:
    from geo.national import national_indicators

    table = national_indicators(_shared_settings(work), use_cache=False)
    if table is None:
        raise DataSourceError("The England indicator table could not be assembled.")
    table = table[list(NATIONAL_COLUMNS)].sort_index()
    floats = [c for c in table.columns if table[c].dtype == "float64"]
    table.to_parquet(
        work / "england_indicators.parquet",
        compression="zstd",
        compression_level=19,
        use_dictionary=False,
        column_encoding={c: "BYTE_STREAM_SPLIT" for c in floats},
    )
    used = ["lsoa21_lookup", "iod2025", *CENSUS_DATASETS]
    inputs = [_input(p, shared, 0) for d in used for p in _paths(sources, d)]
    for item in inputs:
        item.pop("rows")
    return Output(
        "england_indicators",
        "england_indicators.parquet",
        inputs,
        len(table),
        {"files": ["england_indicators.parquet"], "columns": list(NATIONAL_COLUMNS)},
    )


# -- the sources file and the provenance --------------------------------------

_DESCRIBE = ("title", "publisher", "vintage", "licence", "attribution")


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _lines(pairs: Iterable[tuple[str, object]]) -> list[str]:
    return [f"{key} = {_toml(value)}" for key, value in pairs if value not in (None, "")]


def _dataset_entry(sources: Sources, out: Output) -> list[str]:
    local = sources.local.get(out.dataset)
    details = dict(local.details) if local else {}
    files = list(out.details["files"])
    key = "parts" if out.dataset == "iod2019" else "path"
    pairs: list[tuple[str, object]] = [(key, files if key == "parts" else files[0])]
    if out.dataset == "osm_assets":
        pairs += [("format", "asset_parquet"), ("covers", [DEMO_AREA])]
        details.setdefault("title", f"OpenStreetMap community places ({DEMO_NAME} extract)")
    if out.dataset == "osm_places":
        pairs += [("format", "places_parquet"), ("covers", [DEMO_AREA])]
    pairs += [(k, details.get(k)) for k in _DESCRIBE]
    note = str(details.get("note", ""))
    pairs.append(("note", f"{note} {_REGISTRY_NOTE}".strip()))
    return [f"[datasets.{out.dataset}]", *_lines(pairs), ""]


def _asset_entry(out: Output) -> list[str]:
    d = out.details
    pairs = [
        ("format", "asset_parquet"),
        ("path", out.file),
        ("source", d["source"]),
        ("title", d.get("title")),
        ("licence", d.get("licence")),
        ("attribution", d.get("attribution")),
        ("vintage", d.get("vintage")),
        ("covers", [DEMO_AREA]),
    ]
    return ["[[assets]]", *_lines(pairs), ""]


def _write_sources_toml(sources: Sources, outputs: Sequence[Output], path: Path) -> None:
    lines = [
        f"# Belonging Atlas — the built-in demo: {DEMO_NAME} ({DEMO_AREA}).",
        "# Written by `python -m geo demo build` from the official files named in",
        "# data/sources.shared.toml; do not edit by hand. See PROVENANCE.md.",
        "",
        'base = "."',
        'national_table = "england_indicators.parquet"',
        "",
    ]
    for out in outputs:
        if out.dataset in sources.datasets:
            lines += _dataset_entry(sources, out)
    for out in outputs:
        if out.dataset not in sources.datasets and out.dataset != "england_indicators":
            lines += _asset_entry(out)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def _describe(sources: Sources, out: Output) -> dict[str, object]:
    if out.dataset == "england_indicators":
        return {
            "title": "England indicator table (Census 2021 indicators and IoD2025 scores by "
            "LSOA 2021), for national ranks",
            "publisher": "Derived by Belonging Atlas from ONS Census 2021 and MHCLG IoD2025",
            "vintage": "Census 2021; IoD2025",
            "licence": "OGL-UK-3.0",
            "attribution": "Source: Office for National Statistics and MHCLG, licensed under "
            "the Open Government Licence v3.0",
        }
    if out.dataset in sources.datasets:
        dataset = sources.dataset(out.dataset)
        return {k: getattr(dataset, k) for k in _DESCRIBE}
    return {"publisher": "", **{k: out.details.get(k, "") for k in _DESCRIBE if k != "publisher"}}


def _write_provenance(outputs: Sequence[Output], work: Path) -> None:
    sources = load_sources(SHARED_SOURCES)
    entries = []
    for out in outputs:
        files = [
            {"file": f, "sha256": file_sha256([work / f]), "bytes": (work / f).stat().st_size}
            for f in out.details["files"]
        ]
        described = _describe(sources, out)
        described["licence_name"] = licence_name(str(described["licence"]))
        entries.append(
            {
                "dataset": out.dataset,
                **described,
                "inputs": out.inputs,
                "rows": out.rows,
                "outputs": files,
            }
        )
    doc = {"area": {"code": DEMO_AREA, "name": DEMO_NAME}, "datasets": entries}
    (work / "provenance.json").write_text(
        json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (work / "PROVENANCE.md").write_text(_markdown(entries), encoding="utf-8")


def _markdown(entries: Sequence[dict]) -> str:
    total = sum(f["bytes"] for e in entries for f in e["outputs"])
    lines = [
        f"# Built-in demo: {DEMO_NAME} ({DEMO_AREA}) — provenance",
        "",
        "Cut from the official files by `python -m geo demo build` (inputs: the files",
        "`data/sources.shared.toml` names in the shared data folder). Same inputs, same",
        f"files. {len(entries)} datasets, {total:,} bytes of data files.",
        "",
        "OpenStreetMap data © OpenStreetMap contributors, available under the Open",
        "Database Licence (ODbL 1.0). ONS, MHCLG and OS data: Open Government Licence",
        "v3.0; contains OS data © Crown copyright and database right.",
        "",
    ]
    for e in entries:
        lines += [
            f"## {e['dataset']}: {e['title']}",
            "",
            f"* Publisher: {e['publisher'] or '—'}",
            f"* Vintage: {e['vintage'] or '—'}",
            f"* Licence: {e['licence_name']}",
            f"* Attribution: {e['attribution']}",
            f"* Rows kept: {e['rows']:,}",
        ]
        for item in e["inputs"]:
            rows = f", {item['rows']:,} rows" if "rows" in item else ""
            lines.append(
                f"* Input `{item['path']}` ({item['bytes']:,} bytes{rows}), "
                f"sha256 `{item['sha256']}`"
            )
        for item in e["outputs"]:
            lines.append(
                f"* Output `{item['file']}` ({item['bytes']:,} bytes), sha256 `{item['sha256']}`"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
