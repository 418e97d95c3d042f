"""The run summary: headline scores with intervals, top drivers, emerging themes, counts.

One source for every place that summarises a run: the Prefect artifacts of the nightly flow
(markdown and the improvement-list table) and the reports. Built (pure) from the warehouse's
analytics tables and counts, which hold redacted text only (`pipeline.jobs.reports.run_summary`
reads them); every piece of customer text (theme
labels, quotes) is escaped for Markdown and HTML before it is written out.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

import pandas as pd

from pipeline.analytics.followup import churn_count, open_queue
from pipeline.analytics.priorities import headline_level
from pipeline.schemas import ALERTS, DRIVERS, FOLLOWUPS, NPS_BY_SEGMENT

#: Drivers listed in the summary's improvement list.
TOP_DRIVERS: Final = 10
# Markup characters anywhere in a line (every line we write starts with our own "- " or "| ")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#|~!])")


def escape_text(text: object) -> str:
    """``text`` on one line with HTML's special characters as entities (table cells)."""
    plain = " ".join(str(text).split())
    return plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_markdown(text: object) -> str:
    """``text`` safe inside a Markdown line (and the HTML it renders to): no markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escape_text(text))


@dataclass(frozen=True)
class Estimate:
    """A score with its interval (at the configured confidence, `RunSummary.confidence`)."""

    value: float
    margin: float
    n: int
    low: float
    high: float
    period_start: dt.date | None = None


@dataclass(frozen=True)
class RunSummary:
    """What a run's summary shows (see `pipeline.jobs.reports.run_summary`).

    Attributes:
        computed_at: When the summary was made (UTC).
        scores: Metric ("nps", "csat", "ces") -> its estimate over all data.
        latest: Metric -> (latest month, previous month) estimates, when there are two months.
        records: Records per source in the warehouse.
        confidence: The intervals' confidence (``metrics.confidence``, 0.95 by default).
        new_records: Records per source added by this run (empty when not known).
        drivers: The improvement list (ranked detractor drivers, rank order), at most
            `TOP_DRIVERS` rows.
        strengths: Strengths to protect (strength rank order), at most `TOP_DRIVERS` rows.
        alerts: Active emerging / spiking alerts.
        queued: Open follow-ups queued for a call-back (not done, expired or quarantined).
        at_risk: Of them, those whose customer is at risk.
        churn_intent: Of them, those whose comment states churn intent.
        seed: The workspace's random seed (``run.seed``) the figures were produced with.
        models: The models behind them: ``themes`` (version), ``sentiment`` and ``embedder``
            (``name@version``); None for a stage that has not run.
    """

    computed_at: dt.datetime
    scores: dict[str, Estimate]
    latest: dict[str, tuple[Estimate, Estimate]]
    records: dict[str, int]
    confidence: float
    new_records: dict[str, int] = field(default_factory=dict)
    drivers: pd.DataFrame = field(default_factory=pd.DataFrame)
    strengths: pd.DataFrame = field(default_factory=pd.DataFrame)
    alerts: pd.DataFrame = field(default_factory=pd.DataFrame)
    queued: int = 0
    at_risk: int = 0
    churn_intent: int = 0
    seed: int | None = None
    models: dict[str, str | None] = field(default_factory=dict)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], frame.to_dict(orient="records"))


def _estimate(row: Mapping[str, Any]) -> Estimate:
    start = row.get("period_start")
    return Estimate(
        value=float(row["value"]),
        margin=float(row["margin"]) if pd.notna(row["margin"]) else float("nan"),
        n=int(row["n"]),
        low=float(row["low"]) if pd.notna(row["low"]) else float("nan"),
        high=float(row["high"]) if pd.notna(row["high"]) else float("nan"),
        period_start=None if start is None or pd.isna(start) else pd.Timestamp(start).date(),
    )


def summarise_tables(
    tables: Mapping[str, pd.DataFrame],
    records: Mapping[str, int],
    *,
    confidence: float,
    new_records: Mapping[str, int] | None = None,
    now: dt.datetime | None = None,
    seed: int | None = None,
    models: Mapping[str, str | None] | None = None,
    language: str = "en",
    level: str | None = None,
) -> RunSummary:
    """Build the summary from the analytics tables (pure).

    `pipeline.jobs.reports.run_summary` reads the tables from the warehouse and calls this.

    Args:
        tables: ``nps_by_segment``, ``drivers``, ``alerts`` and ``followups`` as frames.
        records: Records per source.
        confidence: The intervals' confidence (``metrics.confidence``).
        new_records: Records per source this run added.
        now: Time stamp of the summary (default: now, UTC).
        seed: The workspace's random seed.
        models: The models in use (see `RunSummary.models`).
        language: Language of topic titles (``reports.language``).
        level: Drivers level listed (default: topics where there are any, else themes).
    """
    scores_table = tables[NPS_BY_SEGMENT.name]
    overall = scores_table[(scores_table["segment"] == "all") & scores_table["value"].notna()]
    scores: dict[str, Estimate] = {}
    latest: dict[str, tuple[Estimate, Estimate]] = {}
    for metric, rows in overall.groupby("metric"):
        everything = rows[rows["period"] == "all"]
        if not everything.empty:
            scores[str(metric)] = _estimate(_records(everything)[0])
        months = rows[rows["period"] == "month"].sort_values("period_start")
        if len(months) >= 2:
            previous, last = _records(months)[-2:]
            latest[str(metric)] = (_estimate(last), _estimate(previous))
    drivers = tables[DRIVERS.name]
    shown = headline_level(drivers, language, level)
    leaves = shown[shown["segment"] == "all"]
    ranked = leaves[leaves["rank"].notna()].sort_values("rank").head(TOP_DRIVERS)
    strengths = leaves[leaves["strength_rank"].notna()].sort_values("strength_rank")
    alerts = tables[ALERTS.name]
    active = alerts[alerts["active"]] if not alerts.empty else alerts
    if not active.empty and not shown.empty and "level" in active:
        # alerts at the level the list shows (topics by default)
        active = active[active["level"] == shown["level"].iloc[0]]
    followups = tables[FOLLOWUPS.name]
    queued = open_queue(followups, now or dt.datetime.now(dt.UTC))
    return RunSummary(
        computed_at=now or dt.datetime.now(dt.UTC),
        scores=scores,
        latest=latest,
        records=dict(records),
        confidence=confidence,
        new_records=dict(new_records or {}),
        drivers=ranked.reset_index(drop=True),
        strengths=strengths.head(TOP_DRIVERS).reset_index(drop=True),
        alerts=active.reset_index(drop=True),
        queued=len(queued),
        at_risk=int(queued["at_risk"].sum()) if not queued.empty else 0,
        churn_intent=churn_count(queued),
        seed=seed,
        models=dict(models or {}),
    )


_METRIC_NAMES: Final = {"nps": "NPS", "csat": "CSAT (% answering 4 or 5)", "ces": "CES"}


def _number(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{digits}f}"


def interval_label(confidence: float) -> str:
    """How every interval is named at ``confidence``: 0.95 gives "95% interval"."""
    return f"{confidence * 100:.3g}% interval"


def _estimate_text(estimate: Estimate, confidence: float) -> str:
    return (
        f"**{_number(estimate.value)}** ± {_number(estimate.margin)} "
        f"({interval_label(confidence)} {_number(estimate.low)} to {_number(estimate.high)}; "
        f"n = {estimate.n:,})"
    )


def summary_markdown(summary: RunSummary) -> str:
    """The summary as Markdown (the Prefect artifact; the reports' headline reuses it)."""
    lines = [f"# Verbatim run summary, {summary.computed_at:%Y-%m-%d %H:%M} UTC", ""]
    for metric, name in _METRIC_NAMES.items():
        if metric not in summary.scores:
            continue
        line = f"- {name}: {_estimate_text(summary.scores[metric], summary.confidence)}"
        if metric in summary.latest:
            now, before = summary.latest[metric]
            change = now.value - before.value
            line += (
                f"; {now.period_start:%B %Y} {_number(now.value)} ± {_number(now.margin)} "
                f"(n = {now.n:,}), {change:+.1f} vs {before.period_start:%B %Y} "
                f"({_number(before.value)} ± {_number(before.margin)})"
            )
        lines.append(line)
    if not summary.scores:
        lines.append("- No scored answers yet.")
    lines += ["", "## Records", "", "| source | records | new this run |", "|---|---:|---:|"]
    for source, n in sorted(summary.records.items()):
        new = summary.new_records.get(source)
        lines.append(f"| {source} | {n:,} | {'' if new is None else f'{new:,}'} |")
    lines += ["", "## Top drivers to fix (NPS points recoverable)", ""]
    if summary.drivers.empty:
        lines.append("No theme costs NPS points significantly yet.")
    else:
        lines += [
            f"| rank | theme | NPS impact [{interval_label(summary.confidence)}] | mentions "
            "| trend |",
            "|---:|---|---|---:|---|",
        ]
        for row in _records(summary.drivers):
            lines.append(
                f"| {int(row['rank'])} | {escape_markdown(row['label'])} | "
                f"{row['nps_impact']:+.2f} [{row['ci_low']:+.2f}, {row['ci_high']:+.2f}] | "
                f"{int(row['mentions']):,} | {escape_markdown(row['trend'] or '')} |"
            )
    lines += ["", "## Emerging and spiking themes", ""]
    if summary.alerts.empty:
        lines.append("None this week.")
    for row in _records(summary.alerts):
        lines.append(
            f"- {escape_markdown(row['label'])} ({row['level']}): {row['kind']} since "
            f"{row['since']:%Y-%m-%d}, {int(row['recent_mentions']):,} mentions in the recent "
            f"window, {_number(float(row['ratio']), 1)} times its baseline rate "
            f"(q = {row['q_value']:.3g})"
        )
    lines += [
        "",
        f"Follow-ups: {summary.queued:,} open for a call-back, {summary.at_risk:,} of them at "
        f"risk, {summary.churn_intent:,} saying they are leaving or thinking of it (churn "
        "intent).",
    ]
    if summary.seed is not None or summary.models:
        lines += ["", f"Produced by: {provenance_text(summary)}."]
    return "\n".join(lines) + "\n"


#: How `provenance_text` names the models.
_MODEL_NAMES: Final = (
    ("themes", "theme model"),
    ("sentiment", "sentiment"),
    ("embedder", "embedder"),
)


def provenance_text(summary: RunSummary) -> str:
    """The seed and the models a run's figures came from, on one line (escaped)."""
    parts = [] if summary.seed is None else [f"seed {summary.seed}"]
    for key, name in _MODEL_NAMES:
        parts.append(f"{name} {escape_markdown(summary.models.get(key) or 'none yet')}")
    return "; ".join(parts)


def improvement_rows(summary: RunSummary) -> list[dict[str, Any]]:
    """The improvement list as table rows (the Prefect table artifact), text escaped."""
    rows = []
    for row in _records(summary.drivers):
        quotes = row["quotes"]
        first = quotes[0] if quotes is not None and len(quotes) else ""
        rows.append(
            {
                "rank": int(row["rank"]),
                "theme_id": int(row["theme_id"]),
                "theme": escape_text(row["label"]),
                "nps_impact": round(float(row["nps_impact"]), 2),
                "ci_low": round(float(row["ci_low"]), 2),
                "ci_high": round(float(row["ci_high"]), 2),
                "mentions": int(row["mentions"]),
                "detractor_share": round(float(row["detractor_share"]), 3),
                "trend": escape_text(row["trend"] or ""),
                "quote": escape_text(first),
            }
        )
    return rows
