"""An on-disk cache of downloads that several processes can share safely.

Each entry is a data file plus a JSON sidecar holding the data's sha256, its
size, when it was written and whatever the writer passed as metadata (the URL
and query parameters, for downloads).  Entries live under the cache folder as
``<folder>/<readable-name>-<hash><suffix>`` with the sidecar beside it as
``<readable-name>-<hash>.meta.json``; ``<folder>`` is the first segment of the
key (``"arcgis/abc…"`` → ``arcgis/``).

Writes are atomic: data goes to a temporary file in the entry's own folder, is
flushed to disk and moved into place with :func:`os.replace`; the sidecar is
written the same way afterwards.  Every write holds an exclusive ``flock`` on a
per-key lock file and every read a shared one, so a reader never sees a data
file that does not match its sidecar, and a writer killed part-way leaves only a
stray temporary file that is never mistaken for an entry.

A reader that finds a data file whose checksum does not match its sidecar (or a
sidecar that is missing or unreadable) deletes the entry, logs a warning and
reports a miss, so the caller fetches the data again.

Callers that download use :meth:`Cache.lock` around check–download–store so
that two processes asking for the same data do not both download it::

    with cache.lock(key):
        path = cache.get(key)
        if path is None:
            path = cache.put_bytes(key, fetch(), suffix=".csv", meta={"url": url})
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.checksums import file_sha256
from geo.net._entries import (
    LOCK_DIR,
    SIDECAR_SUFFIX,
    STEM_RE,
    SUFFIX_RE,
    TEMP_SUFFIX,
    Entry,
    entry_for,
    unlink_quietly,
)
from geo.net._entryfiles import (
    check_suffix,
    commit,
    entry_files,
    new_temp,
    read_sidecar,
    remove_files,
    write_error,
)
from geo.net._locks import file_lock

if TYPE_CHECKING:
    from geo.config import Settings

logger = logging.getLogger(__name__)

__all__ = ["SIDECAR_SUFFIX", "TEMP_SUFFIX", "Cache", "file_sha256"]


class Cache:
    """A folder of checksummed entries addressed by string keys.

    Parameters
    ----------
    root
        The cache folder (``Settings.cache_dir``); created on first write.

    Notes
    -----
    Safe to share between threads and between processes on one machine (locks
    are ``fcntl.flock`` on files under ``<root>/.locks``).  Network file
    systems that do not honour ``flock`` lose the locking but keep atomic
    writes.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @classmethod
    def from_settings(cls, settings: Settings) -> Cache:
        """A cache in ``settings.cache_dir``."""
        return cls(settings.cache_dir)

    def __repr__(self) -> str:
        return f"Cache({str(self.root)!r})"

    # ------------------------------------------------------------------ paths

    def _entry(self, key: str) -> Entry:
        return entry_for(self.root, key)

    # ------------------------------------------------------------------ locks

    @contextlib.contextmanager
    def lock(self, key: str, *, timeout: float | None = None) -> Iterator[None]:
        """Hold the key's exclusive lock (re-entrant within a thread).

        Use it around check–download–store so that another thread or process
        asking for the same key waits and then finds the entry, instead of
        downloading it again.  :meth:`get` and the ``put_*`` methods called
        inside the block reuse the lock.

        Parameters
        ----------
        key
            The entry's key.
        timeout
            Seconds to wait for another holder before raising
            :class:`~geo.errors.CacheError`; ``None`` waits as long as needed.
        """
        with self._locked(self._entry(key), exclusive=True, timeout=timeout):
            yield

    def _locked(
        self, entry: Entry, *, exclusive: bool, timeout: float | None = None
    ) -> contextlib.AbstractContextManager[None]:
        return file_lock(entry.lock_path, self.root, exclusive=exclusive, timeout=timeout)

    # ------------------------------------------------------------------ reads

    def _problem(self, entry: Entry, verify: bool) -> tuple[Path | None, str | None]:
        """``(path, None)`` for a valid entry, ``(None, reason)`` for a broken one."""
        try:
            record = read_sidecar(entry)
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            return None, f"unreadable sidecar ({exc})"
        if record is None:
            strays = [p for p in entry_files(entry) if not p.name.endswith(TEMP_SUFFIX)]
            return None, ("data file without a sidecar" if strays else None)
        path = entry.folder / record["file"]
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None, "data file missing"
        if size != record["size"]:
            return None, f"size {size} bytes, sidecar says {record['size']}"
        if verify:
            actual = file_sha256(path)
            if actual != record["sha256"]:
                return None, f"sha256 {actual[:12]}…, sidecar says {record['sha256'][:12]}…"
        return path, None

    def get(self, key: str, *, verify: bool = True) -> Path | None:
        """The data file of a valid entry, or ``None``.

        Parameters
        ----------
        key
            The entry's key.
        verify
            Check the data's sha256 against the sidecar (reads the whole file).
            With ``False`` only the size is checked.

        Returns
        -------
        Path or None
            ``None`` when there is no entry, or when the entry was broken
            (checksum or size mismatch, missing or unreadable sidecar): a broken
            entry is deleted and a warning logged, so the caller fetches again.
        """
        entry = self._entry(key)
        if not entry.sidecar.exists() and not any(
            not p.name.endswith(TEMP_SUFFIX) for p in entry_files(entry)
        ):
            return None
        with self._locked(entry, exclusive=False):
            path, problem = self._problem(entry, verify)
        if problem is None:
            return path
        with self._locked(entry, exclusive=True):
            path, problem = self._problem(entry, verify)  # a writer may have fixed it
            if problem is None:
                return path
            logger.warning(
                "Cache entry %r in %s is damaged (%s); deleting it so it is fetched again.",
                key,
                entry.folder,
                problem,
            )
            remove_files(entry)
        return None

    def meta(self, key: str) -> dict[str, Any] | None:
        """The sidecar record of an entry, without checking the data.

        Returns
        -------
        dict or None
            ``{"key", "file", "sha256", "size", "created", "created_unix",
            "meta"}`` where ``meta`` is what the writer passed; ``None`` when
            there is no readable sidecar.
        """
        entry = self._entry(key)
        with self._locked(entry, exclusive=False):
            try:
                return read_sidecar(entry)
            except (ValueError, OSError, UnicodeDecodeError):
                return None

    def __contains__(self, key: str) -> bool:
        return self.get(key, verify=False) is not None

    # ----------------------------------------------------------------- writes

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        suffix: str = "",
        meta: Mapping[str, Any] | None = None,
    ) -> Path:
        """Store ``data`` under ``key`` atomically, replacing any earlier entry.

        Parameters
        ----------
        key
            The entry's key.
        data
            The bytes to store.
        suffix
            File extension of the data file (``".csv"``, ``".geojson.gz"``).
        meta
            JSON-serialisable details kept in the sidecar (URL, parameters…).

        Returns
        -------
        Path
            The stored data file.
        """
        return self.put_stream(key, [bytes(data)], suffix=suffix, meta=meta)

    def put_stream(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        suffix: str = "",
        meta: Mapping[str, Any] | None = None,
    ) -> Path:
        """Store the concatenated ``chunks`` under ``key`` atomically.

        The chunks are written to a temporary file in the entry's folder and
        only moved into place once the iterable is exhausted.  If iterating
        raises (for example a download that turns out truncated), the
        temporary file is removed, the earlier entry (if any) is left as it
        was, and the exception propagates.

        Parameters
        ----------
        key, suffix, meta
            As for :meth:`put_bytes`.
        chunks
            The data, in pieces.

        Returns
        -------
        Path
            The stored data file.
        """
        suffix = check_suffix(suffix)
        entry = self._entry(key)
        with self._locked(entry, exclusive=True), _temp(entry) as tmp:
            sha256, size = _write_chunks(entry, tmp, chunks)
            return commit(entry, key, tmp, suffix, sha256, size, meta)

    def put_file(
        self,
        key: str,
        src_path: str | os.PathLike[str],
        *,
        suffix: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Path:
        """Move a finished file into the cache under ``key`` atomically.

        Parameters
        ----------
        key, meta
            As for :meth:`put_bytes`.
        src_path
            The file to move in.  It is renamed when it is on the same file
            system as the entry (use :meth:`temp_path` to get such a place),
            otherwise copied and then removed.
        suffix
            File extension; defaults to the source file's last extension.

        Returns
        -------
        Path
            The stored data file.
        """
        src = Path(src_path)
        if suffix is None:
            suffix = src.suffix if SUFFIX_RE.match(src.suffix) else ""
        suffix = check_suffix(suffix)
        entry = self._entry(key)
        with self._locked(entry, exclusive=True), _temp(entry) as tmp:
            try:
                try:
                    os.replace(src, tmp)
                except OSError:  # another file system: copy, then drop the source
                    shutil.copyfile(src, tmp)
                    unlink_quietly(src)
                with open(tmp, "rb+") as handle:
                    os.fsync(handle.fileno())
                sha256, size = file_sha256(tmp), tmp.stat().st_size
            except OSError as exc:
                raise write_error(entry, exc) from exc
            return commit(entry, key, tmp, suffix, sha256, size, meta)

    @contextlib.contextmanager
    def temp_path(self, key: str) -> Iterator[Path]:
        """A fresh temporary file name beside ``key``'s entry, removed on exit.

        Write a download there, then :meth:`put_file` it: the final move is a
        rename on the same file system.
        """
        with _temp(self._entry(key)) as tmp:
            yield tmp

    # --------------------------------------------------------------- removals

    def delete(self, key: str) -> bool:
        """Remove an entry.

        Returns
        -------
        bool
            Whether anything was removed.
        """
        entry = self._entry(key)
        with self._locked(entry, exclusive=True):
            existed = bool(entry_files(entry))
            remove_files(entry)
        return existed

    def clear(self) -> int:
        """Remove every entry (each under its own lock), and stray temporary files.

        Returns
        -------
        int
            The number of entries (sidecars) removed.
        """
        removed = 0
        if not self.root.is_dir():
            return 0
        for folder in sorted(self.root.iterdir()):
            if not folder.is_dir() or folder.name == LOCK_DIR:
                continue
            stems = {p.name.split(".", 1)[0] for p in folder.iterdir() if p.is_file()}
            for stem in sorted(s for s in stems if STEM_RE.match(s)):
                entry = Entry(folder, stem, self.root / LOCK_DIR / folder.name / f"{stem}.lock")
                with self._locked(entry, exclusive=True):
                    removed += entry.sidecar.exists()
                    remove_files(entry, temps=True)
            with contextlib.suppress(OSError):
                folder.rmdir()
        return removed

    def keys(self) -> list[str]:
        """The keys of all entries that have a readable sidecar (unverified)."""
        found: list[str] = []
        if not self.root.is_dir():
            return found
        for sidecar in sorted(self.root.glob(f"*/*{SIDECAR_SUFFIX}")):
            with contextlib.suppress(OSError, ValueError, UnicodeDecodeError):
                record = json.loads(sidecar.read_text(encoding="utf-8"))
                if isinstance(record, dict) and isinstance(record.get("key"), str):
                    found.append(record["key"])
        return found


@contextlib.contextmanager
def _temp(entry: Entry) -> Iterator[Path]:
    """A fresh temporary file in the entry's folder, removed on exit."""
    tmp = new_temp(entry)
    try:
        yield tmp
    finally:
        unlink_quietly(tmp)


def _write_chunks(entry: Entry, tmp: Path, chunks: Iterable[bytes]) -> tuple[str, int]:
    """Write ``chunks`` to ``tmp`` and flush it to disk: (sha256, size).

    File-system errors become :class:`CacheError`; errors raised by ``chunks``
    itself (a truncated download) propagate unchanged.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        handle = open(tmp, "wb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise write_error(entry, exc) from exc
    with handle:
        for chunk in chunks:
            try:
                handle.write(chunk)
            except OSError as exc:
                raise write_error(entry, exc) from exc
            digest.update(chunk)
            size += len(chunk)
        try:
            handle.flush()
            os.fsync(handle.fileno())
        except OSError as exc:
            raise write_error(entry, exc) from exc
    return digest.hexdigest(), size
