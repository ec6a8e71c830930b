"""The one zip inspector: the same checks for data-source archives and uploads."""

from __future__ import annotations

import io
import zipfile

import pytest

from geo.errors import DataSourceError, UploadError
from geo.sources.osm_shpzip import inspect_zip
from geo.uploads.limits import UploadLimits
from geo.uploads.safety import inspect_zip_bytes
from geo.zipcheck import ZipRefused, ZipRules, check_members


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _infos(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.infolist()


@pytest.mark.parametrize(
    ("members", "rules", "message"),
    [
        ({"../evil.csv": "a"}, ZipRules(), "unsafe member name"),
        ({"/etc/passwd": "a"}, ZipRules(), "unsafe member name"),
        ({"C:/x.csv": "a"}, ZipRules(), "unsafe member name"),
        ({f"f{i}.csv": "a" for i in range(4)}, ZipRules(max_members=3), "4 members"),
        ({"big.csv": "0" * 3_000_000}, ZipRules(), "zip bomb"),
        ({"a.csv": "x" * 5000}, ZipRules(max_uncompressed=4000, max_ratio=1e9), "would expand to"),
        ({"inner.zip": "PK"}, ZipRules(strict=True), "another archive"),
        ({"a\x01.csv": "a"}, ZipRules(strict=True), "unsafe name"),
    ],
)
def test_each_rule_refuses(members, rules, message):
    with pytest.raises(ZipRefused, match=message):
        check_members(_infos(_zip(members)), rules)


def test_a_nested_archive_is_refused_only_when_strict():
    infos = _infos(_zip({"inner.zip": "PK"}))
    check_members(infos, ZipRules())  # a data-source bundle may hold one


def test_sources_and_uploads_refuse_the_same_bomb(tmp_path):
    data = _zip({"big.csv": "0" * 3_000_000})
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    with pytest.raises(DataSourceError, match="zip bomb"):
        inspect_zip(path)
    with pytest.raises(UploadError, match="zip bomb"):
        inspect_zip_bytes(data, UploadLimits())
