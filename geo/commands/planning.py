"""The planning commands of ``python -m geo``: ``scenario`` and ``suggest``.

Both run the same analysis as ``analyse`` (same options), then apply
:func:`geo.planning.scenario` or :func:`geo.planning.suggest` and write one
table.  The parsers are added by :func:`add_parsers`; :mod:`geo.cli` calls
the ``cmd_*`` functions.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # imported for annotations only
    import geopandas as gpd

    from geo.config import Settings
    from geo.region import Region
    from geo.result import Result

#: ``(name, help)`` -> a subcommand parser with the shared and analysis options.
NewCommand = Callable[[str, str], argparse.ArgumentParser]


def add_parsers(command: NewCommand) -> None:
    """Add ``scenario`` and ``suggest``, made by ``command`` with the analysis options."""
    scenario = command(
        "scenario", "what if places open or close: each area's figures before and after"
    )
    scenario.add_argument(
        "--add",
        type=Path,
        default=None,
        help="places file of proposed places (any file the Upload page accepts)",
    )
    scenario.add_argument(
        "--close", default="", help="asset_id of places to close, separated by commas"
    )
    scenario.add_argument("--name", default="Scenario", help="a name for the scenario")
    scenario.add_argument(
        "--out", type=Path, required=True, help="write the comparison to .csv or .xlsx"
    )

    suggest = command("suggest", "where new places would reach most people at risk")
    suggest.add_argument("--sites", type=int, default=3, help="number of new places (default 3)")
    suggest.add_argument(
        "--candidates",
        type=Path,
        default=None,
        help="places file of candidate sites (default: a 400 m grid inside the area)",
    )
    suggest.add_argument(
        "--threshold", type=float, default=800.0, help="reach of a place in metres (default 800)"
    )
    suggest.add_argument("--objective", choices=["mclp", "p-median"], default="mclp")
    suggest.add_argument(
        "--weight", choices=["expected_lonely", "high_risk_residents"], default="expected_lonely"
    )
    suggest.add_argument(
        "--out", type=Path, required=True, help="write the sites to .csv, .xlsx or .gpkg"
    )


def read_places(path: Path, region: Region, settings: Settings) -> gpd.GeoDataFrame:
    """A places file read as an upload would be (same checks), as asset rows."""
    from geo.errors import UploadError
    from geo.uploads import read_assets_upload
    from geo.userdata import box_for

    path = Path(path)
    if not path.is_file():
        raise UploadError(f"{path} does not exist or is not a file.")
    box = box_for(region, settings.region_buffer_m)
    read = read_assets_upload(path.read_bytes(), path.name, area_bbox=box, settings=settings)
    if not read.usable:
        raise UploadError(f"{path.name}: no usable places ({read.summary()}).")
    return read.frame


def _write(
    table: gpd.GeoDataFrame, path: Path, result: Result, details: dict[str, object], out: TextIO
) -> None:
    """Write ``table`` (geometry only where the format keeps it) with its metadata."""
    from geo import exports

    kind = exports.format_for(path)
    frame = table if kind in ("gpkg", "geojson", "parquet") else table.drop(columns="geometry")
    metadata = exports.metadata_table(
        [r.as_dict() for r in result.provenance],
        {**result.parameters.as_dict(), "area": result.region.key, **details},
        {"rows": len(table)},
    )
    written = exports.write_table(frame, path, metadata=metadata)
    out.write(f"\nWrote {len(table)} rows to {written}\n")


def _print_equity(table: object, out: TextIO, title: str) -> None:
    """The equity table: each group's share among the helped against its share overall."""
    import pandas as pd

    from geo.commands.options import print_table

    frame = pd.DataFrame(table)
    shown = pd.DataFrame(
        {
            "group": frame["group"],
            "helped": frame["helped"].round(0),
            "share among helped": (frame["share_helped"] * 100).round(1),
            "share overall": (frame["share_all"] * 100).round(1),
        }
    )
    out.write(f"\n{title} (shares in %):\n")
    print_table(shown, out)


def cmd_scenario(args: argparse.Namespace, out: TextIO) -> int:
    """Apply proposed openings/closures; print the totals and write the comparison."""
    from geo.cli import EXIT_OK
    from geo.commands.options import analysed, check_out, settings_from
    from geo.planning.scenario import ScenarioError, scenario

    check_out(args.out)
    closing = [c.strip() for c in args.close.split(",") if c.strip()]
    if args.add is None and not closing:
        raise ScenarioError("Give --add FILE (proposed places) and/or --close ID[,ID…].")
    settings = settings_from(args)
    result = analysed(args, settings)
    added = read_places(args.add, result.region, settings) if args.add is not None else None
    plan = scenario(result, add=added, close=closing, settings=settings, name=args.name)
    out.write(f"\n{result.region.name}: scenario '{plan.name}'\n")
    for key, value in plan.totals.items():
        shown = "n/a" if value != value else f"{value:,.0f}"
        out.write(f"  {key.replace('_', ' ')}: {shown}\n")
    from geo.planning.equity import scenario_equity

    _print_equity(scenario_equity(plan), out, "Who lives in the areas it helps")
    import geopandas as gpd

    areas = result.areas
    table = gpd.GeoDataFrame(plan.table(), geometry=areas.geometry.to_numpy(), crs=areas.crs)
    details = {"scenario": plan.name, "added": len(added) if added is not None else 0}
    _write(table, args.out, result, {**details, "closed": ",".join(closing)}, out)
    return EXIT_OK


def cmd_suggest(args: argparse.Namespace, out: TextIO) -> int:
    """Suggest sites for new places; print them and write them with what each adds."""
    from geo.cli import EXIT_OK
    from geo.commands.options import analysed, check_out, print_table, settings_from
    from geo.planning.suggest import suggest

    check_out(args.out)
    settings = settings_from(args)
    result = analysed(args, settings)
    candidates = (
        read_places(args.candidates, result.region, settings)
        if args.candidates is not None
        else None
    )
    found = suggest(
        result,
        sites=args.sites,
        candidates=candidates,
        threshold_m=args.threshold,
        objective=args.objective,
        weight=args.weight,
    )
    out.write(f"\n{result.region.name}: {len(found.sites)} suggested site(s), {found.objective}\n")
    out.write(f"  candidates: {found.candidates}\n")
    out.write(
        f"  objective ({found.method}): {found.value:,.1f}; greedy: {found.greedy_value:,.1f}"
    )
    gap = "n/a" if found.gap != found.gap else f"{found.gap:.1%}"
    out.write(f"; greedy optimality gap: {gap}\n\n")
    table = found.table()
    print_table(table[["site", "x", "y", "lon", "lat", "adds", "nearest_lsoa"]].round(3), out)
    from geo.planning.equity import suggestion_equity

    _print_equity(suggestion_equity(result, found), out, "Who lives in the areas the sites reach")
    details = {"objective": found.objective, "weight": found.weight, "sites": args.sites}
    _write(table, args.out, result, {**details, "candidates": found.candidates}, out)
    return EXIT_OK
