"""Drivers at the topic level: a topic's complaints and its praise, verdict and churn unranked."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analytics.priorities import (
    driver_title,
    drivers_report,
    topic_levels,
    topic_quotes,
    topic_routes,
    whole_topic_mentions,
)
from pipeline.config import DriversConfig, MetricsConfig

SETTINGS = DriversConfig(resamples=300, model_resamples=10, segments=[])
METRICS = MetricsConfig(min_n=30)
TOPICS = pd.DataFrame(
    {
        "topic_id": [101, 102, 103, 104, 105],
        "topic_key": ["price_value", "waiting_time", "general_verdict", "churn_threat", "old"],
        "label": ["Price and value", "Waiting time", "General verdict", "Churn threat", "Old"],
        "kind": ["cause", "cause", "verdict", "churn", "cause"],
        "status": ["active", "active", "active", "active", "hidden"],
    }
)


def _world(seed: int = 0, n: int = 1200) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Detractors complain about price and waiting; promoters praise the price; all judge."""
    rng = np.random.default_rng(seed)
    score = rng.choice([2, 5, 7, 8, 9, 10], size=n, p=[0.15, 0.15, 0.15, 0.15, 0.2, 0.2])
    respondents = pd.DataFrame({"record_id": [f"r{i}" for i in range(n)], "score": score})
    rows = []
    for rid, value in zip(respondents["record_id"], score, strict=True):
        if value <= 6 and rng.random() < 0.6:
            rows.append((rid, 101, "negative", 1, -0.8))
        if value <= 6 and rng.random() < 0.5:
            rows.append((rid, 102, "negative", 1, -0.7))
        if value >= 9 and rng.random() < 0.5:
            rows.append((rid, 101, "positive", 1, 0.8))
        if rng.random() < 0.4:
            rows.append((rid, 103, "negative" if value <= 6 else "positive", 1, 0.0))
        if value <= 6 and rng.random() < 0.3:
            rows.append((rid, 104, "negative", 1, -0.6))
        if rng.random() < 0.2:
            rows.append((rid, 105, "negative", 1, -0.5))
    mentions = pd.DataFrame(
        rows, columns=["record_id", "topic_id", "polarity", "units", "sentiment"]
    )
    return respondents, mentions


def _report(respondents: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    themes = pd.DataFrame(
        {"theme_id": pd.Series([], dtype="int64"), "label": pd.Series([], dtype=str),
         "parent_id": pd.array([], dtype="Int64"), "is_parent": pd.Series([], dtype=bool),
         "status": pd.Series([], dtype=str)}
    )  # fmt: skip
    records = respondents.assign(source="survey", score_type="nps")
    return drivers_report(
        respondents, themes, themes.assign(record_id="", units=0, sentiment=0.0).iloc[:0],
        records, settings=SETTINGS, metrics=METRICS, topics=TOPICS, topic_mentions=mentions,
    )  # fmt: skip


def test_each_active_topic_is_two_entries_keyed_apart() -> None:
    _, mentions = _world()
    catalogue, both = topic_levels(TOPICS, mentions)
    assert sorted(catalogue["theme_id"]) == [-104, -103, -102, -101, 101, 102, 103, 104]
    assert set(catalogue["level"]) == {"topic"}
    praise = both[both["theme_id"] == -101]
    wanted = mentions[(mentions["topic_id"] == 101) & (mentions["polarity"] == "positive")]
    assert set(praise["record_id"]) == set(wanted["record_id"])
    assert not both["theme_id"].abs().eq(105).any()  # hidden


def test_complaints_are_drivers_praise_a_strength_verdict_and_churn_never_ranked() -> None:
    respondents, mentions = _world()
    table = _report(respondents, mentions)
    overall = table[table["segment"] == "all"].set_index(["theme_id", "polarity"])
    assert set(table["level"]) == {"topic"} and (table["theme_id"] > 0).all()
    assert overall.loc[(101, "negative"), "role"] == "detractor_driver"
    assert overall.loc[(102, "negative"), "role"] == "detractor_driver"
    assert overall.loc[(101, "positive"), "role"] == "strength"
    assert (
        overall.loc[(101, "negative"), "nps_impact"]
        < 0
        < overall.loc[(101, "positive"), "nps_impact"]
    )
    for key in [(103, "negative"), (103, "positive"), (104, "negative")]:
        assert overall.loc[key, "role"] == "general" and pd.isna(overall.loc[key, "rank"])
    assert sorted(overall["rank"].dropna().astype(int)) == [1, 2]


def test_topic_quotes_split_by_tone_and_whole_mentions_pool_the_tones() -> None:
    candidates = pd.DataFrame(
        {"topic_id": [101, 101, 102], "nps_category": ["detractor", "promoter", "detractor"],
         "text": ["too expensive", "great price", "waited"], "similarity": [0.9, 0.8, 0.7],
         "neutral": [False, False, True], "label": ["negative", "positive", "neutral"]}
    )  # fmt: skip
    keyed = topic_quotes(candidates)
    assert keyed["theme_id"].tolist() == [101, -101, 102]
    _, mentions = _world()
    whole = whole_topic_mentions(mentions)
    assert not whole.duplicated(["record_id", "theme_id"]).any()
    routed, catalogue = topic_routes(TOPICS[TOPICS["status"] == "active"], whole)
    assert catalogue["theme_id"].tolist() == [101, 102]  # verdict and churn never route
    assert catalogue["keywords"].tolist() == [["price_value"], ["waiting_time"]]
    assert set(routed["theme_id"]) == {101, 102}


def test_titles_name_the_tone_in_the_report_language() -> None:
    assert driver_title("Ventetid", "negative", "da") == "Ventetid — klager"
    assert driver_title("Pris", "positive", "sv") == "Pris — beröm"
    assert driver_title("Waiting time", "negative") == "Waiting time — complaints"
    assert driver_title("Hold · telefonkøen", None) == "Hold · telefonkøen"
