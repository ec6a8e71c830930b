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
    assert {"geopandas", "esda", "libpysal"} <= seen["modules"]  # hot spots need them
    assert not seen["modules"] & {"weasyprint", "matplotlib", "folium", "openpyxl", "streamlit"}
