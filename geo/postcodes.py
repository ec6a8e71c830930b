"""UK postcodes: normalising them and finding where they are.

:func:`normalise_postcode` puts a postcode in its standard form (upper case,
one space before the last three characters) or returns ``None`` when it is not
a valid UK postcode pattern.

:func:`geocode_postcodes` finds each postcode's location (and LSOA codes
where the source has them):

* **offline**, from a directory the user supplies: the ONS Postcode Directory
  (ONSPD) or National Statistics Postcode Lookup (NSPL) CSV (columns
  ``pcds``/``pcd7``/``pcd8``/``pcd``, ``lat``/``long``,
  ``oseast1m``/``osnrth1m``, ``doterm``, ``lsoa21``/``lsoa11`` or their
  ``...cd`` forms), or a simple table of postcode, latitude, longitude (with
  or without a header).  The directory is streamed in chunks and only the
  postcodes asked for are kept, so a national file does not fill memory.
  ``lat`` 99.999999 means the postcode has no coordinates (Channel Islands,
  Isle of Man, some large users);
* **online**, through postcodes.io's bulk endpoint
  (``POST https://api.postcodes.io/postcodes``, 100 postcodes a request, a
  short pause between requests, retries by :class:`~geo.net.HttpClient`),
  never when ``settings.offline``.

Nothing is dropped silently: every postcode asked for is either in
``GeocodeResult.found`` or in ``GeocodeResult.unmatched`` with a reason
(``not a valid postcode``, ``postcode not found``, ``postcode terminated``,
``postcode has no coordinates``).  Terminated postcodes (ONSPD ``doterm``
set) still have a location; they are only used with ``allow_terminated=True``.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd

from geo.config import Settings
from geo.errors import OfflineError, SchemaError

log = logging.getLogger(__name__)

POSTCODES_IO_URL = "https://api.postcodes.io/postcodes"
BATCH_SIZE = 100

INVALID = "not a valid postcode"
NOT_FOUND = "postcode not found"
TERMINATED = "postcode terminated"
NO_COORDINATES = "postcode has no coordinates"

_PATTERN = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")
_FOUND_COLUMNS = ["lat", "lon", "lsoa21", "lsoa11", "terminated", "source"]

_ALIASES = {
    "postcode": ("pcds", "pcd", "pcd7", "pcd8", "postcode", "post code", "postcodes"),
    "lat": ("lat", "latitude"),
    "lon": ("long", "lon", "longitude", "lng"),
    "east": ("oseast1m", "easting", "eastings", "x"),
    "north": ("osnrth1m", "northing", "northings", "y"),
    "doterm": ("doterm",),
    "lsoa21": ("lsoa21", "lsoa21cd", "lsoa21_code", "lsoa 21"),
    "lsoa11": ("lsoa11", "lsoa11cd", "lsoa11_code"),
}


def normalise_postcode(text: object) -> str | None:
    """``" m1 1ad"`` -> ``"M1 1AD"``; ``None`` when the text is not a UK postcode."""
    if text is None:
        return None
    compact = re.sub(r"\s+", "", str(text)).upper()
    if not _PATTERN.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


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


# --------------------------------------------------------------------------- directory


def _norm_header(text: str) -> str:
    return re.sub(r"[\s_]+", "", text.replace("\ufeff", "")).casefold()


def _open_text(source: str | os.PathLike[str] | bytes) -> io.TextIOBase:
    if isinstance(source, bytes | bytearray):
        raw: IO[bytes] = io.BytesIO(bytes(source))
        name = "the postcode directory"
    else:
        path = Path(source)
        if not path.is_file():
            raise SchemaError(f"Postcode directory {path} not found.")
        raw = path.open("rb")
        name = path.name
    head = raw.read(2)
    raw.seek(0)
    stream: IO[bytes] | gzip.GzipFile = raw
    if head == b"\x1f\x8b":
        log.debug("Reading %s as gzip", name)
        stream = gzip.GzipFile(fileobj=raw)
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")


def _layout(first: list[str]) -> tuple[bool, dict[str, int]]:
    """Whether ``first`` is a header, and the column index of each field."""
    normalised = [_norm_header(c) for c in first]
    found: dict[str, int] = {}
    for field_name, aliases in _ALIASES.items():
        for alias in aliases:
            key = _norm_header(alias)
            if key in normalised:
                found[field_name] = normalised.index(key)
                break
    if "postcode" in found:
        # pcds (one space) is preferred; pcd7/pcd8 pad with spaces, all normalise the same
        return True, found
    if len(first) >= 3 and normalise_postcode(first[0]):
        return False, {"postcode": 0, "lat": 1, "lon": 2}
    raise SchemaError(
        "The postcode directory has no postcode column (pcds, pcd, pcd7, pcd8 or postcode) "
        "and is not a postcode, latitude, longitude table."
    )


def read_postcode_directory(
    source: str | os.PathLike[str] | bytes,
    *,
    wanted: Iterable[str] | None = None,
    chunk_rows: int = 200_000,
) -> pd.DataFrame:
    """Read an ONSPD/NSPL CSV or a postcode/lat/lon table (plain or gzip).

    Returns one row per normalised postcode (index) with ``lat, lon, lsoa21,
    lsoa11, doterm``; coordinates are NaN when the directory has none (lat
    99.999999, or blank).  With ``wanted``, only those postcodes are kept.
    """
    keep = {p for p in (normalise_postcode(w) for w in wanted or ()) if p} if wanted else None
    handle = _open_text(source)
    try:
        sample = handle.read(65536)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        rest = handle
        reader = csv.reader(_chain(sample, rest), delimiter=delimiter)
        first = next(reader, None)
        if first is None:
            raise SchemaError("The postcode directory is empty.")
        has_header, cols = _layout(first)
        records: list[tuple[str, str, str, str, str, str, str, str]] = []

        def take(row: list[str]) -> None:
            if len(row) <= cols["postcode"]:
                return
            key = normalise_postcode(row[cols["postcode"]])
            if key is None or (keep is not None and key not in keep):
                return

            def get(name: str) -> str:
                index = cols.get(name)
                return row[index].strip() if index is not None and index < len(row) else ""

            records.append(
                (
                    key,
                    get("lat"),
                    get("lon"),
                    get("east"),
                    get("north"),
                    get("lsoa21"),
                    get("lsoa11"),
                    get("doterm"),
                )
            )

        if not has_header:
            take(first)
        for row in reader:
            take(row)
    finally:
        handle.close()
    frame = pd.DataFrame(
        records, columns=["postcode", "lat", "lon", "east", "north", "lsoa21", "lsoa11", "doterm"]
    )
    frame = frame.drop_duplicates("postcode", keep="first").set_index("postcode")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    no_coords = lat.isna() | lon.isna() | (lat.abs() > 90) | ((lat == 0) & (lon == 0))
    east = pd.to_numeric(frame["east"], errors="coerce")
    north = pd.to_numeric(frame["north"], errors="coerce")
    fill = (
        no_coords
        & east.notna()
        & north.notna()
        & (east > 0)
        & (north > 0)
        & (lat.isna() | (lat.abs() <= 90))
    )
    if fill.any():
        from pyproj import Transformer

        to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        lon_f, lat_f = to_wgs.transform(east[fill].to_numpy(), north[fill].to_numpy())
        lon[fill], lat[fill] = lon_f, lat_f
        no_coords &= ~fill
    out = pd.DataFrame(
        {
            "lat": lat.where(~no_coords),
            "lon": lon.where(~no_coords),
            "lsoa21": frame["lsoa21"].where(frame["lsoa21"] != "", None),
            "lsoa11": frame["lsoa11"].where(frame["lsoa11"] != "", None),
            "doterm": frame["doterm"].where(frame["doterm"] != "", None),
        },
        index=frame.index,
    )
    return out


def _chain(sample: str, rest: Any) -> Any:
    """Lines of ``sample`` followed by the rest of the stream."""
    buffer = io.StringIO(sample + rest.readline())
    yield from buffer
    yield from rest


# --------------------------------------------------------------------------- geocoding


def _str_or_none(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _term_text(doterm: str) -> str:
    return f"{doterm[:4]}-{doterm[4:6]}" if re.fullmatch(r"\d{6}", doterm) else doterm


def _from_directory(
    keys: list[str], directory: Any, allow_terminated: bool
) -> tuple[dict[str, dict[str, Any]], dict[str, str], str]:
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
                codes = hit.get("codes")
                if not isinstance(codes, dict):
                    codes = {}
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
        Path or bytes of an ONSPD/NSPL CSV or postcode/lat/lon table, or a
        frame from :func:`read_postcode_directory`.  When given, no request
        is sent.
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
        found, failed, source = _from_directory(keys, directory, allow_terminated)
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
