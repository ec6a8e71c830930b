"""Tables read by Arrow (one record per line) give the same rows as the csv module."""

from __future__ import annotations

import pytest

from geo.uploads.limits import UploadLimits
from geo.uploads.line_tables import plain_records
from geo.uploads.tables import read_text_table

LIMITS = UploadLimits()


def test_quoted_cells_on_one_line_keep_text_row_numbers_and_blank_rows() -> None:
    data = b'code,name,note\r\n"E01000001","Hall, the",007\r\n\r\n,,\r\nE01000002,"Say ""hi""",\r\n'
    assert plain_records(data, ",", LIMITS.max_columns) is not None
    table = read_text_table(data, "utf-8", LIMITS)
    assert table.rows == [2, 5]
    assert table.frame.to_dict("list") == {
        "code": ["E01000001", "E01000002"],
        "name": ["Hall, the", 'Say "hi"'],
        "note": ["007", ""],
    }
    assert "2 blank row(s) were skipped." in table.notes


@pytest.mark.parametrize(
    "data",
    [
        b'a,b\n1,"two\nlines"\n3,4\n',  # a record over two lines
        b"a,b\n1,2,3\n4,5\n",  # a row wider than the header
        b"a,b\n1\n4,5\n",  # a short row
        b"\na,b\n1,2\n",  # a blank first line
    ],
)
def test_other_tables_are_left_to_the_csv_module(data: bytes) -> None:
    assert plain_records(data, ",", LIMITS.max_columns) is None


def test_a_cell_over_two_lines_keeps_the_row_numbers_people_see() -> None:
    table = read_text_table(b'a,b\n1,"two\nlines"\n3,4\n', "utf-8", LIMITS)
    assert table.rows == [2, 3]
    assert table.frame["b"].tolist() == ["two\nlines", "4"]


def test_a_first_row_of_data_is_read_without_a_header() -> None:
    table = read_text_table(b"E01000001,12\nE01000002,13\n", "utf-8", LIMITS)
    assert table.header is False
    assert table.rows == [1, 2]
    assert table.frame["column_2"].tolist() == ["12", "13"]
