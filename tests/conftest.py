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

The browser tests share ``browser`` (headless Chromium) and ``tiny_url`` /
``manchester_url`` (the app served on the tiny or the real mirror), one per
test module; their plain helpers are in ``tests/helpers_browser.py``.  The
online tests share ``web`` (the fake official services of
``tests/fake_web.py``) and ``small_nomis_pages``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.fake_web import FakeWeb

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


# -- the app in a real browser (helpers in tests/helpers_browser.py) --------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium through Playwright (one per test module), or skip saying why."""
    from tests import helpers_browser

    path = helpers_browser.chromium_path()
    if path is None:
        pytest.skip("no Chromium found (install the chromium package or set ATLAS_CHROMIUM)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright Python package is not installed"
    )
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=helpers_browser.LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def tiny_url(tmp_path_factory) -> Iterator[str]:
    """The app served on the tiny mirror with hostile place names (one per test module)."""
    from tests import helpers_browser

    root = tmp_path_factory.mktemp("browser")
    sources = helpers_browser.hostile_mirror(root / "mirror")
    env = {
        "ATLAS_SOURCES": str(sources),
        "ATLAS_CACHE_DIR": str(root / "cache"),
        "ATLAS_OFFLINE": "1",
        "ATLAS_TILES": "none",
    }
    # Testham is not the default area: open it through the URL's area picker state.
    with helpers_browser.streamlit_server(env, root / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def manchester_url(tmp_path_factory) -> Iterator[str]:
    """The app served on the real-data mirror, or skip when it is not here."""
    from tests import helpers_browser

    shared = SHARED_DATA
    if not (shared / "SOURCES.md").is_file():
        pytest.skip(f"real public data folder not found at {shared}")
    root = tmp_path_factory.mktemp("browser-shared")
    env = {
        "ATLAS_SOURCES": str(PROJECT_ROOT / "data" / "sources.shared.toml"),
        "ATLAS_SHARED_DATA": str(shared),
        "ATLAS_OFFLINE": "1",
        "ATLAS_TILES": "none",
    }
    with helpers_browser.streamlit_server(env, root / "streamlit.log") as url:
        yield url


# -- the fake official web (tests/fake_web.py) ------------------------------------


@pytest.fixture(scope="module")
def small_nomis_pages() -> Iterator[None]:
    """Nomis pages of a few rows for one test module, so the fake web's tables are paged."""
    import geo.net.nomis
    from tests.fake_web_data import NOMIS_ROWS

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(geo.net.nomis, "NOMIS_PAGE_ROWS", NOMIS_ROWS)
        yield


@pytest.fixture()
def web() -> Iterator[FakeWeb]:
    """The fake official web services on 127.0.0.1, for one test."""
    from tests.fake_web import FakeWeb

    with FakeWeb() as fake:
        yield fake


# -- the HTTP client against a local server (tests/helpers_http.py) --------------


@pytest.fixture()
def server():
    """A local HTTP server on 127.0.0.1 for one test (tests/helpers_http.py)."""
    from tests.helpers_http import LocalServer

    with LocalServer() as srv:
        yield srv


@pytest.fixture()
def sleeps():
    """Records the waits an HTTP client asks for, instead of sleeping."""
    from tests.helpers_http import Sleeps

    return Sleeps()


@pytest.fixture()
def make_client(tmp_cache, sleeps):
    """Makes HTTP clients on a fresh cache that record their waits; closed after the test."""
    from geo.config import Settings
    from geo.net import HttpClient

    clients = []

    def make(**changes) -> HttpClient:
        settings = Settings(
            cache_dir=tmp_cache, retries=3, backoff=0.5, timeout=5.0, max_retry_after=60.0
        ).replace(**changes)
        client = HttpClient(settings, sleep=sleeps)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
