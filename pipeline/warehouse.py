"""The only module that talks to DuckDB: schema, transactions, idempotent writes, reads, exports.

A file is written in one transaction: its records, rejects, detail rows and its `batches` row
commit together or not at all, so a process killed mid-file leaves the warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.errors import UnknownTableError, WarehouseError, WarehouseLockedError
from pipeline.ingest.base import IngestChunk
from pipeline.jsonvalues import plain_value
from pipeline.schemas import (
    BATCHES,
    EMBEDDER,
    EMBEDDINGS,
    ENRICHED_RECORDS,
    OPINION_UNITS,
    RECORD_DETAIL_TABLES,
    RECORD_ID,
    RECORD_SENTIMENT,
    RECORDS,
    REJECTS,
    TABLES,
    TEXT_KEY,
    UNIT_ID,
    UNIT_SENTIMENT,
    UNIT_THEMES,
    records_contract,
    rejects_contract,
)
from pipeline.spreadsheet import neutralise_formula_sql
from pipeline.warehouse_analytics import AnalyticsTables
from pipeline.warehouse_runs import RunTables
from pipeline.warehouse_themes import ThemeTables

logger = logging.getLogger(__name__)

EXPORT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: Tables a batch writes; each has a temporary twin, "staged_<name>", per connection.
_STAGED = (RECORDS.name, REJECTS.name, *RECORD_DETAIL_TABLES)


def _staged(table: str) -> str:
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


class Warehouse(ThemeTables, AnalyticsTables, RunTables):
    """A DuckDB warehouse file. Use as a context manager.

    Args:
        path: The DuckDB file (created with its folder when missing, unless read-only).
        read_only: Open without taking the write lock.
        memory_limit: DuckDB's memory cap (e.g. "1GB"); past it DuckDB spills to disk.
    """

    def __init__(
        self, path: Path, *, read_only: bool = False, memory_limit: str = "512MB"
    ) -> None:
        self.path = path
        self.read_only = read_only
        self.memory_limit = memory_limit
        self._con: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> Warehouse:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect; create the file and the tables when writable."""
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise WarehouseError(
                f"{self.path}: no warehouse yet. Ingest some data first (verbatim ingest or "
                "verbatim demo)"
            )
        try:
            self._con = duckdb.connect(
                str(self.path),
                read_only=self.read_only,
                config={"memory_limit": self.memory_limit},
            )
        except duckdb.IOException as e:
            if "lock" in str(e).lower():
                raise WarehouseLockedError(self.path) from e
            raise WarehouseError(f"{self.path}: cannot open the warehouse ({e})") from e
        except duckdb.ConnectionException as e:
            # DuckDB refuses a second connection in this process with other settings
            # (read-only next to writable, another memory limit); the file itself is fine
            raise WarehouseError(
                f"{self.path}: already open in this process with other settings ({e}). Close "
                "that connection first"
            ) from e
        except duckdb.Error as e:
            raise WarehouseError(
                f"{self.path}: not a readable DuckDB warehouse ({e}). Move it aside and "
                "ingest again"
            ) from e
        if not self.read_only:
            self.ensure_schema()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open connection."""
        if self._con is None:
            raise WarehouseError("the warehouse is not open; use `with Warehouse(path) as wh:`")
        return self._con

    # --- schema ---------------------------------------------------------------------------

    def ensure_schema(self, extra_segments: Iterable[str] = ()) -> None:
        """Create missing tables and missing columns.

        A warehouse written by an older version gains the columns the current schema adds
        (NULL in its old rows); `records` also gains the segment columns the configuration adds.
        """
        # one catalogue query (a warehouse is opened a few dozen times per nightly run)
        present: dict[str, set[str]] = {}
        for table_name, column in self.con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_catalog = current_database()"
        ).fetchall():
            present.setdefault(table_name, set()).add(column)
        for table in TABLES.values():
            if table.name not in present:
                self.con.execute(table.ddl())
                present[table.name] = set(table.columns)
            self._add_columns(f'main."{table.name}"', present[table.name], table.columns)
            if table.name in _STAGED:
                self.con.execute(table.ddl(temporary_name=f"staged_{table.name}"))
        segments = dict.fromkeys(extra_segments, "VARCHAR")
        if not segments:
            return
        for target, catalog in ((f'main."{RECORDS.name}"', None), (_staged(RECORDS.name), "temp")):
            existing = set(self.columns(RECORDS.name, catalog=catalog))
            self._add_columns(target, existing, segments)

    def _add_columns(self, target: str, existing: set[str], columns: dict[str, str]) -> None:
        """Add the ``columns`` (name -> DuckDB type) missing from ``existing``, as nullable."""
        for name, kind in columns.items():
            if name not in existing:
                plain = kind.replace(" NOT NULL", "")
                self.con.execute(f'ALTER TABLE {target} ADD COLUMN "{name}" {plain}')

    def table_names(self) -> list[str]:
        """Every table in the warehouse (not the connection's temporary staging tables)."""
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_catalog = current_database() ORDER BY table_name"
        ).fetchall()
        return [row[0] for row in rows]

    def columns(self, table: str, *, catalog: str | None = None) -> list[str]:
        """Column names of a warehouse table (or of its staged twin, catalog "temp"), in order."""
        name = table if catalog is None else f"staged_{table}"
        rows = self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_catalog = coalesce(?, current_database()) AND table_name = ? "
            "ORDER BY ordinal_position",
            [catalog, name],
        ).fetchall()
        return [row[0] for row in rows]

    def _require_table(self, name: str) -> None:
        known = self.table_names()
        if name not in known:
            raise UnknownTableError(name, known)

    # --- writes ---------------------------------------------------------------------------

    def find_batch(self, source: str, file_hash: str) -> dict[str, Any] | None:
        """The committed batch of a file with this content, if any."""
        cursor = self.con.execute(
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
        for table in _STAGED:
            self.con.execute(f"DELETE FROM {_staged(table)}")

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
        con = self.con
        con.begin()
        try:
            for table in _STAGED:
                con.execute(f'INSERT INTO main."{table}" BY NAME SELECT * FROM {_staged(table)}')
            self._insert(BATCHES.name, batch_row)
            con.commit()
        except BaseException:
            con.rollback()
            raise

    def _stage_chunk(self, meta: BatchMeta, chunk: IngestChunk) -> int:
        """Stage one chunk (committed on its own); return the number of new records."""
        records = chunk.records
        rejects = chunk.rejects
        if len(rejects):
            rejects = rejects_contract.validate(rejects).assign(
                batch_id=meta.batch_id, source=meta.source, rejected_at=meta.started_at
            )
        if not records.empty:
            records = records_contract.validate(_with_string_dtype(records))
            records = records[~records[RECORD_ID].duplicated()]
            known = self._known_ids(records[RECORD_ID])
            if known:
                records = records[~records[RECORD_ID].isin(known)]
        con = self.con
        con.begin()
        try:
            self._insert(_staged(REJECTS.name), rejects)
            self._insert(_staged(RECORDS.name), records)
            new_ids = set(records[RECORD_ID]) if not records.empty else set()
            for table in RECORD_DETAIL_TABLES:
                details = chunk.details.get(table)
                if details is not None and len(details) and new_ids:
                    kept = details[details[RECORD_ID].isin(new_ids)]
                    self._insert(_staged(table), kept)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return len(records)

    def _known_ids(self, ids: pd.Series) -> set[str]:
        """Those of ``ids`` already in `records` or staged earlier in this batch."""
        self.con.register("_incoming_ids", ids.to_frame())
        try:
            rows = self.con.execute(
                f'SELECT {RECORD_ID} FROM main."{RECORDS.name}" SEMI JOIN _incoming_ids '
                f"USING ({RECORD_ID}) UNION ALL "
                f"SELECT {RECORD_ID} FROM {_staged(RECORDS.name)} SEMI JOIN _incoming_ids "
                f"USING ({RECORD_ID})"
            ).fetchall()
        finally:
            self.con.unregister("_incoming_ids")
        return {row[0] for row in rows}

    def _insert(self, target: str, frame: pd.DataFrame) -> None:
        """Append a frame to a table (a bare name means the warehouse table of that name)."""
        if frame.empty:
            return
        if "." not in target:
            target = f'main."{target}"'
        self.con.register("_incoming", frame)
        try:
            self.con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _incoming")
        except duckdb.Error as e:
            raise WarehouseError(f"writing to table {target} failed: {e}") from e
        finally:
            self.con.unregister("_incoming")

    # --- enrichment -----------------------------------------------------------------------

    def pending_records(self, limit: int) -> pd.DataFrame:
        """Up to ``limit`` records that have not been enriched yet (oldest first).

        Returns:
            Frame with record_id, source, text.
        """
        return self.con.execute(
            f'SELECT r.{RECORD_ID}, r.source, r.text FROM main."{RECORDS.name}" r '
            f'ANTI JOIN main."{ENRICHED_RECORDS.name}" e USING ({RECORD_ID}) '
            f"ORDER BY r.created_at, r.{RECORD_ID} LIMIT ?",
            [limit],
        ).df()

    def recent_originals(self, days: int) -> pd.DataFrame:
        """Enriched, non-duplicate records created in the last ``days`` days.

        Returns:
            Frame with record_id, source, clean_text, is_duplicate.
        """
        return self.con.execute(
            f"SELECT e.{RECORD_ID}, r.source, e.clean_text, e.is_duplicate "
            f'FROM main."{ENRICHED_RECORDS.name}" e JOIN main."{RECORDS.name}" r '
            f"USING ({RECORD_ID}) WHERE NOT e.is_duplicate AND r.created_at >= "
            "(SELECT max(created_at) FROM main.records) - to_days(CAST(? AS INTEGER)) "
            f"ORDER BY r.created_at, e.{RECORD_ID}",
            [days],
        ).df()

    def write_enrichment(self, enriched: pd.DataFrame, units: pd.DataFrame) -> None:
        """Write enriched records and their opinion units in one transaction."""
        con = self.con
        con.begin()
        try:
            self._insert(ENRICHED_RECORDS.name, _with_string_dtype(enriched))
            self._insert(OPINION_UNITS.name, _with_string_dtype(units))
            con.commit()
        except BaseException:
            con.rollback()
            raise

    # --- embeddings and sentiment ---------------------------------------------------------

    def texts_to_embed(self) -> list[str]:
        """Distinct texts of the units of records without sentiment or without theme rows."""
        rows = self.con.execute(
            f'SELECT DISTINCT u.text FROM main."{OPINION_UNITS.name}" u '
            f'WHERE u.{RECORD_ID} NOT IN (SELECT {RECORD_ID} FROM main."{RECORD_SENTIMENT.name}") '
            f'OR u.{UNIT_ID} NOT IN (SELECT {UNIT_ID} FROM main."{UNIT_THEMES.name}") '
            "ORDER BY u.text"
        ).fetchall()
        return [row[0] for row in rows]

    def unscored_records(self) -> int:
        """Enriched records with no sentiment row at all (by any model)."""
        row = self.con.execute(
            f'SELECT count(*) FROM main."{ENRICHED_RECORDS.name}" e '
            f'JOIN main."{RECORDS.name}" r USING ({RECORD_ID}) '
            f'ANTI JOIN main."{RECORD_SENTIMENT.name}" s USING ({RECORD_ID})'
        ).fetchone()
        return int(row[0]) if row else 0

    def pending_sentiment(self, model_id: str, limit: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Enriched records without sentiment from ``model_id`` (``name@version``), with units.

        Args:
            model_id: The model that should have scored them.
            limit: Most records returned (oldest first).

        Returns:
            (records with record_id and lang, their units with unit_id, record_id, text, lang).
        """
        records = self.con.execute(
            f'SELECT e.{RECORD_ID}, e.lang FROM main."{ENRICHED_RECORDS.name}" e '
            f'JOIN main."{RECORDS.name}" r USING ({RECORD_ID}) '
            f'LEFT JOIN main."{RECORD_SENTIMENT.name}" s USING ({RECORD_ID}) '
            "WHERE s.record_id IS NULL OR s.model || '@' || s.model_version <> ? "
            f"ORDER BY r.created_at, e.{RECORD_ID} LIMIT ?",
            [model_id, limit],
        ).df()
        self.con.register("_pending_records", records[[RECORD_ID]])
        try:
            units = self.con.execute(
                f"SELECT u.{UNIT_ID}, u.{RECORD_ID}, u.text, u.lang "
                f'FROM main."{OPINION_UNITS.name}" u SEMI JOIN _pending_records p '
                f"USING ({RECORD_ID}) ORDER BY u.{RECORD_ID}, u.position"
            ).df()
        finally:
            self.con.unregister("_pending_records")
        return records, units

    def cached_embeddings(self, embedder: str, keys: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of ``embedder`` for the given text keys (missing keys are absent)."""
        if not keys:
            return {}
        self.con.register("_wanted_keys", pd.DataFrame({TEXT_KEY: pd.unique(pd.Series(keys))}))
        try:
            relation = self.con.sql(
                f'SELECT m.{TEXT_KEY}, m.vector FROM main."{EMBEDDINGS.name}" m '
                f"SEMI JOIN _wanted_keys w USING ({TEXT_KEY}) WHERE m.{EMBEDDER} = $embedder",
                params={"embedder": embedder},
            )
            # duckdb 2 names it to_arrow_table; 1.x arrow.
            fetch = getattr(relation, "to_arrow_table", None) or getattr(relation, "arrow")  # noqa: B009
            table = fetch()
        finally:
            self.con.unregister("_wanted_keys")
        if table.num_rows == 0:
            return {}
        vectors = table.column("vector").combine_chunks()
        flat = vectors.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
        matrix = flat.reshape(table.num_rows, -1)
        return dict(zip(table.column(TEXT_KEY).to_pylist(), matrix, strict=True))

    def write_embeddings(self, embedder: str, vectors: dict[str, np.ndarray]) -> None:
        """Store new vectors of ``embedder`` (keys already stored are skipped)."""
        if not vectors:
            return
        keys = list(vectors)
        matrix = np.vstack([vectors[key] for key in keys]).astype(np.float32)
        incoming = pa.table(
            {
                TEXT_KEY: pa.array(keys, pa.string()),
                "vector": pa.FixedSizeListArray.from_arrays(
                    pa.array(matrix.reshape(-1)), matrix.shape[1]
                ),
            }
        )
        self.con.register("_incoming_vectors", incoming)
        try:
            self.con.execute(
                f'INSERT INTO main."{EMBEDDINGS.name}" SELECT i.{TEXT_KEY}, ?, '
                "CAST(i.vector AS FLOAT[]) FROM _incoming_vectors i "
                f'WHERE i.{TEXT_KEY} NOT IN (SELECT {TEXT_KEY} FROM main."{EMBEDDINGS.name}" '
                f"WHERE {EMBEDDER} = ?)",
                [embedder, embedder],
            )
        finally:
            self.con.unregister("_incoming_vectors")

    def write_sentiment(
        self, unit_sentiment: pd.DataFrame, record_sentiment: pd.DataFrame
    ) -> None:
        """Replace the sentiment of these records and their units, in one transaction."""
        con = self.con
        con.begin()
        try:
            con.register("_scored_records", record_sentiment[[RECORD_ID]])
            for table in (UNIT_SENTIMENT.name, RECORD_SENTIMENT.name):
                con.execute(
                    f'DELETE FROM main."{table}" WHERE {RECORD_ID} IN '
                    f"(SELECT {RECORD_ID} FROM _scored_records)"
                )
            con.unregister("_scored_records")
            self._insert(UNIT_SENTIMENT.name, _with_string_dtype(unit_sentiment))
            self._insert(RECORD_SENTIMENT.name, _with_string_dtype(record_sentiment))
            con.commit()
        except BaseException:
            con.rollback()
            raise

    def scored_units(self, *, limit: int | None = None) -> pd.DataFrame:
        """Units of non-duplicate records that carry an NPS or CSAT score (for weak labels).

        Returns:
            Frame with unit_id, record_id, text, lang, score, score_type.
        """
        query = (
            f"SELECT u.{UNIT_ID}, u.{RECORD_ID}, u.text, u.lang, r.score, r.score_type "
            f'FROM main."{OPINION_UNITS.name}" u JOIN main."{RECORDS.name}" r USING ({RECORD_ID}) '
            f'JOIN main."{ENRICHED_RECORDS.name}" e USING ({RECORD_ID}) '
            "WHERE NOT e.is_duplicate AND r.score IS NOT NULL AND r.score_type IN ('nps', 'csat') "
            f"ORDER BY r.created_at DESC, u.{UNIT_ID}"
        )
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return self.con.execute(query).df()

    # --- reads ----------------------------------------------------------------------------

    def read_table(
        self, name: str, *, where: str = "", params: list[Any] | None = None
    ) -> pd.DataFrame:
        """A whole table (or the rows matching a fixed condition) as a frame."""
        self._require_table(name)
        query = f'SELECT * FROM "{name}"' + (f" WHERE {where}" if where else "")
        return self.con.execute(query, params or []).df()

    def count_rows(self, name: str) -> int:
        """Rows in a table (0 when the table does not exist)."""
        if name not in self.table_names():
            return 0
        row = self.con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        return int(row[0]) if row else 0

    def records_by_source(self) -> dict[str, int]:
        """Record count per source."""
        rows = self.con.execute(
            f'SELECT source, count(*) FROM "{RECORDS.name}" GROUP BY source ORDER BY source'
        ).fetchall()
        return {source: int(n) for source, n in rows}

    def scores(self, score_type: str) -> pd.Series:
        """Every non-missing score of one scale (float64)."""
        values = self.con.execute(
            f'SELECT score FROM "{RECORDS.name}" WHERE score_type = ? AND score IS NOT NULL',
            [score_type],
        ).df()["score"]
        return values.astype("float64")

    def last_batches(self, limit: int = 10) -> pd.DataFrame:
        """The most recent batches, newest first."""
        return self.con.execute(
            f"SELECT batch_id, source, file, rows, accepted, rejected, duplicates, finished_at "
            f'FROM "{BATCHES.name}" ORDER BY finished_at DESC LIMIT ?',
            [limit],
        ).df()

    def export_table(self, name: str, out: Path) -> int:
        """Write a table to CSV or Parquet (by the file's extension); return the row count.

        Raises:
            UnknownTableError: For a table the warehouse does not hold.
            WarehouseError: For an unsupported extension.
        """
        self._require_table(name)
        self._copy_to(f'"{name}"', out)
        return self.count_rows(name)

    def export_frame(self, frame: pd.DataFrame, out: Path) -> int:
        """Write a frame read from the warehouse (a report of its tables) like `export_table`.

        Raises:
            WarehouseError: For an unsupported extension.
        """
        self.con.register("_export_rows", frame)
        try:
            self._copy_to("_export_rows", out)
        finally:
            self.con.unregister("_export_rows")
        return len(frame)

    def _copy_to(self, source: str, out: Path) -> None:
        """COPY a table or registered frame to CSV or Parquet, chosen by the extension."""
        fmt = EXPORT_FORMATS.get(out.suffix.lower())
        if fmt is None:
            raise WarehouseError(
                f"{out}: unsupported export format '{out.suffix}'; use .csv or .parquet"
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
        if fmt == "csv":
            source = f"({self._spreadsheet_safe(source)})"
        target = str(out).replace("'", "''")
        self.con.execute(f"COPY {source} TO '{target}' ({options})")

    def _spreadsheet_safe(self, source: str) -> str:
        """SELECT of ``source`` whose text cells no spreadsheet runs as a formula."""
        described = self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        columns = [neutralise_formula_sql(str(name), str(kind)) for name, kind, *_ in described]
        return f"SELECT {', '.join(columns)} FROM {source}"


def _with_string_dtype(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as pandas' string dtype: checked in O(1) and handed to DuckDB as Arrow."""
    text_columns = [name for name in frame.columns if frame[name].dtype == object]
    return frame.astype(dict.fromkeys(text_columns, "str"))


def jsonable_row(row: dict[Any, Any]) -> dict[str, Any]:
    """A warehouse row as a dict of plain JSON-able values."""
    return {str(key): plain_value(value) for key, value in row.items()}
