"""Frozen settings, read once from the environment and passed in.

Nothing here is a mutable module global: a multi-user Streamlit server shares
one process, so each call receives the :class:`Settings` it should use.

Environment variables
---------------------
``ATLAS_CACHE_DIR``
    Where downloads and assembled regions are cached (default ``data/cache``
    in a source checkout, or ``~/.cache/belonging-atlas`` when installed).
``ATLAS_SOURCES``
    A sources file that points datasets at local files instead of their URLs.
``ATLAS_OFFLINE``
    ``1``/``true``: never touch the network; fail fast naming missing datasets.
``ATLAS_TIMEOUT``
    Seconds to wait for a server to answer (default 60).
``ATLAS_RETRIES``
    How many times a failed request is retried (default 5).
``ATLAS_CONNECT_TIMEOUT``
    Seconds to wait for a connection to be made (default 3.05); an
    unreachable network is reported within about this long plus a 2 s probe.
``ATLAS_NOMIS_INTERVAL``
    The least number of seconds between two Nomis requests (default 0.5).
``ATLAS_OVERPASS_TILE_KM``
    Overpass queries for areas wider or taller than this are split into
    tiles (default 50 km).
``ATLAS_DEMO``
    ``1``: the app opens on the built-in demo (Rutland); ``0``: never by
    default.  Unset, it does when there is no sources file, no shared data
    folder and no network (see :mod:`geo.demo`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo import __version__
from geo.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
#: The dataset registry, shipped inside the package.
REGISTRY_FILE = PACKAGE_DIR / "data" / "sources.toml"
PROJECT_ROOT = PACKAGE_DIR.parent
#: ``data/`` of a source checkout (sources files, the default cache); absent when installed.
DATA_DIR = PROJECT_ROOT / "data"
USER_AGENT = (
    f"BelongingAtlas/{__version__} (+https://github.com/belonging-atlas/belonging-atlas; "
    "maps loneliness risk and community provision)"
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _in_checkout() -> bool:
    """Whether ``geo`` runs from a source checkout (not from an installed package)."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and DATA_DIR.is_dir()


def _default_cache_dir() -> Path:
    if _in_checkout() and os.access(DATA_DIR, os.W_OK):
        return DATA_DIR / "cache"
    return Path.home() / ".cache" / "belonging-atlas"


@dataclass(frozen=True)
class Settings:
    """Everything the library needs to know about where data comes from.

    Parameters
    ----------
    cache_dir
        Folder for downloaded files and assembled regions.
    sources_file
        Optional sources file mapping datasets to local files.
    offline
        When true, no request is sent; datasets without a local copy or a
        cached download are reported together in one :class:`OfflineError`.
    timeout
        Seconds for connecting and for each read.
    retries
        Retries for a failed request (429, 5xx, connection errors), with
        exponential backoff that honours ``Retry-After``.
    backoff
        Base of the exponential backoff in seconds.
    max_retry_after
        The longest ``Retry-After`` honoured, in seconds.
    user_agent
        Sent with every request so data publishers can see who is calling.
    region_buffer_m
        Assets this far outside the region (metres) are kept: they serve
        residents near the border.
    offline_cause
        What turned offline mode on, as messages name it (``--offline``,
        ``ATLAS_OFFLINE=1``); see :attr:`offline_because`.
    connect_timeout
        Seconds for making a connection (capped by ``timeout``).  A
        connection that cannot be made is probed once; an unreachable host
        then fails at once instead of being retried.
    nomis_interval
        The least number of seconds between two Nomis requests.
    nomis_max_url
        The longest Nomis request URL, in characters; longer lists of
        geography codes are split over several requests.
    overpass_retries
        Retries of an Overpass query answered 429 or 504 (nothing else is
        retried: a failing query is not sent again and again).
    overpass_max_wait
        The longest wait, in seconds, for a free Overpass slot after a 429.
    overpass_tile_km
        Overpass queries for a box wider or taller than this many kilometres
        are split into tiles whose results are merged.
    """

    cache_dir: Path = dataclasses.field(default_factory=_default_cache_dir)
    sources_file: Path | None = None
    offline: bool = False
    timeout: float = 60.0
    retries: int = 5
    backoff: float = 1.0
    max_retry_after: float = 120.0
    user_agent: str = USER_AGENT
    region_buffer_m: float = 2000.0
    connect_timeout: float = 3.05
    nomis_interval: float = 0.5
    nomis_max_url: int = 2000
    overpass_retries: int = 2
    overpass_max_wait: float = 60.0
    overpass_tile_km: float = 50.0
    offline_cause: str = dataclasses.field(default="", compare=False)

    @property
    def offline_because(self) -> str:
        """What turned offline mode on, for messages: ``"the --offline option"`` …"""
        return self.offline_cause or "offline=True in the settings"

    def __post_init__(self) -> None:
        if self.timeout <= 0:
            raise ConfigError(f"timeout must be positive seconds, got {self.timeout!r}.")
        if self.retries < 0:
            raise ConfigError(f"retries must be 0 or more, got {self.retries!r}.")
        for name in ("connect_timeout", "overpass_tile_km"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, got {getattr(self, name)!r}.")
        for name in ("nomis_interval", "overpass_retries", "overpass_max_wait"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be 0 or more, got {getattr(self, name)!r}.")
        if self.nomis_max_url < 200:
            raise ConfigError(f"nomis_max_url must be 200 or more, got {self.nomis_max_url!r}.")
        if self.region_buffer_m < 0:
            raise ConfigError(
                f"region_buffer_m must be 0 or more metres, got {self.region_buffer_m!r}."
            )
        if self.sources_file is not None and not Path(self.sources_file).is_file():
            raise ConfigError(
                f"Sources file {self.sources_file} does not exist. Check the path given "
                "with --sources or ATLAS_SOURCES."
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from environment variables, then apply ``overrides``.

        ``overrides`` with the value ``None`` are ignored, so command-line
        options that were not given leave the environment's value in place.
        The command line passes ``offline_cause="the --offline option"`` with
        ``offline=True``, so messages name the real cause.
        """
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("ATLAS_CACHE_DIR"):
            values["cache_dir"] = Path(env["ATLAS_CACHE_DIR"]).expanduser()
        if env.get("ATLAS_SOURCES"):
            values["sources_file"] = Path(env["ATLAS_SOURCES"]).expanduser()
        if "ATLAS_OFFLINE" in env:
            values["offline"] = _parse_bool("ATLAS_OFFLINE", env["ATLAS_OFFLINE"])
            values["offline_cause"] = f"ATLAS_OFFLINE={env['ATLAS_OFFLINE']} in the environment"
        for name, key, kind in (
            ("timeout", "ATLAS_TIMEOUT", float),
            ("retries", "ATLAS_RETRIES", int),
            ("connect_timeout", "ATLAS_CONNECT_TIMEOUT", float),
            ("nomis_interval", "ATLAS_NOMIS_INTERVAL", float),
            ("overpass_tile_km", "ATLAS_OVERPASS_TILE_KM", float),
        ):
            if env.get(key):
                try:
                    values[name] = kind(env[key])
                except ValueError:
                    raise ConfigError(f"{key}={env[key]!r} is not a number.") from None
        if overrides.get("offline") is not None and "offline_cause" not in overrides:
            values["offline_cause"] = "offline=True given to Settings.from_env"
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
        if isinstance(values.get("sources_file"), str):
            values["sources_file"] = Path(str(values["sources_file"]))
        if isinstance(values.get("cache_dir"), str):
            values["cache_dir"] = Path(str(values["cache_dir"]))
        return cls(**values)  # type: ignore[arg-type]  # typed per key above

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} should be 1 or 0 (true or false).")
