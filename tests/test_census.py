"""Census 2021 tables (every layout → one wide frame) and the indicators built from them."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from geo.errors import SchemaError
from geo.sources.census import (
    INDICATORS,
    TABLES,
    census_indicators,
    indicator_table,
    label_key,
    normalise_label,
    read_census_table,
)

# --- Nomis bulk, old style: everything quoted, "; measures: Value" suffix, a comma in a label.
_P = "Marital and civil partnership status"
TS002_QUOTED = (
    f'"date","geography","geography code","{_P}: Total; measures: Value",'
    f'"{_P}: Never married and never registered a civil partnership; measures: Value",'
    f'"{_P}: Married or in a registered civil partnership; measures: Value",'
    f'"{_P}: Separated, but still legally married or still legally in a civil partnership; '
    'measures: Value",'
    f'"{_P}: Divorced or civil partnership dissolved; measures: Value",'
    f'"{_P}: Widowed or surviving civil partnership partner; measures: Value"\n'
    '"2021","Hartlepool 001A","E01011954",100,40,30,5,10,15\n'
    '"2021","Hartlepool 001B","E01011955",200,50,100,10,20,20\n'
    '"2021","Cardiff 001A","W01001701",10,10,0,0,0,0\n'
)

# --- Nomis bulk, new style: unquoted, no suffix, "Total: All usual residents".
TS037_PLAIN = (
    "date,geography,geography code,General health: Total: All usual residents,"
    "General health: Very good health,General health: Good health,General health: Fair health,"
    "General health: Bad health,General health: Very bad health\n"
    "2021,City of London 001A,E01000001,1475,859,468,119,18,11\n"
    "2021,City of London 001B,E01000002,1384,806,420,118,30,10\n"
    "2021,City of London 001C,E01000003,1613,800,545,183,59,26\n"
)

_HC = "Household composition"
_TS003_LABELS = [
    "Total",
    "One person household",
    "One person household: Aged 66 years and over",
    "One person household: Other",
    "Single family household",
    "Other household types",
]
_TS003_ROWS = [
    ("E01000001", [837, 418, 102, 316, 340, 79]),
    ("E01000002", [830, 400, 100, 300, 380, 50]),
]


def _ts003_csv(quoted: bool) -> str:
    if quoted:
        header = ['"date"', '"geography"', '"geography code"'] + [
            f'"{_HC}: {label}; measures: Value"' for label in _TS003_LABELS
        ]
        rows = [
            ",".join(['"2021"', f'"Area {code}"', f'"{code}"', *map(str, values)])
            for code, values in _TS003_ROWS
        ]
    else:
        header = ["date", "geography", "geography code"] + [
            f"{_HC}: {lab}" for lab in _TS003_LABELS
        ]
        rows = [",".join(["2021", f"Area {c}", c, *map(str, v)]) for c, v in _TS003_ROWS]
    return ",".join(header) + "\n" + "\n".join(rows) + "\n"


# --- Nomis API CSV (data.csv), long, with Percent rows and the API's "One-person" wording.
_API_COLUMNS = (
    "DATE,DATE_NAME,DATE_CODE,DATE_TYPE,DATE_TYPECODE,DATE_SORTORDER,GEOGRAPHY,GEOGRAPHY_NAME,"
    "GEOGRAPHY_CODE,GEOGRAPHY_TYPE,GEOGRAPHY_TYPECODE,GEOGRAPHY_SORTORDER,C2021_HHCOMP_15,"
    "C2021_HHCOMP_15_NAME,C2021_HHCOMP_15_CODE,C2021_HHCOMP_15_TYPE,C2021_HHCOMP_15_TYPECODE,"
    "C2021_HHCOMP_15_SORTORDER,MEASURES,MEASURES_NAME,OBS_VALUE,OBS_STATUS,OBS_STATUS_NAME,"
    "OBS_CONF,OBS_CONF_NAME,URI,RECORD_OFFSET,RECORD_COUNT"
)
_API_LABELS = [
    (0, "Total: All households"),
    (1001, "One-person household"),
    (1, "One-person household: Aged 66 years and over"),
    (2, "One-person household: Other"),
    (1002, "Single family household"),
    (1007, "Other household types"),
]


def _api_csv() -> str:
    lines = [_API_COLUMNS]
    offset = 0
    for g, (code, values) in enumerate(_TS003_ROWS):
        for (cat, label), value in zip(_API_LABELS, values, strict=True):
            for measure, name, obs in ((20100, "Value", value), (20301, "Percent", 12.5)):
                lines.append(
                    f'2021,2021,2021,date,0,0,{1254000000 + g},"Area {code}",{code},'
                    f'"2021 super output areas - lower layer",151,{g},{cat},"{label}",{cat},'
                    f'"{label}",0,{cat},{measure},{name},{obs},A,Normal Value,F,Free (free for '
                    f"publication),https://www.nomisweb.co.uk/api/v01/dataset/nm_2023_1,{offset},24"
                )
                offset += 1
    return "\n".join(lines) + "\n"


def _frame(data, codes=("A", "B")):
    return pd.DataFrame(
        {k: pd.array(v, dtype="Int64") for k, v in data.items()},
        index=pd.Index(list(codes), name="lsoa21cd"),
    )


def test_nomis_bulk_quoted_with_comma_in_label(tmp_path):
    path = tmp_path / "census2021-ts002-lsoa.csv"
    path.write_text(TS002_QUOTED)
    table = read_census_table(path, table="ts002")
    assert table.index.name == "lsoa21cd"
    assert list(table.index) == ["E01011954", "E01011955", "W01001701"]
    assert list(table.columns) == [
        "Total",
        "Never married and never registered a civil partnership",
        "Married or in a registered civil partnership",
        "Separated, but still legally married or still legally in a civil partnership",
        "Divorced or civil partnership dissolved",
        "Widowed or surviving civil partnership partner",
    ]
    assert (table.dtypes == "Int64").all()
    assert table.loc["E01011955", "Widowed or surviving civil partnership partner"] == 20
    assert table.attrs["layout"] == "Nomis bulk"


def test_nomis_bulk_plain_style(tmp_path):
    path = tmp_path / "census2021-ts037-lsoa.csv"
    path.write_text(TS037_PLAIN)
    table = read_census_table(path, table="TS037")
    assert list(table.columns) == [
        "Total",
        "Very good health",
        "Good health",
        "Fair health",
        "Bad health",
        "Very bad health",
    ]
    assert table.loc["E01000001"].tolist() == [1475, 859, 468, 119, 18, 11]


def test_both_header_styles_give_the_same_frame(tmp_path):
    quoted, plain = tmp_path / "q.csv", tmp_path / "p.csv"
    quoted.write_text(_ts003_csv(True))
    plain.write_text(_ts003_csv(False))
    a = read_census_table(quoted, table="ts003")
    b = read_census_table(plain, table="ts003")
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == _TS003_LABELS


def test_nomis_api_long_csv_pivots_to_the_bulk_labels(tmp_path):
    api = read_census_table(_api_csv().encode(), table="ts003")
    bulk = tmp_path / "b.csv"
    bulk.write_text(_ts003_csv(False))
    expected = read_census_table(bulk, table="ts003")
    assert api.attrs["layout"] == "Nomis API"
    pd.testing.assert_frame_equal(api, expected)  # Percent rows dropped, labels normalised


def test_bulk_zip_member(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("census2021-ts037-ctry.csv", "date,geography\n")
        archive.writestr("census2021-ts037-lsoa.csv", TS037_PLAIN)
    table = read_census_table(buffer.getvalue(), table="ts037")
    assert len(table) == 3 and table.loc["E01000003", "Bad health"] == 59


def test_demographr_long_with_total_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "lsoa21_code,disability,n,total_residents,prop\n"
        "E01000001,Disabled under the Equality Act,152,1475,0.103\n"
        "E01000001,Not disabled under the Equality Act,1323,1475,0.897\n"
        "E01000002,Disabled under the Equality Act,100,1000,0.1\n"
        "E01000002,Not disabled under the Equality Act,900,1000,0.9\n"
    )
    table = read_census_table(path, table="ts038")
    assert list(table.columns) == [
        "Total",
        "Disabled under the Equality Act",
        "Not disabled under the Equality Act",
    ]
    assert table.loc["E01000001"].tolist() == [1475, 152, 1323]


def test_long_leaf_categories_rebuild_parents_and_total(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(
        "area_code,area_name,geography,period,indicator,measure,unit,value\n"
        "E01006109,Trafford 001A,LSOA,2021-03-21,One-person household: Aged 66 years and over,"
        "Count,Households,55\n"
        "E01006109,Trafford 001A,LSOA,2021-03-21,One-person household: Other,Count,Households,229\n"
        "E01006109,Trafford 001A,LSOA,2021-03-21,Other household types: With dependent children,"
        "Count,Households,6\n"
    )
    table = read_census_table(path, table="ts003")
    assert table.loc["E01006109", "One person household"] == 284
    assert table.loc["E01006109", "Other household types"] == 6
    assert table.loc["E01006109", "Total"] == 290
    assert any("rebuilt" in n for n in table.attrs["notes"])


def test_missing_columns_and_wrong_table(tmp_path):
    path = tmp_path / "nocode.csv"
    path.write_text("date,geography,General health: Very good health\n2021,x,5\n")
    with pytest.raises(SchemaError) as err:
        read_census_table(path, table="ts037")
    message = str(err.value)
    assert "nocode.csv" in message and "'LSOA code'" in message and "geography code" in message
    assert "'General health: Very good health'" in message
    wrong = tmp_path / "ts037.csv"
    wrong.write_text(TS037_PLAIN)
    with pytest.raises(SchemaError, match="'General health', not TS003"):
        read_census_table(wrong, table="ts003")
    with pytest.raises(SchemaError, match="Unknown Census table"):
        read_census_table(wrong, table="ts999")
    api = _api_csv().replace("C2021_HHCOMP_15_NAME", "LABEL")
    with pytest.raises(SchemaError, match="C2021_HHCOMP_15_NAME"):
        read_census_table(api.encode(), table="ts003")


def test_not_lsoa_rows_are_refused(tmp_path):
    path = tmp_path / "la.csv"
    path.write_text(
        TS037_PLAIN.replace("E01000001", "E08000001")
        .replace("E01000002", "E08000002")
        .replace("E01000003", "E08000003")
    )
    with pytest.raises(SchemaError, match="no LSOA 2021 rows"):
        read_census_table(path, table="ts037")


def test_normalise_label():
    assert normalise_label(f"{_HC}: Total; measures: Value", _HC) == "Total"
    assert normalise_label("Total: All usual residents aged 5 and over") == "Total"
    assert normalise_label("One-person household: Other") == "One person household: Other"
    assert label_key("Day-to-day activities limited a lot") == label_key(
        "Day to day activities limited  a lot"
    )


def test_indicators_by_hand():
    tables = {
        "ts001": _frame({"Total": [1000, 2000]}),
        "TS003": _frame(
            {
                "Total": [400, 0],
                "One person household": [100, 0],
                "One person household: Aged 66 years and over": [40, 0],
            }
        ),
        "ts007a": _frame(
            {
                "Total": [1000],
                "Aged 15 to 19 years": [50],
                "Aged 20 to 24 years": [60],
                "Aged 65 to 69 years": [30],
                "Aged 70 to 74 years": [20],
                "Aged 75 to 79 years": [10],
                "Aged 80 to 84 years": [5],
                "Aged 85 years and over": [5],
            },
            codes=["A"],
        ),
        "ts017": _frame(
            {
                "Total": [10],
                "0 people in household": [0],
                "1 person in household": [4],
                "2 people in household": [3],
                "3 people in household": [1],
                "4 people in household": [0],
                "5 people in household": [0],
                "6 people in household": [0],
                "7 people in household": [0],
                "8 or more people in household": [2],
            },
            codes=["A"],
        ),
        "ts039": _frame({"Total": [900], "Provides no unpaid care": [810]}, codes=["A"]),
        # Only the child categories of tenure: the indicator falls back to summing them.
        "ts054": _frame(
            {
                "Total": [100],
                "Social rented: Rents from council or Local Authority": [10],
                "Social rented: Other social rented": [5],
                "Private rented: Private landlord or letting agency": [20],
                "Private rented: Other private rented": [5],
                "Lives rent free": [3],
            },
            codes=["A"],
        ),
    }
    result = census_indicators(tables, include_unavailable=True)
    f = result.frame
    assert list(f.columns) == [i.name for i in INDICATORS]
    assert list(f.index) == ["A", "B"] and f.index.name == "lsoa21cd"
    a = f.loc["A"]
    assert a["population"] == 1000 and f.loc["B", "population"] == 2000
    assert a["households"] == 400
    assert a["pct_one_person_hh"] == pytest.approx(0.25)
    assert a["one_person_66plus"] == 40 and a["pct_one_person_66plus"] == pytest.approx(0.10)
    assert np.isnan(f.loc["B", "pct_one_person_hh"])  # 0 households → NaN, not 0
    assert a["pop_65plus"] == 70 and a["pop_75plus"] == 20 and a["pop_85plus"] == 5
    assert a["pct_65plus"] == pytest.approx(0.07)
    assert a["pop_16_24"] == pytest.approx(0.8 * 50 + 60)
    assert a["pct_16_24"] == pytest.approx(0.1)
    assert a["mean_household_size"] == pytest.approx((4 + 6 + 3 + 16) / 10)
    assert a["carers"] == 90 and a["pct_carers"] == pytest.approx(0.1)
    assert a["renting"] == 40 and a["pct_renting"] == pytest.approx(0.4)
    assert a["pct_social_rented"] == pytest.approx(0.15)
    assert a["pct_private_rented"] == pytest.approx(0.25)
    # Absent tables: NaN, never 0, and a note saying so.
    assert f["pct_no_car"].isna().all() and f["disabled"].isna().all()
    assert f["pct_widowed"].isna().all()
    assert f.loc["B", "pop_65plus"] is pd.NA  # B is not in TS007A
    notes = "\n".join(result.notes)
    assert "TS045 (Number of cars or vans) not available: no_car, pct_no_car" in notes
    assert "TS038" in notes and "TS002" in notes
    assert "4/5 of the 15–19 band" in notes and "counted as 8" in notes
    assert "TS003 (Household composition; All households): households" in notes
    assert f["population"].dtype == "Int64" and f["pct_renting"].dtype == "float64"
    # By default, indicators that could not be computed are left out (and noted).
    available = census_indicators(tables)
    assert "pct_no_car" not in available.frame and "disabled" not in available.frame
    assert "pct_renting" in available.frame
    pd.testing.assert_frame_equal(available.frame, f[list(available.frame.columns)])
    assert available.notes == result.notes


def test_indicator_table_documents_every_indicator():
    table = indicator_table()
    assert list(table["name"]) == [i.name for i in INDICATORS]
    row = table.set_index("name").loc["carers"]
    assert row["table"] == "TS039" and row["numerator"] == "'Total' − 'Provides no unpaid care'"
    assert "0.8×'Aged 15 to 19 years'" in table.set_index("name").loc["pop_16_24", "numerator"]
    for ind in INDICATORS:
        assert ind.table in TABLES


# ---------------------------------------------------------------- real files

BULK = "census2021_national_lsoa21/nomis_bulk"
FILES = {
    "ts001": "census2021-ts001-lsoa.csv",
    "ts002": "census2021-ts002-lsoa..csv",
    "ts003": "census2021-ts003-lsoa.csv",
    "ts007a": "census2021-ts007a-lsoa.csv",
    "ts017": "census2021-ts017-lsoa.csv",
    "ts037": "census2021-ts037-lsoa.csv",
    "ts039": "census2021-ts039-lsoa.csv",
    "ts045": "census2021-ts045-lsoa.csv",
    "ts054": "census2021-ts054-lsoa.csv",
}
QUOTED = {"ts001", "ts002", "ts003", "ts017"}


@pytest.fixture(scope="module")
def national(shared_data):
    tables = {
        key: read_census_table(shared_data / BULK / name, table=key) for key, name in FILES.items()
    }
    tables["ts038"] = read_census_table(
        shared_data / "census/demographr_disability21_lsoa21_ew.csv", table="ts038"
    )
    return tables


@pytest.mark.shared_data
def test_real_bulk_tables(shared_data, national):
    for key, table in national.items():
        spec = TABLES[key]
        assert len(table) == 35_672, key
        assert table.index.is_unique and table.index.str.match(r"^[EW]01\d{6}$").all()
        assert table.columns[0] == "Total"
        assert (table.dtypes == "Int64").all()
        assert table.notna().all().all()
        for label in table.columns:
            assert "measures" not in label and not label.startswith(spec.title + ":"), label
    # Both header styles: the raw files really differ, the frames look alike.
    ts003_head = (shared_data / BULK / FILES["ts003"]).read_text()[:200]
    ts037_head = (shared_data / BULK / FILES["ts037"]).read_text()[:200]
    assert "; measures: Value" in ts003_head and '"' in ts003_head
    assert "measures" not in ts037_head and '"' not in ts037_head.split("\n")[0]
    assert "Total" in national["ts003"] and "Total" in national["ts037"]


@pytest.mark.shared_data
def test_real_one_person_66plus_total(national):
    ts003 = national["ts003"]
    assert int(ts003["One person household: Aged 66 years and over"].sum()) == 3_197_919
    # Parents are the sum of their children; the total is the sum of the top level.
    one = ts003["One person household"]
    parts = (
        ts003["One person household: Aged 66 years and over"] + ts003["One person household: Other"]
    )
    assert (one == parts).all()
    top = ts003[["One person household", "Single family household", "Other household types"]]
    assert (top.sum(axis=1) == ts003["Total"]).all()
    ts039 = national["ts039"]
    assert (
        ts039["Provides 19 hours or less unpaid care a week"]
        == ts039["Provides 9 hours or less unpaid care a week"]
        + ts039["Provides 10 to 19 hours unpaid care a week"]
    ).all()


TRAFFORD = "census/trafford_census2021_trafforddatalab"


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("ts003", "2021_household_composition_lsoa_trafford.csv"),
        ("ts007a", "2021_population_by_5_year_age_bands_lsoa_trafford.csv"),
        ("ts017", "2021_household_size_lsoa_trafford.csv"),
        ("ts037", "2021_general_health_lsoa_trafford.csv"),
        ("ts039", "2021_unpaid_care_lsoa_trafford.csv"),
    ],
)
def test_real_trafford_tidy_equals_bulk(shared_data, national, key, name):
    tidy = read_census_table(shared_data / TRAFFORD / name, table=key)
    assert len(tidy) == 139
    bulk = national[key].loc[tidy.index]
    common = [c for c in bulk.columns if c in tidy.columns]
    assert "Total" in common and len(common) >= len(tidy.columns)
    pd.testing.assert_frame_equal(tidy[common], bulk[common], check_names=False, check_like=True)


@pytest.mark.shared_data
def test_real_trafford_disability_matches_demographr(shared_data, national):
    tidy = read_census_table(
        shared_data / TRAFFORD / "2021_disability_lsoa_trafford.csv", table="ts038"
    )
    demo = national["ts038"].loc[tidy.index]
    for column in ("Total", "Disabled under the Equality Act"):
        assert (tidy[column] == demo[column]).all()


@pytest.mark.shared_data
def test_real_demographr_tenure_equals_bulk(shared_data, national):
    tenure = read_census_table(
        shared_data / "census2021_national_lsoa21/demographr_household_tenure21_lsoa21_ew.csv.gz",
        table="ts054",
    )
    bulk = national["ts054"]
    assert len(tenure) == 35_672
    for column in ("Total", "Social rented", "Private rented", "Owned: Owns outright"):
        assert (tenure[column] == bulk[column]).all(), column


@pytest.mark.shared_data
def test_real_indicators(national):
    result = census_indicators(national)
    f = result.frame
    assert len(f) == 35_672
    english = f[f.index.str.startswith("E01")]
    assert len(english) == 33_755
    assert english.notna().all().all()
    assert int(f["one_person_66plus"].sum()) == 3_197_919
    for column in [c for c in f.columns if c.startswith("pct_")]:
        assert f[column].between(0, 1).all(), column
    assert f["mean_household_size"].between(1, 10).all()
    # National one-person-66+ share: 3,197,919 / 24,783,340 households ≈ 12.9 %.
    share = f["one_person_66plus"].sum() / f["households"].sum()
    assert share == pytest.approx(3_197_919 / 24_783_340)
    assert not any("not available" in n for n in result.notes)


@pytest.mark.shared_data
def test_real_indicators_from_leaf_categories_only(national):
    """A file listing only leaf categories (as API extracts may) gives the same indicators."""
    parents = {
        "Widowed or surviving civil partnership partner",
        "Divorced or civil partnership dissolved",
        "Separated, but still legally married or still legally in a civil partnership",
    }
    ts002 = national["ts002"]
    full = census_indicators({"ts002": ts002}).frame
    leaves = census_indicators({"ts002": ts002.drop(columns=list(parents))}).frame
    pd.testing.assert_frame_equal(full, leaves)
