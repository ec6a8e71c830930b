"""The data commands of ``python -m geo``: ``areas``, ``fetch``, ``sources`` and ``check``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

from geo.cli import EXIT_ERROR, EXIT_OK
from geo.commands.options import print_coverage, print_table, settings_from
from geo.progressbars import Bars

if TYPE_CHECKING:
    from geo.region import Region


def cmd_areas(args: argparse.Namespace, out: TextIO) -> int:
    """List local authorities."""
    from geo.sources.access import DataAccess
    from geo.sources.lookups import local_authorities

    access = DataAccess(settings_from(args))
    access.require(["lsoa21_lookup"])
    las = local_authorities(access.lsoa21_lookup().frame)
    if args.country != "all":
        las = las[las["country"] == args.country]
    print_table(las.rename(columns={"n_lsoa": "LSOAs"}), out)
    out.write(f"{len(las)} local authorities\n")
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace, out: TextIO) -> int:
    """Fetch everything for an area and print the provenance table."""
    from geo.provenance import provenance_table
    from geo.region import load_region

    bars = Bars(enabled=not args.quiet)
    try:
        region = load_region(args.area, settings=settings_from(args), progress=bars)
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
    print_table(table[["dataset", "vintage", "licence", "from", "rows", "location"]], out)
    if region.unavailable:
        out.write("\nNot available for this area:\n")
        for item in region.unavailable:
            out.write(f"  - {item.title} [{item.dataset}]: {item.reason}\n")
    if region.notes:
        out.write("\nNotes:\n")
        for note in region.notes:
            out.write(f"  - {note}\n")
    from geo.provision import region_coverage

    print_coverage(region_coverage(region), region.name, out)
    if len(region.assets):
        counts = region.assets["category"].value_counts().rename_axis("category")
        out.write("\nCommunity assets by category (within the area and its buffer):\n")
        print_table(counts.reset_index(name="assets"), out)
    return EXIT_OK


def cmd_sources(args: argparse.Namespace, out: TextIO) -> int:
    """List the registry and where each dataset would be read from."""
    import pandas as pd

    from geo.sources.registry import licence_name, load_sources

    settings = settings_from(args)
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
    print_table(pd.DataFrame(rows), out)
    for asset_file in sources.asset_files:
        out.write(f"assets: {asset_file.source}: {asset_file.path}\n")
    return EXIT_OK


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    """Check a file as an upload, as the app would read it; exit 0 when usable, 1 when not."""
    from geo.uploads import check_upload
    from geo.uploads.context import reader_options

    settings = settings_from(args)
    region: Region | None = None
    if args.area:
        from geo.region import load_region

        region = load_region(args.area, settings=settings)
    options = reader_options(args.kind, settings, region)
    report = check_upload(args.file, args.kind, in_worker=True, **options)
    out.write(report.render_text().rstrip() + "\n")
    return EXIT_OK if report.usable else EXIT_ERROR
