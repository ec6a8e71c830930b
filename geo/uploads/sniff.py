"""What an upload really is, from its first bytes, never from its name.

:func:`sniff` returns a :class:`Sniffed` naming one of the accepted formats:

===================  =======================================================
``format``           recognised by
===================  =======================================================
``table``            text that is not JSON or XML (CSV, TSV, semicolon or
                     pipe separated), in UTF-8 (with or without BOM),
                     UTF-16 with BOM, or Windows-1252
``xlsx``             a zip with ``[Content_Types].xml`` and ``xl/`` members
``shapefile_zip``    a zip with at least one ``.shp`` member
``kmz``              a zip with a ``.kml`` member (and no ``.shp``)
``gpkg``             the SQLite header ``SQLite format 3`` and the GeoPackage
                     application id
``geojson``          JSON text with a ``"type"`` member
``kml``              XML text whose root element is ``<kml``
===================  =======================================================

Everything else is refused with an :class:`~geo.errors.UploadError` saying
what the file seems to be: GDAL virtual datasets (VRT, whatever their name),
other XML and JSON, old Excel ``.xls`` files, gzip, PDF, images, web pages and
other binary data.  Zip archives are inspected
(:func:`~geo.uploads.safety.inspect_zip_bytes`) before their member names are
trusted.  When the file name's extension disagrees with the content, the
content wins and a note says so.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from geo.errors import UploadError
from geo.uploads.limits import UploadLimits
from geo.uploads.safety import check_xlsx_members, inspect_zip_bytes

LABELS = {
    "table": "delimited text table (CSV/TSV)",
    "xlsx": "Excel workbook (.xlsx)",
    "shapefile_zip": "zipped shapefile",
    "kmz": "KMZ (zipped KML)",
    "gpkg": "GeoPackage",
    "geojson": "GeoJSON",
    "kml": "KML",
}
TABLE_FORMATS = frozenset({"table", "xlsx"})
VECTOR_FORMATS = frozenset({"shapefile_zip", "kmz", "gpkg", "geojson", "kml"})

_EXPECTED_SUFFIX = {
    "table": {".csv", ".tsv", ".txt", ".tab", ".psv", ".dat"},
    "xlsx": {".xlsx", ".xlsm"},
    "shapefile_zip": {".zip"},
    "kmz": {".kmz", ".zip"},
    "gpkg": {".gpkg"},
    "geojson": {".geojson", ".json"},
    "kml": {".kml"},
}
_BINARY_MAGIC = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel .xls (or other Office 97-2003) file: save it as .xlsx or CSV",
    ),
    (b"\x1f\x8b", "a gzip-compressed file: decompress it first"),
    (b"%PDF", "a PDF document, not a data file"),
    (b"\x89PNG", "a PNG image, not a data file"),
    (b"\xff\xd8\xff", "a JPEG image, not a data file"),
    (b"GIF8", "a GIF image, not a data file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: upload a .zip instead"),
    (b"Rar!", "a RAR archive: upload a .zip instead"),
    (b"BZh", "a bzip2-compressed file: decompress it first"),
    (b"\xfd7zXZ", "an xz-compressed file: decompress it first"),
    (b"PAR1", "a Parquet file, which uploads do not accept: save it as CSV or GeoPackage"),
    (b"\x00\x00\x27\x0a", "a bare .shp file: zip the .shp with its .shx, .dbf and .prj"),
)
_SQLITE = b"SQLite format 3\x00"
_GPKG_IDS = (b"GPKG", b"GP10", b"GP11")


@dataclass(frozen=True)
class Sniffed:
    """The format of an upload, and for text its encoding."""

    format: str
    encoding: str | None = None
    members: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return LABELS[self.format]


def detect_encoding(data: bytes) -> tuple[str, str]:
    """The text encoding of ``data`` and how it was found.

    Byte-order marks first (UTF-8, UTF-16 LE/BE; UTF-32 is refused), then
    UTF-16 without a mark (every other byte zero), then strict UTF-8, and
    Windows-1252 (what Excel on Windows writes) for anything else.
    """
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        raise UploadError("The file is UTF-32 text; save it as UTF-8 (CSV UTF-8 in Excel).")
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with a byte-order mark"
    if data.startswith(codecs.BOM_UTF16_LE):
        return "utf-16", "UTF-16 little-endian with a byte-order mark"
    if data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", "UTF-16 big-endian with a byte-order mark"
    head = data[:4096]
    if len(head) >= 4:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le", "UTF-16 little-endian (no byte-order mark)"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be", "UTF-16 big-endian (no byte-order mark)"
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    try:  # validated in 1 MB steps so the whole text is never held at once
        for start in range(0, len(data), step):
            decoder.decode(data[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252", "Windows-1252 (it is not valid UTF-8)"
    return "utf-8", "UTF-8"


def decode_text(data: bytes, encoding: str) -> str:
    """Decode with the detected encoding; undecodable bytes become U+FFFD."""
    text = data.decode(encoding, errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _head_text(data: bytes, encoding: str, size: int = 8192) -> str:
    chunk = data[: size * (2 if "16" in encoding else 1)]
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(chunk, final=False).lstrip("\ufeff \t\r\n")


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return controls > max(8, len(text) // 100)


def _sniff_zip(data: bytes, limits: UploadLimits) -> tuple[str, tuple[str, ...]]:
    members = inspect_zip_bytes(data, limits)
    names = [m.filename for m in members if not m.is_dir()]
    lowered = [n.casefold() for n in names]
    if "[content_types].xml" in lowered and any(n.startswith("xl/") for n in lowered):
        check_xlsx_members(names)
        return "xlsx", tuple(names)
    if "[content_types].xml" in lowered:
        raise UploadError(
            "The file is a Word, PowerPoint or other Office document, not a spreadsheet; "
            "upload an .xlsx workbook or a CSV."
        )
    suffixes = {PurePosixPath(n).suffix.lower() for n in names}
    if ".shp" in suffixes:
        return "shapefile_zip", tuple(names)
    if ".kml" in suffixes:
        return "kmz", tuple(names)
    shown = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
    if suffixes & {".vrt", ".ovf"}:
        raise UploadError(
            "The zip archive holds a GDAL virtual dataset (.vrt), which can make the server "
            "read other files; it is refused."
        )
    raise UploadError(
        f"The zip archive holds no shapefile (.shp), KML or workbook ({shown or 'no files'}). "
        "Zip the .shp, .shx, .dbf and .prj files of a shapefile, or upload a CSV, XLSX, "
        "GeoJSON, GeoPackage or KML file."
    )


def _refuse_xml(head: str) -> None:
    lowered = head[:4096].lower()
    if "<ogrvrtdatasource" in lowered or "<vrtdataset" in lowered:
        raise UploadError(
            "The file is a GDAL virtual dataset (VRT), whatever its name says. A VRT can make "
            "the server read other files or fetch web addresses, so it is refused."
        )
    if "<!doctype html" in lowered or "<html" in lowered:
        raise UploadError("The file is a web page (HTML), not a data file.")
    if "<!entity" in lowered:
        raise UploadError("The XML file declares entities, which are refused (XML bomb risk).")


def sniff(data: bytes, filename: str = "", limits: UploadLimits | None = None) -> Sniffed:
    """Recognise an upload's format from its content.

    ``filename`` is only compared with the content, to add a note when its
    extension disagrees; it is never opened.
    """
    limits = limits or UploadLimits()
    if re.search(rb"[^\s]", data) is None:
        raise UploadError("The file is empty. Choose the file again, or check it saved.")
    result: Sniffed
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        fmt, members = _sniff_zip(data, limits)
        result = Sniffed(fmt, members=members)
    elif data.startswith(_SQLITE):
        if data[68:72] not in _GPKG_IDS:
            raise UploadError(
                "The file is an SQLite database but not a GeoPackage; save the layer as a "
                "GeoPackage (.gpkg)."
            )
        result = Sniffed("gpkg")
    else:
        for magic, what in _BINARY_MAGIC:
            if data.startswith(magic):
                raise UploadError(f"The file is {what}.")
        encoding, _how = detect_encoding(data)
        head = _head_text(data, encoding)
        if _looks_binary(head):
            raise UploadError(
                "The file is binary data of a kind the atlas does not read. Upload CSV, TSV, "
                "XLSX, GeoJSON, GeoPackage, KML or a zipped shapefile."
            )
        if head.startswith(("{", "[")):
            if not re.search(r'"type"\s*:', head) and '"type"' not in decode_text(
                data[:200_000], encoding
            ):
                raise UploadError(
                    'The file is JSON but not GeoJSON (no "type" member). Upload GeoJSON, '
                    "or a CSV with coordinate columns."
                )
            result = Sniffed("geojson", encoding=encoding)
        elif head.startswith("<"):
            _refuse_xml(head)
            body = re.sub(r"^(<\?xml[^>]*>|<!--.*?-->|\s)*", "", head, flags=re.S)
            if re.match(r"<(\w+:)?kml[\s>]", body, re.IGNORECASE):
                result = Sniffed("kml", encoding=encoding)
            else:
                root = re.match(r"<([\w:.-]+)", body)
                raise UploadError(
                    f"The file is XML ({'<' + root.group(1) + '>' if root else 'unknown root'}) "
                    "but not KML. Upload KML, GeoJSON, GeoPackage or a zipped shapefile."
                )
        else:
            result = Sniffed("table", encoding=encoding)
    suffix = PurePosixPath(str(filename or "")).suffix.lower()
    if suffix and suffix not in _EXPECTED_SUFFIX[result.format]:
        note = (
            f"The file is named '*{suffix}' but its content is {LABELS[result.format]}; "
            "it was read as what it contains."
        )
        result = Sniffed(result.format, result.encoding, result.members, (note,))
    return result
