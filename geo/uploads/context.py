"""What a reader is given besides the file: the same for the app and ``check``.

``python -m geo check`` must predict what the Upload page will say about a
file, so both build the reader's options here: the upload limits from the
environment, the postcode geocoder of the settings (the postcode source they
name, see :func:`geo.postcodes.geocode_postcodes`), the ONS LSOA 2011 → 2021
lookup and the LSOA → MSOA/ward/authority lookup for indicator tables, and
the study area (its bounds for places, its LSOA codes for indicators).
"""

from __future__ import annotations

import logging
from typing import Any

from geo.config import Settings
from geo.uploads.limits import UploadLimits

log = logging.getLogger(__name__)

#: The kinds of upload, as the readers and ``check --kind`` name them.
KINDS = ("assets", "indicators", "boundary")


def _lookup(settings: Settings, which: str) -> Any:
    """A lookup frame from the data access layer, or ``None`` when it is not available."""
    from geo.sources.access import DataAccess

    try:
        return getattr(DataAccess(settings), which)().frame
    except Exception as exc:  # not in the mirror, or offline without a cached copy
        log.info("No %s for reading uploads: %s", which, exc)
        return None


def reader_options(kind: str, settings: Settings, region: Any = None) -> dict[str, Any]:
    """Keyword options for ``read_<kind>_upload`` (apart from the user's choices).

    Parameters
    ----------
    kind
        ``"assets"``, ``"indicators"`` or ``"boundary"``.
    settings
        Where lookups and postcodes come from, and the study-area buffer.
    region
        The study region (:class:`geo.region.Region`), or ``None`` for no
        study-area checks.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}.")
    options: dict[str, Any] = {"settings": settings, "limits": UploadLimits.from_env()}
    if kind == "boundary":
        options["mode"] = "study_area"
        return options
    from geo.postcodes import PostcodeGeocoder

    options["geocoder"] = PostcodeGeocoder(settings)
    if kind == "assets":
        if region is not None:
            options["area_bbox"] = tuple(float(v) for v in region.bounds_wgs84)
        return options
    options["lsoa_lookup"] = _lookup(settings, "lsoa11_lsoa21_lookup")
    options["area_lookup"] = _lookup(settings, "lsoa21_lookup")
    if region is not None:
        options["areas"] = list(region.areas.index)
    return options


__all__ = ["KINDS", "reader_options"]
