"""Live-chat transcripts from JSON or JSON Lines: one conversation per object.

The whole conversation is kept (table `chat_messages`, every turn with its role); the record's
text is built from the customer's turns only, so an agent's or a bot's words are never mined
as the customer's opinion.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import IngestConfig
from pipeline.errors import InputFileError
from pipeline.ingest.base import IngestChunk, SourcePlan, build_records, fill_ids
from pipeline.ingest.normalize import (
    first_reason,
    parse_datetimes,
    parse_scores,
)
from pipeline.ingest.sniff import LINE, inspect_file, iter_json_objects, malformed_entry
from pipeline.schemas import (
    BATCH_ID,
    CHAT_MESSAGES,
    RECORD_ID,
)

SOURCE = "chat"
KEYS: dict[str, tuple[str, ...]] = {
    "id": (
        "conversation_id",
        "conversationid",
        "chat_id",
        "chatid",
        "session_id",
        "ticket_id",
        "transcript_id",
        "id",
    ),
    "customer_id": (
        "customer_id",
        "customerid",
        "customer",
        "user_id",
        "visitor_id",
        "contact_id",
        "kunde_id",
        "kund_id",
    ),
    "started_at": (
        "started_at",
        "startedat",
        "start_time",
        "starttime",
        "created_at",
        "createdat",
        "started",
        "timestamp",
        "date",
    ),
    "csat": ("csat", "csat_score", "satisfaction", "rating", "score"),
    "messages": (
        "messages",
        "turns",
        "transcript",
        "conversation",
        "events",
        "dialog",
        "dialogue",
    ),
    "channel": ("channel", "kanal"),
}
MESSAGE_KEYS: dict[str, tuple[str, ...]] = {
    "role": ("role", "author_role", "author", "sender", "speaker", "from", "type"),
    "text": ("text", "message", "body", "content", "msg"),
    "timestamp": ("timestamp", "ts", "time", "sent_at", "created_at", "date"),
}
ROLES: dict[str, str] = {
    **dict.fromkeys(
        (
            "customer",
            "user",
            "visitor",
            "client",
            "kunde",
            "kund",
            "end_user",
            "enduser",
            "guest",
            "contact",
            "consumer",
            "member",
        ),
        "customer",
    ),
    **dict.fromkeys(
        (
            "agent",
            "operator",
            "support",
            "staff",
            "human",
            "employee",
            "medarbejder",
            "medarbeider",
            "rep",
            "representative",
            "advisor",
            "csr",
            "handläggare",
        ),
        "agent",
    ),
    **dict.fromkeys(
        ("bot", "system", "assistant", "automated", "virtual_agent", "chatbot", "ai"), "bot"
    ),
}


def plan_chat(path: Path, *, cfg: IngestConfig) -> SourcePlan:
    """Recognise a file of chat transcripts (JSON or JSON Lines).

    Raises:
        InputFileError: When the file cannot be read or is not JSON.
    """
    info = inspect_file(path)
    if info.format not in ("json", "jsonl"):
        raise InputFileError(
            path,
            f"chat transcripts must be JSON or JSON Lines, not {info.format.upper()}",
            hint="Export one conversation per line as JSON Lines (.jsonl)",
        )
    # parse now so that a broken JSON document is refused before anything is written
    next(iter_json_objects(info), None)
    return SourcePlan(source=SOURCE, info=info, score_type="csat")


def _key(item: Mapping[str, Any], configured: str | None, names: tuple[str, ...]) -> str | None:
    if configured:
        return configured if configured in item else None
    lowered = {key.lower(): key for key in item}
    return next((lowered[name] for name in names if name in lowered), None)


def _role(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("role") or value.get("type")
    if not isinstance(value, str):
        return None
    return ROLES.get(value.strip().lower().replace("-", "_").replace(" ", "_"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return (value if isinstance(value, str) else str(value)).replace("\x00", "").strip()


def _conversation(item: dict[str, Any], cfg: IngestConfig) -> tuple[dict[str, Any], list[dict]]:
    """Split one conversation into its record fields and its turns (with a problem, if any)."""
    keys = {name: _key(item, getattr(cfg.chat, name, None), names) for name, names in KEYS.items()}
    get = {name: item.get(key) if key else None for name, key in keys.items()}
    row: dict[str, Any] = {
        "id": _text(get["id"]) or None,
        "customer_id": _text(get["customer_id"]) or None,
        "started_at": _text(get["started_at"]) or None,
        "csat": _text(get["csat"]) or None,
        "channel": _text(get["channel"]) or None,
        "extra": {k: v for k, v in item.items() if k not in set(keys.values())},
        "field": None,
        "problem": None,
    }
    messages = get["messages"]
    if not isinstance(messages, list):
        row["field"] = keys["messages"] or "messages"
        row["problem"] = (
            "the conversation has no list of messages"
            if messages is None
            else f"messages is a {type(messages).__name__}, not a list"
        )
        return row, []
    turns: list[dict[str, Any]] = []
    for number, message in enumerate(messages):
        if not isinstance(message, dict):
            row["field"], row["problem"] = f"messages[{number}]", "message is not an object"
            return row, []
        role_key = _key(message, None, MESSAGE_KEYS["role"])
        role = _role(message.get(role_key)) if role_key else None
        if role is None:
            shown = message.get(role_key) if role_key else None
            row["field"] = f"messages[{number}].role"
            row["problem"] = f"unknown author role {shown!r} (expected customer, agent or bot)"
            return row, []
        text_key = _key(message, None, MESSAGE_KEYS["text"])
        time_key = _key(message, None, MESSAGE_KEYS["timestamp"])
        turns.append(
            {
                "turn": number,
                "role": role,
                "text": _text(message.get(text_key)) if text_key else "",
                "sent_at": _text(message.get(time_key)) if time_key else None,
            }
        )
    if row["started_at"] is None:
        row["started_at"] = next((t["sent_at"] for t in turns if t["sent_at"]), None)
    row["text"] = "\n".join(t["text"] for t in turns if t["role"] == "customer" and t["text"])
    return row, turns


def read_chat(
    plan: SourcePlan, *, cfg: IngestConfig, batch_id: str, ingested_at: dt.datetime
) -> Iterator[IngestChunk]:
    """Read planned chat transcripts, chunk by chunk.

    Yields:
        Validated chunks: records, rejects, and `chat_messages` detail rows.
    """
    entries: list[tuple[int, dict[str, Any] | None, str]] = []
    for entry in iter_json_objects(plan.info):
        entries.append(entry)
        if len(entries) >= cfg.chunk_rows:
            yield _chunk(entries, plan, cfg=cfg, batch_id=batch_id, ingested_at=ingested_at)
            entries = []
    if entries:
        yield _chunk(entries, plan, cfg=cfg, batch_id=batch_id, ingested_at=ingested_at)


def _chunk(
    entries: list[tuple[int, dict[str, Any] | None, str]],
    plan: SourcePlan,
    *,
    cfg: IngestConfig,
    batch_id: str,
    ingested_at: dt.datetime,
) -> IngestChunk:
    rows: list[dict[str, Any]] = []
    turns: list[list[dict[str, Any]]] = []
    malformed: list[tuple[int, str, str]] = []
    for line, item, problem in entries:
        if item is None:
            malformed.append(malformed_entry(line, problem))
            continue
        row, conversation_turns = _conversation(item, cfg)
        row["line"] = line
        row["raw"] = json.dumps(item, ensure_ascii=False, default=str)
        rows.append(row)
        turns.append(conversation_turns)
    frame = pd.DataFrame(
        rows,
        columns=[
            "id",
            "customer_id",
            "started_at",
            "csat",
            "channel",
            "extra",
            "field",
            "problem",
            "text",
            "line",
            "raw",
        ],
    )
    frame["text"] = frame["text"].astype("object").where(frame["text"].notna(), "")
    started, date_reasons = parse_datetimes(
        frame["started_at"], dayfirst=cfg.dayfirst, timezone=cfg.timezone
    )
    csat, csat_reasons = parse_scores(
        frame["csat"], score_range=cfg.score_ranges.csat, whole=False, label="csat"
    )
    too_long = frame["text"].str.len() > cfg.max_text_chars
    long_reasons = pd.Series(None, index=frame.index, dtype="object")
    long_reasons[too_long] = f"customer text is over {cfg.max_text_chars:,} characters"
    fields = frame["field"].astype("object")
    bad_field, reasons = first_reason(
        ("messages", frame["problem"].astype("object")),
        ("started_at", date_reasons),
        ("csat", csat_reasons),
        ("text", long_reasons),
    )
    bad_field = fields.where(fields.notna() & reasons.notna(), bad_field)
    ok = reasons.isna()
    good = frame[ok].assign(**{LINE: frame["line"][ok]})
    ids = good["id"].astype("object")
    if ids.isna().any():
        ids = fill_ids(ids, [started[ok].astype(str), good["customer_id"], good["text"]])
    records = build_records(
        good,
        plan,
        source_id=ids,
        created_at=started[ok],
        text=good["text"],
        score=csat[ok],
        nps_category=pd.Series(None, index=good.index, dtype="object"),
        batch_id=batch_id,
        ingested_at=ingested_at,
        segments={"channel": good["channel"]},
        customer_id=good["customer_id"],
        score_type=csat[ok].notna().map({True: "csat", False: "none"}),
        extra=pd.Series(
            [json.dumps(v, ensure_ascii=False, default=str) if v else None for v in good["extra"]],
            index=good.index,
            dtype="object",
        ),
    )
    rids = records[RECORD_ID]
    # a conversation repeated in the chunk keeps the turns of its first copy, like its record
    first = ~rids.duplicated()
    messages = _messages(
        [turns[i] for i in good.index[first.to_numpy()]],
        list(rids[first]),
        cfg=cfg,
        batch_id=batch_id,
    )
    rejects = pd.DataFrame(
        {
            "file": str(plan.info.path),
            "line": pd.array(
                list(frame["line"][~ok]) + [line for line, _, _ in malformed], dtype="Int64"
            ),
            "field": list(bad_field[~ok]) + [None] * len(malformed),
            "reason": list(reasons[~ok]) + [reason for _, reason, _ in malformed],
            "raw": list(frame["raw"][~ok]) + [raw for _, _, raw in malformed],
        }
    )
    return IngestChunk(
        records=records,
        rejects=rejects,
        details={CHAT_MESSAGES.name: messages},
        rows_read=len(entries),
    )


def _messages(
    turns: list[list[dict[str, Any]]], rids: list[str], *, cfg: IngestConfig, batch_id: str
) -> pd.DataFrame:
    flat = [
        {RECORD_ID: rid, **turn}
        for rid, conversation in zip(rids, turns, strict=True)
        for turn in conversation
    ]
    messages = pd.DataFrame(flat, columns=[RECORD_ID, "turn", "role", "text", "sent_at"])
    sent_at, _ = parse_datetimes(messages["sent_at"], dayfirst=cfg.dayfirst, timezone=cfg.timezone)
    messages["sent_at"] = sent_at
    messages["turn"] = messages["turn"].astype("int32")
    messages[BATCH_ID] = batch_id
    return messages
