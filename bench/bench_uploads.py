"""Benchmark of reading large and hostile uploads: time and peak memory.

Run from the project folder (needs the real-data mirror; set
``ATLAS_SHARED_DATA`` when it is not ``../shared/data``)::

    nice python bench/bench_uploads.py            # every case
    nice python bench/bench_uploads.py --only csv # one case

The inputs are built from real OpenStreetMap pubs of Great Britain
(``community_assets/osm_uk_pubs_mlj/pubnames.tsv``, 38k rows), repeated:

* ``csv``: a CSV of 500,000 rows (name, category, lat, lon, address), ~50 MB;
* ``geojson``: 150,000 point features;
* ``xlsx-padded``: a workbook of 2,000 rows whose ``<dimension>`` declares
  ``A1:XFD1048575`` (16,384 columns);
* ``xlsx-far-cells``: 20,000 rows each with one stray value in column XFD;
* ``csv-worker``: the same CSV read as the app reads it, in a bounded upload
  worker (:mod:`geo.uploads.worker`) that sends the result back; its memory
  is the worker process's peak.

Each case runs in its own process, with the environment of the app's upload
worker (:data:`geo.uploads.worker.WORKER_ENV`: one thread per numeric
library, Arrow's memory from the C heap), and reports its seconds and its peak
resident memory (``ru_maxrss``).  Ours is :func:`geo.uploads.read_assets_upload`;
the baseline, in the same run, is the plainest read of the same bytes
(``pandas.read_csv(dtype=str)``, ``json.loads``, openpyxl's read-only
``iter_rows`` of the same workbook without the padding).  Goals: CSV within
15 s and 600 MB, GeoJSON within 15 s, padded workbooks refused or read within
10 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

GOALS = {"csv": (15.0, 600.0), "geojson": (15.0, None), "xlsx-padded": (10.0, None)}
GOALS["xlsx-far-cells"] = (10.0, None)
GOALS["csv-worker"] = (15.0, 600.0)


def _pubs() -> list[tuple[str, str, str]]:
    root = Path(os.environ.get("ATLAS_SHARED_DATA") or PROJECT.parent / "shared" / "data")
    path = root / "community_assets" / "osm_uk_pubs_mlj" / "pubnames.tsv"
    if not path.is_file():
        sys.exit(f"The pubs file is missing: {path} (set ATLAS_SHARED_DATA).")
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for cells in csv.reader(handle, delimiter="\t"):
            if len(cells) >= 5 and cells[3] and cells[4]:
                rows.append((cells[0], cells[3], cells[4]))
    return rows


def build(case: str, folder: Path) -> Path:
    pubs = _pubs()
    if case in ("csv", "csv-worker"):
        path = folder / "pubs.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["name", "category", "lat", "lon", "address"])
            for i in range(500_000):
                name, lat, lon = pubs[i % len(pubs)]
                writer.writerow([name, "pub", lat, lon, f"{name}, {i} High Street, {lat} {lon}"])
        return path
    if case == "geojson":
        features = [
            {
                "type": "Feature",
                "properties": {"name": name, "category": "pub", "ref": i},
                "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
            }
            for i, (name, lat, lon) in ((i, pubs[i % len(pubs)]) for i in range(150_000))
        ]
        path = folder / "pubs.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        return path
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "category", "lat", "lon"])
    count = 2_000 if case == "xlsx-padded" else 20_000
    for i in range(count):
        name, lat, lon = pubs[i % len(pubs)]
        sheet.append([name, "pub", float(lat), float(lon)])
    plain = folder / f"{case}.plain.xlsx"
    workbook.save(plain)
    with zipfile.ZipFile(plain) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    if case == "xlsx-padded":
        xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048575"', xml)
    else:
        xml = re.sub(r'(<row r="(\d+)"[^>]*>)', r'\1<c r="XFD\2" t="n"><v>1</v></c>', xml)
        xml = re.sub(r'(<c r="XFD\d+" t="n"><v>1</v></c>)(.*?)(</row>)', r"\2\1\3", xml)
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    path = folder / f"{case}.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    path.write_bytes(buffer.getvalue())
    return path


def _baseline(case: str, path: Path) -> Any:
    if case in ("csv", "csv-worker"):
        import pandas as pd

        return len(pd.read_csv(path, dtype=str))
    if case == "geojson":
        return len(json.loads(path.read_bytes())["features"])
    import openpyxl

    plain = path.with_suffix(".plain.xlsx")
    workbook = openpyxl.load_workbook(plain, read_only=True, data_only=True)
    return sum(1 for _ in workbook.active.iter_rows(values_only=True))


def _ours(path: Path) -> Any:
    from geo.errors import UploadError
    from geo.uploads import read_assets_upload

    try:
        result = read_assets_upload(path.read_bytes(), path.name)
    except UploadError as exc:
        return f"refused: {exc}"
    return f"{result.loaded:,} loaded of {result.rows_in:,}"


def _through_worker(path: Path) -> Any:
    """As the app reads an upload: in a bounded worker, the result sent back."""
    from geo.uploads.worker import BoundedReader, WorkerLimits

    reader = BoundedReader(WorkerLimits(workers=1))
    try:
        result = reader.read("assets", path.read_bytes(), path.name)
    finally:
        reader.close()  # the worker exits, so its peak is in RUSAGE_CHILDREN
    server = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"{result.loaded:,} loaded of {result.rows_in:,}; calling process peak {server:,.0f} MB"


def run_one(case: str, path: Path, which: str) -> None:
    start = time.perf_counter()
    worker = which == "ours" and case == "csv-worker"
    if worker:
        outcome = _through_worker(path)
    else:
        outcome = _ours(path) if which == "ours" else _baseline(case, path)
    seconds = time.perf_counter() - start
    who = resource.RUSAGE_CHILDREN if worker else resource.RUSAGE_SELF
    peak_mb = resource.getrusage(who).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "outcome": str(outcome)}))


def _measure(case: str, path: Path, which: str) -> dict[str, Any]:
    from geo.uploads.worker import WORKER_ENV

    command = [sys.executable, __file__, "--child", case, str(path), which]
    env = {**os.environ, **WORKER_ENV}  # both read as the app's upload worker reads
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=PROJECT, env=env
    )
    if done.returncode != 0:
        return {"seconds": float("nan"), "peak_mb": float("nan"), "outcome": done.stderr[-300:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(GOALS))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_one(args.child[0], Path(args.child[1]), args.child[2])
        return 0
    import tempfile

    failed = 0
    head = ("case", "ours s", "base s", "ratio", "ours MB", "base MB")
    print(f"{head[0]:16} " + " ".join(f"{h:>8}" for h in head[1:]) + "  goal")
    with tempfile.TemporaryDirectory() as folder:
        for case in [args.only] if args.only else list(GOALS):
            path = build(case, Path(folder))
            ours = _measure(case, path, "ours")
            base = _measure(case, path, "baseline")
            limit_s, limit_mb = GOALS[case]
            ok = ours["seconds"] <= limit_s and (limit_mb is None or ours["peak_mb"] <= limit_mb)
            failed += not ok
            goal = f"≤ {limit_s:g} s" + (f", ≤ {limit_mb:g} MB" if limit_mb else "")
            print(
                f"{case:16} {ours['seconds']:8.2f} {base['seconds']:8.2f} "
                f"{ours['seconds'] / base['seconds']:8.1f} {ours['peak_mb']:8.0f} "
                f"{base['peak_mb']:8.0f}  {goal}: {'met' if ok else 'MISSED'}"
            )
            print(f"{'':16} {path.stat().st_size / 1e6:.1f} MB file; ours: {ours['outcome']}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
