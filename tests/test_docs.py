"""The README is a short front door; docs/ documents every command and every warehouse table."""

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from pipeline.cli import app
from pipeline.schemas import TABLES

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
WAREHOUSE_DOC = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
README_MAX_BYTES = 10_000


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


def _docs_links() -> list[str]:
    """Targets of the README's links and images into docs/, anchors included."""
    return sorted(set(re.findall(r"\]\((docs/[^)\s]+)\)", README)))


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(markdown: str) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} (.+)$", markdown, re.M):
        slug = _slug(heading)
        anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _table_sections() -> dict[str, str]:
    """Each "## `table`" section of docs/warehouse.md, up to the next level-2 heading."""
    sections: dict[str, str] = {}
    for block in re.split(r"^(?=## )", WAREHOUSE_DOC, flags=re.M):
        heading = re.match(r"## `(\w+)`\n", block)
        if heading is not None:
            assert heading.group(1) not in sections, f"two sections for {heading.group(1)}"
            sections[heading.group(1)] = block
    return sections


def test_readme_opens_with_the_two_setup_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make demo", "make test"]
    assert README.index("make demo") < 200


def test_readme_is_a_short_front_door():
    size = len(README.encode("utf-8"))
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move detail into docs/"


def test_readme_shows_the_theme_report_screenshot():
    assert "docs/theme-report.png" in _docs_links()
    assert (ROOT / "docs" / "theme-report.png").is_file()


@pytest.mark.parametrize("link", _docs_links())
def test_readme_links_into_docs_exist(link):
    path, _, anchor = link.partition("#")
    target = ROOT / path
    assert target.is_file(), f"README links to {path}, which does not exist"
    if anchor:
        assert anchor in _anchors(target.read_text(encoding="utf-8")), f"no heading for {link}"


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_cli_doc(command):
    pattern = rf"verbatim {re.escape(command)}(?![\w-])"
    assert re.search(pattern, CLI_DOC), f"`verbatim {command}` is not in docs/cli.md"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_warehouse_table_has_its_section(table):
    section = _table_sections().get(table)
    assert section is not None, f"docs/warehouse.md has no section ## `{table}`"
    assert "One row per" in section
    documented = re.findall(r"^- `(\w+)`", section, re.M)
    assert len(documented) == len(set(documented)), f"{table}: a column is listed twice"
    columns = set(TABLES[table].columns)
    assert not columns - set(documented), f"{table}: undocumented {columns - set(documented)}"
    assert not set(documented) - columns, f"{table}: not columns {set(documented) - columns}"


def test_the_warehouse_doc_documents_no_other_tables():
    assert set(_table_sections()) == set(TABLES)
