"""What every reader returns, and the steps the tabular readers (survey, social) share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.config import IngestConfig
from pipeline.errors import InputFileError
from pipeline.ingest.columns import ColumnMap, resolve_columns
from pipeline.ingest.normalize import (
    clean_text,
    content_ids,
    extra_json,
    optional_text,
    parse_datetimes,
    record_ids,
)
from pipeline.ingest.sniff import LINE, FileInfo, RawChunk, inspect_file, open_table
from pipeline.schemas import (
    BATCH_ID,
    CREATED_AT,
    CUSTOMER_ID,
    EXTRA,
    INGESTED_AT,
    NPS_CATEGORY,
    RECORD_ID,
    SCORE,
    SCORE_TYPE,
    SEGMENT_COLUMNS,
    SOURCE,
    SOURCE_FILE,
    SOURCE_ID,
    SOURCE_LINE,
    TEXT,
)

_SAMPLE_ROWS = 500


@dataclass(frozen=True)
class SourcePlan:
    """An input file, recognised and mapped, before any row is read for real.

    Attributes:
        source: survey, chat or social.
        info: Format, encoding and hash of the file.
        header: Column names (tabular sources; empty for chat).
        columns: Source column per field (tabular sources).
        score_type: Scale of the score (nps, csat, ces or none).
        notes: Things the user should know ("no date column: ingest time used").
        warnings: Things the user should act on ("looks like a survey export but was
            ingested as social").
    """

    source: str
    info: FileInfo
    header: tuple[str, ...] = ()
    columns: ColumnMap = field(default_factory=lambda: ColumnMap(fields={}, segments={}))
    score_type: str = "none"
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass
class IngestChunk:
    """One chunk of an input file, read and validated.

    Attributes:
        records: Accepted rows in the `records` layout.
        rejects: Refused rows (file, line, field, reason, raw).
        details: Rows for record detail tables (`chat_messages`, `mentions`) by table name.
        rows_read: Records read from the file in this chunk (accepted + rejected).
    """

    records: pd.DataFrame
    rejects: pd.DataFrame
    details: dict[str, pd.DataFrame] = field(default_factory=dict)
    rows_read: int = 0


def plan_table(
    path: Path,
    *,
    source: str,
    fields: tuple[str, ...],
    required: tuple[str, ...],
    configured: Mapping[str, str | None],
    configured_segments: Mapping[str, str],
    cfg: IngestConfig,
) -> tuple[FileInfo, list[str], ColumnMap]:
    """Inspect a tabular file and map its columns; refuse it when a required field is missing.

    Raises:
        InputFileError: When the file cannot be read or lacks a required column.
    """
    info = inspect_file(path)
    header, chunks = open_table(info, chunk_rows=_SAMPLE_ROWS)
    if info.is_empty:
        return info, [], ColumnMap(fields={}, segments={})
    first = next(chunks, None)
    if first is None and not header:
        # no header and no rows (a JSON "[]", an empty sheet): nothing to read, like an empty file
        return info, [], ColumnMap(fields={}, segments={})
    sample = (first or RawChunk(pd.DataFrame(columns=header))).rows
    columns = resolve_columns(
        header,
        sample,
        path=info.path,
        fields=fields,
        configured=configured,
        configured_segments=configured_segments,
        config_prefix=f"ingest.{source}",
    )
    missing = [name for name in required if not columns.fields.get(name)]
    if missing:
        wanted = " and no ".join(f"{name.replace('_', ' ')} column" for name in missing)
        raise InputFileError(
            info.path,
            f"no {wanted} found among the columns {', '.join(header) or '(none)'}",
            field=missing[0],
            hint=(
                f"Name it in verbatim.toml, e.g. [ingest.{source}] {missing[0]} = "
                f'"<column header>", and pass --config'
            ),
        )
    return info, header, columns


def chunks_of(plan: SourcePlan, *, cfg: IngestConfig) -> Iterator[RawChunk]:
    """Raw chunks of a planned tabular file."""
    _, chunks = open_table(plan.info, chunk_rows=cfg.chunk_rows)
    return chunks


def column_or_none(rows: pd.DataFrame, column: str | None) -> pd.Series:
    """The raw column, or an all-missing column when the field is absent."""
    if column and column in rows.columns:
        return rows[column]
    return pd.Series(None, index=rows.index, dtype="object")


def given_ids(rows: pd.DataFrame, columns: ColumnMap) -> pd.Series:
    """The source's own id per row (None where the file gives none)."""
    return optional_text(column_or_none(rows, columns.fields.get("id")))


def fill_ids(ids: pd.Series, content: list[pd.Series]) -> pd.Series:
    """Fill missing ids with a hash of the row's content (only called when some are missing)."""
    missing = ids.isna()
    filled = ids.astype("object").copy()
    filled[missing] = content_ids([part[missing] for part in content])
    return filled


def timestamps(
    rows: pd.DataFrame, column: str | None, *, cfg: IngestConfig, fallback: dt.datetime
) -> tuple[pd.Series, pd.Series]:
    """Parse the date column, or use ``fallback`` for every row when there is none."""
    if column is None:
        stamp = pd.Timestamp(fallback).tz_convert("UTC").as_unit("us")
        return (
            pd.Series(stamp, index=rows.index, dtype="datetime64[us, UTC]"),
            pd.Series(None, index=rows.index, dtype="object"),
        )
    return parse_datetimes(rows[column], dayfirst=cfg.dayfirst, timezone=cfg.timezone)


def long_text_reasons(text: pd.Series, *, limit: int) -> pd.Series:
    """A reason for every text over the length limit."""
    lengths = text.str.len()
    reasons = pd.Series(None, index=text.index, dtype="object")
    too_long = lengths > limit
    reasons[too_long] = lengths[too_long].map(
        lambda n: f"text is {n:,} characters, over the limit of {limit:,} (ingest.max_text_chars)"
    )
    return reasons


def build_records(
    rows: pd.DataFrame,
    plan: SourcePlan,
    *,
    source_id: pd.Series,
    created_at: pd.Series,
    text: pd.Series,
    score: pd.Series,
    nps_category: pd.Series,
    batch_id: str,
    ingested_at: dt.datetime,
    extra_columns: set[str] | None = None,
    segments: Mapping[str, pd.Series] | None = None,
    record_key: pd.Series | None = None,
    customer_id: pd.Series | None = None,
    score_type: pd.Series | None = None,
    extra: pd.Series | None = None,
) -> pd.DataFrame:
    """Assemble accepted rows in the `records` layout.

    Args:
        rows: Raw rows (only the accepted ones).
        plan: The file's plan (source, column map).
        source_id: Source id per row.
        created_at: UTC timestamps.
        text: Record text ("" when empty).
        score: Score per row (NaN when none).
        nps_category: promoter / passive / detractor / None.
        batch_id: The batch being written.
        ingested_at: When the batch started.
        extra_columns: Source columns to keep in ``extra`` (default: every unmapped one).
        segments: Segment values per name (default: from the plan's segment columns).
        record_key: What identifies a record within its source when the source id alone
            does not (social: platform and id); default the source id.
        customer_id: Customer id per row (default: from the plan's customer id column).
        score_type: Scale per row (default: the plan's score type for every row).
        extra: The ``extra`` JSON per row (default: built from ``extra_columns``).

    Returns:
        Records frame.
    """
    columns = plan.columns
    if extra_columns is None:
        extra_columns = set(rows.columns) - columns.used() - {LINE}
    if segments is None:
        segments = {name: optional_text(rows[column]) for name, column in columns.segments.items()}
    records = pd.DataFrame(
        {
            RECORD_ID: record_ids(plan.source, source_id if record_key is None else record_key),
            SOURCE: plan.source,
            SOURCE_ID: source_id.astype("object"),
            CUSTOMER_ID: optional_text(
                column_or_none(rows, columns.fields.get("customer_id"))
                if customer_id is None
                else customer_id
            ),
            CREATED_AT: created_at,
            SCORE: score.astype("float64"),
            SCORE_TYPE: plan.score_type if score_type is None else score_type.astype("object"),
            NPS_CATEGORY: nps_category.astype("object"),
            TEXT: text.astype("object"),
        },
        index=rows.index,
    )
    for name in SEGMENT_COLUMNS:
        records[name] = pd.Series(None, index=rows.index, dtype="object")
    for name, values in segments.items():
        records[name] = values.astype("object")
    if extra is None:
        extra = extra_json(rows, [name for name in rows.columns if name in extra_columns])
    records[EXTRA] = extra
    records[SOURCE_FILE] = str(plan.info.path)
    records[SOURCE_LINE] = rows[LINE].astype("int64")
    records[BATCH_ID] = batch_id
    records[INGESTED_AT] = pd.Timestamp(ingested_at).tz_convert("UTC").as_unit("us")
    return records.reset_index(drop=True)


def text_column(rows: pd.DataFrame, column: str | None) -> pd.Series:
    """Comment text: "" where missing."""
    return clean_text(column_or_none(rows, column))
