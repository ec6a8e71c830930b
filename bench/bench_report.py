"""Benchmark of the gap report: seconds per stage for one area and for a batch.

Run from the project folder (needs the real-data mirror named in
data/sources.shared.toml)::

    python bench/bench_report.py                 # Trafford, then Greater Manchester
    python bench/bench_report.py --quick         # one area only
    python bench/bench_report.py --area Rutland --repeat 5
    python bench/bench_report.py --repeat 1 --batch 4 --jobs 1,2

What is timed, in the same run:

* **one area** (median of ``--repeat`` runs after one untimed warm-up that
  fills the caches): the analysis (:func:`geo.pipeline.run_analysis`, the
  baseline), the four static maps, the template values, the HTML, the PDF
  (WeasyPrint), these stages' sum, then the report as the command line makes
  it (:func:`geo.report.render.report_documents`, the maps drawn in a forked
  child while the values are written and the layout starts: the figure
  against the 5 s aim), and the table exports (CSV, XLSX, GeoPackage, GeoJSON);
* **a batch** of the first ``--batch`` Greater Manchester authorities
  (E08000001–E08000010, all ten by default) with :func:`geo.report.run_batch`
  writing PDF and HTML once per ``--jobs`` worker count (default 1 and 2),
  against the baseline of the analyses alone for the same areas in one
  process, run just before (after an untimed warm-up pass that fills the
  region caches, so all are warm).  Each count's seconds per area give an
  estimate for all 296 English authorities, against the 30-minute aim.
  Areas outside the per-authority boundary files use the national
  simplified boundaries.

Wall-clock seconds and this process's CPU seconds are both shown: other work
on the machine moves the first more than the second.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

from pypdf import PdfReader  # noqa: E402

from geo.config import Settings  # noqa: E402
from geo.national import national_indicators  # noqa: E402
from geo.params import Parameters  # noqa: E402
from geo.pipeline import run_analysis  # noqa: E402
from geo.report import run_batch, staticmaps  # noqa: E402
from geo.report.context import report_context  # noqa: E402
from geo.report.downloads import export_files  # noqa: E402
from geo.report.mapjob import ReportMaps, can_fork  # noqa: E402
from geo.report.render import html_to_pdf, report_documents, report_html  # noqa: E402

GREATER_MANCHESTER = tuple(f"E080000{i:02d}" for i in range(1, 11))
TARGET_SECONDS = 5.0
ENGLISH_AUTHORITIES = 296
BATCH_TARGET_MINUTES = 30.0


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeat`` calls, and the last value."""
    walls, cpus, value = [], [], None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        value = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), value


def print_rows(rows: list[tuple[str, float, float]], baseline: str) -> None:
    base = dict((name, wall) for name, wall, _ in rows)[baseline]
    width = max(len(name) for name, _, _ in rows)
    print(f"  {'stage':<{width}}  {'wall s':>8}  {'CPU s':>8}  {'ratio':>12}")
    for name, wall, cpu in rows:
        print(f"  {name:<{width}}  {wall:8.2f}  {cpu:8.2f}  {wall / base:8.2f}× {baseline[:3]}")


def one_area(settings: Settings, area: str, repeat: int, permutations: int) -> None:
    national = national_indicators(settings)

    def analyse() -> object:
        return run_analysis(
            area, Parameters(permutations=permutations), settings=settings, national=national
        )

    w0 = time.perf_counter()
    result = analyse()  # warm-up: region and national caches
    warm = time.perf_counter() - w0
    print(f"\n{result.region.name} ({result.region.key}): {len(result.areas)} areas, "
          f"{len(result.assets)} assets; warm-up analysis {warm:.1f} s")  # fmt: skip

    rows = []
    wall, cpu, result = timed(analyse, repeat)
    rows.append(("analysis (baseline)", wall, cpu))
    wall, cpu, maps = timed(lambda: staticmaps.all_maps(result), repeat)
    rows.append(("maps (4 PNG)", wall, cpu))
    wall, cpu, context = timed(lambda: report_context(result, maps=maps), repeat)
    rows.append(("template values", wall, cpu))
    wall, cpu, html = timed(lambda: report_html(result, context=context), repeat)
    rows.append(("HTML", wall, cpu))
    wall, cpu, pdf = timed(lambda: html_to_pdf(html), repeat)
    rows.append(("PDF (WeasyPrint)", wall, cpu))
    stages_wall = sum(w for n, w, _ in rows[1:])
    stages_cpu = sum(c for n, _, c in rows[1:])
    rows.append(("stages one after another", stages_wall, stages_cpu))

    def report() -> tuple[str | None, bytes | None]:
        with ReportMaps(result) as drawing:
            return report_documents(report_context(result, maps=drawing))

    report_wall, report_cpu, (_, both_pdf) = timed(report, repeat)
    beside = "maps drawn beside the layout" if can_fork() else "maps drawn first (no fork)"
    rows.append((f"report: PDF + HTML, {beside}", report_wall, report_cpu))
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu, _ = timed(
            lambda: export_files(result, Path(tmp), ["csv", "xlsx", "gpkg", "geojson"]), repeat
        )
    rows.append(("exports: CSV+XLSX+GPKG+GeoJSON", wall, cpu))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert both_pdf is not None and len(PdfReader(io.BytesIO(both_pdf)).pages) == pages
    print(
        f"median of {repeat} run(s); HTML {len(html) / 1e6:.2f} MB, "
        f"PDF {len(pdf) / 1e6:.2f} MB, {pages} pages"
    )
    print_rows(rows, "analysis (baseline)")
    verdict = "within" if report_wall <= TARGET_SECONDS else "OVER"
    print(f"  PDF + HTML report: {report_wall:.2f} s, {verdict} the {TARGET_SECONDS:g} s aim")


def batch(settings: Settings, codes: tuple[str, ...], permutations: int, jobs: list[int]) -> None:
    national = national_indicators(settings)
    print(f"\nBatch of {len(codes)} areas: {', '.join(codes)}")
    w0 = time.perf_counter()
    for code in codes:  # warm-up: every region assembled and cached once
        run_analysis(
            code, Parameters(permutations=permutations), settings=settings, national=national
        )
    print(f"  warm-up analyses (filling the region caches): {time.perf_counter() - w0:.1f} s")
    w0, c0 = time.perf_counter(), time.process_time()
    for code in codes:
        run_analysis(
            code, Parameters(permutations=permutations), settings=settings, national=national
        )
    base_wall, base_cpu = time.perf_counter() - w0, time.process_time() - c0
    rows = [("analyses alone, 1 process (baseline)", base_wall, base_cpu)]
    n = len(codes)
    per_area: dict[int, float] = {}
    for count in jobs:
        with tempfile.TemporaryDirectory() as tmp:
            w0, c0 = time.perf_counter(), time.process_time()
            result = run_batch(
                list(codes),
                settings=settings,
                out_dir=Path(tmp),
                formats=["pdf", "html"],
                force=True,
                analysis=Parameters(permutations=permutations),
                progress=False,
                jobs=count,
            )
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(f"  --jobs {count}:")
        for item in result.outcomes:
            extra = f" ({item.reason})" if item.reason else ""
            print(f"    {item.key} {item.name:<12} {item.status:<7} {item.seconds:6.1f} s{extra}")
        rows.append((f"batch PDF+HTML, --jobs {count} (CPU: parent only)", wall, cpu))
        per_area[count] = wall / n
    print_rows(rows, "analyses alone, 1 process (baseline)")
    first = per_area[jobs[0]]
    for count, seconds in per_area.items():
        total = seconds * ENGLISH_AUTHORITIES / 60
        verdict = "within" if total <= BATCH_TARGET_MINUTES else "OVER"
        print(
            f"  --jobs {count}: {seconds:.1f} s per area, {60 / seconds:.1f} areas/min, "
            f"{first / seconds:.2f}× --jobs {jobs[0]}; all {ENGLISH_AUTHORITIES} English "
            f"authorities ≈ {total:.0f} min, {verdict} the {BATCH_TARGET_MINUTES:g} min aim"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=PROJECT / "data" / "sources.shared.toml")
    parser.add_argument("--area", default="Trafford", help="the one area timed stage by stage")
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage (median)")
    parser.add_argument("--permutations", type=int, default=999, help="Local Moran's I")
    parser.add_argument("--quick", action="store_true", help="skip the batch")
    parser.add_argument(
        "--batch", type=int, default=len(GREATER_MANCHESTER), help="areas in the batch (1–10)"
    )
    parser.add_argument("--jobs", default="1,2", help="worker counts to time, comma-separated")
    args = parser.parse_args(argv)
    settings = Settings.from_env(sources_file=args.sources, offline=True)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; sources {args.sources}")
    one_area(settings, args.area, args.repeat, args.permutations)
    if not args.quick:
        jobs = [int(j) for j in args.jobs.split(",") if j.strip()]
        batch(settings, GREATER_MANCHESTER[: max(1, args.batch)], args.permutations, jobs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
