"""Sentiment speed excluding embedding, and a check that embeddings are never computed twice.

Run by hand: `.venv/bin/python benchmarks/sentiment.py [--survey 4000] [--embed-model e5-small]`.
Quality instead of speed: `.venv/bin/python benchmarks/sentiment.py quality` (see
`benchmarks/sentiment_quality.py`).

The demo data (survey, chat, social in da/nb/sv/en) is ingested and enriched into a fresh
warehouse in a temporary folder. Then:

1. `score_sentiment` with the default model (auto: ensemble in a fresh workspace): the
   embedder is wrapped so the seconds spent embedding are measured and subtracted; units/s
   excluding embedding is what is left (lexicon features, n-grams, head, aggregation,
   warehouse reads and writes).
2. The same units scored again by another model (`embedding`): every vector must come from the
   warehouse's `embeddings` table (0 computed).
3. A second consumer of the same units (what the themes stage does): 0 computed.
4. The head alone on in-memory vectors, for each model: units/s.

The seed heads are built first (outside the timings) if the user cache does not have them.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import Config, config_from_dict
from pipeline.demo import generate_demo, write_demo
from pipeline.embed import Embedder
from pipeline.embed import models as embed_models
from pipeline.jobs import embed as embed_jobs
from pipeline.jobs import enrich as enrich_jobs
from pipeline.jobs import ingest as ingest_jobs
from pipeline.jobs import sentiment as sentiment_jobs
from pipeline.storage.warehouse import Warehouse


class TimedEmbedder:
    """Wraps an embedder, counting texts encoded and seconds spent."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.version, self.dim = inner.name, inner.version, inner.dim
        self.texts = 0
        self.seconds = 0.0

    def encode(self, texts: list[str]) -> np.ndarray:
        start = time.perf_counter()
        vectors = self.inner.encode(texts)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return vectors


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _config(root: Path, embed_model: str, model: str) -> Config:
    return config_from_dict(
        {
            "warehouse": {"path": str(root / "data" / "warehouse.duckdb")},
            "embed": {"model": embed_model},
            "sentiment": {"model": model},
        }
    )


def _patch_embedder(timed: dict[str, TimedEmbedder]) -> None:
    original = embed_models.load_embedder
    embed_models.shared_embedder.cache_clear()

    def load(cfg: Any) -> Embedder:
        if "current" not in timed:
            timed["current"] = TimedEmbedder(original(cfg))
        return timed["current"]

    embed_models.load_embedder = load  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--survey", type=int, default=4000, help="survey answers (demo data)")
    parser.add_argument("--embed-model", default="e5-small")
    args = parser.parse_args()

    home = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        os.chdir(root)  # a fresh workspace: its own warehouse and models/
        cfg = _config(root, args.embed_model, "auto")
        paths = write_demo(
            generate_demo(
                n_survey=args.survey, n_chat=args.survey // 5, n_social=args.survey // 2
            ),
            root / "demo",
        )
        for source, path in (
            ("survey", paths.survey),
            ("chat", paths.chat),
            ("social", paths.social),
        ):
            ingest_jobs.ingest_files([path], source=source, cfg=cfg)
        enriched = enrich_jobs.enrich_pending(cfg)
        print(f"{enriched.records:,} records, {enriched.units:,} units enriched")

        start = time.perf_counter()
        for name in ("ensemble", "embedding"):
            sentiment_jobs.sentiment_model(cfg, name=name)
        print(f"seed heads ready in {time.perf_counter() - start:.1f} s (built once per user)")

        timed: dict[str, TimedEmbedder] = {}
        _patch_embedder(timed)

        start = time.perf_counter()
        first = sentiment_jobs.score_sentiment(cfg)
        total = time.perf_counter() - start
        embedder = timed["current"]
        rest = total - embedder.seconds
        print(
            f"score ({first.model}): {first.records:,} records, {first.units:,} units in "
            f"{total:.1f} s; embedding {embedder.texts:,} texts took {embedder.seconds:.1f} s "
            f"({embedder.texts / max(embedder.seconds, 1e-9):,.0f}/s); the rest {rest:.2f} s = "
            f"{first.units / rest:,.0f} units/s excluding embedding; peak RSS {_peak_mb():,.0f} MB"
        )

        texts_before = embedder.texts
        start = time.perf_counter()
        second = sentiment_jobs.score_sentiment(_config(root, args.embed_model, "embedding"))
        seconds = time.perf_counter() - start
        print(
            f"rescore ({second.model}): {second.units:,} units in {seconds:.2f} s = "
            f"{second.units / seconds:,.0f} units/s; embeddings computed "
            f"{embedder.texts - texts_before:,} (reported {second.embedded:,}), reused "
            f"{second.reused_embeddings:,}"
        )

        with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
            units = warehouse.read_table("opinion_units")
            stored = warehouse.count_rows("embeddings")
        texts_before = embedder.texts
        embedding = embed_jobs.Embedding(cfg)
        with Warehouse(cfg.warehouse.path) as warehouse:
            vectors = embedding.cached(warehouse, units["text"].tolist())
        print(
            f"second consumer (themes) of {len(units):,} units: computed "
            f"{embedder.texts - texts_before:,}; {stored:,} vectors stored for "
            f"{units['text'].nunique():,} distinct unit texts"
        )

        texts, langs = units["text"].tolist(), units["lang"].tolist()
        for name in ("ensemble", "embedding", "lexicon"):
            model, _ = sentiment_jobs.sentiment_model(cfg, name=name)
            start = time.perf_counter()
            model.predict_proba(texts, langs, vectors if model.uses_embeddings else None)
            seconds = time.perf_counter() - start
            print(f"head only, {name:<9}: {len(texts) / seconds:>9,.0f} units/s")
        os.chdir(home)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["quality"]:
        # quality per language on the short-comment set and the public sets:
        # `benchmarks/sentiment.py quality [--only short norec] [--json]`
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from sentiment_quality import main as quality

        sys.argv = [sys.argv[0], *sys.argv[2:]]
        quality()
    else:
        main()
