"""Topics per opinion unit: the level a product manager acts on (issue 20).

A *topic* is a cause people act on — waiting time, billing, outages — named in four languages
by the starter library (`pipeline.themes.topics`) or by the workspace's own codeframe; the
discovered clusters of `pipeline.themes.model` are its *sub-themes*, for drill-down.

`TopicModel` learns the topics of one workspace the way the sentiment head learns from the
customer's own scores: each topic's example phrases are prototypes, and a head
(`pipeline.themes.assign.TopicHead`) is trained on the units the prototypes assign
confidently; its per-topic thresholds come from out-of-fold F1 on those units. A unit carries
its most probable topic and every other topic over its threshold (several per unit).

Two topics are not causes and are never learned from phrases alone: the *general verdict*
(units that only judge, "ok", "ikke tilfreds") takes the units the sentiment lexicon reads as a
verdict and nothing else; *churn threats* take the units the churn head flags (a churn threat
also keeps a cause it names clearly enough to reach that topic's threshold; "thinking about
switching" alone is not a contract complaint).

Sub-themes meet topics after the fit: a sub-theme belongs to the topic most of its units
lean to. A sub-theme that matches no topic — no topic is the best for half of its units and
fewer than half of its units reach their best topic's threshold, or hardly any (under a tenth)
does — and that holds at least
``discovered_share`` of the units becomes a *discovered topic* of its own, named by its label
(a phrase of its most central units); its units carry it instead of a topic they were only
pushed to. A sub-theme that clearly belongs to its topic (most of its units lean to it, and
most reach its threshold) lends that topic to all its units: the workspace's own clusters
correct the prototypes where a phrasing the library lacks sits with the topic's other units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Self

import numpy as np

from pipeline.themes.assign import TopicHead, phrase_similarity
from pipeline.themes.topics import TOPIC_LANGUAGES, Topic

#: Kind of a topic found in the data rather than in the library.
DISCOVERED: Final = "discovered"
#: Kinds that name no cause: shown, never ranked, never routing follow-ups.
NOT_CAUSES: Final = frozenset({"verdict", "churn"})


@dataclass(frozen=True)
class TopicInfo:
    """One topic of a fitted model (library, codeframe or discovered).

    Attributes:
        key: Stable key: the library id (``waiting_time``), or ``discovered:<sub-theme id>``.
        kind: cause, verdict, churn or discovered.
        names: Name per language (a discovered topic has its sub-theme's label in each).
        pack: Where it comes from: a pack name, ``codeframe`` or ``discovered``.
    """

    key: str
    kind: str
    names: Mapping[str, str]
    pack: str

    def name(self, lang: str) -> str:
        """The topic's name in ``lang`` (English where it has none)."""
        return self.names.get(lang) or self.names.get("en") or self.key

    @property
    def is_cause(self) -> bool:
        """Whether it names something to fix (not the verdict, not churn)."""
        return self.kind not in NOT_CAUSES

    def as_dict(self) -> dict[str, Any]:
        """The manifest form."""
        return {"key": self.key, "kind": self.kind, "names": dict(self.names), "pack": self.pack}


def info_of(topic: Topic) -> TopicInfo:
    """The TopicInfo of a library topic."""
    return TopicInfo(topic.topic_id, topic.kind, dict(topic.names), topic.pack)


class TopicModel:
    """Multi-label topics learned from the workspace, with discovered topics from sub-themes.

    Args:
        topics: The library's and codeframe's topics (with phrases), in order.
        confident_share: Share of units, by prototype margin, the head trains on first.
        rounds: Training rounds of the head (`TopicHead`).
        k: Phrases averaged per topic in the prototype similarity.
        discovered_share: Least share of the units with content an unrecognised sub-theme
            must hold to become a topic of its own.
        random_state: Seed of the head's folds.
    """

    def __init__(
        self,
        topics: Sequence[Topic] = (),
        *,
        confident_share: float = 0.3,
        rounds: int = 2,
        k: int = 3,
        discovered_share: float = 0.01,
        random_state: int = 0,
    ) -> None:
        self.topics = tuple(topics)
        self.confident_share = confident_share
        self.rounds = rounds
        self.k = k
        self.discovered_share = discovered_share
        self.random_state = random_state

    # --- fitting ----------------------------------------------------------------------------

    @staticmethod
    def phrases_of(topics: Sequence[Topic]) -> list[str]:
        """Every phrase of the learned topics (not churn), in the order `fit` expects."""
        return [p for t in topics if t.kind != "churn" for p in t.all_phrases()]

    def fit(
        self,
        vectors: np.ndarray,
        phrase_vectors: np.ndarray,
        *,
        sub_themes: np.ndarray | None = None,
        sub_theme_labels: Mapping[int, str] | None = None,
        verdict: np.ndarray | None = None,
    ) -> Self:
        """Learn the topics of the units with content.

        Args:
            vectors: (n, d) embeddings of the units with content.
            phrase_vectors: (m, d) embeddings of `phrases_of(topics)`, same embedder.
            sub_themes: (n,) sub-theme id of each unit (-1 for none).
            sub_theme_labels: Sub-theme id -> label (names a discovered topic).
            verdict: (n,) whether each unit only gives a verdict (kept out of the training).

        Returns:
            self, with ``topics_`` (TopicInfo, library topics first then discovered),
            ``head_``, ``phrase_vectors_``, ``phrase_topic_``, ``sub_theme_topic_`` (sub-theme
            id -> topic key) and ``inherited_`` (the sub-themes that lend their topic).
        """
        if not self.topics:
            raise ValueError("a topic model needs at least one topic")
        vectors = np.asarray(vectors, dtype=np.float32)
        learned = [t for t in self.topics if t.kind != "churn"]
        self.phrase_topic_ = np.array(
            [i for i, t in enumerate(learned) for _ in t.all_phrases()], dtype=np.int64
        )
        self.phrase_vectors_ = np.asarray(phrase_vectors, dtype=np.float32)
        if len(self.phrase_vectors_) != len(self.phrase_topic_):
            raise ValueError(
                f"{len(self.phrase_topic_)} phrases but {len(self.phrase_vectors_)} embeddings"
            )
        self.learned_keys_ = [t.topic_id for t in learned]
        similarity = self._similarity(vectors)
        keep = np.ones(len(vectors), dtype=bool) if verdict is None else ~np.asarray(verdict)
        self.head_ = TopicHead(
            confident_share=self.confident_share, rounds=self.rounds,
            random_state=self.random_state,
        ).fit(vectors[keep], similarity[keep])  # fmt: skip
        self.topics_ = [info_of(t) for t in self.topics]
        self.sub_theme_topic_: dict[int, str] = {}
        self.inherited_: set[int] = set()
        n = len(vectors)
        sub = np.full(n, -1) if sub_themes is None else np.asarray(sub_themes, dtype=np.int64)
        proba = self.head_.predict_proba(vectors, similarity)
        best = proba.argmax(axis=1)
        # about its best topic as surely as that topic's own clear units are
        recognised = proba[np.arange(n), best] >= self.head_.thresholds_[best]
        labels = dict(sub_theme_labels or {})
        for theme_id in np.unique(sub[sub >= 0]):
            members = sub == theme_id
            counts = np.bincount(best[members], minlength=len(learned))
            topic = int(counts.argmax())
            known = recognised[members].mean()
            # no topic leads and most units are not about their best one — or hardly any is
            unmatched = (counts[topic] < 0.5 * members.sum() and known < 0.5) or known < 0.1
            large = members.sum() >= self.discovered_share * n
            if unmatched and large and int(theme_id) in labels:
                key = f"{DISCOVERED}:{int(theme_id)}"
                name = labels[int(theme_id)]
                self.topics_.append(
                    TopicInfo(key, DISCOVERED, dict.fromkeys(TOPIC_LANGUAGES, name), DISCOVERED)
                )
                self.sub_theme_topic_[int(theme_id)] = key
            else:
                self.sub_theme_topic_[int(theme_id)] = self.learned_keys_[topic]
                if not unmatched:
                    self.inherited_.add(int(theme_id))
        return self

    def _similarity(self, vectors: np.ndarray) -> np.ndarray:
        return phrase_similarity(
            vectors, self.phrase_vectors_, self.phrase_topic_, len(self.learned_keys_), self.k
        )

    # --- assigning --------------------------------------------------------------------------

    @property
    def keys(self) -> list[str]:
        """Topic keys, in column order of `assign`'s result."""
        return [t.key for t in self.topics_]

    def assign(
        self,
        vectors: np.ndarray,
        *,
        sub_themes: np.ndarray | None = None,
        verdict: np.ndarray | None = None,
        churn: np.ndarray | None = None,
    ) -> np.ndarray:
        """(n, n_topics) boolean: the topics each unit carries (columns as `keys`).

        Args:
            vectors: (n, d) embeddings of units with content.
            sub_themes: (n,) sub-theme id per unit (-1 for none): a unit of a discovered
                topic's sub-theme carries it.
            verdict: (n,) units that only give a verdict: the verdict topic only.
            churn: (n,) units the churn head flags: the churn topic as well, and a cause only
                where one reaches its threshold.
        """
        n = len(vectors)
        out = np.zeros((n, len(self.topics_)), dtype=bool)
        if n == 0:
            return out
        vectors = np.asarray(vectors, dtype=np.float32)
        similarity = self._similarity(vectors)
        proba = self.head_.predict_proba(vectors, similarity)
        over = proba >= self.head_.thresholds_
        best = proba.argmax(axis=1)
        column = {key: i for i, key in enumerate(self.keys)}
        learned_columns = np.array([column[key] for key in self.learned_keys_], dtype=np.int64)
        out[:, learned_columns] = over
        # every unit its most probable topic — but a churn threat names no cause unless one
        # reaches its threshold ("thinking about switching" is not a contract complaint)
        forced = np.ones(n, dtype=bool) if churn is None else ~np.asarray(churn, dtype=bool)
        out[np.flatnonzero(forced), learned_columns[best[forced]]] = True
        if sub_themes is not None:
            sub = np.asarray(sub_themes, dtype=np.int64)
            for theme_id, key in self.sub_theme_topic_.items():
                if not key.startswith(f"{DISCOVERED}:"):
                    if theme_id in self.inherited_:
                        # a sub-theme that clearly belongs to a topic lends it to its units
                        out[sub == theme_id, column[key]] = True
                    continue
                members = sub == theme_id
                # the topic it was only pushed to gives way to the discovered one
                pushed = members & ~over[np.arange(n), best]
                out[pushed, learned_columns[best[pushed]]] = False
                out[members, column[key]] = True
        kinds = [t.kind for t in self.topics_]
        verdict_columns = [i for i, kind in enumerate(kinds) if kind == "verdict"]
        if verdict is not None and verdict_columns:
            flagged = np.asarray(verdict, dtype=bool)
            out[flagged] = False
            out[flagged, verdict_columns[0]] = True
        churn_columns = [i for i, kind in enumerate(kinds) if kind == "churn"]
        if churn is not None and churn_columns:
            out[np.asarray(churn, dtype=bool), churn_columns[0]] = True
        return out

    def primary(self, vectors: np.ndarray, assigned: np.ndarray) -> np.ndarray:
        """(n,) each unit's main topic among those it carries (column; -1 for none).

        The most probable learned topic it carries; a discovered topic before any learned
        one (it replaced the topic the unit was pushed to); churn only when it is all.
        """
        score = np.zeros(assigned.shape, dtype=np.float64)
        column = {key: i for i, key in enumerate(self.keys)}
        learned = [column[key] for key in self.learned_keys_]
        if len(vectors):
            score[:, learned] = self.probabilities(vectors) + 1.0
        for i, topic in enumerate(self.topics_):
            score[:, i] += {DISCOVERED: 3.0, "churn": 0.5}.get(topic.kind, 0.0)
        score = np.where(assigned, score, -1.0)
        return np.where(assigned.any(axis=1), score.argmax(axis=1), -1)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, n learned topics) the head's probability of each learned topic."""
        vectors = np.asarray(vectors, dtype=np.float32)
        return self.head_.predict_proba(vectors, self._similarity(vectors))

    # --- persistence ------------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The fitted state as arrays (keys prefixed ``topic_``) and a manifest part."""
        arrays = {f"topic_head_{name}": value for name, value in self.head_.to_arrays().items()}
        arrays |= {
            "topic_phrase_vectors": self.phrase_vectors_,
            "topic_phrase_topic": self.phrase_topic_,
        }
        manifest = {
            "topics": [t.as_dict() for t in self.topics_],
            "learned": list(self.learned_keys_),
            "sub_theme_topic": {str(k): v for k, v in self.sub_theme_topic_.items()},
            "inherited": sorted(self.inherited_),
            "k": self.k,
            "settings": {
                "confident_share": self.confident_share,
                "rounds": self.rounds,
                "discovered_share": self.discovered_share,
            },
        }
        return arrays, manifest

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], manifest: Mapping[str, Any]
    ) -> TopicModel | None:
        """A fitted model from `to_arrays` output; None when the arrays hold none (old model)."""
        if "topic_phrase_vectors" not in arrays or not manifest:
            return None
        model = cls(k=int(manifest.get("k", 3)), **manifest.get("settings", {}))
        prefix = "topic_head_"
        model.head_ = TopicHead.from_arrays(
            {name[len(prefix):]: value for name, value in arrays.items()
             if name.startswith(prefix)}
        )  # fmt: skip
        model.phrase_vectors_ = np.asarray(arrays["topic_phrase_vectors"], dtype=np.float32)
        model.phrase_topic_ = np.asarray(arrays["topic_phrase_topic"], dtype=np.int64)
        model.learned_keys_ = list(manifest["learned"])
        model.topics_ = [
            TopicInfo(t["key"], t["kind"], dict(t["names"]), t["pack"]) for t in manifest["topics"]
        ]
        model.sub_theme_topic_ = {int(k): v for k, v in manifest["sub_theme_topic"].items()}
        model.inherited_ = {int(k) for k in manifest.get("inherited", [])}
        return model
