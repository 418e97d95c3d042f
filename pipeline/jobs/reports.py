"""Write the reports: the theme report, the CX report and the follow-up queue's CSV.

`report_data` reads what the reports show from the warehouse (analytics tables, redacted text
only); `write_reports` renders both HTML files and exports the follow-up queue next to them.
Each file is written to a temporary name and renamed into place, so a reader (or a browser
refreshing the page) never sees half a report, and a crash leaves the previous one whole.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from pipeline.analytics.priorities import headline_level, topic_entry_ids
from pipeline.analytics.summary import RunSummary, summarise_tables
from pipeline.config import Config
from pipeline.errors import VerbatimError
from pipeline.jobs.followups import followup_rows
from pipeline.reports.data import Method, ReportData, Window
from pipeline.reports.render import render_cx_report, render_theme_report
from pipeline.schemas import ALERTS, DRIVERS, FOLLOWUPS, NPS_BY_SEGMENT, THEME_TRENDS
from pipeline.storage.warehouse import Warehouse, open_warehouse

#: File names inside the reports folder.
THEME_REPORT: Final = "theme-report.html"
CX_REPORT: Final = "cx-report.html"
FOLLOWUPS_CSV: Final = "followups.csv"


@dataclass(frozen=True)
class ReportPaths:
    """The files `write_reports` wrote, and the summary they were made from."""

    theme_report: Path
    cx_report: Path
    followups_csv: Path
    followups: int
    summary: RunSummary

    def as_dict(self) -> dict[str, Any]:
        """The paths as strings and the follow-up count (JSON output)."""
        return {
            "theme_report": str(self.theme_report),
            "cx_report": str(self.cx_report),
            "followups_csv": str(self.followups_csv),
            "followups": self.followups,
        }


def _windows(frame: pd.DataFrame) -> list[Window]:
    return [
        Window(
            source=str(row["source"]),
            records=int(row["records"]),
            first=None if pd.isna(row["first"]) else pd.Timestamp(row["first"]).to_pydatetime(),
            last=None if pd.isna(row["last"]) else pd.Timestamp(row["last"]).to_pydatetime(),
        )
        for row in frame.to_dict("records")
    ]


#: The analytics tables the run summary is made from.
SUMMARY_TABLES: Final = (NPS_BY_SEGMENT.name, DRIVERS.name, ALERTS.name, FOLLOWUPS.name)


def _summary_inputs(warehouse: Warehouse) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The tables of `SUMMARY_TABLES` and the records per source."""
    tables = {name: warehouse.read_table(name) for name in SUMMARY_TABLES}
    return tables, warehouse.records.records_by_source()


def run_summary(cfg: Config, *, new_records: Mapping[str, int] | None = None) -> RunSummary:
    """Read the analytics tables and counts from the warehouse and summarise them."""
    with open_warehouse(cfg, read_only=True) as warehouse:
        tables, records = _summary_inputs(warehouse)
        models = warehouse.runs.models_in_use()
    return summarise_tables(
        tables,
        records,
        confidence=cfg.metrics.confidence,
        new_records=new_records,
        seed=cfg.run.seed,
        models=models,
        language=cfg.reports.language,
    )


def _existing_warehouse(cfg: Config) -> Path:
    path = cfg.warehouse.path
    if not path.exists():
        raise VerbatimError(f"{path}: no warehouse yet; run `verbatim run` or `verbatim demo`")
    return path


def report_data(
    cfg: Config,
    summary: RunSummary | None = None,
    *,
    new_records: Mapping[str, int] | None = None,
    level: str | None = None,
) -> ReportData:
    """Read what the reports show, in one read of the warehouse.

    Args:
        cfg: The configuration.
        summary: The run summary, when the caller already made it (the nightly flow shares
            it with the Prefect artifacts); made from the same tables otherwise.
        new_records: Records per source the run added (for a summary made here).
        level: Drivers level shown (default: topics where there are any, else themes); a
            summary given with another level is made again at this one.

    Raises:
        VerbatimError: When there is no warehouse. (One not analysed yet gives reports that
            say so.)
    """
    _existing_warehouse(cfg)
    with open_warehouse(cfg, read_only=True) as warehouse:
        tables, records = _summary_inputs(warehouse)
        trends = warehouse.read_table(THEME_TRENDS.name)
        themes = warehouse.analytics.analytics_themes()
        topics = warehouse.analytics.analytics_topics()
        windows = _windows(warehouse.analytics.record_windows())
        models = warehouse.runs.models_in_use()
    if summary is None or level is not None:
        summary = summarise_tables(
            tables,
            records,
            confidence=cfg.metrics.confidence,
            new_records=new_records,
            seed=cfg.run.seed,
            models=models,
            language=cfg.reports.language,
            level=level,
        )
    scores, drivers = tables[NPS_BY_SEGMENT.name], tables[DRIVERS.name]
    leaves = headline_level(drivers, cfg.reports.language, level).reset_index(drop=True)
    level = str(leaves["level"].iloc[0]) if not leaves.empty else (level or "theme")
    labels = {int(k): str(v) for k, v in zip(themes["theme_id"], themes["label"], strict=True)}
    trend_labels = None
    if level == "topic":
        # the praise row of a topic is keyed by its negated id in the report's frames
        leaves = leaves.assign(theme_id=topic_entry_ids(leaves["theme_id"], leaves["polarity"]))
        labels |= dict(zip(leaves["theme_id"].astype(int), leaves["label"].astype(str),
                           strict=True))  # fmt: skip
        trend_labels = {
            int(k): str(v) for k, v in zip(topics["topic_id"], topics["label"], strict=True)
        }
    overall = leaves[leaves["segment"] == "all"]
    method = Method(
        theme_model=models["themes"],
        sentiment_model=models["sentiment"],
        embedding_model=models["embedder"] or cfg.embed.model,
        themes=int(overall["theme_id"].abs().nunique()),
        respondents=int(overall["respondents"].max()) if not overall.empty else 0,
        confidence=cfg.metrics.confidence,
        resamples=cfg.drivers.resamples,
        min_n=cfg.metrics.min_n,
        min_mentions=cfg.drivers.min_mentions,
        alpha=cfg.drivers.alpha,
        windows=windows,
        analysed_at=(
            pd.Timestamp(scores["computed_at"].max()).to_pydatetime() if len(scores) else None
        ),
        seed=cfg.run.seed,
    )
    return ReportData(
        summary=summary,
        scores=scores,
        drivers=leaves,
        trends=trends[trends["level"] == level].reset_index(drop=True),
        followups=tables[FOLLOWUPS.name],
        labels=labels,
        level=level,
        trend_labels=trend_labels,
        method=method,
        themes_shown=cfg.reports.themes_shown,
        followups_shown=cfg.reports.followups_shown,
    )


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a new file beside ``path`` (mode 0666 less the umask), rename it in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_reports(
    cfg: Config,
    out_dir: Path | None = None,
    *,
    new_records: Mapping[str, int] | None = None,
    summary: RunSummary | None = None,
    level: str | None = None,
) -> ReportPaths:
    """Write the theme report, the CX report and the follow-up queue's CSV.

    Args:
        cfg: The configuration.
        out_dir: Folder of the files (default: ``reports.out_dir``).
        new_records: Records per source the run added (shown in the headline).
        summary: The run summary, when already made.
        level: "topic" (the default where topics exist), "theme" (sub-themes) or "parent".

    Raises:
        VerbatimError: When there is no warehouse.
    """
    folder = out_dir or cfg.reports.out_dir
    data = report_data(cfg, summary, new_records=new_records, level=level)
    theme = folder / THEME_REPORT
    cx = folder / CX_REPORT
    _write_atomically(theme, render_theme_report(data))
    _write_atomically(cx, render_cx_report(data))
    csv = folder / FOLLOWUPS_CSV
    partial = folder / f".partial-{FOLLOWUPS_CSV}"
    queue = followup_rows(cfg, out=partial, require_analysis=False)
    os.replace(partial, csv)
    return ReportPaths(
        theme_report=theme,
        cx_report=cx,
        followups_csv=csv,
        followups=len(queue),
        summary=data.summary,
    )
