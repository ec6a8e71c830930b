"""Provenance: where every number came from.

Each dataset that goes into a region leaves one :class:`ProvenanceRecord`:
the dataset, its publisher, vintage and licence, the URL or local file it was
read from, how many rows were used, a checksum of the file, and notes on any
method applied (bridging, approximations, rows rejected).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import pandas as pd

from geo.checksums import file_sha256 as file_sha256  # re-exported for the source readers
from geo.progress import Progress as Progress  # re-exported: region, pipeline, CLI
from geo.sources.registry import Dataset, licence_name


@dataclass(frozen=True)
class ProvenanceRecord:
    """One dataset's contribution to a result."""

    dataset: str
    title: str
    publisher: str
    vintage: str
    licence: str
    attribution: str
    origin: str  # "download", "cache" or "local file"
    location: str  # URL or file path(s)
    rows: int
    retrieved: str
    sha256: str = ""
    note: str = ""

    @property
    def licence_name(self) -> str:
        """The licence's human name."""
        return licence_name(self.licence)

    def as_dict(self) -> dict[str, object]:
        """A plain dict, for tables and JSON."""
        return asdict(self)


@dataclass(frozen=True)
class Unavailable:
    """A dataset the region has no data from, and why."""

    dataset: str
    title: str
    reason: str


def record(
    dataset: Dataset,
    *,
    origin: str,
    location: str,
    rows: int,
    sha256: str = "",
    note: str = "",
) -> ProvenanceRecord:
    """A provenance record for a dataset as described in the registry."""
    return ProvenanceRecord(
        dataset=dataset.id,
        title=dataset.title,
        publisher=dataset.publisher,
        vintage=dataset.vintage,
        licence=dataset.licence,
        attribution=dataset.attribution,
        origin=origin,
        location=location,
        rows=int(rows),
        retrieved=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        sha256=sha256,
        note=note,
    )


def provenance_table(records: Iterable[ProvenanceRecord]) -> pd.DataFrame:
    """Records as a table with readable column names."""
    rows = [
        {
            "dataset": r.dataset,
            "title": r.title,
            "publisher": r.publisher,
            "vintage": r.vintage,
            "licence": r.licence_name,
            "from": r.origin,
            "location": r.location,
            "rows": r.rows,
            "sha256": r.sha256[:12],
            "note": r.note,
        }
        for r in records
    ]
    return pd.DataFrame(rows)


def attributions(records: Iterable[ProvenanceRecord]) -> list[str]:
    """The distinct attribution lines to show beside a map or in a report."""
    seen: dict[str, None] = {}
    for r in records:
        seen.setdefault(r.attribution, None)
    return list(seen)
