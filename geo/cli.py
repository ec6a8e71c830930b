"""Command line: ``python -m geo …``.

Commands
--------
``areas``
    List local authorities (code, name, number of LSOAs).
``fetch --area CODE|NAME``
    Fetch (or read) and cache every dataset for an area, with progress bars,
    then print where each came from.
``sources``
    List the datasets in the registry and where each will be read from.
``check FILE --kind assets|indicators|boundary [--area …]``
    What a file would give as an upload: format, encoding, CRS, columns,
    rows loaded and rejected with reasons; exit 0 when usable, 1 when not.
``analyse --area CODE|NAME [--model evidence|composite|older] [--out FILE]``
    Loneliness risk, access to community assets and gaps; one row per LSOA
    2021 written to .csv, .xlsx, .gpkg, .geojson or .parquet.  Your own files
    join with ``--assets FILE`` and ``--indicators FILE`` (repeatable).
``demo build [--shared DIR] [--out DIR]``
    Rebuild the built-in demo (``data/demo/``: Rutland, E06000017) from the
    official files in the shared data folder (``ATLAS_SHARED_DATA``).
``report --area CODE|NAME[,…]|all --out DIR [--formats pdf,html,…] [--force] [--jobs N]``
    The gap report (PDF and HTML) with its tables (CSV, XLSX, GeoPackage,
    GeoJSON), one folder per area; commas give one report per area, ``+``
    joins authorities into one report, ``all`` is every English local
    authority.  Areas already done are skipped unless ``--force``; a failed
    area is recorded and the others go on; ``DIR/index.html`` links them all.
    Several areas are made in ``--jobs`` worker processes (default 2).
    Exit 0 when every area succeeded, 1 when any failed.
    ``--scenario-add FILE [--scenario-close IDS]`` (one area) adds a
    "Scenario" section to the report: a what-if of those places.

``--area demo`` selects the built-in demo (Rutland) with every command: it
reads ``data/demo/sources.toml``, offline, whatever ``--sources`` says.

Every command accepts ``--sources FILE`` (a sources file pointing datasets at
local files; default ``ATLAS_SOURCES``), ``--offline`` and ``--cache-dir``.
Errors print one clear message; no traceback unless ``--debug`` is given.

Exit status: 0 success; 1 a user error (unknown area, missing data, a file
that cannot be used, a report area that failed); 2 a usage error (unknown
command or option, a bad option value: one line and a hint to try
``--help``); 3 an internal error (a bug).
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from geo.errors import AtlasError
from geo.params import DEFAULT_PERMUTATIONS

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

EXIT_STATUS_HELP = (
    "exit status: 0 success; 1 user error (unknown area, missing data, unusable file, "
    "a report area failed); 2 usage error (unknown command or option, bad option value); "
    "3 internal error (a bug: run again with --debug and report it)"
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and a hint, exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print ``message`` and a hint to try ``--help`` (not the whole usage); exit 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (try '{self.prog} --help')\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXIT_STATUS_HELP
    parser.add_argument(
        "--sources",
        type=Path,
        default=None,
        help="sources file pointing datasets at local files (default: $ATLAS_SOURCES)",
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        default=None,
        help="never use the network; fail naming any dataset without a local copy",
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="download cache folder")
    parser.add_argument("--debug", action="store_true", help="show full error details")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``python -m geo``."""
    parser = _Parser(
        prog="python -m geo",
        description="Belonging Atlas: loneliness risk and community provision by small area.",
        epilog=EXIT_STATUS_HELP,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _data_parsers(sub)
    _analysis_parsers(sub)
    _demo_parser(sub)
    from geo.commands.planning import add_parsers

    add_parsers(functools.partial(_analysis_command, sub))
    _report_parser(sub)
    return parser


def _data_parsers(sub: argparse._SubParsersAction) -> None:
    """The commands about the data: areas, fetch, sources and check."""
    areas = sub.add_parser("areas", help="list local authorities")
    _common(areas)
    areas.add_argument("--country", choices=["England", "Wales", "all"], default="all")

    fetch = sub.add_parser("fetch", help="fetch and cache every dataset for an area")
    _common(fetch)
    fetch.add_argument(
        "--area",
        required=True,
        help="local authority name or code, several with commas, or england",
    )

    sources = sub.add_parser("sources", help="list datasets and where each is read from")
    _common(sources)

    check = sub.add_parser("check", help="check a file you want to upload, without adding it")
    _common(check)
    check.add_argument("file", type=Path, help="the file to check")
    check.add_argument("--kind", required=True, choices=["assets", "indicators", "boundary"])
    check.add_argument("--area", default=None, help="study area to check the rows against")


def _analysis_parsers(sub: argparse._SubParsersAction) -> None:
    """The commands that run one analysis: analyse and explain."""
    analyse = _analysis_command(
        sub, "analyse", "risk, provision and gaps for an area; write one row per LSOA"
    )
    analyse.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the table to .csv, .xlsx, .gpkg, .geojson or .parquet",
    )

    explain = _analysis_command(sub, "explain", "one LSOA's risk figures and what drives them")
    explain.add_argument("--lsoa", required=True, help="the LSOA 2021 code, e.g. E01035104")


def _report_parser(sub: argparse._SubParsersAction) -> None:
    """The report command: gap reports for one or many areas."""
    report = sub.add_parser(
        "report", help="gap reports (PDF, HTML) and their tables, one folder per area"
    )
    _common(report)
    _analysis_options(report)
    for action in report._actions:
        if "--area" in action.option_strings:
            action.help = (
                "local authority name or code; several with commas (one report each), "
                "+ to join authorities in one report, or all (every English authority)"
            )
    report.add_argument("--out", type=Path, required=True, help="folder for the reports")
    report.add_argument(
        "--formats",
        default="pdf,html,csv,xlsx,gpkg,geojson",
        help="comma-separated: pdf, html, docx, csv, xlsx, gpkg, geojson (default: all but docx)",
    )
    report.add_argument(
        "--force", action="store_true", help="redo areas already done in an earlier run"
    )
    report.add_argument(
        "--scenario-add",
        type=Path,
        default=None,
        help="places file of proposed places: the report (one area) gets a Scenario section",
    )
    report.add_argument(
        "--scenario-close",
        default="",
        help="asset_id of places to close in the scenario, separated by commas",
    )
    report.add_argument("--scenario-name", default="Scenario", help="a name for the scenario")
    report.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        help="worker processes for several areas (default: 2, or 1 on a one-CPU machine)",
    )


def _demo_parser(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="the built-in demo area (Rutland)")
    actions = demo.add_subparsers(dest="demo_command", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="rebuild data/demo from the shared data folder")
    build.add_argument(
        "--shared",
        type=Path,
        default=None,
        help="the shared data folder (default: $ATLAS_SHARED_DATA, else ../shared/data)",
    )
    build.add_argument("--out", type=Path, default=None, help="output folder (default data/demo)")
    build.add_argument("--debug", action="store_true", help="show full error details")


def cmd_demo(args: argparse.Namespace, out: TextIO) -> int:
    """``demo build``: cut the built-in demo from the shared data folder."""
    import os

    from geo.config import PROJECT_ROOT
    from geo.demo import DEMO_DIR
    from geo.demobuild import build_demo

    shared = args.shared or Path(
        os.environ.get("ATLAS_SHARED_DATA") or PROJECT_ROOT.parent / "shared" / "data"
    )
    target = args.out or DEMO_DIR
    outputs = build_demo(shared, target)
    total = sum(p.stat().st_size for p in Path(target).iterdir() if p.is_file())
    for item in outputs:
        out.write(f"{item.dataset}: {item.rows:,} rows -> {item.file}\n")
    out.write(f"Wrote {target} ({total:,} bytes); see PROVENANCE.md there.\n")
    return EXIT_OK


def _use_demo_area(args: argparse.Namespace) -> None:
    """``--area demo``: the built-in demo's sources file, offline, and its area."""
    from geo.demo import DEMO_AREA, DEMO_SOURCES, is_demo_area

    if is_demo_area(getattr(args, "area", None)):
        args.area = DEMO_AREA
        args.sources = DEMO_SOURCES
        args.offline = True


def _analysis_command(
    sub: argparse._SubParsersAction, name: str, text: str
) -> argparse.ArgumentParser:
    """A subcommand that runs the analysis: the shared and the analysis options."""
    parser = sub.add_parser(name, help=text)
    _common(parser)
    _analysis_options(parser)
    return parser


def _analysis_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--area",
        required=True,
        help="local authority name or code, several with commas, or england",
    )
    parser.add_argument(
        "--model",
        choices=["evidence", "composite", "all-ages", "older"],
        default="evidence",
        help="evidence: all ages, published odds ratios (default); composite (or all-ages): "
        "the weighted index; older: the Age UK model for people 65+",
    )
    parser.add_argument(
        "--categories",
        default=None,
        help="asset categories counted as provision, comma-separated (default: all)",
    )
    parser.add_argument(
        "--thresholds", default="400,800,1600", help="walking distances in metres, comma-separated"
    )
    parser.add_argument("--speed", type=float, default=1.0, help="walking speed in m/s (1.0)")
    parser.add_argument(
        "--catchment", type=float, default=1600.0, help="E2SFCA catchment in metres (1600)"
    )
    parser.add_argument(
        "--weights",
        default=None,
        help="all-ages index weights as name=value pairs, comma-separated (others keep defaults)",
    )
    parser.add_argument(
        "--permutations",
        type=int,
        default=DEFAULT_PERMUTATIONS,
        help=f"Local Moran's I permutations ({DEFAULT_PERMUTATIONS})",
    )
    parser.add_argument(
        "--lens",
        choices=["thin", "far"],
        default="thin",
        help="what makes a gap: thin = few places per resident within reach (default); "
        "far = the nearest place is more than --far-minutes away on foot",
    )
    parser.add_argument(
        "--far-minutes",
        type=float,
        default=10.0,
        help="walking minutes beyond which an area is far from any place (10; --lens far)",
    )
    user_files = {
        "--assets": "your own asset file (CSV/XLSX/GeoJSON/GeoPackage/KML/zipped shapefile)",
        "--indicators": "your own indicator table keyed by LSOA/MSOA/ward/LA code or postcode",
    }
    for flag, what in user_files.items():
        parser.add_argument(
            flag, type=Path, action="append", default=[], metavar="FILE", help=f"{what}; repeatable"
        )
    parser.add_argument(
        "--indicator-weights",
        default=None,
        help="weights for uploaded indicator columns in the all-ages index, column=value pairs",
    )


def _positive_int(text: str) -> int:
    """An option value that must be a whole number of at least 1 (``--jobs``)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace, TextIO], int]:
    """A command of :mod:`geo.commands`, imported when it runs (keeps ``--help`` fast)."""

    def run(args: argparse.Namespace, out: TextIO) -> int:
        import importlib

        command: Callable[[argparse.Namespace, TextIO], int] = getattr(
            importlib.import_module(f"geo.commands.{module}"), name
        )
        return command(args, out)

    return run


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "check": _lazy("data", "cmd_check"),
    "areas": _lazy("data", "cmd_areas"),
    "fetch": _lazy("data", "cmd_fetch"),
    "sources": _lazy("data", "cmd_sources"),
    "analyse": _lazy("analysis", "cmd_analyse"),
    "explain": _lazy("analysis", "cmd_explain"),
    "report": _lazy("reports", "cmd_report"),
    "demo": cmd_demo,
    "scenario": _lazy("planning", "cmd_scenario"),
    "suggest": _lazy("planning", "cmd_suggest"),
}


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    out = out or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        _use_demo_area(args)
        return COMMANDS[args.command](args, out)
    except AtlasError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return EXIT_ERROR
    except Exception as exc:
        if args.debug:
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in Belonging Atlas; run again with --debug for details.\n"
        )
        return EXIT_INTERNAL
