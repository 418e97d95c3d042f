"""Weekly theme trends and emerging / spiking alerts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pipeline.analytics.trends import (
    ALERT_COLUMNS,
    theme_alerts,
    theme_trends,
    trend_direction,
)
from pipeline.config import TrendsConfig

WEEKS = [dt.date(2026, 6, 1) + dt.timedelta(weeks=i) for i in range(20)]

#: The configured defaults.
RULE = TrendsConfig()


def _trends(counts: dict[int, list[int]], records: int = 400) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"theme_id": theme, "week": week, "mentions": n, "records": records}
            for theme, series in counts.items()
            for week, n in zip(WEEKS, series, strict=True)
        ]
    )


def _poisson(rate: float, weeks: int, seed: int) -> list[int]:
    return np.random.default_rng(seed).poisson(rate, weeks).tolist()


def test_a_spike_of_an_established_theme_is_flagged_since_it_began() -> None:
    steady = _poisson(20, 20, seed=1)
    spiking = [*_poisson(20, 17, seed=2), 60, 70, 65]
    alerts = theme_alerts(_trends({1: steady, 2: spiking}), rule=RULE)
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    assert alerts["theme_id"].tolist() == [2]
    alert = alerts.iloc[0]
    assert alert["kind"] == "spiking" and alert["active"]
    assert alert["since"] == WEEKS[17] and alert["last_week"] == WEEKS[19]
    assert alert["ratio"] > 2 and alert["q_value"] < 0.05
    assert "Poisson" in alert["test"]


def test_a_theme_rare_before_is_emerging_and_an_old_spike_is_inactive() -> None:
    rare = [0] * 16 + [1, 0, 12, 15]
    old_spike = [10] * 5 + [40, 45] + [10] * 13
    alerts = theme_alerts(_trends({3: rare, 4: old_spike}), rule=RULE).set_index("theme_id")
    assert alerts.loc[3, "kind"] == "emerging" and alerts.loc[3, "active"]
    assert alerts.loc[4, "kind"] == "spiking" and not alerts.loc[4, "active"]
    assert alerts.loc[4, "since"] == WEEKS[5]


def test_noise_alone_raises_no_alert_across_many_themes() -> None:
    counts = {theme: _poisson(15, 20, seed=theme) for theme in range(40)}
    assert theme_alerts(_trends(counts), rule=RULE).empty


def test_a_rise_explained_by_more_records_is_not_a_spike() -> None:
    frame = _trends({5: [10] * 17 + [30, 30, 30]})
    frame.loc[frame["week"] >= WEEKS[17], "records"] = 1200
    assert theme_alerts(frame, rule=RULE).empty


def test_small_counts_do_not_alert() -> None:
    rule = TrendsConfig(min_mentions=5)
    assert theme_alerts(_trends({6: [0] * 18 + [2, 2]}), rule=rule).empty


def test_theme_trends_count_weekly_mentions_share_and_impact() -> None:
    records = pd.DataFrame(
        {
            "record_id": ["a", "b", "c", "d", "e"],
            "score_type": ["nps", "nps", "nps", "chat", "nps"],
            "score": [0.0, 10.0, 10.0, np.nan, 5.0],
        }
    )
    records.loc[3, "score_type"] = "csat"
    weeks = pd.Series([WEEKS[0]] * 4 + [WEEKS[1]])
    mentions = pd.DataFrame(
        {"record_id": ["a", "d", "e"], "theme_id": [7, 7, 7], "sentiment": [-0.5, -1.0, 0.0]}
    )
    trends = theme_trends(records, mentions, weeks).set_index("week")
    first = trends.loc[WEEKS[0]]
    assert first["records"] == 4 and first["mentions"] == 2 and first["share"] == 0.5
    assert first["respondents"] == 3 and first["respondent_mentions"] == 1
    # NPS of a, b, c: (2 - 1) / 3; without a: +100
    assert first["nps_impact"] == pytest.approx(100 / 3 - 100)
    assert first["sentiment"] == pytest.approx(-0.75)
    assert trends.loc[WEEKS[1], "nps_with"] == pytest.approx(-100)


def test_trend_direction_needs_a_significant_slope() -> None:
    rising = list(range(5, 25))
    flat = _poisson(15, 20, seed=9)
    direction = trend_direction(_trends({1: rising, 2: flat}), weeks=8)
    assert direction[1] == "rising" and direction[2] == "steady"
