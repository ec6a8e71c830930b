"""Errors raised by Belonging Atlas.

Every error the product raises on purpose derives from :class:`AtlasError` and
from the builtin that best describes it, so callers can catch either.  Messages
are written for the person using the tool: what went wrong, and how to fix it.
"""

from __future__ import annotations


class AtlasError(Exception):
    """Base class of the product's own errors."""


class ConfigError(AtlasError, ValueError):
    """A settings value or a sources file is invalid."""


class DataSourceError(AtlasError, RuntimeError):
    """A dataset could not be obtained or does not look like what was expected."""


class DownloadError(DataSourceError):
    """A download failed, returned an error body, or was incomplete."""


class OfflineError(DataSourceError):
    """The tool is offline and one or more datasets have no local copy."""


class UnreachableError(DownloadError, OfflineError):
    """A server (or the whole network) cannot be reached: the run works as if offline."""


class SchemaError(AtlasError, ValueError):
    """A table does not have the columns or values the loader needs."""


class AreaNotFoundError(AtlasError, LookupError):
    """An area name or code does not match any known local authority."""


class UploadError(AtlasError, ValueError):
    """A user's file cannot be used."""


class EmptyTableError(UploadError):
    """A table with column names and no rows of data."""


class CacheError(AtlasError, OSError):
    """The on-disk cache cannot be read or written."""


class ProvisionError(AtlasError, ValueError):
    """An option of a provision measure (distance, threshold, decay) is invalid."""


class GapError(AtlasError, ValueError):
    """Risk, access or options given to the gap analysis do not fit together."""
