"""Checks made on an upload's bytes before any parser sees them.

* :func:`check_size`: the size cap, first of all.
* :func:`inspect_zip_bytes`: an archive's member list, read from its central
  directory without expanding anything, by the one zip inspector
  (:func:`geo.zipcheck.check_members`, strict: names with ``..`` or absolute
  paths, member count, total size, compression ratio, symbolic links, nested
  archives, encrypted or repeated members) with the limits of
  :class:`~geo.uploads.limits.UploadLimits`.
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
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from geo.errors import UploadError
from geo.uploads.limits import UploadLimits, megabytes
from geo.zipcheck import ARCHIVE_SUFFIXES as ARCHIVE_SUFFIXES
from geo.zipcheck import ZipRefused, ZipRules, check_members

_ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ")

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


def inspect_zip_bytes(data: bytes, limits: UploadLimits) -> list[zipfile.ZipInfo]:
    """The members of an uploaded zip archive, after checking it is safe to expand.

    Raises :class:`UploadError` for a damaged archive, unsafe names (``..``,
    absolute paths, drive letters, control characters), symbolic links,
    archives inside the archive, encrypted or repeated members, too many
    members, too large a total, or a zip bomb's compression ratio.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UploadError(f"The zip archive is damaged and cannot be opened ({exc}).") from None
    rules = ZipRules(
        max_members=limits.max_zip_members,
        max_uncompressed=limits.max_zip_uncompressed,
        max_ratio=limits.max_zip_ratio,
        strict=True,
    )
    try:
        check_members(members, rules)
    except ZipRefused as exc:
        raise UploadError(str(exc)) from None
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
