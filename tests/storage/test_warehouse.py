"""The warehouse: a file lands whole or not at all, exports, unknown tables, the write lock."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline import ingest as readers
from pipeline.errors import UnknownTableError, WarehouseError, WarehouseLockedError
from pipeline.jobs.ingest import ingest_files
from pipeline.jobs.status import warehouse_status
from pipeline.schemas import TABLES as SCHEMA_TABLES
from pipeline.storage.records import RecordTables
from pipeline.storage.warehouse import Warehouse, open_warehouse

TABLES = sorted(SCHEMA_TABLES)


def write_survey(path: Path, n: int, *, first: int = 0) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "score", "comment"])
        for i in range(first, first + n):
            score = "x" if i % 30 == 0 else str(i % 11)
            writer.writerow([f"R{i}", "2026-04-01 10:00", score, f"svar {i}, æøå"])
    return path


def counts(warehouse: Warehouse) -> dict[str, int]:
    return {table: warehouse.count_rows(table) for table in TABLES}


def staged(warehouse: Warehouse) -> int:
    return sum(
        warehouse._db.execute(f'SELECT count(*) FROM temp.main."staged_{table}"').fetchone()[0]
        for table in ("records", "rejects", "chat_messages", "mentions")
    )


class ReaderFailed(Exception):
    pass


def fail_after_first_chunk(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> list[int]:
    """Make the survey reader raise after yielding its first chunk; return chunks yielded."""
    real = readers.READERS["survey"]
    yielded: list[int] = []

    def reader(plan, **kwargs) -> Iterator[readers.IngestChunk]:
        for chunk in real(plan, **kwargs):
            if yielded:
                raise error
            yielded.append(len(chunk.records))
            yield chunk

    monkeypatch.setitem(readers.READERS, "survey", reader)
    return yielded


@pytest.mark.parametrize("error", [ReaderFailed("disk went away"), KeyboardInterrupt()])
def test_a_file_that_fails_midway_leaves_nothing(workspace, make_config, monkeypatch, error):
    cfg = make_config(chunk_rows=100)
    good = write_survey(Path("good.csv"), 300)
    bad = write_survey(Path("bad.csv"), 300, first=1000)
    ingest_files([good], source="survey", cfg=cfg)
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        before = counts(warehouse)
        records_before = warehouse.read_table("records")
    with monkeypatch.context() as patch:
        yielded = fail_after_first_chunk(patch, error)
        with pytest.raises(type(error)):
            ingest_files([bad], source="survey", cfg=cfg)

    assert yielded == [97]  # the first chunk was read and staged before the failure
    with Warehouse(cfg.warehouse.path) as warehouse:
        assert counts(warehouse) == before
        assert staged(warehouse) == 0
        assert warehouse.read_table("batches")["file"].tolist() == ["good.csv"]
        pd.testing.assert_frame_equal(warehouse.read_table("records"), records_before)
    assert before == {
        "alerts": 0,
        "batches": 1,
        "chat_messages": 0,
        "deliveries": 0,
        "drivers": 0,
        "embeddings": 0,
        "enriched_records": 0,
        "followup_actions": 0,
        "followups": 0,
        "mentions": 0,
        "nps_by_segment": 0,
        "opinion_units": 0,
        "pipeline_state": 0,
        "raw_records": 290,
        "record_sentiment": 0,
        "record_themes": 0,
        "record_topics": 0,
        "records": 290,
        "rejects": 10,
        "runs": 0,
        "theme_lineage": 0,
        "theme_trends": 0,
        "themes": 0,
        "topics": 0,
        "unit_sentiment": 0,
        "unit_themes": 0,
        "unit_topics": 0,
    }

    [file] = ingest_files([bad], source="survey", cfg=cfg).files
    assert (file.rows, file.accepted, file.rejected, file.duplicates) == (300, 290, 10, 0)


def test_a_failure_in_the_middle_of_several_files_keeps_the_earlier_ones(
    workspace, make_config, monkeypatch
):
    cfg = make_config(chunk_rows=100)
    first = write_survey(Path("first.csv"), 150)
    second = write_survey(Path("second.csv"), 150, first=500)
    real = readers.READERS["survey"]

    def reader(plan, **kwargs):
        if plan.info.path.name == "second.csv":
            raise ReaderFailed("second file broke")
        return real(plan, **kwargs)

    monkeypatch.setitem(readers.READERS, "survey", reader)

    with pytest.raises(ReaderFailed):
        ingest_files([first, second], source="survey", cfg=cfg)

    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        assert warehouse.read_table("batches")["file"].tolist() == ["first.csv"]
        assert set(warehouse.read_table("records")["source_file"]) == {"first.csv"}
        assert set(warehouse.read_table("rejects")["file"]) == {"first.csv"}


def test_a_crash_before_publishing_leaves_nothing_staged_or_published(workspace, monkeypatch):
    crashed = write_survey(Path("crashed.csv"), 40)

    def crash(self, meta, counts):
        raise ReaderFailed("killed before the final commit")

    with monkeypatch.context() as patch:
        patch.setattr(RecordTables, "_publish", crash)
        with pytest.raises(ReaderFailed):
            ingest_files([crashed], source="survey", cfg=workspace)
    with Warehouse(workspace.warehouse.path) as warehouse:
        assert staged(warehouse) == 0
        assert counts(warehouse)["records"] == 0
        assert counts(warehouse)["rejects"] == 0

    later = write_survey(Path("later.csv"), 5, first=100)
    ingest_files([later], source="survey", cfg=workspace)

    with Warehouse(workspace.warehouse.path) as warehouse:
        assert staged(warehouse) == 0
        assert set(warehouse.read_table("records")["source_file"]) == {"later.csv"}
        assert warehouse.read_table("batches")["file"].tolist() == ["later.csv"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_table(workspace, suffix, tmp_path):
    ingest_files([write_survey(Path("a.csv"), 40)], source="survey", cfg=workspace)
    out = tmp_path / "exports" / f"records{suffix}"

    with Warehouse(workspace.warehouse.path, read_only=True) as warehouse:
        n = warehouse.export_table("records", out)
        records = warehouse.read_table("records")

    exported = pd.read_csv(out, dtype=str) if suffix == ".csv" else pd.read_parquet(out)
    assert n == len(records) == len(exported) == 38
    assert list(exported.columns) == list(records.columns)
    assert sorted(exported["source_id"]) == sorted(records["source_id"])
    assert sorted(exported["text"]) == sorted(records["text"])


def test_export_refuses_an_unknown_format(workspace, tmp_path):
    ingest_files([write_survey(Path("a.csv"), 3)], source="survey", cfg=workspace)

    with (
        Warehouse(workspace.warehouse.path, read_only=True) as warehouse,
        pytest.raises(WarehouseError, match=r"unsupported export format '\.xlsx'; use \.csv"),
    ):
        warehouse.export_table("records", tmp_path / "records.xlsx")
    assert not (tmp_path / "records.xlsx").exists()


@pytest.mark.parametrize("name", ["recordz", "staged_records", 'records"; DROP TABLE records; --'])
def test_unknown_table_is_refused(workspace, tmp_path, name):
    with Warehouse(workspace.warehouse.path) as warehouse:
        with pytest.raises(
            UnknownTableError,
            match=r"no warehouse table named .* Tables: " + re.escape(", ".join(TABLES)),
        ):
            warehouse.read_table(name)
        with pytest.raises(UnknownTableError):
            warehouse.export_table(name, tmp_path / "out.csv")
        assert warehouse.count_rows(name) == 0
        assert counts(warehouse)["records"] == 0
    assert not (tmp_path / "out.csv").exists()


def test_schema_is_created_once_with_configured_segments(workspace, make_config):
    cfg = make_config(survey={"segments": {"kundetype": "Kundetype", "team": "Hold"}})
    path = Path("a.csv")
    path.write_text(
        "id,score,comment,Kundetype,Hold\nR1,9,fint,Privat,Nord\nR2,3,skidt,Erhverv,Syd\n",
        encoding="utf-8",
    )

    ingest_files([path], source="survey", cfg=cfg)
    with open_warehouse(cfg) as warehouse:  # opening again adds nothing twice
        assert warehouse.table_names() == TABLES
        assert warehouse.columns("records").count("kundetype") == 1
        records = warehouse.read_table("records").sort_values("source_id")

    assert records["kundetype"].tolist() == ["Privat", "Erhverv"]
    assert records["team"].tolist() == ["Nord", "Syd"]


def test_summaries(workspace):
    path = write_survey(Path("a.csv"), 31)

    ingest_files([path], source="survey", cfg=workspace)

    with Warehouse(workspace.warehouse.path, read_only=True) as warehouse:
        assert warehouse.records.records_by_source() == {"survey": 29}
        scores = warehouse.records.scores("nps")
        batches = warehouse.records.last_batches()
    assert sorted(scores) == sorted(float(i % 11) for i in range(1, 30))
    assert batches[["file", "rows", "accepted", "rejected", "duplicates"]].values.tolist() == [
        ["a.csv", 31, 29, 2, 0]
    ]
    status = warehouse_status(workspace)
    assert status["records"] == {"survey": 29}
    assert status["rejects"] == 2


def test_opening_read_only_needs_an_existing_warehouse(workspace):
    with pytest.raises(WarehouseError, match="no warehouse yet"):
        Warehouse(workspace.warehouse.path, read_only=True).open()
    assert not workspace.warehouse.path.exists()


def test_a_file_that_is_not_a_warehouse_is_refused(workspace):
    path = Path("data/warehouse.duckdb")
    path.parent.mkdir()
    path.write_bytes(b"not a database" * 100)

    with pytest.raises(
        WarehouseError, match=r"warehouse\.duckdb: cannot open .*not a valid DuckDB"
    ):
        Warehouse(path.resolve()).open()


def test_in_one_process_writers_share_and_a_reader_is_refused(workspace):
    # DuckDB shares one database instance per process: a second writable connection is fine,
    # a read-only one beside it has other settings and is refused without blaming the file
    with Warehouse(workspace.warehouse.path) as first:
        with Warehouse(workspace.warehouse.path) as second:
            assert second.table_names() == TABLES
        with pytest.raises(WarehouseError, match="already open in this process") as caught:
            Warehouse(workspace.warehouse.path, read_only=True).open()
        assert "Move it aside" not in str(caught.value)
        assert first.table_names() == TABLES


HOLDER = """
import sys
from pathlib import Path
from pipeline.storage.warehouse import Warehouse
with Warehouse(Path(sys.argv[1])):
    print("ready", flush=True)
    sys.stdin.read()
"""


@pytest.mark.slow
def test_a_second_process_gets_warehouse_locked(workspace):
    path = write_survey(Path("a.csv"), 5)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(workspace.warehouse.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseLockedError, match="in use by another Verbatim process"):
            ingest_files([path], source="survey", cfg=workspace)
        with pytest.raises(WarehouseLockedError, match="nothing was written"):
            Warehouse(workspace.warehouse.path, read_only=True).open()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)

    assert holder.returncode == 0
    [file] = ingest_files([path], source="survey", cfg=workspace).files
    assert file.accepted == 4
    con = duckdb.connect(str(workspace.warehouse.path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM batches").fetchone() == (1,)
    finally:
        con.close()


def test_plain_values_are_strict_json() -> None:
    """Warehouse rows and report figures share one converter to strict JSON values."""
    import json

    import numpy as np
    import pandas as pd

    from pipeline.schemas import plain_value

    value = {
        1: np.int64(3),
        "x": (np.float32(0.5), float("nan"), float("inf"), pd.NA, pd.NaT),
        "when": pd.Timestamp("2026-09-01T10:00:00Z"),
        "series": pd.Series([1.0, np.nan]),
        "nested": [np.array([np.int32(1), np.int32(2)])],
    }
    plain = plain_value(value)
    assert plain == {
        "1": 3,
        "x": [0.5, None, None, None, None],
        "when": "2026-09-01T10:00:00+00:00",
        "series": [1.0, None],
        "nested": [[1, 2]],
    }
    json.dumps(plain, allow_nan=False)  # raises on any NaN or infinity left
