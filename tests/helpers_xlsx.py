"""Workbooks changed at the XML level, as an attacker would: padded dimensions, far cells."""

from __future__ import annotations

import io
import re
import zipfile

from tests.upload_corpus import xlsx, zip_of

PLACES = [["name", "category", "lat", "lon"]] + [
    [f"Hall {i}", "village hall", 53.48, -2.24 + i / 1000] for i in range(300)
]


def patched_sheet(data: bytes, change) -> bytes:
    """``data`` (a workbook) with its first sheet's XML passed through ``change``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = change(
        members["xl/worksheets/sheet1.xml"].decode()
    ).encode()
    return zip_of(members)


def padded_xlsx() -> bytes:
    """A workbook whose <dimension> declares 16,384 columns and 1,048,575 rows."""
    return patched_sheet(
        xlsx({"Places": PLACES}),
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048575"', xml),
    )


def far_cell_xlsx() -> bytes:
    """Every row has one more value, in the last column Excel allows (XFD)."""
    return patched_sheet(
        xlsx({"Places": PLACES}),
        lambda xml: re.sub(
            r'(<row r="(\d+)"[^>]*>)(.*?)</row>', r'\1\3<c r="XFD\2" t="n"><v>1</v></c></row>', xml
        ),
    )
