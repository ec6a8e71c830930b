"""Every case of the generated upload corpus, with its exact expected outcome."""

from __future__ import annotations

import re

import pytest

from geo.errors import UploadError
from geo.uploads import read_assets_upload, read_boundary_upload, read_indicators_upload
from tests.upload_corpus import CASES, Case, geocoder

READERS = {
    "assets": read_assets_upload,
    "indicators": read_indicators_upload,
    "boundary": read_boundary_upload,
}


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_upload_case(case: Case):
    options = dict(case.options)
    if options.get("geocoder") == "directory":
        options["geocoder"] = geocoder()
    data = case.build()
    reader = READERS[case.kind]
    if case.error is not None:
        with pytest.raises(UploadError, match=re.escape(case.error)):
            reader(data, case.filename, **options)
        return
    result = reader(data, case.filename, **options)
    assert result.loaded == case.loaded, result.rejections.to_string()
    assert result.rejected == case.rejected, result.rejections.to_string()
    assert result.outside_area == case.outside
    assert result.rows_in == result.loaded + len(result.rejections)
    if case.check is not None:
        case.check(result)
