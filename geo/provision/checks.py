"""Checking the options of the provision measures, and naming their columns."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from geo.errors import ProvisionError, SchemaError
from geo.sources.taxonomy import CATEGORY_KEYS

#: Walking distances (metres) at which assets are counted: about 5, 10 and
#: 20 minutes at 1.33 m/s, or 7, 13 and 27 minutes at 1 m/s.
DEFAULT_THRESHOLDS: tuple[float, ...] = (400.0, 800.0, 1600.0)

AREAS_HINT = (
    "Pass region.areas from geo.region.load_region, or add the columns "
    "(point_x/point_y in metres, EPSG:27700)."
)


def require_columns(frame: pd.DataFrame, needed: Sequence[str], what: str, hint: str) -> None:
    """Raise a :class:`SchemaError` naming the columns of ``needed`` that ``frame`` lacks."""
    missing = [col for col in needed if col not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns[:12])) + (", …" if len(frame.columns) > 12 else "")
        raise SchemaError(
            f"{what} is missing column(s) {', '.join(missing)} (it has: {have or 'none'}). {hint}"
        )


def examples(values: Iterable[object], limit: int = 3) -> str:
    """Up to ``limit`` of ``values`` as text, for error messages."""
    items = [str(v) for v in list(values)[: limit + 1]]
    return ", ".join(items[:limit]) + (", …" if len(items) > limit else "")


def check_positive(value: object, name: str) -> float:
    """``value`` as a finite float above 0, or a :class:`ProvisionError` naming ``name``."""
    try:
        number = float(value)  # type: ignore[arg-type]  # any value; bad ones caught
    except (TypeError, ValueError):
        raise ProvisionError(f"{name} must be a positive number; got {value!r}.") from None
    if not math.isfinite(number) or number <= 0:
        raise ProvisionError(f"{name} must be a positive number; got {value!r}.")
    return number


def check_thresholds(thresholds: Iterable[float]) -> tuple[float, ...]:
    """Count distances as sorted, distinct positive floats."""
    if isinstance(thresholds, str | bytes) or not isinstance(thresholds, Iterable):
        raise ProvisionError(
            f"thresholds must be a list of distances in metres, such as (400, 800, 1600); "
            f"got {thresholds!r}."
        )
    values = []
    for t in thresholds:
        try:
            value = float(t)
        except (TypeError, ValueError):
            raise ProvisionError(
                f"thresholds must be distances in metres; {t!r} is not a number."
            ) from None
        if not math.isfinite(value) or value <= 0:
            raise ProvisionError(f"thresholds must be positive distances in metres; got {t!r}.")
        values.append(value)
    if not values:
        raise ProvisionError(
            "thresholds is empty: give at least one distance in metres, such as (400, 800, 1600)."
        )
    return tuple(sorted(set(values)))


#: Categories a user adds with their own data (see geo.userdata.user_category).
USER_CATEGORY = re.compile(r"^user_[a-z0-9_]{1,40}$")


def check_category(category: str | None) -> None:
    """Raise a :class:`ProvisionError` unless ``category`` is None, known or ``user_<name>``."""
    if category is not None and category not in CATEGORY_KEYS and not USER_CATEGORY.match(category):
        raise ProvisionError(
            f"Unknown category {category!r}. Known categories: {', '.join(CATEGORY_KEYS)}, "
            "or user_<name> for categories from your own data."
        )


def check_categories(categories: Iterable[str] | None) -> tuple[str, ...]:
    """The categories to measure, checked, in order, without repeats (default: every one)."""
    if categories is None:
        return tuple(CATEGORY_KEYS)
    if isinstance(categories, str):
        categories = [categories]
    chosen: list[str] = []
    for key in categories:
        check_category(key)
        if key not in chosen:
            chosen.append(key)
    if not chosen:
        raise ProvisionError("categories is empty: give category keys, or None for every category.")
    return tuple(chosen)


def distance_label(distance: float) -> str:
    """A distance as written in column names: ``400`` for 400.0, ``402.5`` otherwise."""
    return str(int(distance)) if float(distance).is_integer() else str(distance)
