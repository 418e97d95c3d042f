"""Language identification: accuracy, da/nb confusion and speed of every detector.

Run by hand: `.venv/bin/python benchmarks/language.py [--per-language 1000] [--seed 13]
[--min-words 5] [--datasets ../shared/datasets]`.

Texts of five words or more (after the cleaning below), sampled with a fixed seed from the
evaluation datasets (never copied into the project): NoReC sentences (Norwegian; Bokmål and
Nynorsk mixed, both count as "nb"), Swedish service reviews (sv), the Leipzig Danish sentences,
both files, labelled or not (da), and the US airline tweets with @mentions and URLs removed
(en). Each detector runs through `detect_languages`, so the length threshold, the confidence
floor and the other-language check are part of what is measured. Nordic figures are printed
apart from English ones, as the datasets README asks.
The gold label is the corpus language, and it is not always right: a few Swedish "reviews"
are in English, Danish, Norwegian or German, and some NoReC sentences are English song or film
titles or lists of names, so no detector reaches 100 %.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.text.language import (
    DEFAULT_DETECTOR,
    DETECTORS,
    LANGUAGES,
    UNDETERMINED,
    detect_languages,
)

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
NORDIC = ("da", "nb", "sv")
_MENTION = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")  # as the library counts
_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """What a cleaning step does to a tweet: no @mentions, no URLs, single spaces."""
    return _SPACE.sub(" ", _URL.sub(" ", _MENTION.sub(" ", text))).strip()


def n_words(text: str) -> int:
    return len(_WORD.findall(text))


def _csv_column(path: Path, column: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        return [row[column] for row in reader]


def load_corpora(root: Path = DATASETS) -> dict[str, list[str]]:
    """Every text of the four corpora, by gold language code."""
    norwegian = []
    for split in ("train.json", "dev.json"):
        rows = json.loads((root / "norec_sentence" / split).read_text(encoding="utf-8"))
        norwegian += [row["text"] for row in rows]
    danish = []
    for path in sorted((root / "lcc_sentiment_da").glob("*.csv")):
        danish += _csv_column(path, "text")
    return {
        "da": danish,
        "nb": norwegian,
        "sv": _csv_column(root / "swedish_reviews" / "sentiment-sv-small.csv", "text"),
        "en": _csv_column(root / "airline_tweets" / "airline_tweets.csv", "text"),
    }


def sample_corpora(
    corpora: dict[str, list[str]], *, per_language: int, seed: int, min_words: int = 5
) -> dict[str, list[str]]:
    """Up to `per_language` distinct cleaned texts of `min_words` words or more per language."""
    sampled = {}
    for code in LANGUAGES:
        texts = sorted({t for t in map(clean, corpora[code]) if n_words(t) >= min_words})
        rng = random.Random(f"{seed}-{code}")
        sampled[code] = rng.sample(texts, min(per_language, len(texts)))
    return sampled


@dataclass(frozen=True)
class Result:
    name: str
    predicted: list[str]
    rate: float  # texts per second, wall clock
    confusion: Counter[tuple[str, str]]  # (true, predicted) -> count


def evaluate(name: str, texts: Sequence[str], gold: Sequence[str]) -> Result:
    detect_languages(texts[:50], detector=name)  # build the detector outside the timing
    start = time.perf_counter()
    predicted = detect_languages(texts, detector=name)
    seconds = time.perf_counter() - start
    confusion = Counter(zip(gold, predicted, strict=True))
    return Result(name, predicted, len(texts) / seconds, confusion)


def _pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:.1f}" if total else "-"


def print_summary(results: list[Result], gold: Sequence[str]) -> None:
    totals = Counter(gold)
    nordic_total = sum(totals[code] for code in NORDIC)
    columns = [*LANGUAGES, "nordic", "overall", "und", "da->nb", "nb->da", "texts/s"]
    print("Accuracy % per language; und % of all texts; da->nb: % of Danish texts called nb")
    print(f"{'detector':<10}" + "".join(f"{c:>9}" for c in columns))
    for result in results:
        hits = {code: result.confusion[code, code] for code in LANGUAGES}
        undetermined = sum(result.confusion[code, UNDETERMINED] for code in LANGUAGES)
        cells = [
            *(_pct(hits[code], totals[code]) for code in LANGUAGES),
            _pct(sum(hits[code] for code in NORDIC), nordic_total),
            _pct(sum(hits.values()), len(gold)),
            _pct(undetermined, len(gold)),
            _pct(result.confusion["da", "nb"], totals["da"]),
            _pct(result.confusion["nb", "da"], totals["nb"]),
            f"{result.rate:,.0f}",
        ]
        print(f"{result.name:<10}" + "".join(f"{cell:>9}" for cell in cells))


def print_buckets(
    results: list[Result], texts: Sequence[str], gold: Sequence[str], *, min_words: int
) -> None:
    bounds = [(min_words, 9), (10, 19), (20, None)]
    names = [f"{low}-{high}" if high else f"{low}+" for low, high in bounds]

    def bucket(text: str) -> str:
        words = n_words(text)
        return next(
            name
            for (low, high), name in zip(bounds, names, strict=True)
            if low <= words and (high is None or words <= high)
        )

    buckets = [bucket(text) for text in texts]
    groups = [(True, "Nordic"), (False, "English")]
    counts = Counter((b, g in NORDIC) for b, g in zip(buckets, gold, strict=True))
    print("\nAccuracy % by length in words; n in brackets")
    header = "".join(
        f"{f'{label} {name} ({counts[name, nordic]})':>22}"
        for nordic, label in groups
        for name in names
    )
    print(f"{'detector':<10}{header}")
    for result in results:
        hits = Counter(
            (b, g in NORDIC)
            for b, g, p in zip(buckets, gold, result.predicted, strict=True)
            if g == p
        )
        row = "".join(
            f"{_pct(hits[name, nordic], counts[name, nordic]):>22}"
            for nordic, _ in groups
            for name in names
        )
        print(f"{result.name:<10}{row}")


def print_confusion(result: Result) -> None:
    columns = (*LANGUAGES, UNDETERMINED)
    print(f"\n{result.name}: confusion matrix (rows true, columns predicted)")
    print(f"{'':>6}" + "".join(f"{code:>6}" for code in columns))
    for true in LANGUAGES:
        print(f"{true:>6}" + "".join(f"{result.confusion[true, p]:>6}" for p in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-language", type=int, default=1000, help="texts per language")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--min-words", type=int, default=5, help="shortest text, in words")
    parser.add_argument("--detectors", default=",".join(DETECTORS), help="comma-separated")
    parser.add_argument("--datasets", type=Path, default=DATASETS, help="datasets folder")
    args = parser.parse_args()

    sampled = sample_corpora(
        load_corpora(args.datasets),
        per_language=args.per_language,
        seed=args.seed,
        min_words=args.min_words,
    )
    texts = [text for code in LANGUAGES for text in sampled[code]]
    gold = [code for code in LANGUAGES for _ in sampled[code]]
    print(
        f"{len(texts)} texts of {args.min_words}+ words: "
        + ", ".join(f"{code} {len(sampled[code])}" for code in LANGUAGES)
        + f"; seed {args.seed}; default detector {DEFAULT_DETECTOR!r}; "
        + f"{os.cpu_count()} CPUs (lingua uses all of them)\n"
    )
    results = [evaluate(name, texts, gold) for name in args.detectors.split(",")]
    print_summary(results, gold)
    print_buckets(results, texts, gold, min_words=args.min_words)
    for result in results:
        print_confusion(result)


if __name__ == "__main__":
    main()
