"""A Plan-mode scenario as one short URL value, and back (the value is untrusted input).

:func:`encode` writes the scenario's name, proposed places and closures as
compact JSON, deflated and base64url-encoded (``plan=…`` in the address).
:func:`decode` reads such a value from a link anyone may have edited: it
refuses anything over :data:`MAX_LENGTH` characters or that inflates past
:data:`MAX_JSON` bytes, and keeps only well-formed entries — a known kind of
place, coordinates in Great Britain, names cut to 80 printable characters,
at most :data:`MAX_PROPOSALS` proposals and :data:`MAX_CLOSURES` closures.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from typing import Any

from geo.sources.taxonomy import CATEGORY_KEYS
from ui.plan import Plan, Proposal

__all__ = ["MAX_LENGTH", "decode", "encode"]

#: Longest ``plan=`` value written or read (characters).
MAX_LENGTH = 1800
#: Most bytes the value may inflate to.
MAX_JSON = 16_000
MAX_PROPOSALS = 25
MAX_CLOSURES = 60
MAX_NAME = 80
_ASSET_ID = re.compile(r"[A-Za-z0-9_]{1,40}:[A-Za-z0-9_:./\-]{1,100}")
_USER_CATEGORY = re.compile(r"user_[a-z0-9_]{1,40}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Great Britain in WGS84 (lat, lon).
_LAT = (49.8, 60.9)
_LON = (-8.7, 1.8)


def encode(plan: Plan) -> str | None:
    """The plan as a URL value, or None when it is empty or too long for a link."""
    if plan.empty:
        return None
    data = {
        "n": plan.name,
        "a": [[p.category, round(p.lat, 5), round(p.lon, 5), p.capacity, p.name] for p in plan.add],
        "c": list(plan.close),
    }
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    value = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")
    return value if len(value) <= MAX_LENGTH else None


def decode(value: str | None) -> Plan | None:
    """The plan in a URL value, or None when it is not a valid, non-empty plan."""
    data = _inflate(value)
    if not isinstance(data, dict):
        return None
    adds = _list(data.get("a"))
    closes = _list(data.get("c"))
    proposals = [p for p in (_proposal(item) for item in adds[:MAX_PROPOSALS]) if p is not None]
    closed = [c for c in closes[:MAX_CLOSURES] if isinstance(c, str) and _ASSET_ID.fullmatch(c)]
    plan = Plan(name=_text(data.get("n")) or "Shared scenario", add=proposals, close=closed)
    return None if plan.empty else plan


def _inflate(value: str | None) -> Any:
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return None
    try:
        packed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON)
        if inflater.unconsumed_tail:  # larger than any plan a link carries
            return None
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError, RecursionError):
        return None


def _proposal(item: Any) -> Proposal | None:
    if not isinstance(item, list) or len(item) != 5:
        return None
    category, lat, lon, capacity, name = item
    if not isinstance(category, str) or not (
        category in CATEGORY_KEYS or _USER_CATEGORY.fullmatch(category)
    ):
        return None
    if not all(_finite(v) for v in (lat, lon)):
        return None
    if not (_LAT[0] <= lat <= _LAT[1] and _LON[0] <= lon <= _LON[1]):
        return None
    if capacity is not None and not (_finite(capacity) and 0 < capacity <= 1e6):
        return None
    return Proposal(
        _text(name) or "Proposed place",
        category,
        float(lat),
        float(lon),
        None if capacity is None else float(capacity),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value).strip()[:MAX_NAME]
