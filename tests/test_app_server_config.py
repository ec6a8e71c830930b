"""The app's server settings (``.streamlit/config.toml``), as ``make run`` starts it."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def _config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_no_traceback_reaches_a_user():
    assert _config()["client"]["showErrorDetails"] == "none"


def test_the_server_does_not_watch_source_files():
    # the watcher walks every loaded module after each rerun: a fifth of a warm
    # server's work, and slower first maps for every session
    server = _config()["server"]
    assert server["fileWatcherType"] == "none"
    assert server["runOnSave"] is False


def test_uploads_are_capped_at_the_upload_limit():
    from geo.uploads.limits import UploadLimits

    assert _config()["server"]["maxUploadSize"] * 1024 * 1024 >= UploadLimits().max_bytes
