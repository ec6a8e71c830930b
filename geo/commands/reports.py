"""The ``report`` command of ``python -m geo``: gap reports for one or more areas."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from geo.cli import EXIT_ERROR, EXIT_OK
from geo.commands.options import parameters_from, region_with_user_data, settings_from

if TYPE_CHECKING:
    from geo.config import Settings
    from geo.region import Region


@dataclass(frozen=True)
class PrepareArea:
    """One area's region with the user's files joined (picklable, for worker processes)."""

    args: argparse.Namespace
    settings: Settings

    def __call__(self, text: str) -> tuple[Region, dict[str, float] | None]:
        scoped = argparse.Namespace(**{**vars(self.args), "area": text})
        return region_with_user_data(scoped, self.settings, None)


def _picklable(args: argparse.Namespace) -> argparse.Namespace:
    """The options without the dispatch function, which worker processes do not need."""
    return argparse.Namespace(**{k: v for k, v in vars(args).items() if not callable(v)})


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """Gap reports for one or more areas; exit 1 if any area failed."""
    from geo.report import batch_areas, run_batch
    from geo.report.downloads import check_formats

    settings = settings_from(args)
    formats = check_formats(args.formats.split(","))
    areas = batch_areas(args.area, settings=settings)
    if not areas:
        from geo.errors import ConfigError

        raise ConfigError("No area given: use --area CODE|NAME[,…] or --area all.")
    options = parameters_from(args)
    prepare = PrepareArea(_picklable(args), settings)
    result = run_batch(
        areas,
        settings=settings,
        out_dir=args.out,
        formats=formats,
        force=args.force,
        analysis=options,
        prepare=prepare,
        progress=not args.quiet,
        jobs=args.jobs,
    )
    for item in result.done:
        out.write(
            f"wrote {item.name} ({item.key}): {len(item.files)} files, {item.seconds:.1f} s\n"
        )
    for item in result.skipped:
        out.write(f"skipped {item.name} ({item.key}): already done (use --force to redo)\n")
    for item in result.failed:
        out.write(f"FAILED {item.area}: {item.reason}\n")
    out.write(
        f"\n{len(result.done)} written, {len(result.skipped)} skipped, "
        f"{len(result.failed)} failed. Index: {result.index}\n"
    )
    if result.failed:
        out.write("Exit status 1: at least one area failed (see the index and failures.csv).\n")
        return EXIT_ERROR
    return EXIT_OK
