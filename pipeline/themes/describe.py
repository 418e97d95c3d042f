"""What a theme says: c-TF-IDF keywords, a short label made of them, representative quotes.

Everything here comes from the units themselves: keywords are the n-grams that set a theme's
units apart from the other themes' (BERTopic's class-based TF-IDF), the label is built from the
top keywords, and quotes are the theme's units closest to its centroid. Units are redacted
before they are stored, so quotes are too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

import numpy as np

from pipeline.themes.words import stop_words

#: Word tokens for keywords: two or more letters (no digits, no underscores), any script.
TOKEN_PATTERN: Final = r"(?u)\b[^\W\d_]{2,}\b"
_TOKEN = re.compile(TOKEN_PATTERN)
#: Most words in a label.
MAX_LABEL_WORDS: Final = 5
#: Quotes shorter or longer than this are used only when there are not enough others.
QUOTE_CHARS: Final = (20, 220)


def has_content(texts: Sequence[str], extra_stop_words: Sequence[str] = ()) -> np.ndarray:
    """Whether each text has a word that could carry a theme (not only stop words or symbols).

    Returns:
        Boolean array, one per text.
    """
    stop = stop_words(extra_stop_words)
    return np.array(
        [any(token not in stop for token in _TOKEN.findall(text.lower())) for text in texts],
        dtype=bool,
    )


def class_keywords(
    texts: Sequence[str],
    classes: np.ndarray,
    n_classes: int,
    *,
    top_n: int = 10,
    extra_stop_words: Sequence[str] = (),
) -> list[list[str]]:
    """Top c-TF-IDF keywords (unigrams and bigrams) of each class.

    Args:
        texts: One text per unit.
        classes: Class of each unit, 0 … n_classes-1; -1 (no class) is ignored.
        n_classes: Number of classes.
        top_n: Keywords per class.
        extra_stop_words: Words to drop besides the da/nb/sv/en stop words.

    Returns:
        For each class, up to ``top_n`` keywords, best first (empty for a class with no units).
    """
    from bertopic.vectorizers import ClassTfidfTransformer
    from sklearn.feature_extraction.text import CountVectorizer

    keep = classes >= 0
    joined: list[list[str]] = [[] for _ in range(n_classes)]
    for text, label in zip(np.asarray(texts, dtype=object)[keep], classes[keep], strict=True):
        joined[int(label)].append(str(text))
    documents = [" ".join(parts) for parts in joined]
    if not any(documents):
        return [[] for _ in range(n_classes)]
    vectorizer = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(stop_words(extra_stop_words)),
        token_pattern=TOKEN_PATTERN,
        lowercase=True,
    )
    try:
        counts = vectorizer.fit_transform(documents)
    except ValueError:  # every word a stop word
        return [[] for _ in range(n_classes)]
    # Bigrams seen once are noise; unigrams always count.
    vocabulary = vectorizer.get_feature_names_out()
    totals = np.asarray(counts.sum(axis=0)).ravel()
    keep_terms = np.array(
        [(" " not in term) or total >= 2 for term, total in zip(vocabulary, totals, strict=True)]
    )
    counts = counts[:, np.flatnonzero(keep_terms)]
    vocabulary = vocabulary[keep_terms]
    weights = ClassTfidfTransformer(reduce_frequent_words=True).fit_transform(counts).toarray()
    keywords: list[list[str]] = []
    for row, document in zip(weights, documents, strict=True):
        if not document:
            keywords.append([])
            continue
        order = np.argsort(-row, kind="stable")[: top_n * 2]
        chosen = [str(vocabulary[i]) for i in order if row[i] > 0]
        keywords.append(_drop_contained(chosen)[:top_n])
    return keywords


def _drop_contained(terms: list[str]) -> list[str]:
    """Drop a unigram that a better-ranked bigram already holds, and repeated bigram halves."""
    kept: list[str] = []
    for term in terms:
        words = term.split()
        if len(words) == 1 and any(term in k.split() for k in kept if " " in k):
            continue
        kept.append(term)
    return kept


def _stem(word: str) -> str:
    return word[:5]


def make_label(keywords: Sequence[str], taken: set[str] | None = None) -> str:
    """A label of two to five words from a theme's keywords, best first.

    The best keyword leads; keywords are added while the label has fewer than two words or is
    already used by another theme, skipping ones that repeat a word (or its stem) in the label.

    Args:
        keywords: The theme's keywords, best first.
        taken: Labels already given to other themes (lower case); the new one is added.

    Returns:
        The label with its first letter capitalised, e.g. "Late flight · delayed";
        "Unlabelled theme" when there are no keywords.
    """
    taken = taken if taken is not None else set()
    parts: list[str] = []
    stems: set[str] = set()
    n_words = 0
    for keyword in keywords:
        words = keyword.split()
        if any(_stem(word) in stems for word in words):
            continue
        if n_words + len(words) > MAX_LABEL_WORDS:
            continue
        parts.append(keyword)
        stems |= {_stem(word) for word in words}
        n_words += len(words)
        label = " · ".join(parts)
        if n_words >= 2 and label.lower() not in taken:
            break
    if not parts:
        return "Unlabelled theme"
    label = " · ".join(parts)
    taken.add(label.lower())
    return label[0].upper() + label[1:]


#: Words of a phrase label (a representative unit), at least and at most.
PHRASE_WORDS: Final = (2, 8)
_CLAUSE_END = re.compile(r"[.!?;:]+\s|[.!?;:]+$")


def phrase_label(
    texts: Sequence[str],
    similarity: np.ndarray,
    members: np.ndarray,
    keywords: Sequence[str],
    taken: set[str] | None = None,
) -> str:
    """A theme's label: the short phrase of its most central units that says what it is.

    The most central member (highest ``similarity`` to the centroid) whose first clause —
    or, when that is long, its part before the first comma — has two to eight words, without
    closing punctuation, first letter capitalised: one language, one phrase ("Det var meget
    nemt at sætte routeren op"), never a keyword pair. A phrase another theme already has is
    skipped. Without any, the most central unit's first eight words and "…"; the keyword label
    (`make_label`) only for a theme without units.

    Args:
        texts: All units' texts (redacted).
        similarity: (n,) each unit's similarity to the theme's centroid.
        members: Indices of the theme's units.
        keywords: The theme's keywords, for the fallback label.
        taken: Labels already given (lower case); the new one is added.
    """
    taken = taken if taken is not None else set()
    low, high = PHRASE_WORDS
    central = members[np.argsort(-similarity[members], kind="stable")][:200]
    for i in central:
        clause = _clean_clause(_CLAUSE_END.split(str(texts[i]).strip())[0])
        if len(clause.split()) > high:
            clause = _clean_clause(clause.split(",")[0])
        if not low <= len(clause.split()) <= high or "[" in clause:
            continue
        label = clause[0].upper() + clause[1:]
        if label.lower() in taken:
            continue
        taken.add(label.lower())
        return label
    for i in central:
        words = _clean_clause(str(texts[i])).split()
        if len(words) >= low and "[" not in " ".join(words[:high]):
            label = " ".join(words[:high]) + ("…" if len(words) > high else "")
            label = label[0].upper() + label[1:]
            if label.lower() not in taken:
                taken.add(label.lower())
                return label
    return make_label(keywords, taken)


def _clean_clause(text: str) -> str:
    return text.strip().strip(" ,-\u2013\u2014\"'\u201c\u201d")


def quotes(
    texts: Sequence[str],
    similarity: np.ndarray,
    members: np.ndarray,
    *,
    n: int = 3,
) -> list[str]:
    """The theme's most typical units: highest similarity to its centroid, distinct texts.

    Args:
        texts: All unit texts.
        similarity: Each unit's similarity to this theme's centroid.
        members: Indices of the theme's units.
        n: Quotes wanted.

    Returns:
        Up to ``n`` texts, most typical first; mid-length texts are preferred.
    """
    if len(members) == 0:
        return []
    order = members[np.argsort(-similarity[members], kind="stable")]
    low, high = QUOTE_CHARS
    chosen: list[str] = []
    seen: set[str] = set()
    for preferred in (True, False):
        for index in order:
            text = str(texts[index]).strip()
            key = text.lower()
            if key in seen or (preferred and not low <= len(text) <= high):
                continue
            chosen.append(text)
            seen.add(key)
            if len(chosen) == n:
                return chosen
    return chosen
