"""The analysis commands of ``python -m geo``: ``analyse`` and ``explain``."""

from __future__ import annotations

import argparse
from typing import TextIO

from geo.cli import EXIT_OK
from geo.commands.options import analysed, check_out, print_coverage, print_table, settings_from


def cmd_analyse(args: argparse.Namespace, out: TextIO) -> int:
    """Run the analysis for an area; print headlines and write the table."""
    from geo import exports
    from geo.pipeline import headline
    from geo.present.headlines import FIGURES, formatted

    if args.out is not None:
        check_out(args.out)
    result = analysed(args, settings_from(args))
    table = result.table()
    figures = headline(result)
    out.write(f"\n{result.region.name}: {len(table)} LSOA 2021 areas, model {args.model}\n")
    for scope, title in (("england", "Against England"), ("here", "Within this area")):
        out.write(f"{title}:\n")
        for figure in FIGURES:
            if figure.scope == scope:
                shown = formatted(figure, figures.get(figure.key))
                if figure.key == "expected_lonely" and shown != "—":
                    low = formatted(figure, figures.get("expected_lonely_p05"))
                    high = formatted(figure, figures.get("expected_lonely_p95"))
                    shown += (
                        f" (90% range {low}–{high})"
                        if low != high
                        else " (the total is fixed by the calibration to the national share)"
                    )
                out.write(f"  {figure.label}: {shown}\n")
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
        print_coverage(result.coverage, result.region.name, out)
    out.write(f"Lens: {summary['lens']}.\n")
    out.write("\nTop priority areas:\n")
    print_table(top[cols].round(0), out)
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


def cmd_explain(args: argparse.Namespace, out: TextIO) -> int:
    """Print one LSOA's risk figures and its top drivers (as the app and report show them)."""
    from geo.risk import area_explanation

    result = analysed(args, settings_from(args))
    out.write(area_explanation(result, args.lsoa.strip().upper()) + "\n")
    return EXIT_OK
