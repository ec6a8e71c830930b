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
``report --area CODE|NAME[,…]|all --out DIR [--formats pdf,html,…] [--force]``
    The gap report (PDF and HTML) with its tables (CSV, XLSX, GeoPackage,
    GeoJSON), one folder per area; commas give one report per area, ``+``
    joins authorities into one report, ``all`` is every English local
    authority.  Areas already done are skipped unless ``--force``; a failed
    area is recorded and the others go on; ``DIR/index.html`` links them all.
    Exit 0 when every area succeeded, 1 when any failed.

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
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from geo.config import Settings
from geo.errors import AtlasError
from geo.params import DEFAULT_PERMUTATIONS

if TYPE_CHECKING:
    import pandas as pd

    from geo.params import Parameters
    from geo.provenance import Progress
    from geo.provision import Coverage
    from geo.region import Region

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

    analyse = sub.add_parser(
        "analyse", help="risk, provision and gaps for an area; write one row per LSOA"
    )
    _common(analyse)
    _analysis_options(analyse)
    analyse.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the table to .csv, .xlsx, .gpkg, .geojson or .parquet",
    )

    explain = sub.add_parser("explain", help="one LSOA's risk figures and what drives them")
    _common(explain)
    _analysis_options(explain)
    explain.add_argument("--lsoa", required=True, help="the LSOA 2021 code, e.g. E01035104")

    _demo_parser(sub)
    from geo.planning.commands import add_parsers

    add_parsers(sub, _common, _analysis_options)

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
    return parser


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
    parser.add_argument(
        "--assets",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="your own asset file (CSV/XLSX/GeoJSON/GeoPackage/KML/zipped shapefile); repeatable",
    )
    parser.add_argument(
        "--indicators",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="your own indicator table keyed by LSOA/MSOA/ward/LA code or postcode; repeatable",
    )
    parser.add_argument(
        "--indicator-weights",
        default=None,
        help="weights for uploaded indicator columns in the all-ages index, column=value pairs",
    )


def _parameters(args: argparse.Namespace) -> Parameters:
    """The analysis options given on the command line, checked before any work."""
    from geo.errors import ConfigError
    from geo.params import Parameters

    def numbers(text: str, what: str) -> list[float]:
        try:
            return [float(x) for x in text.split(",") if x.strip()]
        except ValueError:
            raise ConfigError(
                f"{what} must be numbers separated by commas, got {text!r}."
            ) from None

    weights = None
    if args.weights:
        from geo.risk import DEFAULT_WEIGHTS

        weights = dict(DEFAULT_WEIGHTS)
        for pair in args.weights.split(","):
            name, sep, value = pair.partition("=")
            if not sep:
                raise ConfigError(f"Weight {pair!r} should look like name=value.")
            try:
                weights[name.strip()] = float(value)
            except ValueError:
                raise ConfigError(
                    f"Weight for {name.strip()!r} is not a number: {value!r}."
                ) from None
    categories = None
    if args.categories:
        categories = [c.strip() for c in args.categories.split(",") if c.strip()]
    return Parameters(
        model="all-ages" if args.model == "composite" else args.model,
        lens=args.lens,
        far_minutes=args.far_minutes,
        weights=weights,
        categories=tuple(categories) if categories is not None else None,
        thresholds=tuple(int(t) for t in numbers(args.thresholds, "--thresholds")),
        speed_m_s=args.speed,
        catchment_m=args.catchment,
        permutations=args.permutations,
    ).validate()


def _pairs(text: str | None, what: str) -> dict[str, float]:
    """``"a=1,b=2"`` → ``{"a": 1.0, "b": 2.0}``, with clear errors."""
    from geo.errors import ConfigError

    out: dict[str, float] = {}
    for pair in (text or "").split(","):
        if not pair.strip():
            continue
        name, sep, value = pair.partition("=")
        if not sep:
            raise ConfigError(f"{what} {pair!r} should look like name=value.")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"{what} for {name.strip()!r} is not a number: {value!r}.") from None
    return out


def _region_with_user_data(
    args: argparse.Namespace, settings: Settings, progress: Progress | None
) -> tuple[Region, dict[str, float] | None]:
    """The region for ``--area`` with ``--assets``/``--indicators`` files joined."""
    from geo.region import load_region
    from geo.userdata import apply_user_files, user_column

    region = load_region(args.area, settings=settings, progress=progress)
    region, columns = apply_user_files(
        region, settings=settings, assets=args.assets, indicators=args.indicators
    )
    weights = _pairs(args.indicator_weights, "Indicator weight")
    # a column may be named as uploaded ("lonely_often") or as joined ("user_lonely_often")
    user_weights = {
        name if name in columns else user_column(name): w for name, w in weights.items()
    }
    missing = [c for c in user_weights if c not in columns]
    if missing:
        from geo.errors import ConfigError

        raise ConfigError(
            f"--indicator-weights names column(s) not in the uploaded indicators: "
            f"{', '.join(missing)}. Uploaded columns: {', '.join(columns) or 'none'}."
        )
    return region, user_weights or None


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        sources_file=args.sources,
        offline=args.offline,
        offline_cause="the --offline option" if args.offline else None,
        cache_dir=args.cache_dir,
    )


class _Bars:
    """Progress on stderr: one bar counting datasets read, one per download."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.steps: Any = None  # tqdm bars (tqdm ships no types)
        self.downloads: dict[str, Any] = {}

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        if total == 1:  # a dataset step: starts at 0, ends at 1
            if self.steps is None:
                self.steps = tqdm(desc="Datasets", unit=" datasets", file=sys.stderr, leave=True)
            self.steps.set_postfix_str(label, refresh=False)
            if done >= 1:
                self.steps.update(1)
            return
        bar = self.downloads.get(label)
        if bar is None:
            bar = tqdm(total=total, desc=f"  {label}", unit="B", unit_scale=True, file=sys.stderr)
            self.downloads[label] = bar
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in [*self.downloads.values(), self.steps]:
            if bar is not None:
                bar.close()


def _print_table(frame: pd.DataFrame, out: TextIO) -> None:
    import pandas as pd

    with pd.option_context(
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.width",
        200,
        "display.max_colwidth",
        80,
    ):
        out.write(frame.to_string(index=False) + "\n")


def cmd_areas(args: argparse.Namespace, out: TextIO) -> int:
    """List local authorities."""
    from geo.sources.access import DataAccess
    from geo.sources.lookups import local_authorities

    access = DataAccess(_settings(args))
    access.require(["lsoa21_lookup"])
    las = local_authorities(access.lsoa21_lookup().frame)
    if args.country != "all":
        las = las[las["country"] == args.country]
    _print_table(las.rename(columns={"n_lsoa": "LSOAs"}), out)
    out.write(f"{len(las)} local authorities\n")
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace, out: TextIO) -> int:
    """Fetch everything for an area and print the provenance table."""
    from geo.provenance import provenance_table
    from geo.region import load_region

    bars = _Bars(enabled=not args.quiet)
    try:
        region = load_region(args.area, settings=_settings(args), progress=bars)
    finally:
        bars.close()
    areas = region.areas
    out.write(
        f"\n{region.name} ({', '.join(region.lad_codes[:5])}"
        f"{'…' if len(region.lad_codes) > 5 else ''}): {len(areas)} LSOA 2021 areas, "
        f"{len(region.assets)} community assets "
        f"({int(region.assets['in_region'].sum()) if len(region.assets) else 0} inside the area)\n"
    )
    if "population" in areas:
        out.write(f"Residents (Census 2021): {int(areas['population'].sum()):,}\n")
    out.write("\nWhere each dataset came from:\n")
    table = provenance_table(region.provenance)
    _print_table(table[["dataset", "vintage", "licence", "from", "rows", "location"]], out)
    if region.unavailable:
        out.write("\nNot available for this area:\n")
        for item in region.unavailable:
            out.write(f"  - {item.title} [{item.dataset}]: {item.reason}\n")
    if region.notes:
        out.write("\nNotes:\n")
        for note in region.notes:
            out.write(f"  - {note}\n")
    from geo.provision import region_coverage

    _print_coverage(region_coverage(region), region.name, out)
    if len(region.assets):
        counts = region.assets["category"].value_counts().rename_axis("category")
        out.write("\nCommunity assets by category (within the area and its buffer):\n")
        _print_table(counts.reset_index(name="assets"), out)
    return EXIT_OK


def _print_coverage(cover: Coverage, name: str, out: TextIO) -> None:
    """Which categories the sources cover, from which sources, and where coverage is thin."""
    from geo.provision import coverage_notice
    from geo.sources.taxonomy import CATEGORY_KEYS, category_labels

    labels = category_labels()
    out.write("\n" + coverage_notice(cover, name, labels, total=len(CATEGORY_KEYS)) + "\n")
    for key in cover.measured:
        share = cover.share(key)
        sources = "; ".join(f"{t} ({where})" for t, where in cover.sources.get(key, ()))
        out.write(f"  - {labels.get(key, key)}: {share:.0%} of areas covered, by {sources}\n")


def cmd_sources(args: argparse.Namespace, out: TextIO) -> int:
    """List the registry and where each dataset would be read from."""
    import pandas as pd

    from geo.sources.registry import licence_name, load_sources

    settings = _settings(args)
    sources = load_sources(settings.sources_file)
    rows = []
    for dataset_id in sources.datasets:
        dataset = sources.dataset(dataset_id)
        local = sources.local.get(dataset_id)
        where = f"local: {local.describe()}" if local else (dataset.url or "—")
        rows.append(
            {
                "dataset": dataset_id,
                "vintage": dataset.vintage,
                "licence": licence_name(dataset.licence),
                "read from": where,
            }
        )
    _print_table(pd.DataFrame(rows), out)
    for asset_file in sources.asset_files:
        out.write(f"assets: {asset_file.source}: {asset_file.path}\n")
    return EXIT_OK


def cmd_analyse(args: argparse.Namespace, out: TextIO) -> int:
    """Run the analysis for an area; print headlines and write the table."""
    from geo import exports
    from geo.pipeline import headline, run_analysis

    if args.out is not None:
        _check_out(args.out)
    params = _parameters(args)
    bars = _Bars(enabled=not args.quiet)
    settings = _settings(args)
    try:
        region, user_weights = _region_with_user_data(args, settings, bars)
        result = run_analysis(region, params.replace(user_weights=user_weights), settings=settings)
    finally:
        bars.close()
    table = result.table()
    figures = headline(result)
    out.write(f"\n{result.region.name}: {len(table)} LSOA 2021 areas, model {args.model}\n")
    for name, value in figures.items():
        if value is None or (isinstance(value, float) and value != value):
            continue
        shown = f"{value:.1%}" if "share" in name else f"{value:,.0f}"
        out.write(f"  {name.replace('_', ' ')}: {shown}\n")
    top = table.sort_values("priority_rank").head(10)
    cols = [
        c
        for c in (
            "priority_rank",
            "lsoa21cd",
            "lsoa21nm",
            "ward_name",
            "gap_class",
            "risk_decile_national",
            "nearest_any_m",
        )
        if c in top
    ]
    summary = result.coverage_summary()
    if result.coverage is not None:
        _print_coverage(result.coverage, result.region.name, out)
    out.write(f"Lens: {summary['lens']}.\n")
    out.write("\nTop priority areas:\n")
    _print_table(top[cols].round(0), out)
    if args.out is not None:
        metadata = exports.metadata_table(
            [r.as_dict() for r in result.provenance],
            {**result.parameters.as_dict(), "area": result.region.key},
            {"areas": len(table), "assets": len(result.assets)},
            coverage=summary,
        )
        path = exports.write_table(
            table, args.out, metadata=metadata, extra_layers={"assets": result.assets}
        )
        out.write(f"\nWrote {len(table)} rows to {path}\n")
    return EXIT_OK


def _check_out(path: Path) -> None:
    """Refuse an ``--out`` file that could not be written, before any work is done."""
    from geo import exports
    from geo.errors import ConfigError

    exports.format_for(path)  # ExportError naming the extensions that work
    folder = path.resolve().parent
    if not folder.is_dir():
        raise ConfigError(f"Cannot write {path}: the folder {folder} does not exist.")


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    """Check a file as an upload, as the app would read it; exit 0 when usable, 1 when not."""
    from geo.uploads import check_upload
    from geo.uploads.context import reader_options

    settings = _settings(args)
    region: Region | None = None
    if args.area:
        from geo.region import load_region

        region = load_region(args.area, settings=settings)
    options = reader_options(args.kind, settings, region)
    report = check_upload(args.file, args.kind, in_worker=True, **options)
    out.write(report.render_text().rstrip() + "\n")
    return EXIT_OK if report.usable else EXIT_ERROR


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """Gap reports for one or more areas; exit 1 if any area failed."""
    from geo.report import batch_areas, run_batch
    from geo.report.downloads import check_formats

    settings = _settings(args)
    formats = check_formats(args.formats.split(","))
    areas = batch_areas(args.area, settings=settings)
    if not areas:
        from geo.errors import ConfigError

        raise ConfigError("No area given: use --area CODE|NAME[,…] or --area all.")
    options = _parameters(args)

    def prepare(text: str) -> tuple[Region, dict[str, float] | None]:
        scoped = argparse.Namespace(**{**vars(args), "area": text})
        return _region_with_user_data(scoped, settings, None)

    result = run_batch(
        areas,
        settings=settings,
        out_dir=args.out,
        formats=formats,
        force=args.force,
        analysis=options,
        prepare=prepare,
        progress=not args.quiet,
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


def cmd_explain(args: argparse.Namespace, out: TextIO) -> int:
    """Print one LSOA's risk figures and its top drivers (as the app and report show them)."""
    from geo.pipeline import run_analysis
    from geo.risk import area_explanation

    params = _parameters(args)
    bars = _Bars(enabled=not args.quiet)
    settings = _settings(args)
    try:
        region, user_weights = _region_with_user_data(args, settings, bars)
        result = run_analysis(region, params.replace(user_weights=user_weights), settings=settings)
    finally:
        bars.close()
    out.write(area_explanation(result, args.lsoa.strip().upper()) + "\n")
    return EXIT_OK


def _planning(name: str) -> Callable[[argparse.Namespace, TextIO], int]:
    """A planning command (:mod:`geo.planning.commands`), imported when it runs."""

    def run(args: argparse.Namespace, out: TextIO) -> int:
        from geo.planning import commands

        command: Callable[[argparse.Namespace, TextIO], int] = getattr(commands, name)
        return command(args, out)

    return run


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "check": cmd_check,
    "areas": cmd_areas,
    "fetch": cmd_fetch,
    "sources": cmd_sources,
    "analyse": cmd_analyse,
    "explain": cmd_explain,
    "report": cmd_report,
    "demo": cmd_demo,
    "scenario": _planning("cmd_scenario"),
    "suggest": _planning("cmd_suggest"),
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
