"""The warehouse: one DuckDB file, its schema, and its tables grouped by stage.

`Warehouse` opens the file (creating tables and columns a newer schema adds), keeps the
connection to itself and hands it to one object per table group — ``records``, ``enrichment``,
``embeddings``, ``sentiment``, ``themes``, ``analytics``, ``deliveries``, ``runs`` — whose
methods are the only SQL in Verbatim. `open_warehouse` opens it from the configuration, so no
open forgets a setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import pandas as pd

from pipeline.config import Config
from pipeline.errors import UnknownTableError, WarehouseError, WarehouseLockedError
from pipeline.schemas import RECORDS, TABLES, plain_value
from pipeline.storage.analytics import AnalyticsTables
from pipeline.storage.database import Database
from pipeline.storage.deliveries import DeliveryTables
from pipeline.storage.embeddings import EmbeddingTables
from pipeline.storage.enrichment import EnrichmentTables
from pipeline.storage.exports import copy_to
from pipeline.storage.followups import FollowupTables
from pipeline.storage.records import STAGED, RecordTables, staged
from pipeline.storage.runs import RunTables
from pipeline.storage.sentiment import SentimentTables
from pipeline.storage.themes import ThemeTables


class Warehouse:
    """A DuckDB warehouse file. Use as a context manager.

    Args:
        path: The DuckDB file (created with its folder when missing, unless read-only).
        read_only: Open without taking the write lock.
        memory_limit: DuckDB's memory cap (e.g. "1GB"); past it DuckDB spills to disk.
        segments: Segment columns `records` must have besides the schema's (configured ones).

    Attributes (while open):
        records: Records, rejects, batches and record details (`RecordTables`).
        enrichment: Enriched records and opinion units (`EnrichmentTables`).
        embeddings: The cache of unit vectors (`EmbeddingTables`).
        sentiment: Unit and record sentiment (`SentimentTables`).
        themes: Themes, assignments, lineage (`ThemeTables`).
        analytics: Scores by segment, drivers, trends, alerts, follow-ups (`AnalyticsTables`).
        deliveries: Follow-ups sent to CX teams, per channel (`DeliveryTables`).
        runs: Runs and bookkeeping state (`RunTables`).
    """

    records: RecordTables
    enrichment: EnrichmentTables
    embeddings: EmbeddingTables
    sentiment: SentimentTables
    themes: ThemeTables
    analytics: AnalyticsTables
    deliveries: DeliveryTables
    runs: RunTables

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        memory_limit: str = "512MB",
        segments: Iterable[str] = (),
    ) -> None:
        self.path = path
        self.read_only = read_only
        self.memory_limit = memory_limit
        self.segments = tuple(segments)
        self._db: Database | None = None

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
        """Connect; create the file, the tables and missing columns when writable."""
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise WarehouseError(
                f"{self.path}: no warehouse yet. Ingest some data first (verbatim ingest or "
                "verbatim demo)"
            )
        try:
            con = duckdb.connect(
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
        db = self._db = Database(con)
        self.records = RecordTables(db)
        self.enrichment = EnrichmentTables(db)
        self.embeddings = EmbeddingTables(db)
        self.sentiment = SentimentTables(db)
        self.themes = ThemeTables(db)
        self.analytics = AnalyticsTables(db)
        self.deliveries = DeliveryTables(db)
        self.runs = RunTables(db)
        self.followups = FollowupTables(db)
        if not self.read_only:
            self._ensure_schema()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def _open_db(self) -> Database:
        if self._db is None:
            raise WarehouseError("the warehouse is not open; use `with Warehouse(path) as wh:`")
        return self._db

    # --- schema ---------------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        """Create missing tables and missing columns.

        A warehouse written by an older version gains the columns the current schema adds
        (NULL in its old rows); `records` also gains the configured segment columns.
        """
        db = self._open_db
        # one catalogue query (a warehouse is opened a few dozen times per nightly run)
        present: dict[str, set[str]] = {}
        for table_name, column in db.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_catalog = current_database()"
        ).fetchall():
            present.setdefault(table_name, set()).add(column)
        for table in TABLES.values():
            if table.name not in present:
                db.execute(table.ddl())
                present[table.name] = set(table.columns)
            self._add_columns(f'main."{table.name}"', present[table.name], table.columns)
            if table.name in STAGED:
                db.execute(table.ddl(temporary_name=f"staged_{table.name}"))
        segments = dict.fromkeys(self.segments, "VARCHAR")
        if not segments:
            return
        for target, catalog in ((f'main."{RECORDS.name}"', None), (staged(RECORDS.name), "temp")):
            existing = set(db.columns(RECORDS.name, catalog=catalog))
            self._add_columns(target, existing, segments)

    def _add_columns(self, target: str, existing: set[str], columns: dict[str, str]) -> None:
        """Add the ``columns`` (name -> DuckDB type) missing from ``existing``, as nullable."""
        for name, kind in columns.items():
            if name not in existing:
                plain = kind.replace(" NOT NULL", "")
                self._open_db.execute(f'ALTER TABLE {target} ADD COLUMN "{name}" {plain}')

    # --- the catalogue and whole tables ----------------------------------------------------

    def table_names(self) -> list[str]:
        """Every table in the warehouse (not the connection's temporary staging tables)."""
        return self._open_db.tables()

    def columns(self, table: str) -> list[str]:
        """Column names of a warehouse table, in order."""
        return self._open_db.columns(table)

    def _require_table(self, name: str) -> None:
        known = self.table_names()
        if name not in known:
            raise UnknownTableError(name, known)

    def read_table(self, name: str) -> pd.DataFrame:
        """A whole table as a frame, rows in the order they were written.

        Raises:
            UnknownTableError: For a table the warehouse does not hold.
        """
        self._require_table(name)
        return self._open_db.frame(f'SELECT * FROM main."{name}"')

    def count_rows(self, name: str) -> int:
        """Rows in a table (0 when the table does not exist)."""
        if name not in self.table_names():
            return 0
        row = self._open_db.execute(f'SELECT count(*) FROM main."{name}"').fetchone()
        return int(row[0]) if row else 0

    def export_table(self, name: str, out: Path) -> int:
        """Write a table to CSV or Parquet (by the file's extension); return the row count.

        Raises:
            UnknownTableError: For a table the warehouse does not hold.
            WarehouseError: For an unsupported extension.
        """
        self._require_table(name)
        copy_to(self._open_db, f'main."{name}"', out)
        return self.count_rows(name)

    def export_frame(self, frame: pd.DataFrame, out: Path) -> int:
        """Write a frame read from the warehouse (a report of its tables) like `export_table`.

        Raises:
            WarehouseError: For an unsupported extension.
        """
        with self._open_db.registered("_export_rows", frame):
            copy_to(self._open_db, "_export_rows", out)
        return len(frame)


def open_warehouse(cfg: Config, *, read_only: bool = False, path: Path | None = None) -> Warehouse:
    """The configured warehouse, unopened; use it as a context manager.

    Its path, memory limit and the survey's configured segment columns come from ``cfg``.

    Args:
        cfg: The configuration.
        read_only: Open without taking the write lock (the file must exist).
        path: Another warehouse file, opened with this configuration's settings.
    """
    return Warehouse(
        path or cfg.warehouse.path,
        read_only=read_only,
        memory_limit=cfg.warehouse.memory_limit,
        segments=cfg.ingest.survey.segments,
    )


def jsonable_row(row: dict[Any, Any]) -> dict[str, Any]:
    """A warehouse row as a dict of plain JSON-able values."""
    return {str(key): plain_value(value) for key, value in row.items()}
