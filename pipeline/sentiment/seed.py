"""The labelled sentences Verbatim ships to build its default sentiment head.

Every sentence in ``pipeline/resources/sentiment_seed/<lang>.tsv`` was written for this project
(Apache-2.0, like the code): feedback, tweets, chat lines and review sentences in Danish,
Norwegian Bokmål, Swedish and English, labelled negative, neutral or positive. No public data
set is shipped; those are used for evaluation only.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Final

import pandas as pd

from pipeline.sentiment.head import LABELS

#: Languages with a seed file.
SEED_LANGUAGES: Final = ("da", "nb", "sv", "en")


def _seed_text(lang: str) -> str:
    folder = resources.files("pipeline") / "resources" / "sentiment_seed"
    return (folder / f"{lang}.tsv").read_text(encoding="utf-8")


@cache
def seed_examples() -> pd.DataFrame:
    """All shipped labelled sentences.

    Returns:
        Frame with ``text``, ``label`` (one of LABELS) and ``lang``; a fresh copy each call
        is not made, so callers must not mutate it.

    Raises:
        ValueError: When a seed file holds a malformed line (a packaging error).
    """
    rows: list[tuple[str, str, str]] = []
    for lang in SEED_LANGUAGES:
        for number, line in enumerate(_seed_text(lang).splitlines(), start=1):
            if not line.strip():
                continue
            label, sep, text = line.partition("\t")
            if not sep or label not in LABELS or not text.strip():
                raise ValueError(f"sentiment_seed/{lang}.tsv line {number}: malformed: {line!r}")
            rows.append((text.strip(), label, lang))
    return pd.DataFrame(rows, columns=["text", "label", "lang"]).drop_duplicates("text")


def seed_fingerprint() -> str:
    """A short hash of the shipped sentences (changes when they change)."""
    digest = hashlib.blake2b(digest_size=8)
    for lang in SEED_LANGUAGES:
        digest.update(_seed_text(lang).encode())
    return digest.hexdigest()
