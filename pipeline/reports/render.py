"""Render the reports to self-contained HTML with Jinja2 (autoescaped) and inlined plotly.js.

Nothing in a report is fetched from anywhere: the plotly.js bundle, the styles and the figures'
data are written into the file. Every value a template prints is HTML-escaped by Jinja2's
autoescaping (customer text and theme labels included); figure data goes into
``<script type="application/json">`` blocks with ``<``, ``>`` and ``&`` written as JSON escapes,
so no text can close the block; plotly.js labels are entity-escaped by
`pipeline.reports.figures.plot_text`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any, Final

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipeline import __version__
from pipeline.analytics.followup import parse_segments
from pipeline.reports.data import HEATMAP_SEGMENTS, ReportData
from pipeline.reports.figures import figure_json, theme_report_figures

#: Names of the metrics in the headline.
METRIC_NAMES: Final = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}
_JSON_ESCAPES: Final = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def json_script(value: str) -> Markup:
    """JSON text made safe inside a ``<script>`` element."""
    return Markup(value.translate(_JSON_ESCAPES))


@functools.cache
def _plotly_js() -> Markup:
    from plotly.offline import get_plotlyjs

    return Markup(get_plotlyjs())


def _number(value: Any, digits: int = 1, *, signed: bool = False) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"{float(value):{'+' if signed else ''}.{digits}f}"


def _date(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _items(values: object) -> list[Any]:
    """A warehouse list value (numpy array, list or None) as a list."""
    if values is None or (isinstance(values, float) and math.isnan(values)):
        return []
    return list(values)  # type: ignore[call-overload]


def _count(n: Any, noun: str, plural: str | None = None) -> str:
    """A count with its noun: 1 record, 2 records, 1,321 records (``plural`` if irregular)."""
    n = int(n)
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


@functools.cache
def environment() -> Environment:
    """The Jinja2 environment of the report templates: autoescaped, strict."""
    env = Environment(
        loader=PackageLoader("pipeline.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = _number
    env.filters["date"] = _date
    env.filters["items"] = _items
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    env.filters["plural"] = _count
    env.filters["percent"] = lambda share, digits=0: (
        "n/a" if share is None or pd.isna(share) else f"{100 * float(share):.{digits}f}%"
    )
    return env


def _value(value: Any) -> Any:
    """A frame cell for a template: missing values (NaN, NA, NaT) become None."""
    if isinstance(value, list | tuple) or hasattr(value, "__array__"):
        return value
    return None if pd.isna(value) else value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _channel_rows(data: ReportData) -> list[dict[str, Any]]:
    """Per channel: records, and NPS / CSAT with margins where the channel has them."""
    scores = data.scores
    by_source = scores[(scores["segment"] == "source") & (scores["period"] == "all")]
    rows = []
    for window in data.method.windows:
        row: dict[str, Any] = {"source": window.source, "records": window.records}
        for metric in METRIC_NAMES:
            found = by_source[
                (by_source["metric"] == metric) & (by_source["segment_value"] == window.source)
            ]
            if not found.empty and pd.notna(found.iloc[0]["value"]):
                row[metric] = found.iloc[0].to_dict()
        rows.append(row)
    return rows


def render_theme_report(data: ReportData, *, now: dt.datetime | None = None) -> str:
    """The theme report as one self-contained HTML page."""
    figures = theme_report_figures(data)
    overall = data.drivers[data.drivers["segment"] == "all"]
    summary = data.summary
    context = {
        "title": "Verbatim theme report",
        "generated_at": now or summary.computed_at,
        "version": __version__,
        "summary": summary,
        "metric_names": METRIC_NAMES,
        "changes": {metric: data.change(metric) for metric in METRIC_NAMES},
        "drivers": _records(summary.drivers),
        "strengths": _records(summary.strengths),
        "alerts": _records(summary.alerts),
        "general": _records(overall[overall["role"] == "general"].sort_values("mentions")),
        "figures": {key: json_script(figure_json(figure)) for key, figure in figures.items()},
        "heatmaps": [s for s in HEATMAP_SEGMENTS if f"heatmap-{s}" in figures],
        "channels": _channel_rows(data),
        "method": data.method,
        "level": data.level,
        "plotly_js": _plotly_js(),
    }
    return environment().get_template("theme_report.html.j2").render(**context)


def render_cx_report(data: ReportData, *, now: dt.datetime | None = None) -> str:
    """The CX report: open follow-ups grouped by owning team, at-risk customers first.

    Each team's heading counts its open, done and expired follow-ups; each follow-up shows
    the score on its scale, language, segments, topics, key sentences and the comment.
    """
    queued = data.queued(now)
    counts = data.state_counts(now)
    teams: list[dict[str, Any]] = []
    for owner in sorted(set(counts.index) | set(queued["owner"] if not queued.empty else [])):
        rows = queued[queued["owner"] == owner] if not queued.empty else queued
        followups = _records(rows.head(data.followups_shown))
        for row in followups:
            row["segments"] = parse_segments(row.get("segments"))
        teams.append(
            {
                "owner": owner,
                "queued": len(rows),
                "at_risk": int(rows["at_risk"].sum()) if not rows.empty else 0,
                "done": int(counts.loc[owner, "done"]) if owner in counts.index else 0,
                "expired": int(counts.loc[owner, "expired"]) if owner in counts.index else 0,
                "followups": followups,
            }
        )
    teams.sort(key=lambda team: (-team["at_risk"], -team["queued"], str(team["owner"])))
    quarantined = (
        int((data.followups["status"] != "queued").sum()) if not data.followups.empty else 0
    )
    context = {
        "title": "Verbatim CX report: detractors to call back",
        "generated_at": now or data.summary.computed_at,
        "version": __version__,
        "teams": teams,
        "queued": len(queued),
        "at_risk": int(queued["at_risk"].sum()) if not queued.empty else 0,
        "done": int(counts["done"].sum()) if not counts.empty else 0,
        "expired": int(counts["expired"].sum()) if not counts.empty else 0,
        "quarantined": quarantined,
        "followups_shown": data.followups_shown,
        "labels": data.labels,
        "method": data.method,
    }
    return environment().get_template("cx_report.html.j2").render(**context)


__all__ = ["environment", "json_script", "render_cx_report", "render_theme_report"]
