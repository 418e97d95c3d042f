"""`verbatim deploy` against a real Prefect server on loopback: the deployment registers with its
cron schedule, a triggered run completes, and the run is in the workspace's `runs` table."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.flows]

SURVEY = "id,date,score,comment\n1,2026-09-01,10,Great service\n2,2026-09-02,2,Slow and rude\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(check, what: str, timeout: float, process: subprocess.Popen[str] | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            pytest.fail(f"{what}: the process ended early:\n{process.stdout.read()}")  # type: ignore[union-attr]
        try:
            value = check()
        except httpx.HTTPError:
            value = None
        if value:
            return value
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": api,
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
         str(port), "--no-services"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        _wait_for(
            lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200,
            "the Prefect server",
            120,
            process,
        )
        yield api, env
    finally:
        _stop(process)


def test_deploy_serves_a_scheduled_deployment_whose_runs_complete(
    server: tuple[str, dict[str, str]], tmp_path: Path, _user_cache: Path
) -> None:
    api, env = server
    workspace = tmp_path / "workspace"
    (workspace / "data" / "inbox" / "survey").mkdir(parents=True)
    (workspace / "data" / "inbox" / "survey" / "a.csv").write_text(SURVEY, encoding="utf-8")
    (workspace / "verbatim.toml").write_text('[embed]\nmodel = "static"\n', encoding="utf-8")
    env = {**env, "VERBATIM_CACHE": str(_user_cache)}
    serving = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "deploy", "--cron", "0 2 * * *", "--timezone",
         "Europe/Copenhagen"],
        cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        name = f"{api}/deployments/name/verbatim-nightly/nightly"
        deployment = _wait_for(
            lambda: (r := httpx.get(name, timeout=5)).status_code == 200 and r.json(),
            "the deployment",
            180,
            serving,
        )
        [schedule] = deployment["schedules"]
        assert schedule["schedule"]["cron"] == "0 2 * * *"
        assert schedule["schedule"]["timezone"] == "Europe/Copenhagen"

        def create() -> str:
            # a busy server answers 503 (its database was locked) without creating the run
            created = httpx.post(
                f"{api}/deployments/{deployment['id']}/create_flow_run", json={}, timeout=10
            )
            return str(created.raise_for_status().json()["id"])

        run_id = _wait_for(create, "a flow run of the deployment", 60, serving)

        def finished() -> dict | None:
            response = httpx.get(f"{api}/flow_runs/{run_id}", timeout=5).raise_for_status()
            state = response.json()["state"]
            return state if state and state["type"] in {"COMPLETED", "FAILED", "CRASHED"} else None

        state = _wait_for(finished, "the triggered flow run", 300, serving)
        assert state["type"] == "COMPLETED", state
    finally:
        _stop(serving)
    with duckdb.connect(str(workspace / "data" / "warehouse.duckdb"), read_only=True) as con:
        runs = con.execute("SELECT status, flow_run_id FROM runs").fetchall()
        records = con.execute("SELECT count(*) FROM records").fetchone()
    assert runs == [("completed", run_id)]
    assert records == (2,)


def test_deploy_without_a_server_says_how_to_start_one(tmp_path: Path) -> None:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home")}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "deploy"],
        check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "prefect server start" in done.stderr and "PREFECT_API_URL" in done.stderr
