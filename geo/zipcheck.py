"""One inspector for zip archives, before anything in them is expanded.

Used by the data-source loaders (Geofabrik shapefile bundles, Code-Point
Open, zipped registers: :func:`geo.sources.osm_shpzip.inspect_zip`) and by the
upload readers (:func:`geo.uploads.safety.inspect_zip_bytes`).  Everything is
judged from the central directory (the member list), so nothing is
decompressed:

* the number of members;
* member names: absolute paths, drive letters or ``..`` parts (path
  traversal);
* each member's compression ratio (members over ``ratio_min_bytes``) and
  the whole archive's, and the total uncompressed size (zip bombs);
* with ``strict`` (files strangers upload) also control characters or
  backslashes in names, symbolic links, encrypted members, members listed
  twice and archives inside the archive (nesting).

A problem raises :class:`ZipRefused` (a :class:`ValueError`) whose message
starts with the ``label`` the caller gives (a path, or "The zip archive");
callers turn it into their own error type.
"""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

#: Member suffixes that are archives themselves (refused inside an archive).
ARCHIVE_SUFFIXES = frozenset(
    {
        ".zip",
        ".gz",
        ".tgz",
        ".tar",
        ".bz2",
        ".xz",
        ".7z",
        ".rar",
        ".zst",
        ".kmz",
        ".jar",
        ".cab",
        ".lz",
        ".lzma",
    }
)


class ZipRefused(ValueError):
    """An archive that is not safe to open; the message says why."""


@dataclass(frozen=True)
class ZipRules:
    """Limits an archive must keep to."""

    max_members: int = 500
    max_uncompressed: int = 2 * 1024**3
    max_ratio: float = 200
    ratio_min_bytes: int = 1024**2  # tiny members can have any ratio
    strict: bool = False


def _size(size: int) -> str:
    if size < 1024**2:
        return f"{size:,} bytes"
    value = size / 1024**2
    if value >= 1024:
        return f"{value / 1024:.1f} GB"
    return f"{value:.1f} MB" if value < 10 else f"{value:.0f} MB"


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _check_name(info: zipfile.ZipInfo, label: str, strict: bool) -> None:
    name = info.filename
    if strict and (any(ord(ch) < 32 for ch in name) or "\\" in name):
        raise ZipRefused(f"{label} has a member with an unsafe name {name!r}; refusing to open it.")
    plain = name.replace("\\", "/")
    if (
        plain.startswith("/")
        or re.match(r"^[A-Za-z]:", plain)
        or ".." in PurePosixPath(plain).parts
    ):
        raise ZipRefused(
            f"{label} contains an unsafe member name {name!r} (absolute path or '..'); "
            "refusing to open it."
        )


def _check_strict(info: zipfile.ZipInfo, label: str, seen: set[str]) -> None:
    name = info.filename
    if _is_symlink(info):
        raise ZipRefused(
            f"{label} has a symbolic link ({name!r}); links can point at files on the server, "
            "so the archive is refused. Zip the real files instead."
        )
    if info.flag_bits & 0x1:
        raise ZipRefused(f"{label}: member {name!r} is encrypted; upload it without a password.")
    key = name.rstrip("/").casefold()
    if key in seen:
        raise ZipRefused(f"{label} lists {name!r} twice; refusing to open it.")
    seen.add(key)
    if PurePosixPath(name).suffix.lower() in ARCHIVE_SUFFIXES:
        raise ZipRefused(
            f"{label} contains another archive ({name!r}); archives inside archives are "
            "refused. Unzip it and use the inner file."
        )


def _bomb(size: int, packed: int, rules: ZipRules) -> bool:
    return size >= rules.ratio_min_bytes and (packed == 0 or size / packed > rules.max_ratio)


def check_members(
    members: Sequence[zipfile.ZipInfo], rules: ZipRules, label: str = "The zip archive"
) -> None:
    """Refuse (:class:`ZipRefused`) an archive whose member list breaks ``rules``."""
    if len(members) > rules.max_members:
        raise ZipRefused(
            f"{label} has {len(members):,} members (limit {rules.max_members:,}); refusing to "
            "open it. Put only the files needed in it, or unzip it yourself."
        )
    seen: set[str] = set()
    total = compressed = 0
    for info in members:
        _check_name(info, label, rules.strict)
        if rules.strict:
            _check_strict(info, label, seen)
        total += info.file_size
        compressed += info.compress_size
        if _bomb(info.file_size, info.compress_size, rules):
            raise ZipRefused(
                f"{label}: member {info.filename!r} would expand {info.file_size:,} bytes from "
                f"{info.compress_size:,} (more than {rules.max_ratio:g} times): this looks like "
                "a zip bomb, so it is refused."
            )
    if total > rules.max_uncompressed:
        raise ZipRefused(
            f"{label} would expand to {_size(total)} (limit {_size(rules.max_uncompressed)}); "
            "refusing to open it."
        )
    if _bomb(total, compressed, rules):
        raise ZipRefused(
            f"{label} would expand {total:,} bytes from {compressed:,} (more than "
            f"{rules.max_ratio:g} times): this looks like a zip bomb, so it is refused."
        )
