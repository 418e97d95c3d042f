"""Topics per opinion unit, learned from the workspace itself (issue 20, being built).

The starter topics' example phrases (`pipeline.themes.topics`) are prototypes: a unit's
similarity to a topic is the mean cosine of its ``k`` most similar phrases of that topic. They
name a topic well where a unit says it plainly, and miss the workspace's own ways of saying it.
So, as the sentiment head learns from the customer's own scores, a head learns topics from the
units the prototypes assign *confidently*: those whose best topic leads the second by a margin
in the top ``confident_share`` of the workspace's margins. One logistic regression per topic
(that topic's confident units against every other confident unit) reads the unit's embedding
and its prototype similarities; its threshold is the probability with the best F1 on
out-of-fold predictions over the confident units. A unit carries every topic whose probability
reaches its threshold — several topics per unit where it speaks of several. Nothing is a
constant tuned to one data set: the margin cut is a quantile of the data, the thresholds come
from the data.
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np


def phrase_similarity(
    units: np.ndarray, phrases: np.ndarray, phrase_topic: np.ndarray, n_topics: int, k: int = 3
) -> np.ndarray:
    """(n_units, n_topics): mean cosine of each unit's ``k`` most similar phrases per topic.

    Args:
        units: (n, d) unit embeddings.
        phrases: (m, d) phrase embeddings.
        phrase_topic: (m,) topic index (0..n_topics-1) of each phrase; every topic has one.
        n_topics: Number of topics.
        k: Phrases averaged per topic (fewer where a topic has fewer).
    """
    units = units / np.maximum(np.linalg.norm(units, axis=1, keepdims=True), 1e-12)
    phrases = phrases / np.maximum(np.linalg.norm(phrases, axis=1, keepdims=True), 1e-12)
    cosine = units @ phrases.T
    out = np.zeros((len(units), n_topics), dtype=np.float64)
    for topic in range(n_topics):
        block = cosine[:, phrase_topic == topic]
        if block.shape[1] == 0:
            raise ValueError(f"topic {topic} has no phrase")
        out[:, topic] = np.sort(block, axis=1)[:, -min(k, block.shape[1]) :].mean(axis=1)
    return out


class TopicHead:
    """Multi-label topics learned from the prototypes' confident assignments.

    Args:
        confident_share: Share of units, by margin of their best prototype topic over the
            second, taken as confidently assigned (the training set).
        rounds: Rounds of training; after each, the units the head reads as one clear topic
            join the next round's training set.
        folds: Folds of the out-of-fold predictions that set each topic's threshold.
        random_state: Seed of the folds.
        jobs: Threads the per-topic fits run on (-1: one per core); the result is the same.
    """

    def __init__(
        self,
        *,
        confident_share: float = 0.3,
        rounds: int = 1,
        folds: int = 3,
        random_state: int = 0,
        jobs: int = -1,
    ) -> None:
        if not 0 < confident_share <= 1:
            raise ValueError("confident_share must be in (0, 1]")
        if rounds < 1:
            raise ValueError("rounds must be at least 1")
        self.confident_share = confident_share
        self.rounds = rounds
        self.folds = folds
        self.random_state = random_state
        self.jobs = jobs

    @staticmethod
    def _features(vectors: np.ndarray, similarity: np.ndarray) -> np.ndarray:
        centred = similarity - similarity.mean(axis=1, keepdims=True)
        return np.hstack([np.asarray(vectors, dtype=np.float64), 10.0 * centred])

    def fit(self, vectors: np.ndarray, similarity: np.ndarray) -> Self:
        """Learn one classifier and one threshold per topic.

        Args:
            vectors: (n, d) unit embeddings.
            similarity: (n, n_topics) from `phrase_similarity`.
        """
        n_topics = similarity.shape[1]
        ranked = np.sort(similarity, axis=1)
        margin = ranked[:, -1] - ranked[:, -2] if n_topics > 1 else ranked[:, -1]
        confident = margin >= np.quantile(margin, 1 - self.confident_share)
        features = self._features(vectors, similarity)
        labels = similarity.argmax(axis=1)
        self._fit_rows(features, labels, confident, n_topics)
        for _ in range(self.rounds - 1):
            # the units the head now reads as one clear topic join the next round's training
            proba = self.predict_proba(vectors, similarity)
            clear = (proba >= self.thresholds_).sum(axis=1) == 1
            rows = confident | clear
            self._fit_rows(features, np.where(confident, labels, proba.argmax(axis=1)), rows,
                           n_topics)  # fmt: skip
        return self

    def _fit_rows(
        self, features: np.ndarray, labels: np.ndarray, rows: np.ndarray, n_topics: int
    ) -> None:
        """One classifier and threshold per topic, trained on ``rows`` labelled ``labels``."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        def model() -> Any:
            return LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, tol=1e-3)

        from joblib import Parallel, delayed

        x = features[rows]

        def one(topic: int) -> tuple[float, np.ndarray, float] | None:
            y = (labels[rows] == topic).astype(int)
            if y.sum() < self.folds or (len(y) - y.sum()) < self.folds:
                return None  # too few confident units to learn this topic
            held_out = np.zeros(len(y))
            splits = StratifiedKFold(self.folds, shuffle=True, random_state=self.random_state)
            for train, test in splits.split(x, y):
                held_out[test] = model().fit(x[train], y[train]).predict_proba(x[test])[:, 1]
            fitted = model().fit(x, y)
            threshold = _best_f1_threshold(held_out, y)
            return threshold, fitted.coef_.ravel(), float(fitted.intercept_[0])

        # topics are independent: threads share the features, and the solver runs in BLAS
        fits = Parallel(n_jobs=self.jobs, prefer="threads")(
            delayed(one)(topic) for topic in range(n_topics)
        )
        self.learned_ = np.array([fit is not None for fit in fits], dtype=bool)
        self.coef_ = np.zeros((n_topics, features.shape[1]))
        self.intercept_ = np.zeros(n_topics)
        self.thresholds_ = np.ones(n_topics)
        for topic, fit in enumerate(fits):
            if fit is not None:
                self.thresholds_[topic], self.coef_[topic], self.intercept_[topic] = fit

    def predict_proba(self, vectors: np.ndarray, similarity: np.ndarray) -> np.ndarray:
        """(n, n_topics) probability of each topic (0 for a topic that could not be learned)."""
        features = self._features(vectors, similarity)
        with np.errstate(over="ignore"):
            proba = 1.0 / (1.0 + np.exp(-(features @ self.coef_.T + self.intercept_)))
        return np.where(self.learned_, proba, 0.0)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as arrays (for the model store)."""
        return {
            "learned": self.learned_,
            "coef": self.coef_,
            "intercept": self.intercept_,
            "thresholds": self.thresholds_,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> TopicHead:
        """A fitted head from :meth:`to_arrays` output (predicts exactly as fitted)."""
        head = cls()
        head.learned_ = np.asarray(arrays["learned"], dtype=bool)
        head.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        head.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        head.thresholds_ = np.asarray(arrays["thresholds"], dtype=np.float64)
        return head

    def assign(self, vectors: np.ndarray, similarity: np.ndarray) -> np.ndarray:
        """(n, n_topics) boolean: each unit's most probable topic, and every other topic.

        Every other topic whose probability reaches its threshold: a unit that speaks of
        several topics carries several.
        """
        proba = self.predict_proba(vectors, similarity)
        assigned = proba >= self.thresholds_
        assigned[np.arange(len(proba)), proba.argmax(axis=1)] = True
        return assigned


def _best_f1_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The cut of ``scores >= cut`` with the best F1 against ``y`` (0/1).

    Where a range of cuts gives the best F1 (the classes are apart), the cut lies halfway in
    the gap under the lowest of them: as far from either class as the data allow.
    """
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    hits = np.cumsum(y[order])
    precision = hits / np.arange(1, len(y) + 1)
    recall = hits / max(int(y.sum()), 1)
    f1 = np.where(hits > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)
    last = int(np.flatnonzero(f1 >= f1.max() - 1e-12)[-1])
    if last + 1 < len(ranked):
        return float((ranked[last] + ranked[last + 1]) / 2)
    return float(ranked[last])
