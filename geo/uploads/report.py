"""``check_upload``: what ``python -m geo check FILE --kind …`` prints.

It reads the file as the app would (all the safety checks included) and
reports what was detected (format, encoding, delimiter, CRS, columns and the
columns used), how many rows were loaded, rejected (by reason, with the first
rejected rows) or outside the study area, the notes and suggestions — or the
one clear error that stopped the file.  ``usable`` is true when rows were
loaded; the command exits 0 then, 1 otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.config import Settings
from geo.errors import AtlasError, UploadError
from geo.uploads.limits import UploadLimits, megabytes
from geo.uploads.result import OUTSIDE_AREA, UploadResult

KINDS = ("assets", "indicators", "boundary")


@dataclass(frozen=True)
class CheckReport:
    """The outcome of checking one file."""

    name: str
    kind: str
    result: UploadResult | None = None
    error: str | None = None
    shown_rejections: int = 20
    extra: tuple[str, ...] = field(default_factory=tuple)

    @property
    def usable(self) -> bool:
        return self.error is None and self.result is not None and self.result.usable

    def render_text(self) -> str:
        lines = [f"File: {self.name}", f"Kind: {self.kind}"]
        if self.error is not None:
            lines.append(f"NOT USABLE: {self.error}")
            return "\n".join(lines) + "\n"
        assert self.result is not None
        result = self.result
        lines.extend(result.detected.lines())
        lines.append(f"Rows: {result.rows_in:,}")
        lines.append(f"Loaded: {result.loaded:,}")
        rejected = result.rejected
        lines.append(f"Rejected: {sum(rejected.values()):,}")
        for reason, count in rejected.items():
            lines.append(f"  {reason}: {count:,}")
        if result.outside_area:
            lines.append(f"Outside the study area: {result.outside_area:,}")
        if len(result.rejections):
            listed = result.rejections
            order = (listed["reason"] == OUTSIDE_AREA).to_numpy()  # problems first
            listed = listed.iloc[order.argsort(kind="stable")]
            shown = listed.head(self.shown_rejections)
            lines.append("First rows not loaded (row: reason; values):")
            for row in shown.itertuples(index=False):
                lines.append(
                    f"  {row.row}: {row.reason}" + (f"; {row.values}" if row.values else "")
                )
            if len(result.rejections) > len(shown):
                lines.append(f"  ... and {len(result.rejections) - len(shown):,} more")
        if len(result.duplicates):
            lines.append(f"Duplicates (kept): {len(result.duplicates):,}")
        if result.new_categories:
            lines.append(
                "New categories: "
                + ", ".join(f"{v} ({k})" for k, v in result.new_categories.items())
            )
        for note in result.notes:
            lines.append(f"Note: {note}")
        for suggestion in result.suggestions:
            lines.append(
                f"Suggestion: {suggestion.message} ({suggestion.parameter}={suggestion.value!r})"
            )
        lines.extend(self.extra)
        lines.append("USABLE" if self.usable else "NOT USABLE: no rows could be loaded.")
        return "\n".join(lines) + "\n"


def _area_bbox(area: Any) -> tuple[float, float, float, float] | None:
    if area is None:
        return None
    if isinstance(area, Sequence) and not isinstance(area, str) and len(area) == 4:
        return tuple(float(v) for v in area)  # type: ignore[return-value]  # four values
    to_crs = getattr(area, "to_crs", None)
    if to_crs is not None:
        bounds = to_crs("EPSG:4326").total_bounds
        return tuple(float(v) for v in bounds)  # type: ignore[return-value]  # four values
    bounds = getattr(area, "bounds", None)
    if bounds is not None and len(bounds) == 4:
        return tuple(float(v) for v in bounds)  # type: ignore[return-value]  # four values
    raise UploadError(
        "area must be (west, south, east, north) in degrees, a lon/lat shapely geometry, or a "
        "GeoDataFrame/GeoSeries."
    )


def check_upload(
    path_or_bytes: str | os.PathLike[str] | bytes,
    kind: str,
    *,
    area: Any = None,
    settings: Settings | None = None,
    filename: str | None = None,
    limits: UploadLimits | None = None,
    in_worker: bool = False,
    **options: Any,
) -> CheckReport:
    """Read a file as an upload of ``kind`` and report on it.

    Parameters
    ----------
    path_or_bytes
        A path (its size is checked before it is read) or the bytes.
    kind
        ``"assets"``, ``"indicators"`` or ``"boundary"``.
    area
        For assets: the study area as ``(west, south, east, north)`` degrees,
        a lon/lat shapely geometry or a GeoDataFrame/GeoSeries in any CRS.
        For indicators: the study area's LSOA 2021 codes.
    in_worker
        Read the file in a bounded worker process, as the app does
        (:mod:`geo.uploads.worker`).
    options
        Passed to the reader (``mapping``, ``geocoder``, ``lsoa_lookup``,
        ``layer``, ``swap_coordinates``...); :func:`geo.uploads.context.reader_options`
        gives the ones the app uses.
    """
    limits = limits or UploadLimits()
    if kind not in KINDS:
        return CheckReport(
            name=str(filename or "upload"),
            kind=kind,
            error=f"kind must be one of {', '.join(KINDS)}, not {kind!r}.",
        )
    loaded = _file_bytes(path_or_bytes, kind, filename, limits)
    if isinstance(loaded, CheckReport):
        return loaded
    name, data = loaded
    if kind == "assets" and area is not None:
        options["area_bbox"] = _area_bbox(area)
    elif kind == "indicators" and area is not None:
        options["areas"] = area
    options.update(settings=settings or Settings(), limits=limits)
    try:
        result = _read(kind, data, name, in_worker, options)
    except (UploadError, AtlasError) as exc:
        return CheckReport(name=name, kind=kind, error=str(exc))
    return CheckReport(name=name, kind=kind, result=result)


def _file_bytes(
    path_or_bytes: str | os.PathLike[str] | bytes,
    kind: str,
    filename: str | None,
    limits: UploadLimits,
) -> tuple[str, bytes] | CheckReport:
    """The name and bytes of the file, or the report of a file that cannot be read."""
    if isinstance(path_or_bytes, bytes | bytearray):
        return filename or "upload", bytes(path_or_bytes)
    path = Path(path_or_bytes)
    name = filename or path.name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise OSError("not a regular file")
    except OSError as exc:
        return CheckReport(name=name, kind=kind, error=f"Cannot read {path}: {exc}.")
    if size > limits.max_bytes:
        return CheckReport(
            name=name,
            kind=kind,
            error=f"The file is {megabytes(size)}; uploads are limited to "
            f"{megabytes(limits.max_bytes)}.",
        )
    return name, path.read_bytes()


def _read(kind: str, data: bytes, name: str, in_worker: bool, options: dict[str, Any]) -> Any:
    """The upload result of the reader of ``kind`` (in a bounded worker when asked)."""
    if in_worker:
        from geo.uploads.worker import read_in_worker

        return read_in_worker(kind, data, name, **options)
    from geo.uploads.assets import read_assets_upload
    from geo.uploads.boundaries import read_boundary_upload
    from geo.uploads.indicators import read_indicators_upload

    reader: Any = {
        "assets": read_assets_upload,
        "indicators": read_indicators_upload,
        "boundary": read_boundary_upload,
    }[kind]
    return reader(data, name, **options)


__all__ = ["KINDS", "OUTSIDE_AREA", "CheckReport", "check_upload"]
