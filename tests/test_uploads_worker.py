"""Untrusted files read in a bounded worker process: limits, messages, recovery."""

from __future__ import annotations

import os
import re

import pytest

from geo.errors import ConfigError, UploadError
from geo.uploads.worker import BoundedReader, WorkerLimits, read_in_worker

HEADER = b"name,category,lat,lon\n"
ROW = b"Hall,village hall,53.48,-2.24\n"
SMALL = HEADER + ROW * 3


def _big(rows: int = 100_000) -> bytes:
    return HEADER + ROW * rows


def _still_works(reader: BoundedReader) -> None:
    result = reader.read("assets", SMALL, "after.csv")
    assert (result.rows_in, result.loaded) == (3, 3)


def test_limits_are_read_from_the_environment():
    env = {
        "ATLAS_UPLOAD_CPU_S": "12",
        "ATLAS_UPLOAD_MEMORY_MB": "2048",
        "ATLAS_UPLOAD_TIMEOUT_S": "30.5",
        "ATLAS_UPLOAD_WORKERS": "3",
    }
    assert WorkerLimits.from_env(env) == WorkerLimits(12.0, 2048, 30.5, 3)
    assert WorkerLimits.from_env({}) == WorkerLimits()
    with pytest.raises(ConfigError, match="ATLAS_UPLOAD_CPU_S='lots' is not a number"):
        WorkerLimits.from_env({"ATLAS_UPLOAD_CPU_S": "lots"})
    with pytest.raises(ConfigError, match="must be positive"):
        WorkerLimits(timeout_seconds=0)


def test_a_file_is_read_in_a_worker_like_in_the_server():
    result = read_in_worker("assets", SMALL, "sites.csv", area_bbox=(-2.3, 53.43, -2.2, 53.52))
    assert (result.rows_in, result.loaded, result.outside_area) == (3, 3, 0)
    assert result.frame.crs.to_epsg() == 27700
    with pytest.raises(UploadError, match="no coordinate or postcode columns"):
        read_in_worker("assets", b"a,b\n1,2\n", "x.csv")


def test_worker_gdal_is_hardened_and_the_server_is_not():
    import geo.uploads.hardening as hardening

    reader = BoundedReader(WorkerLimits(workers=1))
    try:
        future = reader._executor().submit(hardening.gdal_is_hardened)
        assert future.result(timeout=60) is True
    finally:
        reader.close()


def test_worker_takes_arrow_memory_from_the_c_heap_and_the_server_is_untouched():
    from geo.uploads import memory

    before = os.environ.get("ARROW_DEFAULT_MEMORY_POOL")
    reader = BoundedReader(WorkerLimits(workers=1))
    try:
        assert reader._executor().submit(memory.arrow_pool).result(timeout=60) == "system"
    finally:
        reader.close()
    assert os.environ.get("ARROW_DEFAULT_MEMORY_POOL") == before  # set in the worker only


def test_cpu_limit_stops_the_read_with_a_message_and_the_worker_goes_on():
    reader = BoundedReader(WorkerLimits(cpu_seconds=1, workers=1))
    try:
        # the row cap: a read that takes well over a second of processor time
        with pytest.raises(UploadError, match=re.escape("more than 1 s of processor time")):
            reader.read("assets", _big(500_000), "big.csv")
        _still_works(reader)
    finally:
        reader.close()


def test_memory_limit_stops_the_read_with_a_message_and_the_pool_recovers():
    reader = BoundedReader(WorkerLimits(memory_mb=500, workers=1))
    try:
        with pytest.raises(UploadError, match="ATLAS_UPLOAD_MEMORY_MB") as caught:
            reader.read("assets", _big(500_000), "big.csv")
        assert "smaller file" in str(caught.value)
    finally:
        reader.close()
    _still_works(BoundedReader(WorkerLimits(workers=1)))


def test_timeout_kills_the_worker_and_a_new_one_reads_the_next_file():
    reader = BoundedReader(WorkerLimits(timeout_seconds=0.2, workers=1))
    try:
        with pytest.raises(UploadError, match=re.escape("longer than 0.2 s")):
            reader.read("assets", _big(), "big.csv")
        reader.limits = WorkerLimits(workers=1)
        _still_works(reader)
    finally:
        reader.close()


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown upload kind 'pictures'"):
        BoundedReader().read("pictures", b"", "x")


def test_a_large_result_crosses_processes_as_parquet_and_comes_back_equal(monkeypatch):
    import pickle

    import geopandas.testing as gt

    from geo.uploads import read_assets_upload
    from geo.uploads import result as result_module

    result = read_assets_upload(_big(50), "big.csv")
    small = pickle.loads(pickle.dumps(result))  # below the threshold: pickled as it is
    gt.assert_geodataframe_equal(small.frame, result.frame)
    monkeypatch.setattr(result_module, "PARQUET_FROM_ROWS", 1)
    state = result.__getstate__()
    assert isinstance(state["frame"], result_module._ParquetFrame)
    back = pickle.loads(pickle.dumps(result))
    gt.assert_geodataframe_equal(back.frame, result.frame)
    assert back.frame.crs == result.frame.crs and back.summary() == result.summary()
    assert back.rejections.equals(result.rejections) and back.detected == result.detected
