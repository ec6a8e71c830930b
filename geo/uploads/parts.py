"""Which part of a file with several is read: a workbook's sheet, a GeoPackage's or zip's layer."""

from __future__ import annotations

from collections.abc import Sequence

from geo.errors import UploadError

__all__ = ["choose_part"]


def choose_part(
    names: Sequence[str],
    asked: str | None,
    *,
    container: str,
    part: str,
    notes: list[str],
    empty: str | None = None,
) -> str:
    """The ``part`` asked for, or the first of ``names`` (with a note when there are others).

    ``container`` names the file in messages ("workbook", "GeoPackage"), ``part``
    what it holds ("sheet", "layer"); ``empty`` is the message when it holds none
    (by default "The <container> has no <part>s.").
    """
    if not names:
        raise UploadError(empty or f"The {container} has no {part}s.")
    if asked is None:
        if len(names) > 1:
            notes.append(
                f"The {container} has {len(names)} {part}s ({', '.join(names)}); the first, "
                f"{names[0]!r}, was read. Choose another {part} to read it instead."
            )
        return names[0]
    if asked not in names:
        raise UploadError(
            f"The {container} has no {part} {asked!r}; its {part}s are: {', '.join(names)}."
        )
    return asked
