"""Reports on the real public data mirror, for every area it covers in full.

Rutland runs without the mirror too, on the built-in demo cut from it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from geo.cli import main
from geo.exports import read_csv
from geo.params import Parameters
from geo.pipeline import run_analysis
from geo.report import export_files

PROJECT = Path(__file__).resolve().parent.parent
SHARED_AREAS = [
    *(
        pytest.param(a, marks=pytest.mark.shared_data)
        for a in ("Manchester", "Trafford", "Blackpool", "Torridge")
    ),
    "Rutland",  # the mirror, or the built-in demo without it
]

pytestmark = [pytest.mark.slow]


def _ranked_codes(table, n: int = 3) -> list[str]:
    """The first rows of the report's ranked table, from the analysis table."""
    priority = table[table["is_priority"].astype(bool)]
    chosen = priority if len(priority) else table
    return chosen.sort_values("priority_rank")["lsoa21cd"].head(n).tolist()


def _assert_in_order(text: str, codes: list[str]) -> None:
    start = text.index("Priority gap areas, ranked", text.index("Contents") + 200)
    ranked = text[start:]
    positions = [ranked.index(code) for code in codes]
    assert positions == sorted(positions), codes


@pytest.mark.parametrize("area", SHARED_AREAS)
def test_report_renders_for_each_shared_area(request, area, tmp_path):
    settings = request.getfixturevalue(
        "rutland_settings" if area == "Rutland" else "shared_settings"
    )
    result = run_analysis(area, Parameters(permutations=99), settings=settings)
    paths = {p.suffix: p for p in export_files(result, tmp_path, ["pdf", "html"])}
    reader = PdfReader(paths[".pdf"])
    assert len(reader.pages) >= 8
    assert area in reader.pages[0].extract_text()
    text = "\n".join(page.extract_text() for page in reader.pages)
    _assert_in_order(text, _ranked_codes(result.table()))
    assert "Open Government Licence" in text
    html = paths[".html"].read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) == 4


@pytest.mark.shared_data
def test_cli_report_agrees_with_analyse(shared_settings, tmp_path):
    settings = shared_settings
    common = ["--sources", str(settings.sources_file), "--offline",
              "--cache-dir", str(settings.cache_dir), "--permutations", "99", "-q"]  # fmt: skip
    table_path = tmp_path / "blackpool.csv"
    assert main(["analyse", "--area", "Blackpool", "--out", str(table_path), *common],
                out=io.StringIO()) == 0  # fmt: skip
    out = tmp_path / "reports"
    printed = io.StringIO()
    code = main(["report", "--area", "Blackpool", "--out", str(out),
                 "--formats", "pdf,xlsx", *common], out=printed)  # fmt: skip
    assert code == 0, printed.getvalue()
    table = read_csv(table_path)
    table["is_priority"] = table["is_priority"].astype(str).eq("True")
    expected = _ranked_codes(table, n=len(table))
    folder = out / "E06000009"
    reader = PdfReader(next(folder.glob("*.pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    _assert_in_order(text, expected[:5])
    first_page = " ".join(reader.pages[0].extract_text().split())
    ranked = table.set_index("lsoa21cd").loc[expected[:5]]
    top_wards = ranked.loc[ranked["is_priority"], "ward_name"].drop_duplicates().head(3)
    assert len(top_wards)
    for ward in top_wards:  # page 1 names the wards of the first priority areas
        assert ward in first_page, ward
    book = openpyxl.load_workbook(next(folder.glob("*.xlsx")), read_only=True)
    rows = list(book["priority_gaps"].iter_rows(values_only=True))
    header = list(rows[0])
    codes = [r[header.index("lsoa21cd")] for r in rows[1:]]
    assert codes == expected[: len(codes)] and len(codes) == int(table["is_priority"].sum())
