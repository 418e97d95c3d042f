"""Analytics commands: `verbatim analyse`, `drivers`, `alerts`, `scores`."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from pipeline.cli.support import (
    ConfigOption,
    JsonOption,
    cli_config,
    err,
    handled,
    out,
    print_json,
)


class Level(StrEnum):
    """Level of the drivers list: topics, sub-themes or their parents."""

    topic = "topic"
    theme = "theme"
    parent = "parent"


#: ``--level`` of the commands that show topics by default.
LevelOption = Annotated[
    Level, typer.Option("--level", help="Topics (default), sub-themes (theme) or their parents.")
]


def _points(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:+.{digits}f}"


def _share(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{100 * value:.0f}%"


def print_analytics_report(report: dict[str, Any]) -> None:
    """One-paragraph summary of an analytics run."""
    out.print(
        f"Analysed {report['respondents']:,} NPS answers: {report['detractor_drivers']} "
        f"detractor drivers, {report['strengths']} strengths, {report['active_alerts']} active "
        f"alerts; {report['followups']:,} follow-ups ({report['at_risk']:,} at risk, "
        f"{report.get('churn_intent', 0):,} with churn intent): {report['open']:,} open, "
        f"{report['done']:,} done, {report['expired']:,} expired, "
        f"{report['followups'] - report['queued']:,} held back by the quarantine; "
        f"in {report['seconds']:.1f} s.",
        highlight=False,
    )


def analyse(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Recompute scores by segment, drivers, trends, alerts and follow-ups (the flow does this)."""
    from pipeline.jobs.analytics import update_analytics

    cfg = cli_config(config)
    with handled(), err.status("Analysing…"):
        report = update_analytics(cfg).as_dict()
    if as_json:
        print_json(report)
    else:
        print_analytics_report(report)


def drivers(
    segment: Annotated[
        str, typer.Option("--segment", help="A segment in drivers.segments, e.g. team.")
    ] = "all",
    level: LevelOption = Level.topic,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Recompute the analytics first.")
    ] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """The prioritised improvement list, then the strengths to protect."""
    from pipeline.jobs.analytics import driver_rows, update_analytics

    cfg = cli_config(config)
    with handled():
        if refresh:
            with err.status("Analysing…"):
                update_analytics(cfg)
        rows = driver_rows(cfg, segment=segment, level=level.value)
    if as_json:
        print_json(rows)
        return
    for value in dict.fromkeys(row["segment_value"] for row in rows):
        group = [row for row in rows if row["segment_value"] == value]
        title = f"{segment} = {value}" if value else "all respondents"
        _print_drivers(group, title, confidence=cfg.metrics.confidence)


def _print_drivers(rows: list[dict[str, Any]], title: str, *, confidence: float) -> None:
    noun = "topic" if rows[0]["level"] == "topic" else "theme"
    first = rows[0]
    if first["flagged"]:
        out.print(
            f"[bold]{title}[/]: {first['respondents']} answers — too few to rank (flagged).",
            highlight=False,
        )
        return
    impact = f"impact ({confidence * 100:.3g}% CI)"
    name = Column(noun, min_width=24, ratio=3)
    fix = Table(
        "rank", "id", name, "mentions", "detractors", Column(impact, ratio=2), "adjusted",
        "trend", title=f"Fix first — {title} ({first['respondents']:,} NPS answers)",
    )  # fmt: skip
    keep = Table("", "id", Column(noun, min_width=24, ratio=3), "mentions", "promoters",
                 Column(impact, ratio=2), title=f"Strengths to protect — {title}")  # fmt: skip
    for row in rows:
        interval = (
            f"{_points(row['nps_impact'])} ({_points(row['ci_low'])} … {_points(row['ci_high'])})"
        )
        if row["rank"] is not None:
            trend = row["trend"] + (f" ⚠ {row['alert']}" if row["alert"] else "")
            fix.add_row(
                str(row["rank"]), str(row["theme_id"]), row["title"], f"{row['mentions']:,}",
                _share(row["detractor_share"]), interval, _points(row["adjusted_impact"]), trend,
            )  # fmt: skip
        elif row["strength_rank"] is not None:
            keep.add_row(
                str(row["strength_rank"]), str(row["theme_id"]), row["title"],
                f"{row['mentions']:,}", _share(row["promoter_share"]), interval,
            )  # fmt: skip
    out.print(fix)
    for row in [r for r in rows if r["rank"] is not None][:3]:
        for quote in row["quotes"]:
            out.print(f"  {row['rank']}. “{quote}”", highlight=False)
    out.print(keep)
    out.print(
        "impact: NPS points the theme costs (-) or earns (+): NPS of everyone minus NPS of "
        "those not mentioning it; adjusted: with co-occurring themes held fixed.",
        style="dim",
    )


def alerts(
    show_all: Annotated[bool, typer.Option("--all", help="Past alerts too.")] = False,
    level: LevelOption = Level.topic,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Topics (or themes) emerging or spiking against their own baseline.

    Exits 2 when no analysis has run (no alert was looked for); with none found it says
    whether past alerts exist.
    """
    from pipeline.jobs.analytics import alert_rows

    cfg = cli_config(config)
    with handled():
        rows = alert_rows(cfg, active_only=not show_all, level=level.value)
        past = [] if rows or show_all else alert_rows(cfg, active_only=False, level=level.value)
    if as_json:
        print_json(rows)
        return
    if not rows:
        _print_no_alerts(level.value, past=len(past))
        return
    noun = "topic" if rows[0]["level"] == "topic" else "theme"
    table = Table("id", noun, "kind", "since", "last week", "recent", "ratio", "q")
    for row in rows:
        table.add_row(
            str(row["theme_id"]), row["label"], row["kind"] + ("" if row["active"] else " (past)"),
            str(row["since"])[:10], str(row["last_week"])[:10],
            f"{row['recent_mentions']}/{row['recent_records']}", f"{row['ratio']:.1f}x",
            f"{row['q_value']:.3g}",
        )  # fmt: skip
    out.print(table)


def _print_no_alerts(level: str, *, past: int) -> None:
    if past:
        out.print(
            f"No active alerts; {past:,} past {'alert' if past == 1 else 'alerts'} "
            "(`verbatim alerts --all` lists them).",
            highlight=False,
        )
        return
    out.print(
        f"No alerts: the last analysis found no {level} emerging or spiking against its "
        "own baseline.",
        highlight=False,
    )


class Metric(StrEnum):
    """Score metrics."""

    nps = "nps"
    csat = "csat"
    ces = "ces"


class Period(StrEnum):
    """Period kinds."""

    all = "all"
    week = "week"
    month = "month"


def scores(
    metric: Annotated[Metric, typer.Option("--metric", help="nps, csat or ces.")] = Metric.nps,
    segment: Annotated[str, typer.Option("--segment", help="e.g. team, product, lang.")] = "all",
    period: Annotated[Period, typer.Option("--period", help="all, week or month.")] = Period.all,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """NPS, CSAT or CES per segment and period, with margins; small groups flagged, unranked."""
    from pipeline.jobs.analytics import score_rows

    cfg = cli_config(config)
    with handled():
        rows = score_rows(cfg, metric=metric.value, period=period.value, segment=segment)
    if as_json:
        print_json(rows)
        return
    table = Table("period", segment, "n", metric.value.upper(), "± margin", "rank",
                  title=f"{metric.value.upper()} by {segment}")  # fmt: skip
    for row in rows:
        value = "-" if row["value"] is None else f"{row['value']:.1f}"
        margin = "-" if row["margin"] is None else f"{row['margin']:.1f}"
        table.add_row(
            str(row["period_start"] or "all")[:10], row["segment_value"] or "everyone",
            f"{row['n']:,}", value, margin,
            "flagged: too few" if row["flagged"] else str(row["rank"] or ""),
        )  # fmt: skip
    out.print(table)
