"""`verbatim ingest` on an inbox: one bad file never blocks the others (exit 0, 1 or 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()

GOOD = "id,date,score,comment\nR1,2026-09-01,9,Quick help\nR2,2026-09-02,3,Slow refund\n"
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("good.csv").write_text(GOOD, encoding="utf-8")
    Path("binary.csv").write_bytes(BINARY)
    return tmp_path


def _records() -> list[str]:
    result = runner.invoke(app, ["export", "records", "--out", "records.csv"])
    assert result.exit_code == 0, result.output
    return Path("records.csv").read_text(encoding="utf-8").splitlines()[1:]


def test_a_good_and_a_binary_file_ingest_the_good_one_and_exit_1(inbox: Path) -> None:
    result = runner.invoke(app, ["ingest", "survey", "good.csv", "binary.csv", "--json"])

    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [item["path"] for item in report["files"]] == ["good.csv"]
    assert report["accepted"] == 2
    [failed] = report["failed_files"]
    assert (failed["file"], failed["source"]) == ("binary.csv", "survey")
    assert "binary data" in failed["reason"]
    assert (report["skipped_files"], report["notes"]) == ([], [])
    assert len(_records()) == 2


def test_the_table_output_names_the_failed_file_on_stderr(inbox: Path) -> None:
    result = runner.invoke(app, ["ingest", "survey", "good.csv", "binary.csv"])

    assert result.exit_code == 1
    assert "2 accepted + 0 rejected + 0 duplicates = 2 rows read" in result.stdout
    assert "binary.csv: holds binary data" in result.stderr
    assert "not ingested" in result.stderr


def test_only_bad_files_exit_2_and_write_nothing(inbox: Path) -> None:
    result = runner.invoke(app, ["ingest", "survey", "binary.csv", "missing.csv", "--json"])

    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [item["file"] for item in report["failed_files"]] == ["binary.csv", "missing.csv"]
    assert report["files"] == [] and report["accepted"] == 0
    assert not (inbox / "data" / "warehouse.duckdb").exists()


def test_a_folder_skips_what_is_not_the_sources_and_ingests_the_rest(inbox: Path) -> None:
    folder = Path("inbox")
    folder.mkdir()
    (folder / "answers.csv").write_text(GOOD, encoding="utf-8")
    (folder / "README.txt").write_text("Drop the weekly NPS export here.\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(BINARY)

    result = runner.invoke(app, ["ingest", "survey", "inbox", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["accepted"] == 2
    assert [item["file"] for item in report["skipped_files"]] == [str(folder / "README.txt")]
    assert "not a survey file" in report["skipped_files"][0]["reason"]
    assert report["failed_files"] == []
    table = runner.invoke(app, ["ingest", "survey", "inbox"])
    assert "skipped:" in table.stdout and "README.txt" in table.stdout


def test_a_folder_with_nothing_of_the_source_is_an_error(inbox: Path) -> None:
    Path("inbox").mkdir()
    (Path("inbox") / "README.txt").write_text("notes\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "chat", "inbox"])
    assert result.exit_code == 2
    assert "README.txt" in result.stderr and "no files to ingest" in result.stderr


def test_a_survey_file_ingested_as_social_prints_a_warning(inbox: Path) -> None:
    result = runner.invoke(app, ["ingest", "social", "good.csv"])
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr
    assert "good.csv looks like a survey export (columns score, comment)" in result.stderr
    assert "verbatim ingest survey" in result.stderr

    again = json.loads(runner.invoke(app, ["ingest", "social", "good.csv", "--json"]).stdout)
    [note] = again["notes"]  # re-ingested (a no-op): the note still says it
    assert "its scores are not kept" in note
