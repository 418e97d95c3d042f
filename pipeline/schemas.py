"""Every warehouse table's columns and types, and the contracts checked where data enters.

Column names are defined here once; other modules refer to them through these constants.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pandera.pandas as pa

# --- column names -------------------------------------------------------------------------
RECORD_ID: Final = "record_id"
SOURCE: Final = "source"
SOURCE_ID: Final = "source_id"
CUSTOMER_ID: Final = "customer_id"
CREATED_AT: Final = "created_at"
SCORE: Final = "score"
SCORE_TYPE: Final = "score_type"
NPS_CATEGORY: Final = "nps_category"
TEXT: Final = "text"
EXTRA: Final = "extra"
SOURCE_FILE: Final = "source_file"
SOURCE_LINE: Final = "source_line"
BATCH_ID: Final = "batch_id"
INGESTED_AT: Final = "ingested_at"

SOURCES: Final = ("survey", "chat", "social")
SCORE_TYPES: Final = ("nps", "csat", "ces", "none")
NPS_CATEGORIES: Final = ("promoter", "passive", "detractor")

#: Segment columns every warehouse has; a configuration may add more.
SEGMENT_COLUMNS: Final = ("team", "department", "product", "country", "channel", "region", "store")


@dataclass(frozen=True)
class Table:
    """A warehouse table: its name, its columns with DuckDB types, and its meaning.

    ``volatile`` names the columns that record when, where or by which run a row was written
    rather than what the data says (write times, run ids, durations, fingerprints of those):
    two runs on the same data and seed differ only there.
    """

    name: str
    columns: dict[str, str]
    description: str
    volatile: tuple[str, ...] = ()

    def ddl(self, *, temporary_name: str | None = None) -> str:
        """Return the CREATE TABLE statement (of a temporary twin when a name is given)."""
        parts = ", ".join(f'"{name}" {kind}' for name, kind in self.columns.items())
        if temporary_name:
            return f'CREATE TEMP TABLE IF NOT EXISTS "{temporary_name}" ({parts})'
        return f'CREATE TABLE IF NOT EXISTS main."{self.name}" ({parts})'


RECORDS = Table(
    "records",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        SOURCE: "VARCHAR NOT NULL",
        SOURCE_ID: "VARCHAR NOT NULL",
        CUSTOMER_ID: "VARCHAR",
        CREATED_AT: "TIMESTAMPTZ NOT NULL",
        SCORE: "DOUBLE",
        SCORE_TYPE: "VARCHAR NOT NULL",
        NPS_CATEGORY: "VARCHAR",
        TEXT: "VARCHAR NOT NULL",
        **{name: "VARCHAR" for name in SEGMENT_COLUMNS},
        EXTRA: "VARCHAR",
        SOURCE_FILE: "VARCHAR NOT NULL",
        SOURCE_LINE: "BIGINT",
        BATCH_ID: "VARCHAR NOT NULL",
        INGESTED_AT: "TIMESTAMPTZ NOT NULL",
    },
    "One row per piece of feedback (survey answer, chat conversation, social mention).",
    (INGESTED_AT,),
)

REJECTS = Table(
    "rejects",
    {
        BATCH_ID: "VARCHAR NOT NULL",
        SOURCE: "VARCHAR NOT NULL",
        "file": "VARCHAR NOT NULL",
        "line": "BIGINT",
        "field": "VARCHAR",
        "reason": "VARCHAR NOT NULL",
        "raw": "VARCHAR",
        "rejected_at": "TIMESTAMPTZ NOT NULL",
    },
    "Rows refused at ingest, with file, line, field, reason and the raw row.",
    ("rejected_at",),
)

BATCHES = Table(
    "batches",
    {
        BATCH_ID: "VARCHAR NOT NULL",
        SOURCE: "VARCHAR NOT NULL",
        "file": "VARCHAR NOT NULL",
        "file_hash": "VARCHAR NOT NULL",
        "file_bytes": "BIGINT NOT NULL",
        "format": "VARCHAR NOT NULL",
        "rows": "BIGINT NOT NULL",
        "accepted": "BIGINT NOT NULL",
        "rejected": "BIGINT NOT NULL",
        "duplicates": "BIGINT NOT NULL",
        "started_at": "TIMESTAMPTZ NOT NULL",
        "finished_at": "TIMESTAMPTZ NOT NULL",
        "config_hash": "VARCHAR NOT NULL",
    },
    "One row per ingested file; a file whose hash is here is not ingested again.",
    ("started_at", "finished_at"),
)

CHAT_MESSAGES = Table(
    "chat_messages",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        "turn": "INTEGER NOT NULL",
        "role": "VARCHAR NOT NULL",
        "text": "VARCHAR NOT NULL",
        "sent_at": "TIMESTAMPTZ",
        BATCH_ID: "VARCHAR NOT NULL",
    },
    "Every turn of every chat conversation (customer, agent and bot), in order.",
)

MENTIONS = Table(
    "mentions",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        "platform": "VARCHAR",
        "author": "VARCHAR",
        "in_reply_to": "VARCHAR",
        "is_reply": "BOOLEAN NOT NULL",
        "is_retweet": "BOOLEAN NOT NULL",
        "likes": "BIGINT",
        "shares": "BIGINT",
        BATCH_ID: "VARCHAR NOT NULL",
    },
    "Social-mention details: platform, author handle, reply and retweet markers, metrics.",
)

RAW_RECORDS = Table(
    "raw_records",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        TEXT: "VARCHAR NOT NULL",
        BATCH_ID: "VARCHAR NOT NULL",
    },
    "The text of each record exactly as received, personal data included. No report or export "
    "of analysis reads it; `ingest.keep_raw_text = false` stops keeping it.",
)

# --- enrichment ---------------------------------------------------------------------------
UNIT_ID: Final = "unit_id"
POSITION: Final = "position"
LANG: Final = "lang"
CLEAN_TEXT: Final = "clean_text"
IS_DUPLICATE: Final = "is_duplicate"
DUPLICATE_OF: Final = "duplicate_of"
ENRICHED_AT: Final = "enriched_at"

ENRICHED_RECORDS = Table(
    "enriched_records",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        CLEAN_TEXT: "VARCHAR NOT NULL",
        LANG: "VARCHAR NOT NULL",
        IS_DUPLICATE: "BOOLEAN NOT NULL",
        DUPLICATE_OF: "VARCHAR",
        "units": "INTEGER NOT NULL",
        ENRICHED_AT: "TIMESTAMPTZ NOT NULL",
    },
    "One row per enriched record: cleaned, redacted text, its language, and whether it "
    "repeats an earlier record (retweets, copy-paste campaigns count once).",
    (ENRICHED_AT,),
)

OPINION_UNITS = Table(
    "opinion_units",
    {
        UNIT_ID: "VARCHAR NOT NULL",
        RECORD_ID: "VARCHAR NOT NULL",
        POSITION: "INTEGER NOT NULL",
        TEXT: "VARCHAR NOT NULL",
        LANG: "VARCHAR NOT NULL",
    },
    "The pieces of a record that sentiment and themes work on: sentences, split again at "
    "contrastive conjunctions (but / men / dock / likevel …).",
)

# --- embeddings and sentiment --------------------------------------------------------------
TEXT_KEY: Final = "text_key"
EMBEDDER: Final = "embedder"
MODEL: Final = "model"
MODEL_VERSION: Final = "model_version"
SCORED_AT: Final = "scored_at"

EMBEDDINGS = Table(
    "embeddings",
    {
        TEXT_KEY: "VARCHAR NOT NULL",
        EMBEDDER: "VARCHAR NOT NULL",
        "vector": "FLOAT[] NOT NULL",
    },
    "Sentence embeddings of unit texts, keyed by a hash of the text and the embedder "
    "(`name@version`): computed once, reused by sentiment and themes.",
)

_SENTIMENT_COLUMNS: Final = {
    "label": "VARCHAR NOT NULL",
    "score": "DOUBLE NOT NULL",
    "confidence": "DOUBLE NOT NULL",
    "p_negative": "DOUBLE NOT NULL",
    "p_neutral": "DOUBLE NOT NULL",
    "p_positive": "DOUBLE NOT NULL",
}

UNIT_SENTIMENT = Table(
    "unit_sentiment",
    {
        UNIT_ID: "VARCHAR NOT NULL",
        RECORD_ID: "VARCHAR NOT NULL",
        **_SENTIMENT_COLUMNS,
        "churn_intent": "BOOLEAN",
        "churn_probability": "DOUBLE",
        MODEL: "VARCHAR NOT NULL",
        MODEL_VERSION: "VARCHAR NOT NULL",
        SCORED_AT: "TIMESTAMPTZ NOT NULL",
    },
    "Sentiment of each opinion unit: label (negative | neutral | positive), score in [-1, 1] "
    "(p_positive - p_negative), confidence (the label's calibrated probability), the three "
    "probabilities, churn intent (the unit says the customer is leaving or thinking of it) "
    "with its probability, and the model name and version that produced it.",
    (SCORED_AT,),
)

RECORD_SENTIMENT = Table(
    "record_sentiment",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        **_SENTIMENT_COLUMNS,
        "units": "INTEGER NOT NULL",
        "negative_units": "INTEGER NOT NULL",
        "neutral_units": "INTEGER NOT NULL",
        "positive_units": "INTEGER NOT NULL",
        "churn_intent": "BOOLEAN",
        MODEL: "VARCHAR NOT NULL",
        MODEL_VERSION: "VARCHAR NOT NULL",
        SCORED_AT: "TIMESTAMPTZ NOT NULL",
    },
    "Sentiment of each enriched record, aggregated from its units' probabilities (weighted by "
    "unit length), with how many of its units are negative, neutral and positive, and whether "
    "any unit states churn intent. A record with no units is neutral.",
    (SCORED_AT,),
)

# --- themes ------------------------------------------------------------------------------------
THEME_ID: Final = "theme_id"

THEMES = Table(
    "themes",
    {
        THEME_ID: "INTEGER NOT NULL",
        "label": "VARCHAR NOT NULL",
        "keywords": "VARCHAR[] NOT NULL",
        "parent_id": "INTEGER",
        "size": "INTEGER NOT NULL",
        MODEL_VERSION: "VARCHAR NOT NULL",
        "status": "VARCHAR NOT NULL",
        "auto_label": "VARCHAR NOT NULL",
        "label_source": "VARCHAR NOT NULL",
        "quotes": "VARCHAR[] NOT NULL",
        "is_parent": "BOOLEAN NOT NULL",
        "merged_into": "INTEGER",
        "seed": "VARCHAR",
        "first_version": "VARCHAR NOT NULL",
        "updated_at": "TIMESTAMPTZ NOT NULL",
        "topic_id": "INTEGER",
    },
    "Every sub-theme (discovered cluster) ever found, one row per id (ids are never reused, "
    "and never used by a topic): label (the codeframe's name, else the auto label: a short "
    "phrase of its most central units), top c-TF-IDF keywords, three redacted quotes, "
    "parent_id (the parent theme grouping it), topic_id (the topic it belongs to), size "
    "(units now assigned; a parent counts its children's), model_version that last fitted "
    "it, status (active | hidden | merged | retired), merged_into for themes merged in the "
    "codeframe.",
    ("updated_at",),
)

UNIT_THEMES = Table(
    "unit_themes",
    {
        UNIT_ID: "VARCHAR NOT NULL",
        RECORD_ID: "VARCHAR NOT NULL",
        THEME_ID: "INTEGER",
        "model_theme_id": "INTEGER",
        "similarity": "DOUBLE NOT NULL",
        "has_content": "BOOLEAN NOT NULL",
        MODEL_VERSION: "VARCHAR NOT NULL",
        "assigned_at": "TIMESTAMPTZ NOT NULL",
    },
    "The theme of each opinion unit: theme_id after codeframe merges (NULL when no theme is "
    "close enough, or the unit has no content), model_theme_id as the model assigned it, and "
    "the cosine similarity to that theme's centroid.",
    ("assigned_at",),
)

RECORD_THEMES = Table(
    "record_themes",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        THEME_ID: "INTEGER NOT NULL",
        "units": "INTEGER NOT NULL",
    },
    "The themes of each record (multi-label): the union of its units' themes, with how many "
    "of its units carry each.",
)

THEME_LINEAGE = Table(
    "theme_lineage",
    {
        MODEL_VERSION: "VARCHAR NOT NULL",
        "event": "VARCHAR NOT NULL",
        THEME_ID: "INTEGER NOT NULL",
        "from_theme_id": "INTEGER",
        "similarity": "DOUBLE",
        "share": "DOUBLE",
        "created_at": "TIMESTAMPTZ NOT NULL",
    },
    "What each fit did to the themes: new, kept (a refitted theme kept an old id), split (a "
    "new theme took its units from from_theme_id), merged (from_theme_id went into theme_id), "
    "retired; with centroid similarity and the share of units that moved.",
    ("created_at",),
)

TOPIC_ID: Final = "topic_id"

TOPICS = Table(
    "topics",
    {
        TOPIC_ID: "INTEGER NOT NULL",
        "topic_key": "VARCHAR NOT NULL",
        "label": "VARCHAR NOT NULL",
        "kind": "VARCHAR NOT NULL",
        "pack": "VARCHAR NOT NULL",
        "names": "VARCHAR NOT NULL",
        "size": "INTEGER NOT NULL",
        MODEL_VERSION: "VARCHAR NOT NULL",
        "status": "VARCHAR NOT NULL",
        "first_version": "VARCHAR NOT NULL",
        "updated_at": "TIMESTAMPTZ NOT NULL",
    },
    "Every topic ever used, one row per id (stable across refits; ids never shared with a "
    "sub-theme): topic_key (the library id such as waiting_time, or discovered:<sub-theme id>), "
    "label in reports.language (the codeframe's name when renamed), kind (cause | verdict | "
    "churn | discovered: verdict and churn are shown, never ranked), pack (generic, an "
    "industry pack, codeframe or discovered), names (JSON: name per language), size (units now "
    "carrying it), status (active | hidden | retired).",
    ("updated_at",),
)

UNIT_TOPICS = Table(
    "unit_topics",
    {
        UNIT_ID: "VARCHAR NOT NULL",
        RECORD_ID: "VARCHAR NOT NULL",
        TOPIC_ID: "INTEGER NOT NULL",
        MODEL_VERSION: "VARCHAR NOT NULL",
        "assigned_at": "TIMESTAMPTZ NOT NULL",
    },
    "The topics of each opinion unit with content (multi-label: one row per unit and topic).",
    ("assigned_at",),
)

RECORD_TOPICS = Table(
    "record_topics",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        TOPIC_ID: "INTEGER NOT NULL",
        "units": "INTEGER NOT NULL",
    },
    "The topics of each record: the union of its units' topics, with how many units carry each.",
)

NPS_BY_SEGMENT = Table(
    "nps_by_segment",
    {
        "metric": "VARCHAR NOT NULL",
        "period": "VARCHAR NOT NULL",
        "period_start": "DATE",
        "segment": "VARCHAR NOT NULL",
        "segment_value": "VARCHAR NOT NULL",
        "n": "BIGINT NOT NULL",
        "value": "DOUBLE",
        "margin": "DOUBLE",
        "low": "DOUBLE",
        "high": "DOUBLE",
        "promoters": "BIGINT",
        "passives": "BIGINT",
        "detractors": "BIGINT",
        "flagged": "BOOLEAN NOT NULL",
        "rank": "INTEGER",
        "computed_at": "TIMESTAMPTZ NOT NULL",
    },
    "NPS, CSAT and CES per period (all | week | month, period_start in the configured "
    "timezone) and segment value, with n and the margin at metrics.confidence (95% by "
    "default); flagged when n is under "
    "metrics.min_n (then never ranked); rank orders a segment's values, best first.",
    ("computed_at",),
)

DRIVERS = Table(
    "drivers",
    {
        THEME_ID: "INTEGER NOT NULL",
        "level": "VARCHAR NOT NULL",
        "label": "VARCHAR NOT NULL",
        "parent_id": "INTEGER",
        "segment": "VARCHAR NOT NULL",
        "segment_value": "VARCHAR NOT NULL",
        "respondents": "BIGINT NOT NULL",
        "flagged": "BOOLEAN NOT NULL",
        "mentions": "BIGINT NOT NULL",
        "detractors": "BIGINT NOT NULL",
        "passives": "BIGINT NOT NULL",
        "promoters": "BIGINT NOT NULL",
        "detractor_share": "DOUBLE",
        "passive_share": "DOUBLE",
        "promoter_share": "DOUBLE",
        "sentiment": "DOUBLE",
        "nps_with": "DOUBLE",
        "nps_without": "DOUBLE",
        "nps_impact": "DOUBLE NOT NULL",
        "ci_low": "DOUBLE NOT NULL",
        "ci_high": "DOUBLE NOT NULL",
        "p_value": "DOUBLE NOT NULL",
        "q_value": "DOUBLE",
        "adjusted_impact": "DOUBLE",
        "adjusted_ci_low": "DOUBLE",
        "adjusted_ci_high": "DOUBLE",
        "detractor_coef": "DOUBLE",
        "promoter_coef": "DOUBLE",
        "recoverable": "DOUBLE NOT NULL",
        "role": "VARCHAR NOT NULL",
        "rank": "INTEGER",
        "strength_rank": "INTEGER",
        "trend": "VARCHAR NOT NULL",
        "alert": "VARCHAR",
        "chat_mentions": "BIGINT NOT NULL",
        "chat_csat": "DOUBLE",
        "chat_sentiment": "DOUBLE",
        "social_mentions": "BIGINT NOT NULL",
        "social_sentiment": "DOUBLE",
        "verdict_share": "DOUBLE",
        "quotes": "VARCHAR[] NOT NULL",
        "computed_at": "TIMESTAMPTZ NOT NULL",
        "polarity": "VARCHAR",
    },
    "Each topic's (level topic: theme_id holds the topic id, one row for its complaints, "
    "polarity negative, and one for its praise, polarity positive), sub-theme's (level "
    "theme) and parent's (level parent) effect on NPS, overall (segment "
    "all) and per segment value: mentions among NPS respondents, the share of detractors, "
    "passives and promoters mentioning it, impact in NPS points with bootstrap interval, "
    "p-value and BH q-value, the key-driver model's adjusted impact, role, rank in the "
    "improvement list, trend, chat and social volume and sentiment, three quotes.",
    ("computed_at",),
)

THEME_TRENDS = Table(
    "theme_trends",
    {
        THEME_ID: "INTEGER NOT NULL",
        "level": "VARCHAR NOT NULL",
        "week": "DATE NOT NULL",
        "records": "BIGINT NOT NULL",
        "mentions": "BIGINT NOT NULL",
        "share": "DOUBLE",
        "respondents": "BIGINT NOT NULL",
        "respondent_mentions": "BIGINT NOT NULL",
        "nps_with": "DOUBLE",
        "nps_impact": "DOUBLE",
        "sentiment": "DOUBLE",
        "computed_at": "TIMESTAMPTZ NOT NULL",
    },
    "Weekly volume (records of every channel mentioning the theme, and their share), NPS "
    "impact among that week's respondents and mean sentiment, per theme and parent.",
    ("computed_at",),
)

ALERTS = Table(
    "alerts",
    {
        "alert_id": "VARCHAR NOT NULL",
        THEME_ID: "INTEGER NOT NULL",
        "level": "VARCHAR NOT NULL",
        "label": "VARCHAR NOT NULL",
        "kind": "VARCHAR NOT NULL",
        "since": "DATE NOT NULL",
        "last_week": "DATE NOT NULL",
        "active": "BOOLEAN NOT NULL",
        "weeks": "INTEGER NOT NULL",
        "recent_mentions": "BIGINT NOT NULL",
        "recent_records": "BIGINT NOT NULL",
        "baseline_mentions": "BIGINT NOT NULL",
        "baseline_records": "BIGINT NOT NULL",
        "ratio": "DOUBLE",
        "p_value": "DOUBLE NOT NULL",
        "q_value": "DOUBLE NOT NULL",
        "test": "VARCHAR NOT NULL",
        "computed_at": "TIMESTAMPTZ NOT NULL",
    },
    "One row per flag: a theme emerging (rare or new before) or spiking (an established "
    "theme's rate rising) from week since to last_week, active when the latest week is "
    "flagged; counts of the recent and baseline windows, rate ratio, p- and q-value.",
    ("computed_at",),
)

FOLLOWUPS = Table(
    "followups",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        CUSTOMER_ID: "VARCHAR",
        SOURCE: "VARCHAR NOT NULL",
        CREATED_AT: "TIMESTAMPTZ NOT NULL",
        SCORE: "DOUBLE",
        SCORE_TYPE: "VARCHAR NOT NULL",
        "reason": "VARCHAR NOT NULL",
        "theme_ids": "INTEGER[] NOT NULL",
        "themes": "VARCHAR[] NOT NULL",
        "sentences": "VARCHAR[] NOT NULL",
        "owner": "VARCHAR NOT NULL",
        "owner_theme_id": "INTEGER",
        "churn_intent": "BOOLEAN",
        "at_risk": "BOOLEAN NOT NULL",
        "risk_reasons": "VARCHAR[] NOT NULL",
        "customer_records": "BIGINT NOT NULL",
        "negative_chats": "BIGINT NOT NULL",
        "low_csat_answers": "BIGINT NOT NULL",
        "status": "VARCHAR NOT NULL",
        "quarantined_by": "VARCHAR",
        "priority": "INTEGER NOT NULL",
        "listed_at": "TIMESTAMPTZ NOT NULL",
        "score_scale": "VARCHAR",
        "comment": "VARCHAR",
        "language": "VARCHAR",
        "segments": "VARCHAR",
        "state": "VARCHAR NOT NULL",
        "note": "VARCHAR",
        "done_at": "TIMESTAMPTZ",
        "expires_at": "TIMESTAMPTZ",
    },
    "One row per detractor (and low CSAT answer) to follow up: the score and its scale "
    "(score_scale, e.g. 0-10), the redacted comment (its first followup.comment_chars "
    "characters; NULL: no comment), language, the customer's segments (JSON object), topics "
    "(themes), key sentences (redacted), owning team, churn intent, at-risk flag with reasons "
    "(churn intent, a negative chat, repeated low CSAT), the customer's linked records, status "
    "queued | quarantined (quarantined_by: the follow-up already queued for that customer), "
    "priority, and the workflow state open | done | expired with the agent's note, when it was "
    "done and when an open one expires (followup.max_age_days after created_at).",
    ("listed_at",),
)

FOLLOWUP_ACTIONS = Table(
    "followup_actions",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        "action": "VARCHAR NOT NULL",
        "note": "VARCHAR",
        "acted_at": "TIMESTAMPTZ NOT NULL",
        "acted_by": "VARCHAR",
    },
    "What CX agents did with follow-ups, one row per action (done | reopened) with its note, "
    "time and user; never rebuilt, so a follow-up's state and note survive nightly runs and "
    "refits (the latest action of a record decides).",
    ("acted_at",),
)

DELIVERIES = Table(
    "deliveries",
    {
        RECORD_ID: "VARCHAR NOT NULL",
        "channel": "VARCHAR NOT NULL",
        "target": "VARCHAR NOT NULL",
        "status": "VARCHAR NOT NULL",
        "attempts": "INTEGER NOT NULL",
        "first_attempt_at": "TIMESTAMPTZ NOT NULL",
        "last_attempt_at": "TIMESTAMPTZ NOT NULL",
        "delivered_at": "TIMESTAMPTZ",
        "error": "VARCHAR",
    },
    "One row per follow-up and delivery channel (email: the owning team's digest; webhook): "
    "status delivered | failed, the attempts so far, when, and the last error; a delivered "
    "follow-up is never sent again on that channel, a failed one is tried again next run.",
    ("first_attempt_at", "last_attempt_at", "delivered_at"),
)

RUNS = Table(
    "runs",
    {
        "run_id": "VARCHAR NOT NULL",
        "flow_run_id": "VARCHAR",
        "started_at": "TIMESTAMPTZ NOT NULL",
        "finished_at": "TIMESTAMPTZ",
        "status": "VARCHAR NOT NULL",
        "seconds": "DOUBLE",
        "peak_rss_mb": "DOUBLE",
        "steps": "VARCHAR NOT NULL",
        "config_hash": "VARCHAR NOT NULL",
        "model_version": "VARCHAR",
        "sentiment_model": "VARCHAR",
        "embedder": "VARCHAR",
        "seed": "BIGINT",
        "error": "VARCHAR",
        "host": "VARCHAR",
        "pid": "INTEGER",
        "skipped_files": "VARCHAR",
        "failed_files": "VARCHAR",
    },
    "One row per pipeline run (verbatim run, the nightly flow): status running | completed "
    "| failed | interrupted (killed; found by the next run), wall seconds, peak memory of "
    "the running process, steps (JSON list: step, seconds, peak_rss_mb, counts), the "
    "configuration's hash, the theme model version, sentiment model and embedder in use at the "
    "end, the workspace seed (run.seed) the run used, and the inbox files it skipped (not of "
    "the source's extensions) and could not use (JSON lists of {file, source, reason}).",
    (
        "run_id",
        "flow_run_id",
        "started_at",
        "finished_at",
        "seconds",
        "peak_rss_mb",
        "steps",
        "host",
        "pid",
    ),
)

PIPELINE_STATE = Table(
    "pipeline_state",
    {
        "key": "VARCHAR NOT NULL",
        "value": "VARCHAR NOT NULL",
        "updated_at": "TIMESTAMPTZ NOT NULL",
    },
    "Small bookkeeping values, one per key: e.g. analytics_inputs, the fingerprint of the "
    "inputs the analytics tables were last computed from (a run with nothing new skips them).",
    ("value", "updated_at"),
)

TABLES: Final = {
    table.name: table
    for table in (
        RECORDS, REJECTS, BATCHES, CHAT_MESSAGES, MENTIONS, RAW_RECORDS, ENRICHED_RECORDS,
        OPINION_UNITS, EMBEDDINGS, UNIT_SENTIMENT, RECORD_SENTIMENT, THEMES, UNIT_THEMES,
        RECORD_THEMES, THEME_LINEAGE, TOPICS, UNIT_TOPICS, RECORD_TOPICS, NPS_BY_SEGMENT,
        DRIVERS, THEME_TRENDS, ALERTS, FOLLOWUPS, FOLLOWUP_ACTIONS, DELIVERIES, RUNS,
        PIPELINE_STATE,
    )
}  # fmt: skip
#: Tables the analytics stage rebuilds on every run (`followups` keeps its decisions).
ANALYTICS_TABLES: Final = (NPS_BY_SEGMENT.name, DRIVERS.name, THEME_TRENDS.name, ALERTS.name)
#: Tables keyed by record_id that are written together with `records`.
RECORD_DETAIL_TABLES: Final = (CHAT_MESSAGES.name, MENTIONS.name, RAW_RECORDS.name)

# --- contracts checked where frames enter the warehouse ------------------------------------
_utc = pd.DatetimeTZDtype(unit="us", tz="UTC")

records_contract = pa.DataFrameSchema(
    {
        RECORD_ID: pa.Column(str, nullable=False),
        SOURCE: pa.Column(str, pa.Check.isin(SOURCES)),
        SOURCE_ID: pa.Column(str, nullable=False),
        CUSTOMER_ID: pa.Column(str, nullable=True),
        CREATED_AT: pa.Column(_utc, nullable=False),
        SCORE: pa.Column(float, nullable=True),
        SCORE_TYPE: pa.Column(str, pa.Check.isin(SCORE_TYPES)),
        NPS_CATEGORY: pa.Column(str, pa.Check.isin(NPS_CATEGORIES), nullable=True),
        TEXT: pa.Column(str, nullable=False),
        BATCH_ID: pa.Column(str, nullable=False),
        INGESTED_AT: pa.Column(_utc, nullable=False),
    },
    strict=False,
    coerce=False,
)

rejects_contract = pa.DataFrameSchema(
    {
        "file": pa.Column(str),
        "line": pa.Column("Int64", nullable=True),
        "field": pa.Column(str, nullable=True),
        "reason": pa.Column(str),
        "raw": pa.Column(str, nullable=True),
    },
    strict=False,
)


# --- strict JSON values of table cells -----------------------------------------------


def plain_value(value: Any) -> Any:
    """``value`` as plain JSON-able Python, containers converted all the way down.

    numpy scalars become Python numbers, arrays, Series, Index, lists and tuples become lists,
    dicts get string keys, timestamps ISO 8601 text; NaN, infinities, NA and NaT become None
    (strict JSON has no value for them).
    """
    if isinstance(value, dict):
        return {str(key): plain_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series | pd.Index):
        return [plain_value(item) for item in value]
    if value is None or value is pd.NA or value is pd.NaT:  # NaT is a datetime: check first
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and not math.isfinite(value) else value
