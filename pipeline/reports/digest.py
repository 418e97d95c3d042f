"""What CX teams receive: the e-mail digest of one team's follow-ups and the webhook's JSON.

Pure: rows of the `followups` table in, an `email.message.EmailMessage` or JSON bytes out;
sending them is `pipeline.jobs.delivery`. Only the table's own columns are used, and its text
(comment, key sentences) is redacted at ingest, so nothing here can leak personal data that
the warehouse's analytics tables do not already hold.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Final

import pandas as pd

from pipeline.analytics.followup import parse_segments
from pipeline.schemas import plain_value

#: The fields of each delivered follow-up, in order (the webhook's items have exactly these).
ITEM_FIELDS: Final = (
    "record_id", "priority", "owner", "customer_id", "source", "created_at", "score",
    "score_type", "score_scale", "reason", "themes", "sentences", "comment", "language",
    "segments", "churn_intent", "at_risk", "risk_reasons", "expires_at",
)  # fmt: skip
#: Fields that hold lists (an empty list when NULL).
_LIST_FIELDS: Final = ("themes", "sentences", "risk_reasons")
#: The webhook payload's ``event``.
WEBHOOK_EVENT: Final = "verbatim.followups"
NO_COMMENT: Final = "no comment"


def _utc(value: Any) -> Any:
    """Time stamps in UTC (DuckDB hands them over in the session's time zone)."""
    if isinstance(value, pd.Timestamp) and value.tzinfo is not None:
        return value.tz_convert("UTC")
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def followup_items(followups: pd.DataFrame) -> list[dict[str, Any]]:
    """The follow-ups as plain JSON-able dicts of `ITEM_FIELDS`, in the frame's order.

    Args:
        followups: Rows of the `followups` table; missing columns and NULLs are tolerated.

    Returns:
        One dict per row: lists as lists (empty when NULL), ``segments`` parsed from its JSON
        text, time stamps as ISO 8601 text in UTC, NaN and NULL as None, the flags as booleans
        (``at_risk`` False when NULL, ``churn_intent`` None when unknown).
    """
    items = []
    for row in followups.to_dict("records"):
        item: dict[str, Any] = {}
        for name in ITEM_FIELDS:
            value = row.get(name)
            if name == "segments":
                item[name] = parse_segments(value)
            elif name in _LIST_FIELDS:
                listed = plain_value(value)
                item[name] = [str(v) for v in listed] if isinstance(listed, list) else []
            else:
                item[name] = plain_value(_utc(value))
        item["at_risk"] = bool(item["at_risk"])
        if item["churn_intent"] is not None:
            item["churn_intent"] = bool(item["churn_intent"])
        items.append(item)
    return items


def webhook_payload(items: Sequence[Mapping[str, Any]], *, sent_at: dt.datetime) -> bytes:
    """The body of one webhook POST: strict JSON, UTF-8.

    Args:
        items: Follow-ups from `followup_items`.
        sent_at: When the batch is sent.

    Returns:
        ``{"event": "verbatim.followups", "sent_at": ISO 8601, "count": n, "followups": [...]}``
        encoded as UTF-8; NaN and infinities become null (never the non-JSON ``NaN``).
    """
    payload = {
        "event": WEBHOOK_EVENT,
        "sent_at": _utc(sent_at).isoformat(),
        "count": len(items),
        "followups": [plain_value(dict(item)) for item in items],
    }
    return json.dumps(payload, allow_nan=False, ensure_ascii=False).encode("utf-8")


def digest_subject(team: str, items: Sequence[Mapping[str, Any]]) -> str:
    """The digest's subject: "Verbatim: 12 follow-ups for Billing (3 at risk)"."""
    noun = "follow-up" if len(items) == 1 else "follow-ups"
    at_risk = sum(bool(item.get("at_risk")) for item in items)
    return f"Verbatim: {len(items)} {noun} for {team} ({at_risk} at risk)"


def _score(item: Mapping[str, Any]) -> str:
    score = item.get("score")
    shown = "-" if score is None else f"{score:g}"
    kind = str(item.get("score_type") or "").upper()
    scale = f" on {item['score_scale']}" if item.get("score_scale") else ""
    return f"{kind} {shown}{scale}".strip()


def _day(value: Any) -> str:
    return str(value)[:10] if value else "-"


def _item_lines(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) lines describing one follow-up, in the order the digest shows them."""
    risk = "AT RISK: " + ", ".join(item["risk_reasons"]) if item.get("at_risk") else ""
    if item.get("at_risk") and not item["risk_reasons"]:
        risk = "AT RISK"
    segments = ", ".join(f"{key}={value}" for key, value in item["segments"].items())
    lines = [
        ("Score", _score(item) + (f"  ({risk})" if risk else "")),
        ("Customer", str(item.get("customer_id") or "-")),
        ("Channel", f"{item.get('source') or '-'}, {_day(item.get('created_at'))}"),
        ("Topics", ", ".join(item["themes"]) or "-"),
        ("Comment", item.get("comment") or NO_COMMENT),
        ("Language", str(item.get("language") or "-")),
        ("Segments", segments or "-"),
        ("Reason", str(item.get("reason") or "-")),
        ("Record", f"{item.get('record_id')}, open until {_day(item.get('expires_at'))}"),
    ]
    if item.get("churn_intent"):
        lines.insert(1, ("Churn intent", "the customer says they may leave"))
    return lines


def _text_body(team: str, items: Sequence[Mapping[str, Any]]) -> str:
    parts = [digest_subject(team, items).removeprefix("Verbatim: ") + ".", ""]
    for number, item in enumerate(items, 1):
        parts.append(f"#{number} (priority {item.get('priority')})")
        parts.extend(f"  {label}: {text}" for label, text in _item_lines(item))
        if item["sentences"]:
            parts.append("  Key sentences:")
            parts.extend(f"    - {sentence}" for sentence in item["sentences"])
        parts.append("")
    parts.append("Sent by Verbatim. Customer text is redacted.")
    return "\n".join(parts) + "\n"


def _html_body(team: str, items: Sequence[Mapping[str, Any]]) -> str:
    esc = html.escape
    title = esc(digest_subject(team, items))
    blocks = []
    for number, item in enumerate(items, 1):
        rows = "".join(
            f"<tr><th align='left'>{esc(label)}</th><td>{esc(text)}</td></tr>"
            for label, text in _item_lines(item)
        )
        sentences = "".join(f"<li>{esc(sentence)}</li>" for sentence in item["sentences"])
        listed = f"<ul>{sentences}</ul>" if sentences else ""
        blocks.append(
            f"<h3>#{number} (priority {esc(str(item.get('priority')))})</h3>"
            f"<table>{rows}</table>{listed}"
        )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><h2>{title}</h2>{''.join(blocks)}"
        "<p><small>Sent by Verbatim. Customer text is redacted.</small></p></body></html>\n"
    )


def email_digest(
    team: str,
    items: Sequence[Mapping[str, Any]],
    *,
    sender: str,
    recipients: Sequence[str],
    now: dt.datetime,
) -> EmailMessage:
    """One team's digest: plain text with a simple HTML alternative.

    Args:
        team: The owning team.
        items: Its follow-ups from `followup_items`, in the order shown (by priority).
        sender: The From address.
        recipients: The To addresses.
        now: The Date header.

    Returns:
        The message, ready for `smtplib.SMTP.send_message`; its ``X-Verbatim-Team`` header
        names the team.
    """
    message = EmailMessage()
    message["Subject"] = digest_subject(team, items)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(_utc(now))
    domain = sender.rpartition("@")[2] or "verbatim.localhost"
    message["Message-ID"] = make_msgid("verbatim", domain=domain)
    message["X-Verbatim-Team"] = team
    message.set_content(_text_body(team, items))
    message.add_alternative(_html_body(team, items), subtype="html")
    return message
