"""Membership of area codes (geo.codes.in_index) agrees with pandas' isin."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from geo.codes import in_index

CODES = st.lists(st.sampled_from([f"E0100{i:04d}" for i in range(40)]), max_size=60)


@given(CODES, CODES)
def test_in_index_is_isin(codes, index):
    for dtype in ("str", object):
        a, b = pd.Index(codes, dtype=dtype), pd.Index(index, dtype=dtype)
        np.testing.assert_array_equal(in_index(a, b), a.isin(b))


def test_repeated_codes_on_either_side():
    got = in_index(pd.Index(["a", "b", "a", "c"]), pd.Index(["a", "a", "c"]))
    assert got.tolist() == [True, False, True, True]
