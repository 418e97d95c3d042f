"""The nightly flow on a local Dask cluster of two worker processes gives the results it gives
in-process (enrichment, embeddings, sentiment and theme assignment run partitioned there): the
same tables, bit for bit."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.demo import generate_demo, write_demo
from pipeline.jobs.status import warehouse_tables
from pipeline.storage.compare import table_differences

pytestmark = [pytest.mark.slow, pytest.mark.flows]


def _workspace(root: Path) -> tuple[Path, dict[str, list[str]]]:
    root.mkdir()
    (root / "verbatim.toml").write_text(
        '[embed]\nmodel = "static"\n[drivers]\nresamples = 100\nmodel_resamples = 5\n',
        encoding="utf-8",
    )
    paths = write_demo(generate_demo(n_survey=150, n_chat=30, n_social=30, seed=13), root / "in")
    # paths relative to the workspace (the flow runs in it), so both record the same file names
    files = {"survey": paths.survey, "chat": paths.chat, "social": paths.social}
    return root, {source: [str(path.relative_to(root))] for source, path in files.items()}


def test_the_flow_on_dask_gives_the_in_process_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster
    from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    from flows.nightly import nightly

    here, here_sources = _workspace(tmp_path / "in-process")
    there, there_sources = _workspace(tmp_path / "on-dask")
    storage = tmp_path / "prefect-results"
    with temporary_settings({PREFECT_LOCAL_STORAGE_PATH: storage}), prefect_test_harness():
        # the workers report their task runs to the same API as this process
        monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
        monkeypatch.chdir(here)
        local = nightly(sources=here_sources)
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            monkeypatch.chdir(there)
            remote = nightly(sources=there_sources, dask_address=cluster.scheduler_address)
            prefixes = set(cluster.scheduler.task_prefixes)
    assert any(prefix.startswith("compute_partition") for prefix in prefixes), prefixes
    assert local["enrich"]["records"] == remote["enrich"]["records"] == 210
    assert remote["embed"]["embedded"] == local["embed"]["embedded"] > 0
    assert local["themes"]["themes"] == remote["themes"]["themes"] > 0
    # every table the same, to the last bit of every float (the runs table aside: the Dask run
    # records its scheduler address)
    mine, theirs = (
        warehouse_tables(Config(), path=root / "data" / "warehouse.duckdb")
        for root in (here, there)
    )
    for name in ("enriched_records", "embeddings", "unit_sentiment", "unit_themes", "drivers"):
        assert len(mine[name]) > 0, name
    del mine["runs"], theirs["runs"]
    assert [d.describe() for d in table_differences(mine, theirs)] == []
