"""Progress bars on a terminal for the calls of :data:`geo.progress.Progress`.

:class:`Bars` is the one renderer the command line uses: a dataset step
(``0`` of ``1`` then ``1`` of ``1``) counts on one "Datasets" bar, a batch's
reports (label :data:`geo.progress.REPORTS`) on a bar of areas, and any other
label (a download, the pages of a layer) gets a bar of its own.  Output goes
through :class:`QuietOnClose`, so a reader that has gone (``… | head``) never
fails the work being reported.
"""

from __future__ import annotations

import io
import sys
from typing import Any, TextIO

from geo.progress import REPORTS


class QuietOnClose(io.TextIOBase):
    """A text stream for progress output that goes quiet once its reader has gone.

    Writing to a pipe whose reader has exited (``… | head``) raises
    ``BrokenPipeError``, and to a closed file ``ValueError``; progress is not
    worth failing a batch for, so both are swallowed and later writes dropped.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                self._stream.write(text)
            except (OSError, ValueError):
                self._gone = True
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._gone = True

    def isatty(self) -> bool:
        try:
            return bool(self._stream.isatty())
        except (OSError, ValueError):
            return False


class Bars:
    """Progress on ``stream`` (default stderr): datasets read, reports made, downloads."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self._stream = stream
        self._quiet: QuietOnClose | None = None
        self.steps: Any = None  # tqdm bars (tqdm ships no types)
        self.bars: dict[str, Any] = {}

    @property
    def stream(self) -> QuietOnClose:
        """Where the bars are drawn; stderr is looked up when the first bar starts."""
        if self._quiet is None:
            self._quiet = QuietOnClose(self._stream or sys.stderr)
        return self._quiet

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        # The bars move when told; tqdm's monitor thread (which re-tunes slow bars)
        # would make this a multi-threaded process, where the report's maps are not
        # drawn in a forked child (geo.report.mapjob.can_fork).
        tqdm.monitor_interval = 0
        if total == 1 and label != REPORTS:  # a dataset step: starts at 0, ends at 1
            if self.steps is None:
                self.steps = tqdm(desc="Datasets", unit=" datasets", file=self.stream, leave=True)
            self.steps.set_postfix_str(label, refresh=False)
            if done >= 1:
                self.steps.update(1)
            return
        bar = self.bars.get(label)
        if bar is None:
            if label == REPORTS:
                bar = tqdm(total=total, desc=label, unit=" area", file=self.stream)
            else:
                bar = tqdm(
                    total=total, desc=f"  {label}", unit="B", unit_scale=True, file=self.stream
                )
            self.bars[label] = bar
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        """End every bar (their last state stays on the terminal)."""
        for bar in [*self.bars.values(), self.steps]:
            if bar is not None:
                bar.close()
