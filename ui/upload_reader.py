"""Reading uploads for the app: in a bounded worker, once per file and choice.

Every upload is parsed in a separate process with CPU, memory and time limits
(:func:`geo.uploads.worker.read_in_worker`), so a hostile file cannot stall
the server.  The parsed result is kept in this browser session, keyed by the
file's hash and the choices it was read with, so Streamlit's reruns (every
click re-runs the page) do not parse the file again.  Only the last few
results are kept; nothing is shared between sessions.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import streamlit as st

from geo.uploads.worker import read_in_worker

_CACHE_KEY = "_upload_results"
#: Parsed uploads kept per session (each choice of columns is one).
KEEP = 6


def file_hash(data: bytes, name: str) -> str:
    """The identity of an uploaded file: its name and its bytes."""
    return hashlib.sha256(name.encode() + b"\0" + data).hexdigest()


def read_upload(kind: str, data: bytes, name: str, *, key: Any = (), **options: Any) -> Any:
    """``read_<kind>_upload(data, name, **options)`` in a worker, cached per file and ``key``.

    ``key`` must name every option that changes the result and is not the
    file (the column mapping, the sheet, the study area); heavy options that
    follow from it (lookups, geocoders) are left out of the key.
    """
    cache: OrderedDict[tuple[Any, ...], Any] = st.session_state.setdefault(
        _CACHE_KEY, OrderedDict()
    )
    identity = (kind, file_hash(data, name), repr(key))
    if identity in cache:
        cache.move_to_end(identity)
        return cache[identity]
    result = read_in_worker(kind, data, name, **options)
    cache[identity] = result
    while len(cache) > KEEP:
        cache.popitem(last=False)
    return result
