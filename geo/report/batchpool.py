"""Worker processes for a batch of reports.

:func:`run_in_pool` hands the areas of :func:`geo.report.batch.run_batch` to
a :class:`concurrent.futures.ProcessPoolExecutor` started with ``spawn`` (a
clean interpreter per worker: no inherited threads, locks or open files).
Each worker's initializer builds one :class:`~geo.report.batch.AreaWorker`,
which loads the LSOA lookup, the England indicator table and the residents
table once and keeps them for every area that worker makes.

The parent process alone keeps the failures record and writes the index,
so the two workers never write the same file; each area's files and its
``done.json`` marker are written by the worker making it, complete or not at
all, as in a single process.

Interrupts: workers ignore ``SIGINT``, so Ctrl-C reaches the parent only.
It cancels the areas not yet started, waits for the ones being made (their
files and markers are then complete), records them and re-raises, and
:func:`~geo.report.batch.run_batch` still writes the failures and the index.
A worker that dies (e.g. out of memory) breaks the pool: one of the areas
in progress is failed with a clear reason (its marker was never written, so
a rerun redoes it) and the others go on in a new pool.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from geo.processes import spawn_context

from .batch import AreaJob, AreaOutcome, AreaWorker, Done
from .batchindex import failure_record
from .mapjob import share_cpus

_WORKER: AreaWorker | None = None

#: Told of each finished area: its position in the batch and what happened.
Record = Callable[[int, Done], None]

_DIED = (
    "the worker process making this report stopped unexpectedly (often: out of memory); "
    "run the batch again with --jobs 1, or fewer areas at a time"
)


def _start_worker(job: AreaJob) -> None:
    """Initializer: ignore Ctrl-C (the parent handles it) and load the shared tables."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    share_cpus()  # the pool's workers use the CPUs; each draws its maps itself
    _WORKER = AreaWorker(job)
    _WORKER.warm()


def _make(text: str) -> Done:
    if _WORKER is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("batch worker used before it was started")
    return _WORKER.run(text)


def run_in_pool(areas: list[str], job: AreaJob, jobs: int, record: Record) -> None:
    """Make every area in ``jobs`` worker processes, calling ``record`` as each ends."""
    pending = dict(enumerate(areas))
    while pending:
        broken = _one_pool(pending, job, jobs, record)
        if broken is None:
            return
        # the pool broke: that area failed; the others are tried in a new pool
        text = pending.pop(broken)
        outcome = AreaOutcome(text, text, text, "failed", reason=_DIED)
        record(broken, (outcome, failure_record(text, text, _DIED)))


def _one_pool(pending: dict[int, str], job: AreaJob, jobs: int, record: Record) -> int | None:
    """Run ``pending`` (emptied as areas end); the position of a dead worker's area, or None."""
    context = spawn_context()
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(pending)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(job,),
    )
    futures: dict[Future[Done], int] = {
        pool.submit(_make, text): position for position, text in pending.items()
    }
    wait = True
    try:
        for future in as_completed(futures):
            position = futures[future]
            try:
                done = future.result()
            except BrokenProcessPool:
                return position
            del pending[position]
            record(position, done)
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        wait = _finish_running(futures, pending, record)
        raise
    finally:
        pool.shutdown(wait=wait, cancel_futures=True)
    return None


def _finish_running(
    futures: dict[Future[Done], int], pending: dict[int, str], record: Record
) -> bool:
    """After an interrupt: wait for the areas being made and record them.

    A second interrupt stops the wait (False: do not wait for the workers either).
    """
    for future, position in futures.items():
        if position not in pending or future.cancelled():
            continue
        try:
            done = future.result()
        except BrokenProcessPool:
            continue
        except KeyboardInterrupt:
            return False
        del pending[position]
        record(position, done)
    return True
