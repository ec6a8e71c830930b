"""Command-line analysis options: weights and repeatable user files."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.cli import build_parser
from geo.commands.options import parameters_from
from geo.errors import ConfigError
from geo.risk import DEFAULT_WEIGHTS


def _args(*extra: str):
    return build_parser().parse_args(["analyse", "--area", "Rutland", *extra])


def test_weights_given_replace_defaults_and_others_keep_theirs():
    params = parameters_from(_args("--model", "composite", "--weights", "bad_health=30, carers=0"))
    assert params.weights is not None
    assert params.weights["bad_health"] == 30.0 and params.weights["carers"] == 0.0
    assert params.weights["living_alone"] == DEFAULT_WEIGHTS["living_alone"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bad_health", "Weight 'bad_health' should look like name=value."),
        ("bad_health=lots", "Weight for 'bad_health' is not a number: 'lots'."),
    ],
)
def test_bad_weights_say_what_is_wrong(text, message):
    with pytest.raises(ConfigError) as caught:
        parameters_from(_args("--weights", text))
    assert str(caught.value) == message


@pytest.mark.parametrize("command", ["analyse", "explain", "scenario", "suggest", "report"])
def test_user_file_options_repeat_on_every_analysis_command(command):
    required = {
        "explain": ["--lsoa", "E01035104"],
        "scenario": ["--out", "s.csv"],
        "suggest": ["--out", "s.csv"],
        "report": ["--out", "reports"],
    }.get(command, [])
    files = ["--assets", "a.csv", "--assets", "b.gpkg", "--indicators", "i.csv"]
    args = build_parser().parse_args([command, "--area", "Rutland", *required, *files])
    assert args.assets == [Path("a.csv"), Path("b.gpkg")]
    assert args.indicators == [Path("i.csv")]
    assert args.lens == "thin" and args.model == "evidence"
