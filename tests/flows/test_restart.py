"""A run killed with SIGKILL at several stages is completed by the next run: nothing is lost or
duplicated, and the warehouse then holds what an uninterrupted run's holds. Two runs at once: the
second stops with a clear message (exit 75) and writes nothing.

The runs are real `verbatim run` processes against the test harness's Prefect API (so no process
starts a server of its own); each kill lands right after a step finished, inside the next one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.config import Config
from pipeline.demo import generate_demo, write_demo
from pipeline.jobs.status import warehouse_tables
from pipeline.storage.compare import table_differences

pytestmark = [pytest.mark.slow, pytest.mark.flows]

#: (step whose end triggers the kill, the step the kill lands in)
KILLS = (
    ("ingest_social", "enrich"),
    ("enrich", "embed"),
    ("sentiment", "themes"),
    ("themes", "analytics"),
)
_COUNTS = {
    "records": "SELECT count(*), count(DISTINCT record_id) FROM records",
    "enriched_records": "SELECT count(*), count(DISTINCT record_id) FROM enriched_records",
    "opinion_units": "SELECT count(*), count(DISTINCT unit_id) FROM opinion_units",
    "record_sentiment": "SELECT count(*), count(DISTINCT record_id) FROM record_sentiment",
    "unit_sentiment": "SELECT count(*), count(DISTINCT unit_id) FROM unit_sentiment",
    "unit_themes": "SELECT count(*), count(DISTINCT unit_id) FROM unit_themes",
    "batches": "SELECT count(*), count(DISTINCT file_hash) FROM batches",
    "followups": "SELECT count(*), count(DISTINCT record_id) FROM followups",
    "nps_by_segment": "SELECT count(*), count(*) FROM nps_by_segment",
}


def _workspace(root: Path) -> Path:
    root.mkdir()
    # the sentiment head stays the shipped ensemble: training the workspace's own head (a step
    # of its own, tested in test_sentiment) would add 5-8 s to each of two runs here
    (root / "verbatim.toml").write_text(
        '[embed]\nmodel = "static"\n[sentiment]\nmodel = "ensemble"\n'
        "[drivers]\nresamples = 200\nmodel_resamples = 5\n",
        encoding="utf-8",
    )
    demo = generate_demo(n_survey=200, n_chat=40, n_social=40, seed=11)
    paths = write_demo(demo, root / "incoming")
    for source, path in (("survey", paths.survey), ("chat", paths.chat),
                         ("social", paths.social)):  # fmt: skip
        folder = root / "data" / "inbox" / source
        folder.mkdir(parents=True)
        path.rename(folder / path.name)
    return root


def _env(api_url: str, cache: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_LOGGING_EXTRA_LOGGERS": "pipeline",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "VERBATIM_CACHE": str(cache),
    }


def _verbatim(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


def _run(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _verbatim("run", *args),
        check=False,
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _kill_after(root: Path, env: dict[str, str], step: str) -> str:
    """Start a run, SIGKILL it just after ``step`` finished; return what it printed."""
    process = subprocess.Popen(
        _verbatim("run"), cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 300
    for line in process.stdout:
        seen.append(line)
        if f"step {step} done" in line:
            process.send_signal(signal.SIGKILL)
            break
        assert time.monotonic() < deadline, "".join(seen)
    process.wait(timeout=60)
    output = "".join(seen)
    assert process.returncode == -signal.SIGKILL, output
    return output


def _counts(root: Path) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True) as con:
        return {name: con.execute(sql).fetchone() for name, sql in _COUNTS.items()}


def _runs(root: Path) -> list[tuple[str, str | None]]:
    with duckdb.connect(str(root / "data" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT status, error FROM runs ORDER BY started_at").fetchall()


def test_runs_killed_at_several_stages_complete_on_the_next_run(
    api_url: str, tmp_path: Path, _user_cache: Path
) -> None:
    env = _env(api_url, _user_cache)
    reference = _workspace(tmp_path / "reference")
    clean = _run(reference, env, "--json")
    assert clean.returncode == 0, clean.stderr
    expected = _counts(reference)
    assert expected["records"][0] == 280  # 200 answers, 40 chats, 40 social mentions

    killed = _workspace(tmp_path / "killed")
    for after, inside in KILLS:
        _kill_after(killed, env, after)
        statuses = [status for status, _ in _runs(killed)]
        assert statuses[-1] == "running", f"killed in {inside}: the row stays until the next run"
    resumed = _run(killed, env, "--json")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert len(summary["interrupted_runs"]) == 1  # the last killed run; earlier ones were found
    counts = _counts(killed)
    for table, (rows, distinct) in counts.items():
        assert rows == distinct, f"{table}: duplicates after the kills"
    assert counts == expected
    # not only as many rows: the same data, themes and figures as the uninterrupted run (the
    # runs table aside, which tells the two histories apart)
    tables = [
        warehouse_tables(Config(), path=root / "data" / "warehouse.duckdb")
        for root in (killed, reference)
    ]
    for both in tables:
        del both["runs"]
    assert [d.describe() for d in table_differences(*tables)] == []
    runs = _runs(killed)
    assert [status for status, _ in runs] == ["interrupted"] * len(KILLS) + ["completed"]
    assert all("killed" in (error or "") for _, error in runs[:-1])


def test_a_second_run_at_the_same_time_stops_with_a_clear_message(
    api_url: str, tmp_path: Path, _user_cache: Path
) -> None:
    from pipeline.config import load_config
    from pipeline.jobs.runs import RunLock, lock_path

    root = _workspace(tmp_path / "busy")
    env = _env(api_url, _user_cache)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        lock = lock_path(load_config())
        with RunLock(lock):  # as a run in progress holds it
            second = _run(root, env)
    finally:
        os.chdir(cwd)
    assert second.returncode == 75, second.stdout + second.stderr
    assert "another verbatim run is in progress" in second.stderr
    assert not (root / "data" / "warehouse.duckdb").exists() or not _runs(root)
