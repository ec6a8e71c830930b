"""What the commands share: reading their options into parameters, settings and a region,
progress bars, tables on the terminal and checks of ``--out``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from geo.config import Settings
from geo.progressbars import Bars

if TYPE_CHECKING:
    import pandas as pd

    from geo.params import Parameters
    from geo.provenance import Progress
    from geo.provision import Coverage
    from geo.region import Region
    from geo.result import Result


def parameters_from(args: argparse.Namespace) -> Parameters:
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

        weights = {**DEFAULT_WEIGHTS, **number_pairs(args.weights, "Weight")}
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


def number_pairs(text: str | None, what: str) -> dict[str, float]:
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


def region_with_user_data(
    args: argparse.Namespace, settings: Settings, progress: Progress | None
) -> tuple[Region, dict[str, float] | None]:
    """The region for ``--area`` with ``--assets``/``--indicators`` files joined."""
    from geo.region import load_region
    from geo.userdata import apply_user_files, user_column

    region = load_region(args.area, settings=settings, progress=progress)
    region, columns = apply_user_files(
        region, settings=settings, assets=args.assets, indicators=args.indicators
    )
    weights = number_pairs(args.indicator_weights, "Indicator weight")
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


def analysed(args: argparse.Namespace, settings: Settings) -> Result:
    """The analysis of ``--area`` with the command's options and user files, with progress bars."""
    from geo.pipeline import run_analysis

    params = parameters_from(args)
    bars = Bars(enabled=not args.quiet)
    try:
        region, user_weights = region_with_user_data(args, settings, bars)
        return run_analysis(region, params.replace(user_weights=user_weights), settings=settings)
    finally:
        bars.close()


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        sources_file=args.sources,
        offline=args.offline,
        offline_cause="the --offline option" if args.offline else None,
        cache_dir=args.cache_dir,
    )


def print_table(frame: pd.DataFrame, out: TextIO) -> None:
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


def check_out(path: Path) -> None:
    """Refuse an ``--out`` file that could not be written, before any work is done."""
    from geo import exports
    from geo.errors import ConfigError

    exports.format_for(path)  # ExportError naming the extensions that work
    folder = path.resolve().parent
    if not folder.is_dir():
        raise ConfigError(f"Cannot write {path}: the folder {folder} does not exist.")


def print_coverage(cover: Coverage, name: str, out: TextIO) -> None:
    """Which categories the sources cover, from which sources, and where coverage is thin."""
    from geo.provision import coverage_notice
    from geo.sources.taxonomy import CATEGORY_KEYS, category_labels

    labels = category_labels()
    out.write("\n" + coverage_notice(cover, name, labels, total=len(CATEGORY_KEYS)) + "\n")
    for key in cover.measured:
        share = cover.share(key)
        sources = "; ".join(f"{t} ({where})" for t, where in cover.sources.get(key, ()))
        out.write(f"  - {labels.get(key, key)}: {share:.0%} of areas covered, by {sources}\n")
