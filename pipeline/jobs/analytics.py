"""Analytics jobs: scores by segment, drivers, trends and alerts, follow-ups.

Joins the pure analytics stages (`pipeline.analytics.metrics`, `pipeline.analytics.drivers`,
`pipeline.analytics.priorities`, `pipeline.analytics.trends`, `pipeline.analytics.followup`) to the
warehouse, so `verbatim analyse`, `verbatim drivers` and the nightly flow compute exactly the same
tables. All tables are written in one transaction; a run killed before it leaves the previous
results whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from pipeline.analytics.followup import (
    QUEUED,
    build_followups,
    churn_count,
    followup_candidates,
    state_counts,
)
from pipeline.analytics.metrics import nps_by_segment, period_starts
from pipeline.analytics.priorities import (
    TOPIC,
    driver_titles,
    drivers_report,
    headline_level,
    shown_level,
    theme_levels,
    topic_quotes,
    topic_routes,
    verdict_shares,
    whole_topic_mentions,
)
from pipeline.analytics.trends import theme_alerts, theme_trends, trend_direction
from pipeline.config import Config
from pipeline.errors import NoAnalyticsError, UnknownValueError, VerbatimError
from pipeline.schemas import ALERTS, DRIVERS, FOLLOWUPS, NPS_BY_SEGMENT, THEME_TRENDS
from pipeline.sentiment.lexicon import verdict_only
from pipeline.storage.warehouse import Warehouse, jsonable_row, open_warehouse
from pipeline.themes.words import stop_words

logger = logging.getLogger(__name__)

#: The keys `verbatim drivers --json` promises for every theme.
DRIVER_JSON_KEYS: Final = (
    "theme_id", "label", "level", "segment", "segment_value", "role", "rank", "strength_rank",
    "mentions", "respondents", "flagged", "detractor_share", "passive_share", "promoter_share",
    "sentiment", "nps_impact", "ci_low", "ci_high", "p_value", "q_value", "adjusted_impact",
    "adjusted_ci_low", "adjusted_ci_high", "recoverable", "trend", "alert", "chat_mentions",
    "chat_csat", "social_mentions", "social_sentiment", "verdict_share", "quotes", "polarity",
    "title",
)  # fmt: skip


@dataclass(frozen=True)
class AnalyticsReport:
    """What one analytics run computed.

    Attributes:
        respondents: NPS answers analysed.
        themes: Themes and parents with a drivers row (overall).
        detractor_drivers: Themes (leaf level) ranked in the improvement list.
        strengths: Themes (leaf level) that are strengths.
        alerts: Alerts (all flags, past and active).
        active_alerts: Alerts flagged in the latest week.
        followups: Follow-up rows.
        queued: Follow-ups queued for a call-back.
        at_risk: Follow-ups whose customer is at risk.
        churn_intent: Follow-ups whose comment states churn intent.
        open: Queued follow-ups open for a call-back (not done, not expired).
        done: Queued follow-ups an agent marked done.
        expired: Queued follow-ups that expired before anyone marked them done.
        segment_rows: Rows of `nps_by_segment`.
        seconds: Wall time.
        computed_at: When it ran (UTC).
        skipped: Why nothing was recomputed (the counts are then of the tables as they are);
            None when the tables were computed.
    """

    respondents: int
    themes: int
    detractor_drivers: int
    strengths: int
    alerts: int
    active_alerts: int
    followups: int
    queued: int
    at_risk: int
    segment_rows: int
    seconds: float
    computed_at: str
    skipped: str | None = None
    churn_intent: int = 0
    open: int = 0
    done: int = 0
    expired: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)


def _alert_ids(alerts: pd.DataFrame) -> pd.Series:
    keys = (
        alerts["theme_id"].astype(str) + "|" + alerts["kind"] + "|" + alerts["since"].astype(str)
    )
    return keys.map(lambda key: hashlib.sha256(key.encode()).hexdigest()[:16])


def compute_analytics(
    warehouse: Warehouse, cfg: Config, *, now: dt.datetime | None = None
) -> dict[str, pd.DataFrame]:
    """Every analytics table, computed from the warehouse (nothing written).

    Args:
        warehouse: An open warehouse.
        cfg: The configuration.
        now: The run's timestamp (``computed_at``; ``listed_at`` of new follow-ups).

    Returns:
        Table name -> content, for `nps_by_segment`, `drivers`, `theme_trends`, `alerts` and
        `followups`.
    """
    stamp = pd.Timestamp(now or dt.datetime.now(dt.UTC))
    segments = list(dict.fromkeys([*cfg.metrics.segments, *cfg.drivers.segments]))
    records = warehouse.analytics.analytics_records(segments)
    ranges = cfg.ingest.score_ranges
    scales = {"nps": ranges.nps, "csat": ranges.csat, "ces": ranges.ces}
    by_segment = nps_by_segment(
        records, segments=cfg.metrics.segments, periods=cfg.metrics.periods, scales=scales,
        timezone=cfg.ingest.timezone, min_n=cfg.metrics.min_n,
        confidence=cfg.metrics.confidence,
    )  # fmt: skip
    themes = warehouse.analytics.analytics_themes()
    mentions = warehouse.analytics.theme_mentions()
    topics = warehouse.analytics.analytics_topics()
    topic_mentions = warehouse.analytics.topic_mentions()
    catalogue, both = theme_levels(themes, mentions)
    live_topics = topics[topics["status"] == "active"]
    whole_topics = whole_topic_mentions(topic_mentions)
    whole_topics = whole_topics[whole_topics["theme_id"].isin(live_topics["topic_id"])]
    level = pd.concat(
        [catalogue.set_index("theme_id")["level"],
         pd.Series(TOPIC, index=live_topics["topic_id"].astype("int64"))]
    )  # fmt: skip
    label = pd.concat(
        [catalogue.set_index("theme_id")["label"],
         live_topics.set_index(live_topics["topic_id"].astype("int64"))["label"]]
    )  # fmt: skip
    counted = records[~records["is_duplicate"].fillna(False).astype(bool)]
    weeks = period_starts(counted["created_at"], "week", timezone=cfg.ingest.timezone)
    trends = theme_trends(counted, pd.concat([whole_topics, both], ignore_index=True), weeks)
    alerts = theme_alerts(trends, rule=cfg.trends)
    if not alerts.empty:
        alerts = alerts.assign(
            alert_id=_alert_ids(alerts),
            level=alerts["theme_id"].map(level),
            label=alerts["theme_id"].map(label),
        )
    respondents = records[(records["score_type"] == "nps") & records["score"].notna()]
    topic_free = stop_words(cfg.themes.stop_words)
    quotes = pd.concat(
        [topic_quotes(warehouse.analytics.topic_quote_candidates()),
         warehouse.analytics.quote_candidates()],
        ignore_index=True,
    )  # fmt: skip
    quotes["verdict"] = verdict_only(quotes["text"].tolist(), ignore=topic_free)
    drivers = drivers_report(
        respondents, themes, mentions, records, settings=cfg.drivers, metrics=cfg.metrics,
        trend=trend_direction(trends, weeks=cfg.trends.direction_weeks),
        alerts=alerts[alerts["active"]] if not alerts.empty else None,
        quote_candidates=quotes,
        verdicts=verdict_shares(
            warehouse.analytics.theme_unit_sample(), themes, ignore=topic_free
        ),
        csat_scale=ranges.csat, topics=topics, topic_mentions=topic_mentions,
    )  # fmt: skip
    previous = warehouse.read_table(FOLLOWUPS.name)
    called = followup_candidates(records, cfg.followup)["record_id"].tolist()
    routed, routes = (
        topic_routes(live_topics, whole_topics) if not live_topics.empty else (mentions, themes)
    )
    followups = build_followups(
        records, routed, warehouse.analytics.units_of(called), routes,
        rule=cfg.followup, previous=previous,
        comments=warehouse.followups.comments_of(called),
        actions=warehouse.followups.actions(), scales=scales,
        segments=cfg.metrics.segments, now=stamp.to_pydatetime(),
    )  # fmt: skip
    return {
        NPS_BY_SEGMENT.name: by_segment.assign(computed_at=stamp),
        DRIVERS.name: drivers.assign(computed_at=stamp),
        THEME_TRENDS.name: trends.assign(level=trends["theme_id"].map(level), computed_at=stamp),
        ALERTS.name: alerts.assign(computed_at=stamp),
        FOLLOWUPS.name: followups,
    }


#: `pipeline_state` key of the fingerprint of the inputs the analytics tables were computed from.
ANALYTICS_INPUTS: Final = "analytics_inputs"


def analytics_fingerprint(warehouse: Warehouse, cfg: Config, now: dt.datetime) -> str:
    """A digest of everything the analytics tables depend on.

    The warehouse's inputs (records, enrichment, sentiment, theme assignments, the themes and
    their names), the settings that shape the tables (metrics, drivers, trends, follow-up,
    the time zone) and the day of ``now`` (trends, alerts and follow-up windows move with it).
    Equal fingerprints mean recomputing would write the same tables.
    """
    settings = json.dumps(
        {
            "metrics": cfg.metrics.model_dump(mode="json"),
            "drivers": cfg.drivers.model_dump(mode="json"),
            "trends": cfg.trends.model_dump(mode="json"),
            "followup": cfg.followup.model_dump(mode="json"),
            "timezone": cfg.ingest.timezone,
            "day": pd.Timestamp(now).tz_convert("UTC").date().isoformat(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(
        f"{warehouse.analytics.analytics_inputs()}|{settings}".encode()
    ).hexdigest()[:16]


def analytics_ran(warehouse: Warehouse) -> bool:
    """Whether an analysis has written the analytics tables of this warehouse.

    `update_analytics` stores its inputs' fingerprint with the tables; a warehouse analysed by
    a version that did not counts as analysed when it holds scores.
    """
    return (
        warehouse.runs.state(ANALYTICS_INPUTS) is not None
        or warehouse.count_rows(NPS_BY_SEGMENT.name) > 0
    )


def require_analytics(cfg: Config) -> None:
    """Check that the analytics tables were computed (the commands that show them call it).

    Raises:
        NoAnalyticsError: When no analysis has run in this warehouse.
        WarehouseError: When there is no warehouse.
    """
    with open_warehouse(cfg, read_only=True) as warehouse:
        if not analytics_ran(warehouse):
            raise NoAnalyticsError()


def update_analytics(
    cfg: Config, *, now: dt.datetime | None = None, only_if_changed: bool = False
) -> AnalyticsReport:
    """Recompute every analytics table and write them in one transaction.

    Args:
        cfg: The configuration.
        now: The run's timestamp (default: now, UTC).
        only_if_changed: Skip the computation when nothing it depends on changed since the
            tables were last written (`analytics_fingerprint`); the nightly flow's setting,
            so that a run with nothing new finishes in seconds. The report then counts the
            tables as they are, with ``skipped`` saying why.

    Returns:
        Counts of what was computed (or is there, when skipped).
    """
    started = time.perf_counter()
    stamp = now or dt.datetime.now(dt.UTC)
    with open_warehouse(cfg) as warehouse:
        fingerprint = analytics_fingerprint(warehouse, cfg, stamp)
        if only_if_changed and warehouse.runs.state(ANALYTICS_INPUTS) == fingerprint:
            tables = {name: warehouse.read_table(name) for name in _REPORTED}
            return _report(tables, started, stamp, skipped="nothing new since the last analysis")
        tables = compute_analytics(warehouse, cfg, now=stamp)
        warehouse.analytics.write_analytics(
            tables, state={ANALYTICS_INPUTS: fingerprint}, now=stamp
        )
    return _report(tables, started, stamp)


#: Tables the report counts.
_REPORTED: Final = (DRIVERS.name, ALERTS.name, FOLLOWUPS.name, NPS_BY_SEGMENT.name)


def _report(
    tables: Mapping[str, pd.DataFrame],
    started: float,
    stamp: dt.datetime,
    *,
    skipped: str | None = None,
) -> AnalyticsReport:
    drivers = tables[DRIVERS.name]
    overall = drivers[(drivers["segment"] == "all")]
    leaves = headline_level(overall)
    alerts, followups = tables[ALERTS.name], tables[FOLLOWUPS.name]
    scores = tables[NPS_BY_SEGMENT.name]
    everyone = scores[
        (scores["metric"] == "nps") & (scores["period"] == "all") & (scores["segment"] == "all")
    ]
    respondents = int(everyone["n"].sum())
    return AnalyticsReport(
        respondents=respondents,
        themes=len(overall),
        detractor_drivers=int((leaves["role"] == "detractor_driver").sum()),
        strengths=int((leaves["role"] == "strength").sum()),
        alerts=len(alerts),
        active_alerts=int(alerts["active"].sum()) if not alerts.empty else 0,
        followups=len(followups),
        queued=int((followups["status"] == QUEUED).sum()) if not followups.empty else 0,
        at_risk=int(followups["at_risk"].sum()) if not followups.empty else 0,
        churn_intent=churn_count(followups),
        **state_counts(followups, stamp),
        segment_rows=len(scores),
        seconds=round(time.perf_counter() - started, 2),
        computed_at=pd.Timestamp(stamp).isoformat(),
        skipped=skipped,
    )


def driver_rows(
    cfg: Config, *, segment: str = "all", level: str = "topic"
) -> list[dict[str, Any]]:
    """The stored drivers of one segment and level, improvement list first.

    Args:
        cfg: The configuration.
        segment: "all" or a segment column in ``drivers.segments``.
        level: "topic" (a workspace without topics gives its themes), "theme" (sub-themes)
            or "parent".

    Returns:
        One dict per theme (and segment value): ranked detractor drivers by rank, then
        strengths by strength rank, then the rest by impact.

    Raises:
        NoAnalyticsError: When no analysis has run yet.
        UnknownValueError: For a segment with no drivers stored (the error lists those with).
        VerbatimError: When the last analysis found no themes to rank.
    """
    with open_warehouse(cfg, read_only=True) as warehouse:
        if not analytics_ran(warehouse):
            raise NoAnalyticsError()
        drivers = warehouse.read_table(DRIVERS.name)
    if drivers.empty:
        raise VerbatimError(
            "no drivers yet: the last analysis found no themes; run `verbatim themes assign` "
            "(or `verbatim run`), then `verbatim analyse`"
        )
    segments = ["all", *sorted(set(drivers["segment"]) - {"all"})]
    if segment not in segments:
        raise UnknownValueError(
            "segment", segment, segments,
            hint="Add it to drivers.segments in verbatim.toml and run `verbatim analyse`",
        )  # fmt: skip
    level = shown_level(drivers, level)
    chosen = drivers[(drivers["segment"] == segment) & (drivers["level"] == level)]
    chosen = chosen.assign(title=driver_titles(chosen, cfg.reports.language))
    if chosen.empty:
        levels = sorted(set(drivers.loc[drivers["segment"] == segment, "level"]))
        raise UnknownValueError(f"drivers of segment {segment!r} at level", level, levels)
    order = chosen.assign(
        _group=np.select([chosen["rank"].notna(), chosen["strength_rank"].notna()], [0, 1], 2),
        _within=chosen["rank"].fillna(chosen["strength_rank"]).fillna(0),
    ).sort_values(["segment_value", "_group", "_within", "nps_impact"])
    return [
        jsonable_row({key: row[key] for key in DRIVER_JSON_KEYS})
        for row in order.to_dict("records")
    ]


def alert_rows(
    cfg: Config, *, active_only: bool = True, level: str | None = None
) -> list[dict[str, Any]]:
    """The stored alerts (active ones only unless told otherwise), newest first.

    Args:
        cfg: The configuration.
        active_only: Leave out past alerts.
        level: Only alerts of this level ("topic", "theme", "parent"); "topic" in a workspace
            without topics gives its themes'; None: every level.

    Raises:
        NoAnalyticsError: When no analysis has run yet (no alert was looked for; an empty
            list means none was found).
    """
    with open_warehouse(cfg, read_only=True) as warehouse:
        if not analytics_ran(warehouse):
            raise NoAnalyticsError()
        alerts = warehouse.read_table(ALERTS.name)
        has_topics = warehouse.count_rows("topics") > 0
    if active_only and not alerts.empty:
        alerts = alerts[alerts["active"]]
    if level is not None and not alerts.empty:
        wanted = "theme" if level == TOPIC and not has_topics else level
        alerts = alerts[alerts["level"] == wanted]
    return [jsonable_row(row) for row in alerts.to_dict("records")]


def score_rows(
    cfg: Config, *, metric: str = "nps", period: str = "all", segment: str = "all"
) -> list[dict[str, Any]]:
    """Stored `nps_by_segment` rows of one metric, period kind and segment.

    Raises:
        NoAnalyticsError: When no analysis has run yet.
        UnknownValueError: For a metric, period kind or segment with no scores stored (the
            error lists those with).
        VerbatimError: When the last analysis found no scores at all.
    """
    with open_warehouse(cfg, read_only=True) as warehouse:
        if not analytics_ran(warehouse):
            raise NoAnalyticsError()
        scores = warehouse.read_table(NPS_BY_SEGMENT.name)
    if scores.empty:
        raise VerbatimError(
            "no scores yet: the last analysis found no NPS, CSAT or CES answers; ingest some "
            "and run `verbatim analyse`"
        )
    for what, value, hint in (
        ("metric", metric, "Only metrics with answers in the warehouse have scores"),
        ("period", period, "Periods are set by metrics.periods in verbatim.toml"),
        ("segment", segment, "Add it to metrics.segments in verbatim.toml and run "
         "`verbatim analyse`"),
    ):  # fmt: skip
        stored = sorted(set(scores[what].dropna().astype(str)))
        if value not in stored:
            raise UnknownValueError(what, value, stored, hint=hint)
    chosen = scores[
        (scores["metric"] == metric)
        & (scores["period"] == period)
        & (scores["segment"] == segment)
    ].sort_values(["period_start", "rank", "segment_value"], na_position="last")
    return [jsonable_row(row) for row in chosen.drop(columns="computed_at").to_dict("records")]
