"""Detractor-driver summaries for CX teams: who to call back, about what, and who is at risk.

Every NPS detractor (0-6) — and every CSAT answer at or under ``low_csat`` when
``include_low_csat`` — becomes a follow-up: its score, its themes (most negative first), its
key negative sentences (already redacted at ingest, and redacted again here), the owning team
(the first of its themes that the ``owners`` mapping names, a child inheriting its parent's
owner; else ``default_owner``) and an at-risk flag. When ``customer_id`` links channels, a
customer is **at risk** when the detractor also had a negative chat within ``risk_window_days``
days (before or after), or ``repeated_low_csat`` or more low CSAT answers in that window. Any
follow-up whose comment states churn intent ("overvejer at skifte", "thinking about switching")
is at risk, linked or not; its churn sentences are among its key sentences. A detractor none of
whose units reads negative still wrote why: its key sentences are then its neutral units that
lean negative (``p_negative >= p_positive``: "Jeg har 10 Mbit i stedet for 100."), most negative
first — the same implicit complaints the theme report quotes. Non-answers ("nej tak", "test")
and units that read positive are never key sentences.

**What an agent reads**: the redacted comment (its first ``comment_chars`` characters; NULL
when the customer wrote nothing), language, the customer's segments, the score with its scale
(``score_scale``, "0-10" or "1-5"), topics and key sentences. A comment that says something but
has no negative or implicit-complaint unit is its own key sentence when short (at most
``SHORT_COMMENT`` characters), else its least positive units are.

**Priority** (``priority`` 1 = call first): open and queued before the rest (quarantined,
done, expired); at risk first; then
the lowest score *on its own scale* — ``(score - low) / (high - low)``, so 0/10 and 1/5 are
equally bad and a 2 on the 1-5 CSAT scale (0.25) comes before a 3 on the 0-10 NPS scale (0.3);
the raw numbers of two scales are never compared — then the oldest first (closest to
expiring).

**Workflow**: ``state`` is ``done`` when an agent marked it so (the latest of the record's
`followup_actions`, which nightly runs never rewrite; its note and time are kept), else
``expired`` once ``max_age_days`` have passed since the feedback (kept, not shown by default),
else ``open``.

**Quarantine**: a customer is queued for a call-back at most once per ``quarantine_days``
days: a later follow-up of the same customer inside that window is kept but marked
quarantined (with the record that was queued). Decisions already taken are never revisited;
feedback without a customer id is always queued.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd

from pipeline.config import FollowupConfig
from pipeline.text.redact import redact_text
from pipeline.text.surface import is_non_answer

#: Columns of the `followups` table, in order.
FOLLOWUP_COLUMNS: Final = (
    "record_id", "customer_id", "source", "created_at", "score", "score_type", "reason",
    "theme_ids", "themes", "sentences", "owner", "owner_theme_id", "churn_intent", "at_risk",
    "risk_reasons",
    "customer_records", "negative_chats", "low_csat_answers", "status", "quarantined_by",
    "priority", "listed_at", "score_scale", "comment", "language", "segments", "state", "note",
    "done_at", "expires_at",
)  # fmt: skip
QUEUED: Final = "queued"
QUARANTINED: Final = "quarantined"
OPEN: Final = "open"
DONE: Final = "done"
EXPIRED: Final = "expired"
#: Workflow states, in the order `verbatim followups --status` lists them.
STATES: Final = (OPEN, DONE, EXPIRED)
#: Actions of the `followup_actions` table.
DONE_ACTION: Final = "done"
REOPENED_ACTION: Final = "reopened"
#: Characters up to which a comment with no negative unit is its own key sentence.
SHORT_COMMENT: Final = 240


def churn_count(followups: pd.DataFrame) -> int:
    """How many follow-ups state churn intent (a table from before churn intent counts none)."""
    if followups.empty or "churn_intent" not in followups:
        return 0
    return int(followups["churn_intent"].fillna(False).astype(bool).sum())


def _owner_lookup(themes: pd.DataFrame, owners: Mapping[str, str]) -> dict[int, str]:
    """theme_id -> owner, from owners keyed by theme id, label or keyword; children inherit.

    A theme's id or label decides first; otherwise the first key (in the configuration's
    order) that is one of the theme's keywords, so ``faktura = "Billing"`` routes whatever
    theme the word characterises, whatever id it gets at the next refit.
    """
    by_key = {str(key).strip().casefold(): team for key, team in owners.items()}
    keywords = themes["keywords"] if "keywords" in themes else [None] * len(themes)
    direct: dict[int, str] = {}
    for theme_id, label, words in zip(themes["theme_id"], themes["label"], keywords, strict=True):
        team = by_key.get(str(theme_id)) or by_key.get(str(label).strip().casefold())
        if not team and words is not None and len(words):
            theirs = {str(word).casefold() for word in words}
            team = next((t for key, t in by_key.items() if key in theirs), None)
        if team:
            direct[int(theme_id)] = team
    result = dict(direct)
    for theme_id, parent_id in zip(themes["theme_id"], themes["parent_id"], strict=True):
        if int(theme_id) not in result and pd.notna(parent_id) and int(parent_id) in direct:
            result[int(theme_id)] = direct[int(parent_id)]
    return result


def followup_candidates(records: pd.DataFrame, rule: FollowupConfig) -> pd.DataFrame:
    """The records to follow up, oldest first, with their ``reason``.

    Args:
        records: ``record_id``, ``created_at``, ``score_type``, ``score`` (and anything else).
        rule: Whether low CSAT answers count, and what is low.

    Returns:
        NPS detractors (reason "detractor") and, when ``rule.include_low_csat``, CSAT answers
        at or under ``rule.low_csat`` ("low_csat").
    """
    is_detractor = (records["score_type"] == "nps") & (records["score"] <= 6)
    is_low_csat = (
        rule.include_low_csat
        & (records["score_type"] == "csat")
        & (records["score"] <= rule.low_csat)
    )
    chosen = records[is_detractor | is_low_csat]
    return chosen.assign(
        reason=np.where(is_detractor[chosen.index], "detractor", "low_csat")
    ).sort_values(["created_at", "record_id"])


def _customer_context(candidates: pd.DataFrame, records: pd.DataFrame,
                      rule: FollowupConfig) -> pd.DataFrame:  # fmt: skip
    """Per candidate: the customer's records, negative chats and low CSATs in the window."""
    linked = candidates[candidates["customer_id"].notna()][["record_id", "customer_id",
                                                              "created_at"]]  # fmt: skip
    others = records[records["customer_id"].notna()][
        ["record_id", "customer_id", "created_at", "source", "score_type", "score",
         "sentiment_label"]
    ]  # fmt: skip
    pairs = linked.merge(others, on="customer_id", suffixes=("", "_other"))
    window = pd.Timedelta(days=rule.risk_window_days)
    pairs = pairs[(pairs["created_at_other"] - pairs["created_at"]).abs() <= window]
    pairs = pairs.assign(
        negative_chat=(pairs["source"] == "chat")
        & (pairs["sentiment_label"] == "negative")
        & (pairs["record_id_other"] != pairs["record_id"]),
        low_csat=(pairs["score_type"] == "csat") & (pairs["score"] <= rule.low_csat),
    )
    context = pairs.groupby("record_id").agg(
        customer_records=("record_id_other", "nunique"),
        negative_chats=("negative_chat", "sum"),
        low_csat_answers=("low_csat", "sum"),
    )
    return context.reindex(candidates["record_id"]).fillna(0).astype("int64")


def _risk(
    context: pd.DataFrame, rule: FollowupConfig, reason: np.ndarray, churn: np.ndarray
) -> pd.Series:
    reasons = []
    for (negative, low), why, leaving in zip(
        context[["negative_chats", "low_csat_answers"]].to_numpy(), reason, churn, strict=True
    ):
        found = []
        if leaving:
            found.append("churn intent")
        if negative > 0 and why == "detractor":
            found.append("negative chat")
        if low >= rule.repeated_low_csat:
            found.append("repeated low CSAT")
        reasons.append(found)
    return pd.Series(reasons, index=context.index)


def _quarantine(
    candidates: pd.DataFrame, previous: pd.DataFrame, days: int
) -> tuple[list[str], list[str | None]]:
    """Status and quarantined_by for each candidate, oldest first, honouring past decisions."""
    kept: dict[str, tuple[str, str | None]] = {
        str(r): (str(s), None if pd.isna(b) else str(b))
        for r, s, b in zip(
            previous["record_id"], previous["status"], previous["quarantined_by"], strict=True
        )
    }
    last_queued: dict[str, tuple[pd.Timestamp, str]] = {}
    if not previous.empty:
        queued = previous[previous["status"] == QUEUED].sort_values("created_at")
        for customer, created, record_id in zip(
            queued["customer_id"], queued["created_at"], queued["record_id"], strict=True
        ):
            if pd.notna(customer):
                last_queued[customer] = (created, record_id)
    window = pd.Timedelta(days=days)
    status: list[str] = []
    by: list[str | None] = []
    for record_id, customer, created in zip(
        candidates["record_id"], candidates["customer_id"], candidates["created_at"], strict=True
    ):
        if record_id in kept:
            status.append(kept[record_id][0])
            by.append(kept[record_id][1])
            continue
        if pd.isna(customer):
            status.append(QUEUED)
            by.append(None)
            continue
        last = last_queued.get(customer)
        if last is not None and abs(created - last[0]) < window:
            status.append(QUARANTINED)
            by.append(last[1])
            continue
        last_queued[customer] = (created, record_id)
        status.append(QUEUED)
        by.append(None)
    return status, by


def _key_units(units: pd.DataFrame, leaving: np.ndarray) -> pd.DataFrame:
    """Each record's key units: negative or churn units, else its implicit complaints.

    Implicit complaints are neutral units that lean negative (score <= 0) and say something.
    ``units`` is sorted by record and score.
    """
    key = (units["label"] == "negative").to_numpy() | leaving
    explained = set(units.loc[key, "record_id"])
    implicit = (
        (units["label"] == "neutral").to_numpy()
        & (units["score"] <= 0).to_numpy()
        & ~units["record_id"].isin(explained).to_numpy()
        & ~units["text"].map(is_non_answer).to_numpy(dtype=bool)
    )
    return units[key | implicit]


def score_scale(score_type: str, scales: Mapping[str, tuple[float, float]]) -> str | None:
    """A scale's range as text ("0-10"), None for a score type without a scale."""
    if score_type not in scales:
        return None
    low, high = scales[score_type]
    return f"{low:g}-{high:g}"


def scale_position(
    scores: pd.Series, score_types: pd.Series, scales: Mapping[str, tuple[float, float]]
) -> pd.Series:
    """Each score's place on its own scale, 0 (the worst answer) to 1 (the best).

    The priority rule ranks by this, never by the raw number: 0/10 and 1/5 are both 0.
    """
    low = score_types.map(lambda kind: scales.get(kind, (np.nan, np.nan))[0]).astype(float)
    high = score_types.map(lambda kind: scales.get(kind, (np.nan, np.nan))[1]).astype(float)
    return ((scores.astype(float) - low) / (high - low)).clip(0, 1)


def workflow_states(
    candidates: pd.DataFrame,
    actions: pd.DataFrame,
    *,
    max_age_days: int,
    now: dt.datetime,
) -> pd.DataFrame:
    """Each follow-up's ``state``, ``note``, ``done_at`` and ``expires_at``.

    Args:
        candidates: ``record_id`` and ``created_at`` of the follow-ups.
        actions: The `followup_actions` table: ``record_id``, ``action``, ``note``,
            ``acted_at``; the latest action of a record decides.
        max_age_days: Days after its feedback an open follow-up expires.
        now: The time expiry is judged at.

    Returns:
        One row per candidate (same order): done when the latest action is "done" (with its
        note and time), else expired once ``expires_at`` has passed, else open.
    """
    expires = candidates["created_at"] + pd.Timedelta(days=max_age_days)
    latest = (
        actions.sort_values(["acted_at"]).groupby("record_id").tail(1).set_index("record_id")
        if not actions.empty
        else pd.DataFrame(columns=["action", "note", "acted_at"])
    )
    action = candidates["record_id"].map(latest["action"])
    done = (action == DONE_ACTION).to_numpy()
    expired = (expires <= pd.Timestamp(now)).to_numpy()
    return pd.DataFrame(
        {
            "state": np.select([done, expired], [DONE, EXPIRED], OPEN),
            "note": [
                note if is_done and isinstance(note, str) else None
                for note, is_done in zip(
                    candidates["record_id"].map(latest["note"]), done, strict=True
                )
            ],
            "done_at": pd.to_datetime(
                candidates["record_id"].map(latest["acted_at"]).where(done), utc=True
            ).to_numpy(),
            "expires_at": expires.to_numpy(),
        },
        index=candidates.index,
    )


def current_states(followups: pd.DataFrame, now: dt.datetime) -> pd.Series:
    """The `followups` table's states as of ``now``: an open one whose time passed is expired.

    The stored state is judged when the analysis ran; a queue read days later is up to date.
    """
    if followups.empty:
        return pd.Series(dtype="object")
    state = (
        followups["state"].fillna(OPEN)
        if "state" in followups
        else pd.Series(OPEN, index=followups.index)
    )
    if "expires_at" not in followups:  # a table from before the workflow
        return state
    expires = pd.to_datetime(followups["expires_at"], utc=True)
    return state.mask((state == OPEN) & (expires <= pd.Timestamp(now)), EXPIRED)


def open_queue(followups: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    """The follow-ups somebody should still call: queued, and open as of ``now``."""
    if followups.empty:
        return followups
    return followups[(followups["status"] == QUEUED) & (current_states(followups, now) == OPEN)]


def state_counts(followups: pd.DataFrame, now: dt.datetime) -> dict[str, int]:
    """Queued follow-ups per workflow state (open, done, expired) as of ``now``."""
    if followups.empty:
        return dict.fromkeys(STATES, 0)
    states = current_states(followups, now)[followups["status"] == QUEUED]
    return {state: int((states == state).sum()) for state in STATES}


def parse_segments(value: object) -> dict[str, str]:
    """A follow-up's ``segments`` (JSON object text) as a dict; {} when NULL or not an object."""
    if isinstance(value, Mapping):
        return {str(key): str(item) for key, item in value.items()}
    if not isinstance(value, str) or not value.strip():
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return {}
    return (
        {str(key): str(item) for key, item in parsed.items()} if isinstance(parsed, dict) else {}
    )


def _redacted_comment(text: object) -> str | None:
    """The comment on one line, redacted; None when nothing was written."""
    if not isinstance(text, str) or not text.strip():
        return None
    return redact_text(" ".join(text.split()))


def _cut(text: str, chars: int) -> str:
    """``text`` cut at ``chars`` on a word, with " …" when it was longer."""
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0] + " …"


def _fallback_sentences(comment: str | None, units: pd.DataFrame | None, count: int) -> list[str]:
    """Key sentences of a comment that has no negative unit (see the module's docstring).

    ``comment`` is the whole comment as `_redacted_comment` gives it.
    """
    if comment is None or is_non_answer(comment):
        return []
    if len(comment) <= SHORT_COMMENT:
        return [comment]
    if units is not None:
        said = units[(units["label"] != "positive") & ~units["text"].map(is_non_answer)]
        if not said.empty:
            return [redact_text(text) for text in said["text"].head(count)]
    return [_cut(comment, SHORT_COMMENT)]


def _segments_json(records: pd.DataFrame, segments: Sequence[str]) -> pd.Series:
    present = [
        name for name in segments if name in records.columns and name not in {"lang", "source"}
    ]
    return records.apply(
        lambda row: json.dumps(
            {name: str(row[name]) for name in present if pd.notna(row[name])},
            ensure_ascii=False,
        ),
        axis=1,
    )


def build_followups(
    records: pd.DataFrame,
    mentions: pd.DataFrame,
    units: pd.DataFrame,
    themes: pd.DataFrame,
    *,
    rule: FollowupConfig,
    previous: pd.DataFrame | None = None,
    comments: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    scales: Mapping[str, tuple[float, float]] | None = None,
    segments: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> pd.DataFrame:
    """The `followups` table: one row per detractor (and low CSAT answer).

    Args:
        records: Every record: ``record_id``, ``customer_id``, ``source``, ``created_at``,
            ``score``, ``score_type``, ``sentiment_label`` (the record's sentiment), and
            ``lang`` and the segment columns when known.
        mentions: Leaf themes per record: ``record_id``, ``theme_id``, ``sentiment``.
        units: The opinion units of `followup_candidates`' records: ``record_id``,
            ``position``, ``text``, ``label``, ``score`` (sentiment) and ``churn_intent``
            (optional).
        themes: The `themes` table (``theme_id``, ``label``, ``parent_id``, ``status``, and
            ``keywords`` when owners are routed by keyword).
        rule: Who gets a follow-up and how.
        previous: The `followups` table as it was: its statuses and queue times are kept.
        comments: ``record_id`` and ``text`` (the redacted comment) of the candidates.
        actions: The `followup_actions` table (agents' done / reopened marks).
        scales: Score type -> (lowest, highest) answer (default: NPS 0-10, CSAT 1-5).
        segments: Segment columns of ``records`` to show (as a JSON object).
        now: ``listed_at`` of new follow-ups and the time expiry is judged at (default: the
            current UTC time).

    Returns:
        `FOLLOWUP_COLUMNS`, ordered by ``priority`` (the rule in the module's docstring).
    """
    previous = previous if previous is not None else pd.DataFrame(columns=FOLLOWUP_COLUMNS)
    scales = scales if scales is not None else {"nps": (0, 10), "csat": (1, 5)}
    candidates = followup_candidates(records, rule).reset_index(drop=True)
    if candidates.empty:
        return pd.DataFrame(columns=list(FOLLOWUP_COLUMNS))
    stamp = pd.Timestamp(now or dt.datetime.now(dt.UTC))
    labels = themes.set_index("theme_id")["label"]
    owner_of = _owner_lookup(themes, rule.owners)
    theirs = mentions[mentions["record_id"].isin(candidates["record_id"])].sort_values(
        ["record_id", "sentiment", "theme_id"]
    )
    theme_ids = theirs.groupby("record_id")["theme_id"].agg(list)
    ordered = candidates["record_id"].map(theme_ids)
    ordered = ordered.apply(lambda ids: ids if isinstance(ids, list) else [])
    owner_theme = ordered.apply(lambda ids: next((t for t in ids if t in owner_of), None))
    all_units = units[units["record_id"].isin(candidates["record_id"])].sort_values(
        ["record_id", "score", "position"]
    )
    leaving = (
        all_units["churn_intent"].fillna(False).astype(bool)
        if "churn_intent" in all_units
        else pd.Series(False, index=all_units.index)
    )
    churned = set(all_units.loc[leaving.to_numpy(), "record_id"])
    negative = _key_units(all_units, leaving.to_numpy())
    sentences = negative.groupby("record_id")["text"].agg(
        lambda texts: [redact_text(text) for text in texts.head(rule.sentences)]
    )
    texts = comments.set_index("record_id")["text"] if comments is not None else pd.Series()
    whole = [_redacted_comment(text) for text in candidates["record_id"].map(texts)]
    shown = pd.Series(
        [None if text is None else _cut(text, rule.comment_chars) for text in whole],
        index=candidates.index,
        dtype="object",
    )
    units_by_record = dict(tuple(all_units.groupby("record_id")))
    key_sentences = [
        found if isinstance(found, list) and found
        else _fallback_sentences(comment, units_by_record.get(record_id), rule.sentences)
        for record_id, found, comment in zip(
            candidates["record_id"], candidates["record_id"].map(sentences), whole, strict=True,
        )
    ]  # fmt: skip
    churn = candidates["record_id"].isin(churned).to_numpy()
    context = _customer_context(candidates, records, rule)
    reasons = _risk(context, rule, candidates["reason"].to_numpy(), churn)
    status, by = _quarantine(candidates, previous, rule.quarantine_days)
    listed_before = (
        previous.set_index("record_id")["listed_at"] if not previous.empty else pd.Series()
    )
    states = workflow_states(
        candidates,
        actions if actions is not None else pd.DataFrame(columns=["record_id", "action"]),
        max_age_days=rule.max_age_days,
        now=stamp.to_pydatetime(),
    )
    table = candidates[
        ["record_id", "customer_id", "source", "created_at", "score", "score_type", "reason"]
    ].assign(
        theme_ids=ordered.to_numpy(),
        themes=ordered.apply(lambda ids: [str(labels.get(t, t)) for t in ids]).to_numpy(),
        sentences=pd.Series(key_sentences, index=candidates.index, dtype="object"),
        owner=owner_theme.map(
            lambda t: owner_of.get(t, rule.default_owner) if t is not None else rule.default_owner
        ),
        owner_theme_id=owner_theme.astype("Int64"),
        churn_intent=churn,
        at_risk=reasons.map(bool).to_numpy(),
        risk_reasons=reasons.to_numpy(),
        customer_records=context["customer_records"].to_numpy(),
        negative_chats=context["negative_chats"].to_numpy(),
        low_csat_answers=context["low_csat_answers"].to_numpy(),
        status=status,
        quarantined_by=pd.Series(by, dtype="object"),
        listed_at=candidates["record_id"].map(listed_before).fillna(stamp),
        score_scale=candidates["score_type"].map(lambda kind: score_scale(kind, scales)),
        comment=shown.astype("object").where(shown.notna(), None),
        language=(
            candidates["lang"] if "lang" in candidates else pd.Series(None, index=candidates.index)
        ).where(shown.notna(), None),
        segments=_segments_json(candidates, segments),
        state=states["state"],
        note=states["note"],
        done_at=states["done_at"],
        expires_at=states["expires_at"],
        _position=scale_position(candidates["score"], candidates["score_type"], scales),
    )
    table = (
        table.assign(_later=(table["status"] == QUARANTINED) | (table["state"] != OPEN))
        .sort_values(
            ["_later", "at_risk", "_position", "created_at"], ascending=[True, False, True, True]
        )
        .drop(columns=["_later", "_position"])
        .reset_index(drop=True)
    )
    table["priority"] = np.arange(1, len(table) + 1)
    for name in ("comment", "note", "language"):
        table[name] = table[name].astype("object").where(table[name].notna(), None)
    return table[list(FOLLOWUP_COLUMNS)]
