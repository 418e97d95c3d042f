"""The theme model: BERTopic finds candidate themes, their centroids assign every unit.

Fitting centres each language's embeddings (so themes form across da/nb/sv/en rather than per
language), runs BERTopic on them (:mod:`pipeline.themes.cluster`), and turns each cluster into
a centroid: the normalised mean of its units. Every unit with content — HDBSCAN's outliers
included — joins the theme whose centroid it is most similar to, unless it is less similar than
the weakest ``1 - coverage`` of the fitted units (those stay without a theme). Assigning new
units later does exactly the same, so a model reloaded from the store assigns like the one
just fitted, and nightly runs never move a unit because of clustering noise.

A refit starts from the model in use: new clusters that match an old theme (centroid and
keywords, :mod:`pipeline.themes.align`) give way to it, so it keeps its id, name and centroid;
old themes compete for units with the unmatched new clusters; themes left with fewer than half
the minimum size dissolve. Seeded themes (from the codeframe) take part as extra centroids made
of their example phrases. Keywords come from c-TF-IDF over the final assignment, labels from
the keywords, quotes from the units nearest each centroid, and parents from grouping similar
centroids.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np

from pipeline.config import ThemesConfig
from pipeline.errors import NotEnoughDataError
from pipeline.themes.align import LineageEvent, ThemeSet, align_themes, lineage, match_themes
from pipeline.themes.cluster import find_clusters
from pipeline.themes.describe import class_keywords, has_content, phrase_label, quotes
from pipeline.themes.evaluate import OUTLIER
from pipeline.themes.hierarchy import build_parents
from pipeline.themes.theme import SeedTheme, Theme, centroids_of, normalise

logger = logging.getLogger(__name__)

#: Language code of units whose language is unknown, and the row of the overall mean.
UNDETERMINED: Final = "und"
GLOBAL: Final = "*"
#: Fewest units with content for a language to get a mean of its own.
MIN_LANGUAGE_UNITS: Final = 30
#: In a refit, a new cluster that matches no old theme becomes a theme only when at least
#: this share of its units had no theme under the old model (new content, not a re-cut of
#: what the old themes already cover). `verbatim themes refit --fresh` starts from scratch.
NOVEL_SHARE: Final = 0.5
#: Least similarity of a seed's phrases (their mean) to a new cluster for the cluster to take
#: the seed's name: phrases are short, so they sit further from a centroid than its units.
SEED_SIMILARITY: Final = 0.5
#: Share of the units that sets the default minimum theme size, and its bounds.
MIN_SIZE_SHARE: Final = 0.005
MIN_SIZE_BOUNDS: Final = (15, 200)


@dataclass(frozen=True)
class _Candidate:
    """A would-be theme while fitting: a centroid, and what it carries over."""

    centroid: np.ndarray
    theme_id: int | None = None
    label: str | None = None
    seed: str | None = None


def default_min_size(n_units: int) -> int:
    """The minimum theme size for ``n_units`` units: 0.5%, at least 15 and at most 200."""
    low, high = MIN_SIZE_BOUNDS
    return int(min(high, max(low, round(n_units * MIN_SIZE_SHARE))))


def nearest(vectors: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the most similar centroid and that cosine similarity, per (normalised) vector."""
    if len(centroids) == 0:
        return np.full(len(vectors), OUTLIER), np.zeros(len(vectors), dtype=np.float32)
    best = np.empty(len(vectors), dtype=np.int64)
    score = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), 8192):  # bounded memory at 200k units
        sims = vectors[start : start + 8192] @ centroids.T
        best[start : start + 8192] = sims.argmax(axis=1)
        score[start : start + 8192] = sims.max(axis=1)
    return best, score


class ThemeModel:
    """Themes of opinion units, fitted on their embeddings.

    Args:
        cfg: Theme settings.
        seeds: Seeded themes from the codeframe (their phrases already embedded).
        encode: The embedder, handed to BERTopic as its ``embedding_model`` (the units'
            embeddings are precomputed; BERTopic never embeds them again).
    """

    def __init__(
        self,
        cfg: ThemesConfig,
        *,
        seeds: Sequence[SeedTheme] = (),
        encode: Callable[[list[str]], np.ndarray] | None = None,
    ) -> None:
        self.cfg = cfg
        self.seeds = tuple(seeds)
        self.encode = encode

    # --- languages ----------------------------------------------------------------------

    def _fit_language_means(
        self, vectors: np.ndarray, langs: list[str], content: np.ndarray
    ) -> None:
        """Mean embedding per language (and overall), from the units with content.

        Multilingual embeddings carry the language as a direction of its own: Danish
        complaints about waiting sit nearer Danish praise than English complaints about
        waiting. Subtracting each language's mean removes that direction, so themes form
        across languages. Languages with few units (and "und") use the overall mean.
        """
        names = np.asarray(langs, dtype=object)
        overall = vectors[content].mean(axis=0) if content.any() else vectors.mean(axis=0)
        self.languages_ = [GLOBAL]
        means = [overall]
        if self.cfg.center_languages:
            for lang in sorted(set(langs) - {UNDETERMINED, GLOBAL}):
                mask = content & (names == lang)
                if mask.sum() >= MIN_LANGUAGE_UNITS:
                    self.languages_.append(lang)
                    means.append(vectors[mask].mean(axis=0))
        self.language_means_ = np.vstack(means).astype(np.float32)

    def _centred(self, embeddings: np.ndarray, langs: Sequence[str]) -> np.ndarray:
        """Embeddings minus their language's mean, re-normalised."""
        vectors = normalise(np.asarray(embeddings, dtype=np.float32))
        row = {lang: i for i, lang in enumerate(self.languages_)}
        index = np.array([row.get(lang, 0) for lang in langs], dtype=np.int64)
        return normalise(vectors - self.language_means_[index])

    # --- fitting ------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        langs: Sequence[str] | None = None,
        *,
        previous: ThemeModel | None = None,
        previous_labels: np.ndarray | None = None,
        next_id: int = 1,
        fresh: bool = False,
    ) -> ThemeModel:
        """Find themes in the units (a refit when ``previous`` is given).

        Args:
            texts: Unit texts (redacted).
            embeddings: (n_units, dim) float32 sentence embeddings of the texts.
            langs: Language of each unit (da, nb, sv, en, und); without them only the overall
                mean is removed.
            previous: The model in use; its themes keep their ids where they persist.
            previous_labels: Each unit's theme id under ``previous`` (-1 for none), to tell
                splits and merges apart.
            next_id: First theme id never used before (new themes count up from it).
            fresh: Cluster from scratch even with a ``previous`` model; its themes then only
                lend their ids (and names) to the new themes that match them.

        Returns:
            self, with ``themes_`` (leaves first, then parents), ``centroids_`` (n_leaves, dim),
            ``leaf_ids_``, ``min_similarity_``, ``labels_`` and ``similarity_`` (the fitted
            assignment: theme id per unit, -1 for none), ``lineage_``, ``min_size_`` and
            ``metrics_``.

        Raises:
            NotEnoughDataError: With fewer than ``cfg.min_units`` units with content.
        """
        cfg = self.cfg
        texts = [str(text) for text in texts]
        if len(embeddings) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        langs = list(langs) if langs is not None else [UNDETERMINED] * len(texts)
        content = has_content(texts, cfg.stop_words)
        n_content = int(content.sum())
        if n_content < cfg.min_units:
            raise NotEnoughDataError(
                f"themes need at least {cfg.min_units} units with content to fit, got "
                f"{n_content}; ingest more feedback or lower themes.min_units"
            )
        self._fit_language_means(normalise(np.asarray(embeddings)), langs, content)
        index = np.flatnonzero(content)
        vectors = self._centred(np.asarray(embeddings)[index], [langs[i] for i in index])
        unit_texts = [texts[i] for i in index]
        self.min_size_ = cfg.min_theme_size or default_min_size(n_content)
        clusters = find_clusters(
            unit_texts, vectors, cfg=cfg, min_size=self.min_size_, encode=self.encode
        )
        candidates = self._candidates(unit_texts, vectors, clusters, None if fresh else previous)
        finals, leaf_local, best_sim = self._settle(vectors, candidates)
        self.centroids_ = np.vstack([c.centroid for c in finals]).astype(np.float32)
        self.min_similarity_ = (
            float(np.quantile(best_sim, 1.0 - cfg.coverage)) if cfg.coverage < 1 else -1.0
        )
        leaf_local = np.where(best_sim >= self.min_similarity_, leaf_local, OUTLIER)
        if fresh and previous is not None:
            finals = self._matched(unit_texts, leaf_local, finals, previous)
        ids = []
        for candidate in finals:
            if candidate.theme_id is None:
                ids.append(next_id)
                next_id += 1
            else:
                ids.append(candidate.theme_id)
        self.leaf_ids_ = np.array(ids, dtype=np.int64)
        keywords = self._leaves(unit_texts, vectors, leaf_local, finals)
        self._hierarchy(unit_texts, vectors, leaf_local, previous, next_id)
        self.labels_ = np.full(len(texts), OUTLIER, dtype=np.int64)
        self.labels_[index] = np.where(leaf_local >= 0, self.leaf_ids_[leaf_local], OUTLIER)
        self.similarity_ = np.zeros(len(texts), dtype=np.float32)
        self.similarity_[index] = best_sim
        self.lineage_ = self._leaf_lineage(previous, previous_labels) + self._parent_events
        self.metrics_ = self._metrics(unit_texts, leaf_local, keywords, n_content, len(texts))
        return self

    def _candidates(
        self,
        texts: list[str],
        vectors: np.ndarray,
        clusters: tuple[np.ndarray, np.ndarray],
        previous: ThemeModel | None,
    ) -> list[_Candidate]:
        """Old themes, new clusters of new content, and seeds not yet themes.

        A new cluster matched to an old theme gives way to it (the old theme keeps its id,
        name and centroid). An unmatched one is kept only when most of its units found no
        theme under the old model.
        """
        sample, topics = clusters
        n_clusters = int(topics.max()) + 1 if len(topics) else 0
        centroids = centroids_of(vectors[sample], topics, n_clusters)
        fresh = [_Candidate(centroid) for centroid in centroids]
        carried: list[_Candidate] = []
        if previous is not None and len(previous.centroids_):
            old = previous.leaf_set()
            keywords = class_keywords(
                [texts[i] for i in sample],
                topics,
                n_clusters,
                extra_stop_words=self.cfg.stop_words,
            )
            new = ThemeSet(np.arange(n_clusters), centroids, keywords, [""] * n_clusters)
            matched = match_themes(old, new, match_similarity=self.cfg.match_similarity)
            _, covered = nearest(vectors[sample], previous.centroids_)
            novel = covered < previous.min_similarity_
            fresh = [
                c
                for j, c in enumerate(fresh)
                if j not in matched and novel[topics == j].mean() >= NOVEL_SHARE
            ]
            carried = [
                _Candidate(previous.centroids_[i], int(theme.theme_id), theme.label, theme.seed)
                for i, theme in enumerate(previous.leaves)
            ]
        seeded = {c.seed for c in carried if c.seed}
        seeds = [
            _Candidate(
                normalise(
                    self._centred(s.vectors, [UNDETERMINED] * len(s.vectors)).mean(
                        axis=0, keepdims=True
                    )
                )[0],
                label=s.name,
                seed=s.name,
            )
            for s in self.seeds
            if s.name not in seeded
        ]
        if seeds and fresh:
            # A seed names the new cluster it matches; unmatched seeds compete on their own.
            named = match_themes(
                ThemeSet(
                    np.arange(len(seeds)),
                    np.vstack([c.centroid for c in seeds]),
                    [c.seed.lower().split() for c in seeds if c.seed],
                    [c.seed or "" for c in seeds],
                ),
                ThemeSet(
                    np.arange(len(fresh)),
                    np.vstack([c.centroid for c in fresh]),
                    [[] for _ in fresh],
                    ["" for _ in fresh],
                ),
                match_similarity=SEED_SIMILARITY,
            )
            fresh = [
                _Candidate(c.centroid, None, seeds[named[j]].label, seeds[named[j]].seed)
                if j in named
                else c
                for j, c in enumerate(fresh)
            ]
            seeds = [c for i, c in enumerate(seeds) if i not in set(named.values())]
        return carried + fresh + seeds

    def _matched(
        self,
        texts: list[str],
        leaf_local: np.ndarray,
        finals: list[_Candidate],
        previous: ThemeModel,
    ) -> list[_Candidate]:
        """Themes of a fresh fit that take over an old theme's id and name when they match."""
        keywords = class_keywords(
            texts, leaf_local, len(finals), extra_stop_words=self.cfg.stop_words
        )
        new = ThemeSet(np.arange(len(finals)), self.centroids_, keywords, [""] * len(finals))
        matched = match_themes(
            previous.leaf_set(), new, match_similarity=self.cfg.match_similarity
        )
        old = previous.leaves
        return [
            _Candidate(c.centroid, old[matched[j]].theme_id, old[matched[j]].label, c.seed)
            if j in matched
            else c
            for j, c in enumerate(finals)
        ]

    def _settle(
        self, vectors: np.ndarray, candidates: list[_Candidate]
    ) -> tuple[list[_Candidate], np.ndarray, np.ndarray]:
        """Every unit joins its nearest candidate; candidates too small to be themes dissolve.

        Candidates left with fewer than half the minimum size are dropped (seeds stay) and
        their units move on; then one k-means step moves each centroid to the mean of its
        units. The final assignment uses exactly those centroids, so assign() reproduces it.

        Returns:
            (the themes, largest first; each unit's theme index; its similarity).
        """
        kept = list(candidates)
        for _ in range(3):
            matrix = np.vstack([c.centroid for c in kept])
            assigned, _score = nearest(vectors, matrix)
            counts = np.bincount(assigned, minlength=len(kept))
            keep = [
                counts[k] > 0 and (counts[k] >= self.min_size_ / 2 or kept[k].seed is not None)
                for k in range(len(kept))
            ]
            if all(keep):
                break
            kept = [c for c, k in zip(kept, keep, strict=True) if k]
        if not kept:
            raise NotEnoughDataError("no theme is large enough; lower themes.min_theme_size")
        assigned, _score = nearest(vectors, np.vstack([c.centroid for c in kept]))
        updated = centroids_of(vectors, assigned, len(kept))
        counts = np.bincount(assigned, minlength=len(kept))
        order = np.argsort(-counts, kind="stable")
        finals = [
            _Candidate(updated[i], kept[i].theme_id, kept[i].label, kept[i].seed)
            for i in order
            if counts[i] > 0
        ]
        best, score = nearest(vectors, np.vstack([c.centroid for c in finals]))
        return finals, best, score

    def _leaves(
        self,
        texts: list[str],
        vectors: np.ndarray,
        leaf_local: np.ndarray,
        finals: list[_Candidate],
    ) -> list[list[str]]:
        """Leaf themes with keywords, labels and quotes; returns the keywords."""
        keywords = class_keywords(
            texts,
            leaf_local,
            len(finals),
            top_n=self.cfg.keywords,
            extra_stop_words=self.cfg.stop_words,
        )
        similarity = vectors @ self.centroids_.T
        taken = {c.label.lower() for c in finals if c.label}
        self.themes_ = []
        for k, candidate in enumerate(finals):
            members = np.flatnonzero(leaf_local == k)
            self.themes_.append(
                Theme(
                    theme_id=int(self.leaf_ids_[k]),
                    label=candidate.label
                    or phrase_label(texts, similarity[:, k], members, keywords[k], taken),
                    keywords=tuple(keywords[k]),
                    quotes=tuple(quotes(texts, similarity[:, k], members)),
                    size=len(members),
                    seed=candidate.seed,
                )
            )
        return keywords

    def _hierarchy(
        self,
        texts: list[str],
        vectors: np.ndarray,
        leaf_local: np.ndarray,
        previous: ThemeModel | None,
        next_id: int,
    ) -> None:
        """Parents over the leaves, with ids kept from the previous model's parents."""
        self._parent_events: list[LineageEvent] = []
        if not self.cfg.parents:
            self.parent_centroids_ = np.zeros((0, vectors.shape[1]), dtype=np.float32)
            self.parent_ids_ = np.zeros(0, dtype=np.int64)
            return
        taken = {t.label.lower() for t in self.themes_}
        leaves, parents, centroids = build_parents(
            self.themes_,
            texts,
            vectors,
            leaf_local,
            self.centroids_,
            first_id=next_id,
            keywords=self.cfg.keywords,
            stop_words=self.cfg.stop_words,
            taken=taken,
        )
        new = ThemeSet(
            np.array([p.theme_id for p in parents], dtype=np.int64),
            centroids,
            [p.keywords for p in parents],
            [p.label for p in parents],
        )
        old = (
            previous.parent_set()
            if previous is not None
            else ThemeSet(np.zeros(0, dtype=np.int64), np.zeros((0, vectors.shape[1])), [], [])
        )
        alignment = align_themes(
            old, new, next_id=next_id, match_similarity=self.cfg.match_similarity
        )
        self._parent_events = alignment.events

        def final(theme_id: int | None) -> int | None:
            return None if theme_id is None else alignment.mapping[theme_id]

        self.themes_ = [
            Theme(**{**asdict(t), "parent_id": final(t.parent_id)}) for t in leaves
        ] + [
            Theme(
                **{
                    **asdict(p),
                    "theme_id": alignment.mapping[p.theme_id],
                    "label": alignment.labels.get(alignment.mapping[p.theme_id], p.label),
                }
            )
            for p in parents
        ]
        self.parent_centroids_ = centroids.astype(np.float32)
        self.parent_ids_ = np.array([t.theme_id for t in self.parents], dtype=np.int64)

    def _leaf_lineage(
        self, previous: ThemeModel | None, previous_labels: np.ndarray | None
    ) -> list[LineageEvent]:
        final = self.leaf_set()
        if previous is None:
            return [LineageEvent("new", int(i), None, None) for i in final.ids]
        flows: dict[tuple[int, int], int] = {}
        if previous_labels is not None:
            both = (np.asarray(previous_labels) >= 0) & (self.labels_ >= 0)
            pairs, counts = np.unique(
                np.stack([np.asarray(previous_labels)[both], self.labels_[both]]),
                axis=1,
                return_counts=True,
            )
            flows = {(int(a), int(b)): int(n) for (a, b), n in zip(pairs.T, counts, strict=True)}
        return lineage(
            previous.leaf_set(), final, flows=flows, match_similarity=self.cfg.match_similarity
        )

    def _metrics(
        self,
        texts: list[str],
        leaf_local: np.ndarray,
        keywords: list[list[str]],
        n_content: int,
        n_units: int,
    ) -> dict[str, Any]:
        from pipeline.themes.quality import npmi_coherence, topic_diversity

        covered = int((leaf_local >= 0).sum())
        return {
            "units": n_units,
            "units_with_content": n_content,
            "coverage": round(covered / max(n_content, 1), 4),
            "themes": len(self.centroids_),
            "parents": len(self.parent_centroids_),
            "min_theme_size": int(self.min_size_),
            "min_similarity": round(float(self.min_similarity_), 4),
            "topic_diversity": round(topic_diversity(keywords), 4),
            "npmi_coherence": round(npmi_coherence(keywords, texts), 4),
        }

    # --- assigning ----------------------------------------------------------------------

    def assign(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        langs: Sequence[str] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Assign units to the fitted themes.

        Args:
            texts: Unit texts (units without content get no theme).
            embeddings: (n_units, dim) sentence embeddings from the model's embedder.
            langs: Language of each unit, as in :meth:`fit`.

        Returns:
            (theme id per unit, -1 for none; cosine similarity to the nearest centroid, in the
            language-centred space; 0 for units without content).
        """
        if len(texts) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        langs = list(langs) if langs is not None else [UNDETERMINED] * len(texts)
        vectors = self._centred(embeddings, langs)
        best, score = nearest(vectors, self.centroids_)
        content = has_content([str(t) for t in texts], self.cfg.stop_words)
        ok = content & (score >= self.min_similarity_) & (best >= 0)
        ids = np.where(ok, self.leaf_ids_[np.maximum(best, 0)], OUTLIER).astype(np.int64)
        return ids, np.where(content, score, 0.0).astype(np.float32)

    # --- views, persistence --------------------------------------------------------------

    def leaf_set(self) -> ThemeSet:
        """The leaves as a :class:`ThemeSet` (for alignment)."""
        return _theme_set(self.leaf_ids_, self.centroids_, self.leaves)

    def parent_set(self) -> ThemeSet:
        """The parents as a :class:`ThemeSet` (for alignment)."""
        return _theme_set(self.parent_ids_, self.parent_centroids_, self.parents)

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The fitted state as arrays and a JSON-able manifest part (for the model store)."""
        arrays: dict[str, np.ndarray] = {
            "centroids": self.centroids_.astype(np.float32),
            "leaf_ids": self.leaf_ids_,
            "parent_centroids": self.parent_centroids_.astype(np.float32),
            "parent_ids": self.parent_ids_,
            "language_means": self.language_means_,
        }
        manifest: dict[str, Any] = {
            "themes": [asdict(t) for t in self.themes_],
            "min_similarity": self.min_similarity_,
            "languages": self.languages_,
            "min_theme_size": self.min_size_,
            "metrics": self.metrics_,
            "lineage": [asdict(e) for e in getattr(self, "lineage_", [])],
            "config": self.cfg.model_dump(mode="json"),
        }
        return arrays, manifest

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], manifest: dict[str, Any], cfg: ThemesConfig
    ) -> ThemeModel:
        """Rebuild a fitted model from :meth:`to_arrays` output (assigns exactly as fitted)."""
        model = cls(cfg)
        model.centroids_ = arrays["centroids"].astype(np.float32)
        model.leaf_ids_ = arrays["leaf_ids"].astype(np.int64)
        model.parent_centroids_ = arrays["parent_centroids"].astype(np.float32)
        model.parent_ids_ = arrays["parent_ids"].astype(np.int64)
        model.language_means_ = arrays["language_means"].astype(np.float32)
        model.languages_ = list(manifest["languages"])
        model.min_similarity_ = float(manifest["min_similarity"])
        model.min_size_ = int(manifest["min_theme_size"])
        model.metrics_ = dict(manifest.get("metrics", {}))
        model.lineage_ = [LineageEvent(**e) for e in manifest.get("lineage", [])]
        model.themes_ = [
            Theme(**{**t, "keywords": tuple(t["keywords"]), "quotes": tuple(t["quotes"])})
            for t in manifest["themes"]
        ]
        return model

    @property
    def leaves(self) -> list[Theme]:
        """Themes units are assigned to (not parents), in centroid order."""
        return [t for t in self.themes_ if not t.is_parent]

    @property
    def parents(self) -> list[Theme]:
        """Parent themes, in parent-centroid order."""
        return [t for t in self.themes_ if t.is_parent]


def _theme_set(ids: np.ndarray, centroids: np.ndarray, themes: list[Theme]) -> ThemeSet:
    return ThemeSet(ids, centroids, [t.keywords for t in themes], [t.label for t in themes])
