"""Theme quality without gold labels: topic diversity and NPMI coherence of the keywords.

Diversity (Dieng et al. 2020) asks whether the themes use different words; coherence
(normalised pointwise mutual information over document co-occurrence, Röder et al. 2015,
gensim's ``c_npmi`` without the sliding window) asks whether a theme's keywords show up in the
same documents. Both read a theme's keywords best first, as c-TF-IDF gives them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import numpy as np

#: Splits a lower-cased text into words.
Tokenizer = Callable[[str], Iterable[str]]

_WORD: Final = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    """Runs of Unicode word characters in the lower-cased text ("Ærlig talt!" → ærlig, talt)."""
    return _WORD.findall(text.lower())


def _top(theme: Sequence[str], top_n: int) -> list[str]:
    if top_n < 1:
        raise ValueError(f"top_n must be 1 or more, got {top_n}")
    return list(theme)[:top_n]


def topic_diversity(keywords: Sequence[Sequence[str]], top_n: int = 10) -> float:
    """Share of unique terms among the top keywords of all themes (Dieng et al. 2020).

    A keyword is one term however many words it has ("late flight"); terms are compared
    lower-cased with surrounding spaces removed, and blank keywords are dropped.

    Args:
        keywords: Keywords per theme, best first.
        top_n: Keywords per theme taken into account.

    Returns:
        Between 0 and 1: 1.0 when no two themes share a keyword, 0.5 when every term is used
        twice; 0.0 for no keywords at all.

    Raises:
        ValueError: When ``top_n`` is below 1.
    """
    terms = [
        term.strip().lower() for theme in keywords for term in _top(theme, top_n) if term.strip()
    ]
    if not terms:
        return 0.0
    return len(set(terms)) / len(terms)


def _npmi(joint: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """NPMI of keyword pairs from their probabilities; -1 when never together, 1 when always."""
    # p12 = 1 (both in every document) makes -log(p12) zero; they do always co-occur
    defined = (joint > 0) & (joint < 1)
    safe = np.where(defined, joint, 0.5)
    scores = np.log(safe / (first * second)) / -np.log(safe)
    scores = np.where(defined, scores, np.where(joint > 0, 1.0, -1.0))
    return np.clip(scores, -1.0, 1.0)


def npmi_coherence(
    keywords: Sequence[Sequence[str]],
    documents: Sequence[str],
    *,
    top_n: int = 10,
    tokenize: Tokenizer | None = None,
) -> float:
    r"""Mean NPMI coherence of the themes' top keywords over document co-occurrence.

    A keyword occurs in a document when all its words are among the document's words (both
    lower-cased and split by ``tokenize``). For each theme, the NPMI of every pair of its
    ``top_n`` keywords that occur at least once is averaged; the theme scores are averaged.
    With ``p`` the share of documents holding a keyword, or both::

        NPMI(w1, w2) = log(p12 / (p1 * p2)) / -log(p12)

    Choices at the edges: a pair that never co-occurs scores exactly -1, the limit as ``p12``
    goes to 0 (gensim's ``c_npmi`` adds an epsilon of 1e-12 to ``p12`` instead, which gives
    nearly -1); a pair found in every document scores 1. Keywords never found are skipped, and
    so are themes left with fewer than 2 keywords. Duplicate keywords in a theme count once.

    Args:
        keywords: Keywords per theme, best first.
        documents: The texts (one per unit or per record), any case.
        top_n: Keywords per theme taken into account.
        tokenize: Splits a lower-cased text into words; default runs of Unicode word
            characters (regex ``\w+``), so "æøå" stay inside words.

    Returns:
        Between -1 and 1; 0.0 when no theme has two keywords found in the documents.

    Raises:
        ValueError: When ``top_n`` is below 1.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    split = tokenize or _words
    themes: list[list[tuple[str, ...]]] = []
    for theme in keywords:
        terms = [tuple(dict.fromkeys(split(term.lower()))) for term in _top(theme, top_n)]
        themes.append([term for term in dict.fromkeys(terms) if term])
    distinct = list(dict.fromkeys(term for theme in themes for term in theme))
    if not distinct or len(documents) == 0:
        return 0.0

    vocabulary = {word: i for i, word in enumerate(dict.fromkeys(w for t in distinct for w in t))}
    vectorizer = CountVectorizer(
        binary=True,
        vocabulary=vocabulary,
        lowercase=True,
        tokenizer=lambda text: list(split(text)),
        token_pattern=None,
        dtype=np.int32,
    )
    has_word = vectorizer.transform(documents)  # (n_documents, n_words) 0/1
    rows = [vocabulary[word] for term in distinct for word in term]
    cols = [k for k, term in enumerate(distinct) for _ in term]
    words_of = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(vocabulary), len(distinct))
    )
    found = sparse.csr_matrix(has_word @ words_of)  # words of keyword k in document d
    lengths = np.array([len(term) for term in distinct], dtype=np.int32)
    found.data = (found.data == lengths[found.indices]).astype(np.int32)
    found.eliminate_zeros()
    found = found.tocsc()  # (n_documents, n_keywords) 0/1
    n_documents = found.shape[0]
    counts = np.asarray(found.sum(axis=0)).ravel()

    index = {term: k for k, term in enumerate(distinct)}
    scores = []
    for terms in themes:
        usable = [index[term] for term in terms if counts[index[term]] > 0]
        if len(usable) < 2:
            continue
        block = found[:, usable]
        joint = (block.T @ block).toarray() / n_documents
        first, second = np.triu_indices(len(usable), k=1)
        share = counts[usable] / n_documents
        scores.append(float(_npmi(joint[first, second], share[first], share[second]).mean()))
    return float(np.mean(scores)) if scores else 0.0
