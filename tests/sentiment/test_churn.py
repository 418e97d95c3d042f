"""Churn intent: cue patterns in the four languages, the head, its threshold, the seed files."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.sentiment import churn as churn_module
from pipeline.sentiment.churn import (
    CUES,
    ChurnHead,
    _best_threshold,
    churn_cues,
    churn_examples,
    churn_frame,
)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Jeg overvejer at skifte udbyder", "leave"),
        ("Vurderer å bytte strømleverandør", "leave"),
        ("Funderar på att säga upp mitt abonnemang", "leave"),
        ("Thinking about cancelling my subscription", "leave"),
        ("Overvejer at opsige elaftalen", "leave_and_intent"),
        ("I would never leave you", "denied"),
        ("Jeg kommer aldri til å forlate dere", "denied"),
        ("never shopping here again", "never_again"),
        ("Handlar aldrig här igen!!", "never_again"),
        ("going back to my old bank", "elsewhere"),
        ("Har allerede bestilt hos en konkurrent", "elsewhere"),
        ("I'm done with you", "phrase"),
        ("Jeg vil skifte til et andet abonnement hos jer", "staying"),
        ("Hvordan opsiger jeg?", "question"),
    ],
)
def test_cues(text: str, cue: str) -> None:
    assert churn_cues([text])[0, CUES.index(cue)] == 1


def test_no_cue_in_an_everyday_complaint() -> None:
    assert churn_cues(["Skiftede router i går, ventetiden var lang"]).sum() == 0


def test_cues_ignore_case_and_exclamation_marks() -> None:
    assert np.array_equal(
        churn_cues(["JEG SKIFTER UDBYDER!!!"]), churn_cues(["jeg skifter udbyder"])
    )


def test_the_shipped_sentences_cover_four_languages_both_ways() -> None:
    examples = churn_examples()
    counts = examples.groupby(["lang", "churn"]).size()
    assert set(examples["lang"]) == {"da", "nb", "sv", "en"}
    assert counts.min() >= 100
    assert examples["text"].is_unique


def test_a_malformed_seed_line_names_its_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    churn_examples.cache_clear()
    monkeypatch.setattr(churn_module, "_seed_text", lambda lang: "1\tgood line\nbroken line\n")
    try:
        with pytest.raises(ValueError, match=r"churn_seed/da.tsv line 2"):
            churn_examples()
    finally:
        churn_examples.cache_clear()


def _toy() -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    leaving = ["jeg skifter udbyder", "i am cancelling my subscription", "vi byter bolag nu"]
    staying = ["fin service", "the app is slow", "leveringen var sen", "tak for hjælpen"]
    texts = [*(leaving * 20), *(staying * 40)]
    y = np.array([1] * 60 + [0] * 160)
    vectors = rng.normal(0, 1, (len(texts), 8))
    vectors[y == 1, 0] += 2.0
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return texts, vectors, y


def test_the_head_learns_round_trips_and_picks_a_threshold() -> None:
    texts, vectors, y = _toy()
    head = ChurnHead(random_state=0).fit(texts, vectors, y)
    assert 0 < head.threshold_ < 1
    predicted = head.predict(texts, vectors)
    assert (predicted == y.astype(bool)).mean() > 0.95
    again = ChurnHead.from_arrays(head.to_arrays())
    assert np.allclose(again.predict_proba(texts, vectors), head.predict_proba(texts, vectors))
    assert again.threshold_ == head.threshold_
    with pytest.raises(ValueError, match="one embedding per text"):
        head.predict_proba(texts, None)


def test_a_head_on_cues_alone_needs_no_embeddings() -> None:
    texts, _, y = _toy()
    head = ChurnHead(uses_embeddings=False).fit(texts, None, y)
    assert head.predict(["jeg skifter udbyder", "fin service"], None).tolist() == [True, False]


def test_best_threshold_separates_when_it_can() -> None:
    labels = np.array([1, 1, 0, 0, 0])
    threshold = _best_threshold(labels, np.array([0.9, 0.6, 0.4, 0.2, 0.1]))
    assert 0.4 < threshold < 0.6


def test_churn_frame() -> None:
    frame = churn_frame(np.array([0.1, 0.3, 0.71234]), 0.3)
    assert frame["churn_intent"].tolist() == [False, True, True]
    assert frame["churn_probability"].tolist() == [0.1, 0.3, 0.7123]


def test_a_churn_threat_reads_negative_but_a_question_keeps_its_reading() -> None:
    from pipeline.sentiment import with_churn
    from pipeline.sentiment.churn import is_question

    proba = np.array([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.1, 0.8, 0.1]])
    churn = np.array([0.9, 0.9, 0.1])
    asking = np.array([is_question(t) for t in ["Jeg skifter udbyder.", "Hvordan opsiger jeg?",
                                                "Hvornår kommer pakken?"]])  # fmt: skip
    mixed = with_churn(proba, churn, 0.5, asking)
    assert mixed[0].argmax() == 0 and np.isclose(mixed[0].sum(), 1)
    # the question and the unit without churn keep the model's reading
    assert np.array_equal(mixed[1:], proba[1:])
    assert np.array_equal(with_churn(proba, churn, 0.5)[1], mixed[0])
