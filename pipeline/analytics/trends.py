"""Theme volume and impact week by week, and the themes that are emerging or spiking.

A theme is tested every week against its own baseline: the records of the last
``recent_weeks`` weeks (the recent window) against those of the ``baseline_weeks`` weeks
before it. The test is the exact conditional test for two Poisson rates (Przyborowski and
Wilenski): given the theme's mentions in both windows, the recent window's count is binomial
with p = recent records / all records of both windows when the rate has not changed; the
p-value is that binomial's upper tail. The week's p-values are adjusted across themes with
Benjamini-Hochberg. A theme is flagged when the adjusted p-value is under ``alpha``, the recent
window holds at least ``min_mentions`` mentions and the rate at least ``min_ratio`` times the
baseline rate: **emerging** when its baseline share was under ``emerging_share`` (rare or
unseen before), **spiking** otherwise. Consecutive flagged weeks make one alert.
"""

from __future__ import annotations

from functools import partial
from typing import Final

import numpy as np
import pandas as pd

from pipeline.analytics.drivers import benjamini_hochberg
from pipeline.analytics.metrics import nps_coding
from pipeline.config import TrendsConfig

#: Columns of `theme_trends`' result.
TREND_COLUMNS: Final = (
    "theme_id", "week", "records", "mentions", "share", "respondents", "respondent_mentions",
    "nps_with", "nps_impact", "sentiment",
)  # fmt: skip
#: Columns of `theme_alerts`' result.
ALERT_COLUMNS: Final = (
    "theme_id", "kind", "since", "last_week", "active", "weeks", "recent_mentions",
    "recent_records", "baseline_mentions", "baseline_records", "ratio", "p_value", "q_value",
    "test",
)  # fmt: skip
TEST_NAME: Final = "conditional binomial test of two Poisson rates, Benjamini-Hochberg"


def theme_trends(records: pd.DataFrame, mentions: pd.DataFrame, weeks: pd.Series) -> pd.DataFrame:
    """Weekly volume, share, NPS impact and sentiment per theme.

    Args:
        records: One row per record: ``record_id``, ``score_type``, ``score`` (all channels
            count for volume; only NPS answers for impact).
        mentions: ``record_id``, ``theme_id``, ``sentiment`` (the mean sentiment of the
            record's units in the theme).
        weeks: Monday of each record's week (index aligned with ``records``).

    Returns:
        `TREND_COLUMNS`, one row per theme and week in which the theme was mentioned or
        anything was recorded; ``nps_impact`` is NPS(all respondents that week) - NPS(those
        not mentioning the theme), NaN where nobody answered the NPS question.
    """
    frame = records.assign(week=weeks.to_numpy())
    is_nps = (frame["score_type"] == "nps") & frame["score"].notna()
    frame["coding"] = np.nan
    frame.loc[is_nps, "coding"] = nps_coding(frame.loc[is_nps, "score"])
    per_week = frame.groupby("week").agg(
        records=("record_id", "size"),
        respondents=("coding", "count"),
        coding_sum=("coding", "sum"),
    )
    joined = mentions.merge(frame[["record_id", "week", "coding"]], on="record_id")
    per_theme = joined.groupby(["theme_id", "week"]).agg(
        mentions=("record_id", "nunique"),
        respondent_mentions=("coding", "count"),
        mention_sum=("coding", "sum"),
        sentiment=("sentiment", "mean"),
    )
    themes = mentions["theme_id"].drop_duplicates().sort_values()
    grid = pd.MultiIndex.from_product([themes, per_week.index], names=["theme_id", "week"])
    table = per_theme.reindex(grid).reset_index().merge(per_week.reset_index(), on="week")
    table[["mentions", "respondent_mentions", "mention_sum"]] = table[
        ["mentions", "respondent_mentions", "mention_sum"]
    ].fillna(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = table["mentions"] / table["records"]
        table["nps_with"] = 100 * table["mention_sum"] / table["respondent_mentions"]
        without = (table["coding_sum"] - table["mention_sum"]) / (
            table["respondents"] - table["respondent_mentions"]
        )
        impact = 100 * (table["coding_sum"] / table["respondents"] - without)
    table["nps_impact"] = np.where(table["respondent_mentions"] == 0, 0.0, impact)
    table.loc[table["respondents"] == 0, "nps_impact"] = np.nan
    for column in ("mentions", "respondent_mentions"):
        table[column] = table[column].astype("int64")
    return table[list(TREND_COLUMNS)].sort_values(["theme_id", "week"]).reset_index(drop=True)


def _window_sum(values: np.ndarray, lag: int, length: int, *, ends: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over the ``length`` weeks ending ``lag`` weeks before each end."""
    padded = np.concatenate([np.zeros(length + lag), np.cumsum(values)])
    return padded[ends + length + lag] - padded[ends + lag]


def _window_counts(trends: pd.DataFrame, rule: TrendsConfig) -> pd.DataFrame:
    """Per theme and week: mentions and records in the recent and the baseline window."""
    frames = []
    for _, group in trends.groupby("theme_id"):
        weekly = group.sort_values("week")
        mentions = weekly["mentions"].to_numpy(dtype=float)
        records = weekly["records"].to_numpy(dtype=float)
        ends = np.arange(len(weekly))
        first_mention = int(np.argmax(mentions > 0)) if (mentions > 0).any() else len(weekly)
        window = partial(_window_sum, ends=ends)
        frames.append(
            weekly[["theme_id", "week"]].assign(
                recent_mentions=window(mentions, 0, rule.recent_weeks),
                recent_records=window(records, 0, rule.recent_weeks),
                baseline_mentions=window(mentions, rule.recent_weeks, rule.baseline_weeks),
                baseline_records=window(records, rule.recent_weeks, rule.baseline_weeks),
                baseline_weeks=np.clip(ends - rule.recent_weeks + 1, 0, rule.baseline_weeks),
                new_theme=ends - first_mention < rule.recent_weeks,
            )
        )
    return pd.concat(frames, ignore_index=True)


def theme_alerts(trends: pd.DataFrame, *, rule: TrendsConfig) -> pd.DataFrame:
    """Themes whose mentions rose significantly above their own baseline.

    Args:
        trends: `theme_trends` output (``theme_id``, ``week``, ``mentions``, ``records``).
        rule: Windows and thresholds (see `TrendsConfig`).

    Returns:
        `ALERT_COLUMNS`, one row per run of consecutive flagged weeks of a theme and kind:
        the first and last flagged week, whether the latest week is flagged (``active``), and
        the counts, rate ratio and p-values of the last flagged week.
    """
    from scipy import stats

    if trends.empty:
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    counts = _window_counts(trends, rule)
    counts = counts[(counts["baseline_weeks"] >= rule.min_baseline_weeks)].copy()
    if counts.empty:
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    total = counts["recent_mentions"] + counts["baseline_mentions"]
    expected_share = counts["recent_records"] / (
        counts["recent_records"] + counts["baseline_records"]
    )
    counts["p_value"] = [
        float(stats.binomtest(int(k), int(m), float(p), alternative="greater").pvalue)
        if m > 0 and 0 < p < 1
        else 1.0
        for k, m, p in zip(counts["recent_mentions"], total, expected_share, strict=True)
    ]
    counts["q_value"] = counts.groupby("week")["p_value"].transform(
        lambda p: benjamini_hochberg(p.to_numpy())
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        recent_rate = counts["recent_mentions"] / counts["recent_records"]
        baseline_rate = counts["baseline_mentions"] / counts["baseline_records"]
        counts["ratio"] = recent_rate / baseline_rate
    counts["kind"] = np.where(
        (baseline_rate < rule.emerging_share) | counts["new_theme"], "emerging", "spiking"
    )
    flagged = counts[
        (counts["q_value"] < rule.alpha)
        & (counts["recent_mentions"] >= rule.min_mentions)
        & (counts["ratio"] >= rule.min_ratio)
    ]
    latest = trends["week"].max()
    return _episodes(flagged, trends, latest)


def _episodes(flagged: pd.DataFrame, trends: pd.DataFrame, latest: object) -> pd.DataFrame:
    """Join consecutive flagged weeks of one theme and kind into one alert."""
    weeks = {week: i for i, week in enumerate(sorted(trends["week"].unique()))}
    alerts = []
    for (theme_id, kind), group in flagged.groupby(["theme_id", "kind"]):
        rows = group.sort_values("week")
        position = rows["week"].map(weeks).to_numpy()
        breaks = np.flatnonzero(np.diff(position) > 1) + 1
        for run in np.split(np.arange(len(rows)), breaks):
            last = rows.iloc[run[-1]]
            alerts.append(
                {
                    "theme_id": theme_id,
                    "kind": kind,
                    "since": rows.iloc[run[0]]["week"],
                    "last_week": last["week"],
                    "active": last["week"] == latest,
                    "weeks": len(run),
                    **{
                        name: last[name]
                        for name in (
                            "recent_mentions",
                            "recent_records",
                            "baseline_mentions",
                            "baseline_records",
                            "ratio",
                            "p_value",
                            "q_value",
                        )
                    },
                    "test": TEST_NAME,
                }
            )
    if not alerts:
        return pd.DataFrame(columns=list(ALERT_COLUMNS))
    table = pd.DataFrame(alerts)
    for name in ("recent_mentions", "recent_records", "baseline_mentions", "baseline_records"):
        table[name] = table[name].astype("int64")
    return (
        table[list(ALERT_COLUMNS)]
        .sort_values(["active", "last_week", "q_value"], ascending=[False, False, True])
        .reset_index(drop=True)
    )


def trend_direction(trends: pd.DataFrame, *, weeks: int = 8) -> pd.Series:
    """Per theme: "rising", "falling" or "steady" — the sign of a significant slope.

    The least-squares slope of the weekly share of records mentioning the theme over the last
    ``weeks`` weeks; "steady" unless its p-value is under 0.05 (and with fewer than five
    mentions or three weeks).
    """
    from scipy import stats

    result = {}
    for theme_id, weekly in trends.groupby("theme_id"):
        tail = weekly.sort_values("week").tail(weeks)
        share = tail["mentions"] / tail["records"].clip(lower=1)
        if tail["mentions"].sum() < 5 or len(tail) < 3:
            result[theme_id] = "steady"
            continue
        fit = stats.linregress(np.arange(len(tail)), share)
        result[theme_id] = (
            "steady" if not fit.pvalue < 0.05 else ("rising" if fit.slope > 0 else "falling")
        )
    return pd.Series(result, name="trend", dtype="object")
