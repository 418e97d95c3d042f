"""A process killed in the middle of a file leaves the warehouse as if the file was never read."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

ROWS = 30_000


def _write_big_survey(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "score", "comment", "team"])
        for i in range(ROWS):
            writer.writerow(
                [f"R{i}", "2026-05-01 10:00", i % 11, f"svar nummer {i}, æøå", f"team {i % 7}"]
            )


def _ingest_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "-v", "ingest", "survey", str(path), "--json"]


def _counts(warehouse: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return (
            con.execute("SELECT count(*) FROM records").fetchone()[0],
            con.execute("SELECT count(*) FROM batches").fetchone()[0],
            con.execute("SELECT count(*) FROM rejects").fetchone()[0],
        )
    finally:
        con.close()


@pytest.mark.parametrize("kill_after_chunks", [1, 4])
def test_sigkill_mid_file_leaves_nothing_then_a_rerun_completes(
    tmp_path, monkeypatch, kill_after_chunks
):
    monkeypatch.chdir(tmp_path)
    Path("verbatim.toml").write_text("[ingest]\nchunk_rows = 1000\n", encoding="utf-8")
    source = tmp_path / "big.csv"
    _write_big_survey(source)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        _ingest_command(source),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    marker = f"chunk {kill_after_chunks} written"
    deadline = time.monotonic() + 120
    killed = False
    assert process.stderr is not None
    for line in process.stderr:
        if marker in line:
            process.send_signal(signal.SIGKILL)
            killed = True
            break
        assert time.monotonic() < deadline, "ingest never reported progress"
    process.wait(timeout=30)
    assert killed, "the ingest finished before it could be killed"
    assert process.returncode == -signal.SIGKILL

    warehouse = tmp_path / "data" / "warehouse.duckdb"
    assert _counts(warehouse) == (0, 0, 0)

    done = subprocess.run(
        _ingest_command(source), capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert _counts(warehouse) == (ROWS, 1, 0)

    again = subprocess.run(
        _ingest_command(source), capture_output=True, text=True, env=env, check=False
    )
    assert again.returncode == 0, again.stderr
    assert '"duplicates": 30000' in again.stdout
    assert _counts(warehouse) == (ROWS, 1, 0)
