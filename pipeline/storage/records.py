"""The warehouse's record tables: each file lands whole or not at all, with its batch row.

A file is written in one transaction: its records, rejects, detail rows and its `batches` row
commit together or not at all, so a process killed mid-file leaves the warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.ingest.base import IngestChunk
from pipeline.schemas import (
    BATCHES,
    RECORD_DETAIL_TABLES,
    RECORD_ID,
    RECORDS,
    REJECTS,
    records_contract,
    rejects_contract,
)
from pipeline.storage.database import Database, with_string_dtype

logger = logging.getLogger(__name__)


#: Tables a batch writes; each has a temporary twin, "staged_<name>", per connection.
STAGED = (RECORDS.name, REJECTS.name, *RECORD_DETAIL_TABLES)


def staged(table: str) -> str:
    """The connection's temporary twin of a table a batch writes."""
    return f'temp.main."staged_{table}"'


@dataclass(frozen=True)
class BatchMeta:
    """What is known about a file before it is written."""

    batch_id: str
    source: str
    file: str
    file_hash: str
    file_bytes: int
    format: str
    started_at: dt.datetime
    config_hash: str


@dataclass(frozen=True)
class BatchCounts:
    """Outcome of writing one file: accepted + rejected + duplicates == rows."""

    rows: int
    accepted: int
    rejected: int
    duplicates: int


class RecordTables:
    """``records``, ``rejects``, ``batches`` and the record details a batch writes.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def find_batch(self, source: str, file_hash: str) -> dict[str, Any] | None:
        """The committed batch of a file with this content, if any."""
        cursor = self._db.execute(
            f'SELECT * FROM "{BATCHES.name}" WHERE source = ? AND file_hash = ? '
            "ORDER BY started_at LIMIT 1",
            [source, file_hash],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        names = [column[0] for column in cursor.description]
        return dict(zip(names, row, strict=True))

    def write_batch(
        self,
        meta: BatchMeta,
        chunks: Iterable[IngestChunk],
        *,
        on_chunk: Callable[[int], None] | None = None,
    ) -> BatchCounts:
        """Write one file so that it lands whole or not at all.

        Chunks go first to this connection's temporary staging tables (DuckDB spills them to
        disk beyond its memory limit, so memory stays bounded however large the file); one
        final transaction then moves the whole batch into the real tables together with its
        `batches` row. A process killed before that commit leaves nothing behind: temporary
        tables die with their connection.

        Records whose `record_id` is already in the warehouse, or earlier in the same file, are
        counted as duplicates and not written; their detail rows are dropped with them.

        Args:
            meta: The batch.
            chunks: Validated chunks (consumed lazily).
            on_chunk: Called with the rows read after each chunk (progress).

        Returns:
            The counts.

        Raises:
            Exception: Whatever reading a chunk raised; nothing of the batch is kept.
        """
        rows = accepted = rejected = duplicates = 0
        self._clear_staging()
        try:
            for number, chunk in enumerate(chunks, start=1):
                written = self._stage_chunk(meta, chunk)
                rows += chunk.rows_read
                accepted += written
                rejected += len(chunk.rejects)
                duplicates += len(chunk.records) - written
                logger.debug("%s: chunk %d written (%d rows so far)", meta.file, number, rows)
                if on_chunk is not None:
                    on_chunk(chunk.rows_read)
        except BaseException:
            self._clear_staging()
            raise
        counts = BatchCounts(
            rows=rows, accepted=accepted, rejected=rejected, duplicates=duplicates
        )
        self._publish(meta, counts)
        return counts

    def _clear_staging(self) -> None:
        for table in STAGED:
            self._db.execute(f"DELETE FROM {staged(table)}")

    def _publish(self, meta: BatchMeta, counts: BatchCounts) -> None:
        batch_row = pd.DataFrame(
            [
                {
                    "batch_id": meta.batch_id,
                    "source": meta.source,
                    "file": meta.file,
                    "file_hash": meta.file_hash,
                    "file_bytes": meta.file_bytes,
                    "format": meta.format,
                    "rows": counts.rows,
                    "accepted": counts.accepted,
                    "rejected": counts.rejected,
                    "duplicates": counts.duplicates,
                    "started_at": meta.started_at,
                    "finished_at": dt.datetime.now(dt.UTC),
                    "config_hash": meta.config_hash,
                }
            ]
        )
        with self._db.transaction():
            for table in STAGED:
                self._db.execute(
                    f'INSERT INTO main."{table}" BY NAME SELECT * FROM {staged(table)}'
                )
            self._db.insert(BATCHES.name, batch_row)

    def _stage_chunk(self, meta: BatchMeta, chunk: IngestChunk) -> int:
        """Stage one chunk (committed on its own); return the number of new records."""
        records = chunk.records
        rejects = chunk.rejects
        if len(rejects):
            rejects = rejects_contract.validate(rejects).assign(
                batch_id=meta.batch_id, source=meta.source, rejected_at=meta.started_at
            )
        if not records.empty:
            records = records_contract.validate(with_string_dtype(records))
            records = records[~records[RECORD_ID].duplicated()]
            known = self._known_ids(records[RECORD_ID])
            if known:
                records = records[~records[RECORD_ID].isin(known)]
        with self._db.transaction():
            self._db.insert(staged(REJECTS.name), rejects)
            self._db.insert(staged(RECORDS.name), records)
            new_ids = set(records[RECORD_ID]) if not records.empty else set()
            for table in RECORD_DETAIL_TABLES:
                details = chunk.details.get(table)
                if details is not None and len(details) and new_ids:
                    kept = details[details[RECORD_ID].isin(new_ids)]
                    self._db.insert(staged(table), kept)
        return len(records)

    def _known_ids(self, ids: pd.Series) -> set[str]:
        """Those of ``ids`` already in `records` or staged earlier in this batch."""
        self._db.register("_incoming_ids", ids.to_frame())
        try:
            rows = self._db.execute(
                f'SELECT {RECORD_ID} FROM main."{RECORDS.name}" SEMI JOIN _incoming_ids '
                f"USING ({RECORD_ID}) UNION ALL "
                f"SELECT {RECORD_ID} FROM {staged(RECORDS.name)} SEMI JOIN _incoming_ids "
                f"USING ({RECORD_ID})"
            ).fetchall()
        finally:
            self._db.unregister("_incoming_ids")
        return {row[0] for row in rows}

    def records_by_source(self) -> dict[str, int]:
        """Record count per source."""
        rows = self._db.execute(
            f'SELECT source, count(*) FROM "{RECORDS.name}" GROUP BY source ORDER BY source'
        ).fetchall()
        return {source: int(n) for source, n in rows}

    def scores(self, score_type: str) -> pd.Series:
        """Every non-missing score of one scale (float64)."""
        values = self._db.execute(
            f'SELECT score FROM "{RECORDS.name}" WHERE score_type = ? AND score IS NOT NULL',
            [score_type],
        ).df()["score"]
        return values.astype("float64")

    def batch_files(self, *, containing: str) -> list[str]:
        """The distinct files of committed batches whose path contains ``containing``."""
        rows = self._db.execute(
            f'SELECT DISTINCT file FROM main."{BATCHES.name}" WHERE contains(file, ?) ORDER BY 1',
            [containing],
        ).fetchall()
        return [str(row[0]) for row in rows]

    def last_batches(self, limit: int = 10) -> pd.DataFrame:
        """The most recent batches, newest first."""
        return self._db.execute(
            f"SELECT batch_id, source, file, rows, accepted, rejected, duplicates, finished_at "
            f'FROM "{BATCHES.name}" ORDER BY finished_at DESC LIMIT ?',
            [limit],
        ).df()
