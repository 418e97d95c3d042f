"""The ingest job: every file stands alone, and a file given as the wrong source is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import ingest as readers
from pipeline.config import Config
from pipeline.errors import InputFileError
from pipeline.jobs.ingest import FileProblem, ingest_files

SURVEY_CSV = "id,date,score,comment\nR1,2026-09-01,9,Quick help\nR2,2026-09-02,3,Slow refund\n"
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
CHAT = {
    "conversation_id": "c1",
    "started_at": "2026-09-01T10:00:00Z",
    "csat": 4,
    "messages": [
        {"role": "customer", "text": "My bill is wrong"},
        {"role": "agent", "text": "I will fix it"},
    ],
}


def _write(name: str, content: str | bytes) -> Path:
    path = Path(name)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_a_bad_file_is_reported_and_the_good_one_ingested(workspace: Config, read_table) -> None:
    good = _write("good.csv", SURVEY_CSV)
    binary = _write("binary.csv", BINARY)

    report = ingest_files([good, binary], source="survey", cfg=workspace, errors="report")

    assert [item.path for item in report.files] == ["good.csv"]
    assert report.accepted == 2
    [failed] = report.failed
    assert (failed.file, failed.source) == ("binary.csv", "survey")
    assert "binary data" in failed.reason
    assert not failed.reason.startswith("binary.csv")  # the file is named beside the reason
    assert set(read_table(workspace, "records")["source_file"]) == {"good.csv"}
    shape = report.as_dict()
    assert shape["failed_files"] == [
        {"file": "binary.csv", "source": "survey", "reason": failed.reason}
    ]
    assert (shape["skipped_files"], shape["notes"]) == ([], [])


def test_when_every_file_fails_nothing_is_written(workspace: Config) -> None:
    binary = _write("binary.csv", BINARY)
    scores = _write("scores.csv", "id;score\n1;9\n")

    report = ingest_files(
        [binary, Path("missing.csv"), scores], source="survey", cfg=workspace, errors="report"
    )

    assert report.files == []
    reasons = {item.file: item.reason for item in report.failed}
    assert list(reasons) == ["binary.csv", "missing.csv", "scores.csv"]
    assert "file not found" in reasons["missing.csv"]
    assert "no text column" in reasons["scores.csv"]
    assert not workspace.warehouse.path.exists()


def test_by_default_a_bad_file_still_stops_the_ingest(workspace: Config) -> None:
    good = _write("good.csv", SURVEY_CSV)
    binary = _write("binary.csv", BINARY)
    with pytest.raises(InputFileError, match=r"binary\.csv: holds binary data"):
        ingest_files([good, binary], source="survey", cfg=workspace)
    assert not workspace.warehouse.path.exists()


def test_a_file_refused_midway_is_rolled_back_and_reported(
    workspace: Config, read_table, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _write("first.csv", SURVEY_CSV)
    second = _write("second.csv", SURVEY_CSV.replace("R1", "R3").replace("R2", "R4"))
    real = readers.READERS["survey"]

    def reader(plan, **kwargs):
        if plan.info.path.name == "second.csv":
            yield from real(plan, **kwargs)
            raise InputFileError(plan.info.path, "the sheet ended in the middle of a row")
        yield from real(plan, **kwargs)

    monkeypatch.setitem(readers.READERS, "survey", reader)
    report = ingest_files([first, second], source="survey", cfg=workspace, errors="report")

    assert [item.path for item in report.files] == ["first.csv"]
    assert report.failed == [
        FileProblem("second.csv", "survey", "the sheet ended in the middle of a row")
    ]
    assert set(read_table(workspace, "records")["source_id"]) == {"R1", "R2"}
    assert read_table(workspace, "batches")["file"].tolist() == ["first.csv"]


def test_skipped_files_are_carried_into_the_report(workspace: Config) -> None:
    good = _write("good.csv", SURVEY_CSV)
    skipped = [FileProblem("inbox/README.txt", "survey", "not a survey file")]
    report = ingest_files([good], source="survey", cfg=workspace, skipped=skipped)
    assert report.as_dict()["skipped_files"] == [
        {"file": "inbox/README.txt", "source": "survey", "reason": "not a survey file"}
    ]


# --- a file given as the wrong source ----------------------------------------------------------


def test_a_survey_export_ingested_as_social_is_named_in_a_note(
    workspace: Config, read_table
) -> None:
    survey = _write("survey.csv", SURVEY_CSV)

    report = ingest_files([survey], source="social", cfg=workspace)

    assert report.accepted == 2  # ingested as told …
    [note] = report.notes  # … and never silently
    assert note == (
        "survey.csv looks like a survey export (columns score, comment) but was ingested as "
        "social: its scores are not kept; ingest it with `verbatim ingest survey`"
    )
    assert report.files[0].warnings == [note]
    assert report.as_dict()["notes"] == [note]
    assert read_table(workspace, "records")["score"].isna().all()


def test_a_survey_export_ingested_as_chat_is_named_in_a_note(workspace: Config) -> None:
    rows = [{"id": "R1", "score": 9, "comment": "Quick help"}]
    survey = _write("survey.jsonl", "".join(json.dumps(row) + "\n" for row in rows))

    report = ingest_files([survey], source="chat", cfg=workspace)

    assert report.rejected == 1
    [note] = report.notes
    assert note.startswith("survey.jsonl looks like a survey export (keys score, comment)")
    assert "its rows have no list of messages and are refused" in note
    assert note.endswith("ingest it with `verbatim ingest survey`")


MENTIONS_CSV = "id,created_at,platform,author,text,likes\nt1,2026-09-01,twitter,@ann,Love it,3\n"


@pytest.mark.parametrize(
    ("name", "content", "source", "advice"),
    [
        (
            "survey.csv",
            SURVEY_CSV,
            "chat",
            "a survey export (columns score, comment): ingest it with `verbatim ingest survey`",
        ),
        (
            "chats.jsonl",
            json.dumps(CHAT) + "\n",
            "survey",
            "chat transcripts (key messages): ingest it with `verbatim ingest chat`",
        ),
        (
            "mentions.csv",
            MENTIONS_CSV,
            "survey",
            "social mentions (columns platform, author, likes): ingest it with "
            "`verbatim ingest social`",
        ),
    ],
)
def test_a_refused_file_of_another_source_says_which_to_use(
    workspace: Config, name: str, content: str, source: str, advice: str
) -> None:
    path = _write(name, content)

    report = ingest_files([path], source=source, cfg=workspace, errors="report")

    [failed] = report.failed
    assert f"It looks like {advice}" in failed.reason


@pytest.mark.parametrize(
    ("name", "content", "source"),
    [
        ("survey.csv", SURVEY_CSV, "survey"),
        ("survey.csv", "id,date,score,comment,author\nR1,2026-09-01,9,Fine,ann\n", "survey"),
        ("chats.jsonl", json.dumps(CHAT) + "\n", "chat"),
        ("posts.csv", "id,created_at,platform,author,text\nt1,2026-09-01,x,@a,Hi\n", "social"),
        ("posts.csv", "id,created_at,text\nt1,2026-09-01,Nice shop\n", "social"),
    ],
)
def test_a_file_of_its_own_source_gets_no_note(
    workspace: Config, name: str, content: str, source: str
) -> None:
    report = ingest_files([_write(name, content)], source=source, cfg=workspace)
    assert report.accepted >= 1
    assert (report.rejected, report.notes) == (0, [])
