"""Tests of the on-disk cache: checksums, atomic writes and locking across processes."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.config import Settings
from geo.errors import CacheError
from geo.net.cache import Cache

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def entry_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and ".locks" not in p.parts)


def run_python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def flip_byte(path: Path, index: int = 3) -> None:
    data = bytearray(path.read_bytes())
    data[index] ^= 0xFF
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------- basics


def test_put_get_round_trip_and_sidecar(tmp_cache):
    cache = Cache(tmp_cache)
    path = cache.put_bytes(
        "arcgis/abc123", b"hello", suffix=".geojson", meta={"url": "https://x/y", "n": 1}
    )
    assert path.read_bytes() == b"hello"
    assert path.suffix == ".geojson"
    assert path.parent == tmp_cache / "arcgis"
    assert path.name.startswith("abc123-")
    assert cache.get("arcgis/abc123") == path
    record = cache.meta("arcgis/abc123")
    assert record["sha256"] == hashlib.sha256(b"hello").hexdigest()
    assert record["size"] == 5
    assert record["key"] == "arcgis/abc123"
    assert record["meta"] == {"url": "https://x/y", "n": 1}
    assert record["created"].endswith("+00:00")
    assert abs(record["created_unix"] - time.time()) < 60
    sidecar = path.with_name(path.name.removesuffix(".geojson") + ".meta.json")
    assert json.loads(sidecar.read_text())["file"] == path.name
    assert "arcgis/abc123" in cache
    assert cache.keys() == ["arcgis/abc123"]


def test_missing_entry_is_none_and_writes_nothing(tmp_cache):
    cache = Cache(tmp_cache / "not-yet")
    assert cache.get("nomis/x") is None
    assert cache.meta("nomis/x") is None
    assert not (tmp_cache / "not-yet" / "nomis").exists()


def test_from_settings_uses_cache_dir(tmp_cache):
    assert Cache.from_settings(Settings(cache_dir=tmp_cache)).root == tmp_cache


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=300).filter(str.strip))
def test_any_key_maps_to_a_safe_name_inside_the_cache(key):
    cache = Cache("/nonexistent/cache")
    entry = cache._entry(key)
    assert entry.folder.parent == cache.root
    assert entry.lock_path.is_relative_to(cache.root / ".locks")
    for part in (entry.folder.name, entry.stem):
        assert part
        assert all(c.isascii() and (c.isalnum() or c in "_-") for c in part)
    assert len(entry.stem) <= 48 + 1 + 20
    assert cache._entry(key) == entry
    assert cache._entry(key + "x").stem != entry.stem


def test_keys_that_look_like_paths_stay_inside(tmp_cache):
    cache = Cache(tmp_cache)
    path = cache.put_bytes("../../etc/passwd", b"x", suffix=".txt")
    assert path.resolve().is_relative_to(tmp_cache.resolve())
    assert cache.get("../../etc/passwd") == path
    assert cache.get("../../etc/passwd ") is None  # a different key


def test_bad_keys_and_suffixes_are_rejected(tmp_cache):
    cache = Cache(tmp_cache)
    with pytest.raises(ValueError, match="non-empty"):
        cache.get("  ")
    for suffix in ("csv", "../x", ".meta.json", ".tmp", ".a.b.c.d", ". csv"):
        with pytest.raises(ValueError, match="suffix"):
            cache.put_bytes("k/1", b"x", suffix=suffix)
    assert entry_files(tmp_cache) == []


# --------------------------------------------------------------- damage checks


def test_flipped_byte_is_detected_deleted_and_reported(tmp_cache, caplog):
    cache = Cache(tmp_cache)
    path = cache.put_bytes("download/a", b"0123456789" * 100, suffix=".csv")
    flip_byte(path)
    with caplog.at_level(logging.WARNING, logger="geo.net.cache"):
        assert cache.get("download/a") is None
    assert "damaged" in caplog.text and "sha256" in caplog.text
    assert entry_files(tmp_cache) == []
    assert cache.get("download/a") is None


def test_size_change_is_caught_even_without_hashing(tmp_cache):
    cache = Cache(tmp_cache)
    path = cache.put_bytes("download/a", b"abcdef", suffix=".csv")
    path.write_bytes(b"abc")
    assert cache.get("download/a", verify=False) is None
    assert entry_files(tmp_cache) == []


def test_missing_sidecar_deletes_the_data(tmp_cache, caplog):
    cache = Cache(tmp_cache)
    path = cache.put_bytes("download/a", b"abc", suffix=".csv")
    path.with_name(path.name.replace(".csv", ".meta.json")).unlink()
    with caplog.at_level(logging.WARNING, logger="geo.net.cache"):
        assert cache.get("download/a") is None
    assert "without a sidecar" in caplog.text
    assert entry_files(tmp_cache) == []


def test_missing_data_file_deletes_the_sidecar(tmp_cache):
    cache = Cache(tmp_cache)
    cache.put_bytes("download/a", b"abc", suffix=".csv").unlink()
    assert cache.get("download/a") is None
    assert entry_files(tmp_cache) == []


@pytest.mark.parametrize(
    "sidecar",
    [
        "{not json",
        "[1, 2]",
        json.dumps({"file": "x.csv", "sha256": "00", "size": 3}),  # wrong file name
        json.dumps({"file": "../../outside.txt", "sha256": "00", "size": 3}),
    ],
)
def test_corrupt_sidecar_is_a_miss_and_nothing_outside_is_touched(tmp_cache, sidecar):
    cache = Cache(tmp_cache)
    outside = tmp_cache.parent / "outside.txt"
    outside.write_text("keep me")
    path = cache.put_bytes("download/a", b"abc", suffix=".csv")
    path.with_name(path.name.replace(".csv", ".meta.json")).write_text(sidecar)
    assert cache.meta("download/a") is None
    assert cache.get("download/a") is None
    assert entry_files(tmp_cache) == []
    assert outside.read_text() == "keep me"


# ---------------------------------------------------------------------- writes


def test_put_file_moves_a_file_in(tmp_cache, tmp_path):
    cache = Cache(tmp_cache)
    with cache.temp_path("download/big") as tmp:
        tmp.write_bytes(b"data" * 1000)
        path = cache.put_file("download/big", tmp, suffix=".zip", meta={"url": "u"})
        assert not tmp.exists()
    assert path.read_bytes() == b"data" * 1000
    assert cache.meta("download/big")["meta"] == {"url": "u"}
    elsewhere = tmp_path / "other" / "file.parquet"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"PAR1")
    moved = cache.put_file("regions/x", elsewhere)
    assert moved.suffix == ".parquet"
    assert not elsewhere.exists()
    assert cache.get("regions/x").read_bytes() == b"PAR1"
    assert [p for p in entry_files(tmp_cache) if p.name.endswith(".tmp")] == []


def test_overwrite_replaces_data_and_drops_old_suffix(tmp_cache):
    cache = Cache(tmp_cache)
    first = cache.put_bytes("k/1", b"one", suffix=".csv")
    second = cache.put_bytes("k/1", b"two!", suffix=".json")
    assert not first.exists()
    assert cache.get("k/1") == second
    assert second.read_bytes() == b"two!"
    assert cache.meta("k/1")["size"] == 4
    assert len(entry_files(tmp_cache)) == 2


def test_failed_stream_keeps_the_previous_entry(tmp_cache):
    cache = Cache(tmp_cache)
    cache.put_bytes("k/1", b"good", suffix=".csv")

    def chunks():
        yield b"partial"
        raise ConnectionError("dropped")

    with pytest.raises(ConnectionError):
        cache.put_stream("k/1", chunks(), suffix=".csv")
    assert cache.get("k/1").read_bytes() == b"good"
    assert len(entry_files(tmp_cache)) == 2  # data + sidecar, no temporary file


def test_unwritable_cache_raises_cache_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CacheError, match="ATLAS_CACHE_DIR"):
        Cache(blocker).put_bytes("k/1", b"x")


def test_delete_and_clear(tmp_cache):
    cache = Cache(tmp_cache)
    cache.put_bytes("a/1", b"1", suffix=".csv")
    cache.put_bytes("a/2", b"2", suffix=".csv")
    cache.put_bytes("b/1", b"3")
    (tmp_cache / "a" / "notes.txt").write_text("not a cache entry")
    assert cache.delete("a/1") is True
    assert cache.delete("a/1") is False
    assert cache.get("a/1") is None
    assert cache.clear() == 2
    assert cache.keys() == []
    assert entry_files(tmp_cache) == [tmp_cache / "a" / "notes.txt"]
    assert cache.get("b/1") is None


# ----------------------------------------------------------------------- locks


def test_lock_is_reentrant_for_the_same_thread(tmp_cache):
    cache = Cache(tmp_cache)
    with cache.lock("k/1"), cache.lock("k/1"):
        assert cache.get("k/1") is None
        cache.put_bytes("k/1", b"x")
        assert cache.get("k/1").read_bytes() == b"x"
        assert cache.meta("k/1")["size"] == 1
        cache.delete("k/1")
    assert cache.get("k/1") is None


def test_lock_excludes_other_threads(tmp_cache):
    cache = Cache(tmp_cache)
    outcome = []

    def other():
        try:
            with cache.lock("k/1", timeout=0.2):
                outcome.append("got it")
        except CacheError as exc:
            outcome.append(str(exc))

    with cache.lock("k/1"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert "Timed out" in outcome[0]
    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert outcome[1] == "got it"


LOCK_SCRIPT = """
import sys
from geo.net.cache import Cache
from geo.errors import CacheError
try:
    with Cache(sys.argv[1]).lock("k/1", timeout=0.3):
        print("locked")
except CacheError:
    print("busy")
"""


def test_lock_excludes_other_processes(tmp_cache):
    cache = Cache(tmp_cache)
    with cache.lock("k/1"):
        busy = run_python(LOCK_SCRIPT, str(tmp_cache))
        out, err = busy.communicate(timeout=30)
    assert out.decode().strip() == "busy", err.decode()
    free = run_python(LOCK_SCRIPT, str(tmp_cache))
    out, err = free.communicate(timeout=30)
    assert out.decode().strip() == "locked", err.decode()


# ------------------------------------------------------- crashes and contention

SLOW_WRITER = """
import sys, time
from geo.net.cache import Cache

def chunks():
    for _ in range(2000):
        yield b"x" * 65536
        time.sleep(0.005)

Cache(sys.argv[1]).put_stream(sys.argv[2], chunks(), suffix=".bin", meta={"writer": "slow"})
"""


def kill_writer_mid_write(cache: Cache, key: str) -> None:
    writer = run_python(SLOW_WRITER, str(cache.root), key)
    folder = cache._entry(key).folder
    deadline = time.monotonic() + 20
    try:
        while time.monotonic() < deadline:
            temps = list(folder.glob("*.tmp")) if folder.is_dir() else []
            if any(t.stat().st_size >= 4 * 65536 for t in temps if t.exists()):
                break
            assert writer.poll() is None, writer.communicate()[1].decode()
            time.sleep(0.01)
        else:
            pytest.fail("the writer never started writing")
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.communicate(timeout=30)
    assert writer.returncode == -signal.SIGKILL


def test_writer_killed_mid_write_leaves_no_entry(tmp_cache):
    cache = Cache(tmp_cache)
    kill_writer_mid_write(cache, "download/huge")
    assert cache.get("download/huge") is None
    assert cache.meta("download/huge") is None
    assert cache.keys() == []
    leftovers = entry_files(tmp_cache)
    assert leftovers and all(p.name.endswith(".tmp") for p in leftovers)
    # The lock died with the writer; the next writer succeeds and sweeps old leftovers.
    old = time.time() - 2 * 3600
    for path in leftovers:
        os.utime(path, (old, old))
    cache.put_bytes("download/huge", b"complete", suffix=".bin")
    assert cache.get("download/huge").read_bytes() == b"complete"
    assert not any(p.exists() for p in leftovers)


def test_writer_killed_mid_write_keeps_the_previous_entry(tmp_cache):
    cache = Cache(tmp_cache)
    cache.put_bytes("download/huge", b"previous", suffix=".bin")
    kill_writer_mid_write(cache, "download/huge")
    assert cache.get("download/huge").read_bytes() == b"previous"


CONTENDER = """
import hashlib, os, sys
from geo.net.cache import Cache

cache = Cache(sys.argv[1])
who = sys.argv[2]
for i in range(int(sys.argv[3])):
    body = os.urandom(1000 + (i * 7919) % 3_000_000)
    payload = hashlib.sha256(body).hexdigest().encode() + body
    cache.put_bytes("shared/entry", payload, suffix=".bin", meta={"writer": who, "i": i})
"""


def check_payload(data: bytes) -> bool:
    return hashlib.sha256(data[64:]).hexdigest().encode() == data[:64]


def test_concurrent_writers_never_expose_a_bad_entry(tmp_cache):
    cache = Cache(tmp_cache)
    writers = [run_python(CONTENDER, str(tmp_cache), name, "150") for name in ("a", "b")]
    reads = misses_after_first = 0
    bad = []
    seen = set()
    try:
        while any(w.poll() is None for w in writers):
            path = cache.get("shared/entry")
            if path is None:
                misses_after_first += bool(reads)
                continue
            for _ in range(5):  # the path stays valid while writers replace the file
                data = path.read_bytes()
                reads += 1
                if not check_payload(data):
                    bad.append(len(data))
            record = cache.meta("shared/entry")
            if record:
                seen.add(record["meta"]["writer"])
    finally:
        for writer in writers:
            _, err = writer.communicate(timeout=120)
            assert writer.returncode == 0, err.decode()
    assert bad == []
    assert misses_after_first == 0
    assert reads > 0
    assert seen <= {"a", "b"}
    final = cache.get("shared/entry")
    assert final is not None and check_payload(final.read_bytes())
    assert [p for p in entry_files(tmp_cache) if p.name.endswith(".tmp")] == []
