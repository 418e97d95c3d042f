"""Tests for the built-in demo data generator (pipeline.demo)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.demo import DRIVERS, DemoData, DemoPaths, generate_demo, write_demo

HEADER = (
    "Respondent ID;Customer ID;Submitted;"
    "How likely are you to recommend Nordlys to a friend or colleague? (0-10);"
    "NPS Group;Comment;Team;Product;Country"
)
SCORE = "How likely are you to recommend Nordlys to a friend or colleague? (0-10)"
SMALL = {"n_survey": 400, "n_chat": 60, "n_social": 120}
DRIVER_KEYS = [driver.key for driver in DRIVERS]
LANGUAGES = ["da", "nb", "sv", "en"]


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo(**SMALL)


@pytest.fixture(scope="module")
def large() -> DemoData:
    """Survey only, big enough for rare drivers to show up in every language."""
    return generate_demo(n_survey=6000, n_chat=0, n_social=0)


@pytest.fixture(scope="module")
def written(demo: DemoData, tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return write_demo(demo, tmp_path_factory.mktemp("demo") / "out")


def nps(scores: pd.Series) -> float:
    return 100 * ((scores >= 9).mean() - (scores <= 6).mean())


def survey_labels(data: DemoData) -> pd.DataFrame:
    return data.labels[data.labels["source"] == "survey"].reset_index(drop=True)


def has_driver(labels: pd.DataFrame, column: str, key: str) -> pd.Series:
    return labels[column].map(lambda keys: key in keys)


def utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


# --- determinism and shape --------------------------------------------------------------------


def test_same_seed_gives_same_data(demo: DemoData) -> None:
    again = generate_demo(**SMALL)
    pd.testing.assert_frame_equal(again.survey, demo.survey)
    assert again.chats == demo.chats
    assert again.mentions == demo.mentions
    assert again.truth == demo.truth


def test_other_seed_gives_other_data(demo: DemoData) -> None:
    other = generate_demo(**SMALL, seed=8)
    assert not other.survey.equals(demo.survey)
    assert other.chats != demo.chats
    assert other.mentions != demo.mentions


def test_counts_and_columns(demo: DemoData) -> None:
    assert list(demo.survey.columns) == HEADER.split(";")
    assert len(demo.survey) == 400
    assert len(demo.chats) == 60
    assert len(demo.mentions) == 120
    assert demo.truth["counts"] == {"survey": 400, "chat": 60, "social": 120}
    assert demo.labels["source"].value_counts().to_dict() == {
        "survey": 400,
        "chat": 60,
        "social": 120,
    }


def test_ids_are_formatted_and_unique(demo: DemoData) -> None:
    survey = demo.survey
    assert survey["Respondent ID"].str.fullmatch(r"R\d{6}").all()
    assert survey["Respondent ID"].is_unique
    filled = survey["Customer ID"][survey["Customer ID"] != ""]
    assert filled.str.fullmatch(r"K\d{5,}").all()
    assert 0 < (survey["Customer ID"] == "").sum() < 0.15 * len(survey)
    assert len({chat["conversation_id"] for chat in demo.chats}) == len(demo.chats)
    assert len({mention["id"] for mention in demo.mentions}) == len(demo.mentions)


def test_scores_and_groups(demo: DemoData) -> None:
    scores = demo.survey[SCORE]
    assert scores.dtype == np.int64
    assert scores.between(0, 10).all()
    expected = np.select([scores >= 9, scores >= 7], ["Promoter", "Passive"], "Detractor")
    assert (demo.survey["NPS Group"] == expected).all()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_present(demo: DemoData, language: str) -> None:
    share = demo.truth["languages"][language]
    assert 0.1 < share < 0.4
    assert (demo.labels["language"] == language).any()


def test_dates_within_period(demo: DemoData) -> None:
    start = dt.datetime.fromisoformat(demo.truth["period"]["start"])
    end = dt.datetime.fromisoformat(demo.truth["period"]["end"]) + dt.timedelta(days=1)
    submitted = pd.to_datetime(demo.survey["Submitted"], format="%d.%m.%Y %H:%M")
    assert submitted.between(start, end, inclusive="left").all()
    assert submitted.is_monotonic_increasing
    mentions = [utc(mention["created_at"]) for mention in demo.mentions]
    chats = [utc(chat["started_at"]) for chat in demo.chats]
    assert all(start <= moment < end for moment in mentions + chats)
    assert (start, end - dt.timedelta(days=1)) == (
        dt.datetime(2026, 5, 1),
        dt.datetime(2026, 10, 31),
    )


def test_end_and_months_set_the_period() -> None:
    data = generate_demo(n_survey=50, n_chat=5, n_social=5, end=dt.date(2025, 3, 31), months=2)
    assert data.truth["period"] == {"start": "2025-02-01", "end": "2025-03-31"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"n_survey": 0}, "n_survey >= 1"),
        ({"n_chat": -1}, "n_chat >= 0"),
        ({"months": 0}, "months >= 1"),
    ],
)
def test_invalid_arguments(arguments: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_demo(**arguments)


# --- files ------------------------------------------------------------------------------------


def test_survey_csv_is_a_nordic_excel_export(written: DemoPaths) -> None:
    raw = written.survey.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").split("\r\n", 1)[0] == HEADER


def test_survey_csv_round_trips(demo: DemoData, written: DemoPaths) -> None:
    back = pd.read_csv(
        written.survey, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    pd.testing.assert_frame_equal(back, demo.survey.astype(str))


def test_jsonl_and_truth_files_match_memory(demo: DemoData, written: DemoPaths) -> None:
    for path, items in [(written.chat, demo.chats), (written.social, demo.mentions)]:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert [json.loads(line) for line in lines] == items
    assert json.loads(written.truth.read_text(encoding="utf-8")) == demo.truth
    assert "\\u00" not in written.chat.read_text(encoding="utf-8")


def test_write_demo_creates_the_folder(demo: DemoData, tmp_path: Path) -> None:
    paths = write_demo(demo, tmp_path / "a" / "b")
    assert [path.name for path in (paths.survey, paths.chat, paths.social, paths.truth)] == [
        "survey.csv",
        "chat.jsonl",
        "social.jsonl",
        "truth.json",
    ]
    assert all(path.is_file() for path in (paths.survey, paths.chat, paths.social, paths.truth))


# --- comments ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", DRIVER_KEYS)
def test_each_driver_has_many_phrasings(large: DemoData, key: str, language: str) -> None:
    labels = survey_labels(large)
    chosen = has_driver(labels, "mentioned", key) & (labels["language"] == language)
    assert large.survey["Comment"][chosen].nunique() >= 8


@pytest.mark.parametrize("key", DRIVER_KEYS)
def test_no_fixed_keyword_per_driver(large: DemoData, key: str) -> None:
    labels = survey_labels(large)
    comments = large.survey["Comment"][has_driver(labels, "mentioned", key)].str.lower()
    words = Counter(word for text in comments for word in set(re.findall(r"\w{4,}", text)))
    assert words.most_common(1)[0][1] < 0.4 * len(comments)


def test_comment_mix(large: DemoData) -> None:
    comments = large.survey["Comment"]
    assert 0.12 < (comments == "").mean() < 0.18
    assert 0.005 < comments.str.contains("\n").mean() < 0.02
    assert comments.str.contains(";").any()
    assert comments.str.contains('"').any()
    assert 2 <= comments.str.contains(r"<[a-z/]", regex=True).sum() <= 20
    assert 2 <= comments.str.match(r"[=+@]").sum() <= 10
    labels = survey_labels(large)
    assert (labels["mentioned"].map(len) >= 2).mean() > 0.05


def test_personal_data_is_present_and_fake(large: DemoData) -> None:
    comments = large.survey["Comment"]
    emails = comments.str.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+").explode().dropna()
    assert 0.005 < comments.str.contains("@example").mean() < 0.02
    assert emails.str.contains(r"@(?:mail\.)?example\.(?:com|org)$").all()
    phones = comments.str.contains(r"(?:\+\d{2} ?)?\d{2,4}[ -]\d{2,3} ?\d{2}")
    assert 0.005 < phones.mean() < 0.03


def test_passives_mostly_mild(large: DemoData) -> None:
    labels = survey_labels(large)
    passive = large.survey["NPS Group"] == "Passive"
    severe = has_driver(labels, "latent", "technician_no_show")
    assert severe[passive].mean() < severe[~passive].mean()


# --- truth ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["demo", "large"])
def test_truth_agrees_with_recomputation(fixture: str, request: pytest.FixtureRequest) -> None:
    data: DemoData = request.getfixturevalue(fixture)
    scores, labels = data.survey[SCORE], survey_labels(data)
    overall = nps(scores)
    assert data.truth["nps"]["overall"] == pytest.approx(overall, abs=1e-3)
    groups = data.survey["NPS Group"].value_counts()
    assert data.truth["nps"]["promoters"] == groups.get("Promoter", 0)
    assert data.truth["nps"]["detractors"] == groups.get("Detractor", 0)
    for driver in data.truth["drivers"]:
        mentioned = has_driver(labels, "mentioned", driver["key"])
        latent = has_driver(labels, "latent", driver["key"])
        assert driver["mentions"] == mentioned.sum()
        assert driver["prevalence"] == pytest.approx(latent.mean(), abs=1e-4)
        assert driver["nps_with"] == pytest.approx(nps(scores[mentioned]), abs=1e-3)
        impact = overall - nps(scores[~mentioned])
        assert driver["true_nps_impact"] == pytest.approx(impact, abs=1e-3)
        impact_latent = overall - nps(scores[~latent])
        assert driver["true_nps_impact_latent"] == pytest.approx(impact_latent, abs=1e-3)


@pytest.mark.parametrize("key", DRIVER_KEYS)
def test_impact_sign_follows_kind(large: DemoData, key: str) -> None:
    entry = next(item for item in large.truth["drivers"] if item["key"] == key)
    sign = -1 if entry["kind"] == "detractor" else 1
    assert sign * entry["true_nps_impact"] > 0
    assert sign * entry["true_nps_impact_latent"] > 0
    assert sign * entry["score_shift"] > 0


def test_truth_describes_a_ranking_that_is_not_trivial(large: DemoData) -> None:
    drivers = {item["key"]: item for item in large.truth["drivers"]}
    assert 8 <= len(drivers) <= 10
    assert 5 <= large.truth["nps"]["overall"] <= 25
    rare = min(drivers.values(), key=lambda item: item["prevalence"])
    assert rare["kind"] == "detractor"
    assert rare["score_shift"] == min(item["score_shift"] for item in drivers.values())
    assert abs(rare["true_nps_impact"]) < abs(drivers["waiting_time"]["true_nps_impact"])


def test_emerging_driver_spikes_at_the_end(large: DemoData) -> None:
    emerging = [item for item in large.truth["drivers"] if item["emerging_from"]]
    assert len(emerging) == 1
    since = pd.Timestamp(emerging[0]["emerging_from"])
    assert pd.Timestamp("2026-09-15") <= since <= pd.Timestamp("2026-10-03")
    submitted = pd.to_datetime(large.survey["Submitted"], format="%d.%m.%Y %H:%M")
    latent = has_driver(survey_labels(large), "latent", emerging[0]["key"])
    assert latent[submitted >= since].mean() > 4 * latent[submitted < since].mean()


def test_concentrated_drivers_are_concentrated(large: DemoData) -> None:
    labels = survey_labels(large)
    concentrated = [item for item in large.truth["drivers"] if item["concentrated_in"]]
    assert concentrated
    for item in concentrated:
        [(segment, value)] = item["concentrated_in"].items()
        column = large.survey[segment.capitalize()]
        latent = has_driver(labels, "latent", item["key"])
        assert latent[column == value].mean() > 2 * latent[column != value].mean()


# --- chats and social -------------------------------------------------------------------------


def test_chat_structure(demo: DemoData) -> None:
    for chat in demo.chats:
        roles = [message["role"] for message in chat["messages"]]
        assert set(roles) <= {"bot", "customer", "agent"}
        assert roles[0] == "bot" and "customer" in roles
        assert 2 <= len(roles) - 1 <= 8
        assert chat["csat"] is None or chat["csat"] in range(1, 6)
        assert chat["channel"] in {"web chat", "app chat"}
        stamps = [utc(message["timestamp"]) for message in chat["messages"]]
        assert stamps == sorted(stamps) and stamps[0] >= utc(chat["started_at"])
        assert all(message["text"] for message in chat["messages"])
    assert any(chat["csat"] is None for chat in demo.chats)


def test_chats_link_to_survey_customers(demo: DemoData) -> None:
    survey_ids = set(demo.survey["Customer ID"]) - {""}
    ids = [chat["customer_id"] for chat in demo.chats]
    assert 0.4 < np.mean([cid in survey_ids for cid in ids]) < 0.8
    assert None in ids
    assert Counter(cid for cid in ids if cid).most_common(1)[0][1] >= 2


def test_chat_customers_mention_drivers_or_greet(demo: DemoData) -> None:
    texts = [
        message["text"]
        for chat in demo.chats
        for message in chat["messages"]
        if message["role"] == "customer"
    ]
    assert any(text.lower().startswith(("hej", "hi", "tak", "tack", "hei")) for text in texts)
    chat_labels = demo.labels[demo.labels["source"] == "chat"]
    assert (chat_labels["mentioned"].map(len) > 0).mean() > 0.5


def test_social_has_retweets_replies_and_spam(demo: DemoData) -> None:
    mentions = demo.mentions
    by_id = {mention["id"]: mention for mention in mentions}
    retweets = [mention for mention in mentions if mention["is_retweet"]]
    assert retweets and all(re.match(r"RT @\S+: ", m["text"]) for m in retweets)
    replies = [mention for mention in mentions if mention["in_reply_to"]]
    assert replies and all(m["in_reply_to"] in by_id for m in replies)
    assert all(m["in_reply_to"] < m["id"] for m in replies)
    text, count = Counter(mention["text"] for mention in mentions).most_common(1)[0]
    spam = [mention for mention in mentions if mention["text"] == text]
    assert count >= 5 and len({mention["author"] for mention in spam}) == count
    assert sorted(m["id"] for m in spam) == sorted(demo.truth["social"]["spam_ids"])


def test_social_fields(demo: DemoData) -> None:
    for mention in demo.mentions:
        assert mention["platform"] in {"twitter", "facebook", "instagram", "trustpilot"}
        assert re.fullmatch(r"@\w[\w.]*", mention["author"])
        assert mention["likes"] >= 0 and mention["shares"] >= 0
    texts = " ".join(mention["text"] for mention in demo.mentions)
    assert "@NordlysTelecom" in texts and "#nordlys" in texts and "https://" in texts


# --- invariants -------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n_survey=st.integers(1, 60))
def test_invariants_for_any_seed(seed: int, n_survey: int) -> None:
    data = generate_demo(n_survey=n_survey, n_chat=5, n_social=25, seed=seed)
    assert -100 <= data.truth["nps"]["overall"] <= 100
    assert len(data.survey) == n_survey
    assert json.loads(json.dumps([data.chats, data.mentions, data.truth]))
    for driver in data.truth["drivers"]:
        for key in ("true_nps_impact", "true_nps_impact_latent"):
            assert driver[key] is None or -200 <= driver[key] <= 200


def test_demo_config_routes_the_demo_teams_by_topic_and_uses_the_telecom_pack(
    tmp_path: Path,
) -> None:
    from pipeline.config import load_config
    from pipeline.demo import DEMO_OWNERS, write_demo_config
    from pipeline.themes.topics import starter_topics

    cfg = load_config(write_demo_config(tmp_path / "demo"))
    owners = cfg.followup.owners
    assert set(owners.values()) == set(DEMO_OWNERS)
    assert owners["billing"] == "Billing" and owners["waiting_time"] == "Contact centre"
    assert sum(len(keys) for keys in DEMO_OWNERS.values()) == len(owners)  # no topic twice
    assert cfg.themes.packs == ["telecom"]
    keys = {topic.topic_id for topic in starter_topics(cfg.themes.packs)}
    assert set(owners) <= keys  # every owner names a topic that exists
