"""Indices of Deprivation loaders and the LSOA 2011 → 2021 bridge."""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest

from geo.errors import SchemaError
from geo.sources.deprivation import (
    DOMAINS,
    STANDARD_COLUMNS,
    bridge_lsoa11_to_lsoa21,
    decile_from_rank,
    read_iod2019,
    read_iod2025,
)
from geo.sources.lookups import read_lsoa11_lsoa21_lookup

_RANK = "Rank (where 1 is most deprived)"
_DEC = "Decile (where 1 is most deprived 10% of LSOAs)"
_NAMES = {
    "imd": "Index of Multiple Deprivation (IMD)",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_env": "Living Environment",
}


def _file7_header(year=2021, lad_year=2024, pop="mid 2022"):
    """The official File 7 columns, in an order unlike the reconstruction's."""
    cols = [
        f"LSOA code ({year})",
        f"LSOA name ({year})",
        f"Local Authority District code ({lad_year})",
        f"Local Authority District name ({lad_year})",
    ]
    for key, name in _NAMES.items():
        score = f"{name} Score" + (" (rate)" if key in ("income", "employment") else "")
        cols += [score, f"{name} {_RANK}", f"{name} {_DEC}"]
    cols += [
        "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
        f"Income Deprivation Affecting Children Index (IDACI) {_RANK}",
        f"Income Deprivation Affecting Children Index (IDACI) {_DEC}",
        "Income Deprivation Affecting Older People (IDAOPI) Score (rate)",
        f"Income Deprivation Affecting Older People (IDAOPI) {_RANK}",
        f"Income Deprivation Affecting Older People (IDAOPI) {_DEC}",
        "Children and Young People Sub-domain Score",
        f"Geographical Barriers Sub-domain {_RANK}",
        f"Wider Barriers Sub-domain {_DEC}",
        f"Total population: {pop}",
        f"Dependent Children aged 0-15: {pop}",
        f"Older population aged 60 and over: {pop}",
        f"Working age population 18-66 (for use with Employment Deprivation Domain): {pop}",
    ]
    return cols


def _file7_row(code, base):
    row = [code, f"Somewhere {code[-3:]}", "E08000009", "Trafford"]
    for i, _ in enumerate(_NAMES):
        row += [f"{base + i / 10:.3f}", f"{1000 * (i + 1) + base:,}", str(min(10, i + 1))]
    row += ["0.123", "2,500", "1", "0.456", "3001", "1", "0.5", "7", "3"]
    row += ["1,523", "300", "400", "900"]
    return row


def _write_csv(path, header, rows, bom=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_official_file7_layout(tmp_path):
    header = _file7_header()
    rows = [_file7_row("E01006109", 5), _file7_row("E01006110", 9)]
    # Shuffle the columns: the loader must not care about order.
    order = list(reversed(range(len(header))))
    path = _write_csv(
        tmp_path / "f7.csv", [header[i] for i in order], [[r[i] for i in order] for r in rows], True
    )
    iod = read_iod2025(path)
    assert iod.index.name == "lsoa21cd"
    assert list(iod.columns[:3]) == ["lsoa21nm", "lad_code", "lad_name"]
    for column in STANDARD_COLUMNS:
        assert column in iod.columns
    row = iod.loc["E01006109"]
    assert row["imd_score"] == pytest.approx(5.0)
    assert row["imd_rank"] == 1005  # "1,005" with a thousands separator
    assert row["income_score"] == pytest.approx(5.1)
    assert row["living_env_decile"] == 8
    assert row["idaci_score"] == pytest.approx(0.123) and row["idaci_rank"] == 2500
    assert row["idaopi_score"] == pytest.approx(0.456)
    assert row["population_total"] == 1523
    assert row["population_60plus"] == 400
    assert row["population_working_age"] == 900
    assert row["lad_code"] == "E08000009"
    assert iod["imd_rank"].dtype == "Int64" and iod["imd_score"].dtype == "float64"
    assert not any("sub" in c for c in iod.columns)  # sub-domains are ignored
    assert any("33,755" in n for n in iod.attrs["notes"])  # a subset: warned, not failed


def test_humaniverse_layout_equals_official(tmp_path):
    header = ["lsoa21_code"] + [
        f"{k}_{kind}"
        for kind in ("decile", "rank", "score")
        for k in (
            "IMD",
            "Income",
            "Employment",
            "Education",
            "Health",
            "Crime",
            "Housing_and_Services",
            "Environment",
        )
    ]
    values = {
        "decile": [8, 10, 10, 10, 10, 10, 9, 1],
        "rank": [26525, 33730, 33708, 33755, 33108, 33698, 29220, 244],
    }
    values["score"] = [8.742, 0.013, 0.014, 0.004, -1.771, -2.22, 10.95, 69.345]
    row = ["E01000001"] + [v for kind in ("decile", "rank", "score") for v in values[kind]]
    iod = read_iod2025(_write_csv(tmp_path / "h.csv", header, [row]))
    expected = {}
    for i, key in enumerate(("imd", *DOMAINS)):
        for kind in ("score", "rank", "decile"):
            expected[f"{key}_{kind}"] = values[kind][i]
    got = iod.loc["E01000001", list(expected)].to_dict()
    assert got == pytest.approx(expected)


def test_missing_imd_score_is_named(tmp_path):
    header = [h for h in _file7_header() if h != "Index of Multiple Deprivation (IMD) Score"]
    row = _file7_row("E01006109", 5)[:4] + _file7_row("E01006109", 5)[5:]
    with pytest.raises(SchemaError) as err:
        read_iod2025(_write_csv(tmp_path / "f7.csv", header, [row]))
    message = str(err.value)
    assert "f7.csv" in message and "'imd_score'" in message
    assert "Index of Multiple Deprivation (IMD) Score" in message
    assert "LSOA code (2021)" in message  # among the columns found


def test_bad_decile_and_wrong_vintage(tmp_path):
    header = _file7_header()
    row = _file7_row("E01006109", 5)
    row[6] = "11"
    with pytest.raises(SchemaError, match="outside 1–10"):
        read_iod2025(_write_csv(tmp_path / "bad.csv", header, [row]))
    old = _file7_header(2011, 2019, "mid 2015 (excluding prisoners)")
    with pytest.raises(SchemaError, match="read_iod2019"):
        read_iod2025(_write_csv(tmp_path / "old.csv", old, [_file7_row("E01006109", 5)]))
    bad_number = _file7_row("E01006109", 5)
    bad_number[4] = "n/a"
    with pytest.raises(SchemaError, match="not numbers"):
        read_iod2025(_write_csv(tmp_path / "nan.csv", header, [bad_number]))


FILE1 = (
    "\ufeffLSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\r\n"
    'E01000001,City of London 001A,E09000001,City of London,"29,199",9\r\n'
    'E01000002,City of London 001B,E09000001,City of London,"30,379",10\r\n'
)
FILE6 = (
    "\ufeffLSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Total population: mid 2015 (excluding prisoners),"
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners),"
    "Population aged 16-59: mid 2015 (excluding prisoners),"
    "Older population aged 60 and over: mid 2015 (excluding prisoners),"
    "Working age population 18-59/64: for use with Employment Deprivation Domain "
    "(excluding prisoners)\r\n"
    'E01000001,City of London 001A,E09000001,City of London,"1,296",175,656,465,715\r\n'
    'E01000002,City of London 001B,E09000001,City of London,"1,156",182,580,394,620\r\n'
)
MYSOCIETY = (
    "nation,lsoa,overall_local_score,income_score,employment_score,UK_IMD_E_score,"
    "original_decile,E_expanded_decile,UK_IMD_E_rank,UK_IMD_E_pop_decile,UK_IMD_E_pop_quintile\n"
    "N,95ZZ06W1,75.19204448526636,25.8,53.0,123.0,1,1,1.0,1,1\n"
    "E,E01000001,6.208,0.7000000000000001,1.0,6.208,9,9,37850.5,9,5\n"
    "E,E01000002,5.143,3.4000000000000004,2.7,5.143,10,10,39378.0,10,5\n"
)


def test_iod2019_parts_merge(tmp_path):
    paths = []
    for name, text in (("f1.csv", FILE1), ("f6.csv", FILE6), ("uk.csv", MYSOCIETY)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    iod = read_iod2019(paths)
    assert iod.index.name == "lsoa11cd"
    assert list(iod.index) == ["E01000001", "E01000002"]  # Northern Ireland row dropped
    row = iod.loc["E01000001"]
    assert row["imd_rank"] == 29199 and row["imd_decile"] == 9
    assert row["imd_score"] == pytest.approx(6.208)
    assert row["income_score"] == pytest.approx(0.007)  # 0.7 % → rate
    assert row["employment_score"] == pytest.approx(0.010)
    assert row["population_total"] == 1296 and row["population_60plus"] == 465
    assert row["lsoa11nm"] == "City of London 001A" and row["lad_code"] == "E09000001"
    assert pd.isna(row["crime_score"])
    assert iod["population_total"].dtype == "Int64"


def test_iod2019_parts_that_disagree(tmp_path):
    a = tmp_path / "f1.csv"
    a.write_text(FILE1)
    b = tmp_path / "f1b.csv"
    b.write_text(FILE1.replace('"29,199",9', '"29,100",9'))
    with pytest.raises(SchemaError, match="disagree on imd_rank"):
        read_iod2019([a, b])


def test_iod2019_rejects_unrecognised_part(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("LSOA code (2011),Something else\nE01000001,1\n")
    with pytest.raises(SchemaError, match="no IoD score"):
        read_iod2019([path])
    other = tmp_path / "y.csv"
    other.write_text("code,value\nE01000001,1\n")
    with pytest.raises(SchemaError, match="'lsoa_code'"):
        read_iod2019(other)


# ---------------------------------------------------------------- the bridge


@pytest.fixture()
def bridge_case():
    lookup = pd.DataFrame(
        [
            ("A11", "A21", "U"),
            ("B11", "B21a", "S"),
            ("B11", "B21b", "S"),
            ("C11", "M21", "M"),
            ("D11", "M21", "M"),
            ("E11", "X1", "X"),
            ("E11", "X2", "X"),
            ("F11", "X2", "X"),
            ("G11", "G21", "U"),
        ],
        columns=["lsoa11cd", "lsoa21cd", "change_code"],
    )
    values = pd.DataFrame(
        {
            "imd_score": [10.0, 20.0, 30.0, 60.0, 40.0, 80.0],
            "imd_rank": pd.array([100, 5000, 10000, 20000, 30000, 20000], dtype="Int64"),
            "imd_decile": pd.array([1, 2, 4, 7, 10, 7], dtype="Int64"),
            "population_total": pd.array([50, 400, 100, 300, 200, 600], dtype="Int64"),
            "lad_name": ["a", "b", "c", "d", "e", "f"],
        },
        index=pd.Index(["A11", "B11", "C11", "D11", "E11", "F11"], name="lsoa11cd"),
    )
    return values, lookup


def test_bridge_by_hand_with_population_weights(bridge_case):
    values, lookup = bridge_case
    result = bridge_lsoa11_to_lsoa21(values, lookup, weights=values["population_total"])
    f = result.frame
    assert f.index.name == "lsoa21cd"
    assert list(f.columns) == ["imd_score", "imd_rank", "imd_decile", "population_total"]
    # U copies; S gives each child the parent's value; counts are shared out.
    assert f.loc["A21", ["imd_score", "imd_rank", "imd_decile"]].tolist() == [10, 100, 1]
    for child in ("B21a", "B21b"):
        assert f.loc[child, ["imd_score", "imd_rank", "imd_decile"]].tolist() == [20, 5000, 2]
        assert f.loc[child, "population_total"] == 200
    # M: population-weighted mean of C (100) and D (300).
    assert f.loc["M21", "imd_score"] == pytest.approx((30 * 100 + 60 * 300) / 400)  # 52.5
    assert f.loc["M21", "imd_rank"] == pytest.approx(17500)
    assert f.loc["M21", "imd_decile"] == math.ceil(17500 * 10 / 32844) == 6
    assert f.loc["M21", "population_total"] == 400
    # X: E (200) maps to X1 and X2, so gives each 100; F (600) maps to X2 only.
    assert f.loc["X1", "imd_score"] == pytest.approx(40)
    assert f.loc["X1", "imd_decile"] == 10
    assert f.loc["X2", "imd_score"] == pytest.approx((40 * 100 + 80 * 600) / 700)
    assert f.loc["X2", "imd_rank"] == pytest.approx((30000 * 100 + 20000 * 600) / 700)
    assert f.loc["X2", "imd_decile"] == math.ceil(21428.571 * 10 / 32844) == 7
    assert f.loc["X1", "population_total"] == 100 and f.loc["X2", "population_total"] == 700
    # G11 has no value: G21 is empty, not zero.
    assert f.loc["G21"].isna().all()
    report = result.report
    assert report.by_change_code == {"U": 2, "S": 2, "M": 1, "X": 2}
    assert report.pairs_by_change_code == {"U": 2, "S": 2, "M": 2, "X": 3}
    assert report.n_areas == 7 and report.n_without_value == 1
    assert report.weights == "population" and report.dropped_columns == ("lad_name",)
    assert f["imd_decile"].dtype == "Int64"


def test_bridge_equal_weights(bridge_case):
    values, lookup = bridge_case
    f = bridge_lsoa11_to_lsoa21(values, lookup).frame
    assert f.loc["M21", "imd_score"] == pytest.approx(45)
    # E's unit weight is halved between X1 and X2; F's is whole.
    assert f.loc["X2", "imd_score"] == pytest.approx((40 * 0.5 + 80 * 1) / 1.5)


def test_bridge_needs_the_lookup_columns(bridge_case):
    values, lookup = bridge_case
    with pytest.raises(SchemaError, match="change_code"):
        bridge_lsoa11_to_lsoa21(values, lookup.drop(columns="change_code"))


def test_decile_from_rank():
    assert decile_from_rank(1) == 1
    assert decile_from_rank(3284) == 1 and decile_from_rank(3285) == 2
    assert decile_from_rank(32844) == 10


# ---------------------------------------------------------------- real files

IOD19 = "imd2019_england/"


def _raw_rows(path, codes):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return {
            row["LSOA code (2011)"]: row
            for row in csv.DictReader(fh)
            if row["LSOA code (2011)"] in codes
        }


SAMPLE = ["E01000001", "E01005061", "E01006109", "E01033583", "E01021988"]


@pytest.mark.shared_data
def test_real_iod2019_files_1_2_6(shared_data):
    f1 = shared_data / IOD19 / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
    f2 = shared_data / IOD19 / "File_2_-_IoD2019_Domains_of_Deprivation.csv"
    f6 = shared_data / IOD19 / "File_6_-_IoD2019_Population_Denominators.csv"
    one, two, six = read_iod2019(f1), read_iod2019([f2]), read_iod2019([f6])
    for frame in (one, two, six):
        assert len(frame) == 32_844 and frame.index.is_unique
    raw1, raw2, raw6 = _raw_rows(f1, SAMPLE), _raw_rows(f2, SAMPLE), _raw_rows(f6, SAMPLE)
    for code in SAMPLE:
        assert one.loc[code, "imd_rank"] == int(
            raw1[code]["Index of Multiple Deprivation (IMD) Rank"].replace(",", "")
        )
        assert one.loc[code, "imd_decile"] == int(
            raw1[code]["Index of Multiple Deprivation (IMD) Decile"]
        )
        for key, name in _NAMES.items():
            assert two.loc[code, f"{key}_rank"] == int(raw2[code][f"{name} {_RANK}"])
            assert two.loc[code, f"{key}_decile"] == int(raw2[code][f"{name} {_DEC}"])
        total = raw6[code]["Total population: mid 2015 (excluding prisoners)"]
        assert six.loc[code, "population_total"] == int(total.replace(",", ""))
        older = raw6[code]["Older population aged 60 and over: mid 2015 (excluding prisoners)"]
        assert six.loc[code, "population_60plus"] == int(older.replace(",", ""))
        assert six.loc[code, "lsoa11nm"] == raw6[code]["LSOA name (2011)"]
    # The bridge's decile rule reproduces every official decile from its rank.
    for key in _NAMES:
        recomputed = np.ceil(two[f"{key}_rank"].astype(float) * 10 / 32_844).astype(int)
        assert (recomputed == two[f"{key}_decile"].astype(int)).all()


@pytest.fixture(scope="module")
def iod2019(shared_data):
    return read_iod2019(
        [
            shared_data / IOD19 / "File_2_-_IoD2019_Domains_of_Deprivation.csv",
            shared_data / IOD19 / "File_6_-_IoD2019_Population_Denominators.csv",
            shared_data / "uk_deprivation/mysociety_composite_uk_imd/UK_IMD_E.csv",
        ]
    )


@pytest.mark.shared_data
def test_real_mysociety_scores(iod2019):
    assert len(iod2019) == 32_844
    e1 = iod2019.loc["E01000001"]
    assert e1["imd_score"] == pytest.approx(6.208)
    assert e1["income_score"] == pytest.approx(0.007)
    assert e1["employment_score"] == pytest.approx(0.010)
    assert iod2019["income_score"].between(0, 1).all()
    assert iod2019["employment_score"].between(0, 1).all()
    # Higher score ⇔ more deprived ⇔ smaller official rank (File 2), for every LSOA.
    for key in ("imd", "income", "employment"):
        ordered = iod2019.sort_values(f"{key}_rank")[f"{key}_score"].to_numpy()
        assert (np.diff(ordered) <= 1e-9).all()


@pytest.mark.shared_data
def test_real_iod2025(shared_data):
    path = shared_data / "imd2025_england/File_7_IoD2025_reconstructed.csv"
    iod = read_iod2025(path)
    assert len(iod) == 33_755 and iod.attrs["notes"] == []
    for key in ("imd", *DOMAINS):
        counts = iod[f"{key}_decile"].value_counts()
        assert sorted(counts.index) == list(range(1, 11))
        assert counts.min() >= 3_375 and counts.max() <= 3_376
        assert iod[f"{key}_rank"].between(1, 33_755).all()
    # The IMD ranks are a permutation (a few domain ranks are tied in the source).
    assert sorted(iod["imd_rank"]) == list(range(1, 33_756))
    with open(path, newline="", encoding="utf-8-sig") as fh:
        raw = {
            r["LSOA code (2021)"]: r for r in csv.DictReader(fh) if r["LSOA code (2021)"] in SAMPLE
        }
    for code, row in raw.items():
        assert iod.loc[code, "imd_score"] == float(row["Index of Multiple Deprivation (IMD) Score"])
        assert iod.loc[code, "income_score"] == float(row["Income Score (rate)"])
        assert iod.loc[code, "crime_rank"] == int(row[f"Crime {_RANK}"])
    humaniverse = read_iod2025(
        shared_data / "imd2025_england/humaniverse_imd2025_england_lsoa21.csv"
    )
    pd.testing.assert_frame_equal(humaniverse.sort_index(), iod.sort_index(), check_like=True)


@pytest.mark.shared_data
def test_real_bridge_national(shared_data, iod2019):
    lookup = read_lsoa11_lsoa21_lookup(
        shared_data / "lookups/geographr_lookup_lsoa11_lsoa21_ltla22.csv"
    )
    values = iod2019.drop(columns=["lsoa11nm", "lad_code", "lad_name"])
    result = bridge_lsoa11_to_lsoa21(values, lookup, weights=iod2019["population_total"])
    report = result.report
    assert report.pairs_by_change_code == {"U": 33_647, "S": 1_900, "M": 239, "X": 9}
    assert report.by_change_code == {"U": 33_647, "S": 1_900, "M": 119, "X": 6}
    assert report.n_areas == 35_672 and report.n_without_value == 1_917  # Welsh areas
    frame = result.frame
    english = frame[frame.index.str.startswith("E01")]
    assert len(english) == 33_755
    for column in ("imd_score", "imd_rank", "imd_decile", "income_score", "crime_decile"):
        assert english[column].notna().all(), column
    assert english["imd_decile"].between(1, 10).all()
    # Unchanged areas carry their 2011 values exactly.
    unchanged = lookup.loc[lookup["change_code"] == "U"].set_index("lsoa21cd")["lsoa11cd"]
    unchanged = unchanged[unchanged.str.startswith("E")]
    for column in ("imd_score", "imd_rank", "imd_decile", "population_total"):
        got = english.loc[unchanged.index, column].astype("float64").to_numpy()
        want = iod2019.loc[unchanged.to_numpy(), column].astype("float64").to_numpy()
        assert np.array_equal(got, want), column
    # Population is conserved: every English 2011 person lands in some 2021 area.
    assert english["population_total"].sum() == pytest.approx(iod2019["population_total"].sum())
