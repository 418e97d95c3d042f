"""Shared fixtures: a throw-away working directory with its own warehouse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.config import Config, config_from_dict
from pipeline.storage.warehouse import Warehouse

WAREHOUSE = Path("data/warehouse.duckdb")


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Base models built by tests go to a throw-away cache, never the user's own."""
    folder = tmp_path_factory.mktemp("user-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VERBATIM_CACHE", str(folder))
        yield folder


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Config]:
    """Build a Config whose warehouse lives in tmp_path; keyword arguments go under `ingest`."""

    def make(**ingest: Any) -> Config:
        return config_from_dict(
            {"warehouse": {"path": str(tmp_path / WAREHOUSE)}, "ingest": ingest}
        )

    return make


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_config) -> Config:
    """Work inside tmp_path; the default configuration with the warehouse at data/."""
    monkeypatch.chdir(tmp_path)
    return make_config()


@pytest.fixture
def read_table() -> Callable[[Config, str], pd.DataFrame]:
    """Read a whole warehouse table as a frame (read-only connection)."""

    def read(cfg: Config, name: str) -> pd.DataFrame:
        with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
            return warehouse.read_table(name)

    return read


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory, _user_cache: Path) -> Config:
    """The small analysed demo workspace many tests share, built once per session; read-only.

    See `tests.support.build_demo_workspace`: the demo's three channels plus hostile comments,
    through every stage up to analytics, with a ``verbatim.toml`` in its folder.
    """
    from tests.support import build_demo_workspace

    root = tmp_path_factory.mktemp("demo-workspace")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        return build_demo_workspace(root, _user_cache)


@pytest.fixture(scope="module")
def demo_copy(demo_workspace: Config, tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A private copy of `demo_workspace` for a module whose tests write to it."""
    from tests.support import copy_workspace

    return copy_workspace(demo_workspace, tmp_path_factory.mktemp("demo-copy") / "workspace")
