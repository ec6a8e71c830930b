"""The dataset registry and sources files.

``geo/data/sources.toml`` lists every official dataset the product uses: what it
is, who publishes it, licence and attribution, vintage, geography, where it is
online and what to expect of it.  A *sources file* (chosen with the
``ATLAS_SOURCES`` environment variable or ``--sources``) points datasets at
local files instead, for offline use or behind a firewall.

Sources file format (TOML)::

    # folder that relative paths start from; relative to this file.
    # ${NAME:-default} takes an environment variable with a default.
    base = "${ATLAS_SHARED_DATA:-../../shared/data}"
    # optional: the England indicator table (see geo.national) precomputed as
    # Parquet, used for national ranks instead of assembling it from the
    # national Census and IoD files (the built-in demo carries one)
    national_table = "england_indicators.parquet"

    [datasets.iod2025]
    path = "imd2025/File_7_IoD2025.csv"          # one file
    note = "what this copy is, if it is not the official file"

    [datasets.lsoa21_boundaries]
    # the first that exists is used; {lad} is replaced by each local
    # authority code of the region (all must exist for that choice to be used)
    paths = ["lsoa/{lad}.geojson", "national/boundaries_lsoa21.geojson.gz"]

    [datasets.iod2019]
    parts = ["File_2.csv", "File_6.csv"]           # all read and merged by code

    [[assets]]                                    # extra asset files
    format = "table"                              # see geo.sources.registers
    path = "libraries.csv"
    source = "gm_libraries"
    title = "Public libraries in Greater Manchester"
    category = "library"
    licence = "OGL-UK-3.0"
    attribution = "Contains public sector information licensed under the OGL v3.0"
    vintage = "2023"
    covers = ["E08000003", "E08000009"]           # optional: areas it covers

Any key a dataset's table has (``vintage``, ``licence``, ``attribution``,
``title``) can be given in the sources file to describe the local copy.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.config import REGISTRY_FILE
from geo.errors import ConfigError
from geo.frozen import FrozenMap

LICENCES: Mapping[str, tuple[str, str]] = FrozenMap(
    {
        "OGL-UK-3.0": (
            "Open Government Licence v3.0",
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        ),
        "ODbL-1.0": (
            "Open Database Licence 1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/",
        ),
        "CC-BY-4.0": (
            "Creative Commons Attribution 4.0",
            "https://creativecommons.org/licenses/by/4.0/",
        ),
    }
)

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_FAMILIES = {"lookup", "boundaries", "centroids", "deprivation", "census", "assets"}
_ONLINE_KINDS = {"arcgis", "file", "nomis", "overpass"}
_DESCRIPTIVE_KEYS = ("title", "vintage", "licence", "attribution", "note", "publisher")


def licence_name(code: str) -> str:
    """Human name of a licence code (the code itself when unknown)."""
    return LICENCES.get(code, (code, ""))[0]


def licence_url(code: str) -> str:
    """Where a licence can be read ("" when unknown)."""
    return LICENCES.get(code, ("", ""))[1]


#: Names of national extents an asset file may declare (``coverage = ...``),
#: and the LSOA code prefixes each one covers.
NATIONAL_EXTENTS: Mapping[str, tuple[str, ...]] = {
    "england": ("E",),
    "wales": ("W",),
    "england and wales": ("E", "W"),
    "great britain": ("E", "W"),
    "united kingdom": ("E", "W"),
}


@dataclass(frozen=True)
class Dataset:
    """One official dataset as described in the registry."""

    id: str
    title: str
    publisher: str
    family: str
    geography: str
    vintage: str
    licence: str
    attribution: str
    page: str = ""
    expected_rows: int | None = None
    online: Mapping[str, Any] | None = None
    table: str | None = None
    optional: bool = False
    sha256: str | None = None

    @property
    def url(self) -> str:
        """The dataset's main online location ("" when it has none)."""
        return str((self.online or {}).get("url", "")) or self.page


@dataclass(frozen=True)
class LocalSource:
    """Where a sources file says a dataset's local copy is."""

    dataset_id: str
    choices: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    base: Path = Path()
    details: Mapping[str, Any] = field(default_factory=dict)

    def resolve(self, lads: Iterable[str] = ()) -> list[Path] | None:
        """The files to read for a region, or ``None`` when none exist.

        ``parts`` are all needed (each that exists is returned); ``choices``
        are alternatives, the first that exists wins.  A choice containing
        ``{lad}`` is used only when the file exists for every local authority
        code in ``lads``.
        """
        lads = list(lads)
        if self.parts:
            found = [p for p in (self._path(s) for s in self.parts) if p.is_file()]
            return found or None
        for choice in self.choices:
            if "{lad}" in choice:
                if not lads:
                    continue
                paths = [self._path(choice.replace("{lad}", lad)) for lad in lads]
                if all(p.is_file() for p in paths):
                    return paths
                continue
            path = self._path(choice)
            if path.is_file():
                return [path]
        return None

    def describe(self) -> str:
        """The configured locations, for messages."""
        return ", ".join(str(self._path(s)) for s in (self.parts or self.choices))

    def _path(self, text: str) -> Path:
        path = Path(text).expanduser()
        return path if path.is_absolute() else (self.base / path)


@dataclass(frozen=True)
class AssetFile:
    """An extra asset file named in a sources file."""

    source: str
    path: Path
    options: Mapping[str, Any]
    title: str
    licence: str
    attribution: str
    vintage: str
    covers: tuple[str, ...] | None = None
    #: The nation the file is complete for (``coverage = "Great Britain"``),
    #: when it lists no authorities; None when it says nothing.
    coverage: str | None = None
    #: The categories the file supplies (``categories = [...]``); None to
    #: derive them from its ``category`` / ``category_map`` or its rows.
    categories: tuple[str, ...] | None = None

    def supplied_categories(self) -> tuple[str, ...] | None:
        """Categories the file declares or its options fix; None: read them off its rows."""
        if self.categories is not None:
            return self.categories
        if "category" in self.options:
            return (str(self.options["category"]),)
        mapping = self.options.get("category_map")
        if isinstance(mapping, Mapping):
            return tuple(dict.fromkeys(str(v) for v in mapping.values() if v))
        return None

    def relevant_to(self, lads: Iterable[str]) -> bool:
        """Whether the file may hold assets for these local authorities."""
        if self.covers is None:
            return True
        lads = set(lads)
        return bool(lads & set(self.covers)) or "*" in self.covers or not lads


@dataclass(frozen=True)
class Sources:
    """The registry, with a sources file's local copies applied."""

    datasets: Mapping[str, Dataset]
    local: Mapping[str, LocalSource]
    asset_files: tuple[AssetFile, ...] = ()
    sources_file: Path | None = None
    registry_file: Path = REGISTRY_FILE
    national_table: Path | None = None

    def dataset(self, dataset_id: str) -> Dataset:
        """A dataset by id, described as its local copy says when it has one."""
        try:
            dataset = self.datasets[dataset_id]
        except KeyError:
            known = ", ".join(sorted(self.datasets))
            raise ConfigError(f"Unknown dataset {dataset_id!r}. Known datasets: {known}.") from None
        local = self.local.get(dataset_id)
        if local is None:
            return dataset
        changes: dict[str, Any] = {
            k: str(local.details[k]) for k in _DESCRIPTIVE_KEYS if k in local.details
        }
        changes.pop("note", None)
        if "sha256" in local.details:
            changes["sha256"] = str(local.details["sha256"])
        if not changes:
            return dataset
        return dataclasses.replace(dataset, **changes)

    def note(self, dataset_id: str) -> str:
        """The sources file's note on a local copy ("" when none)."""
        local = self.local.get(dataset_id)
        return str(local.details.get("note", "")) if local else ""

    def local_paths(self, dataset_id: str, lads: Iterable[str] = ()) -> list[Path] | None:
        """Local files for a dataset, or ``None`` when it must come from online."""
        local = self.local.get(dataset_id)
        return None if local is None else local.resolve(lads)

    def family(self, family: str) -> list[Dataset]:
        """Datasets of one family, in registry order."""
        return [d for d in self.datasets.values() if d.family == family]


def load_sources(sources_file: Path | None = None, *, registry: Path = REGISTRY_FILE) -> Sources:
    """Read the registry and, when given, a sources file.

    Raises
    ------
    ConfigError
        When either file is not valid TOML or names unknown datasets or keys.
    """
    datasets = _read_registry(registry)
    if sources_file is None:
        return Sources(
            datasets=FrozenMap(datasets),
            local=FrozenMap({}),
            registry_file=Path(registry),
        )
    data = _read_toml(Path(sources_file))
    base = _base_dir(Path(sources_file), data.get("base", "."))
    local: dict[str, LocalSource] = {}
    for dataset_id, entry in (data.get("datasets") or {}).items():
        if dataset_id not in datasets:
            known = ", ".join(sorted(datasets))
            raise ConfigError(
                f"{sources_file}: dataset {dataset_id!r} is not in the registry. "
                f"Known datasets: {known}."
            )
        local[dataset_id] = _local_source(Path(sources_file), dataset_id, entry, base)
    assets = tuple(
        _asset_file(Path(sources_file), i, entry, base)
        for i, entry in enumerate(data.get("assets") or [])
    )
    national = data.get("national_table")
    if national is not None and not isinstance(national, str):
        raise ConfigError(f"{sources_file}: national_table must be a path.")
    return Sources(
        datasets=FrozenMap(datasets),
        local=FrozenMap(local),
        asset_files=assets,
        sources_file=Path(sources_file).resolve(),
        registry_file=Path(registry),
        national_table=_under(base, _expand(national)) if national else None,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"Sources file {path} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix the line it names.") from None


def _read_registry(path: Path) -> dict[str, Dataset]:
    data = _read_toml(path)
    datasets: dict[str, Dataset] = {}
    for dataset_id, entry in (data.get("datasets") or {}).items():
        family = entry.get("family")
        if family not in _FAMILIES:
            raise ConfigError(f"{path}: dataset {dataset_id!r} has unknown family {family!r}.")
        online = entry.get("online")
        if online is not None and online.get("kind") not in _ONLINE_KINDS:
            raise ConfigError(
                f"{path}: dataset {dataset_id!r} has unknown online kind {online.get('kind')!r}."
            )
        try:
            datasets[dataset_id] = Dataset(
                id=dataset_id,
                title=entry["title"],
                publisher=entry["publisher"],
                family=family,
                geography=entry["geography"],
                vintage=entry["vintage"],
                licence=entry["licence"],
                attribution=entry["attribution"],
                page=entry.get("page", ""),
                expected_rows=entry.get("expected_rows"),
                online=FrozenMap(dict(online)) if online else None,
                table=entry.get("table"),
                optional=bool(entry.get("optional", False)),
                sha256=entry.get("sha256"),
            )
        except KeyError as exc:
            raise ConfigError(f"{path}: dataset {dataset_id!r} lacks the key {exc}.") from None
    return datasets


def _expand(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name)
        if value:
            return value
        if default is None:
            raise ConfigError(f"Environment variable {name} is not set and has no default.")
        return default

    return _ENV_REF.sub(repl, text)


def _base_dir(sources_file: Path, base: str) -> Path:
    path = Path(_expand(str(base))).expanduser()
    if not path.is_absolute():
        path = sources_file.resolve().parent / path
    return path.resolve()


def _under(base: Path, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path


def _strings(value: Any, what: str, sources_file: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{sources_file}: {what} must be a path or a list of paths.")


def _local_source(
    sources_file: Path, dataset_id: str, entry: Mapping[str, Any], base: Path
) -> LocalSource:
    given = [k for k in ("path", "paths", "parts") if k in entry]
    if len(given) != 1:
        raise ConfigError(
            f"{sources_file}: [datasets.{dataset_id}] needs exactly one of path, paths or "
            f"parts (found {', '.join(given) or 'none'})."
        )
    key = given[0]
    values = _strings(entry[key], f"[datasets.{dataset_id}] {key}", sources_file)
    values = tuple(_expand(v) for v in values)
    details = {k: v for k, v in entry.items() if k not in ("path", "paths", "parts")}
    if key == "parts":
        return LocalSource(dataset_id, parts=values, base=base, details=details)
    return LocalSource(dataset_id, choices=values, base=base, details=details)


def _asset_file(sources_file: Path, index: int, entry: Mapping[str, Any], base: Path) -> AssetFile:
    where = f"{sources_file}: [[assets]] entry {index + 1}"
    for key in ("format", "path", "source", "licence", "attribution"):
        if key not in entry:
            raise ConfigError(f"{where} lacks the key {key!r}.")
    path = Path(_expand(str(entry["path"]))).expanduser()
    if not path.is_absolute():
        path = base / path
    covers = entry.get("covers")
    coverage = entry.get("coverage")
    if coverage is not None and str(coverage).casefold() not in NATIONAL_EXTENTS:
        raise ConfigError(
            f"{where}: coverage {coverage!r} is not a nation; use one of "
            f"{', '.join(sorted(NATIONAL_EXTENTS))}, or list the authorities under covers."
        )
    categories = entry.get("categories")
    own = ("path", "source", "title", "licence", "attribution", "vintage", "covers")
    options = {k: v for k, v in entry.items() if k not in (*own, "coverage", "categories")}
    if isinstance(options.get("postcodes"), str):  # the postcode table of a postcode register
        options["postcodes"] = str(_under(base, _expand(options["postcodes"])))
    return AssetFile(
        source=str(entry["source"]),
        path=path,
        options=FrozenMap(options),
        title=str(entry.get("title", entry["source"])),
        licence=str(entry["licence"]),
        attribution=str(entry["attribution"]),
        vintage=str(entry.get("vintage", "")),
        covers=_strings(covers, f"{where} covers", sources_file) if covers else None,
        coverage=str(coverage) if coverage is not None else None,
        categories=(
            _strings(categories, f"{where} categories", sources_file) if categories else None
        ),
    )
