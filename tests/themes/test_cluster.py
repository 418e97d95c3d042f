"""Clustering: reproducible fits, down to UMAP's spectral layout of identical units."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.config import ThemesConfig
from pipeline.themes.cluster import find_clusters, seeded_eigensolver, umap_reducer
from tests.theme_data import blob_units


def _complete_graph_laplacian(n: int) -> Any:
    """UMAP's normalised Laplacian of n identical units: a complete graph, every weight 1."""
    from scipy import sparse

    graph = sparse.coo_matrix((np.ones((n, n)) - np.eye(n)).astype(np.float32))
    degree = np.sqrt(np.asarray(graph.sum(axis=0)).squeeze())
    scale = sparse.spdiags(1.0 / degree, 0, n, n)
    return sparse.identity(n, dtype=np.float64) - scale * graph * scale


def test_arpack_restarts_are_drawn_from_the_seed_inside_the_context() -> None:
    from scipy.sparse import linalg

    laplacian = _complete_graph_laplacian(12)

    def layout() -> np.ndarray:
        # UMAP's call (umap/spectral.py): the all-ones start is an exact eigenvector of this
        # Laplacian, so ARPACK restarts from a random vector; unseeded, every call differs
        _, vectors = linalg.eigsh(
            laplacian, 6, which="SM", ncv=13, tol=1e-4, v0=np.ones(12), maxiter=60
        )
        return vectors

    with seeded_eigensolver(3):
        first = layout()
    with seeded_eigensolver(3):
        second = layout()
    np.testing.assert_array_equal(first, second)
    assert not hasattr(linalg.eigsh, "__wrapped__"), "the patch ends with the context"


def test_the_layout_of_units_with_identical_copies_is_the_same_in_every_fit() -> None:
    # many customers write the same short comment: their identical embeddings form graph
    # components of their own, whose spectral layout came from fresh OS entropy (umap-learn
    # issue 1277) and moved the themes from run to run
    _, vectors, _, _ = blob_units(["delivery", "billing", "app", "staff"], 60, seed=4)
    # five short comments far from every topic, each written by more customers than UMAP has
    # neighbours: each is a component of its own whose edges all weigh 1
    short = np.random.default_rng(9).normal(size=(5, vectors.shape[1])).astype(np.float32)
    copies = np.vstack([np.repeat(short[[k]], 16 + 3 * k, axis=0) for k in range(5)])
    vectors = np.vstack([vectors, copies])
    cfg = ThemesConfig(seed=0)
    layouts = []
    for _ in range(2):
        with seeded_eigensolver(cfg.seed):
            layouts.append(umap_reducer(len(vectors), cfg=cfg).fit_transform(vectors))
    np.testing.assert_array_equal(layouts[0], layouts[1])


def test_clusters_are_the_same_in_every_fit() -> None:
    texts, vectors, _, _ = blob_units(["delivery", "billing", "app", "staff"], 60, seed=4)
    cfg = ThemesConfig(seed=0)
    runs = [find_clusters(texts, vectors, cfg=cfg, min_size=15) for _ in range(2)]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert len(set(runs[0][1].tolist()) - {-1}) == 4
