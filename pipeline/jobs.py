"""Jobs: a stage plus its warehouse reads and writes. The CLI and the Prefect flow call these.

Stage modules stay pure (frames in, frames out); this is the one place that joins them to the
warehouse, so a command and a flow task do exactly the same thing.
"""

from __future__ import annotations

import datetime as dt
import glob
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline import metrics
from pipeline.config import Config
from pipeline.ingest import plan_file, read_file
from pipeline.schemas import REJECTS, SEGMENT_COLUMNS
from pipeline.warehouse import BatchMeta, Warehouse

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


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories (their visible files, sorted) and glob patterns to files.

    Paths that match nothing are kept as given, so the reader reports them as not found.
    """
    expanded: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            expanded += sorted(
                p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
            )
        elif any(char in str(item) for char in "*?["):
            expanded += sorted(Path(p) for p in glob.glob(str(item)) if Path(p).is_file())
        else:
            expanded.append(path)
    return expanded


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
    extra_segments = [name for name in cfg.ingest.survey.segments if name not in SEGMENT_COLUMNS]
    with Warehouse(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit) as warehouse:
        warehouse.ensure_schema(extra_segments)
        for plan in plans:
            info = plan.info
            if on_file is not None:
                on_file(info.path, info.file_bytes)
            previous = warehouse.find_batch(source, info.file_hash)
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
            counts = warehouse.write_batch(meta, chunks, on_chunk=on_progress)
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


def warehouse_status(cfg: Config, *, batches: int = 5) -> dict[str, Any]:
    """Records per source, recent batches, rejects and overall NPS with its margin of error.

    Returns:
        ``{"warehouse", "records": {source: n}, "rejects", "nps": {...}, "csat": {...},
        "batches": [...]}``; empty counts when no warehouse exists yet.
    """
    path = cfg.warehouse.path
    status: dict[str, Any] = {
        "warehouse": str(path),
        "records": {},
        "rejects": 0,
        "nps": metrics.nps([], confidence=cfg.metrics.confidence).as_dict(),
        "csat": metrics.csat([], confidence=cfg.metrics.confidence).as_dict(),
        "batches": [],
    }
    if not path.exists():
        return status
    with Warehouse(path, read_only=True) as warehouse:
        status["records"] = warehouse.records_by_source()
        status["rejects"] = warehouse.count_rows(REJECTS.name)
        status["nps"] = metrics.nps(
            warehouse.scores("nps"), confidence=cfg.metrics.confidence
        ).as_dict()
        status["csat"] = metrics.csat(
            warehouse.scores("csat"),
            scale=cfg.ingest.score_ranges.csat,
            confidence=cfg.metrics.confidence,
        ).as_dict()
        recent = warehouse.last_batches(batches)
        recent["finished_at"] = recent["finished_at"].astype(str)
        status["batches"] = recent.to_dict(orient="records")
    return status


def source_files(cfg: Config, source: str, override: Sequence[str] | None = None) -> list[Path]:
    """Files to ingest for one source: the given paths, or the configured patterns."""
    patterns = override if override is not None else getattr(cfg.sources, source)
    return expand_paths(patterns)


@dataclass
class EnrichReport:
    """What one enrichment run did."""

    records: int = 0
    units: int = 0
    duplicates: int = 0
    languages: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape."""
        return asdict(self)


def enrich_pending(
    cfg: Config, *, on_progress: Callable[[int], None] | None = None
) -> EnrichReport:
    """Enrich every record that has no enrichment yet, chunk by chunk (re-running is a no-op).

    Args:
        cfg: Configuration.
        on_progress: Called with the number of records enriched after each chunk.

    Returns:
        Counts of records, units, duplicates and records per language.
    """
    from pipeline.text.enrich import duplicate_index, enrich_records

    report = EnrichReport()
    with Warehouse(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit) as warehouse:
        recent = warehouse.recent_originals(cfg.enrich.duplicate_window_days)
        earlier = duplicate_index(recent, sources=recent["source"])
        while True:
            pending = warehouse.pending_records(cfg.enrich.chunk_rows)
            if pending.empty:
                break
            result = enrich_records(pending, cfg=cfg.enrich, redact=cfg.redact, earlier=earlier)
            warehouse.write_enrichment(result.records, result.units)
            earlier.update(duplicate_index(result.records, sources=pending["source"]))
            report.records += len(result.records)
            report.units += len(result.units)
            report.duplicates += int(result.records["is_duplicate"].sum())
            for lang, n in result.records["lang"].value_counts().items():
                report.languages[str(lang)] = report.languages.get(str(lang), 0) + int(n)
            if on_progress is not None:
                on_progress(len(result.records))
    return report
