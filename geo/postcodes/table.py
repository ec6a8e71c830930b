"""The postcode table a sources file names, and a geocoder that uses it.

A sources file points the ``postcodes`` dataset at a local copy of OS
Code-Point Open or the ONS Postcode Directory::

    [datasets.postcodes]
    path = "postcodes_codepoint_open_gb/codepoint_open_2025_4_gb.csv.gz"

Uploads (postcode columns) and ``python -m geo check`` use
:func:`postcode_geocoder`, which reads that table offline, or asks
postcodes.io when there is none and the atlas is online.
"""

from __future__ import annotations

from pathlib import Path

from geo.config import Settings
from geo.postcodes.geocode import PostcodeGeocoder
from geo.sources.registry import load_sources

#: The registry's dataset ids of postcode tables, in the order they are looked for.
POSTCODE_DATASETS = ("postcodes", "onspd")


def postcode_table(settings: Settings) -> Path | None:
    """The local postcode table (Code-Point Open or ONSPD/NSPL), or ``None``.

    ``None`` when the settings have no sources file, the file does not name
    the ``postcodes`` (Code-Point Open) or ``onspd`` dataset, or the file it names does not exist.
    """
    if settings.sources_file is None:
        return None
    sources = load_sources(settings.sources_file)
    for dataset_id in POSTCODE_DATASETS:
        paths = sources.local_paths(dataset_id)
        if paths:
            return paths[0]
    return None


def postcode_geocoder(settings: Settings) -> PostcodeGeocoder:
    """A geocoder reading :func:`postcode_table` when there is one, else postcodes.io.

    Offline with no table, the geocoder raises
    :class:`~geo.errors.OfflineError` saying to supply a postcode table.
    """
    return PostcodeGeocoder(settings, directory=postcode_table(settings))
