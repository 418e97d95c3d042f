"""The theme report's Plotly figures, built from `ReportData` (pure: no I/O).

Every figure is SVG-rendered (no WebGL), has a fixed width that fits a printed A4 page, and
takes its text through `plot_text`: plotly.js reads a few HTML tags (``<a href>``, ``<b>``,
``<br>``) and ``$...$`` (MathJax) in labels and hover text, so customer text and theme labels
are entity-escaped first, which plotly.js shows as the literal characters.

Figures are plain plotly.js specifications (``{"data": [...], "layout": {...}}``) rather than
``plotly.graph_objects`` figures: building and validating those cost about a second per report
in every nightly run, for nothing plotly.js needs. ``go.Figure(spec)`` shows one in a notebook
(and validates it; the tests do).
"""

from __future__ import annotations

import functools
import html
import json
from importlib import resources
from typing import Any, Final

import numpy as np
import pandas as pd

from pipeline.reports.data import HEATMAP_SEGMENTS, ReportData
from pipeline.schemas import plain_value

#: Width of every figure in CSS pixels: fits an A4 page printed in portrait.
WIDTH: Final = 700
#: Colours of the roles (detractor driver, strength, the rest).
ROLE_COLOURS: Final = {
    "detractor_driver": "#c0392b",
    "strength": "#1e8449",
    "neutral": "#95a5a6",
    "general": "#b7950b",
    "too_few": "#d5dbdb",
}
ROLE_NAMES: Final = {
    "detractor_driver": "Detractor driver",
    "strength": "Strength",
    "neutral": "No significant effect",
    "general": "General verdict",
    "too_few": "Too few mentions",
}
CHANNEL_COLOURS: Final = {"survey": "#2e86c1", "chat": "#af7ac5", "social": "#f5b041"}
_FONT: Final = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}
#: The Plotly template every figure uses (shipped with plotly as JSON).
TEMPLATE: Final = "plotly_white"

#: A plotly.js figure specification: ``{"data": [trace, ...], "layout": {...}}``.
Figure = dict[str, Any]


@functools.cache
def _template() -> dict[str, Any]:
    """The template's layout and trace defaults, as plotly.js takes them inline."""
    path = resources.files("plotly") / "package_data" / "templates" / f"{TEMPLATE}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def figure_json(figure: Figure) -> str:
    """A figure as JSON text for ``Plotly.newPlot`` (the template inlined)."""
    layout = {**figure["layout"], "template": _template()}
    spec = {"data": figure["data"], "layout": layout}
    return json.dumps(plain_value(spec), ensure_ascii=False, allow_nan=False)


def _figure(traces: list[dict[str, Any]], layout: dict[str, Any]) -> Figure:
    return {"data": traces, "layout": layout}


def plot_text(text: object, *, limit: int = 60) -> str:
    """``text`` safe for plotly.js labels: entity-escaped, shortened to ``limit`` characters."""
    plain = " ".join(str(text).split())
    if len(plain) > limit:
        plain = plain[: limit - 1] + "…"
    return html.escape(plain, quote=True).replace("$", "&#36;")


def _layout(title: str, height: int, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "width": WIDTH,
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "font": _FONT,
        "hoverlabel": {"align": "left"},
        **extra,
    }


def _shown_themes(data: ReportData) -> list[int]:
    """Ranked drivers first, then alerted themes, then the most mentioned; at most N."""
    overall = data.drivers[data.drivers["segment"] == "all"]
    order: list[int] = []
    for frame in (
        overall[overall["rank"].notna()].sort_values("rank"),
        overall[overall["theme_id"].isin(_alerted(data))],
        overall[overall["strength_rank"].notna()].sort_values("strength_rank"),
        overall.sort_values("mentions", ascending=False),
    ):
        for theme_id in frame["theme_id"]:
            if int(theme_id) not in order:
                order.append(int(theme_id))
    return order[: data.themes_shown]


def _alerted(data: ReportData) -> set[int]:
    alerts = data.summary.alerts
    if alerts.empty:
        return set()
    return {int(t) for t in alerts.loc[alerts["level"] == data.level, "theme_id"]}


def nps_trend(data: ReportData) -> Figure | None:
    """NPS per month (per week when there are fewer than three months) with its interval."""
    scores = data.scores
    chosen = scores[(scores["metric"] == "nps") & (scores["segment"] == "all")]
    period = "month" if (chosen["period"] == "month").sum() >= 3 else "week"
    rows = chosen[(chosen["period"] == period) & chosen["value"].notna()].sort_values(
        "period_start"
    )
    if rows.empty:
        return None
    flagged = rows["flagged"].astype(bool).to_numpy()
    starts = pd.to_datetime(rows["period_start"]).dt.strftime("%Y-%m-%d").tolist()
    interval = {
        "type": "scatter",
        "x": starts + starts[::-1],
        "y": rows["high"].tolist() + rows["low"].tolist()[::-1],
        "fill": "toself",
        "mode": "lines",
        "fillcolor": "rgba(46, 134, 193, 0.15)",
        "line": {"width": 0},
        "hoverinfo": "skip",
        "name": f"{data.method.confidence:.0%} interval",
    }
    line = {
        "type": "scatter",
        "x": starts,
        "y": rows["value"],
        "mode": "lines+markers",
        "name": "NPS",
        "line": {"color": "#2e86c1", "width": 2},
        "marker": {
            "size": 8,
            "color": np.where(flagged, "white", "#2e86c1").tolist(),
            "line": {"color": "#2e86c1", "width": 2},
        },
        "customdata": [
            [margin, int(n), bool(small)]
            for margin, n, small in zip(rows["margin"], rows["n"], flagged, strict=True)
        ],
        "hovertemplate": (
            "%{x}<br>NPS %{y:.1f} ± %{customdata[0]:.1f}<br>n = %{customdata[1]}<extra></extra>"
        ),
    }
    note = f" (hollow: fewer than {data.method.min_n} answers, flagged)" if flagged.any() else ""
    return _figure(
        [interval, line],
        _layout(
            f"NPS per {period}{note}",
            320,
            yaxis={"title": {"text": "NPS"}, "zeroline": True},
            showlegend=False,
        ),
    )


def driver_chart(data: ReportData) -> Figure | None:
    """Impact on NPS against volume, one bubble per theme, coloured by role."""
    overall = data.drivers[(data.drivers["segment"] == "all") & (data.drivers["mentions"] > 0)]
    if overall.empty:
        return None
    traces: list[dict[str, Any]] = []
    biggest = float(overall["mentions"].max())
    for role, name in ROLE_NAMES.items():
        rows = overall[overall["role"] == role]
        if rows.empty:
            continue
        labels = [plot_text(label) for label in rows["label"]]
        traces.append(
            {
                "type": "scatter",
                "x": rows["mentions"],
                "y": rows["nps_impact"],
                "mode": "markers",
                "name": name,
                "marker": {
                    "color": ROLE_COLOURS[role],
                    "size": (8 + 32 * np.sqrt(rows["mentions"] / biggest)).tolist(),
                    "opacity": 0.75,
                    "line": {"color": "white", "width": 1},
                },
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["ci_high"] - rows["nps_impact"]).tolist(),
                    "arrayminus": (rows["nps_impact"] - rows["ci_low"]).tolist(),
                    "color": ROLE_COLOURS[role],
                    "thickness": 1,
                    "width": 0,
                },
                "customdata": [
                    [label, low, high]
                    for label, low, high in zip(
                        labels, rows["ci_low"].round(2), rows["ci_high"].round(2), strict=True
                    )
                ],
                "hovertemplate": (
                    "%{customdata[0]}<br>impact %{y:+.2f} NPS points "
                    "[%{customdata[1]}, %{customdata[2]}]<br>%{x} respondents mention it"
                    "<extra></extra>"
                ),
            }
        )
    top = overall[overall["rank"].notna()].sort_values("rank").head(3)
    annotations = [
        {
            "x": float(np.log10(row["mentions"])),
            "y": row["nps_impact"],
            "text": f"#{int(row['rank'])} {plot_text(row['label'], limit=28)}",
            "showarrow": True,
            "arrowhead": 0,
            "ax": -60 if offset > 0 else 40,
            "ay": offset,
            "font": {"size": 11, "color": ROLE_COLOURS["detractor_driver"]},
            "bgcolor": "rgba(255, 255, 255, 0.85)",
        }
        for offset, row in zip((-45, 45, -70), top.to_dict("records"), strict=False)
    ]
    return _figure(
        traces,
        _layout(
            "Drivers: impact on NPS against volume (top three drivers named)",
            460,
            xaxis={"title": {"text": "Respondents mentioning the theme"}, "type": "log"},
            yaxis={
                "title": {"text": "Impact on NPS (points)"},
                "zeroline": True,
                "zerolinewidth": 2,
            },
            legend={"orientation": "h", "y": -0.18},
            margin={"l": 60, "r": 20, "t": 50, "b": 90},
            annotations=annotations,
        ),
    )


def theme_trends(data: ReportData) -> Figure | None:
    """Weekly share of records mentioning each shown theme; emerging themes marked."""
    trends = data.trends
    # a topic's complaints and praise rows share one trend line
    shown = list(dict.fromkeys(abs(t) for t in _shown_themes(data)))[:8]
    alerted = _alerted(data)
    names = {**data.labels, **(data.trend_labels or {})}
    for theme_id in sorted(alerted):
        if theme_id not in shown:
            shown.append(theme_id)
    rows = trends[trends["theme_id"].isin(shown)]
    if rows.empty:
        return None
    traces: list[dict[str, Any]] = []
    alerts = data.summary.alerts
    for theme_id in shown:
        series = rows[rows["theme_id"] == theme_id].sort_values("week")
        if series.empty:
            continue
        label = plot_text(names.get(theme_id, str(theme_id)), limit=40)
        emerging = theme_id in alerted
        weeks = pd.to_datetime(series["week"]).dt.strftime("%Y-%m-%d")
        traces.append(
            {
                "type": "scatter",
                "x": weeks,
                "y": (series["share"] * 100).round(2),
                "mode": "lines",
                "name": ("▲ " + label) if emerging else label,
                "line": {"width": 3 if emerging else 1.5, "dash": "solid" if emerging else "dot"},
                "hovertemplate": f"{label}<br>%{{x}}: %{{y:.1f}}% of records<extra></extra>",
            }
        )
        if emerging:
            since = alerts[(alerts["theme_id"] == theme_id) & (alerts["level"] == data.level)]
            start = pd.Timestamp(since["since"].min()).strftime("%Y-%m-%d")
            flagged = series[pd.to_datetime(series["week"]) >= pd.Timestamp(start)]
            traces.append(
                {
                    "type": "scatter",
                    "x": pd.to_datetime(flagged["week"]).dt.strftime("%Y-%m-%d"),
                    "y": (flagged["share"] * 100).round(2),
                    "mode": "markers",
                    "marker": {"symbol": "triangle-up", "size": 11, "color": "#c0392b"},
                    "name": f"{label}: emerging since {start}",
                    "showlegend": False,
                    "hovertemplate": f"{label}<br>emerging since {start}<extra></extra>",
                }
            )
    return _figure(
        traces,
        _layout(
            "Theme trends: share of records per week (▲ emerging or spiking)",
            420,
            yaxis={"title": {"text": "% of records"}, "rangemode": "tozero"},
            legend={"orientation": "h", "y": -0.2, "font": {"size": 10}},
            margin={"l": 60, "r": 20, "t": 50, "b": 120},
        ),
    )


def segment_heatmap(data: ReportData, segment: str) -> Figure | None:
    """Impact of each shown theme in each value of ``segment``; small cells left blank."""
    rows = data.drivers[data.drivers["segment"] == segment]
    shown = _shown_themes(data)
    rows = rows[rows["theme_id"].isin(shown)]
    if rows.empty:
        return None
    values = sorted(rows["segment_value"].astype(str).unique())
    order = [t for t in shown if t in set(rows["theme_id"])]
    impact = rows.pivot_table(
        index="theme_id", columns="segment_value", values="nps_impact", aggfunc="first"
    ).reindex(index=order, columns=values)
    mentions = rows.pivot_table(
        index="theme_id", columns="segment_value", values="mentions", aggfunc="first"
    ).reindex(index=order, columns=values)
    small = rows.assign(
        small=rows["flagged"].astype(bool) | (rows["mentions"] < data.method.min_mentions)
    ).pivot_table(index="theme_id", columns="segment_value", values="small", aggfunc="first")
    small = small.reindex(index=order, columns=values).fillna(True).astype(bool)
    z = impact.where(~small)
    text = [
        [
            "" if pd.isna(m) else (f"n<{data.method.min_mentions}" if s else f"{v:+.1f}")
            for v, m, s in zip(zr, mr, sr, strict=True)
        ]
        for zr, mr, sr in zip(
            impact.to_numpy(), mentions.to_numpy(), small.to_numpy(), strict=True
        )
    ]
    limit = max(
        1.0, float(np.nanmax(np.abs(z.to_numpy(dtype=float)))) if z.notna().any().any() else 1.0
    )
    labels = [plot_text(data.labels.get(t, str(t)), limit=36) for t in order]
    columns = [plot_text(v, limit=20) for v in values]
    heatmap = {
        "type": "heatmap",
        "z": z.to_numpy(dtype=float).tolist(),
        "x": columns,
        "y": labels,
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 10},
        "colorscale": "RdBu",
        "zmid": 0,
        "zmin": -limit,
        "zmax": limit,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"title": {"text": "NPS points"}},
        "hovertemplate": "%{y}<br>%{x}: %{text}<extra></extra>",
    }
    return _figure(
        [heatmap],
        _layout(
            f"Impact on NPS by {plot_text(segment)} (blank or n&lt;{data.method.min_mentions}:"
            " too few mentions)",
            max(260, 60 + 26 * len(order)),
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis={"side": "bottom", "automargin": True},
            margin={"l": 10, "r": 10, "t": 50, "b": 40},
        ),
    )


def channel_view(data: ReportData) -> Figure | None:
    """Mentions of each shown theme per channel: survey respondents, chats, social posts."""
    overall = data.drivers[data.drivers["segment"] == "all"].set_index("theme_id")
    shown = [t for t in _shown_themes(data) if t in overall.index]
    if not shown:
        return None
    rows = overall.loc[shown]
    labels = [plot_text(label, limit=36) for label in rows["label"]]
    traces = [
        {
            "type": "bar",
            "y": labels,
            "x": rows[column],
            "name": channel,
            "orientation": "h",
            "marker": {"color": CHANNEL_COLOURS[channel]},
            "hovertemplate": f"%{{y}}<br>{channel}: %{{x}} mentions<extra></extra>",
        }
        for channel, column in (
            ("survey", "mentions"),
            ("chat", "chat_mentions"),
            ("social", "social_mentions"),
        )
    ]
    return _figure(
        traces,
        _layout(
            "Mentions per channel",
            max(300, 80 + 28 * len(shown)),
            barmode="group",
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis={"title": {"text": "Mentions"}},
            legend={"orientation": "h", "y": -0.12},
            margin={"l": 10, "r": 20, "t": 50, "b": 80},
        ),
    )


def theme_report_figures(data: ReportData) -> dict[str, Figure]:
    """Every figure of the theme report by its id (a figure with no data is left out)."""
    figures: dict[str, Figure | None] = {
        "nps-trend": nps_trend(data),
        "drivers": driver_chart(data),
        "theme-trends": theme_trends(data),
        **{f"heatmap-{segment}": segment_heatmap(data, segment) for segment in HEATMAP_SEGMENTS},
        "channels": channel_view(data),
    }
    return {key: figure for key, figure in figures.items() if figure is not None}
