"""The README documents every command and every warehouse table."""

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from pipeline.cli import app
from pipeline.schemas import TABLES

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    """Every command, sub-commands of groups as "group sub" ("themes list", "eval themes")."""
    names: list[str] = []

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            names.append(prefix + name)
            if hasattr(command, "commands"):  # a group (typer vendors its own click)
                walk(command, f"{prefix}{name} ")

    walk(typer.main.get_group(app), "")
    return sorted(names)


def test_readme_opens_with_the_two_setup_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make demo", "make test"]
    assert README.index("make demo") < 200


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command):
    assert f"verbatim {command}" in README


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_warehouse_table_is_in_the_readme(table):
    section = README.split("## Warehouse tables", 1)[1]
    assert f"| `{table}` |" in section
    for column in TABLES[table].columns:
        assert f"`{column}`" in section, f"{table}.{column} is not documented"
