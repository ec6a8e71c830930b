"""The library as a package: its public names, a cheap import, no side effects, the wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import geo
from geo.uploads.hardening import RUNTIME_SETTINGS

PROJECT = Path(__file__).resolve().parent.parent


def _python(code: str, tmp_path: Path) -> str:
    """Run ``code`` in a fresh interpreter, from outside the project; its stdout."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_public_names_are_the_library_functions():
    from geo import Parameters, Result, Settings, headline, load_region, run_analysis
    from geo.config import Settings as settings_class
    from geo.pipeline import Parameters as parameters_class
    from geo.pipeline import Result as result_class
    from geo.pipeline import headline as headline_function
    from geo.pipeline import run_analysis as run_function
    from geo.region import load_region as load_function

    assert (Parameters, Result, Settings) == (parameters_class, result_class, settings_class)
    assert (headline, load_region, run_analysis) == (
        headline_function,
        load_function,
        run_function,
    )
    assert {"load_region", "run_analysis", "Parameters", "Result", "Settings"} <= set(dir(geo))
    assert set(geo.__all__) <= set(dir(geo))
    assert geo.__version__.count(".") == 2
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = geo.nope


def test_import_geo_loads_nothing_heavy(tmp_path):
    out = _python(
        "import sys, geo, geo.cli; "
        "print(sorted(m for m in ('pandas', 'pyogrio', 'geopandas', 'numpy', 'shapely') "
        "if m in sys.modules))",
        tmp_path,
    )
    assert out.strip() == "[]"


SIDE_EFFECTS = """
import json, os, sys
import geopandas, pyogrio

keys = {keys!r}

def state():
    options = {{k: pyogrio.get_gdal_config_option(k) for k in keys}}
    return {{"environ": dict(os.environ), "drivers": list(pyogrio.list_drivers()),
             "options": options}}

before = state()
import geo
from geo import Settings, load_region, run_analysis, Parameters, Result
after_import = state()
settings = Settings(sources_file={sources!r}, offline=True, cache_dir={cache!r})
region = load_region("Testham", settings=settings)
after_region = state()

# A GeoPackage upload is read with GDAL hardened, and GDAL is as it was afterwards.
from geo.uploads import read_assets_upload
gpkg = os.path.join({folder!r}, "sites.gpkg")
pyogrio.write_dataframe(region.assets.head(2), gpkg, driver="GPKG")
with open(gpkg, "rb") as fh:
    upload = read_assets_upload(fh.read(), "sites.gpkg")
after_upload = state()

# A researcher's own VRT, read after all that, still opens.
vrt = os.path.join({folder!r}, "points.vrt")
with open(os.path.join({folder!r}, "points.csv"), "w") as fh:
    fh.write("lon,lat,name\\n-2.24,53.48,hall\\n")
with open(vrt, "w") as fh:
    fh.write('<OGRVRTDataSource><OGRVRTLayer name="points"><SrcDataSource>'
             + os.path.join({folder!r}, "points.csv") + '</SrcDataSource>'
             '<GeometryField encoding="PointFromColumns" x="lon" y="lat"/>'
             '</OGRVRTLayer></OGRVRTDataSource>')
own = geopandas.read_file(vrt)
print(json.dumps({{"before": before, "after_import": after_import,
                  "after_region": after_region, "after_upload": after_upload,
                  "areas": len(region.areas), "loaded": upload.loaded,
                  "own": list(own["name"])}}, default=str))
"""


def test_import_geo_changes_nothing_in_the_process(tmp_path):
    """No environment variable, GDAL option or driver changes; other reads still work."""
    from tests.tiny_mirror import write_mirror

    sources = write_mirror(tmp_path / "mirror")
    code = SIDE_EFFECTS.format(
        keys=sorted(RUNTIME_SETTINGS),
        sources=str(sources),
        cache=str(tmp_path / "cache"),
        folder=str(tmp_path),
    )
    seen = json.loads(_python(code, tmp_path))
    assert seen["areas"] == 9 and seen["loaded"] == 2 and seen["own"] == ["hall"]
    before = seen["before"]
    assert {"OGR_VRT", "GML", "SQLite", "WFS"} <= set(before["drivers"])
    for moment in ("after_import", "after_region", "after_upload"):
        assert seen[moment]["environ"] == before["environ"], moment
        assert seen[moment]["drivers"] == before["drivers"], moment  # same drivers, same order
        assert seen[moment]["options"] == before["options"], moment
    assert "GDAL_SKIP" not in seen["after_upload"]["environ"]


def test_registry_is_inside_the_package():
    from geo.config import REGISTRY_FILE

    package = Path(geo.__file__).resolve().parent
    assert package / "data" / "sources.toml" == REGISTRY_FILE
    assert REGISTRY_FILE.is_file()
    assert (PROJECT / "data" / "sources.shared.toml").is_file()


def _can_build_here() -> bool:
    """Whether this environment's setuptools can build a wheel without fetching anything."""
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("wheel") is not None:
        return True
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    major, minor = (int(x) for x in version.split(".")[:2])
    return (major, minor) >= (70, 1)  # bdist_wheel is part of setuptools since 70.1


@pytest.mark.slow
def test_wheel_holds_the_library_its_data_and_its_dependencies(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(
        PROJECT / "geo", source / "geo", ignore=shutil.ignore_patterns("__pycache__", "cache")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps"]
    if _can_build_here():
        command.append("--no-build-isolation")  # else pip fetches setuptools from PyPI
    done = subprocess.run(
        [*command, "-q", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("belonging_atlas-*.whl")
    assert wheel.name.startswith(f"belonging_atlas-{geo.__version__}-py3-none-any")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
        (entry_name,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = archive.read(entry_name).decode()
    for inside in (
        "geo/__init__.py",
        "geo/cli.py",
        "geo/data/sources.toml",
        "geo/report/templates/report.html.j2",
        "geo/report/templates/report.css",
        "geo/uploads/hardening.py",
        "geo/sources/registry.py",
    ):
        assert inside in names
    assert not [n for n in names if n.split("/")[0] in {"tests", "ui", "pages", "bench", "data"}]
    requires = metadata.get_all("Requires-Dist")
    assert any(r.startswith("geopandas") for r in requires)
    assert any(r.startswith("weasyprint") and "extra == " in r for r in requires)
    assert any(r.startswith("streamlit") and '"app"' in r for r in requires)
    assert not any(r.startswith("streamlit") and "extra" not in r for r in requires)
    assert "belonging-atlas = geo.cli:main" in entry_points
