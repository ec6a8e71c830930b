"""Geocoding postcodes: from a postcode table offline, or postcodes.io online."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo.config import Settings
from geo.errors import OfflineError, SchemaError
from geo.net.cache import Cache
from geo.postcodes.codepoint import is_codepoint, locate_in_codepoint, read_codepoint
from geo.postcodes.directory import read_postcode_directory
from geo.postcodes.normalise import (
    INVALID,
    NO_COORDINATES,
    NOT_FOUND,
    TERMINATED,
    normalise_postcode,
)

log = logging.getLogger(__name__)

POSTCODES_IO_URL = "https://api.postcodes.io/postcodes"
BATCH_SIZE = 100

_FOUND_COLUMNS = ["lat", "lon", "lsoa21", "lsoa11", "terminated", "source"]


@dataclass(frozen=True)
class GeocodeResult:
    """Where the postcodes are, and which could not be placed and why.

    ``found`` is indexed by normalised postcode with columns ``lat, lon,
    lsoa21, lsoa11, terminated, source``; ``unmatched`` has ``postcode`` (as
    given), ``normalised`` and ``reason``.
    """

    found: pd.DataFrame
    unmatched: pd.DataFrame
    source: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def locate(self, postcode: object) -> tuple[dict[str, Any] | None, str]:
        """``(row, "")`` for a found postcode, else ``(None, reason)``."""
        key = normalise_postcode(postcode)
        if key is None:
            return None, INVALID
        if key in self.found.index:
            return self.found.loc[key].to_dict(), ""
        hits = self.unmatched.loc[self.unmatched["normalised"] == key, "reason"]
        return None, (str(hits.iloc[0]) if len(hits) else NOT_FOUND)


def _empty_found() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype="object") for c in _FOUND_COLUMNS})
    frame.index.name = "postcode"
    return frame


def _str_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _term_text(doterm: str) -> str:
    return f"{doterm[:4]}-{doterm[4:6]}" if re.fullmatch(r"\d{6}", doterm) else doterm


def _from_codepoint(
    keys: list[str], table: pd.DataFrame, name: str
) -> tuple[dict[str, dict[str, Any]], dict[str, str], str]:
    rows, failed = locate_in_codepoint(keys, table)
    found: dict[str, dict[str, Any]] = {}
    if len(rows):
        from pyproj import Transformer

        to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        lon, lat = to_wgs.transform(rows["east"].to_numpy(), rows["north"].to_numpy())
        for key, x, y in zip(rows.index, lon, lat, strict=True):
            found[key] = {
                "lat": float(y),
                "lon": float(x),
                "lsoa21": None,
                "lsoa11": None,
                "terminated": None,
                "source": name,
            }
    return found, failed, name


def _is_codepoint_frame(frame: pd.DataFrame) -> bool:
    return {"east", "north", "quality"} <= set(frame.columns)


def _from_directory(
    keys: list[str], directory: Any, allow_terminated: bool, cache: Cache | None = None
) -> tuple[dict[str, dict[str, Any]], dict[str, str], str]:
    if isinstance(directory, pd.DataFrame) and _is_codepoint_frame(directory):
        return _from_codepoint(keys, directory, "Code-Point Open")
    if not isinstance(directory, pd.DataFrame | bytes | bytearray) and is_codepoint(directory):
        table = read_codepoint(directory, cache=cache)
        return _from_codepoint(keys, table, f"Code-Point Open ({Path(directory).name})")
    if isinstance(directory, pd.DataFrame):
        table, name = directory, "the postcode directory"
    else:
        table = read_postcode_directory(directory, wanted=keys)
        name = (
            "the postcode directory"
            if isinstance(directory, bytes | bytearray)
            else f"postcode directory {Path(directory).name}"
        )
    found: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    for key in keys:
        if key not in table.index:
            failed[key] = NOT_FOUND
            continue
        row = table.loc[key]
        doterm = _str_or_none(row.get("doterm"))
        if doterm and not allow_terminated:
            failed[key] = f"{TERMINATED} ({_term_text(str(doterm))})"
            continue
        if pd.isna(row["lat"]) or pd.isna(row["lon"]):
            failed[key] = NO_COORDINATES
            continue
        found[key] = {
            "lat": float(row["lat"]),
            "lon": float(row["lon"]),
            "lsoa21": _str_or_none(row.get("lsoa21")),
            "lsoa11": _str_or_none(row.get("lsoa11")),
            "terminated": _term_text(doterm) if doterm else None,
            "source": name,
        }
    return found, failed, name


def _from_postcodes_io(
    keys: list[str],
    settings: Settings,
    client: Any,
    url: str,
    pause: float,
    sleep: Callable[[float], object],
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    if settings.offline:
        raise OfflineError(
            f"Offline mode is on ({settings.offline_because}), so postcodes cannot be looked up "
            "online. Supply a postcode directory (ONSPD or NSPL CSV, or a postcode/lat/lon table)."
        )
    own = client is None
    if own:
        from geo.net import HttpClient

        client = HttpClient(settings)
    found: dict[str, dict[str, Any]] = {}
    failed: dict[str, str] = {}
    try:
        for start in range(0, len(keys), BATCH_SIZE):
            if start:
                sleep(pause)
            batch = keys[start : start + BATCH_SIZE]
            answer = client.post_json(
                url, {"postcodes": batch}, description="a postcodes.io bulk look-up"
            )
            results = answer.get("result") if isinstance(answer, dict) else None
            if not isinstance(results, list):
                raise SchemaError(
                    f"postcodes.io answered without a result list: {str(answer)[:200]}"
                )
            for item in results:
                if not isinstance(item, dict):
                    continue
                key = normalise_postcode(item.get("query"))
                if key is None:
                    continue
                hit = item.get("result")
                if not isinstance(hit, dict):
                    failed[key] = f"{NOT_FOUND} (unknown or terminated)"
                    continue
                lat, lon = hit.get("latitude"), hit.get("longitude")
                if lat is None or lon is None:
                    failed[key] = NO_COORDINATES
                    continue
                codes: dict[str, Any] = hit["codes"] if isinstance(hit.get("codes"), dict) else {}
                found[key] = {
                    "lat": float(lat),
                    "lon": float(lon),
                    "lsoa21": codes.get("lsoa21") or codes.get("lsoa"),
                    "lsoa11": codes.get("lsoa11"),
                    "terminated": None,
                    "source": "postcodes.io",
                }
            for key in batch:
                if key not in found and key not in failed:
                    failed[key] = NOT_FOUND
    finally:
        if own:
            client.close()
    return found, failed


def geocode_postcodes(
    postcodes: Sequence[str],
    *,
    settings: Settings,
    client: Any = None,
    directory: str | os.PathLike[str] | bytes | pd.DataFrame | None = None,
    allow_terminated: bool = False,
    url: str = POSTCODES_IO_URL,
    pause: float = 0.2,
    sleep: Callable[[float], object] = time.sleep,
) -> GeocodeResult:
    """Locate postcodes from a directory (offline) or postcodes.io (online).

    Parameters
    ----------
    postcodes
        As written by people (any case and spacing); repeats are looked up once.
    settings
        ``settings.offline`` forbids online look-ups (:class:`OfflineError`
        when no directory is given).
    client
        An :class:`~geo.net.HttpClient` (tests point it at a local server).
    directory
        Path or bytes of an ONSPD/NSPL CSV or postcode/lat/lon table, the
        path of a Code-Point Open CSV (recognised by its columns, read once
        and cached as Parquet), or a frame from :func:`read_postcode_directory`
        or :func:`~geo.postcodes.codepoint.read_codepoint`.  When given, no
        request is sent.
    allow_terminated
        Use terminated postcodes' last known location instead of listing them.
    url, pause, sleep
        The bulk endpoint, the pause between batches of 100, and the sleep
        function (tests pass a recorder).
    """
    given = [str(p) for p in postcodes]
    unmatched: list[tuple[str, str | None, str]] = []
    keys: list[str] = []
    seen: set[str] = set()
    for text in given:
        key = normalise_postcode(text)
        if key is None:
            unmatched.append((text, None, INVALID))
        elif key not in seen:
            seen.add(key)
            keys.append(key)
    notes: list[str] = []
    if directory is not None:
        found, failed, source = _from_directory(
            keys, directory, allow_terminated, Cache.from_settings(settings)
        )
    elif keys:
        found, failed = _from_postcodes_io(keys, settings, client, url, pause, sleep)
        source = "postcodes.io"
    else:
        found, failed, source = {}, {}, "no look-up needed"
    by_key = {normalise_postcode(t): t for t in given}
    for key, reason in failed.items():
        unmatched.append((by_key.get(key, key), key, reason))
    frame = (
        pd.DataFrame.from_dict(found, orient="index", columns=_FOUND_COLUMNS)
        if found
        else _empty_found()
    )
    frame.index.name = "postcode"
    terminated = int(frame["terminated"].notna().sum()) if len(frame) else 0
    if terminated:
        notes.append(
            f"{terminated} terminated postcode(s) were placed at their last known location."
        )
    result = GeocodeResult(
        found=frame,
        unmatched=pd.DataFrame(unmatched, columns=["postcode", "normalised", "reason"]),
        source=source,
        notes=tuple(notes),
    )
    log.info("Geocoded %d of %d postcodes from %s", len(frame), len(keys), source)
    return result


class PostcodeGeocoder:
    """A geocoder to pass to the upload readers: ``geocoder(postcodes) -> GeocodeResult``."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: Any = None,
        directory: str | os.PathLike[str] | bytes | pd.DataFrame | None = None,
        allow_terminated: bool = False,
        **options: Any,
    ) -> None:
        self.settings = settings
        self.client = client
        self.directory = directory
        self.allow_terminated = allow_terminated
        self.options = options

    def __call__(self, postcodes: Sequence[str]) -> GeocodeResult:
        return geocode_postcodes(
            postcodes,
            settings=self.settings,
            client=self.client,
            directory=self.directory,
            allow_terminated=self.allow_terminated,
            **self.options,
        )
