"""The topic model: several topics per unit, verdict and churn, discovered topics, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.themes.topic_model import DISCOVERED, TopicModel
from pipeline.themes.topics import TOPIC_LANGUAGES, Topic

DIM = 16


def _topic(key: str, kind: str = "cause", n: int = 6) -> Topic:
    phrases = {lang: () for lang in TOPIC_LANGUAGES} | {
        "en": tuple(f"{key} {i}" for i in range(n))
    }
    names = {lang: f"{key} ({lang})" for lang in TOPIC_LANGUAGES}
    return Topic(key, kind, names, phrases, "test")


TOPICS = (
    _topic("waiting"), _topic("billing"), _topic("staff"), _topic("verdict", "verdict"),
    _topic("churn", "churn"),
)  # fmt: skip


def _world(seed: int = 0, n: int = 900) -> dict[str, np.ndarray]:
    """Four learned topics along four axes, phrases around them, and a fifth unknown cluster.

    The unknown cluster has a direction of its own and leans to no topic more than another:
    none leads among its units and few of them reach a topic's threshold.
    """
    rng = np.random.default_rng(seed)
    axes = np.eye(DIM)[:5]
    centres = np.vstack([axes[:4], axes[4] + 0.25 * axes[:4].sum(axis=0)])
    phrases = np.vstack([axes[i] + 0.2 * rng.normal(size=(6, DIM)) for i in range(4)])
    truth = rng.integers(0, 5, size=n)  # 4 = the cluster no topic names
    units = centres[truth] + 0.35 * rng.normal(size=(n, DIM))
    return {"units": units, "phrases": phrases, "truth": truth}


def _fit(world: dict[str, np.ndarray], **kwargs: object) -> TopicModel:
    sub_themes = np.where(world["truth"] == 4, 99, world["truth"] + 1)
    labels = {1: "a", 2: "b", 3: "c", 4: "d", 99: "Router set-up was easy"}
    return TopicModel(TOPICS, **kwargs).fit(  # type: ignore[arg-type]
        world["units"], world["phrases"], sub_themes=sub_themes, sub_theme_labels=labels
    )


def test_phrases_are_those_of_the_learned_topics_in_order() -> None:
    phrases = TopicModel.phrases_of(TOPICS)
    assert len(phrases) == 24 and phrases[0] == "waiting 0" and "churn 0" not in phrases


def test_every_unit_gets_its_topic_and_a_unit_between_two_gets_both() -> None:
    world = _world()
    model = _fit(world)
    keys = model.keys
    assert keys[:5] == ["waiting", "billing", "staff", "verdict", "churn"]
    assigned = model.assign(world["units"])
    known = world["truth"] < 4
    best = np.array([keys.index(k) for k in ("waiting", "billing", "staff", "verdict")])
    hits = assigned[np.flatnonzero(known), best[world["truth"][known]]]
    assert hits.mean() > 0.9
    assert assigned.any(axis=1).all()
    both = (np.eye(DIM)[0] + np.eye(DIM)[1])[None, :] * 0.8
    pair = model.assign(both)[0]
    assert pair[keys.index("waiting")] and pair[keys.index("billing")]


def test_verdict_units_carry_only_the_verdict_and_churn_adds_the_churn_topic() -> None:
    world = _world(1)
    model = _fit(world)
    keys = model.keys
    units = world["units"][:4]
    verdict = np.array([True, False, False, True])
    churn = np.array([False, True, False, True])
    assigned = model.assign(units, verdict=verdict, churn=churn)
    assert assigned[0].sum() == 1 and assigned[0, keys.index("verdict")]
    assert assigned[1, keys.index("churn")]
    # the cause stays where it reaches its threshold; a bare churn threat carries churn only
    proba = model.probabilities(units[1:2])[0]
    clear = proba >= model.head_.thresholds_
    assert assigned[1].sum() == 1 + clear.sum()
    assert not assigned[2, keys.index("churn")]
    assert assigned[3, keys.index("verdict")] and assigned[3, keys.index("churn")]
    assert assigned[3].sum() == 2


def test_a_large_cluster_no_topic_names_becomes_a_discovered_topic() -> None:
    world = _world(2)
    model = _fit(world)
    discovered = [t for t in model.topics_ if t.kind == DISCOVERED]
    assert [t.key for t in discovered] == [f"{DISCOVERED}:99"]
    assert discovered[0].name("da") == "Router set-up was easy"
    assert model.sub_theme_topic_[1] == "waiting" and model.sub_theme_topic_[99] == "discovered:99"
    column = model.keys.index("discovered:99")
    unknown = world["truth"] == 4
    sub_themes = np.where(unknown, 99, 1)
    assigned = model.assign(world["units"], sub_themes=sub_themes)
    assert assigned[unknown, column].all() and not assigned[~unknown, column].any()


def test_a_small_unknown_cluster_stays_a_sub_theme_of_its_nearest_topic() -> None:
    world = _world(2)
    model = _fit(world, discovered_share=0.5)
    assert not [t for t in model.topics_ if t.kind == DISCOVERED]
    assert model.sub_theme_topic_[99] in {"waiting", "billing", "staff", "verdict"}


def test_a_stored_model_assigns_exactly_as_the_fitted_one() -> None:
    world = _world(3)
    model = _fit(world)
    arrays, manifest = model.to_arrays()
    again = TopicModel.from_arrays(arrays, manifest)
    assert again is not None and again.keys == model.keys
    sub = np.where(world["truth"] == 4, 99, 1)
    np.testing.assert_array_equal(
        again.assign(world["units"], sub_themes=sub), model.assign(world["units"], sub_themes=sub)
    )
    assert TopicModel.from_arrays({}, {}) is None


def test_phrases_and_their_embeddings_must_agree() -> None:
    world = _world()
    with pytest.raises(ValueError, match="24 phrases but 3 embeddings"):
        TopicModel(TOPICS).fit(world["units"], world["phrases"][:3])
    with pytest.raises(ValueError, match="at least one topic"):
        TopicModel(()).fit(world["units"], world["phrases"])
