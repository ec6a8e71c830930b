"""Checks made on an upload's bytes before any parser sees them.

* :func:`check_size`: the size cap, first of all.
* :func:`inspect_zip_bytes`: an archive's member list, read from its central
  directory without expanding anything.  It reuses
  :func:`geo.sources.osm.inspect_zip` (names with ``..`` or absolute paths,
  member count, total size, compression ratio) and adds the upload rules:
  symbolic links, nested archives, encrypted or repeated members, and the
  tighter :class:`~geo.uploads.limits.UploadLimits`.
* :func:`check_xlsx_members`: no macros, external links, data connections or
  ActiveX in a workbook.
* :func:`check_geopackage`: a GeoPackage's schema read with Python's own
  SQLite (read-only, immutable): no virtual tables but R-tree indexes, no
  views or triggers calling file, network or extension functions.
* :func:`private_dir`: a private temporary folder (mode 0700) where an upload
  is copied under a fixed name chosen by the atlas; a name from the user is
  never used as a path.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from geo.errors import DataSourceError, UploadError
from geo.uploads.limits import UploadLimits, megabytes

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
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ")
_RATIO_MIN_BYTES = 1024 * 1024

_XLSX_REFUSED = (
    ("xl/vbaproject.bin", "macros (VBA)"),
    ("xl/externallinks/", "links to other workbooks"),
    ("xl/connections.xml", "data connections to databases or web pages"),
    ("xl/activex/", "ActiveX controls"),
)


def check_size(size: int, limits: UploadLimits) -> None:
    """Refuse an empty file or one over the size cap."""
    if size == 0:
        raise UploadError("The file is empty (0 bytes). Choose the file again, or check it saved.")
    if size > limits.max_bytes:
        raise UploadError(
            f"The file is {megabytes(size)}; uploads are limited to "
            f"{megabytes(limits.max_bytes)}. Split it, or keep only the columns needed."
        )


@contextlib.contextmanager
def private_dir() -> Iterator[Path]:
    """A new folder only this process can read, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="atlas-upload-"))
    try:
        os.chmod(folder, 0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


def inspect_zip_bytes(data: bytes, limits: UploadLimits) -> list[zipfile.ZipInfo]:
    """The members of an uploaded zip archive, after checking it is safe to expand.

    Raises :class:`UploadError` for a damaged archive, unsafe names (``..``,
    absolute paths, drive letters, control characters), symbolic links,
    archives inside the archive, encrypted or repeated members, too many
    members, too large a total, or a zip bomb's compression ratio.
    """
    from geo.sources.osm import inspect_zip

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UploadError(f"The zip archive is damaged and cannot be opened ({exc}).") from None
    if len(members) > limits.max_zip_members:
        raise UploadError(
            f"The zip archive has {len(members):,} members (limit {limits.max_zip_members}); "
            "put only the files needed in it."
        )
    with private_dir() as folder:
        path = folder / "upload.zip"
        path.write_bytes(data)
        try:
            inspect_zip(path)
        except DataSourceError as exc:
            message = str(exc).replace(str(path), "The zip archive")
            raise UploadError(message) from None
    seen: set[str] = set()
    total = compressed = 0
    for info in members:
        name = info.filename
        if any(ord(ch) < 32 for ch in name) or "\\" in name:
            raise UploadError(
                f"The zip archive has a member with an unsafe name {name!r}; refusing to open it."
            )
        if _is_symlink(info):
            raise UploadError(
                f"The zip archive has a symbolic link ({name!r}); links can point at files on "
                "the server, so the archive is refused. Zip the real files instead."
            )
        if info.flag_bits & 0x1:
            raise UploadError(
                f"The zip archive member {name!r} is encrypted; upload it without a password."
            )
        key = name.rstrip("/").casefold()
        if key in seen:
            raise UploadError(f"The zip archive lists {name!r} twice; refusing to open it.")
        seen.add(key)
        if PurePosixPath(name).suffix.lower() in ARCHIVE_SUFFIXES:
            raise UploadError(
                f"The zip archive contains another archive ({name!r}); archives inside "
                "archives are refused. Unzip it and upload the inner file."
            )
        total += info.file_size
        compressed += info.compress_size
        if info.file_size >= _RATIO_MIN_BYTES and (
            info.compress_size == 0 or info.file_size / info.compress_size > limits.max_zip_ratio
        ):
            raise UploadError(
                f"The zip archive member {name!r} would expand {info.file_size:,} bytes from "
                f"{info.compress_size:,} (more than {limits.max_zip_ratio:g} times): this looks "
                "like a zip bomb, so it is refused."
            )
    if total > limits.max_zip_uncompressed:
        raise UploadError(
            f"The zip archive would expand to {megabytes(total)} (limit "
            f"{megabytes(limits.max_zip_uncompressed)}); refusing to open it."
        )
    if total >= _RATIO_MIN_BYTES and (compressed == 0 or total / compressed > limits.max_zip_ratio):
        raise UploadError(
            f"The zip archive would expand {total:,} bytes from {compressed:,} (more than "
            f"{limits.max_zip_ratio:g} times): this looks like a zip bomb, so it is refused."
        )
    return members


def read_member(data: bytes, info: zipfile.ZipInfo, limits: UploadLimits) -> bytes:
    """One member's bytes, never more than its declared size (and the caps)."""
    cap = min(info.file_size, limits.max_zip_uncompressed)
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(info) as handle:
        body = handle.read(cap + 1)
    if len(body) > cap:
        raise UploadError(
            f"The zip archive member {info.filename!r} is larger than it claims; refused."
        )
    if body[:6].startswith(_ARCHIVE_MAGIC):
        raise UploadError(
            f"The zip archive member {info.filename!r} is itself an archive; archives inside "
            "archives are refused."
        )
    return body


def check_xlsx_members(names: list[str]) -> None:
    """Refuse a workbook with macros, external links, connections or ActiveX."""
    lowered = [n.casefold() for n in names]
    for marker, what in _XLSX_REFUSED:
        if any(n == marker or n.startswith(marker) for n in lowered):
            raise UploadError(
                f"The workbook contains {what}, which the atlas does not accept. Save a copy "
                "as a plain .xlsx workbook (or CSV) with values only, and upload that."
            )


def check_geopackage(path: Path) -> list[str]:
    """The feature tables of a GeoPackage, after checking its schema is harmless.

    See :mod:`geo.uploads.gpkg_schema`: virtual tables other than the rtree
    spatial index, views, and triggers outside the GeoPackage standard are
    refused, as SQLite itself reads the schema.
    """
    from geo.uploads.gpkg_schema import feature_layers

    return feature_layers(path)
