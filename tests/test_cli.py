"""The command line, as a user runs it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo.cli import main
from tests.tiny_mirror import write_mirror

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def mirror(tmp_path):
    return write_mirror(tmp_path / "mirror")


def run(args, tmp_path):
    out = io.StringIO()
    code = main([*args, "--cache-dir", str(tmp_path / "cache"), "-q"], out=out)
    return code, out.getvalue()


def test_areas_lists_local_authorities(mirror, tmp_path):
    code, text = run(["areas", "--sources", str(mirror), "--offline"], tmp_path)
    assert code == 0
    assert "Testham" in text and "E09999901" in text and "Otherby" in text
    assert "2 local authorities" in text


def test_fetch_prints_provenance_and_what_is_missing(mirror, tmp_path):
    code, text = run(
        ["fetch", "--area", "testham", "--sources", str(mirror), "--offline"], tmp_path
    )
    assert code == 0, text
    assert "Testham (E09999901): 9 LSOA 2021 areas" in text
    assert "Residents (Census 2021): 12,600" in text
    assert "Where each dataset came from:" in text
    for dataset in ("lsoa21_lookup", "lsoa21_boundaries", "iod2025", "test_libraries"):
        assert dataset in text
    assert "Not available for this area:" in text and "census_ts003" in text
    assert "library" in text


def test_unknown_area_exits_1_with_suggestions(mirror, tmp_path, capsys):
    code, _ = run(["fetch", "--area", "Testam", "--sources", str(mirror), "--offline"], tmp_path)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: ")
    assert "Did you mean: Testham" in err
    assert "Traceback" not in err


def test_missing_sources_file_is_a_clear_error(tmp_path, capsys):
    code, _ = run(["areas", "--sources", str(tmp_path / "nope.toml")], tmp_path)
    err = capsys.readouterr().err
    assert code == 1 and "does not exist" in err and "Traceback" not in err


def test_sources_command_lists_registry_and_local_copies(mirror, tmp_path):
    code, text = run(["sources", "--sources", str(mirror)], tmp_path)
    assert code == 0
    assert (
        "iod2025" in text and "local:" in text and "nomisweb" not in text.split("census_ts001")[0]
    )
    assert "assets: test_libraries" in text


def test_python_dash_m_geo_runs_as_a_program(mirror, tmp_path):
    env = {**os.environ, "ATLAS_SOURCES": str(mirror), "ATLAS_OFFLINE": "1"}
    env["ATLAS_CACHE_DIR"] = str(tmp_path / "cache")
    result = subprocess.run(
        [sys.executable, "-m", "geo", "fetch", "--area", "E09999902", "-q"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Otherby (E09999902): 1 LSOA 2021 areas" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "geo", "fetch", "--area", "Nowhere"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr and "Nowhere" in bad.stderr


@pytest.mark.shared_data
def test_fetch_trafford_from_the_shared_mirror(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(shared_data))
    code, text = run(
        ["fetch", "--area", "Trafford", "--sources", str(PROJECT / "data/sources.shared.toml")],
        tmp_path,
    )
    assert code == 0, text
    assert "Trafford (E08000009): 139 LSOA 2021 areas" in text
    assert "census_ts003" in text and "iod2019" in text
