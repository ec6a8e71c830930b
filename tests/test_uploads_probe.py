"""Files from an attacker-style probe of the upload readers, each with its exact outcome."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest

from geo.errors import UploadError
from geo.uploads import read_assets_upload
from tests.upload_corpus import xlsx, zip_of

PLACES = [["name", "category", "lat", "lon"]] + [
    [f"Hall {i}", "village hall", 53.48, -2.24 + i / 1000] for i in range(300)
]


def _patched_sheet(data: bytes, change) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = change(
        members["xl/worksheets/sheet1.xml"].decode()
    ).encode()
    return zip_of(members)


def padded_xlsx() -> bytes:
    """A workbook whose <dimension> declares 16,384 columns and 1,048,575 rows."""
    return _patched_sheet(
        xlsx({"Places": PLACES}),
        lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048575"', xml),
    )


def far_cell_xlsx() -> bytes:
    """Every row has one more value, in the last column Excel allows (XFD)."""
    return _patched_sheet(
        xlsx({"Places": PLACES}),
        lambda xml: re.sub(
            r'(<row r="(\d+)"[^>]*>)(.*?)</row>', r'\1\3<c r="XFD\2" t="n"><v>1</v></c></row>', xml
        ),
    )


def test_declared_sheet_dimensions_are_ignored():
    start = time.process_time()
    result = read_assets_upload(padded_xlsx(), "places.xlsx")
    assert time.process_time() - start < 5  # padded to 16,384 columns this took minutes
    assert (result.rows_in, result.loaded) == (300, 300)
    assert result.detected.columns == ("name", "category", "lat", "lon")


def test_a_value_past_the_column_cap_refuses_the_sheet():
    with pytest.raises(
        UploadError,
        match=re.escape(
            "Row 1 has a value in column 16,384; a sheet may have at most 1,000 columns"
        ),
    ):
        read_assets_upload(far_cell_xlsx(), "places.xlsx")


def test_a_csv_wider_than_the_column_cap_is_refused():
    data = b"a" + b",a" * 5000 + b"\n1,2\n"
    with pytest.raises(
        UploadError,
        match=re.escape(
            "Row 1 of the table has 5,001 cells; a table may have at most 1,000 columns"
        ),
    ):
        read_assets_upload(data, "wide.csv")
