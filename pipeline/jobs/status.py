"""What the warehouse holds: records, batches, runs, scores, the seed and the models in use.

Also whole tables, and the comparison of two warehouses (`verbatim compare`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

import pandas as pd

from pipeline.analytics import metrics
from pipeline.config import Config
from pipeline.errors import PersonalDataError, VerbatimError
from pipeline.schemas import RAW_RECORDS, RECORDS, REJECTS
from pipeline.storage.compare import TableDifference, table_differences
from pipeline.storage.warehouse import open_warehouse

logger = logging.getLogger(__name__)


#: Tables holding personal data unredacted -> the table with the same text redacted.
PERSONAL_TABLES: Final = {RAW_RECORDS.name: RECORDS.name}


def export_table(
    cfg: Config, table: str, out: Path, *, include_personal_data: bool = False
) -> int:
    """Write a whole warehouse table to ``out`` (CSV or Parquet by its extension).

    Args:
        cfg: The configuration.
        table: The table's name.
        out: The target file.
        include_personal_data: Allow a table of `PERSONAL_TABLES` (``raw_records``: the text
            as received), which is refused otherwise.

    Returns:
        The number of rows written.

    Raises:
        PersonalDataError: For a table of `PERSONAL_TABLES` without ``include_personal_data``.
        UnknownTableError: When the warehouse has no such table (the error lists them).
    """
    if table in PERSONAL_TABLES and not include_personal_data:
        raise PersonalDataError(table, PERSONAL_TABLES[table])
    with open_warehouse(cfg, read_only=True) as warehouse:
        return warehouse.export_table(table, out)


def warehouse_tables(cfg: Config, *, path: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the workspace's warehouse (or of the one at ``path``), read whole.

    Raises:
        VerbatimError: When there is no warehouse there.
    """
    path = path or cfg.warehouse.path
    if not path.is_file():
        raise VerbatimError(f"{path}: no warehouse there (expected a .duckdb file)")
    with open_warehouse(cfg, read_only=True, path=path) as warehouse:
        return {name: warehouse.read_table(name) for name in warehouse.table_names()}


def compare_warehouses(cfg: Config, other: Path) -> list[TableDifference]:
    """How the workspace's warehouse differs from ``other``'s, bookkeeping aside.

    Two workspaces that ingested the same files with the same configuration and ``run.seed``
    compare equal (see `pipeline.storage.compare`); a table that differs is listed with the
    columns that differ.

    Args:
        cfg: Configuration of this workspace.
        other: Another warehouse file, or a workspace folder holding ``data/warehouse.duckdb``.

    Returns:
        The differing tables (empty when the data are the same).
    """
    from pipeline.config import WarehouseConfig

    if other.is_dir():
        other = other / WarehouseConfig().path
    mine = warehouse_tables(cfg)
    theirs = warehouse_tables(cfg, path=other)
    return table_differences(mine, theirs)


def warehouse_status(cfg: Config, *, batches: int = 5, runs: int = 5) -> dict[str, Any]:
    """Records per source, recent batches and runs, rejects and overall NPS with its margin.

    Returns:
        ``{"warehouse", "seed", "models": {"themes", "sentiment", "embedder"},
        "records": {source: n}, "rejects", "nps": {...}, "csat": {...}, "batches": [...],
        "runs": [...]}`` (runs newest first, as `pipeline.jobs.runs.recent_runs` gives them); the
        seed is the configured ``run.seed`` and the models those behind the current results
        (None before their stage ran); empty counts when no warehouse exists yet.
    """
    from pipeline.jobs.runs import recent_runs

    path = cfg.warehouse.path
    status: dict[str, Any] = {
        "warehouse": str(path),
        "seed": cfg.run.seed,
        "models": {"themes": None, "sentiment": None, "embedder": None},
        "records": {},
        "rejects": 0,
        "nps": metrics.nps([], confidence=cfg.metrics.confidence).as_dict(),
        "csat": metrics.csat([], confidence=cfg.metrics.confidence).as_dict(),
        "batches": [],
        "runs": [],
    }
    if not path.exists():
        return status
    with open_warehouse(cfg, read_only=True) as warehouse:
        status["records"] = warehouse.records.records_by_source()
        status["models"] = warehouse.runs.models_in_use()
        status["rejects"] = warehouse.count_rows(REJECTS.name)
        status["nps"] = metrics.nps(
            warehouse.records.scores("nps"), confidence=cfg.metrics.confidence
        ).as_dict()
        status["csat"] = metrics.csat(
            warehouse.records.scores("csat"),
            scale=cfg.ingest.score_ranges.csat,
            confidence=cfg.metrics.confidence,
        ).as_dict()
        recent = warehouse.records.last_batches(batches)
        recent["finished_at"] = recent["finished_at"].astype(str)
        status["batches"] = recent.to_dict(orient="records")
    status["runs"] = recent_runs(cfg, limit=runs)
    return status
