"""Social mentions (tweets, posts, reviews) from JSON Lines, JSON, CSV or XLSX; no score."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from pipeline.config import IngestConfig
from pipeline.ingest.base import (
    IngestChunk,
    SourcePlan,
    build_records,
    chunks_of,
    column_or_none,
    fill_ids,
    given_ids,
    long_text_reasons,
    plan_table,
    text_column,
    timestamps,
)
from pipeline.ingest.normalize import first_reason, optional_text, rejects_frame
from pipeline.schemas import BATCH_ID, MENTIONS, RECORD_ID

SOURCE = "social"
FIELDS = (
    "created_at",
    "id",
    "customer_id",
    "platform",
    "author",
    "in_reply_to",
    "is_retweet",
    "likes",
    "shares",
    "text",
)
_RETWEET_PREFIX = re.compile(r"^\s*RT\s+@\w+", re.IGNORECASE)
_TRUE = frozenset({"true", "1", "yes", "y", "ja", "t"})


def plan_social(path: Path, *, cfg: IngestConfig) -> SourcePlan:
    """Recognise a file of social mentions and map its columns (text and date are required).

    Raises:
        InputFileError: When the file cannot be read or lacks a text or date column.
    """
    mapping = cfg.social
    configured = {name: getattr(mapping, name, None) for name in FIELDS}
    info, header, columns = plan_table(
        path,
        source=SOURCE,
        fields=FIELDS,
        required=("text", "created_at"),
        configured=configured,
        configured_segments={},
        cfg=cfg,
    )
    return SourcePlan(
        source=SOURCE, info=info, header=tuple(header), columns=columns, score_type="none"
    )


def _counts(values: pd.Series) -> pd.Series:
    return pd.to_numeric(optional_text(values), errors="coerce").astype("Int64")


def _flags(values: pd.Series) -> pd.Series:
    text = optional_text(values)
    return text.map(lambda v: isinstance(v, str) and v.lower() in _TRUE).astype(bool)


def read_social(
    plan: SourcePlan, *, cfg: IngestConfig, batch_id: str, ingested_at: dt.datetime
) -> Iterator[IngestChunk]:
    """Read a planned file of social mentions chunk by chunk.

    Yields:
        Validated chunks: records, rejects, and `mentions` detail rows.
    """
    fields = plan.columns.fields
    date_column = fields.get("created_at")
    text_name = fields.get("text")
    for chunk in chunks_of(plan, cfg=cfg):
        rows = chunk.rows
        text = text_column(rows, text_name)
        created_at, date_reasons = timestamps(rows, date_column, cfg=cfg, fallback=ingested_at)
        empty = pd.Series(None, index=rows.index, dtype="object")
        empty[text == ""] = "the mention has no text"
        bad_field, reasons = first_reason(
            (date_column or "created_at", date_reasons),
            (text_name or "text", long_text_reasons(text, limit=cfg.max_text_chars)),
            (text_name or "text", empty),
        )
        ok = reasons.isna()
        good = rows[ok]
        platform = optional_text(column_or_none(good, fields.get("platform")))
        ids = given_ids(good, plan.columns)
        if ids.isna().any():
            ids = fill_ids(
                ids,
                [
                    platform,
                    column_or_none(good, fields.get("author")),
                    created_at[ok].astype(str),
                    text[ok],
                ],
            )
        segments = {"channel": platform}
        records = build_records(
            good,
            plan,
            source_id=ids,
            record_key=platform.fillna("").astype("object") + ":" + ids.astype("object"),
            created_at=created_at[ok],
            text=text[ok],
            score=pd.Series(float("nan"), index=good.index),
            nps_category=pd.Series(None, index=good.index, dtype="object"),
            batch_id=batch_id,
            ingested_at=ingested_at,
            segments=segments,
        )
        in_reply_to = optional_text(column_or_none(good, fields.get("in_reply_to")))
        retweet = _flags(column_or_none(good, fields.get("is_retweet"))) | text[ok].str.match(
            _RETWEET_PREFIX
        ).astype(bool)
        mentions = pd.DataFrame(
            {
                RECORD_ID: records[RECORD_ID].to_numpy(),
                "platform": platform.to_numpy(),
                "author": optional_text(column_or_none(good, fields.get("author"))).to_numpy(),
                "in_reply_to": in_reply_to.to_numpy(),
                "is_reply": in_reply_to.notna().to_numpy(),
                "is_retweet": retweet.to_numpy(),
                "likes": _counts(column_or_none(good, fields.get("likes"))).to_numpy(),
                "shares": _counts(column_or_none(good, fields.get("shares"))).to_numpy(),
                BATCH_ID: batch_id,
            }
        )
        # a mention repeated in the chunk keeps the details of its first copy, like its record
        mentions = mentions[~mentions[RECORD_ID].duplicated()]
        rejects = rejects_frame(
            rows, bad_field, reasons, file=str(plan.info.path), malformed=chunk.malformed
        )
        yield IngestChunk(
            records=records,
            rejects=rejects,
            details={MENTIONS.name: mentions},
            rows_read=chunk.n_read,
        )
