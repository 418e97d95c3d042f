"""Helpers shared by the ingest tests."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import Config
from pipeline.jobs import FileReport, ingest_files


def ingest_one(path: Path, cfg: Config, *, source: str) -> FileReport:
    """Ingest one file and check the counting invariant on the way."""
    report = ingest_files([path], source=source, cfg=cfg)
    [file] = report.files
    assert file.accepted + file.rejected + file.duplicates == file.rows
    return file
