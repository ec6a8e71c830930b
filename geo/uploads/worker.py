"""Reading untrusted files in a separate, bounded process.

A hostile file must not be able to take the server with it.  The readers of
:mod:`geo.uploads` run in a small pool of worker processes (``spawn``, so no
server state is inherited), each with

* an address-space limit (``RLIMIT_AS``, ``ATLAS_UPLOAD_MEMORY_MB``): an
  allocation beyond it fails with ``MemoryError`` in the worker, not in the
  server;
* a CPU-time limit per file (``RLIMIT_CPU``, ``ATLAS_UPLOAD_CPU_S``): the
  worker's soft limit is set to the CPU it has used so far plus the allowance
  before each file, and ``SIGXCPU`` stops the read;
* a wall-clock timeout (``ATLAS_UPLOAD_TIMEOUT_S``): a worker that has not
  answered in time is killed and the pool replaced;

and GDAL hardened for the whole life of the worker (:func:`harden_gdal`
before GDAL is first loaded), never in the server.  A file over a limit is
refused with an :class:`~geo.errors.UploadError` that names the limit and how
to get under it; the server and the other readers carry on.

Examples
--------
>>> from geo.uploads.worker import read_in_worker  # doctest: +SKIP
>>> result = read_in_worker("assets", data, "sites.csv", area_bbox=bbox)  # doctest: +SKIP

This module imports neither pandas nor GDAL: a worker loads them after its
limits are in place.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from geo.errors import ConfigError, UploadError
from geo.processes import spawn_context

log = logging.getLogger(__name__)

#: The readers a worker may run, by kind.
READERS = {
    "assets": ("geo.uploads.assets", "read_assets_upload"),
    "indicators": ("geo.uploads.indicators", "read_indicators_upload"),
    "boundary": ("geo.uploads.boundaries", "read_boundary_upload"),
}

#: Environment of a worker: one thread per numeric library, so the address-space
#: limit measures the data rather than thread reservations, and Arrow's memory
#: taken from the C library's heap (not a second, mimalloc heap), so what one
#: stage of a read frees is reused by the next and handed back by
#: :func:`~geo.uploads.memory.release_freed` (a 500,000-row CSV peaks about
#: 90 MB lower).  Set before the worker first imports pyarrow.
WORKER_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "ARROW_DEFAULT_MEMORY_POOL": "system",
}

#: malloc arenas of a worker (few, so freed memory is shared between threads).
WORKER_ARENAS = 2


@dataclass(frozen=True)
class WorkerLimits:
    """Bounds on the process that reads one untrusted file.

    Parameters
    ----------
    cpu_seconds
        CPU time one file may use (``ATLAS_UPLOAD_CPU_S``, default 60).
    memory_mb
        Address space of a worker process, in MB (``ATLAS_UPLOAD_MEMORY_MB``,
        default 4096; it includes the 1-1.5 GB of address space the libraries of a worker reserve).
    timeout_seconds
        Wall-clock time for one file, including waiting for a free worker
        (``ATLAS_UPLOAD_TIMEOUT_S``, default 120).
    workers
        Worker processes in the pool (``ATLAS_UPLOAD_WORKERS``, default 2).
    """

    cpu_seconds: float = 60.0
    memory_mb: int = 4096
    timeout_seconds: float = 120.0
    workers: int = 2

    def __post_init__(self) -> None:
        for name in ("cpu_seconds", "memory_mb", "timeout_seconds", "workers"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"Upload worker limit {name} must be positive.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WorkerLimits:
        """Defaults, with ``ATLAS_UPLOAD_CPU_S``, ``_MEMORY_MB``, ``_TIMEOUT_S``, ``_WORKERS``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for key, name, kind in (
            ("ATLAS_UPLOAD_CPU_S", "cpu_seconds", float),
            ("ATLAS_UPLOAD_MEMORY_MB", "memory_mb", int),
            ("ATLAS_UPLOAD_TIMEOUT_S", "timeout_seconds", float),
            ("ATLAS_UPLOAD_WORKERS", "workers", int),
        ):
            if env.get(key):
                try:
                    values[name] = kind(float(env[key]))
                except ValueError:
                    raise ConfigError(f"{key}={env[key]!r} is not a number.") from None
        return cls(**values)


class CpuLimitExceeded(Exception):
    """Raised in a worker when a file has used its CPU allowance."""


def _on_sigxcpu(signum: int, frame: Any) -> None:
    raise CpuLimitExceeded


def _init_worker(memory_mb: int) -> None:
    """Runs first in each worker: environment, GDAL hardening, memory limit."""
    import resource

    os.environ.update(WORKER_ENV)
    from geo.uploads.memory import limit_arenas

    limit_arenas(WORKER_ARENAS)
    from geo.uploads.hardening import harden_gdal

    harden_gdal()
    signal.signal(signal.SIGXCPU, _on_sigxcpu)
    limit = int(memory_mb) * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _cpu_used() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(kind: str, cpu_seconds: float, args: tuple[Any, ...], options: dict[str, Any]) -> Any:
    """In the worker: read one file under a fresh CPU allowance."""
    import importlib
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    allowance = int(_cpu_used() + cpu_seconds) + 1
    if hard != resource.RLIM_INFINITY:
        allowance = min(allowance, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (allowance, hard))
    module, name = READERS[kind]
    reader = getattr(importlib.import_module(module), name)
    try:
        result = reader(*args, **options)
        from geo.uploads.memory import release_freed

        release_freed()  # the read's working memory, before the result is copied out
        return result
    except CpuLimitExceeded:
        return CpuLimitExceeded()
    except MemoryError:
        return MemoryError()
    except Exception as exc:
        if "bad_alloc" in str(exc):  # GEOS and other C++ libraries out of memory
            return MemoryError()
        raise


def _cpu_message(limits: WorkerLimits) -> str:
    return (
        f"Reading the file took more than {limits.cpu_seconds:g} s of processor time (the upload "
        "limit ATLAS_UPLOAD_CPU_S), so it was stopped. Upload a smaller file (split it, or "
        "keep only the columns and rows you need), or save it again as a plain CSV."
    )


def _memory_message(limits: WorkerLimits) -> str:
    return (
        f"Reading the file needed more than {limits.memory_mb:,} MB of memory (the upload limit "
        "ATLAS_UPLOAD_MEMORY_MB), so it was stopped. Upload a smaller file (split it, or keep "
        "only the columns and rows you need)."
    )


def _died_message(limits: WorkerLimits) -> str:
    return (
        "The process reading the file stopped: the file needed more memory than the "
        f"{limits.memory_mb:,} MB allowed (ATLAS_UPLOAD_MEMORY_MB) or more than "
        f"{limits.cpu_seconds:g} s of processor time (ATLAS_UPLOAD_CPU_S). Upload a smaller "
        "file (split it, or keep only the columns and rows you need)."
    )


class BoundedReader:
    """A pool of bounded worker processes for reading untrusted files."""

    def __init__(self, limits: WorkerLimits | None = None) -> None:
        self.limits = limits or WorkerLimits.from_env()
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.limits.workers,
                    mp_context=spawn_context(),
                    initializer=_init_worker,
                    initargs=(self.limits.memory_mb,),
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        if kill:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                if process.is_alive():
                    process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def read(self, kind: str, *args: Any, **options: Any) -> Any:
        """``reader(*args, **options)`` in a worker; :class:`UploadError` past a limit."""
        if kind not in READERS:
            raise ValueError(f"Unknown upload kind {kind!r}; use one of {sorted(READERS)}.")
        for attempt in (1, 2):
            pool = self._executor()
            future = pool.submit(_run, kind, self.limits.cpu_seconds, args, options)
            try:
                outcome = future.result(timeout=self.limits.timeout_seconds)
            except FutureTimeout:
                self._discard(pool, kill=True)
                raise UploadError(
                    f"Reading the file took longer than {self.limits.timeout_seconds:g} s (the "
                    "upload limit ATLAS_UPLOAD_TIMEOUT_S), so it was stopped. Upload a smaller "
                    "file, or try again when the server is less busy."
                ) from None
            except BrokenProcessPool:
                # a worker died: this file, or another one read at the same time; once more
                self._discard(pool, kill=False)
                if attempt == 2:
                    log.warning("An upload worker died twice reading a %s file.", kind)
                    raise UploadError(_died_message(self.limits)) from None
                continue
            if isinstance(outcome, CpuLimitExceeded):
                raise UploadError(_cpu_message(self.limits))
            if isinstance(outcome, MemoryError):
                raise UploadError(_memory_message(self.limits))
            return outcome
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Stop the workers (they are started again when needed)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_READERS: dict[WorkerLimits, BoundedReader] = {}
_READERS_LOCK = threading.Lock()


def bounded_reader(limits: WorkerLimits | None = None) -> BoundedReader:
    """The shared pool for ``limits`` (from the environment when ``None``)."""
    limits = limits or WorkerLimits.from_env()
    with _READERS_LOCK:
        reader = _READERS.get(limits)
        if reader is None:
            reader = _READERS[limits] = BoundedReader(limits)
        return reader


def read_in_worker(
    kind: str, data: bytes, filename: str, /, *, worker: WorkerLimits | None = None, **options: Any
) -> Any:
    """Read an upload of ``kind`` (assets, indicators, boundary) in a bounded worker.

    ``options`` are those of the reader (``read_assets_upload`` …); they and
    the result travel between processes by pickling.
    """
    return bounded_reader(worker).read(kind, data, filename, **options)


__all__ = ["BoundedReader", "WorkerLimits", "bounded_reader", "read_in_worker"]
