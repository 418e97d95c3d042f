"""Every command's ``--json`` output is strict JSON: no NaN, no Infinity, whatever the data.

The commands are found by walking the Typer app, so a new command with ``--json`` is run here
without anyone adding it; one that needs arguments gets them from `ARGUMENTS`, and the few
too slow for this file are in `SKIPPED` with the reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pytest
import typer.main
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.cli.support import print_json
from pipeline.config import Config
from pipeline.storage.warehouse import Warehouse
from tests.support import workspace_root

runner = CliRunner()


def _json_commands() -> list[str]:
    """Every command with a ``--json`` option, sub-commands as "group sub"."""
    names: list[str] = []

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            if any("--json" in getattr(param, "opts", ()) for param in command.params):
                names.append(prefix + name)  # a command, or a group that lists by itself
            if hasattr(command, "commands"):  # a group (typer vendors its own click)
                walk(command, f"{prefix}{name} ")

    walk(typer.main.get_group(app), "")
    return sorted(names)


#: Commands left out, with the reason: each is tested elsewhere.
SKIPPED: Final = {
    "run": "starts Prefect's local API and runs every stage (minutes); tests/flows runs the "
    "flow, and its summary is the reports of ingest, enrich, score, themes and analyse, each "
    "printed here",
}

#: Labelled texts for `verbatim eval sentiment` and `verbatim eval themes`.
LABELLED: Final = [
    ("The invoice was wrong and I was charged twice", "negative", "billing"),
    ("Billing error again, refund still missing", "negative", "billing"),
    ("The delivery came late and the box was broken", "negative", "delivery"),
    ("Parcel arrived three days late", "negative", "delivery"),
    ("Great support, the agent solved it at once", "positive", "support"),
    ("Friendly and helpful support team", "positive", "support"),
    ("The app works fine", "neutral", "app"),
    ("The app crashes when I log in", "negative", "app"),
] * 8  # themes need 50 units to fit


def _theme_id(root: Path) -> str:
    with Warehouse(root / "data" / "warehouse.duckdb", read_only=True) as warehouse:
        return str(int(warehouse.read_table("themes")["theme_id"].iloc[0]))


def _followup_id(root: Path) -> str:
    with Warehouse(root / "data" / "warehouse.duckdb", read_only=True) as warehouse:
        return str(warehouse.read_table("followups")["record_id"].iloc[0])


def _labelled_args(root: Path, label_col: str) -> list[str]:
    path = root / "labelled.csv"
    pd.DataFrame(LABELLED, columns=["text", "label", "topic"]).to_csv(path, index=False)
    return ["--data", str(path), "--text-col", "text", "--label-col", label_col]


def _survey(root: Path) -> str:
    path = root / "more.csv"
    path.write_text(
        "id,date,score,comment\nj1,2026-09-20,0,Nobody answered my mail at x@example.com\n",
        encoding="utf-8",
    )
    return str(path)


#: Arguments of the commands that need some, made in the workspace's folder.
ARGUMENTS: Final[dict[str, Callable[[Path], list[str]]]] = {
    "ingest": lambda root: ["survey", _survey(root)],
    "compare": lambda root: [str(root / "data" / "warehouse.duckdb")],
    "report": lambda root: ["--out", str(root / "json-reports")],
    "themes show": lambda root: [_theme_id(root)],
    "eval sentiment": lambda root: [*_labelled_args(root, "label"), "--model", "lexicon"],
    "eval themes": lambda root: _labelled_args(root, "topic"),
    "followups": lambda root: ["--limit", "3"],
    "followups done": lambda root: [_followup_id(root), "--note", "called back"],
    "followups reopen": lambda root: [_followup_id(root)],
}


def _refuse(constant: str) -> None:
    raise ValueError(f"not strict JSON: {constant}")


def test_the_walk_finds_the_json_commands():
    found = set(_json_commands())
    assert {"drivers", "scores", "alerts", "followups", "followups done", "followups send",
            "themes list", "eval themes"} <= found  # fmt: skip
    assert set(SKIPPED) <= found, "a skipped command lost its --json: drop it from SKIPPED"
    assert set(ARGUMENTS) <= found, "arguments for a command without --json"


@pytest.mark.parametrize("command", [c for c in _json_commands() if c not in SKIPPED])
def test_json_output_is_strict_json(
    command: str, demo_copy: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace_root(demo_copy)
    monkeypatch.chdir(root)  # its verbatim.toml is the configuration
    args = [*command.split(), *ARGUMENTS.get(command, lambda _: [])(root), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout, parse_constant=_refuse)
    assert isinstance(parsed, dict | list)


def test_print_json_turns_what_json_cannot_hold_into_null(capsys: pytest.CaptureFixture) -> None:
    print_json(
        {
            "nan": math.nan,
            "inf": -math.inf,
            "numpy": np.float64("nan"),
            "rows": pd.DataFrame({"x": [1.5, None]}).to_dict("records"),
            "when": pd.Timestamp("2026-09-01"),
            "missing": pd.NaT,
            "path": Path("a/b"),
        }
    )
    printed = json.loads(capsys.readouterr().out, parse_constant=_refuse)
    assert printed == {
        "nan": None,
        "inf": None,
        "numpy": None,
        "rows": [{"x": 1.5}, {"x": None}],
        "when": "2026-09-01T00:00:00",
        "missing": None,
        "path": "a/b",
    }
