"""The e-mail digest and the webhook payload: what CX teams receive, built without any I/O."""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest

from pipeline.reports.digest import (
    ITEM_FIELDS,
    NO_COMMENT,
    WEBHOOK_EVENT,
    digest_subject,
    email_digest,
    followup_items,
    webhook_payload,
)

NOW = dt.datetime(2024, 5, 20, 6, 0, tzinfo=dt.UTC)


def _followups() -> pd.DataFrame:
    """Two follow-ups as the warehouse hands them over: NULLs, NaN, JSON text, lists."""
    return pd.DataFrame(
        {
            "record_id": ["r1", "r2"],
            "priority": [1, 2],
            "owner": ["Billing", "Billing"],
            "customer_id": ["c1", None],
            "source": ["survey", "survey"],
            "created_at": pd.to_datetime(["2024-05-01 10:00", "2024-05-02 11:00"], utc=True),
            "score": [2.0, math.nan],
            "score_type": ["nps", "csat"],
            "score_scale": ["0-10", None],
            "reason": ["detractor", "low_csat"],
            "themes": [["Invoice errors", "Price"], None],
            "sentences": [["The invoice was wrong <script>x</script>"], []],
            "comment": ["Wrong invoice, thinking about switching", None],
            "language": ["en", None],
            "segments": ['{"country": "DK", "product": "Fiber"}', "not json"],
            "churn_intent": [True, None],
            "at_risk": [True, False],
            "risk_reasons": [["churn intent"], []],
            "expires_at": [pd.Timestamp("2024-05-31", tz="UTC"), pd.NaT],
            "note": ["not delivered", None],
        }
    )


def test_items_have_exactly_the_fields_as_plain_json_values() -> None:
    first, second = followup_items(_followups())
    assert tuple(first) == ITEM_FIELDS
    assert first["segments"] == {"country": "DK", "product": "Fiber"}
    assert first["themes"] == ["Invoice errors", "Price"]
    assert first["created_at"] == "2024-05-01T10:00:00+00:00"
    assert first["churn_intent"] is True
    assert second["score"] is None
    assert second["comment"] is None
    assert second["themes"] == []
    assert second["segments"] == {}
    assert second["churn_intent"] is None
    assert second["expires_at"] is None
    assert "note" not in first


def test_items_tolerate_missing_columns() -> None:
    items = followup_items(_followups().drop(columns=["segments", "score_scale", "expires_at"]))
    assert items[0]["segments"] == {}
    assert items[0]["score_scale"] is None


def test_webhook_payload_is_strict_json() -> None:
    items = followup_items(_followups())
    items[1]["score"] = math.nan  # a NaN that slipped through still becomes null
    body = webhook_payload(items, sent_at=NOW)

    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    payload = json.loads(body, parse_constant=refuse)
    assert payload["event"] == WEBHOOK_EVENT
    assert payload["count"] == 2
    assert payload["sent_at"] == "2024-05-20T06:00:00+00:00"
    assert payload["followups"][1]["score"] is None
    assert [item["record_id"] for item in payload["followups"]] == ["r1", "r2"]


@pytest.mark.parametrize(
    ("at_risk", "expected"),
    [
        ([True, False], "Verbatim: 2 follow-ups for Billing (1 at risk)"),
        ([False], "Verbatim: 1 follow-up for Billing (0 at risk)"),
    ],
)
def test_subject_counts_follow_ups_and_those_at_risk(at_risk: list[bool], expected: str) -> None:
    assert digest_subject("Billing", [{"at_risk": flag} for flag in at_risk]) == expected


def test_email_digest_has_text_and_escaped_html() -> None:
    items = followup_items(_followups())
    message = email_digest(
        "Billing", items, sender="cx@example.com", recipients=["a@example.com", "b@example.com"],
        now=NOW,
    )  # fmt: skip
    assert message["Subject"] == "Verbatim: 2 follow-ups for Billing (1 at risk)"
    assert message["To"] == "a@example.com, b@example.com"
    assert message["X-Verbatim-Team"] == "Billing"
    text = message.get_body(("plain",)).get_content()
    markup = message.get_body(("html",)).get_content()
    assert "Wrong invoice, thinking about switching" in text
    assert NO_COMMENT in text
    assert "AT RISK: churn intent" in text
    assert "country=DK, product=Fiber" in text
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    assert text.index("r1") < text.index("r2")
