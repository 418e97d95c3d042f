"""What the reports show, read from the warehouse's analytics tables (redacted text only).

`ReportData` is plain frames and values; `pipeline.jobs.reports` reads it from the warehouse and
the renderers (`pipeline.reports.render`) turn it into HTML. The headline and the improvement
list come from the run summary (`pipeline.analytics.summary.RunSummary`), the same object the
Prefect artifacts are written from, so the report and the artifacts never disagree.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from pipeline.analytics.followup import QUEUED, STATES, current_states, open_queue
from pipeline.analytics.summary import Estimate, RunSummary

#: Segments shown in the heatmap, when the drivers table has them.
HEATMAP_SEGMENTS = ("team", "product")


@dataclass(frozen=True)
class Window:
    """The records of one source the report covers."""

    source: str
    records: int
    first: dt.datetime | None
    last: dt.datetime | None


@dataclass(frozen=True)
class Method:
    """What the method section states: models, settings and the data window.

    Attributes:
        theme_model: Version of the theme model that assigned the themes.
        sentiment_model: ``name@version`` of the sentiment model.
        embedding_model: The embedder's ``name@version`` (its configured name before any
            unit was embedded).
        seed: The workspace's random seed (``run.seed``): with the same data it reproduces
            the themes, intervals and follow-ups.
        themes: Active themes (leaves).
        respondents: NPS answers the drivers were computed from.
        confidence: Interval coverage (0.95).
        resamples: Bootstrap resamples of the impact intervals.
        min_n: Answers below which a segment is flagged, not ranked.
        min_mentions: Mentioning respondents below which a theme is not ranked.
        alpha: Largest Benjamini-Hochberg q-value counted as significant.
        windows: The records per source, with their first and last dates.
        analysed_at: When the analytics tables were computed.
    """

    theme_model: str | None
    sentiment_model: str | None
    embedding_model: str
    themes: int
    respondents: int
    confidence: float
    resamples: int
    min_n: int
    min_mentions: int
    alpha: float
    windows: list[Window]
    analysed_at: dt.datetime | None
    seed: int = 0


@dataclass(frozen=True)
class Change:
    """The latest period's value against the previous period's, with the difference's margin."""

    latest: Estimate
    previous: Estimate

    @property
    def difference(self) -> float:
        """Latest minus previous."""
        return self.latest.value - self.previous.value

    @property
    def margin(self) -> float:
        """Margin of the difference (independent periods: margins added in quadrature)."""
        return math.hypot(self.latest.margin, self.previous.margin)

    @property
    def significant(self) -> bool:
        """Whether the difference's interval excludes 0."""
        return not math.isnan(self.margin) and abs(self.difference) > self.margin


@dataclass(frozen=True)
class ReportData:
    """Everything the theme report and the CX report show.

    Attributes:
        summary: The run summary (headline scores, improvement list, strengths, alerts).
        scores: The ``nps_by_segment`` table.
        drivers: The ``drivers`` table at the level shown (every segment).
        trends: The ``theme_trends`` table at the level shown.
        followups: The ``followups`` table (queued and quarantined).
        labels: Theme id -> label of every theme (parents too).
        method: The method section's facts.
        themes_shown: Themes in the trend, heatmap and channel charts.
        followups_shown: Follow-ups listed per owning team in the CX report.
        level: The level shown: "topic" (then ``drivers`` keys a topic's praise row by its
            negated id, and ``labels`` hold each row's title) or "theme".
        trend_labels: Names of the trend lines (topic id -> topic name) where they differ
            from ``labels``.
    """

    summary: RunSummary
    scores: pd.DataFrame
    drivers: pd.DataFrame
    trends: pd.DataFrame
    followups: pd.DataFrame
    labels: dict[int, str]
    method: Method
    themes_shown: int = 12
    followups_shown: int = 200
    level: str = "theme"
    trend_labels: dict[int, str] | None = None

    def change(self, metric: str) -> Change | None:
        """The latest month against the one before, when there are two months."""
        pair = self.summary.latest.get(metric)
        return None if pair is None else Change(latest=pair[0], previous=pair[1])

    def queued(self, now: dt.datetime | None = None) -> pd.DataFrame:
        """Open queued follow-ups (as of ``now``): owner, at-risk first, then priority."""
        queued = open_queue(self.followups, now or dt.datetime.now(dt.UTC))
        if queued.empty:
            return queued
        return queued.sort_values(
            ["owner", "at_risk", "priority"], ascending=[True, False, True]
        ).reset_index(drop=True)

    def state_counts(self, now: dt.datetime | None = None) -> pd.DataFrame:
        """Queued follow-ups per owning team and state: columns open, done, expired."""
        if self.followups.empty:
            return pd.DataFrame(columns=list(STATES))
        queued = self.followups[self.followups["status"] == QUEUED]
        states = current_states(queued, now or dt.datetime.now(dt.UTC))
        return (
            pd.crosstab(queued["owner"], states)
            .reindex(columns=list(STATES), fill_value=0)
            .astype(int)
        )
