"""Follow-ups: who is called back, about what, who owns it, at-risk flags and quarantine."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from pipeline.analytics.followup import FOLLOWUP_COLUMNS, build_followups
from pipeline.config import FollowupConfig

T0 = pd.Timestamp("2026-09-01 10:00", tz="UTC")
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _records(rows: list[tuple[str, str | None, str, int, str, float | None, str]]) -> pd.DataFrame:
    """rows: record_id, customer_id, source, day offset, score_type, score, sentiment label."""
    return pd.DataFrame(
        [
            {
                "record_id": rid, "customer_id": cid, "source": source,
                "created_at": T0 + pd.Timedelta(days=day), "score_type": kind, "score": score,
                "sentiment_label": label,
            }
            for rid, cid, source, day, kind, score, label in rows
        ]
    )  # fmt: skip


THEMES = pd.DataFrame(
    {
        "theme_id": [1, 2, 3, 9],
        "label": ["Invoice errors", "Waiting time", "Friendly staff", "Support"],
        "parent_id": pd.array([pd.NA, 9, pd.NA, pd.NA], dtype="Int64"),
        "status": "active",
    }
)


def _rule(**settings: object) -> FollowupConfig:
    """The follow-up settings of these tests: nothing expires (expiry has its own tests)."""
    return FollowupConfig.model_validate({"max_age_days": 365, **settings})


EMPTY_MENTIONS = pd.DataFrame(columns=["record_id", "theme_id", "sentiment"])
EMPTY_UNITS = pd.DataFrame(columns=["record_id", "position", "text", "label", "score"])


def _build(records: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    options = {"mentions": EMPTY_MENTIONS, "units": EMPTY_UNITS, **kwargs}
    rule = options.pop("rule", _rule())
    return build_followups(
        records, options.pop("mentions"), options.pop("units"), THEMES, rule=rule, now=NOW,
        **options,
    )  # fmt: skip


def test_detractors_and_low_csat_are_followed_up_not_passives() -> None:
    records = _records(
        [
            ("d", "K1", "survey", 0, "nps", 4, "negative"),
            ("p", "K2", "survey", 0, "nps", 7, "neutral"),
            ("c", "K3", "chat", 0, "csat", 1, "negative"),
            ("h", "K4", "chat", 0, "csat", 4, "positive"),
        ]
    )
    table = _build(records)
    assert list(table.columns) == list(FOLLOWUP_COLUMNS)
    assert dict(zip(table["record_id"], table["reason"], strict=True)) == {
        "d": "detractor", "c": "low_csat"
    }  # fmt: skip
    only_nps = _build(records, rule=_rule(include_low_csat=False))
    assert only_nps["record_id"].tolist() == ["d"]


def test_a_customer_is_not_queued_twice_within_the_quarantine() -> None:
    records = _records(
        [
            ("first", "K1", "survey", 0, "nps", 2, "negative"),
            ("again", "K1", "survey", 10, "nps", 0, "negative"),
            ("later", "K1", "survey", 45, "nps", 3, "negative"),
            ("anon1", None, "survey", 0, "nps", 1, "negative"),
            ("anon2", None, "survey", 1, "nps", 1, "negative"),
        ]
    )
    table = _build(records, rule=_rule(quarantine_days=30)).set_index("record_id")
    assert table.loc["first", "status"] == "queued"
    assert table.loc["again", "status"] == "quarantined"
    assert table.loc["again", "quarantined_by"] == "first"
    assert table.loc["later", "status"] == "queued"
    # without a customer id there is nobody to de-duplicate
    assert (table.loc[["anon1", "anon2"], "status"] == "queued").all()
    # quarantined rows come last
    assert table["priority"].idxmax() == "again"


def test_past_decisions_are_kept_when_new_feedback_arrives() -> None:
    old = _records([("first", "K1", "survey", 0, "nps", 2, "negative")])
    listed = _build(old)
    assert listed["status"].tolist() == ["queued"]
    new = _records(
        [
            ("first", "K1", "survey", 0, "nps", 2, "negative"),
            ("earlier", "K1", "survey", -5, "nps", 0, "negative"),
            ("second", "K1", "survey", 20, "nps", 5, "negative"),
        ]
    )
    later = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    rows = build_followups(
        new, EMPTY_MENTIONS, EMPTY_UNITS, THEMES, rule=_rule(), previous=listed, now=later
    ).set_index("record_id")
    # "first" was queued already: it stays queued and keeps when it was listed
    assert rows.loc["first", "status"] == "queued"
    assert rows.loc["first", "listed_at"] == pd.Timestamp(NOW)
    assert rows.loc["earlier", "status"] == "quarantined"
    assert rows.loc["second", "status"] == "quarantined"
    assert rows.loc["second", "listed_at"] == pd.Timestamp(later)


def test_at_risk_needs_a_negative_chat_within_the_window_or_repeated_low_csat() -> None:
    records = _records(
        [
            ("d1", "K1", "survey", 0, "nps", 3, "negative"),
            ("chat1", "K1", "chat", 12, "none", None, "negative"),
            ("d2", "K2", "survey", 0, "nps", 3, "negative"),
            ("chat2", "K2", "chat", 40, "none", None, "negative"),
            ("d3", "K3", "survey", 0, "nps", 3, "negative"),
            ("chat3", "K3", "chat", -3, "none", None, "positive"),
            ("c4", "K4", "chat", 0, "csat", 1, "negative"),
            ("c4b", "K4", "chat", 9, "csat", 2, "negative"),
        ]
    )
    table = _build(records, rule=_rule(quarantine_days=0)).set_index("record_id")
    assert table.loc["d1", "at_risk"] and table.loc["d1", "risk_reasons"] == ["negative chat"]
    assert table.loc["d1", "negative_chats"] == 1 and table.loc["d1", "customer_records"] == 2
    assert not table.loc["d2", "at_risk"]
    assert not table.loc["d3", "at_risk"]
    assert table.loc["c4", "risk_reasons"] == ["repeated low CSAT"]
    assert table.loc["c4", "low_csat_answers"] == 2
    assert table["priority"].head(3).index.isin(["d1", "c4", "c4b"]).all()


def test_themes_most_negative_first_owner_from_mapping_and_parent() -> None:
    records = _records(
        [
            ("a", "K1", "survey", 0, "nps", 1, "negative"),
            ("b", "K2", "survey", 0, "nps", 2, "negative"),
            ("c", "K3", "survey", 0, "nps", 6, "negative"),
        ]
    )
    mentions = pd.DataFrame(
        {
            "record_id": ["a", "a", "b", "c"],
            "theme_id": [3, 1, 2, 3],
            "sentiment": [0.6, -0.9, -0.7, 0.2],
        }
    )
    rule = _rule(owners={"invoice errors": "Billing", "9": "Support Oslo"},
                        default_owner="CX desk")  # fmt: skip
    table = _build(records, mentions=mentions, rule=rule).set_index("record_id")
    assert table.loc["a", "themes"] == ["Invoice errors", "Friendly staff"]
    assert table.loc["a", "owner"] == "Billing" and table.loc["a", "owner_theme_id"] == 1
    # theme 2 has no owner of its own; its parent 9 has
    assert table.loc["b", "owner"] == "Support Oslo"
    assert table.loc["c", "owner"] == "CX desk" and pd.isna(table.loc["c", "owner_theme_id"])


@pytest.mark.parametrize("leak", ["anna.berg@example.com", "+45 20 12 34 56", "0101801234"])
def test_key_sentences_are_negative_units_and_never_show_personal_data(leak: str) -> None:
    records = _records([("a", "K1", "survey", 0, "nps", 0, "negative")])
    units = pd.DataFrame(
        {
            "record_id": ["a"] * 4,
            "position": [0, 1, 2, 3],
            "text": [
                "Lovely shop.",
                f"Nobody answered, write to {leak} please.",
                "The bill was wrong.",
                "Still waiting.",
            ],
            "label": ["positive", "negative", "negative", "negative"],
            "score": [0.9, -0.95, -0.8, -0.3],
        }
    )
    rule = _rule(sentences=2)
    sentences = _build(records, units=units, rule=rule).iloc[0]["sentences"]
    assert len(sentences) == 2
    assert sentences[1] == "The bill was wrong."
    assert sentences[0].startswith("Nobody answered") and leak not in sentences[0]


def test_a_detractor_without_a_negative_unit_gets_its_implicit_complaint() -> None:
    records = _records(
        [
            ("a", None, "survey", 0, "nps", 4, "neutral"),
            ("b", None, "survey", 1, "nps", 5, "neutral"),
            ("c", None, "survey", 2, "nps", 3, "negative"),
        ]
    )
    units = pd.DataFrame(
        {
            "record_id": ["a", "a", "a", "b", "b", "c", "c"],
            "position": [0, 1, 2, 0, 1, 0, 1],
            "text": [
                "Friendly staff.", "Jeg har 10 Mbit i stedet for 100.", "Prisen er steget.",
                "nej tak", "Great app.", "The bill was wrong.", "Jeg har 10 Mbit.",
            ],
            "label": ["positive", "neutral", "neutral", "neutral", "positive", "negative",
                      "neutral"],
            "score": [0.9, -0.2, -0.4, -0.1, 0.8, -0.9, -0.3],
        }
    )  # fmt: skip
    table = _build(records, units=units).set_index("record_id")
    # neutral units leaning negative, most negative first; praise never
    assert table.loc["a", "sentences"] == [
        "Prisen er steget.",
        "Jeg har 10 Mbit i stedet for 100.",
    ]
    # a non-answer is no reason, and praise is none either
    assert table.loc["b", "sentences"] == []
    # with a negative unit, the neutral ones stay out
    assert table.loc["c", "sentences"] == ["The bill was wrong."]


def test_owners_by_keyword_after_id_and_label() -> None:
    from pipeline.analytics.followup import _owner_lookup

    themes = THEMES.assign(
        keywords=[["faktura", "invoice"], ["kø", "wait"], ["venlig", "staff"], ["support"]]
    )
    # a keyword routes the theme it characterises; the id or label of a theme decides first
    owners = {"wait": "Contact centre", "FAKTURA": "Billing", "1": "Finance", "staff": "HR"}
    assert _owner_lookup(themes, owners) == {
        1: "Finance", 2: "Contact centre", 3: "HR",
    }  # fmt: skip
    # the first matching key in the configuration's order wins; children inherit their parent's
    assert _owner_lookup(themes, {"support": "Support", "kø": "Queue"}) == {
        9: "Support", 2: "Queue",
    }  # fmt: skip
    assert _owner_lookup(themes.assign(keywords=[["kø"], [], ["x"], ["support"]]),
                         {"support": "Support"}) == {9: "Support", 2: "Support"}  # fmt: skip


def test_churn_intent_puts_a_customer_at_risk_and_its_sentence_is_a_key_sentence() -> None:
    records = _records(
        [
            ("a", None, "survey", 0, "nps", 5, "negative"),
            ("b", None, "survey", 1, "nps", 2, "negative"),
        ]
    )
    units = pd.DataFrame(
        {
            "record_id": ["a", "a", "b"],
            "position": [0, 1, 0],
            "text": ["Fine app.", "Jeg overvejer at skifte udbyder.", "The bill was wrong."],
            "label": ["positive", "neutral", "negative"],
            "score": [0.8, 0.0, -0.9],
            "churn_intent": [False, True, False],
        }
    )
    table = _build(records, units=units).set_index("record_id")
    assert table.loc["a", "churn_intent"] and not table.loc["b", "churn_intent"]
    assert table.loc["a", "at_risk"] and table.loc["a", "risk_reasons"] == ["churn intent"]
    assert not table.loc["b", "at_risk"]
    # a neutral-read churn sentence still tells the agent what went wrong
    assert table.loc["a", "sentences"] == ["Jeg overvejer at skifte udbyder."]
    # at risk comes first although its score is higher
    assert table.reset_index()["record_id"].tolist() == ["a", "b"]


def test_units_without_churn_intent_column_mean_none() -> None:
    records = _records([("a", None, "survey", 0, "nps", 5, "negative")])
    table = _build(records)
    assert not table.loc[0, "churn_intent"] and not table.loc[0, "at_risk"]


def test_a_row_says_what_an_agent_needs() -> None:
    records = _records(
        [
            ("a", "K1", "survey", 0, "nps", 3, "negative"),
            ("b", "K2", "survey", 0, "nps", 2, "neutral"),
            ("c", "K3", "survey", 0, "nps", 1, "neutral"),
            ("d", "K4", "chat", 0, "csat", 2, "neutral"),
        ]
    ).assign(lang=["da", "sv", "en", "nb"], team=["Support", None, "Sales", "Support"])
    comments = pd.DataFrame(
        {
            "record_id": ["a", "b", "c", "d"],
            "text": [
                "Regningen var forkert. Skriv til anna.berg@example.com",
                "Appen är okej.",
                "",
                "word " * 300,
            ],
        }
    )
    units = pd.DataFrame(
        {
            "record_id": ["a", "a", "b", "d", "d"],
            "position": [0, 1, 0, 0, 1],
            "text": [
                "Regningen var forkert.", "Skriv til anna.berg@example.com", "Appen är okej.",
                "Great people.", "The technician came on Friday.",
            ],
            "label": ["negative", "neutral", "neutral", "positive", "neutral"],
            "score": [-0.8, 0.1, 0.2, 0.9, 0.1],
        }
    )  # fmt: skip
    table = _build(
        records, units=units, comments=comments, segments=("team", "lang"),
        rule=_rule(comment_chars=60),
    ).set_index("record_id")  # fmt: skip
    # the redacted comment, its language and segments, the score with its scale
    assert table.loc["a", "comment"].startswith("Regningen var forkert.")
    assert "anna.berg" not in table.loc["a", "comment"]
    assert table.loc["a", "language"] == "da"
    assert json.loads(table.loc["a", "segments"]) == {"team": "Support"}
    assert json.loads(table.loc["b", "segments"]) == {}
    assert table.loc["a", "score_scale"] == "0-10" and table.loc["d", "score_scale"] == "1-5"
    assert table.loc["a", "sentences"] == ["Regningen var forkert."]
    # a short comment with no negative unit is its own key sentence
    assert table.loc["b", "sentences"] == ["Appen är okej."]
    # nothing written: no comment, no sentence
    assert table.loc["c", "comment"] is None and table.loc["c", "sentences"] == []
    assert table.loc["c", "language"] is None  # no comment, no language
    # a long one is cut on a word at comment_chars; its least positive units are the key
    assert len(table.loc["d", "comment"]) <= 62 and table.loc["d", "comment"].endswith("…")
    assert table.loc["d", "sentences"] == ["The technician came on Friday."]


def test_priority_compares_scores_on_their_own_scale() -> None:
    records = _records(
        [
            ("nps3", None, "survey", 0, "nps", 3, "negative"),  # 0.3 of the 0-10 scale
            ("csat2", None, "chat", 0, "csat", 2, "negative"),  # 0.25 of the 1-5 scale
            ("nps0", None, "survey", 1, "nps", 0, "negative"),  # 0.0
            ("csat1", None, "chat", 0, "csat", 1, "negative"),  # 0.0, older
        ]
    )
    table = _build(records)
    # the raw numbers would put csat1 (1) after nps0 (0) and nps3 (3) after csat2 (2) anyway;
    # what matters is that the CSAT 2 comes before the NPS 3 although 2/5 is "higher" than 0
    assert table["record_id"].tolist() == ["csat1", "nps0", "csat2", "nps3"]
    assert table["priority"].tolist() == [1, 2, 3, 4]


def test_done_marks_are_kept_and_old_open_follow_ups_expire() -> None:
    records = _records(
        [
            ("old", None, "survey", 0, "nps", 1, "negative"),
            ("new", None, "survey", 50, "nps", 5, "negative"),
            ("called", None, "survey", 55, "nps", 2, "negative"),
            ("reopened", None, "survey", 56, "nps", 4, "negative"),
        ]
    )
    at = pd.Timestamp("2026-10-30", tz="UTC")
    actions = pd.DataFrame(
        {
            "record_id": ["called", "reopened", "reopened"],
            "action": ["done", "done", "reopened"],
            "note": ["called back, credit sent", "x", None],
            "acted_at": [at, at, at + pd.Timedelta(hours=1)],
        }
    )
    table = _build(records, actions=actions, rule=_rule(max_age_days=30)).set_index("record_id")
    assert table.loc["old", "state"] == "expired"
    assert table.loc["old", "expires_at"] == T0 + pd.Timedelta(days=30)
    assert table.loc["new", "state"] == "open"
    assert table.loc["called", "state"] == "done"
    assert table.loc["called", "note"] == "called back, credit sent"
    assert table.loc["called", "done_at"] == at
    # the latest action decides
    assert table.loc["reopened", "state"] == "open" and table.loc["reopened", "note"] is None
    # open ones are called first, whatever their score
    assert set(table.sort_values("priority").index[:2]) == {"new", "reopened"}
