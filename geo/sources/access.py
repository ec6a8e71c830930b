"""Obtaining datasets: a local file named in a sources file, or a download.

:class:`DataAccess` is the one place that decides, per dataset, whether it is
read from a local copy or fetched from its official endpoint (through
:mod:`geo.net`, which caches every download on disk).  Each method returns the
typed frame the loaders produce plus a :class:`~geo.provenance.ProvenanceRecord`.

Offline (``Settings.offline``), :meth:`DataAccess.check_available` lists every
dataset with neither a local copy nor a cached download, so the user gets one
message naming all of them and how to supply them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.config import Settings
from geo.errors import DataSourceError, OfflineError
from geo.progress import Progress
from geo.provenance import ProvenanceRecord, record
from geo.sources import boundaries, census, lookups
from geo.sources.nationalfiles import (
    cached_census_table,
    cached_iod2019,
    cached_iod2025,
    cached_lsoa11_lsoa21_lookup,
    cached_lsoa21_lookup,
    cached_sha256,
)
from geo.sources.registry import Dataset, Sources, load_sources

log = logging.getLogger(__name__)

#: Datasets without which no region can be assembled.
REQUIRED = ("lsoa21_lookup", "lsoa21_boundaries")

#: Census tables, in the order they are read.
CENSUS_DATASETS = (
    "census_ts001",
    "census_ts002",
    "census_ts003",
    "census_ts007a",
    "census_ts017",
    "census_ts037",
    "census_ts038",
    "census_ts039",
    "census_ts045",
    "census_ts054",
)

#: Above this many areas, Nomis is asked for every LSOA (TYPE151) at once.
_NOMIS_NATIONAL_THRESHOLD = 2000


@dataclass(frozen=True)
class Loaded:
    """A dataset read for a region, and its provenance."""

    frame: Any
    provenance: ProvenanceRecord


class DataAccess:
    """Reads or downloads datasets for a region.

    Parameters
    ----------
    settings
        Where the cache is, whether to stay offline, timeouts.
    sources
        The registry with any sources file applied (read from
        ``settings.sources_file`` when not given).
    client
        An :class:`geo.net.HttpClient`; created on first need.
    progress
        Called as ``progress(label, done, total)``.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sources: Sources | None = None,
        client: Any = None,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.sources = sources if sources is not None else load_sources(settings.sources_file)
        self._client = client
        self._progress = progress

    # -- plumbing -------------------------------------------------------

    @property
    def client(self) -> Any:
        """The HTTP client (created lazily so offline runs never build one)."""
        if self._client is None:
            from geo.net import HttpClient

            self._client = HttpClient(self.settings)
        return self._client

    def report(self, label: str, done: int, total: int | None) -> None:
        if self._progress is not None:
            self._progress(label, done, total)

    def _byte_progress(self, label: str) -> Progress:
        """The network layer's progress, reported under this dataset's label."""
        return lambda _what, done, total: self.report(label, done, total)

    def dataset(self, dataset_id: str) -> Dataset:
        """The registry entry, as the sources file describes its local copy."""
        return self.sources.dataset(dataset_id)

    def local_paths(self, dataset_id: str, lads: Sequence[str] = ()) -> list[Path] | None:
        """Local files for a dataset, or ``None``."""
        return self.sources.local_paths(dataset_id, lads)

    def _local_record(
        self, dataset_id: str, paths: Sequence[Path], rows: int, note: str = ""
    ) -> ProvenanceRecord:
        dataset = self.dataset(dataset_id)
        notes = [n for n in (self.sources.note(dataset_id), note) if n]
        return record(
            dataset,
            origin="local file",
            location="; ".join(str(p) for p in paths),
            rows=rows,
            sha256=cached_sha256(tuple(paths)),
            note=" ".join(notes),
        )

    def _online_record(
        self, dataset_id: str, rows: int, *, location: str = "", sha256: str = "", note: str = ""
    ) -> ProvenanceRecord:
        dataset = self.dataset(dataset_id)
        return record(
            dataset,
            origin="download",
            location=location or dataset.url,
            rows=rows,
            sha256=sha256,
            note=note,
        )

    def _online(self, dataset_id: str) -> dict[str, Any]:
        dataset = self.dataset(dataset_id)
        if not dataset.online:
            configured = self.sources.local.get(dataset_id)
            where = f" (looked for: {configured.describe()})" if configured else ""
            raise DataSourceError(
                f"No local file for {dataset.title}{where}, and it has no online source. "
                "Name a file for it in a sources file (see data/sources.shared.toml)."
            )
        return dict(dataset.online)

    # -- availability ---------------------------------------------------

    def check_available(
        self, dataset_ids: Iterable[str], lads: Sequence[str] = ()
    ) -> list[tuple[str, str]]:
        """Datasets that cannot be had right now, with the reason.

        Online, only datasets with neither a local copy nor an online source
        are listed.  Offline, datasets without a local copy are listed too
        (cached downloads are checked when they are read).
        """
        missing: list[tuple[str, str]] = []
        for dataset_id in dataset_ids:
            dataset = self.dataset(dataset_id)
            paths = self.local_paths(dataset_id, lads)
            if paths:
                continue
            configured = self.sources.local.get(dataset_id)
            if configured is not None:
                missing.append(
                    (dataset_id, f"the sources file names {configured.describe()}, not found")
                )
            elif dataset.online is None:
                missing.append((dataset_id, "no online source; name a local file for it"))
            elif self.settings.offline and not self._cached(dataset):
                missing.append((dataset_id, "offline and not downloaded before"))
        return missing

    def _cached(self, dataset: Dataset) -> bool:
        # A file download keyed by its URL (or a mirror's) may already be in the cache.
        online = dataset.online or {}
        if online.get("kind") != "file":
            return True  # queries are keyed by area; checked when read
        try:
            return any(self.client.cached(u) for u in [online["url"], *online.get("mirrors", [])])
        except AttributeError:
            return False

    def require(self, dataset_ids: Iterable[str], lads: Sequence[str] = ()) -> None:
        """Fail fast, naming every required dataset that cannot be had."""
        missing = self.check_available(dataset_ids, lads)
        if not missing:
            return
        lines = [f"  - {self.dataset(d).title} [{d}]: {why}" for d, why in missing]
        how = (
            "Supply local copies in a sources file (ATLAS_SOURCES or --sources; "
            "data/sources.shared.toml is an example)"
            + (
                f", or run online (offline mode is on: {self.settings.offline_because})."
                if self.settings.offline
                else "."
            )
        )
        raise OfflineError("These datasets are not available:\n" + "\n".join(lines) + "\n" + how)

    # -- datasets -------------------------------------------------------

    def _layer(
        self,
        dataset_id: str,
        label: str,
        *,
        read_local: Callable[[list[Path]], Any],
        read_online: Callable[[bytes], Any],
        lads: Sequence[str] = (),
        codes: Sequence[str] | None = None,
    ) -> Loaded:
        """A dataset that is a local file or an ArcGIS layer (whole, or by codes)."""
        self.report(label, 0, 1)
        paths = self.local_paths(dataset_id, lads)
        if paths:
            frame = read_local(paths)
            rec = self._local_record(dataset_id, paths, len(frame))
        else:
            online = self._online(dataset_id)
            data = self.client.arcgis_features(
                online["url"],
                out_fields=online.get("out_fields", "*"),
                order_by=online.get("order_by"),
                codes_field=online.get("codes_field") if codes is not None else None,
                codes=sorted(codes) if codes is not None else None,
                progress=self._byte_progress(label),
            )
            frame = read_online(_json_bytes(data))
            rec = self._online_record(dataset_id, len(frame))
        self.report(label, 1, 1)
        return Loaded(frame, rec)

    def lsoa21_lookup(self) -> Loaded:
        """LSOA 2021 → ward → local authority lookup for England and Wales."""
        try:
            return self._layer(
                "lsoa21_lookup",
                "LSOA → local authority lookup",
                read_local=lambda paths: cached_lsoa21_lookup(paths[0]),
                read_online=lookups.read_lsoa21_lookup,
            )
        except OfflineError as exc:
            raise self._offline_with_others(exc, "lsoa21_lookup") from None

    def _offline_with_others(self, exc: OfflineError, dataset_id: str) -> OfflineError:
        """``exc``, naming too every other dataset without a local copy.

        The lookup is read first, before the area is known: when it is missing
        offline, the user learns at once what else needs a local copy.
        """
        others = [
            d for d in self.sources.datasets if d != dataset_id and d not in self.sources.local
        ]
        if not others:
            return exc
        lines = [
            f"  - {self.dataset(d).title} [{d}]{' (required)' if d in REQUIRED else ''}"
            for d in others
        ]
        return OfflineError(
            f"{exc}\nThese datasets have no local copy either, so offline they can only come "
            "from the cache of an earlier online run:\n" + "\n".join(lines)
        )

    def lsoa11_lsoa21_lookup(self) -> Loaded:
        """LSOA 2011 → 2021 lookup with change codes."""
        return self._layer(
            "lsoa11_lsoa21_lookup",
            "LSOA 2011 → 2021 lookup",
            read_local=lambda paths: cached_lsoa11_lsoa21_lookup(paths[0]),
            read_online=lookups.read_lsoa11_lsoa21_lookup,
        )

    def lad_regions(self) -> Loaded:
        """Local authority → region code (England): a Series indexed by ``lad_code``."""
        read = lookups.read_lad_regions
        return self._layer(
            "lad_regions",
            "Local authority → region lookup",
            read_local=lambda p: read(p[0]),
            read_online=read,
        )

    def lsoa21_boundaries(self, codes: Sequence[str], lads: Sequence[str]) -> Loaded:
        """LSOA 2021 polygons (EPSG:27700) for the given codes."""
        return self._layer(
            "lsoa21_boundaries",
            "LSOA 2021 boundaries",
            read_local=lambda paths: _concat_geo(
                [boundaries.read_lsoa21_boundaries(p, codes=codes) for p in paths]
            ),
            read_online=lambda raw: boundaries.read_lsoa21_boundaries(raw, codes=codes),
            lads=lads,
            codes=codes,
        )

    def lsoa21_centroids(self, codes: Sequence[str], lads: Sequence[str]) -> Loaded:
        """Population-weighted centroids (EPSG:27700 points) for the given codes."""
        read = boundaries.read_lsoa21_centroids
        return self._one_file_layer(
            "lsoa21_centroids", "population-weighted centroids", read, lads, codes
        )

    def lad_boundaries(self, lads: Sequence[str]) -> Loaded:
        """Local authority polygons (EPSG:27700)."""
        read = boundaries.read_lad_boundaries
        return self._one_file_layer(
            "lad_boundaries", "local authority boundaries", read, lads, lads
        )

    def _one_file_layer(
        self,
        dataset_id: str,
        label: str,
        read: Callable[..., Any],
        lads: Sequence[str],
        codes: Sequence[str],
    ) -> Loaded:
        """A layer read by ``read(source, codes=codes)`` from one local file or the download."""
        return self._layer(
            dataset_id,
            label,
            read_local=lambda paths: read(paths[0], codes=codes),
            read_online=lambda raw: read(raw, codes=codes),
            lads=lads,
            codes=codes,
        )

    def _file(self, dataset_id: str, label: str) -> tuple[list[Path], str]:
        """Local files, or the downloaded official file; and its origin."""
        paths = self.local_paths(dataset_id)
        if paths:
            return paths, "local file"
        online = self._online(dataset_id)
        dataset = self.dataset(dataset_id)
        urls = [online["url"], *online.get("mirrors", [])]
        errors = []
        offline: OfflineError | None = None
        for url in urls:
            try:
                path = self.client.download(
                    url,
                    expected_sha256=dataset.sha256,
                    progress=self._byte_progress(label),
                    description=dataset.title,
                )
                return [Path(path)], url
            except OfflineError as exc:
                offline = offline or exc  # a mirror's earlier download may be in the cache
            except DataSourceError as exc:
                errors.append(str(exc))
        if offline is not None:
            raise offline
        raise DataSourceError(
            f"Could not download {dataset.title}: " + " | ".join(errors) + " "
            f"Check the release page {dataset.page} for a new address and update "
            "geo/data/sources.toml, or name a local copy in a sources file."
        )

    def iod2025(self) -> Loaded:
        """English Indices of Deprivation 2025 by LSOA 2021 (national)."""
        dataset_id = "iod2025"
        label = "Indices of Deprivation 2025"
        self.report(label, 0, 1)
        paths, origin = self._file(dataset_id, label)
        frame = cached_iod2025(paths[0])
        rec = self._record_for(dataset_id, paths, origin, len(frame))
        self.report(label, 1, 1)
        return Loaded(frame, rec)

    def iod2019(self) -> Loaded:
        """English Indices of Deprivation 2019 by LSOA 2011 (national)."""
        dataset_id = "iod2019"
        label = "Indices of Deprivation 2019"
        self.report(label, 0, 1)
        paths, origin = self._file(dataset_id, label)
        frame = cached_iod2019(paths)
        rec = self._record_for(dataset_id, paths, origin, len(frame))
        self.report(label, 1, 1)
        return Loaded(frame, rec)

    def _record_for(
        self, dataset_id: str, paths: Sequence[Path], origin: str, rows: int
    ) -> ProvenanceRecord:
        if origin == "local file":
            return self._local_record(dataset_id, paths, rows)
        return self._online_record(
            dataset_id, rows, location=origin, sha256=cached_sha256(tuple(paths))
        )

    def census_table(
        self, dataset_id: str, codes: Sequence[str], *, national: bool = False
    ) -> Loaded:
        """One Census 2021 table for the given LSOA codes (wide, by label).

        Online, the registry's ``online.dataset`` is queried through the Nomis
        API at ``online.url`` (the API root; ``https://www.nomisweb.co.uk/api/v01``
        when not given) for the region's codes.  For the whole country
        (``national``, or more than a few thousand codes) the Nomis bulk zip
        ``online.bulk`` is downloaded once instead (see :meth:`_census_bulk`).
        """
        dataset = self.dataset(dataset_id)
        table = dataset.table or dataset_id.removeprefix("census_")
        label = f"Census 2021 {table.upper()}"
        self.report(label, 0, 1)
        paths = self.local_paths(dataset_id)
        if paths:
            frame = cached_census_table(paths[0], table)
            rec = self._local_record(dataset_id, paths, len(frame))
        else:
            from geo.net import NOMIS_API

            online = self._online(dataset_id)
            if online.get("bulk") and (national or len(codes) > _NOMIS_NATIONAL_THRESHOLD):
                frame, rec = self._census_bulk(dataset_id, table, str(online["bulk"]), label)
            else:
                api = str(online.get("url") or NOMIS_API).rstrip("/")
                raw = self._nomis(online["dataset"], codes, label, api)
                frame = census.read_census_table(raw, table=table)
                rec = self._online_record(
                    dataset_id, len(frame), location=f"{api}/dataset/{online['dataset']}"
                )
        frame = frame.loc[frame.index.intersection(pd.Index(codes))]
        self.report(label, 1, 1)
        return Loaded(frame, rec)

    def _census_bulk(
        self, dataset_id: str, table: str, url: str, label: str
    ) -> tuple[pd.DataFrame, ProvenanceRecord]:
        """A Census table for every LSOA from its Nomis bulk zip, checked.

        The zip is downloaded once into the cache (progress reported as bytes),
        verified against ``online.bulk_sha256`` when the registry gives one,
        and its sha256 is recorded in the provenance; the table must hold the
        registry's ``expected_rows`` areas, or the download is discarded.
        """
        dataset = self.dataset(dataset_id)
        online = dataset.online or {}
        path = Path(
            self.client.download(
                url,
                expected_sha256=online.get("bulk_sha256"),
                progress=self._byte_progress(label),
                description=f"{dataset.title} (Nomis bulk file)",
            )
        )
        frame = cached_census_table(path, table)
        expected = dataset.expected_rows
        if expected is not None and len(frame) != expected:
            self.client.cache.delete(self.client.download_key(url))
            raise DataSourceError(
                f"The Nomis bulk file {url} holds {len(frame)} LSOAs, not the expected "
                f"{expected}: it was not kept. The download may be incomplete or the file "
                "replaced: try again later, or check expected_rows in geo/data/sources.toml."
            )
        rec = self._online_record(
            dataset_id,
            len(frame),
            location=url,
            sha256=cached_sha256((path,)),
            note="Nomis bulk file (every LSOA).",
        )
        return frame, rec

    def _nomis(self, nomis_id: str, codes: Sequence[str], label: str, api: str) -> bytes:
        base = {"date": "latest", "measures": "20100"}
        if len(codes) > _NOMIS_NATIONAL_THRESHOLD:
            return self.client.nomis_csv(
                nomis_id,
                {**base, "geography": "TYPE151"},
                progress=self._byte_progress(label),
                base_url=api,
            )
        return self.client.nomis_geography_csv(
            nomis_id, codes, base, progress=self._byte_progress(label), base_url=api
        )


def _json_bytes(data: Any) -> bytes:
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    return json.dumps(data).encode("utf-8")


def _concat_geo(parts: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if len(parts) == 1:
        return parts[0]
    frame = pd.concat(parts)
    frame = frame[~frame.index.duplicated(keep="first")]
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=parts[0].crs)
