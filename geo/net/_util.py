"""Small text and key helpers shared by the network modules."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any


def short(value: object, limit: int = 300) -> str:
    """``value`` as one line of at most ``limit`` characters."""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The URL as it would be requested, shortened for messages."""
    if params:
        url = f"{url}?{urllib.parse.urlencode({k: str(v) for k, v in params.items()})}"
    return short(url, 240)


def text_of(body: bytes, limit: int = 300) -> str:
    """Readable text from an HTML/XML/text body, for error messages."""
    text = body[:20_000].decode("utf-8", errors="replace")
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return short(text, limit) or "(empty body)"


def url_suffix(url: str) -> str:
    """The file extension(s) of a URL's path, such as ``.csv`` or ``.geojson.gz``."""
    name = posixpath.basename(urllib.parse.urlparse(url).path)
    parts = name.split(".")[1:]
    suffixes: list[str] = []
    for part in reversed(parts[-2:]):
        if not re.fullmatch(r"[A-Za-z0-9]{1,10}", part):
            break
        suffixes.insert(0, f".{part.lower()}")
    if len(suffixes) == 2 and suffixes[1] not in {".gz", ".zip", ".bz2", ".xz", ".pbf"}:
        suffixes = suffixes[1:]
    return "".join(suffixes)


def params_text(params: Mapping[str, Any] | None) -> dict[str, str]:
    """Query parameters as strings (lists joined by commas, ``None`` dropped)."""
    out: dict[str, str] = {}
    for name, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[str(name)] = "true" if value else "false"
        elif isinstance(value, str | bytes) or not isinstance(value, Sequence):
            out[str(name)] = str(value)
        else:
            out[str(name)] = ",".join(str(v) for v in value)
    return out


def cache_key(kind: str, label: str, url: str, payload: object) -> str:
    """A cache key ``<kind>/<label>-<hash of url and payload>``."""
    digest = hashlib.sha256(
        json.dumps([url, payload], sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()
    return f"{kind}/{label}-{digest[:32]}" if label else f"{kind}/{digest[:32]}"
