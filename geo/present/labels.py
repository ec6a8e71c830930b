"""Names shown on maps and in reports: asset categories and risk models."""

from __future__ import annotations

from geo.sources.taxonomy import category_labels

#: Who each loneliness-risk model is about: in full (map legends) and short
#: (the printed maps' legend titles, which have one narrow line).
MODEL_LABELS = {
    "older": ("people aged 65+ (Age UK model)", "people 65+ (Age UK model)"),
    "all-ages": ("all ages (composite index)", "all ages"),
    "evidence": ("all ages (published odds ratios)", "all ages"),
}


def category_label(key: str) -> str:
    """A category's label; uploaded ``user_…`` categories are named as the user's."""
    label = category_labels().get(key)
    if label:
        return label
    if str(key).startswith("user_"):
        return str(key).removeprefix("user_").replace("_", " ").capitalize() + " (your data)"
    return str(key)


def model_label(model: str, *, short: bool = False) -> str:
    """Who a risk model is about (``"older"`` or the all-ages index)."""
    full, brief = MODEL_LABELS.get(model, MODEL_LABELS["all-ages"])
    return brief if short else full
