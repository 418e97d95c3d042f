"""Sniffing which source a file looks like (pipeline.ingest.shape)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.ingest.shape import Shape, file_shape, mismatch_warning, shape_of_path
from pipeline.ingest.sniff import inspect_file

CHAT = {"id": "c1", "csat": 4, "messages": [{"role": "customer", "text": "Hi"}]}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", "id,score,comment\n1,9,fine\n2,3,slow\n", Shape("survey", ("score", "comment"))),
        ("a.csv", "id;NPS;Kommentar\n1;10;godt\n", Shape("survey", ("NPS", "Kommentar"))),
        ("a.jsonl", json.dumps({"rating": 4}) + "\n", Shape("survey", ("rating",), keys=True)),
        ("a.jsonl", json.dumps(CHAT) + "\n", Shape("chat", ("messages",), keys=True)),
        (
            "a.csv",
            "created_at,platform,author,text\n2026-09-01,x,@a,hi\n",
            Shape("social", ("platform", "author")),
        ),
        ("a.csv", "id,score,comment\n1,250,fine\n2,900,slow\n", None),  # not a survey scale
        ("a.csv", "id,user,comment\n1,ann,fine\n", None),  # one social-ish column says nothing
        ("a.csv", "", None),
    ],
)
def test_file_shape(tmp_path: Path, name: str, content: str, expected: Shape | None) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert file_shape(inspect_file(path)) == expected


def test_an_unreadable_file_has_no_shape(tmp_path: Path) -> None:
    path = tmp_path / "picture.csv"
    path.write_bytes(bytes(range(32)) * 8)
    assert shape_of_path(path) is None
    assert shape_of_path(tmp_path / "missing.csv") is None


def test_the_warning_names_the_file_the_evidence_the_loss_and_the_command() -> None:
    warning = mismatch_warning(
        Path("in/x.csv"), Shape("chat", ("turns",), keys=True), source="survey"
    )
    assert warning == (
        "in/x.csv looks like chat transcripts (key turns) but was ingested as survey: the "
        "conversations are not split into customer, agent and bot turns; ingest it with "
        "`verbatim ingest chat`"
    )
