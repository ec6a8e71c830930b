"""Shared test fixtures.

Tests that read the real public files in ``../shared/data`` use the
``shared_data`` fixture, which skips with a clear reason when the folder is
absent (for example on a machine that only has the project).

Tests that only need one real, Rutland-sized area use ``rutland_settings``:
the real mirror when it is here, else the built-in demo (``data/demo``, cut
from the same files), so they run everywhere.  ``demo_settings`` is always
the demo.

Tests that take one small analysis apart use ``tiny_settings`` (the tiny
mirror, ``tests/tiny_mirror.py``, one per test module) and ``tiny_before``
(Testham analysed on it with 99 permutations).  Reports drawn in tests
fetch no basemap tiles (``ATLAS_TILES=none``) unless a test serves its own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(
    os.environ.get("ATLAS_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data")
).resolve()


@pytest.fixture(autouse=True)
def _no_basemap_tiles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports drawn in tests fetch no basemap tiles, unless a test names its own tile server."""
    if "ATLAS_TILES" not in os.environ:
        monkeypatch.setenv("ATLAS_TILES", "none")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public data files, or skip when it is not here."""
    if not (SHARED_DATA / "SOURCES.md").is_file():
        pytest.skip(
            f"real public data folder not found at {SHARED_DATA} "
            "(set ATLAS_SHARED_DATA to its path to run these tests)"
        )
    return SHARED_DATA


@pytest.fixture()
def tmp_cache(tmp_path: Path) -> Path:
    """An empty cache folder for one test."""
    path = tmp_path / "cache"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def shared_settings(shared_data, tmp_path_factory):
    """Offline settings reading the real mirror through data/sources.shared.toml."""
    from geo.config import Settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ATLAS_SHARED_DATA", str(shared_data))
        yield Settings(
            sources_file=PROJECT_ROOT / "data" / "sources.shared.toml",
            offline=True,
            cache_dir=tmp_path_factory.mktemp("shared-cache"),
        )


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory):
    """Offline settings reading the built-in demo (Rutland) through data/demo/sources.toml."""
    from geo.config import Settings
    from geo.demo import DEMO_SOURCES

    return Settings(
        sources_file=DEMO_SOURCES,
        offline=True,
        cache_dir=tmp_path_factory.mktemp("demo-cache"),
    )


@pytest.fixture(scope="session")
def rutland_settings(request):
    """Real data for Rutland: the mirror when present, else the built-in demo."""
    if (SHARED_DATA / "SOURCES.md").is_file():
        return request.getfixturevalue("shared_settings")
    return request.getfixturevalue("demo_settings")


def app_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the tiny mirror, offline, with no basemap tiles; the sources file."""
    from tests.tiny_mirror import write_mirror

    sources = write_mirror(tmp_path / "mirror")
    monkeypatch.setenv("ATLAS_SOURCES", str(sources))
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ATLAS_OFFLINE", "1")
    monkeypatch.setenv("ATLAS_TILES", "none")
    return sources


@pytest.fixture()
def tiny_env(tmp_path, monkeypatch):
    """The app on the tiny mirror (see :func:`app_env`)."""
    return app_env(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def tiny_settings(tmp_path_factory):
    """Offline settings on a fresh tiny mirror, shared by one test module."""
    from geo.config import Settings
    from tests.tiny_mirror import write_mirror

    root = tmp_path_factory.mktemp("tiny")
    return Settings(sources_file=write_mirror(root / "mirror"), offline=True, cache_dir=root / "c")


@pytest.fixture(scope="module")
def tiny_before(tiny_settings):
    """Testham analysed on the tiny mirror: the result a scenario or a plan starts from."""
    from geo.params import Parameters
    from geo.pipeline import run_analysis

    return run_analysis("Testham", Parameters(permutations=99), settings=tiny_settings)
