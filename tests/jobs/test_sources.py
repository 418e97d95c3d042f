"""SQL sources: queries through SQLAlchemy become snapshots ingested like files."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from pipeline.config import config_from_dict
from pipeline.errors import ConfigError, SourceError, SourceUnavailableError
from pipeline.jobs.ingest import ingest_files
from pipeline.jobs.sources import EPOCH, gather_inputs, last_fetch, source_inputs


def _database(path: Path, rows: list[tuple]) -> None:
    with sqlite3.connect(path) as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS answers "
            "(id TEXT, answered TEXT, score INTEGER, comment TEXT, loaded_at TEXT)"
        )
        con.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?)", rows)


def _config(tmp_path: Path, query: str, url: str | None = None):
    return config_from_dict(
        {
            "warehouse": {"path": str(tmp_path / "data" / "warehouse.duckdb")},
            "sources": {
                "survey": [str(tmp_path / "inbox" / "*")],
                "queries": [
                    {
                        "name": "nps_db",
                        "source": "survey",
                        "url": url or f"sqlite:///{tmp_path / 'answers.db'}",
                        "query": query,
                    }
                ],
            },
        }
    )


QUERY = (
    "SELECT id, answered AS date, score, comment FROM answers WHERE loaded_at > :since ORDER BY id"
)


def test_a_query_is_ingested_like_a_file_and_asks_only_for_new_rows(tmp_path: Path) -> None:
    _database(
        tmp_path / "answers.db",
        [("1", "2026-09-01", 10, "Great service", "2026-09-01 10:00:00"),
         ("2", "2026-09-02", 2, "Slow and rude", "2026-09-02 10:00:00"),
         ("3", "2026-09-02", 42, "Score out of range", "2026-09-02 11:00:00")],
    )  # fmt: skip
    cfg = _config(tmp_path, QUERY)
    assert last_fetch(cfg, cfg.sources.queries[0]) == EPOCH
    [snapshot] = source_inputs(cfg, "survey").files
    assert snapshot.parent == tmp_path / "data" / "queries" / "nps_db"
    report = ingest_files([snapshot], source="survey", cfg=cfg)
    assert (report.accepted, report.rejected) == (2, 1)
    assert source_inputs(cfg, "chat").files == []  # the query is a survey source

    fetched = last_fetch(cfg, cfg.sources.queries[0])
    assert EPOCH < fetched <= dt.datetime.now(dt.UTC)
    assert source_inputs(cfg, "survey").files == []  # nothing loaded since: no snapshot

    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    _database(tmp_path / "answers.db", [("4", "2026-09-03", 9, "Quick fix", later)])
    [second] = source_inputs(cfg, "survey").files
    assert second != snapshot
    report = ingest_files([second], source="survey", cfg=cfg)
    assert (report.accepted, report.rejected, report.duplicates) == (1, 0, 0)


def test_refetched_rows_are_duplicates_not_new_records(tmp_path: Path) -> None:
    _database(tmp_path / "answers.db", [("1", "2026-09-01", 10, "Great", "2026-09-01")])
    cfg = _config(tmp_path, "SELECT id, answered AS date, score, comment FROM answers")
    [first] = source_inputs(cfg, "survey").files
    assert ingest_files([first], source="survey", cfg=cfg).accepted == 1
    [again] = source_inputs(cfg, "survey").files
    report = ingest_files([again], source="survey", cfg=cfg)
    assert (report.accepted, report.duplicates) == (0, 1)


def test_a_broken_query_names_the_source(tmp_path: Path) -> None:
    _database(tmp_path / "answers.db", [])
    cfg = _config(tmp_path, "SELECT nothing FROM nowhere")
    with pytest.raises(SourceError, match=r"sources\.queries\[0\] \(nps_db\): the query failed"):
        source_inputs(cfg, "survey")


def test_an_unreachable_database_is_worth_retrying(tmp_path: Path) -> None:
    cfg = _config(tmp_path, QUERY, url=f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    with pytest.raises(SourceUnavailableError, match="cannot read the database"):
        source_inputs(cfg, "survey")


def test_secrets_come_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    _database(tmp_path / "answers.db", [("1", "2026-09-01", 10, "Great", "2026-09-01")])
    cfg = _config(tmp_path, QUERY, url="sqlite:///${VERBATIM_TEST_DB}")
    monkeypatch.delenv("VERBATIM_TEST_DB", raising=False)
    with pytest.raises(SourceError, match="environment variable VERBATIM_TEST_DB"):
        source_inputs(cfg, "survey")
    monkeypatch.setenv("VERBATIM_TEST_DB", str(tmp_path / "answers.db"))
    assert len(source_inputs(cfg, "survey").files) == 1


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ({"name": "x", "source": "chat", "url": "sqlite://", "query": "SELECT 1"},
         "sources.queries.0.source"),
        ({"name": "Bad Name", "source": "survey", "url": "sqlite://", "query": "SELECT 1"},
         "sources.queries.0.name"),
        ({"name": "x", "source": "survey", "query": "SELECT 1"}, "sources.queries.0.url"),
    ],
)  # fmt: skip
def test_query_settings_are_validated(query: dict, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        config_from_dict({"sources": {"queries": [query]}})
    assert error.value.key == key


# --- folders and patterns: the source's files, the others skipped --------------------------------


def _inbox(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("b.csv", "a.XLSX", "c.jsonl", "README.txt", "photo.png", ".DS_Store", ".x.csv"):
        (folder / name).write_text("x", encoding="utf-8")
    (folder / "archive").mkdir()
    return folder


@pytest.mark.parametrize(
    ("source", "files", "skipped"),
    [
        ("survey", ["a.XLSX", "b.csv", "c.jsonl"], ["README.txt", "photo.png"]),
        ("social", ["a.XLSX", "b.csv", "c.jsonl"], ["README.txt", "photo.png"]),
        ("chat", ["c.jsonl"], ["README.txt", "a.XLSX", "b.csv", "photo.png"]),
    ],
)
def test_a_folder_gives_the_sources_files_and_lists_the_others(
    tmp_path: Path, source: str, files: list[str], skipped: list[str]
) -> None:
    inbox = _inbox(tmp_path / "inbox")
    for given in (inbox, f"{inbox}/*"):
        inputs = gather_inputs([given], source=source)
        assert [path.name for path in inputs.files] == files
        assert sorted(Path(item.file).name for item in inputs.skipped) == sorted(skipped)
        assert all(item.source == source for item in inputs.skipped)
        assert all(f"not a {source} file" in item.reason for item in inputs.skipped)


def test_a_named_file_or_a_pattern_naming_its_extension_is_taken(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path / "inbox")
    named = gather_inputs([inbox / "README.txt", tmp_path / "missing.csv"], source="survey")
    assert (named.files, named.skipped) == ([inbox / "README.txt", tmp_path / "missing.csv"], [])
    pattern = gather_inputs([f"{inbox}/*.txt"], source="survey")
    assert (pattern.files, pattern.skipped) == ([inbox / "README.txt"], [])


def test_the_configured_inbox_lists_its_skipped_files(tmp_path: Path) -> None:
    _inbox(tmp_path / "inbox")
    cfg = config_from_dict(
        {
            "warehouse": {"path": str(tmp_path / "data" / "warehouse.duckdb")},
            "sources": {"survey": [str(tmp_path / "inbox" / "*")]},
        }
    )
    inputs = source_inputs(cfg, "survey")
    assert [path.name for path in inputs.files] == ["a.XLSX", "b.csv", "c.jsonl"]
    assert [Path(item.file).name for item in inputs.skipped] == ["README.txt", "photo.png"]
