"""The nightly flow on a local Dask cluster of two worker processes gives the results it gives
in-process (enrichment, embeddings, sentiment and theme assignment run partitioned there)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.demo import generate_demo, write_demo

pytestmark = [pytest.mark.slow, pytest.mark.flows]

_TABLES = {
    "enriched_records": "SELECT record_id, clean_text, lang, is_duplicate, duplicate_of, units "
    "FROM enriched_records ORDER BY record_id",
    "opinion_units": "SELECT unit_id, record_id, text, lang FROM opinion_units ORDER BY unit_id",
    "embeddings": "SELECT text_key, embedder, vector FROM embeddings ORDER BY text_key",
    "record_sentiment": "SELECT record_id, label, round(score, 9) AS score, units "
    "FROM record_sentiment ORDER BY record_id",
    "unit_sentiment": "SELECT unit_id, label, round(p_positive, 9) AS p FROM unit_sentiment "
    "ORDER BY unit_id",
    "unit_themes": "SELECT unit_id, theme_id, round(similarity, 6) AS s FROM unit_themes "
    "ORDER BY unit_id",
    "drivers": "SELECT theme_id, level, segment, segment_value, mentions, round(nps_impact, 9) "
    "AS impact FROM drivers ORDER BY ALL",
}


def _workspace(root: Path) -> tuple[Path, dict[str, list[str]]]:
    root.mkdir()
    (root / "verbatim.toml").write_text(
        '[embed]\nmodel = "static"\n[drivers]\nresamples = 100\nmodel_resamples = 5\n',
        encoding="utf-8",
    )
    paths = write_demo(generate_demo(n_survey=150, n_chat=30, n_social=30, seed=13), root / "in")
    return root, {"survey": [str(paths.survey)], "chat": [str(paths.chat)],
                  "social": [str(paths.social)]}  # fmt: skip


def _tables(root: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True) as con:
        return {name: con.execute(sql).df() for name, sql in _TABLES.items()}


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
    mine, theirs = _tables(here), _tables(there)
    for name in _TABLES:
        assert len(mine[name]) > 0, name
        pd.testing.assert_frame_equal(mine[name], theirs[name], obj=name)
