"""Ingest job: read files with the ingest readers and write each as one batch to the warehouse.

Every file stands alone: a file that cannot be used at all (unreadable, binary, no usable
columns) is listed in the report's failed files with the reason, and the others are ingested;
files found in an inbox folder that are not of the source's kind are listed as skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.config import Config
from pipeline.errors import InputFileError
from pipeline.ingest import SourcePlan, plan_file, read_file
from pipeline.storage.records import BatchMeta
from pipeline.storage.warehouse import Warehouse, open_warehouse

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileProblem:
    """An input file that was not ingested, and why.

    Attributes:
        file: The file.
        source: The source it was given or found as.
        reason: Why it was skipped or could not be used.
    """

    file: str
    source: str
    reason: str


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
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    """What happened to every file of one ingest.

    Attributes:
        files: The files ingested (or found ingested before).
        failed: Files that could not be used at all; nothing of them was written.
        skipped: Files found in a folder that are not of the source's kind.
    """

    files: list[FileReport]
    failed: list[FileProblem] = field(default_factory=list)
    skipped: list[FileProblem] = field(default_factory=list)

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

    @property
    def notes(self) -> list[str]:
        """Warnings about files ingested as told but probably meant as another source."""
        return [warning for item in self.files for warning in item.warnings]

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape: files plus totals, failed and skipped files, and warnings."""
        return {
            "files": [asdict(item) for item in self.files],
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "failed_files": [asdict(item) for item in self.failed],
            "skipped_files": [asdict(item) for item in self.skipped],
            "notes": self.notes,
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
    errors: Literal["raise", "report"] = "raise",
    skipped: Sequence[FileProblem] = (),
) -> IngestReport:
    """Ingest files of one source kind into the warehouse, each file in its own transaction.

    Every file is recognised first. With ``errors="raise"`` a file that cannot be used stops
    the ingest before anything is written; with ``errors="report"`` it is listed in the
    report's failed files and the others are ingested (the warehouse is not even opened when
    every file failed). A file whose content was ingested before is not read again (its rows
    count as duplicates).

    Args:
        paths: Input files.
        source: survey, chat or social.
        cfg: Configuration.
        on_file: Called with (file, size in bytes) before each file (progress).
        on_progress: Called with rows read after each chunk (progress).
        errors: "raise" or "report" an unusable file.
        skipped: Files set aside while finding ``paths`` (see `pipeline.jobs.sources`),
            carried into the report.

    Returns:
        Counts per file, and the failed and skipped files.

    Raises:
        InputFileError: With ``errors="raise"``, when a file cannot be used at all.
        WarehouseLockedError: When another process is writing the warehouse.
    """
    plans: list[SourcePlan] = []
    failed: list[FileProblem] = []
    for path in paths:
        try:
            plans.append(plan_file(path, source=source, cfg=cfg.ingest))
        except InputFileError as refused:
            if errors == "raise":
                raise
            logger.info("%s", refused)
            failed.append(FileProblem(str(path), source, refused.reason))
    reports: list[FileReport] = []
    if plans:
        with open_warehouse(cfg) as warehouse:
            for plan in plans:
                if on_file is not None:
                    on_file(plan.info.path, plan.info.file_bytes)
                try:
                    reports.append(_ingest_plan(plan, warehouse, cfg=cfg, on_progress=on_progress))
                except InputFileError as refused:  # found mid-file; the batch was rolled back
                    if errors == "raise":
                        raise
                    logger.info("%s", refused)
                    failed.append(FileProblem(str(plan.info.path), source, refused.reason))
    return IngestReport(files=reports, failed=failed, skipped=list(skipped))


def _ingest_plan(
    plan: SourcePlan,
    warehouse: Warehouse,
    *,
    cfg: Config,
    on_progress: Callable[[int], None] | None,
) -> FileReport:
    """Write one planned file as a batch (or find it ingested before)."""
    info, source = plan.info, plan.source
    previous = warehouse.records.find_batch(source, info.file_hash)
    if previous is not None:
        logger.info("%s: already ingested as %s", info.path, previous["batch_id"])
        return FileReport(
            path=str(info.path),
            source=source,
            rows=int(previous["rows"]),
            accepted=0,
            rejected=0,
            duplicates=int(previous["rows"]),
            batch_id=str(previous["batch_id"]),
            already_ingested=True,
            notes=[f"already ingested as batch {previous['batch_id']}"],
            warnings=list(plan.warnings),
        )
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
    for warning in plan.warnings:
        logger.info("%s", warning)
    return FileReport(
        path=str(info.path),
        source=source,
        rows=counts.rows,
        accepted=counts.accepted,
        rejected=counts.rejected,
        duplicates=counts.duplicates,
        batch_id=meta.batch_id,
        notes=notes,
        warnings=list(plan.warnings),
    )
