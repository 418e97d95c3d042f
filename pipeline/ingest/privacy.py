"""Personal data leaves a chunk here, before anything is written.

Record text, chat turns, unmapped columns (`extra`) and the raw rows kept in `rejects` are
redacted; the record text as received goes to `raw_records` only (when the configuration keeps
it), which no analysis, report or export of analysis reads.
"""

from __future__ import annotations

import pandas as pd

from pipeline.ingest.base import IngestChunk
from pipeline.schemas import BATCH_ID, CHAT_MESSAGES, EXTRA, RAW_RECORDS, RECORD_ID, TEXT


def _redacted(values: pd.Series) -> pd.Series:
    from pipeline.text.redact import redact_texts

    present = values.notna()
    result = values.astype("object").copy()
    if present.any():
        # exports repeat values (unmapped category columns, boilerplate): redact each once
        unique = pd.unique(values[present].astype(str))
        redacted = dict(zip(unique, redact_texts(list(unique)), strict=True))
        result[present] = values[present].astype(str).map(redacted)
    return result


def redact_chunk(chunk: IngestChunk, *, keep_raw_text: bool, batch_id: str) -> IngestChunk:
    """Redact every piece of customer text in a chunk; keep the raw record text apart.

    Args:
        chunk: A validated chunk straight from a reader.
        keep_raw_text: Also return the text as received, for the `raw_records` table.
        batch_id: The batch being written.

    Returns:
        A new chunk (the input is not changed).
    """
    records = chunk.records
    details = dict(chunk.details)
    if len(records):
        if keep_raw_text:
            details[RAW_RECORDS.name] = pd.DataFrame(
                {RECORD_ID: records[RECORD_ID], TEXT: records[TEXT], BATCH_ID: batch_id}
            )
        records = records.assign(
            **{TEXT: _redacted(records[TEXT]), EXTRA: _redacted(records[EXTRA])}
        )
    messages = details.get(CHAT_MESSAGES.name)
    if messages is not None and len(messages):
        details[CHAT_MESSAGES.name] = messages.assign(text=_redacted(messages["text"]))
    rejects = chunk.rejects
    if len(rejects):
        rejects = rejects.assign(raw=_redacted(rejects["raw"]))
    return IngestChunk(
        records=records, rejects=rejects, details=details, rows_read=chunk.rows_read
    )
