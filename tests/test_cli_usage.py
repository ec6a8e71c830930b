"""The command line's cost and manners: lazy imports, exit codes, usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tiny_mirror import write_mirror

PROJECT = Path(__file__).resolve().parent.parent

#: Libraries only some commands need; ``--help`` must load none of them.
HEAVY = (
    "pandas",
    "numpy",
    "geopandas",
    "pyogrio",
    "shapely",
    "scipy",
    "libpysal",
    "esda",
    "weasyprint",
    "matplotlib",
    "folium",
    "openpyxl",
    "jinja2",
    "requests",
    "streamlit",
)

_RUN = """
import json, runpy, sys
sys.argv = ["geo", *json.loads(sys.argv[1])]
try:
    runpy.run_module("geo", run_name="__main__", alter_sys=True)
    status = 0
except SystemExit as exc:
    status = exc.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _geo(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``python -m geo ARGS`` in a fresh interpreter: exit status, stdout, stderr, modules."""
    done = subprocess.run(
        [sys.executable, "-c", _RUN, json.dumps(args)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    *messages, last = done.stderr.rstrip("\n").split("\n")
    seen = json.loads(last)
    return {
        "status": seen["status"],
        "modules": set(seen["modules"]),
        "out": done.stdout,
        "err": "\n".join(messages),
    }


@pytest.mark.parametrize("args", [["--help"], ["analyse", "--help"], ["report", "--help"]])
def test_help_loads_no_heavy_library(args, tmp_path):
    seen = _geo(args, tmp_path)
    assert seen["status"] == 0
    assert "usage:" in seen["out"]
    assert not seen["modules"] & set(HEAVY), seen["modules"] & set(HEAVY)


def test_analyse_loads_only_what_it_uses(tmp_path):
    sources = write_mirror(tmp_path / "mirror")
    mirror = ["--sources", str(sources), "--offline", "-q", "--cache-dir", str(tmp_path / "cache")]
    out = str(tmp_path / "t.csv")
    seen = _geo(["analyse", "--area", "Testham", *mirror, "--out", out], tmp_path)
    assert seen["status"] == 0, seen["err"]
    assert (tmp_path / "t.csv").is_file()
    assert "geopandas" in seen["modules"]
    # hot spots need neither PySAL nor scikit-learn; reports, maps and the app are not used
    unused = {"esda", "libpysal", "sklearn", "weasyprint", "matplotlib", "folium", "streamlit"}
    assert not seen["modules"] & (unused | {"openpyxl"})


def test_usage_errors_exit_2_with_one_line_and_a_hint(capsys):
    from geo.cli import main

    for args, hint in (
        (["analyse", "--area"], "python -m geo analyse --help"),
        (["nope"], "python -m geo --help"),
        ([], "python -m geo --help"),
        (
            ["report", "--area", "Testham", "--out", "x", "--permutations", "many"],
            "python -m geo report --help",
        ),
    ):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err  # one line
        assert err.startswith("python -m geo") and ": error: " in err
        assert err.rstrip().endswith(f"(try '{hint}')"), err
        assert "usage:" not in err


def test_help_documents_the_exit_status(capsys):
    from geo.cli import main

    for args in (["--help"], ["analyse", "--help"]):
        assert main(args) == 0
        text = " ".join(capsys.readouterr().out.split())
        for part in ("exit status: 0 success", "1 user error", "2 usage error", "3 internal"):
            assert part in text, (args, text)


def test_out_is_checked_before_any_work(tmp_path, capsys):
    from geo.cli import main

    sources = write_mirror(tmp_path / "mirror")
    base = ["analyse", "--area", "Nowhere", "--sources", str(sources), "--offline", "-q"]
    for out, message in (
        (tmp_path / "table.docx", "use one of the extensions .csv, .xlsx, .gpkg"),
        (tmp_path / "missing" / "table.csv", "does not exist"),
    ):
        assert main([*base, "--cache-dir", str(tmp_path / "cache"), "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert message in err and "Nowhere" not in err, err  # the area was never looked up
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("flag", "env", "cause"),
    [
        (["--offline"], {}, "(the --offline option)"),
        ([], {"ATLAS_OFFLINE": "1"}, "(ATLAS_OFFLINE=1 in the environment)"),
    ],
)
def test_offline_message_names_its_cause_and_every_missing_dataset(
    flag, env, cause, tmp_path, monkeypatch, capsys
):
    from geo.cli import main

    for name in ("ATLAS_SOURCES", "ATLAS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["areas", *flag, "--cache-dir", str(tmp_path / "cache")]) == 1
    err = capsys.readouterr().err
    assert f"Offline mode is on {cause}" in err, err
    assert ("ATLAS_OFFLINE" in cause) == ("ATLAS_OFFLINE" in err)
    for dataset in ("lsoa21_boundaries] (required)", "iod2025", "census_ts001", "osm_assets"):
        assert dataset in err, err
