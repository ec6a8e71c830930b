"""The ``report`` command of ``python -m geo``: gap reports for one or more areas."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from geo.cli import EXIT_ERROR, EXIT_OK
from geo.commands.options import parameters_from, region_with_user_data, settings_from
from geo.progressbars import Bars

if TYPE_CHECKING:
    from geo.config import Settings
    from geo.region import Region

SCENARIO_ONE_AREA = (
    "--scenario-add/--scenario-close apply to one area: give one --area "
    "(use + to join authorities into one report)."
)


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
    closing = [c.strip() for c in getattr(args, "scenario_close", "").split(",") if c.strip()]
    if getattr(args, "scenario_add", None) is not None or closing:
        return _report_with_scenario(args, out, areas, formats, closing)
    options = parameters_from(args)
    prepare = PrepareArea(_picklable(args), settings)
    bars = Bars(enabled=not args.quiet)
    try:
        result = run_batch(
            areas,
            settings=settings,
            out_dir=args.out,
            formats=formats,
            force=args.force,
            analysis=options,
            prepare=prepare,
            progress=bars,
            jobs=args.jobs,
        )
    finally:
        bars.close()
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


def _report_with_scenario(
    args: argparse.Namespace,
    out: TextIO,
    areas: list[str],
    formats: tuple[str, ...],
    close: list[str],
) -> int:
    """One area's report with a Scenario section (proposals from ``--scenario-add``)."""
    from geo.commands.options import analysed
    from geo.commands.planning import read_places
    from geo.errors import ConfigError
    from geo.planning import scenario
    from geo.reference import reference_areas
    from geo.report import export_files
    from geo.report.batch import folder_name

    if len(areas) != 1:
        raise ConfigError(SCENARIO_ONE_AREA)
    settings = settings_from(args)
    scoped = argparse.Namespace(**{**vars(args), "area": areas[0]})
    result = analysed(scoped, settings)
    added = read_places(args.scenario_add, result.region, settings) if args.scenario_add else None
    plan = scenario(result, add=added, close=close, settings=settings, name=args.scenario_name)
    folder = args.out / folder_name(result.region.key)
    reference = reference_areas(settings, result.parameters)  # region and England comparators
    files = export_files(result, folder, formats, scenario=plan, reference=reference)
    out.write(
        f"wrote {result.region.name} ({result.region.key}) with the scenario '{plan.name}': "
        f"{len(files)} files in {folder}\n"
    )
    return EXIT_OK
