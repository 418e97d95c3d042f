"""Words that never make a theme keyword: stop words of every supported language, placeholders.

c-TF-IDF keywords and labels come from the units' own words. Feedback arrives in Danish,
Norwegian, Swedish and English mixed in one data set, so the stop words are the union of
spaCy's lists for all four (a Danish "og" is noise in an English theme too), plus the words of
the redaction placeholders ("[PERSON]" must not make "person" a keyword) and the fragments
English contractions leave ("don" of "don't").
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import import_module
from typing import Final

from pipeline.text.redact import PLACEHOLDERS

#: Languages whose stop words are always removed (spaCy module names).
STOP_WORD_LANGUAGES: Final = ("da", "nb", "sv", "en")
#: What is left of English contractions once apostrophes split words ("don't" → "don"), and
#: the same written without apostrophes.
CONTRACTION_PARTS: Final = frozenset(
    "don didn doesn isn wasn weren aren haven hasn hadn couldn wouldn shouldn won ve ll re "
    "im ive dont didnt doesnt isnt wasnt cant couldnt wouldnt wont youre thats theres".split()
)


@lru_cache(maxsize=1)
def _base_stop_words() -> frozenset[str]:
    words: set[str] = set()
    for lang in STOP_WORD_LANGUAGES:
        words |= set(import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    words |= {placeholder.strip("[]").lower() for placeholder in PLACEHOLDERS.values()}
    words |= CONTRACTION_PARTS
    return frozenset(word.lower() for word in words)


def stop_words(extra: Iterable[str] = ()) -> frozenset[str]:
    """The stop words for theme keywords.

    Args:
        extra: More words to drop (the brand's own name, say), any case.

    Returns:
        Lower-case words.
    """
    return _base_stop_words() | {word.strip().lower() for word in extra if word.strip()}
