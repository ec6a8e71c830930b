"""The dataset registry and sources files."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.config import REGISTRY_FILE, Settings
from geo.errors import ConfigError
from geo.sources.registry import licence_name, load_sources

PROJECT = Path(__file__).resolve().parent.parent


def test_registry_describes_every_required_dataset():
    sources = load_sources()
    needed = {
        "lsoa21_lookup",
        "lsoa21_boundaries",
        "lsoa21_centroids",
        "lad_boundaries",
        "iod2025",
        "iod2019",
        "lsoa11_lsoa21_lookup",
        "osm_assets",
        *(f"census_{t}" for t in ("ts001", "ts002", "ts003", "ts007a", "ts037", "ts038", "ts039")),
        "census_ts054",
    }
    assert needed <= set(sources.datasets)
    for dataset in sources.datasets.values():
        assert dataset.title and dataset.publisher and dataset.vintage and dataset.geography
        assert dataset.licence in {"OGL-UK-3.0", "ODbL-1.0", "per file"}
        assert dataset.attribution
        if dataset.online:
            assert dataset.online["kind"] in {"arcgis", "file", "nomis", "overpass"}
            if dataset.online["kind"] != "nomis":
                assert dataset.online["url"].startswith("https://")
    assert sources.dataset("iod2025").expected_rows == 33755
    assert sources.dataset("iod2019").expected_rows == 32844
    assert sources.dataset("osm_assets").licence == "ODbL-1.0"
    assert "OpenStreetMap contributors" in sources.dataset("osm_assets").attribution
    assert licence_name("OGL-UK-3.0") == "Open Government Licence v3.0"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_file_paths_parts_and_templates(tmp_path):
    data = tmp_path / "mirror"
    (data / "lsoa").mkdir(parents=True)
    (data / "lsoa" / "E1.geojson").write_text("{}")
    (data / "lsoa" / "E2.geojson").write_text("{}")
    (data / "national.geojson").write_text("{}")
    (data / "a.csv").write_text("x")
    (data / "b.csv").write_text("y")
    path = _write(
        tmp_path,
        """
base = "mirror"
[datasets.lsoa21_boundaries]
paths = ["lsoa/{lad}.geojson", "national.geojson"]
[datasets.iod2019]
parts = ["a.csv", "b.csv", "missing.csv"]
note = "two of three parts"
vintage = "a local copy"
[datasets.iod2025]
path = "nowhere.csv"
""",
    )
    sources = load_sources(path)
    assert sources.local_paths("lsoa21_boundaries", ["E1", "E2"]) == [
        data / "lsoa" / "E1.geojson",
        data / "lsoa" / "E2.geojson",
    ]
    # one authority without its own file: the national file is used instead
    assert sources.local_paths("lsoa21_boundaries", ["E1", "E3"]) == [data / "national.geojson"]
    assert sources.local_paths("iod2019") == [data / "a.csv", data / "b.csv"]
    assert sources.local_paths("iod2025") is None
    assert sources.local_paths("census_ts001") is None
    assert sources.note("iod2019") == "two of three parts"
    assert sources.dataset("iod2019").vintage == "a local copy"
    assert sources.dataset("iod2019").publisher.startswith("Ministry")


def test_base_takes_environment_variable_with_default(tmp_path, monkeypatch):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "f.csv").write_text("x")
    path = _write(
        tmp_path,
        """base = "${MIRROR_FOR_TEST:-default}"
[datasets.iod2025]
path = "f.csv"
""",
    )
    monkeypatch.delenv("MIRROR_FOR_TEST", raising=False)
    assert load_sources(path).local_paths("iod2025") is None
    monkeypatch.setenv("MIRROR_FOR_TEST", str(tmp_path / "elsewhere"))
    assert load_sources(path).local_paths("iod2025") == [tmp_path / "elsewhere" / "f.csv"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[datasets.nonsense]\npath = 'x'\n", "not in the registry"),
        ("[datasets.iod2025]\nnote = 'x'\n", "needs exactly one of path, paths or parts"),
        ("[datasets.iod2025]\npath = 'x'\nparts = ['y']\n", "needs exactly one"),
        ("[datasets.iod2025]\npath = 3\n", "must be a path"),
        ("this is = = not toml", "is not valid TOML"),
        ("[[assets]]\nformat = 'table'\npath = 'x.csv'\n", "lacks the key 'source'"),
    ],
)
def test_bad_sources_files_get_clear_messages(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_sources(_write(tmp_path, text))


def test_asset_files_keep_options_and_coverage(tmp_path):
    path = _write(
        tmp_path,
        """
[[assets]]
format = "table"
path = "libs.csv"
source = "libs"
title = "Libraries"
category = "library"
licence = "OGL-UK-3.0"
attribution = "OGL"
covers = ["E08000003"]
""",
    )
    (asset,) = load_sources(path).asset_files
    assert asset.source == "libs"
    assert asset.options == {"format": "table", "category": "library"}
    assert asset.path == tmp_path / "libs.csv"
    assert asset.relevant_to(["E08000003", "E08000009"])
    assert not asset.relevant_to(["E06000009"])


def test_shipped_shared_sources_file_parses():
    sources = load_sources(PROJECT / "data" / "sources.shared.toml")
    assert set(sources.local) >= {"lsoa21_lookup", "lsoa21_boundaries", "iod2025", "census_ts003"}
    assert any(a.source == "osm_gb_pubs" for a in sources.asset_files)


def test_shipped_shared_sources_file_resolves_on_real_mirror(shared_data, monkeypatch):
    monkeypatch.setenv("ATLAS_SHARED_DATA", str(shared_data))
    sources = load_sources(PROJECT / "data" / "sources.shared.toml")
    for dataset_id in sources.local:
        if dataset_id == "osm_assets":
            continue
        paths = sources.local_paths(dataset_id, ["E08000003"])
        assert paths, dataset_id
        assert all(p.is_file() for p in paths)
    assert sources.local_paths("lsoa21_boundaries", ["E06000017"]) == [
        shared_data / "boundaries/national_geographr/boundaries_lsoa21.geojson.gz"
    ]
    for asset in sources.asset_files:
        assert asset.path.is_file(), asset.path


def test_settings_from_environment(tmp_path):
    registry_copy = tmp_path / "s.toml"
    registry_copy.write_text("")
    s = Settings.from_env(
        {
            "ATLAS_CACHE_DIR": str(tmp_path / "c"),
            "ATLAS_SOURCES": str(registry_copy),
            "ATLAS_OFFLINE": "yes",
            "ATLAS_TIMEOUT": "12.5",
        }
    )
    assert s.cache_dir == tmp_path / "c"
    assert s.sources_file == registry_copy
    assert s.offline is True
    assert s.timeout == 12.5
    assert Settings.from_env({}, offline=None).offline is False
    with pytest.raises(ConfigError, match="ATLAS_OFFLINE"):
        Settings.from_env({"ATLAS_OFFLINE": "maybe"})
    with pytest.raises(ConfigError, match="ATLAS_TIMEOUT"):
        Settings.from_env({"ATLAS_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.from_env({"ATLAS_SOURCES": str(tmp_path / "missing.toml")})
    with pytest.raises(ConfigError, match="timeout"):
        Settings(timeout=0)
    assert REGISTRY_FILE.is_file()
