"""The record a batch of reports leaves in its folder, and the index built from it.

Each area's ``done.json`` marker (:data:`MARKER`) says what was written; the
failures of the batch are kept in :data:`FAILURES`, keyed by the area's
code(s) when it was resolved and by the text typed when it was not.  Every
file is written atomically (temporary file + ``os.replace``), so a reader
never sees half of one.  :func:`write_index` rewrites ``index.html``,
``index.json`` and ``failures.csv`` from the markers on disk and the
failures record, so the index also covers areas done in earlier runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from geo.errors import AtlasError

from .downloads import FORMATS
from .render import render_template

MARKER = "done.json"
FAILURES = "failures.json"
_CODES = re.compile(r"^[EWSN]\d{8}(\+[EWSN]\d{8})*$")  # a resolved key


def failure_record(area: str, name: str, reason: str) -> dict[str, str]:
    """The entry of ``failures.json`` for an area that failed now."""
    return {
        "area": area,
        "name": name,
        "reason": reason,
        "when": datetime.now().isoformat(timespec="seconds"),
    }


def forget_failures(failures: dict[str, Any], key: str, lookup: Any) -> None:
    """Drop the recorded failures of the area ``key``, however its name was typed.

    A failure is recorded under the area's code(s) when the area was resolved,
    and under the text typed when it was not (e.g. the lookup could not be
    read); with the lookup at hand, those texts are resolved again here.
    """
    from geo.region import resolve_area

    for old in list(failures):
        same = old == key
        if not same and lookup is not None and not _CODES.match(old):
            text = str((failures[old] or {}).get("area", old))
            try:
                same = resolve_area(text, lookup).key == key
            except AtlasError:
                same = False
        if same:
            del failures[old]


def read_json(path: Path, *, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def write_json_atomic(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # readable like the reports beside it (mkstemp makes 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_index(out_dir: Path) -> list[dict[str, Any]]:
    """Every area marked done under ``out_dir``, sorted by name."""
    rows = []
    for marker in sorted(Path(out_dir).glob(f"*/{MARKER}")):
        record = read_json(marker, default=None)
        if isinstance(record, dict) and record.get("files"):
            record["folder"] = marker.parent.name
            rows.append(record)
    return sorted(rows, key=lambda r: (str(r.get("name", "")).casefold(), r["folder"]))


def write_index(out_dir: Path, *, failures: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """Rewrite ``index.html``, ``index.json`` and ``failures.csv`` from what is on disk."""
    out_dir = Path(out_dir)
    if failures is None:
        failures = read_json(out_dir / FAILURES, default={})
    done = read_index(out_dir)
    failed = [
        {"key": key, **dict(value)}
        for key, value in sorted(failures.items(), key=lambda kv: str(kv[0]))
    ]
    write_json_atomic(out_dir / "index.json", {"reports": done, "failures": failed})
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["key", "area", "name", "reason", "when"])
    for row in failed:
        writer.writerow([_cell(row.get(k, "")) for k in ("key", "area", "name", "reason", "when")])
    write_atomic(out_dir / "failures.csv", text.getvalue().encode("utf-8-sig"))
    rows = []
    for record in done:
        files = list(record.get("files", ()))
        shown = [n for n in files if not n.endswith((".metadata.json", "-metadata.csv"))]
        links = [
            {"label": _label(name), "href": f"{record['folder']}/{name}"}
            for name in sorted(shown, key=_link_order)
        ]
        figures = record.get("figures") or {}
        rows.append(
            {
                "name": record.get("name", record["folder"]),
                "key": record.get("key", record["folder"]),
                "links": links,
                "residents": _int(figures.get("residents")),
                "priority_areas": _int(figures.get("priority_areas")),
                "priority_residents": _int(figures.get("priority_residents")),
                "generated": str(record.get("generated", ""))[:16].replace("T", " "),
            }
        )
    html = render_template(
        "index.html.j2",
        rows=rows,
        failures=failed,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"),
        formats=", ".join(FORMATS),
    )
    path = out_dir / "index.html"
    write_atomic(path, html.encode("utf-8"))
    return path


def _cell(value: object) -> str:
    from geo.exports import neutralise

    return str(neutralise(str(value)))


def _link_order(name: str) -> tuple[int, str]:
    order = {"pdf": 0, "html": 1, "xlsx": 2, "gpkg": 3, "csv": 4, "geojson": 5}
    return order.get(name.rsplit(".", 1)[-1].lower(), 9), name


_FORMAT_NAMES = {"gpkg": "GeoPackage", "xlsx": "Excel", "geojson": "GeoJSON"}


def _label(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower()
    shown = _FORMAT_NAMES.get(suffix, suffix.upper())
    for part in ("areas", "priority-gaps", "assets"):
        if name.endswith(f"-{part}.{suffix}"):
            return f"{shown} {part.replace('-', ' ')}"
    return shown


def _int(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]  # any value; bad ones caught
    except (TypeError, ValueError):
        return "–"
    return "–" if number != number else f"{number:,.0f}"
