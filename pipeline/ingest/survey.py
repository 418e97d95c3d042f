"""Survey answers (an NPS, CSAT or CES score and a comment) from CSV, XLSX, JSON or JSON Lines."""

from __future__ import annotations

import datetime as dt
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
from pipeline.ingest.columns import score_type_from_header
from pipeline.ingest.normalize import first_reason, nps_categories, parse_scores, rejects_frame

SOURCE = "survey"
FIELDS = ("score", "created_at", "id", "customer_id", "text")


def plan_survey(path: Path, *, cfg: IngestConfig) -> SourcePlan:
    """Recognise a survey export and map its columns.

    A score column and a comment column are required (unless the configuration says the
    score type is ``none``); the date column is optional (the ingest time is used without one).

    Args:
        path: The export.
        cfg: Ingest configuration.

    Returns:
        The plan.

    Raises:
        InputFileError: When the file cannot be read or lacks a required column.
    """
    mapping = cfg.survey
    required = ("text",) if mapping.score_type == "none" else ("score", "text")
    configured = {name: getattr(mapping, name) for name in FIELDS}
    info, header, columns = plan_table(
        path,
        source=SOURCE,
        fields=FIELDS,
        required=required,
        configured=configured,
        configured_segments=mapping.segments,
        cfg=cfg,
    )
    score_column = columns.fields.get("score")
    score_type: str
    if mapping.score_type is not None:
        score_type = mapping.score_type
    elif score_column:
        score_type = score_type_from_header(score_column)
    else:
        score_type = "none"
    notes = []
    if header and not columns.fields.get("created_at"):
        notes.append("no date column found: the ingest time is used as each answer's date")
    if header and not columns.fields.get("id"):
        notes.append("no id column found: records are identified by a hash of their content")
    return SourcePlan(
        source=SOURCE,
        info=info,
        header=tuple(header),
        columns=columns,
        score_type=score_type,
        notes=tuple(notes),
    )


def read_survey(
    plan: SourcePlan, *, cfg: IngestConfig, batch_id: str, ingested_at: dt.datetime
) -> Iterator[IngestChunk]:
    """Read a planned survey export chunk by chunk.

    Args:
        plan: From `plan_survey`.
        cfg: Ingest configuration.
        batch_id: The batch being written.
        ingested_at: When the batch started (also the date of answers when there is no date).

    Yields:
        Validated chunks: accepted records and rejects.
    """
    fields = plan.columns.fields
    score_column = fields.get("score")
    date_column = fields.get("created_at")
    text_name = fields.get("text")
    for chunk in chunks_of(plan, cfg=cfg):
        rows = chunk.rows
        text = text_column(rows, text_name)
        if score_column and plan.score_type != "none":
            score_range = getattr(cfg.score_ranges, plan.score_type)
            score, score_reasons = parse_scores(
                rows[score_column], score_range=score_range, whole=plan.score_type == "nps"
            )
        else:
            score = pd.Series(float("nan"), index=rows.index)
            score_reasons = pd.Series(None, index=rows.index, dtype="object")
        created_at, date_reasons = timestamps(rows, date_column, cfg=cfg, fallback=ingested_at)
        empty = pd.Series(None, index=rows.index, dtype="object")
        empty[score.isna() & score_reasons.isna() & (text == "")] = (
            "the row has neither a score nor a comment"
        )
        bad_field, reasons = first_reason(
            (score_column or "score", score_reasons),
            (date_column or "created_at", date_reasons),
            (text_name or "text", long_text_reasons(text, limit=cfg.max_text_chars)),
            (text_name or "text", empty),
        )
        ok = reasons.isna()
        good = rows[ok]
        categories = (
            nps_categories(score[ok])
            if plan.score_type == "nps"
            else pd.Series(None, index=good.index, dtype="object")
        )
        ids = given_ids(good, plan.columns)
        if ids.isna().any():
            ids = fill_ids(
                ids,
                [
                    column_or_none(good, fields.get("customer_id")),
                    created_at[ok].astype(str),
                    score[ok].astype(str),
                    text[ok],
                ],
            )
        records = build_records(
            good,
            plan,
            source_id=ids,
            created_at=created_at[ok],
            text=text[ok],
            score=score[ok],
            nps_category=categories,
            batch_id=batch_id,
            ingested_at=ingested_at,
        )
        rejects = rejects_frame(
            rows, bad_field, reasons, file=str(plan.info.path), malformed=chunk.malformed
        )
        yield IngestChunk(records=records, rejects=rejects, rows_read=chunk.n_read)
