"""Theme quality without gold labels: topic diversity and NPMI coherence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.themes.quality import npmi_coherence, topic_diversity

# Diversity


@pytest.mark.parametrize(
    ("keywords", "expected"),
    [
        ([["late", "delay"], ["staff", "rude"], ["price", "refund"]], 1.0),
        ([["late", "delay"], ["late", "delay"]], 0.5),
        ([["late", "delay", "staff", "rude"], ["late", "delay", "price", "cost"]], 0.75),
        ([["late flight", "late"], ["flight", "late flight"]], 0.75),
        ([["Late", " late "], []], 0.5),
        ([], 0.0),
        ([[], []], 0.0),
    ],
)
def test_topic_diversity(keywords: list[list[str]], expected: float) -> None:
    assert topic_diversity(keywords) == pytest.approx(expected)


def test_topic_diversity_reads_only_the_top_keywords() -> None:
    keywords = [["a", "b", "shared"], ["c", "d", "shared"]]
    assert topic_diversity(keywords, top_n=2) == 1.0
    assert topic_diversity(keywords, top_n=3) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="top_n must be 1 or more"):
        topic_diversity(keywords, top_n=0)


@given(st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=12), max_size=6))
def test_topic_diversity_is_a_share(keywords: list[list[str]]) -> None:
    assert 0.0 <= topic_diversity(keywords) <= 1.0


# Coherence

DOCUMENTS = [
    "The flight was late and the delay was long",
    "Another delay, a late flight again",
    "Rude staff at the gate",
    "The staff were rude and unhelpful",
    "Good price",
    "Price was fine",
    "late",
    "staff",
]


def test_words_that_always_occur_together_score_one() -> None:
    documents = ["apple banana", "banana apple pie", "cherry", "date", "elder"]
    assert npmi_coherence([["apple", "banana"]], documents) == pytest.approx(1.0)


def test_words_never_together_score_minus_one() -> None:
    assert npmi_coherence([["delay", "rude"]], DOCUMENTS) == -1.0


def test_independent_words_score_zero_and_less_than_related_ones() -> None:
    # a and b each in half the documents, together in a quarter: independent
    documents = ["a b", "a", "b", "c"]
    assert npmi_coherence([["a", "b"]], documents) == pytest.approx(0.0, abs=1e-12)
    related = npmi_coherence([["late", "delay"]], DOCUMENTS)
    unrelated = npmi_coherence([["late", "price"]], DOCUMENTS)
    assert related > 0.0 > unrelated


def test_npmi_matches_the_formula() -> None:
    # late: docs 0, 1, 6 (p=3/8); delay: docs 0, 1 (p=2/8); together 2/8
    p1, p2, p12 = 3 / 8, 2 / 8, 2 / 8
    expected = math.log(p12 / (p1 * p2)) / -math.log(p12)
    assert npmi_coherence([["late", "delay"]], DOCUMENTS) == pytest.approx(expected)


def test_coherence_is_the_mean_over_themes_of_the_mean_over_pairs() -> None:
    late = npmi_coherence([["late", "delay"]], DOCUMENTS)
    staff = npmi_coherence([["staff", "rude"]], DOCUMENTS)
    cross = npmi_coherence([["late", "rude"]], DOCUMENTS)
    theme = npmi_coherence([["late", "delay", "rude"]], DOCUMENTS)
    pairs = npmi_coherence([["late", "delay"], ["late", "rude"], ["delay", "rude"]], DOCUMENTS)
    assert theme == pytest.approx((late + cross - 1.0) / 3)
    assert pairs == pytest.approx(theme)
    both = npmi_coherence([["late", "delay"], ["staff", "rude"]], DOCUMENTS)
    assert both == pytest.approx((late + staff) / 2)


def test_a_multi_word_keyword_occurs_when_all_its_words_do() -> None:
    documents = ["late flight today", "flight was late", "late train", "the flight", "x"]
    # "late flight" in docs 0 and 1; "late" in 0, 1, 2
    score = npmi_coherence([["late flight", "late"]], documents)
    expected = math.log((2 / 5) / ((2 / 5) * (3 / 5))) / -math.log(2 / 5)
    assert score == pytest.approx(expected)


def test_danish_words_are_tokenised_whole() -> None:
    documents = ["Ærlig talt, pengene kom aldrig tilbage", "Få pengene tilbage!", "Kø", "Åbent"]
    assert npmi_coherence([["pengene", "tilbage"]], documents) == pytest.approx(1.0)
    assert npmi_coherence([["ærlig", "kø"]], documents) == -1.0
    # a tokenizer that kept only ASCII would find "rlig" and "pengene" together
    assert npmi_coherence([["rlig", "pengene"]], documents) == 0.0


@pytest.mark.parametrize(
    ("keywords", "documents"),
    [
        ([["never", "seen"]], DOCUMENTS),
        ([["late", "nowhere"]], DOCUMENTS),
        ([["late"]], DOCUMENTS),
        ([], DOCUMENTS),
        ([["late", "delay"]], []),
        ([["!!!", "..."]], DOCUMENTS),
    ],
)
def test_nothing_usable_scores_zero(keywords: list[list[str]], documents: list[str]) -> None:
    assert npmi_coherence(keywords, documents) == 0.0


def test_unused_keywords_and_themes_are_skipped() -> None:
    late = npmi_coherence([["late", "delay"]], DOCUMENTS)
    assert npmi_coherence([["late", "zebra", "delay"], ["zebra"]], DOCUMENTS) == late
    assert npmi_coherence([["late", "late", "delay"]], DOCUMENTS) == pytest.approx(late)


def test_top_n_limits_the_keywords() -> None:
    late = npmi_coherence([["late", "delay"]], DOCUMENTS)
    assert npmi_coherence([["late", "delay", "rude"]], DOCUMENTS, top_n=2) == late


def test_a_custom_tokenizer_is_used_for_documents_and_keywords() -> None:
    documents = ["late-flight x", "x late-flight", "y"]
    score = npmi_coherence([["late-flight", "x"]], documents, tokenize=lambda text: text.split())
    assert score == pytest.approx(1.0)
    assert npmi_coherence([["late", "flight"]], documents, tokenize=str.split) == 0.0


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("abcdef"), min_size=0, max_size=5), max_size=4),
    st.lists(st.lists(st.sampled_from("abcdefg"), max_size=6).map(" ".join), max_size=30),
)
def test_coherence_is_between_minus_one_and_one(
    keywords: list[list[str]], documents: list[str]
) -> None:
    score = npmi_coherence(keywords, documents)
    assert -1.0 <= score <= 1.0 and not np.isnan(score)


def test_coherence_of_random_keywords_over_many_documents_is_near_zero() -> None:
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(500)])
    documents = [" ".join(rng.choice(words, 12)) for _ in range(20_000)]
    keywords = [list(rng.choice(words, 10, replace=False)) for _ in range(30)]
    score = npmi_coherence(keywords, documents)
    assert -0.2 < score < 0.2
