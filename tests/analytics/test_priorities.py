"""The improvement list: planted demo drivers come out on top, in order, inside their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analytics.priorities import (
    DRIVER_COLUMNS,
    drivers_report,
    verdict_shares,
)
from pipeline.config import DriversConfig, MetricsConfig
from pipeline.demo import generate_demo
from pipeline.demo.drivers import KEYS
from pipeline.themes.words import stop_words

SETTINGS = DriversConfig(resamples=1000, model_resamples=20, segments=[])
METRICS = MetricsConfig(min_n=30)
NOISE_THEME = len(KEYS) + 1


def _themes(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "theme_id": range(1, n + 1),
            "label": [*KEYS, "noise"][:n],
            "parent_id": pd.array([pd.NA] * n, dtype="Int64"),
            "is_parent": False,
            "status": "active",
        }
    )


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, object]]]:
    """2,000 generated survey answers; the mentions the generator wrote are the themes."""
    demo = generate_demo(n_survey=2000, n_chat=0, n_social=0, seed=3)
    survey = demo.survey
    score_column = next(c for c in survey.columns if c.startswith("How likely"))
    respondents = pd.DataFrame(
        {
            "record_id": survey["Respondent ID"],
            "score": survey[score_column].astype(float),
            "team": survey["Team"],
        }
    )
    labels = demo.labels[demo.labels["source"] == "survey"]
    mentions = pd.DataFrame(
        [
            {"record_id": rid, "theme_id": KEYS.index(key) + 1, "units": 1, "sentiment": 0.0}
            for rid, keys in zip(labels["source_id"], labels["mentioned"], strict=True)
            for key in keys
        ]
    )
    truth = {d["key"]: d for d in demo.truth["drivers"]}
    return respondents, mentions, truth


def _records(respondents: pd.DataFrame) -> pd.DataFrame:
    return respondents.assign(source="survey", score_type="nps")[
        ["record_id", "source", "score_type", "score"]
    ]


def _report(
    respondents: pd.DataFrame, mentions: pd.DataFrame, *, settings: DriversConfig = SETTINGS
) -> pd.DataFrame:
    themes = _themes(int(mentions["theme_id"].max()))
    return drivers_report(
        respondents, themes, mentions, _records(respondents), settings=settings, metrics=METRICS
    )


def test_planted_detractor_drivers_rank_first_in_order_and_strengths_are_found(planted) -> None:
    respondents, mentions, truth = planted
    table = _report(respondents, mentions).set_index("label")
    assert list(table.columns) == [c for c in DRIVER_COLUMNS if c != "label"]
    for key, planted_driver in truth.items():
        # the same definition as the generator's answer key
        assert table.loc[key, "nps_impact"] == pytest.approx(
            planted_driver["true_nps_impact"], abs=1e-3
        )
    detractors = sorted(
        (k for k in KEYS if truth[k]["kind"] == "detractor"),
        key=lambda k: truth[k]["true_nps_impact"],
    )
    ranked = table[table["rank"].notna()].sort_values("rank")
    assert ranked.index.tolist() == detractors
    strengths = {k for k in KEYS if truth[k]["kind"] == "promoter"}
    assert set(table.index[table["role"] == "strength"]) == strengths


def test_true_impacts_lie_inside_the_intervals_when_themes_miss_some_mentions(planted) -> None:
    respondents, mentions, truth = planted
    rng = np.random.default_rng(0)
    # themes miss 5% of the mentions, and a theme about nothing is mentioned at random
    kept = mentions[rng.random(len(mentions)) >= 0.05]
    noise = respondents.sample(frac=0.1, random_state=1)[["record_id"]].assign(
        theme_id=NOISE_THEME, units=1, sentiment=0.0
    )
    table = _report(respondents, pd.concat([kept, noise])).set_index("label")
    for key, planted_driver in truth.items():
        row = table.loc[key]
        assert row["ci_low"] <= planted_driver["true_nps_impact"] <= row["ci_high"], key
    detractors = {k for k in KEYS if truth[k]["kind"] == "detractor"}
    ranked = table[table["rank"].notna()].sort_values("rank")
    assert set(ranked.index[: len(detractors)]) == detractors
    assert table.loc["noise", "role"] in {"neutral", "too_few"}
    assert pd.isna(table.loc["noise", "rank"])


def test_segments_are_analysed_and_small_ones_flagged_never_ranked(planted) -> None:
    respondents, mentions, _ = planted
    few = respondents.assign(team=respondents["team"].where(respondents.index >= 20, "Tiny"))
    table = _report(few, mentions, settings=SETTINGS.model_copy(update={"segments": ["team"]}))
    tiny = table[(table["segment"] == "team") & (table["segment_value"] == "Tiny")]
    assert len(tiny) == 10 and tiny["flagged"].all()
    assert tiny["rank"].isna().all() and tiny["strength_rank"].isna().all()
    assert (tiny["respondents"] == 20).all()
    billing = table[(table["segment"] == "team") & (table["segment_value"] == "Billing")]
    assert billing.set_index("label").loc["billing_error", "rank"] == 1
    # the key-driver model runs on everyone only
    assert table.loc[table["segment"] == "all", "adjusted_impact"].notna().all()
    assert table.loc[table["segment"] == "team", "adjusted_impact"].isna().all()


def test_chat_and_social_add_volume_and_sentiment_never_nps() -> None:
    respondents = pd.DataFrame({"record_id": ["s1", "s2", "s3", "s4"], "score": [0.0, 3, 9, 10]})
    records = pd.concat(
        [
            _records(respondents),
            pd.DataFrame(
                {
                    "record_id": ["c1", "c2", "m1"],
                    "source": ["chat", "chat", "social"],
                    "score_type": ["csat", "csat", "none"],
                    "score": [5.0, 1.0, np.nan],
                }
            ),
        ]
    )
    mentions = pd.DataFrame(
        {
            "record_id": ["s1", "s2", "c1", "c2", "m1"],
            "theme_id": [1, 1, 1, 1, 1],
            "units": 1,
            "sentiment": [-0.8, -0.6, 0.5, -0.9, -0.4],
        }
    )
    table = drivers_report(
        respondents, _themes(1), mentions, records, settings=SETTINGS, metrics=METRICS
    )
    row = table.iloc[0]
    assert row["mentions"] == 2 and row["respondents"] == 4
    assert row["detractors"] == 2 and row["detractor_share"] == 1.0
    assert row["promoter_share"] == 0.0
    # NPS of all: (2 - 2) / 4 = 0; of those not mentioning it: +100
    assert row["nps_impact"] == pytest.approx(-100)
    assert row["sentiment"] == pytest.approx(-0.7)
    assert row["chat_mentions"] == 2 and row["chat_csat"] == pytest.approx(50)
    assert row["chat_sentiment"] == pytest.approx(-0.2)
    assert row["social_mentions"] == 1 and row["social_sentiment"] == pytest.approx(-0.4)


def test_parents_pool_their_childrens_mentions_and_quotes_follow_the_role() -> None:
    respondents = pd.DataFrame(
        {"record_id": [f"r{i}" for i in range(60)], "score": [2.0] * 30 + [10.0] * 30}
    )
    themes = pd.DataFrame(
        {
            "theme_id": [1, 2, 3],
            "label": ["queue on the phone", "queue in the chat", "waiting"],
            "parent_id": pd.array([3, 3, pd.NA], dtype="Int64"),
            "is_parent": [False, False, True],
            "status": "active",
        }
    )
    mentions = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(20)] + ["r5", "r40"],
            "theme_id": [1] * 10 + [2] * 10 + [2, 2],
            "units": 1,
            "sentiment": -0.5,
        }
    )
    candidates = pd.DataFrame(
        {
            "theme_id": [1, 1, 2, 2],
            "nps_category": ["promoter", "detractor", "detractor", "detractor"],
            "text": ["Happy anyway", "An hour on hold", "Nobody in the chat", "Terrible!"],
            "similarity": [0.9, 0.8, 0.7, 0.95],
            "verdict": [False, False, False, True],
        }
    )
    table = drivers_report(
        respondents, themes, mentions, _records(respondents), settings=SETTINGS, metrics=METRICS,
        quote_candidates=candidates,
    ).set_index("theme_id")  # fmt: skip
    assert table.loc[3, "level"] == "parent" and table.loc[3, "mentions"] == 21
    assert table.loc[1, "role"] == "detractor_driver"
    assert table.loc[1, "quotes"] == ["An hour on hold"]
    # a quote naming the topic comes before a more typical one that only gives a verdict
    assert table.loc[3, "quotes"] == ["An hour on hold", "Nobody in the chat", "Terrible!"]
    # ranks are per level: the parent ranks among parents
    assert table.loc[3, "rank"] == 1


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Very dissatisfied!", True),
        ("Dårlig oplevelse.", True),
        ("Ikke tilfreds", True),
        ("Great experience", True),
        ("The staff were friendly", False),
        ("Fakturaen var forkert", False),
        ("Flight delayed 3 hours", False),
        ("Vet ikke", False),
    ],
)
def test_verdict_only_units_name_no_topic(text: str, verdict: bool) -> None:
    from pipeline.sentiment.lexicon import verdict_only

    assert verdict_only([text], ignore=stop_words()).tolist() == [verdict]


def test_a_theme_of_verdicts_is_general_and_never_ranked(planted) -> None:
    respondents, mentions, _ = planted
    themes = _themes(len(KEYS))
    # the waiting-time theme's units only say how bad it was; the others name their topic
    sample = pd.DataFrame(
        {
            "theme_id": [1, 1, 1, 2, 2],
            "text": ["Terrible!", "Very disappointing.", "Waited an hour", "Wrong invoice",
                     "Charged twice"],
        }
    )  # fmt: skip
    shares = verdict_shares(sample, themes, ignore=stop_words())
    assert shares.to_dict() == pytest.approx({1: 2 / 3, 2: 0.0})
    table = drivers_report(
        respondents,
        themes,
        mentions,
        _records(respondents),
        settings=SETTINGS,
        metrics=METRICS,
        verdicts=shares,
    ).set_index("label")
    assert table.loc["waiting_time", "role"] == "general"
    assert pd.isna(table.loc["waiting_time", "rank"])
    assert table.loc["billing_error", "role"] == "detractor_driver"
    assert table["rank"].dropna().sort_values().tolist() == list(range(1, 6))
