"""The one progress callback the library reports through.

Long steps (downloads, pages of a layer, datasets read for a region) call
``progress(label, done, total)``: ``label`` says what is under way, ``done``
how much is finished and ``total`` how much there is, or None when unknown
(a download without a length). A dataset step is reported as ``0`` of ``1``
then ``1`` of ``1``; a batch of reports as :data:`REPORTS`, areas ended of
areas asked for. Front ends turn the calls into bars
(:class:`geo.progressbars.Bars` on a terminal); the return value is ignored.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(label, done, total_or_None)``.
Progress = Callable[[str, int, int | None], object]

#: The label a batch of reports is counted under: ``progress(REPORTS, areas_ended, areas)``.
REPORTS = "Reports"
