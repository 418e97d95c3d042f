"""Topics per unit: prototype similarity and the head learned from confident assignments."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.themes.assign import TopicHead, _best_f1_threshold, phrase_similarity


def _world(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three topics along three directions in 16 dimensions; phrases and units around them."""
    rng = np.random.default_rng(seed)
    directions = np.eye(16)[:3]
    phrases = np.vstack([d + 0.2 * rng.normal(size=(6, 16)) for d in directions])
    phrase_topic = np.repeat(np.arange(3), 6)
    truth = rng.integers(0, 3, size=600)
    units = directions[truth] + 0.45 * rng.normal(size=(600, 16))
    return units, phrases, phrase_topic, truth


def test_phrase_similarity_is_the_mean_of_the_k_most_similar_phrases() -> None:
    units = np.array([[1.0, 0.0], [0.0, 2.0]])
    phrases = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    similarity = phrase_similarity(units, phrases, np.array([0, 0, 1]), 2, k=2)
    assert similarity.shape == (2, 2)
    assert similarity[0, 0] == pytest.approx((1 + np.sqrt(0.5)) / 2)
    assert similarity[1, 1] == pytest.approx(1.0)  # one phrase: k is capped
    with pytest.raises(ValueError, match="topic 2 has no phrase"):
        phrase_similarity(units, phrases, np.array([0, 0, 1]), 3)


def test_the_head_learns_topics_from_confident_units_and_covers_every_unit() -> None:
    units, phrases, phrase_topic, truth = _world()
    similarity = phrase_similarity(units, phrases, phrase_topic, 3)
    head = TopicHead(confident_share=0.3).fit(units, similarity)
    assigned = head.assign(units, similarity)
    assert assigned.shape == (600, 3) and assigned.any(axis=1).all()
    proba = head.predict_proba(units, similarity)
    # as good as the prototypes on clean data (noise makes 12% ambiguous to both)
    nearest = (similarity.argmax(axis=1) == truth).mean()
    assert (proba.argmax(axis=1) == truth).mean() >= nearest - 0.01 > 0.85
    assert np.all((head.thresholds_ > 0) & (head.thresholds_ <= 1))
    # a unit halfway between two topics is read as both, one pure unit as one
    both = np.vstack([np.eye(16)[0] + np.eye(16)[1], np.eye(16)[2] * 1.5])
    result = head.assign(both, phrase_similarity(both, phrases, phrase_topic, 3))
    assert result[0, :2].all() and result[1].tolist() == [False, False, True]


def test_a_topic_no_unit_is_confidently_about_is_never_assigned() -> None:
    units, phrases, phrase_topic, _ = _world(1)
    # a fourth topic whose phrases point where no unit is
    phrases = np.vstack([phrases, -np.ones((3, 16))])
    phrase_topic = np.concatenate([phrase_topic, [3, 3, 3]])
    similarity = phrase_similarity(units, phrases, phrase_topic, 4)
    head = TopicHead().fit(units, similarity)
    assert not head.learned_[3]
    assert not head.assign(units, similarity)[:, 3].any()


def test_best_f1_threshold_and_settings() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.2, 0.1])
    # halfway in the gap under the best cut
    assert _best_f1_threshold(scores, np.array([1, 1, 0, 0, 0])) == pytest.approx(0.75)
    assert _best_f1_threshold(scores, np.array([1, 1, 1, 1, 0])) == pytest.approx(0.15)
    assert _best_f1_threshold(scores, np.array([1, 1, 1, 1, 1])) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="confident_share"):
        TopicHead(confident_share=0)
    with pytest.raises(ValueError, match="rounds"):
        TopicHead(rounds=0)


def test_a_second_round_learns_from_what_the_first_read_clearly() -> None:
    units, phrases, phrase_topic, truth = _world(2)
    similarity = phrase_similarity(units, phrases, phrase_topic, 3)
    one = TopicHead(confident_share=0.2).fit(units, similarity)
    two = TopicHead(confident_share=0.2, rounds=2).fit(units, similarity)
    assert two.assign(units, similarity).any(axis=1).all()
    accuracy = [
        (head.predict_proba(units, similarity).argmax(axis=1) == truth).mean()
        for head in (one, two)
    ]
    assert accuracy[1] >= accuracy[0] - 0.01 > 0.8
