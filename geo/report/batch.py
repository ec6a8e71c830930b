"""Reports for many areas in one run: resumable, failure-tolerant, with an index.

:func:`run_batch` makes one report (and its exports) per area in
``out_dir/<area code>/``.  For each area it

1. resolves the name or code (an unknown one fails that area only);
2. skips the area when its ``done.json`` marker says every requested format
   was written and the files are still there (unless ``force``);
3. runs the analysis and writes the files (each moved into place complete);
4. writes ``done.json`` last, atomically (temporary file + ``os.replace``),
   so an interrupted run leaves no marker and the area is redone next time.

An area that fails is recorded with its reason and the run goes on; the
record is keyed by the area's code(s), so it is cleared when that area later
succeeds, whatever name it was asked by.  At the end ``index.html`` (links to
every report in the folder, and the failures), ``index.json`` and
``failures.csv`` are rewritten from the markers on disk and the failures
list, so the index also covers areas done in earlier runs
(:mod:`geo.report.batchindex`).  With more than one job the areas are made
in worker processes (:mod:`geo.report.batchpool`).  Progress is reported as
``progress(REPORTS, areas_ended, areas)`` (:mod:`geo.progress`).
"""

from __future__ import annotations

import logging
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from geo.errors import AtlasError
from geo.params import Parameters
from geo.progress import REPORTS, Progress
from geo.progressbars import Bars, QuietOnClose

from .batchindex import (
    FAILURES,
    MARKER,
    failure_record,
    forget_failures,
    read_index,
    read_json,
    write_index,
    write_json_atomic,
)
from .downloads import check_formats, export_files

if TYPE_CHECKING:
    from geo.config import Settings
    from geo.region import Region

__all__ = [
    "MARKER",
    "AreaJob",
    "AreaOutcome",
    "AreaWorker",
    "BatchResult",
    "QuietOnClose",
    "batch_areas",
    "default_jobs",
    "folder_name",
    "read_index",
    "run_batch",
    "write_index",
]

log = logging.getLogger(__name__)

ALL = {"all", "all england", "england-las", "every"}

#: Turns an area text into ``(region, user_weights)``; default: :func:`geo.region.load_region`.
Prepare = Callable[[str], "tuple[Region, Mapping[str, float] | None]"]


@dataclass(frozen=True)
class AreaOutcome:
    """What happened to one area of a batch."""

    area: str  # the text asked for
    key: str  # resolved code(s), or the text when it could not be resolved
    name: str
    status: str  # "done", "skipped" or "failed"
    files: tuple[str, ...] = ()
    reason: str = ""
    seconds: float = 0.0
    figures: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchResult:
    """Every area's outcome, and the index written."""

    outcomes: tuple[AreaOutcome, ...]
    index: Path

    @property
    def failed(self) -> list[AreaOutcome]:
        """Areas that failed in this run."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def done(self) -> list[AreaOutcome]:
        """Areas written in this run."""
        return [o for o in self.outcomes if o.status == "done"]

    @property
    def skipped(self) -> list[AreaOutcome]:
        """Areas already done in an earlier run."""
        return [o for o in self.outcomes if o.status == "skipped"]

    @property
    def ok(self) -> bool:
        """True when no area failed."""
        return not self.failed


def batch_areas(text: str, *, settings: Settings) -> list[str]:
    """The areas a ``--area`` text asks for, one report each.

    Commas separate reports; ``+`` joins local authorities into one report
    (``Manchester+Trafford``); ``all`` means every English local authority.
    """
    text = (text or "").strip()
    if text.lower() in ALL:
        from geo.sources.lookups import local_authorities

        las = local_authorities(_lookup(settings))
        return list(las.loc[las["country"] == "England", "lad_code"])
    items = [t.strip() for t in text.split(",") if t.strip()]
    return [",".join(p.strip() for p in item.split("+") if p.strip()) for item in items]


def _lookup(settings: Settings) -> Any:
    from geo.sources.access import DataAccess

    access = DataAccess(settings)
    access.require(["lsoa21_lookup"])
    return access.lsoa21_lookup().frame


def folder_name(key: str) -> str:
    """A safe folder name for an area key (``E08000009``, ``E08000001+E08000002``)."""
    name = re.sub(r"[^A-Za-z0-9+_-]+", "-", key).strip("-.")[:120]
    return name or "area"


def default_jobs() -> int:
    """Worker processes for a batch when none is asked for: ``min(2, CPUs)``."""
    return max(1, min(2, os.cpu_count() or 1))


def run_batch(
    areas: Sequence[str],
    *,
    settings: Settings,
    out_dir: Path,
    formats: Iterable[str] = ("pdf", "html"),
    force: bool = False,
    analysis: Parameters | None = None,
    prepare: Prepare | None = None,
    progress: Progress | bool = True,
    stream: TextIO | None = None,
    jobs: int | None = None,
) -> BatchResult:
    """Write a report per area; see the module documentation.

    Parameters
    ----------
    areas
        Area texts, one report each (names, codes, or codes joined with
        commas for one report over several local authorities).
    settings
        Sources, cache and network settings.
    out_dir
        Folder for the reports (one sub-folder per area) and the index.
    formats
        Any of :data:`geo.report.downloads.FORMATS`.
    force
        Redo areas that are already done.
    analysis
        The analysis options (default: :class:`geo.params.Parameters`'s defaults).
    prepare
        Builds the region for an area (e.g. joining the user's own files);
        default :func:`geo.region.load_region`.  With ``jobs`` above 1 it
        must be picklable (a module-level function or class instance).
    progress
        Told ``progress(REPORTS, areas_ended, areas)`` as each area ends
        (see :mod:`geo.progress`); True draws a bar on ``stream`` (default
        stderr) with :class:`geo.progressbars.Bars`, False reports nothing.
    jobs
        Worker processes (default :func:`default_jobs`); 1 works in this
        process.  See :mod:`geo.report.batchpool`.
    """
    chosen = check_formats(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    job = AreaJob(settings, out_dir, chosen, force, analysis or Parameters(), prepare)
    failures = read_json(out_dir / FAILURES, default={})
    worker = AreaWorker(job)
    outcomes: dict[int, AreaOutcome] = {}
    workers = max(1, jobs if jobs is not None else default_jobs())
    bars = Bars(stream=stream) if progress is True else None
    report = bars or (progress if callable(progress) else None)

    def record(position: int, done: Done) -> None:
        outcome, failure = done
        forget_failures(failures, outcome.key, worker.lookup)
        if failure is not None:
            failures[outcome.key] = failure
        outcomes[position] = outcome
        if report is not None:
            report(REPORTS, len(outcomes), len(areas))

    try:
        if report is not None:
            report(REPORTS, 0, len(areas))
        if workers > 1 and len(areas) > 1:
            from .batchpool import run_in_pool

            worker.warm()  # builds the shared tables' disk caches once, before the workers
            run_in_pool(list(areas), job, min(workers, len(areas)), record)
        else:
            for position, text in enumerate(areas):
                record(position, worker.run(text))
    finally:
        # the record first: a closed terminal or pipe must never lose it
        write_json_atomic(out_dir / FAILURES, failures)
        index = write_index(out_dir, failures=failures)
        if bars is not None:
            bars.close()
    return BatchResult(tuple(outcomes[i] for i in sorted(outcomes)), index)


#: One area's outcome and, when it failed, the record for ``failures.json``.
Done = tuple[AreaOutcome, "dict[str, Any] | None"]


@dataclass(frozen=True)
class AreaJob:
    """What every area of a batch shares; picklable, so worker processes get a copy."""

    settings: Settings
    out_dir: Path
    formats: tuple[str, ...]
    force: bool
    options: Parameters
    prepare: Prepare | None = None


class AreaWorker:
    """Makes one area's report; keeps the lookup and the England tables between areas."""

    def __init__(self, job: AreaJob) -> None:
        self.job = job
        self.lookup: Any = None
        self.national: Any = None
        self.references: dict[Parameters, Any] = {}

    def warm(self) -> None:
        """Load the lookup and the England tables now (errors are left for :meth:`run`)."""
        from geo.national import national_indicators
        from geo.residents import national_residents

        try:
            if self.lookup is None:
                self.lookup = _lookup(self.job.settings)
            if self.national is None:
                self.national = national_indicators(self.job.settings)
            national_residents(self.job.settings)
        except Exception as exc:  # the same error fails each area, with its reason
            log.debug("batch tables not loaded ahead: %s", exc)

    def _reference(self, params: Parameters) -> Any:
        """England's small areas for the region and England comparators, once per options."""
        from geo.reference import reference_areas

        if params not in self.references:
            self.references[params] = reference_areas(
                self.job.settings, params, national=self.national
            )
        return self.references[params]

    def run(self, text: str) -> Done:
        """Resolve, skip or write the area ``text``; never raises but for interrupts."""
        started = time.perf_counter()
        key, name = text, text
        try:
            key, name, outcome = self._write(text, started)
            return outcome, None
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            reason = _reason(exc)
            if not isinstance(exc, AtlasError):
                log.debug("report for %s failed:\n%s", text, traceback.format_exc())
            if isinstance(exc, _Resolved):
                key, name, reason = exc.key, exc.name, exc.reason
            failure = failure_record(text, name, reason)
            seconds = time.perf_counter() - started
            outcome = AreaOutcome(text, key, name, "failed", reason=reason, seconds=seconds)
            return outcome, failure

    def _write(self, text: str, started: float) -> tuple[str, str, AreaOutcome]:
        from geo.national import national_indicators
        from geo.pipeline import headline, run_analysis
        from geo.region import load_region, resolve_area

        job = self.job
        if self.lookup is None:
            self.lookup = _lookup(job.settings)
        selection = resolve_area(text, self.lookup)
        key, name = selection.key, selection.name
        try:
            folder = job.out_dir / folder_name(key)
            marker = read_json(folder / MARKER, default=None)
            if not job.force and _complete(marker, folder, job.formats):
                skipped = AreaOutcome(
                    text, key, name, "skipped", tuple(marker["files"]),
                    figures=marker.get("figures", {}),
                )  # fmt: skip
                return key, name, skipped
            if self.national is None:
                self.national = national_indicators(job.settings)
            codes = ",".join(selection.lad_codes)
            if job.prepare is not None:
                region, user_weights = job.prepare(codes)
            else:
                region, user_weights = load_region(codes, settings=job.settings), None
            options = job.options
            params = options.replace(user_weights=user_weights) if user_weights else options
            result = run_analysis(region, params, settings=job.settings, national=self.national)
            (folder / MARKER).unlink(missing_ok=True)
            paths = export_files(result, folder, job.formats, reference=self._reference(params))
            figures = _plain(headline(result))
            seconds = time.perf_counter() - started
            record: dict[str, Any] = {
                "area": text,
                "key": key,
                "name": name,
                "formats": list(job.formats),
                "files": [p.name for p in paths],
                "figures": figures,
                "model": result.parameters.model,
                "generated": datetime.now().isoformat(timespec="seconds"),
                "seconds": round(seconds, 2),
            }
            write_json_atomic(folder / MARKER, record)  # last: the area is done
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            raise _Resolved(key, name, _reason(exc)) from exc
        done = AreaOutcome(
            text, key, name, "done", tuple(record["files"]), seconds=seconds, figures=figures
        )
        return key, name, done


class _Resolved(Exception):
    """An area that was resolved to its code(s) and then failed."""

    def __init__(self, key: str, name: str, reason: str) -> None:
        super().__init__(reason)
        self.key, self.name, self.reason = key, name, reason


def _complete(marker: Mapping[str, Any] | None, folder: Path, formats: Sequence[str]) -> bool:
    if not marker:
        return False
    if not set(formats) <= set(marker.get("formats", ())):
        return False
    return all((folder / name).is_file() for name in marker.get("files", ()))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, AtlasError):
        text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())[:1000]


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        try:
            number = float(v)
        except (TypeError, ValueError):
            out[k] = None
            continue
        out[k] = None if number != number else number
    return out
