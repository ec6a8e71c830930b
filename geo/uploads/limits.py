"""How big an upload may be.

The defaults keep one upload well inside a shared server's memory: a 50 MB
file, 500,000 table rows or 200,000 features, and zip archives that expand to
at most 300 MB, with no member compressed more than 100 times.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from geo.errors import ConfigError

MB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """Caps applied to every upload before and while it is read.

    Parameters
    ----------
    max_bytes
        Largest file accepted (checked before anything is parsed).
    max_rows
        Most data rows in a table (counted before parsing).
    max_features
        Most features in a vector file.
    max_columns
        Most columns in a table (a cell further right refuses the table).
    max_zip_members
        Most members in a zip archive (zipped shapefile, XLSX).
    max_zip_uncompressed
        Largest total size of a zip archive's members once expanded.
    max_zip_ratio
        Largest expansion ratio of a member of 1 MB or more (and of the whole
        archive): a higher one is a zip bomb.
    """

    max_bytes: int = 50 * MB
    max_rows: int = 500_000
    max_features: int = 200_000
    max_columns: int = 1_000
    max_zip_members: int = 200
    max_zip_uncompressed: int = 300 * MB
    max_zip_ratio: float = 100.0

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_rows", "max_features", "max_columns", "max_zip_members"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"Upload limit {name} must be at least 1.")
        if self.max_zip_ratio <= 1:
            raise ConfigError("Upload limit max_zip_ratio must be more than 1.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> UploadLimits:
        """Defaults, with ``ATLAS_UPLOAD_MAX_MB`` and ``ATLAS_UPLOAD_MAX_ROWS`` applied."""
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for key, name, scale in (
            ("ATLAS_UPLOAD_MAX_MB", "max_bytes", MB),
            ("ATLAS_UPLOAD_MAX_ROWS", "max_rows", 1),
        ):
            if env.get(key):
                try:
                    values[name] = int(float(env[key]) * scale)
                except ValueError:
                    raise ConfigError(f"{key}={env[key]!r} is not a number.") from None
        return cls(**values)


def megabytes(size: int) -> str:
    """``52428800`` -> ``"50 MB"``; one decimal below 10 MB."""
    value = size / MB
    return f"{value:.1f} MB" if value < 10 else f"{value:.0f} MB"
