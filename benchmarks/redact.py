"""Redaction speed and quality.

Run by hand: `.venv/bin/python benchmarks/redact.py [--texts 20000] [--no-ner]`.
Texts are built from the labelled set in `tests/pii_cases.py` (one to three of its texts of one
language, joined) and generated filler comments without personal data, about one in four of
each language. Prints texts/s of `redact_texts` without NER and with NER (English texts only,
as in `verbatim enrich`), then the scores on the labelled set and what was missed or removed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.text.redact import RedactionScores, redact_texts, score_redaction
from tests.pii_cases import load_cases

FILLER = {
    "da": (
        "Leveringen var hurtig og pakken var i orden.",
        "Jeg har ventet over en time i telefonkøen, det er for dårligt.",
        "Prisen steg fra 249 kr til 299 kr uden varsel.",
        "Appen virker fint efter opdateringen til version 5.1.",
        "Kundeservice var venlige, men problemet er ikke løst endnu.",
    ),
    "nb": (
        "Dekningen på hytta er mye bedre nå, takk!",
        "Fakturaen var 150 kr høyere enn avtalt.",
        "Ventet i 40 minutter på chat uten svar.",
        "Ruteren må restartes hver kveld, dette er ikke greit.",
        "Veldig fornøyd med hastigheten, 9 av 10.",
    ),
    "sv": (
        "Bredbandet har legat nere i tre dagar nu.",
        "Trevlig personal i butiken men lång väntetid.",
        "Jag fick betala 199 kr extra för leveransen.",
        "Appen kraschar varje gång jag loggar in på iPhone 14.",
        "Bra service, snabbt svar på mitt ärende.",
    ),
    "en": (
        "The broadband keeps dropping every evening around 8pm.",
        "Great service in the store, sorted in ten minutes.",
        "I was charged £5 more than my contract says.",
        "The app is slow since the last update, please fix it.",
        "Waited 45 minutes on hold, 2 out of 10.",
    ),
}


def _texts(n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    cases = load_cases()
    by_lang: dict[str, list[str]] = {}
    for case in cases:
        by_lang.setdefault(str(case.lang), []).append(case.text)
    texts, langs = [], []
    for _ in range(n):
        lang = rng.choice(sorted(by_lang))
        parts = rng.sample(by_lang[lang], rng.randint(1, 2)) if rng.random() < 0.5 else []
        parts += rng.sample(FILLER[lang], rng.randint(1, 3 - len(parts) if parts else 3))
        rng.shuffle(parts)
        texts.append(" ".join(parts))
        langs.append(lang)
    return texts, langs


def _throughput(label: str, texts: list[str], *, ner: bool, languages: list[str]) -> None:
    start = time.perf_counter()
    redact_texts(texts, ner=ner, languages=languages)
    seconds = time.perf_counter() - start
    rate = len(texts) / seconds
    print(f"{label:<32} {len(texts):>7,} texts  {seconds:6.2f} s  {rate:>9,.0f} texts/s")


def _print_scores(label: str, scores: RedactionScores) -> None:
    print(f"\n{label}")
    for kind, recall in scores.recall.items():
        print(f"  recall {kind:<7} {recall:6.3f}  ({scores.support[kind]} spans)")
    print(f"  structured recall {scores.structured_recall:.3f}")
    print(f"  name recall       {scores.name_recall:.3f}")
    print(
        f"  non-PII removed   {scores.non_pii_removed:.2%} "
        f"({len(scores.removed)} of {scores.non_pii_tokens} tokens); mistyped {scores.mistyped}"
    )
    for kind, surface, text in scores.missed:
        print(f"  missed {kind}: {surface!r} in {text!r}")
    for token, text in scores.removed:
        print(f"  removed: {token!r} in {text!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--no-ner", action="store_true", help="skip the spaCy NER runs")
    args = parser.parse_args()
    texts, langs = _texts(args.texts)
    chars = sum(map(len, texts)) / len(texts)
    print(
        f"{len(texts):,} texts, {chars:.0f} characters on average, {langs.count('en'):,} English"
    )
    redact_texts(texts[:100])
    _throughput("redact_texts (rules)", texts, ner=False, languages=langs)
    if not args.no_ner:
        redact_texts(texts[:10], ner=True)
        _throughput("redact_texts (NER on English)", texts, ner=True, languages=langs)
    cases = load_cases()
    _print_scores(f"Labelled set: {len(cases)} texts, rules only", score_redaction(cases))
    if not args.no_ner:
        _print_scores("Labelled set, with NER on English", score_redaction(cases, ner=True))


if __name__ == "__main__":
    main()
