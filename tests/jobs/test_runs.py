"""Runs: the workspace's run lock, the `runs` table and step records (pipeline.jobs.runs)."""

from __future__ import annotations

import json
import threading

import pytest

from pipeline.config import Config
from pipeline.errors import RunLockedError
from pipeline.jobs.runs import PipelineRun, RunLock, lock_path, recent_runs, step_counts
from pipeline.storage.warehouse import Warehouse


def test_a_second_lock_holder_is_refused_with_who_holds_it(workspace: Config) -> None:
    path = lock_path(workspace)
    with RunLock(path):
        with pytest.raises(RunLockedError) as refused:
            RunLock(path).acquire()
        message = str(refused.value)
        assert str(path) in message and "another verbatim run is in progress" in message
        assert "pid " in message and "--wait" in message
    with RunLock(path):  # released: free again
        pass


def test_a_waiting_run_gets_the_lock_when_the_first_finishes(workspace: Config) -> None:
    path = lock_path(workspace)
    held, release = threading.Event(), threading.Event()
    events: list[str] = []

    def hold_until_released() -> None:
        with RunLock(path):
            held.set()
            assert release.wait(30), "never told to release"
            events.append("first released")

    holder = threading.Thread(target=hold_until_released)
    holder.start()
    assert held.wait(30), "the first run never got the lock"
    with pytest.raises(RunLockedError):
        RunLock(path).acquire()  # held: a run that does not wait stops at once
    threading.Timer(0.2, release.set).start()  # the first run finishes while the second waits
    with RunLock(path, wait=30):
        events.append("second acquired")
    holder.join(30)
    assert not holder.is_alive()
    assert events == ["first released", "second acquired"]


def test_a_run_records_its_steps_and_ends_completed(workspace: Config) -> None:
    with PipelineRun(workspace, flow_run_id="flow-1") as run:
        run.lap("ingest_survey", {"accepted": 3, "files": ["a.csv"], "nested": {"x": 1}})
        report = run.lap("enrich", None)
    assert report is None
    [row] = recent_runs(workspace)
    assert row["run_id"] == run.run_id and row["flow_run_id"] == "flow-1"
    assert row["status"] == "completed" and row["error"] is None
    assert row["config_hash"] == workspace.fingerprint()
    assert [step["step"] for step in row["steps"]] == ["ingest_survey", "enrich"]
    assert row["steps"][0]["counts"] == {"accepted": 3, "files": 1, "nested": {"x": 1}}
    assert all(step["seconds"] >= 0 and step["peak_rss_mb"] > 0 for step in row["steps"])
    assert row["seconds"] >= 0 and row["peak_rss_mb"] > 0
    assert row["finished_at"] >= row["started_at"]


def test_a_failing_run_is_recorded_as_failed_and_releases_the_lock(workspace: Config) -> None:
    with pytest.raises(ValueError, match="bad input"), PipelineRun(workspace) as run:
        run.lap("enrich", {"records": 1})
        raise ValueError("bad input")
    [row] = recent_runs(workspace)
    assert row["status"] == "failed"
    assert row["error"] == "ValueError after enrich: bad input"
    with RunLock(lock_path(workspace)):
        pass


def test_a_run_left_running_by_a_killed_process_is_marked_interrupted(
    workspace: Config,
) -> None:
    with PipelineRun(workspace) as killed:
        pass
    with Warehouse(workspace.warehouse.path) as warehouse:  # as a SIGKILL would leave it
        warehouse.runs.update_run(killed.run_id, status="running", finished_at=None)
    with PipelineRun(workspace) as following:
        assert following.interrupted == [killed.run_id]
    rows = {row["run_id"]: row for row in recent_runs(workspace)}
    assert rows[killed.run_id]["status"] == "interrupted"
    assert "killed" in rows[killed.run_id]["error"]
    assert rows[following.run_id]["status"] == "completed"


def test_a_locked_workspace_adds_no_run_row(workspace: Config) -> None:
    with RunLock(lock_path(workspace)), pytest.raises(RunLockedError):
        PipelineRun(workspace).__enter__()
    assert recent_runs(workspace) == []


def test_step_counts_keep_scalars_and_sizes() -> None:
    class Report:
        def as_dict(self) -> dict[str, object]:
            return {"records": 2, "labels": {"negative": 1}, "files": [1, 2, 3], "deep": {"a": []}}

    assert step_counts(Report()) == {"records": 2, "labels": {"negative": 1}, "files": 3}
    assert step_counts(None) == {}
    assert json.dumps(step_counts({"when": "2026-01-01", "ok": True}))


def test_the_ingest_steps_skipped_and_failed_files_are_kept_in_the_row(workspace: Config) -> None:
    skipped = {"file": "inbox/survey/README.txt", "source": "survey", "reason": "not survey"}
    failed = {"file": "inbox/chat/broken.json", "source": "chat", "reason": "is not valid JSON"}
    with PipelineRun(workspace) as run:
        run.lap("ingest_survey", {"accepted": 2, "skipped_files": [skipped], "failed_files": []})
        run.lap("ingest_chat", {"accepted": 0, "skipped_files": [], "failed_files": [failed]})
        run.lap("enrich", {"records": 2})
        with Warehouse(workspace.warehouse.path, read_only=True) as warehouse:  # kept at once
            stored = warehouse.read_table("runs").iloc[0]
        assert json.loads(stored["failed_files"]) == [failed]
    [row] = recent_runs(workspace)
    assert (row["skipped_files"], row["failed_files"]) == ([skipped], [failed])
    assert row["steps"][1]["counts"]["failed_files"] == 1
    assert row["status"] == "completed"


def test_a_run_without_inbox_files_has_empty_lists(workspace: Config) -> None:
    with PipelineRun(workspace) as run:
        run.lap("enrich", None)
    [row] = recent_runs(workspace)
    assert (row["skipped_files"], row["failed_files"]) == ([], [])
