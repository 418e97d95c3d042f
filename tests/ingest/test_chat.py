"""Chat transcripts: whole conversations kept, customer turns only in the record text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.config import Config
from pipeline.errors import InputFileError
from pipeline.jobs.ingest import FileReport, ingest_files
from pipeline.storage.warehouse import Warehouse
from tests.support import ingest_one

BOT_TEXT = "Hej! Jeg er en chatbot. Hvad kan jeg hjælpe med?"
AGENT_TEXT = "Det beklager jeg meget, jeg sender en ny pakke."


def conversation(cid: str, **fields: Any) -> dict[str, Any]:
    """A four-turn conversation: bot, customer, agent, customer."""
    item: dict[str, Any] = {
        "conversation_id": cid,
        "customer_id": f"K-{cid}",
        "started_at": "2026-02-01T10:00:00Z",
        "csat": 4,
        "channel": "web",
        "messages": [
            {"role": "bot", "text": BOT_TEXT, "timestamp": "2026-02-01T10:00:00Z"},
            {
                "role": "customer",
                "text": "Min pakke er ikke kommet",
                "timestamp": "2026-02-01T10:00:30Z",
            },
            {"role": "agent", "text": AGENT_TEXT, "timestamp": "2026-02-01T10:01:00Z"},
            {"role": "customer", "text": "Tak for hjælpen!", "timestamp": "2026-02-01T10:02:00Z"},
        ],
    }
    item.update(fields)
    return {key: value for key, value in item.items() if value is not None}


def write_jsonl(path: Path, items: list[Any]) -> Path:
    lines = [
        item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in items
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ingest(path: Path, cfg: Config) -> FileReport:
    return ingest_one(path, cfg, source="chat")


def stored(cfg: Config) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(records, rejects, chat_messages) in file order."""
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        records = warehouse.read_table("records").sort_values("source_line")
        rejects = warehouse.read_table("rejects").sort_values("line")
        messages = warehouse.read_table("chat_messages")
    line_of = dict(zip(records["record_id"], records["source_line"], strict=True))
    messages = messages.assign(line=messages["record_id"].map(line_of))
    messages = messages.sort_values(["line", "turn"]).drop(columns="line")
    return (
        records.reset_index(drop=True),
        rejects.reset_index(drop=True),
        messages.reset_index(drop=True),
    )


def counts(file: FileReport) -> tuple[int, int, int, int]:
    return file.rows, file.accepted, file.rejected, file.duplicates


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_whole_conversation_kept_and_customer_text_only(workspace, suffix):
    items = [
        conversation("c1"),
        conversation("c2", customer_id=None, csat=None, started_at=None, channel=None),
    ]
    path = Path(f"chats{suffix}")
    if suffix == ".json":
        path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    else:
        write_jsonl(path, items)

    file = ingest(path, workspace)

    assert counts(file) == (2, 2, 0, 0)
    records, rejects, messages = stored(workspace)
    assert rejects.empty
    assert records["source_id"].tolist() == ["c1", "c2"]
    assert records["text"].tolist() == ["Min pakke er ikke kommet\nTak for hjælpen!"] * 2
    assert not records["text"].str.contains("chatbot|beklager").any()
    assert records["customer_id"].fillna("-").tolist() == ["K-c1", "-"]
    assert records["score"].fillna(-1).tolist() == [4.0, -1]
    assert records["score_type"].tolist() == ["csat", "none"]
    assert records["nps_category"].isna().all()
    assert records["channel"].fillna("-").tolist() == ["web", "-"]
    assert records["source_line"].tolist() == [1, 2]
    # without started_at the first message's timestamp is the conversation's date
    assert records["created_at"].tolist() == [
        pd.Timestamp("2026-02-01T10:00:00Z"),
        pd.Timestamp("2026-02-01T10:00:00Z"),
    ]
    assert len(messages) == 8
    first = messages[messages["record_id"] == records["record_id"][0]]
    assert first["turn"].tolist() == [0, 1, 2, 3]
    assert first["role"].tolist() == ["bot", "customer", "agent", "customer"]
    assert first["text"].tolist() == [
        BOT_TEXT,
        "Min pakke er ikke kommet",
        AGENT_TEXT,
        "Tak for hjælpen!",
    ]
    assert first["sent_at"].iloc[-1] == pd.Timestamp("2026-02-01T10:02:00Z")
    assert set(messages["batch_id"]) == {file.batch_id}


def test_started_at_falls_back_to_the_first_timestamped_message(workspace, make_config):
    cfg = make_config(timezone="Europe/Stockholm")
    item = conversation("c1", started_at=None)
    item["messages"][0].pop("timestamp")
    item["messages"][1]["timestamp"] = "2026-02-01 11:00:30"
    path = write_jsonl(Path("chats.jsonl"), [item])

    assert counts(ingest(path, cfg)) == (1, 1, 0, 0)
    records, _, _ = stored(cfg)
    assert records["created_at"].tolist() == [pd.Timestamp("2026-02-01T10:00:30Z")]


@pytest.mark.parametrize(
    ("role", "stored_as"),
    [
        ("Customer", "customer"),
        ("visitor", "customer"),
        ("kunde", "customer"),
        ("end-user", "customer"),
        ("Agent", "agent"),
        ("medarbejder", "agent"),
        ("handläggare", "agent"),
        ("system", "bot"),
        ("Virtual Agent", "bot"),
        ({"role": "customer", "name": "Ida"}, "customer"),
    ],
)
def test_author_roles_are_normalised(workspace, role, stored_as):
    item = conversation("c1")
    item["messages"][1]["role"] = role
    path = write_jsonl(Path("chats.jsonl"), [item])

    assert counts(ingest(path, workspace)) == (1, 1, 0, 0)
    records, _, messages = stored(workspace)
    assert messages["role"][1] == stored_as
    customer_turns = ["Min pakke er ikke kommet", "Tak for hjælpen!"]
    if stored_as != "customer":
        customer_turns = customer_turns[1:]
    assert records["text"][0] == "\n".join(customer_turns)


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        (
            conversation("x", messages=[{"role": "alien", "text": "hej"}]),
            "messages[0].role",
            "unknown author role 'alien' (expected customer, agent or bot)",
        ),
        (
            conversation("x", messages=[{"role": "customer", "text": "hej"}, {"text": "?"}]),
            "messages[1].role",
            "unknown author role None (expected customer, agent or bot)",
        ),
        (conversation("x", messages=None), "messages", "the conversation has no list of messages"),
        (conversation("x", messages="hej"), "messages", "messages is a str, not a list"),
        (conversation("x", messages=["hej"]), "messages[0]", "message is not an object"),
        (conversation("x", csat=9), "csat", "csat 9 is outside 1-5"),
        (conversation("x", csat="god"), "csat", "csat 'god' is not a number"),
        (conversation("x", started_at="i går"), "started_at", "'i går' is not a date"),
        (
            conversation("x", started_at=None, messages=[{"role": "customer", "text": "hej"}]),
            "started_at",
            "date is empty",
        ),
    ],
)
def test_bad_conversation_is_rejected_with_field_and_reason(workspace, bad, field, reason):
    path = write_jsonl(Path("chats.jsonl"), [conversation("c1"), bad, conversation("c3")])

    file = ingest(path, workspace)

    assert counts(file) == (3, 2, 1, 0)
    records, rejects, messages = stored(workspace)
    assert records[["source_id", "source_line"]].values.tolist() == [["c1", 1], ["c3", 3]]
    assert rejects[["file", "line", "field"]].values.tolist() == [["chats.jsonl", 2, field]]
    assert reason in rejects["reason"][0]
    assert json.loads(rejects["raw"][0]) == bad
    assert set(messages["record_id"]) == set(records["record_id"])


def test_broken_json_line_is_rejected_with_its_line_number(workspace):
    path = write_jsonl(
        Path("chats.jsonl"),
        [
            conversation("c1"),
            '{"conversation_id": "c2", "messages": [',
            "",
            '"just text"',
            conversation("c5"),
        ],
    )

    file = ingest(path, workspace)

    assert counts(file) == (4, 2, 2, 0)
    records, rejects, _ = stored(workspace)
    assert records["source_line"].tolist() == [1, 5]
    assert rejects["line"].tolist() == [2, 4]
    assert rejects["field"].isna().all()
    assert rejects["reason"][0].startswith("invalid JSON")
    assert rejects["raw"].tolist() == ['{"conversation_id": "c2", "messages": [', '"just text"']


def test_repeated_conversation_is_a_duplicate_with_its_turns_once(workspace, read_table):
    path = write_jsonl(
        Path("chats.jsonl"), [conversation("c1"), conversation("c2"), conversation("c1")]
    )

    file = ingest(path, workspace)

    assert counts(file) == (3, 2, 0, 1)
    messages = read_table(workspace, "chat_messages")
    assert len(messages) == 8
    assert not messages.duplicated(["record_id", "turn"]).any()


def test_repeated_conversations_across_chunks_and_files(workspace, make_config, read_table):
    cfg = make_config(chunk_rows=100)
    first = write_jsonl(Path("monday.jsonl"), [conversation(f"c{i}") for i in range(250)])
    second = write_jsonl(Path("tuesday.jsonl"), [conversation(f"c{i}") for i in range(240, 260)])

    report = ingest_files([first, second], source="chat", cfg=cfg)

    assert [counts(file) for file in report.files] == [(250, 250, 0, 0), (20, 10, 0, 10)]
    messages = read_table(cfg, "chat_messages")
    assert len(messages) == 4 * 260
    assert not messages.duplicated(["record_id", "turn"]).any()


def test_configured_keys_are_used(workspace, make_config):
    cfg = make_config(chat={"id": "sessionKey", "messages": "log", "started_at": "opened"})
    item = {
        "sessionKey": "S-1",
        "id": "not-this-one",
        "opened": "01.02.2026 10:00",
        "log": [{"sender": "user", "body": "Hvor er min ordre?"}],
        "messages": "ignored",
    }
    path = write_jsonl(Path("chats.jsonl"), [item])

    assert counts(ingest(path, cfg)) == (1, 1, 0, 0)
    records, _, _ = stored(cfg)
    assert records[["source_id", "text"]].values.tolist() == [["S-1", "Hvor er min ordre?"]]
    assert records["created_at"].tolist() == [pd.Timestamp("2026-02-01T10:00Z")]
    assert json.loads(records["extra"][0]) == {"id": "not-this-one", "messages": "ignored"}


def test_reingesting_chats_is_a_no_op(workspace):
    path = write_jsonl(Path("chats.jsonl"), [conversation("c1"), conversation("c2")])
    ingest(path, workspace)
    before = stored(workspace)

    again = ingest(path, workspace)

    assert counts(again) == (2, 0, 0, 2)
    for old, new in zip(before, stored(workspace), strict=True):
        pd.testing.assert_frame_equal(old, new)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("chats.csv", "conversation_id,text\nc1,hej\n", "must be JSON or JSON Lines, not CSV"),
        ("chats.json", '[{"conversation_id": "c1",', "is not valid JSON"),
        ("chats.json", '"hej"', "not a list of objects"),
    ],
)
def test_unreadable_chat_file_is_refused(workspace, name, content, match):
    good = write_jsonl(Path("good.jsonl"), [conversation("c1")])
    path = Path(name)
    path.write_text(content, encoding="utf-8")

    with pytest.raises(InputFileError, match=rf"chats\.\w+.*{match}"):
        ingest_files([good, path], source="chat", cfg=workspace)
    assert not workspace.warehouse.path.exists()
