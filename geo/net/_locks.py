"""Per-key file locks for the cache: ``flock`` across processes, re-entrant per thread."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geo.errors import CacheError

try:  # POSIX only; elsewhere the cache still works but without cross-process locks.
    import fcntl
except ImportError:  # pragma: no cover - not reached on Linux or macOS
    fcntl = None  # type: ignore[assignment]  # no fcntl module on Windows

_held = threading.local()  # locks held by this thread: {lock path: [exclusive, depth]}


@contextlib.contextmanager
def file_lock(
    lock_path: Path, root: Path, *, exclusive: bool, timeout: float | None = None
) -> Iterator[None]:
    """Hold ``lock_path``'s ``flock`` (shared or exclusive), re-entrant within a thread.

    Parameters
    ----------
    lock_path
        The lock file (created, with its folder, when missing).
    root
        The cache folder, for messages.
    exclusive
        An exclusive (write) lock rather than a shared (read) one.
    timeout
        Seconds to wait before raising :class:`~geo.errors.CacheError`;
        ``None`` waits as long as needed.
    """
    held: dict[str, list[Any]] = getattr(_held, "locks", None) or {}
    if getattr(_held, "pid", None) != os.getpid():  # forgotten after fork
        held = {}
        _held.pid = os.getpid()
    _held.locks = held
    name = str(lock_path)
    if name in held:
        if exclusive and not held[name][0]:
            raise RuntimeError(
                f"Cannot take the write lock for {name} while holding its read lock."
            )
        held[name][1] += 1
        try:
            yield
        finally:
            held[name][1] -= 1
        return
    if fcntl is None:  # pragma: no cover - non-POSIX
        held[name] = [exclusive, 1]
        try:
            yield
        finally:
            del held[name]
        return
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise CacheError(
            f"Cannot create the lock file {lock_path}: {exc}. Check that the cache "
            f"folder {root} is writable, or choose another with ATLAS_CACHE_DIR."
        ) from exc
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        if timeout is None:
            fcntl.flock(fd, mode)
        else:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, mode | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise CacheError(
                            f"Timed out after {timeout:g} s waiting for the cache lock "
                            f"{lock_path}; another process is using this entry."
                        ) from None
                    time.sleep(0.02)
        held[name] = [exclusive, 1]
        try:
            yield
        finally:
            del held[name]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
