"""Parent themes: related themes grouped by the similarity of their centroids.

"Customer service" over "waiting time" and "staff friendliness": leaves whose centroids are
close on average are joined (average linkage on cosine distance, up to a similarity floor).
A leaf that groups with nobody has no parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

import numpy as np

from pipeline.themes.describe import class_keywords, phrase_label, quotes
from pipeline.themes.theme import Theme, centroids_of

#: Least average centroid similarity of the leaves under one parent (language-centred e5:
#: leaves of one planted demo driver average 0.30, of different drivers 0.00).
PARENT_SIMILARITY: Final = 0.25
#: Fewest leaves worth a hierarchy.
MIN_LEAVES: Final = 4


def group_themes(points: np.ndarray, *, similarity: float = PARENT_SIMILARITY) -> list[list[int]]:
    """Groups of two or more leaves that share a parent.

    Leaves are joined by average-linkage clustering on cosine distance, stopping where the
    average similarity between two groups falls below ``similarity``: unrelated leaves are
    never forced under one parent.

    Args:
        points: (n_leaves, dim) L2-normalised leaf centroids.
        similarity: Least average cosine similarity within a parent.

    Returns:
        Lists of leaf indices, one list per parent, largest group first.
    """
    n = len(points)
    if n < MIN_LEAVES:
        return []
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=1.0 - similarity,
    ).fit_predict(points)
    groups = [np.flatnonzero(labels == g).tolist() for g in range(int(labels.max()) + 1)]
    groups = [g for g in groups if len(g) >= 2]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def build_parents(
    leaves: list[Theme],
    texts: list[str],
    vectors: np.ndarray,
    leaf_local: np.ndarray,
    centroids: np.ndarray,
    *,
    first_id: int,
    keywords: int,
    stop_words: Sequence[str],
    taken: set[str],
) -> tuple[list[Theme], list[Theme], np.ndarray]:
    """Parent themes over the leaves, with keywords, labels and quotes of their own.

    Args:
        leaves: The leaf themes, in centroid order.
        texts: Unit texts.
        vectors: (n_units, dim) normalised (language-centred) embeddings.
        leaf_local: Each unit's leaf index (-1 for none).
        centroids: (n_leaves, dim) leaf centroids.
        first_id: Provisional id of the first parent.
        keywords: Keywords per parent.
        stop_words: Extra stop words.
        taken: Labels in use (lower case); parents' labels are added.

    Returns:
        (leaves with their provisional parent_id, parents, (n_parents, dim) parent centroids).
    """
    groups = group_themes(centroids)
    parent_of = np.full(len(leaves), -1)
    for g, children in enumerate(groups):
        parent_of[children] = g
    unit_parent = np.where(leaf_local >= 0, parent_of[np.maximum(leaf_local, 0)], -1)
    words = class_keywords(
        texts, unit_parent, len(groups), top_n=keywords, extra_stop_words=stop_words
    )
    matrix = centroids_of(vectors, unit_parent, len(groups))
    parents = []
    for g in range(len(groups)):
        members = np.flatnonzero(unit_parent == g)
        parents.append(
            Theme(
                theme_id=first_id + g,
                label=phrase_label(texts, vectors @ matrix[g], members, words[g], taken),
                keywords=tuple(words[g]),
                quotes=tuple(quotes(texts, vectors @ matrix[g], members)),
                size=len(members),
                is_parent=True,
            )
        )
    linked = [
        replace(leaf, parent_id=first_id + int(parent_of[k]) if parent_of[k] >= 0 else None)
        for k, leaf in enumerate(leaves)
    ]
    return linked, parents, matrix
