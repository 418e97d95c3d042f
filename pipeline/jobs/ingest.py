"""Ingest job: read files with the ingest readers and write each as one batch to the warehouse."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.ingest import plan_file, read_file
from pipeline.storage.records import BatchMeta
from pipeline.storage.warehouse import open_warehouse

logger = logging.getLogger(__name__)


@dataclass
class FileReport:
    """What happened to one input file: accepted + rejected + duplicates == rows."""

    path: str
    source: str
    rows: int
    accepted: int
    rejected: int
    duplicates: int
    batch_id: str
    already_ingested: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    """What happened to every file of one ingest."""

    files: list[FileReport]

    @property
    def accepted(self) -> int:
        """Records written."""
        return sum(item.accepted for item in self.files)

    @property
    def rejected(self) -> int:
        """Rows refused (see the rejects table)."""
        return sum(item.rejected for item in self.files)

    @property
    def duplicates(self) -> int:
        """Rows already in the warehouse or repeated within a file."""
        return sum(item.duplicates for item in self.files)

    @property
    def rows(self) -> int:
        """Rows read."""
        return sum(item.rows for item in self.files)

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape: files plus totals."""
        return {
            "files": [asdict(item) for item in self.files],
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
        }


def _batch_id(source: str, started: dt.datetime, file_hash: str) -> str:
    return f"{source}-{started:%Y%m%dT%H%M%S%f}-{file_hash[:8]}"


def ingest_files(
    paths: Sequence[Path],
    *,
    source: str,
    cfg: Config,
    on_file: Callable[[Path, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files of one source kind into the warehouse, each file in its own transaction.

    Every file is recognised first, so a file that cannot be read stops the ingest before
    anything is written. A file whose content was ingested before is skipped (its rows count as
    duplicates).

    Args:
        paths: Input files.
        source: survey, chat or social.
        cfg: Configuration.
        on_file: Called with (file, size in bytes) before each file (progress).
        on_progress: Called with rows read after each chunk (progress).

    Returns:
        Counts per file.

    Raises:
        InputFileError: When a file cannot be read at all.
        WarehouseLockedError: When another process is writing the warehouse.
    """
    plans = [plan_file(path, source=source, cfg=cfg.ingest) for path in paths]
    reports: list[FileReport] = []
    with open_warehouse(cfg) as warehouse:
        for plan in plans:
            info = plan.info
            if on_file is not None:
                on_file(info.path, info.file_bytes)
            previous = warehouse.records.find_batch(source, info.file_hash)
            if previous is not None:
                logger.info("%s: already ingested as %s", info.path, previous["batch_id"])
                reports.append(
                    FileReport(
                        path=str(info.path),
                        source=source,
                        rows=int(previous["rows"]),
                        accepted=0,
                        rejected=0,
                        duplicates=int(previous["rows"]),
                        batch_id=str(previous["batch_id"]),
                        already_ingested=True,
                        notes=[f"already ingested as batch {previous['batch_id']}"],
                    )
                )
                continue
            started = dt.datetime.now(dt.UTC)
            meta = BatchMeta(
                batch_id=_batch_id(source, started, info.file_hash),
                source=source,
                file=str(info.path),
                file_hash=info.file_hash,
                file_bytes=info.file_bytes,
                format=info.format,
                started_at=started,
                config_hash=cfg.fingerprint(),
            )
            chunks = read_file(plan, cfg=cfg.ingest, batch_id=meta.batch_id, ingested_at=started)
            counts = warehouse.records.write_batch(meta, chunks, on_chunk=on_progress)
            notes = list(plan.notes)
            if info.is_empty:
                notes.append("the file is empty")
            if info.nul_bytes:
                notes.append(f"{info.nul_bytes} NUL bytes were dropped")
            reports.append(
                FileReport(
                    path=str(info.path),
                    source=source,
                    rows=counts.rows,
                    accepted=counts.accepted,
                    rejected=counts.rejected,
                    duplicates=counts.duplicates,
                    batch_id=meta.batch_id,
                    notes=notes,
                )
            )
    return IngestReport(files=reports)
