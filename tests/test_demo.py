"""The built-in demo (data/demo: Rutland): its files, its build, and using it offline."""

from __future__ import annotations

import io
import json
import socket
import time
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli import main
from geo.demo import (
    DEMO_AREA,
    DEMO_DIR,
    DEMO_SOURCES,
    demo_settings,
    is_demo,
    network_available,
    use_demo_by_default,
)
from geo.exports import read_csv
from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.sources.registry import load_sources

#: The demo must stay small enough to commit (measured: about 3.7 MB).
MAX_DEMO_BYTES = 5_000_000


def _read(path: Path) -> pd.DataFrame:
    try:
        return gpd.read_parquet(path)
    except ValueError:  # a plain table, not GeoParquet
        return pd.read_parquet(path)


def test_demo_is_small_and_self_contained():
    files = [p for p in DEMO_DIR.iterdir() if p.is_file()]
    assert sum(p.stat().st_size for p in files) < MAX_DEMO_BYTES
    sources = load_sources(DEMO_SOURCES)
    for dataset_id, local in sources.local.items():
        paths = local.resolve([DEMO_AREA])
        assert paths, dataset_id
        assert all(p.resolve().parent == DEMO_DIR.resolve() for p in paths), dataset_id
        assert all(p.suffix == ".parquet" for p in paths), dataset_id
    assert sources.national_table is not None and sources.national_table.is_file()
    assert {f.source for f in sources.asset_files} and all(
        f.path.is_file() for f in sources.asset_files
    )
    # every dataset the analysis reads is local: nothing is left to download
    # (optional ones — extra registers, postcode tables — the demo does without)
    required = {d for d, dataset in sources.datasets.items() if not dataset.optional}
    assert required <= set(sources.local)
    provenance = json.loads((DEMO_DIR / "provenance.json").read_text(encoding="utf-8"))
    for entry in provenance["datasets"]:
        assert entry["licence"] in {"OGL-UK-3.0", "ODbL-1.0", "see source"}, entry["dataset"]
        assert entry["inputs"] and all(len(i["sha256"]) == 64 for i in entry["inputs"])
        for output in entry["outputs"]:
            assert (DEMO_DIR / output["file"]).stat().st_size == output["bytes"]
    licences = {e["dataset"]: e["licence"] for e in provenance["datasets"]}
    assert licences["osm_assets"] == "ODbL-1.0" and licences["iod2025"] == "OGL-UK-3.0"
    assert "© OpenStreetMap contributors" in (DEMO_DIR / "PROVENANCE.md").read_text("utf-8")


def test_demo_holds_every_rutland_area():
    lookup = pd.read_parquet(DEMO_DIR / "lsoa21_lookup.parquet")
    boundaries = gpd.read_parquet(DEMO_DIR / "lsoa21_boundaries.parquet")
    centroids = gpd.read_parquet(DEMO_DIR / "lsoa21_centroids.parquet")
    national = pd.read_parquet(DEMO_DIR / "england_indicators.parquet")
    assert len(lookup) == len(boundaries) == len(centroids) == 26  # Rutland's LSOAs 2021
    assert len(national) == 33755 and national.index.str.startswith("E01").all()
    assets = gpd.read_parquet(DEMO_DIR / "assets_osm_assets.parquet")
    assert len(assets) > 100 and assets.crs.equals("EPSG:27700")


@pytest.mark.slow
@pytest.mark.shared_data
def test_demo_build_reproduces_the_committed_files(shared_data, tmp_path):
    out = tmp_path / "demo"
    code = main(
        ["demo", "build", "--shared", str(shared_data), "--out", str(out)], out=io.StringIO()
    )
    assert code == 0
    committed = sorted(p.name for p in DEMO_DIR.iterdir() if p.is_file())
    assert sorted(p.name for p in out.iterdir()) == committed
    for name in committed:
        if name.endswith(".parquet"):
            new, old = _read(out / name), _read(DEMO_DIR / name)
            pd.testing.assert_frame_equal(pd.DataFrame(new), pd.DataFrame(old), obj=name)
        else:
            assert (out / name).read_text("utf-8") == (DEMO_DIR / name).read_text("utf-8"), name


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.parametrize("model", ["all-ages", "older"])
def test_demo_analysis_equals_the_analysis_on_the_full_files(shared_settings, demo_settings, model):
    demo_result = run_analysis(
        "Rutland", Parameters(model=model, permutations=99), settings=demo_settings
    )
    demo = demo_result.table()
    full = run_analysis(
        "Rutland", Parameters(model=model, permutations=99), settings=shared_settings
    ).table()
    # The demo carries no national residents table, so its E2SFCA counts only
    # Rutland's residents as demand; every other figure is equal.
    demand_dependent = [c for c in full if c.startswith(("access_", "gap_", "priority", "is_p"))]
    demand_dependent += ["hotspot", "local_i", "p_value", "p_fdr", "quadrant"]
    keep = [c for c in full if c not in demand_dependent]
    pd.testing.assert_frame_equal(demo[keep], full[keep])
    assert demo["risk_rank_national"].notna().all()


@pytest.fixture()
def bare_env(tmp_path, monkeypatch):
    """No sources file, no shared data folder, an empty cache."""
    monkeypatch.delenv("ATLAS_SOURCES", raising=False)
    monkeypatch.delenv("ATLAS_DEMO", raising=False)
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(tmp_path / "no-data-folder"))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    return tmp_path


def test_analyse_demo_works_offline_from_a_clean_cache(bare_env):
    out = bare_env / "x.csv"
    printed = io.StringIO()
    assert main(["analyse", "--area", "demo", "--out", str(out), "-q"], out=printed) == 0
    table = read_csv(out)
    assert len(table) == 26 and set(table["lad_code"]) == {DEMO_AREA}
    assert table["risk_decile_national"].between(1, 10).all()
    assert table["nearest_any_m"].notna().all()


def test_fetch_demo_reads_only_the_demo_files(bare_env):
    printed = io.StringIO()
    assert main(["fetch", "--area", "Demo", "-q"], out=printed) == 0
    text = printed.getvalue()
    assert "Rutland (E06000017): 26 LSOA 2021 areas" in text
    assert "download" not in text.split("Where each dataset came from:")[1].split("Notes:")[0]


def test_rutland_resolves_within_the_demo(bare_env, capsys):
    common = ["--sources", str(DEMO_SOURCES), "-q"]
    assert main(["fetch", "--area", "rutland", *common], out=io.StringIO()) == 0
    assert main(["fetch", "--area", "Manchester", *common], out=io.StringIO()) == 1
    assert "Manchester" in capsys.readouterr().err


def test_the_demo_is_the_default_only_when_nothing_else_can_be_had(tmp_path):
    empty = str(tmp_path)
    assert use_demo_by_default({"ATLAS_SHARED_DATA": empty, "ATLAS_OFFLINE": "1"})
    assert not use_demo_by_default(
        {"ATLAS_SHARED_DATA": empty, "ATLAS_OFFLINE": "1", "ATLAS_SOURCES": "x.toml"}
    )
    (tmp_path / "SOURCES.md").write_text("mirror")
    assert not use_demo_by_default({"ATLAS_SHARED_DATA": empty, "ATLAS_OFFLINE": "1"})
    assert use_demo_by_default({"ATLAS_DEMO": "1", "ATLAS_SOURCES": "x.toml"})
    assert not use_demo_by_default({"ATLAS_DEMO": "0", "ATLAS_SHARED_DATA": str(tmp_path / "n")})
    assert is_demo(demo_settings()) and demo_settings().offline


def test_network_probe_is_quick_and_answers_both_ways():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert network_available((("127.0.0.1", port),), timeout=1.0)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, not listening: refused
    start = time.monotonic()
    assert not network_available((("127.0.0.1", port), ("host.invalid", 443)), timeout=2.0)
    assert time.monotonic() - start <= 2.5


def test_demo_sources_file_is_valid_toml_naming_the_demo_area():
    data = tomllib.loads(DEMO_SOURCES.read_text(encoding="utf-8"))
    assert data["base"] == "." and data["datasets"]["osm_assets"]["covers"] == [DEMO_AREA]
    assert all(entry["covers"] == [DEMO_AREA] for entry in data["assets"])
