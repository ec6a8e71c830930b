"""The figures and tables the method write-up quotes, read from the code's own constants.

Every number in ``geo/method/*.md`` comes from here at render time (module
attributes are read when called, so the text follows the code), either as a
value (``{{ name }}`` in the Markdown) or as a table (``{{ table:name }}``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import fields

import pandas as pd

from geo import pipeline
from geo.config import Settings
from geo.gaps import analysis as gap_analysis
from geo.gaps import classes as gap_classes
from geo.params import Parameters
from geo.risk import composite, indicators, ranking, terms, validation
from geo.risk.tables import indicator_table, model_table
from geo.sources.registry import licence_name, load_sources

__all__ = ["COLOUR_COLUMN", "TABLES", "method_tables", "method_values"]

#: Name of a table column holding map colours (drawn as swatches, never as hex text).
COLOUR_COLUMN = "Colour"

_THIRDS = ("low", "middle", "high")
_MODEL_NAMES = {
    "evidence": "All ages (evidence)",
    "composite": "Composite index",
    "older": "Older people (65+)",
}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _minus(text: str) -> str:
    """Typographic minus signs, as printed in the sources."""
    return text.replace("-", "−")


def _power_of_ten(value: float) -> str:
    exponent = round(math.log10(value))
    return f"10{str(exponent).translate(_SUPERSCRIPT)}"


def _default_buffer_m() -> float:
    return float(next(f.default for f in fields(Settings) if f.name == "region_buffer_m"))  # type: ignore[arg-type]  # a float default


def _hot_spot_alpha() -> float:
    return float(inspect.signature(gap_analysis.gap_analysis).parameters["alpha"].default)


def method_values(
    params: Parameters | None = None, *, buffer_m: float | None = None
) -> dict[str, str]:
    """``{name: text}`` for every ``{{ name }}`` the write-up uses.

    Parameters
    ----------
    params
        The analysis options quoted (walking speed, distances, catchment,
        permutations); the defaults when not given.
    buffer_m
        How far outside the area places are counted (the settings' region
        buffer; the default settings' when not given).
    """
    p = params or Parameters()
    buffer = _default_buffer_m() if buffer_m is None else buffer_m
    defaults = Parameters()
    weights = dict(indicators.DEFAULT_WEIGHTS)
    left_out = [t for t in terms.AGE_UK_TERMS if not t.in_census]
    values = {
        "n_indicators": str(len(indicators.INDICATORS)),
        "n_terms_left_out": str(len(left_out)),
        "winsor": f"{composite.WINSOR_LIMIT:g}",
        "good_share": f"{terms.GOOD_SHARE_OF_GOOD_OR_VERY_GOOD:.4f}",
        "aged_75_79_share": f"{terms.AGED_75_79_SHARE_OF_75_84:.4f}",
        "rank_tolerance": _power_of_ten(ranking.RANK_TOLERANCE),
        "speed": f"{p.speed_m_s:g}",
        "default_speed": f"{defaults.speed_m_s:g}",
        "thresholds": ", ".join(f"{t:,.0f} m" for t in p.thresholds),
        "catchment": f"{p.catchment_m:,.0f}",
        "sigma": f"{p.catchment_m / 2:,.0f}",
        "buffer_km": f"{buffer / 1000:g}",
        "minutes": " and ".join(f"{m:g}" for m in pipeline.HEADLINE_MINUTES),
        "permutations": f"{p.permutations:,}",
        "fdr": f"{_hot_spot_alpha() * 100:g}%",
        "priority_class": gap_classes.PRIORITY_CLASS,
        "priority_label": gap_classes.CLASS_LABELS[gap_classes.PRIORITY_CLASS],
    }
    values |= {f"w_{name}": f"{weight:g}" for name, weight in weights.items()}
    values["validation_measured_on"] = validation.MEASURED_ON
    imd = dict(zip(validation.MODELS, validation.MEASURED["imd_score"], strict=True))
    values |= {f"rho_imd_{model}": f"{rho:.2f}" for model, rho in imd.items()}
    return values


def _indicators() -> pd.DataFrame:
    table = indicator_table()
    return pd.DataFrame(
        {
            "Indicator": table.index,
            "Column": table["column"],
            "Weight": table["default_weight"].map(lambda v: f"{v:g}"),
            "Share": (table["normalised_weight"] * 100).map(lambda v: f"{v:.1f}%"),
            "What it measures": table["label"],
            "Why it counts": table["rationale"],
        }
    ).reset_index(drop=True)


def _older_model() -> pd.DataFrame:
    table = model_table()
    return pd.DataFrame(
        {
            "Term": table["label"],
            "Estimate": table["estimate"].map(lambda v: _minus(f"{v:.4f}")),
            "Std err": table["std_error"].map(lambda v: f"{v:.4f}"),
            "Used here": table["used"].map({True: "yes", False: "no — not in the Census"}),
            "Measured here as": table["approximations"],
        }
    ).reset_index(drop=True)


def _gap_classes() -> pd.DataFrame:
    rows = [
        {
            "Class": f"{r}-{a}",
            COLOUR_COLUMN: gap_classes.BIVARIATE_COLOURS[f"{r}-{a}"],
            "Meaning": gap_classes.CLASS_LABELS[f"{r}-{a}"],
            "Risk third": _THIRDS[r - 1],
            "Access third": _THIRDS[a - 1],
        }
        for r in (3, 2, 1)
        for a in (1, 2, 3)
    ]
    return pd.DataFrame(rows)


def _datasets() -> pd.DataFrame:
    sources = load_sources(None)
    rows = []
    for dataset_id in sources.datasets:
        d = sources.dataset(dataset_id)
        rows.append(
            {
                "Dataset": d.title,
                "Publisher": d.publisher,
                "Vintage": d.vintage,
                "Geography": d.geography,
                "Licence": licence_name(d.licence),
            }
        )
    return pd.DataFrame(rows)


def _validation() -> pd.DataFrame:
    measured = validation.measured_table()
    return pd.DataFrame(
        {
            "Compared with": [validation.INDICATORS[c] for c in measured.index],
            **{
                _MODEL_NAMES[m]: measured[m].map(lambda v: _minus(f"{v:.2f}"))
                for m in validation.MODELS
            },
        }
    ).reset_index(drop=True)


#: The tables the write-up can place (``{{ table:<name> }}``), each built from the code.
TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "indicators": _indicators,
    "older_model": _older_model,
    "gap_classes": _gap_classes,
    "datasets": _datasets,
    "validation": _validation,
}


def method_tables() -> dict[str, pd.DataFrame]:
    """Every table of the write-up, by name (cells as text)."""
    return {name: build() for name, build in TABLES.items()}
