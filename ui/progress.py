"""What the app shows while an area's data are read or downloaded: one status box.

:class:`LoadingStatus` is the progress callback the library's data access
calls as ``progress(label, done, total)`` — ``done``/``total`` in bytes while
a file downloads, else dataset steps.  It shows an ``st.status`` box naming
the dataset being read and, for downloads, the bytes so far, and lists the
datasets already read; the box is removed when loading ends.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

#: Below this many bytes a count is a step counter, not a download.
_BYTES = 4096


def size_text(done: int, total: int | None) -> str:
    """``"3.2 MB of 25.0 MB"`` (or ``"3.2 MB"`` when the size is not known)."""

    def mb(n: int) -> str:
        return f"{n / 1e6:,.1f} MB" if n >= 100_000 else f"{n / 1e3:,.0f} kB"

    return f"{mb(done)} of {mb(total)}" if total else mb(done)


class LoadingStatus:
    """A progress callback drawing one status box (use as a context manager)."""

    def __init__(self, area_name: str) -> None:
        self.area_name = area_name
        self.seen: list[str] = []
        self._slot: Any = None
        self._box: Any = None
        self._line: Any = None

    def __enter__(self) -> LoadingStatus:
        self._slot = st.empty()
        self._box = self._slot.status(f"Loading the data for {self.area_name}…", expanded=True)
        self._line = self._box.empty()
        return self

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if label not in self.seen:
            if self.seen and self._box is not None:
                self._box.write(f"✓ {self.seen[-1]}")
            self.seen.append(label)
        downloading = (total or 0) >= _BYTES or done >= _BYTES
        text = f"Reading **{label}**"
        if downloading:
            text = f"Downloading **{label}** — {size_text(done, total)}"
        if self._line is not None:
            self._line.markdown(text)

    def __exit__(self, *exc: object) -> None:
        if self._slot is not None:
            self._slot.empty()
