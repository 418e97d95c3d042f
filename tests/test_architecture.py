"""The layout of ../shared/STYLE.md holds: its packages, no private name across modules,
modules of about 600 lines at most, and a test package per library package.

The layer order itself is import-linter's contract in pyproject.toml (`make test` runs it).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "pipeline"
#: The stage packages of the layout, in the layer order (cli on top) plus storage and demo.
PACKAGES = (
    "cli", "jobs", "reports", "analytics", "themes", "sentiment", "embed", "ingest", "text",
    "storage", "demo",
)  # fmt: skip
#: About 600 lines (STYLE.md).
MAX_LINES = 640
#: The two declarative catalogues grow with every setting and table, and are read by name,
#: never top to bottom: one model (config.py) and one catalogue of tables (schemas.py).
CATALOGUE_LINES = {"config.py": 780, "schemas.py": 780}


def _modules() -> list[Path]:
    return sorted([*PIPELINE.rglob("*.py"), *(ROOT / "flows").glob("*.py")])


def test_the_library_is_the_packages_of_the_layout() -> None:
    entries = {p.name for p in PIPELINE.iterdir() if p.name != "__pycache__"}
    modules = {"__init__.py", "config.py", "schemas.py", "errors.py", "py.typed"}
    assert entries == modules | set(PACKAGES) | {"resources"}
    for package in PACKAGES:
        assert (PIPELINE / package / "__init__.py").is_file(), package


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_has_its_tests(package: str) -> None:
    assert list((ROOT / "tests" / package).glob("test_*.py")), f"tests/{package}/ has no tests"


def _private_uses(path: Path) -> list[str]:
    """Private names of another pipeline or flows module that ``path`` imports or reads."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    } | {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            "pipeline",
            "flows",
        ):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("pipeline", "flows"):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")):
            continue
        if node.attr.startswith("__") or node.attr in own:
            continue
        base = node.value
        if isinstance(base, ast.Name) and base.id in ("self", "cls"):
            continue
        found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_name_crosses_a_module_boundary(path: Path) -> None:
    assert _private_uses(path) == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_much_over_600_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    limit = CATALOGUE_LINES.get(path.name, MAX_LINES) if path.parent == PIPELINE else MAX_LINES
    assert lines <= limit, f"{path.relative_to(ROOT)}: {lines} lines"
