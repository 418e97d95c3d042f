"""Theme speed and memory on 2 cores: fit on 50,000 units, assign 5,000 new ones, 200,000 units.

Run by hand: `.venv/bin/python benchmarks/theme_speed.py [--units 50000] [--new 5000]
[--memory-units 200000] [--embed-model e5-small]`.

Units are real feedback-like texts from `../shared/datasets` (evaluation only, never copied):
airline tweets (en, cleaned as social posts), NoReC sentences (nb), Swedish reviews (sv),
Leipzig Danish sentences (da) and women's clothing reviews (en), mixed in that rotation and
split into opinion units by the pipeline's segmenter (as enrichment does).

1. fit: embed ``--units`` texts with the configured embedder (timed: nothing is cached), then
   fit the sub-themes and the topics (timed) — the target is ≤ 10 minutes together;
2. assign: embed ``--new`` other texts and assign their sub-themes and topics (≤ 60 s);
3. memory: a fresh process fits on ``--memory-units`` units and reports its peak RSS (target
   ≤ 6 GB). Embedding 200,000 texts takes longer than the memory question needs, so the fitted
   vectors are reused: each real vector appears several times with small noise added (units
   that repeat with variations, as feedback does). Targets: peak ≤ 6 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import Config, EmbedConfig, ThemesConfig
from pipeline.embed import load_embedder, model_cache_dir
from pipeline.jobs.embed import Embedding
from pipeline.jobs.topics import carried_topics, fit_topics
from pipeline.text.clean import clean_text
from pipeline.text.language import detect_languages
from pipeline.text.segment import segment_units
from pipeline.themes.codeframe import Codeframe
from pipeline.themes.describe import has_content
from pipeline.themes.model import ThemeModel

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _sources() -> list[list[str]]:
    airline = pd.read_csv(DATASETS / "airline_tweets" / "airline_tweets.csv")["text"]
    norec = [
        row["text"]
        for name in ("train.json", "dev.json")
        for row in json.loads((DATASETS / "norec_sentence" / name).read_text())
    ]
    swedish = pd.read_csv(DATASETS / "swedish_reviews" / "sentiment-sv-small.csv").iloc[:, 0]
    danish = [
        text
        for name in ("dan_mixed_2014_10K-sentences.csv", "dan_newscrawl_2011_10K-sentences.csv")
        for text in pd.read_csv(DATASETS / "lcc_sentiment_da" / name)["text"].dropna()
    ]
    with zipfile.ZipFile(DATASETS / "womens_clothing" / "womens_clothing_reviews.zip") as z:
        with z.open(next(n for n in z.namelist() if n.endswith(".csv"))) as f:
            clothing = pd.read_csv(f)["Review Text"].dropna()
    return [
        [clean_text(str(t), source="social") for t in airline],
        [str(t) for t in norec],
        [str(t) for t in swedish],
        [str(t) for t in danish],
        [str(t)[:300] for t in clothing],
    ]


def units(n: int, *, skip: int = 0) -> tuple[list[str], list[str]]:
    """``n`` opinion units (texts, languages), after the first ``skip``.

    Texts are taken in rotation from the sources, their language detected, and split into
    opinion units by the pipeline's own segmenter, as enrichment does.
    """
    sources = _sources()
    mixed = [text for group in zip(*sources, strict=False) for text in group if text.strip()]
    mixed += [t for s in sources for t in s[len(mixed) // len(sources) :] if t.strip()]
    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(len(mixed))], "text": mixed})
    records["lang"] = detect_languages(records["text"].tolist(), detector="langid")
    split = segment_units(records)
    if skip + n > len(split):
        raise SystemExit(f"only {len(split):,} units in the sources")
    chosen = split.iloc[skip : skip + n]
    return chosen["text"].tolist(), chosen["lang"].tolist()


def _peak_gb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def speed(args: argparse.Namespace) -> None:
    cfg = EmbedConfig(model=args.embed_model)
    embedder = load_embedder(cfg)
    texts, langs = units(args.units)
    print(
        f"{len(texts):,} units, {np.mean([len(t) for t in texts]):.0f} characters on average; "
        f"languages {pd.Series(langs).value_counts().to_dict()}"
    )
    started = time.perf_counter()
    vectors = embedder.encode(texts)
    embedded = time.perf_counter() - started
    print(
        f"embed {embedded:.0f} s ({len(texts) / embedded:.0f} units/s, {embedder.name})",
        flush=True,
    )
    cache = model_cache_dir(cfg).parent / "bench"
    cache.mkdir(parents=True, exist_ok=True)
    np.save(cache / f"speed-{args.embed_model}-{len(texts)}.npy", vectors)
    started = time.perf_counter()
    model = ThemeModel(ThemesConfig(), encode=embedder.encode).fit(texts, vectors, langs)
    fitted = time.perf_counter() - started
    print(f"sub-theme fit {fitted:.0f} s; {model.metrics_}", flush=True)
    # the topics, as a fit learns them (phrases embedded, the head on a sample of units)
    workspace = Config(embed=cfg)
    started = time.perf_counter()
    topics = fit_topics(
        workspace, embedding=Embedding(workspace), codeframe=Codeframe(), texts=texts,
        vectors=vectors, theme_model=model,
    )  # fmt: skip
    topic_fit = time.perf_counter() - started
    assert topics is not None
    total = embedded + fitted + topic_fit
    print(
        f"topic fit {topic_fit:.0f} s ({len(topics.keys)} topics); embed + fit {total:.0f} s "
        "(target ≤ 600 s)",
        flush=True,
    )

    new, new_langs = units(args.new, skip=args.units)
    started = time.perf_counter()
    new_vectors = embedder.encode(new)
    ids, _ = model.assign(new, new_vectors, new_langs)
    content = has_content(new)
    carried = carried_topics(
        topics, [t for t, c in zip(new, content, strict=True) if c], new_vectors[content],
        ids[content], extra_stop_words=(),
    )  # fmt: skip
    assigned = time.perf_counter() - started
    print(
        f"assign {len(new):,} new units incl. embedding, sub-themes and topics: "
        f"{assigned:.1f} s (target ≤ 60 s); {(ids >= 0).mean():.1%} got a sub-theme, "
        f"{carried.any(axis=1).mean():.1%} of those with content a topic"
    )
    print(f"peak RSS {_peak_gb():.2f} GB")


def memory(args: argparse.Namespace) -> None:
    cache = model_cache_dir(EmbedConfig(model=args.embed_model)).parent / "bench"
    base = np.load(cache / f"speed-{args.embed_model}-{args.units}.npy")
    texts, langs = units(args.units)
    copies = -(-args.memory_units // len(base))
    rng = np.random.default_rng(0)
    vectors = np.vstack(
        [base + rng.normal(scale=0.01, size=base.shape).astype(np.float32) for _ in range(copies)]
    )[: args.memory_units]
    all_texts = (texts * copies)[: args.memory_units]
    all_langs = (langs * copies)[: args.memory_units]
    print(f"before fit: peak RSS {_peak_gb():.2f} GB", flush=True)
    started = time.perf_counter()
    model = ThemeModel(ThemesConfig()).fit(all_texts, vectors, all_langs)
    print(
        f"fit on {len(vectors):,} units: {time.perf_counter() - started:.0f} s, "
        f"{len(model.leaves)} themes; peak RSS {_peak_gb():.2f} GB (target ≤ 6 GB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--new", type=int, default=5_000)
    parser.add_argument("--memory-units", type=int, default=200_000)
    parser.add_argument("--embed-model", default="e5-small")
    parser.add_argument("--only", choices=["speed", "memory"], default=None)
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory(args)
        return
    if args.only in (None, "speed"):
        speed(args)
    if args.only in (None, "memory"):
        # A fresh process, so the peak is the fit's own and not the embedder's.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--memory-child",
                "--units",
                str(args.units),
                "--memory-units",
                str(args.memory_units),
                "--embed-model",
                args.embed_model,
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
