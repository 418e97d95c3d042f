"""The labelled sentences Verbatim ships to build its default sentiment head.

Every sentence in ``pipeline/resources/sentiment_seed/<lang>.tsv`` was written for this project
(Apache-2.0, like the code): feedback, tweets, chat lines and review sentences in Danish,
Norwegian Bokmål, Swedish and English, labelled negative, neutral or positive. No public data
set is shipped; those are used for evaluation only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from functools import cache
from importlib import resources
from typing import Final

import pandas as pd

from pipeline.sentiment.head import LABELS

#: Languages with a seed file.
SEED_LANGUAGES: Final = ("da", "nb", "sv", "en")


def resource_text(folder: str, lang: str) -> str:
    """A language's shipped file ``pipeline/resources/<folder>/<lang>.tsv``, as text."""
    path = resources.files("pipeline") / "resources" / folder / f"{lang}.tsv"
    return path.read_text(encoding="utf-8")


def _seed_text(lang: str) -> str:
    return resource_text("sentiment_seed", lang)


@cache
def seed_examples() -> pd.DataFrame:
    """All shipped labelled sentences.

    Returns:
        Frame with ``text``, ``label`` (one of LABELS) and ``lang``; a fresh copy each call
        is not made, so callers must not mutate it.

    Raises:
        ValueError: When a seed file holds a malformed line (a packaging error).
    """
    rows = tsv_rows("sentiment_seed", _seed_text, SEED_LANGUAGES, LABELS)
    return pd.DataFrame(rows, columns=["text", "label", "lang"]).drop_duplicates("text")


def seed_fingerprint() -> str:
    """A short hash of the shipped sentences (changes when they change)."""
    return tsv_fingerprint(_seed_text, SEED_LANGUAGES)


def tsv_rows(
    folder: str, read: Callable[[str], str], langs: Sequence[str], keys: Collection[str]
) -> list[tuple[str, str, str]]:
    """(text, key, lang) of each ``<key><TAB><text>`` line of a shipped file per language.

    Args:
        folder: The resource folder's name (for the error message).
        read: Returns a language's file as text.
        langs: The languages, in order.
        keys: The keys a line may start with.

    Raises:
        ValueError: For a malformed line, naming the file and line (a packaging error).
    """
    rows: list[tuple[str, str, str]] = []
    for lang in langs:
        for number, line in enumerate(read(lang).splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, text = line.partition("\t")
            if not sep or key not in keys or not text.strip():
                raise ValueError(f"{folder}/{lang}.tsv line {number}: malformed: {line!r}")
            rows.append((text.strip(), key, lang))
    return rows


def tsv_fingerprint(read: Callable[[str], str], langs: Sequence[str]) -> str:
    """A short hash of the shipped files of ``langs`` (changes when they change)."""
    digest = hashlib.blake2b(digest_size=8)
    for lang in langs:
        digest.update(read(lang).encode())
    return digest.hexdigest()
