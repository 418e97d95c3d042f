"""Candidate themes: BERTopic (UMAP + HDBSCAN, or k-means) on precomputed embeddings.

BERTopic gets the units' embeddings, so it never embeds documents itself; its
``embedding_model`` is the configured embedder all the same (it would otherwise try to download
one). HDBSCAN comes from the ``hdbscan`` package: scikit-learn's has no ``predict``. HDBSCAN
selects ``leaf`` clusters by default: on short feedback ``eom`` tends to put most units into one
or two clusters (measured: 2 clusters for 7,988 airline complaints).

UMAP and its nearest-neighbour search (pynndescent) compile their numba functions on first use
in every process, as most of them are not cached by those packages; `cache_umap_compilation`
turns numba's on-disk cache on for them, so each process after the first loads the machine code
instead (a 11,000-unit fit in a new process: 45 s before, 26 s with pynndescent's functions
cached too; its ``nn_descent`` takes the distance function as an argument, which numba compiles
anew in every process).

A fit is reproducible (``themes.reproducible``, the default): the sample, UMAP and k-means draw
from ``themes.seed`` (the workspace's ``run.seed``), UMAP then runs its layout on one core, and
`seeded_eigensolver` seeds the one draw UMAP leaves to chance.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, Final

import numpy as np

from pipeline.config import ThemesConfig
from pipeline.errors import NotEnoughDataError
from pipeline.themes.describe import TOKEN_PATTERN
from pipeline.themes.words import stop_words

logger = logging.getLogger(__name__)
#: umap-learn's and pynndescent's modules with numba functions a fit compiles.
_UMAP_MODULES: Final = (
    "umap.umap_",
    "umap.layouts",
    "umap.utils",
    "umap.distances",
    "pynndescent.pynndescent_",
    "pynndescent.utils",
    "pynndescent.rp_trees",
    "pynndescent.distances",
)
_EIGENSOLVER_LOCK: Final = threading.Lock()


@functools.cache
def cache_umap_compilation() -> int:
    """Turn on numba's on-disk cache for umap-learn's uncached functions (once per process).

    Numba keeps the cache beside the module (``__pycache__``), or in ``NUMBA_CACHE_DIR`` or a
    per-user directory when that is not writable, keyed by the source file's path and stamp, so
    an upgraded umap-learn compiles afresh. Returns how many functions it turned the cache on
    for (0 when numba's internals have moved; fits then compile as before).
    """
    import importlib

    try:
        from numba.core.caching import NullCache
        from numba.core.registry import CPUDispatcher
    except ImportError:  # pragma: no cover - numba reorganised
        return 0
    modules: list[ModuleType] = [importlib.import_module(name) for name in _UMAP_MODULES]
    turned = 0
    for module in modules:
        for function in vars(module).values():
            if isinstance(function, CPUDispatcher) and isinstance(
                getattr(function, "_cache", None), NullCache
            ):
                try:
                    function.enable_caching()
                except Exception as e:  # an uncacheable function compiles as before
                    logger.debug("numba cache not enabled for %s: %s", function, e)
                    continue
                turned += 1
    return turned


@contextlib.contextmanager
def seeded_eigensolver(seed: int) -> Iterator[None]:
    """Give ARPACK's restarts a generator drawn from ``seed`` while UMAP lays out its graph.

    UMAP starts its spectral layout from ``scipy.sparse.linalg.eigsh(..., v0=ones)`` without a
    generator. Identical units (many customers write "Ok") give identical embeddings, which form
    complete graph components whose Laplacian has the all-ones start as an exact eigenvector;
    ARPACK then restarts from fresh operating-system entropy (SciPy's ``rng=None``), so the
    layout, and with it the themes, changed from run to run despite ``random_state`` (umap-learn
    issue 1277). Inside this context ``eigsh`` calls that name no generator get one seeded from
    ``seed``; everything else about them is unchanged. One fit at a time holds the patch.
    """
    from scipy.sparse import linalg

    with _EIGENSOLVER_LOCK:
        original = linalg.eigsh
        rng = np.random.default_rng(seed)

        @functools.wraps(original)
        def eigsh(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("rng") is None:
                kwargs["rng"] = rng
            return original(*args, **kwargs)

        linalg.eigsh = eigsh
        try:
            yield
        finally:
            linalg.eigsh = original


def find_clusters(
    texts: list[str],
    vectors: np.ndarray,
    *,
    cfg: ThemesConfig,
    min_size: int,
    encode: Callable[[list[str]], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster a sample of the units with BERTopic.

    Args:
        texts: Unit texts.
        vectors: (n, dim) normalised embeddings of the texts.
        cfg: Theme settings (UMAP, clusterer, sample size, seed).
        min_size: Minimum cluster size.
        encode: The embedder, BERTopic's ``embedding_model``.

    Returns:
        (indices of the clustered sample, each one's cluster; -1 for HDBSCAN's outliers).
    """
    sample = np.arange(len(texts))
    if len(sample) > cfg.fit_sample:
        rng = np.random.default_rng(cfg.seed)
        sample = np.sort(rng.choice(len(texts), cfg.fit_sample, replace=False))
    topic_model = _bertopic(len(sample), cfg=cfg, min_size=min_size, encode=encode)
    with seeded_eigensolver(cfg.seed) if cfg.reproducible else contextlib.nullcontext():
        topics, _ = topic_model.fit_transform(
            [texts[i] for i in sample], embeddings=vectors[sample]
        )
    return sample, np.asarray(topics, dtype=np.int64)


def umap_reducer(n: int, *, cfg: ThemesConfig) -> Any:
    """The UMAP that reduces ``n`` unit embeddings before clustering (unfitted).

    Seeded from ``cfg.seed`` on one core when ``cfg.reproducible``; fit it inside
    `seeded_eigensolver` for the layout to be reproducible too (as `find_clusters` does).
    """
    try:
        from umap import UMAP
    except ImportError as e:  # pragma: no cover - installed with verbatim
        raise NotEnoughDataError(f"themes need umap-learn ({e}); run `make install`") from e
    cache_umap_compilation()
    return UMAP(
        n_neighbors=min(cfg.neighbors, max(2, n - 1)),
        n_components=min(cfg.components, max(2, n - 2)),
        min_dist=0.0,
        metric="cosine",
        random_state=cfg.seed if cfg.reproducible else None,
        n_jobs=1 if cfg.reproducible else -1,
        low_memory=True,
    )


def _bertopic(
    n: int,
    *,
    cfg: ThemesConfig,
    min_size: int,
    encode: Callable[[list[str]], np.ndarray] | None,
) -> Any:
    try:
        import hdbscan
        from bertopic import BERTopic
        from bertopic.backend import BaseEmbedder
        from bertopic.vectorizers import ClassTfidfTransformer
        from sklearn.cluster import KMeans
        from sklearn.feature_extraction.text import CountVectorizer
    except ImportError as e:  # pragma: no cover - installed with verbatim
        raise NotEnoughDataError(
            f"themes need bertopic, umap-learn and hdbscan ({e}); run `make install`"
        ) from e
    cache_umap_compilation()

    class _Backend(BaseEmbedder):
        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            if encode is None:
                raise NotEnoughDataError("the theme model has no embedder to embed words")
            return encode(list(documents))

    reducer = umap_reducer(n, cfg=cfg)
    if cfg.clusterer == "kmeans":
        k = cfg.n_themes or max(2, n // (2 * min_size))
        clusterer: Any = KMeans(n_clusters=min(k, n), n_init=4, random_state=cfg.seed)
    else:
        clusterer = hdbscan.HDBSCAN(
            min_cluster_size=min_size,
            min_samples=min(5, min_size),
            cluster_selection_method=cfg.selection,
            prediction_data=False,
        )
    return BERTopic(
        embedding_model=_Backend(),
        umap_model=reducer,
        hdbscan_model=clusterer,
        vectorizer_model=CountVectorizer(
            stop_words=sorted(stop_words(cfg.stop_words)), token_pattern=TOKEN_PATTERN
        ),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        min_topic_size=min_size,
        calculate_probabilities=False,
        verbose=False,
    )
