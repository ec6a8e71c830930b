"""What the benchmark scripts share: the project on ``sys.path`` and offline settings.

Imported first by a script in ``bench/`` (run as ``python bench/<script>.py``
from the project folder), so the ``geo`` imports after it find the project's
package.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

#: The sources file that reads the real-data mirror (``ATLAS_SHARED_DATA``).
SHARED_SOURCES = PROJECT / "data" / "sources.shared.toml"


def shared_data() -> Path:
    """The real-data mirror: ``ATLAS_SHARED_DATA``, else ``../shared/data`` (then set)."""
    shared = os.environ.get("ATLAS_SHARED_DATA") or str(PROJECT.parent / "shared" / "data")
    os.environ.setdefault("ATLAS_SHARED_DATA", shared)
    return Path(shared)


def offline_settings(sources: Path = SHARED_SOURCES):
    """Offline settings on ``sources`` (by default the real-data mirror's)."""
    from geo.config import Settings

    shared_data()
    return Settings.from_env(sources_file=sources, offline=True)
