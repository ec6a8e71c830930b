"""Column-wise cleaning of names, addresses and tags matches the per-cell rules."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from geo.uploads import asset_text as T
from geo.uploads.asset_rows import first_part, name_text, text

CELLS = [
    "Village Hall",
    "  Village   Hall ",
    "Hall<br>High Street",
    "Hall <BR/> 1 Road, Town",
    ", Hall ,",
    "Caf\u00e9 na N\u00f3g",
    "Hall\u00a0Two",
    "tab\tand\nnewline",
    "n/a",
    "UNKNOWN",
    "",
    'Say "hi" \\ back',
    "bell\x07 cell",
    "Stra\u00dfe",
    "<script>alert(1)</script>",
    None,
    float("nan"),
    12,
]


def test_text_columns_match_the_cell_functions() -> None:
    assert T.text_column(CELLS).to_pylist() == [text(c) for c in CELLS]
    assert T.name_column(CELLS).to_pylist() == [name_text(c) for c in CELLS]
    assert T.first_part_column(CELLS).to_pylist() == [first_part(c) for c in CELLS]


def test_casefold_and_json_text_match_python() -> None:
    cells = pa.array([str(c) for c in CELLS])
    assert T.casefold(cells).to_pylist() == [str(c).casefold() for c in CELLS]
    assert T.json_text(cells).to_pylist() == [json.dumps(str(c), ensure_ascii=False) for c in CELLS]


def test_tags_are_the_json_of_each_row() -> None:
    columns = {"name": ["A", 'B "b"'], "note": ["caf\u00e9", ""]}
    tags = T.tags_column(columns, np.arange(2)).to_pylist()
    assert [json.loads(t) for t in tags] == [
        {"name": "A", "note": "caf\u00e9"},
        {"name": 'B "b"', "note": ""},
    ]
    row = {"name": "A", "note": "caf\u00e9"}
    assert tags[0] == json.dumps(row, ensure_ascii=False, separators=(",", ":"))
