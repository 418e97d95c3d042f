"""What a theme is: the records the model and the warehouse share, and its centroid."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Theme:
    """One theme as the model knows it.

    Attributes:
        theme_id: Stable id (kept across refits).
        label: Short label made from the keywords (or kept from the matched old theme).
        keywords: Top c-TF-IDF keywords, best first.
        quotes: Representative units (redacted text).
        size: Fitted units in the theme (for a parent: in its children).
        parent_id: The parent theme's id, if any.
        is_parent: Whether this groups other themes (units are never assigned to it directly).
        seed: The codeframe seed's name for a seeded theme.
    """

    theme_id: int
    label: str
    keywords: tuple[str, ...]
    quotes: tuple[str, ...]
    size: int
    parent_id: int | None = None
    is_parent: bool = False
    seed: str | None = None


@dataclass(frozen=True)
class SeedTheme:
    """A theme a person asked for, with example phrases and their embeddings."""

    name: str
    phrases: tuple[str, ...]
    vectors: np.ndarray = field(repr=False)


def normalise(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), float32."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def centroids_of(vectors: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """(n, dim) normalised mean vector of each label 0 … n-1 (-1 ignored)."""
    sums = np.zeros((n, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels[labels >= 0], vectors[labels >= 0])
    return normalise(sums)
