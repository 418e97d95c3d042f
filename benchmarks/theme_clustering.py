"""Theme clustering configurations compared on gold labels (which to make the default).

Run by hand: `.venv/bin/python benchmarks/theme_clustering.py [--embed-model e5-small]`.

Data (evaluation only, read from `../shared/datasets`, never copied): the airline tweets that are
negative with a real `negativereason` (not "Can't Tell"), cleaned as social posts (@mentions and
links removed), against that reason; and the SemEval-2014 restaurant sentences against their
aspect categories (a set per sentence). Embeddings are computed once per data set and embedder
and kept in `--cache-dir` (default: the user cache's `bench/` folder).

Each configuration prints NMI, ARI, purity, coverage (units with a theme), the theme count, the
seconds it took (embedding excluded), and for the airline set the best share of one theme per
reason among the five largest reasons (target: each ≥ 0.6; NMI ≥ 0.35; SemEval purity ≥ 0.6).
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import EmbedConfig
from pipeline.embed import load_embedder, model_cache_dir
from pipeline.text.clean import clean_text
from pipeline.themes.evaluate import OUTLIER, theme_agreement

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def airline() -> tuple[list[str], list[object]]:
    frame = pd.read_csv(DATASETS / "airline_tweets" / "airline_tweets.csv")
    frame = frame[frame["negativereason"].notna() & (frame["negativereason"] != "Can't Tell")]
    texts = [clean_text(str(text), source="social") for text in frame["text"]]
    return texts, frame["negativereason"].tolist()


def semeval() -> tuple[list[str], list[object]]:
    root = ET.parse(DATASETS / "semeval2014_restaurants" / "Restaurants_Train_v2.xml").getroot()
    texts, gold = [], []
    for sentence in root.iter("sentence"):
        categories = frozenset(
            c.get("category") for c in sentence.iter("aspectCategory") if c.get("category")
        )
        texts.append(sentence.findtext("text") or "")
        gold.append(categories)
    return texts, gold


def _vectors(name: str, texts: list[str], cfg: EmbedConfig, cache: Path) -> np.ndarray:
    embedder = load_embedder(cfg)
    path = cache / f"{name}-{embedder.name}-{embedder.version}-{len(texts)}.npy".replace("+", "_")
    if path.exists():
        return np.load(path)
    start = time.perf_counter()
    vectors = embedder.encode(texts)
    print(f"embedded {len(texts):,} {name} texts in {time.perf_counter() - start:.0f} s")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _nearest_centroid(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Outliers joined to the theme with the most similar centroid."""
    themes = sorted(set(labels.tolist()) - {OUTLIER})
    if not themes or (labels != OUTLIER).all():
        return labels
    centroids = np.vstack([vectors[labels == t].mean(axis=0) for t in themes])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    out = labels.copy()
    outliers = labels == OUTLIER
    out[outliers] = np.array(themes)[(vectors[outliers] @ centroids.T).argmax(axis=1)]
    return out


def all_but_the_top(vectors: np.ndarray, d: int) -> np.ndarray:
    """Centre, remove the top d principal directions (shared tone, not topic), re-normalise."""
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred[:: max(1, len(centred) // 5000)], full_matrices=False)
    top = components[:d]
    cleaned = centred - (centred @ top.T) @ top
    return cleaned / np.linalg.norm(cleaned, axis=1, keepdims=True)


def after(d: int, run: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda vectors: run(all_but_the_top(vectors, d))


def kmeans(k: int) -> Callable[[np.ndarray], np.ndarray]:
    def run(vectors: np.ndarray) -> np.ndarray:
        from sklearn.cluster import KMeans

        return KMeans(k, n_init=4, random_state=0).fit_predict(vectors)

    return run


def umap_hdbscan(min_size: int, *, reassign: bool) -> Callable[[np.ndarray], np.ndarray]:
    def run(vectors: np.ndarray) -> np.ndarray:
        import hdbscan
        import umap

        reduced = umap.UMAP(
            n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0
        ).fit_transform(vectors)
        labels = hdbscan.HDBSCAN(min_cluster_size=min_size, min_samples=5).fit_predict(reduced)
        return _nearest_centroid(vectors, labels) if reassign else labels

    return run


def umap_kmeans(k: int) -> Callable[[np.ndarray], np.ndarray]:
    def run(vectors: np.ndarray) -> np.ndarray:
        import umap
        from sklearn.cluster import KMeans

        reduced = umap.UMAP(
            n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0
        ).fit_transform(vectors)
        return KMeans(k, n_init=4, random_state=0).fit_predict(reduced)

    return run


CONFIGURATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "kmeans k=8": kmeans(8),
    "kmeans k=12": kmeans(12),
    "kmeans k=20": kmeans(20),
    "umap+kmeans k=12": umap_kmeans(12),
    "umap+hdbscan 15": umap_hdbscan(15, reassign=False),
    "umap+hdbscan 15 +reassign": umap_hdbscan(15, reassign=True),
    "umap+hdbscan 40 +reassign": umap_hdbscan(40, reassign=True),
    "abtt1 kmeans k=12": after(1, kmeans(12)),
    "abtt3 kmeans k=12": after(3, kmeans(12)),
    "abtt3 kmeans k=20": after(3, kmeans(20)),
    "abtt3 umap+hdbscan 15 +reassign": after(3, umap_hdbscan(15, reassign=True)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embed-model", default="e5-small")
    parser.add_argument("--prompt", default="query: ", help="e5 prefix (embed.prompt)")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--only", default=None, help="substring of the configurations to run")
    args = parser.parse_args()
    cfg = EmbedConfig(model=args.embed_model, prompt=args.prompt)
    cache = args.cache_dir or model_cache_dir(cfg).parent / "bench"
    for name, load in (("airline", airline), ("semeval", semeval)):
        texts, gold = load()
        vectors = _vectors(name, texts, cfg, cache)
        top = pd.Series(gold).value_counts().index[:5].tolist() if name == "airline" else []
        print(f"\n{name}: {len(texts):,} texts")
        for label, run in CONFIGURATIONS.items():
            if args.only and args.only not in label:
                continue
            start = time.perf_counter()
            themes = run(vectors)
            seconds = time.perf_counter() - start
            result = theme_agreement(themes, gold, min_theme_size=20)
            line = (
                f"  {label:<27} NMI {result.nmi:.3f} ARI {result.ari:.3f} purity "
                f"{result.purity:.3f} coverage {result.coverage:.2f} themes {result.n_themes:>3} "
                f"{seconds:5.1f} s"
            )
            if top:
                shares = " ".join(f"{r[:12]}={result.best_share.get(str(r), 0):.2f}" for r in top)
                line += f" | {shares}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
