"""Is an uploaded GeoPackage's schema harmless?  Asked of SQLite, not of regexes.

A GeoPackage is an SQLite database, and SQLite runs what its schema says:
virtual tables call their module (``fts3_tokenizer``, or modules GDAL's
SQLite adds, can read files), views run their SELECT when a layer is read,
and triggers run on writes.  The checks:

* **what each schema object is** comes from SQLite itself
  (``PRAGMA table_list`` says ``virtual``, ``view``, ``shadow``, ``table``;
  ``sqlite_master`` lists triggers), so no spelling of the SQL text can hide a
  virtual table;
* **a virtual table's module** is the identifier after ``USING`` in its
  ``CREATE VIRTUAL TABLE`` statement, found by tokenising the statement as
  SQLite does (comments, strings and quoted identifiers skipped), so
  ``fts4(content, /* USING rtree( */ x)`` is an ``fts4`` table; only
  ``rtree`` (the GeoPackage spatial index) is accepted;
* **views** are refused (export the layer as a table);
* **triggers** are accepted only under the names the GeoPackage standard and
  GDAL give them (spatial index and feature-count upkeep, tile-matrix
  checks) and only when their body calls no file, network or extension
  function.

The file is opened read-only and immutable, with ``trusted_schema`` off.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from pathlib import Path

from geo.errors import UploadError

_DANGER = re.compile(
    r"\bogr_\w*\s*\(|load_extension|readfile|writefile|fts3_tokenizer|edit\s*\(|zipfile|fsdir|"
    r"virtualogr|importshp|importdbf|importxls|exportshp|blobfromfile|blobtofile|xb_",
    re.IGNORECASE,
)
#: Trigger names of the GeoPackage standard and GDAL's feature counts.
_STANDARD_TRIGGER = re.compile(
    r"^(rtree_.+_(insert|update\d*|delete)"
    r"|trigger_(insert|delete)_feature_count_.+"
    r"|gpkg_tile_matrix_\w+_(insert|update)"
    r"|gpkg_metadata\w*_(insert|update)\w*)$",
    re.IGNORECASE,
)
_TOKEN = re.compile(
    r"""\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$)"""  # space and comments
    r"""|'(?:[^']|'')*'"""  # string
    r"""|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]"""  # quoted identifiers
    r"""|[A-Za-z_\x80-\uffff][\w$\x80-\uffff]*"""  # bare word
    r"""|.""",
    re.DOTALL,
)


def _tokens(sql: str) -> list[str]:
    """SQL tokens without spaces and comments; quoted identifiers unquoted."""
    out: list[str] = []
    for match in _TOKEN.finditer(sql):
        token = match.group(0)
        if token.isspace() or token.startswith(("--", "/*")):
            continue
        if token[0] in '"`':
            token = token[1:-1].replace(token[0] * 2, token[0])
        elif token[0] == "[":
            token = token[1:-1]
        out.append(token)
    return out


def virtual_table_module(sql: str) -> str | None:
    """The module of ``CREATE VIRTUAL TABLE [IF NOT EXISTS] [schema.]name USING module …``."""
    words = _tokens(sql)
    upper = [w.upper() for w in words]
    if upper[:3] != ["CREATE", "VIRTUAL", "TABLE"]:
        return None
    i = 3
    if upper[i : i + 3] == ["IF", "NOT", "EXISTS"]:
        i += 3
    i += 3 if i + 1 < len(words) and words[i + 1] == "." else 1  # [schema.]name
    if i + 1 < len(words) and upper[i] == "USING":
        return words[i + 1]
    return None


def _refuse(what: str) -> UploadError:
    return UploadError(
        f"The GeoPackage has {what}; it is refused. Export the layer to a new GeoPackage "
        "(for example with QGIS: Export > Save Features As) and upload that."
    )


def _objects(connection: sqlite3.Connection) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``{name: type}`` from ``PRAGMA table_list``, and ``(name, sql)`` of the triggers."""
    listed = connection.execute("PRAGMA main.table_list").fetchall()
    kinds = {str(row[1]): str(row[2]) for row in listed}
    triggers = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
    ).fetchall()
    return kinds, [(str(n), str(s or "")) for n, s in triggers]


def check_schema(connection: sqlite3.Connection) -> dict[str, str]:
    """Raise :class:`UploadError` for a schema object that could run code; else ``{name: type}``."""
    try:
        kinds, triggers = _objects(connection)
    except sqlite3.Error as exc:
        raise UploadError(f"The GeoPackage is damaged and cannot be read ({exc}).") from None
    for name, kind in kinds.items():
        if kind == "view":
            raise _refuse(f"a view {name!r} (views run SQL when they are read)")
        if kind != "virtual":
            continue
        row = connection.execute(
            "SELECT sql FROM sqlite_master WHERE name = ? AND type = 'table'", (name,)
        ).fetchone()
        module = virtual_table_module(str(row[0] or "")) if row else None
        if module is None or module.casefold() != "rtree":
            raise _refuse(
                f"a virtual table {name!r} using the module {module or 'unknown'!r} (only the "
                "rtree spatial index is accepted; other modules can read other files)"
            )
    for name, sql in triggers:
        if not _STANDARD_TRIGGER.match(name):
            raise _refuse(f"a trigger {name!r} that is not part of the GeoPackage standard")
        if _DANGER.search(sql):
            raise _refuse(f"a trigger {name!r} that calls functions able to read files")
    return kinds


def feature_layers(path: Path) -> list[str]:
    """The feature tables of a GeoPackage, after checking its schema (see the module notes)."""
    uri = f"file:{path}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:  # pragma: no cover - connect is lazy
        raise UploadError(f"The GeoPackage cannot be opened ({exc}).") from None
    try:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("PRAGMA trusted_schema=OFF")
        kinds = check_schema(connection)
        if "gpkg_contents" not in kinds:
            raise UploadError(
                "The file is an SQLite database but not a GeoPackage (it has no gpkg_contents "
                "table). Save it as a GeoPackage (.gpkg)."
            )
        try:
            rows = connection.execute(
                "SELECT table_name FROM gpkg_contents WHERE lower(data_type) = 'features' "
                "ORDER BY rowid"
            ).fetchall()
        except sqlite3.Error as exc:
            raise UploadError(f"The GeoPackage's contents table cannot be read ({exc}).") from None
    finally:
        connection.close()
    layers = [str(row[0]) for row in rows]
    missing = [layer for layer in layers if kinds.get(layer) != "table"]
    if missing:
        raise UploadError(
            f"The GeoPackage lists layers that are not tables in it ({', '.join(missing[:5])})."
        )
    return layers


__all__ = ["check_schema", "feature_layers", "virtual_table_module"]
