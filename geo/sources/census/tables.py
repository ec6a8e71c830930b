"""The Census 2021 topic summaries the atlas reads: :data:`TABLES`."""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import SchemaError


@dataclass(frozen=True)
class CensusTable:
    """A Census 2021 topic summary table.

    Attributes
    ----------
    code
        ONS table code, e.g. ``"TS003"``.
    title
        The variable's name, which prefixes every category in the Nomis bulk
        headers (``"Household composition"``).
    universe
        Who or what is counted; the ``Total`` column counts all of them.
    nomis_id
        Nomis API dataset id (``https://www.nomisweb.co.uk/api/v01/dataset/<id>.data.csv``).
    dimension
        Nomis category dimension (query parameter; ``<DIMENSION>_NAME`` is the
        label column of the API CSV).
    labels
        Category labels the indicators use (checked to recognise the table).
    subtotals
        Parent categories whose children are not written ``Parent: child``.
    optional
        The analysis runs without this table.
    """

    code: str
    title: str
    universe: str
    nomis_id: str
    dimension: str
    labels: tuple[str, ...]
    subtotals: tuple[str, ...] = ()
    optional: bool = False

    @property
    def bulk_zip(self) -> str:
        """Name of the Nomis bulk zip (``https://www.nomisweb.co.uk/output/census/2021/<name>``)."""
        return f"census2021-{self.code.lower()}.zip"

    @property
    def bulk_member(self) -> str:
        """Name of the LSOA-level CSV inside the bulk zip."""
        return f"census2021-{self.code.lower()}-lsoa.csv"


# Nomis dataset ids and dimensions: NM_2021_1 (TS001) is documented by Nomis;
# the others were read from several independent projects that query the API
# (dataset ids and <dimension>_NAME columns agree across them) and match the
# ids in geo/data/sources.toml. Nomis lists them at /api/v01/dataset/def.sdmx.json?search=*TS0xx*.
TABLES: dict[str, CensusTable] = {
    "ts001": CensusTable(
        "TS001",
        "Residence type",
        "All usual residents",
        "NM_2021_1",
        "c2021_restype_3",
        ("Lives in a household", "Lives in a communal establishment"),
    ),
    "ts002": CensusTable(
        "TS002",
        "Marital and civil partnership status",
        "All usual residents aged 16 and over",
        "NM_2022_1",
        "c2021_lpstat_12",
        (
            "Never married and never registered a civil partnership",
            "Widowed or surviving civil partnership partner",
            "Divorced or civil partnership dissolved",
        ),
    ),
    "ts003": CensusTable(
        "TS003",
        "Household composition",
        "All households",
        "NM_2023_1",
        "c2021_hhcomp_15",
        ("One person household", "One person household: Aged 66 years and over"),
    ),
    "ts007a": CensusTable(
        "TS007A",
        "Age",
        "All usual residents",
        "NM_2020_1",
        "c2021_age_19",
        ("Aged 65 to 69 years", "Aged 85 years and over", "Aged 15 to 19 years"),
    ),
    "ts017": CensusTable(
        "TS017",
        "Household size",
        "All household spaces (the '0 people' category is empty: = households)",
        "NM_2037_1",
        "c2021_hhsize_10",
        ("1 person in household", "2 people in household", "8 or more people in household"),
    ),
    "ts037": CensusTable(
        "TS037",
        "General health",
        "All usual residents",
        "NM_2055_1",
        "c2021_health_6",
        ("Very good health", "Bad health", "Very bad health"),
    ),
    "ts038": CensusTable(
        "TS038",
        "Disability",
        "All usual residents",
        "NM_2056_1",
        "c2021_disability_5",
        (
            "Disabled under the Equality Act",
            "Disabled under the Equality Act: Day-to-day activities limited a lot",
        ),
    ),
    "ts039": CensusTable(
        "TS039",
        "Provision of unpaid care",
        "All usual residents aged 5 and over",
        "NM_2057_1",
        "c2021_carer_7",
        ("Provides no unpaid care",),
        subtotals=(
            "Provides 19 hours or less unpaid care a week",
            "Provides 20 to 49 hours unpaid care a week",
        ),
    ),
    "ts045": CensusTable(
        "TS045",
        "Number of cars or vans",
        "All households",
        "NM_2063_1",
        "c2021_cars_5",
        ("No cars or vans in household",),
        optional=True,
    ),
    "ts054": CensusTable(
        "TS054",
        "Tenure of household",
        "All households",
        "NM_2072_1",
        "c2021_tenure_9",
        ("Social rented", "Private rented", "Social rented: Other social rented"),
    ),
}


def table_spec(table: str) -> CensusTable:
    key = str(table).strip().lower()
    if key not in TABLES:
        raise SchemaError(
            f"Unknown Census table {table!r}; known tables: "
            + ", ".join(t.code for t in TABLES.values())
            + "."
        )
    return TABLES[key]
