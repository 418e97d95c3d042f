"""Sentiment models: feature sets, the model protocol, training, and the result frame.

Every model returns calibrated probabilities over :data:`LABELS`; the label is the most
probable class, the confidence its probability, and the score ``p_positive - p_negative`` in
[-1, 1]. Texts without letters are decided by surface rules (emoji, or nothing to judge).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final, Protocol, Self

import numpy as np
import pandas as pd

from pipeline.sentiment.head import LABELS, SoftmaxHead
from pipeline.sentiment.lexicon import LEXICON_LANGUAGES, language_weights, lexicon_features
from pipeline.text.surface import surface_form

#: Feature sets a head can be trained on.
FEATURE_SETS: Final = ("embedding", "ensemble", "lexicon")

#: Columns of a sentiment frame, as written to the warehouse.
RESULT_COLUMNS: Final = (
    "label",
    "score",
    "confidence",
    "p_negative",
    "p_neutral",
    "p_positive",
)

_LETTER: Final = re.compile(r"[^\W\d_]", re.UNICODE)
# Probabilities for texts with no words: judged by emoji alone, or nothing to judge.
_EMOJI_ONLY_POSITIVE: Final = (0.05, 0.15, 0.80)
_EMOJI_ONLY_NEGATIVE: Final = (0.80, 0.15, 0.05)
NO_WORDS: Final = (0.05, 0.90, 0.05)


class SentimentModel(Protocol):
    """Anything that turns texts (and their embeddings) into class probabilities."""

    name: str
    version: str
    uses_embeddings: bool

    def predict_proba(
        self,
        texts: Sequence[str],
        langs: Sequence[str],
        embeddings: np.ndarray | None,
        lang_weights: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return (n, 3) probabilities, columns as LABELS.

        ``lang_weights`` (n, 4) over `LEXICON_LANGUAGES` says how to read texts of
        undetermined language (see `lexicon_features`).
        """
        ...


#: Training sets at least this large also learn word and character n-grams (TF-IDF).
NGRAMS_FROM: Final = 5_000
#: Lexicon features are standardised, then scaled by this next to unit-length embeddings.
LEXICON_WEIGHT: Final = 0.3


class SentimentHead:
    """Features of a text (embedding, lexicon, n-grams) and a calibrated softmax on them.

    Args:
        feature_set: ``embedding`` (sentence embeddings), ``ensemble`` (embeddings plus
            lexicon features) or ``lexicon`` (lexicon features only).
        ngrams: Also learn TF-IDF word (1-2) and character (2-5) n-grams; None decides by
            training size (at least NGRAMS_FROM texts).
        c_grid: Candidate regularisation strengths (chosen by out-of-fold log-loss).
        random_state: Seed of the calibration folds.
    """

    def __init__(
        self,
        *,
        feature_set: str = "ensemble",
        ngrams: bool | None = None,
        c_grid: tuple[float, ...] = (1.0, 3.0),
        random_state: int = 0,
    ) -> None:
        if feature_set not in FEATURE_SETS:
            raise ValueError(
                f"unknown feature set {feature_set!r}; expected one of {FEATURE_SETS}"
            )
        self.feature_set = feature_set
        self.ngrams = ngrams
        self.c_grid = c_grid
        self.random_state = random_state

    def fit(
        self,
        texts: Sequence[str],
        langs: Sequence[str],
        embeddings: np.ndarray | None,
        y: np.ndarray,
        *,
        sample_weight: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> Self:
        """Learn feature scaling, n-gram vocabularies (if any) and the softmax.

        Args:
            texts: Training texts.
            langs: Their language codes.
            embeddings: (n, dim) embeddings, unless the feature set is ``lexicon``.
            y: (n,) class codes (see :func:`label_codes`).
            sample_weight: Optional (n,) weights.
            groups: Optional (n,) groups for calibration (see :meth:`SoftmaxHead.fit`).

        Returns:
            self.
        """
        lexicon = lexicon_features(texts, langs).astype(np.float64)
        self.language_means_ = _language_means(embeddings, langs)
        self.lexicon_mean_ = lexicon.mean(axis=0)
        self.lexicon_scale_ = lexicon.std(axis=0) + 1e-6
        use_ngrams = self.ngrams if self.ngrams is not None else len(texts) >= NGRAMS_FROM
        self.vectorizers_: list[Any] = []
        if use_ngrams and self.feature_set != "lexicon":
            from sklearn.feature_extraction.text import TfidfVectorizer

            forms = [surface_form(text) for text in texts]
            for options in _NGRAM_OPTIONS:
                self.vectorizers_.append(TfidfVectorizer(**options).fit(forms))
        features = self._features(texts, langs, embeddings, lexicon=lexicon)
        self.softmax_ = SoftmaxHead(c_grid=self.c_grid, random_state=self.random_state).fit(
            features, y, sample_weight, groups=groups
        )
        return self

    def _features(
        self,
        texts: Sequence[str],
        langs: Sequence[str],
        embeddings: np.ndarray | None,
        *,
        lexicon: np.ndarray | None = None,
        lang_weights: np.ndarray | None = None,
    ) -> Any:
        if lexicon is None:
            lexicon = lexicon_features(texts, langs, lang_weights).astype(np.float64)
        scaled = (lexicon - self.lexicon_mean_) / self.lexicon_scale_
        if self.feature_set == "lexicon":
            return scaled
        if embeddings is None or len(embeddings) != len(texts):
            raise ValueError(f"feature set {self.feature_set!r} needs one embedding per text")
        dense = np.asarray(embeddings, dtype=np.float64)
        if self.language_means_ is not None:
            weights = language_weights(langs) if lang_weights is None else lang_weights
            dense = dense - weights @ self.language_means_
        if self.feature_set == "ensemble":
            dense = np.hstack([dense, LEXICON_WEIGHT * scaled])
        if not self.vectorizers_:
            return dense
        import scipy.sparse as sp

        forms = [surface_form(text) for text in texts]
        parts = [sp.csr_matrix(dense), *(v.transform(forms) for v in self.vectorizers_)]
        return sp.hstack(parts, format="csr")

    def predict_proba(
        self,
        texts: Sequence[str],
        langs: Sequence[str],
        embeddings: np.ndarray | None,
        lang_weights: np.ndarray | None = None,
    ) -> np.ndarray:
        """Calibrated probabilities, (n, 3), columns as LABELS."""
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)))
        features = self._features(texts, langs, embeddings, lang_weights=lang_weights)
        return self.softmax_.predict_proba(features)

    @property
    def temperature_(self) -> float:
        """The fitted softmax temperature."""
        return self.softmax_.temperature_

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as named numeric and string arrays (no pickles)."""
        arrays = {
            **self.softmax_.to_arrays(),
            "lexicon_mean": self.lexicon_mean_,
            "lexicon_scale": self.lexicon_scale_,
            **(
                {"language_means": self.language_means_}
                if self.language_means_ is not None
                else {}
            ),
            "feature_set": np.array([self.feature_set]),
        }
        for i, vectorizer in enumerate(self.vectorizers_):
            vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
            arrays[f"ngram{i}_terms"] = np.array(vocabulary, dtype=str)
            arrays[f"ngram{i}_idf"] = vectorizer.idf_
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> SentimentHead:
        """Rebuild a fitted head from :meth:`to_arrays` output."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        head = cls(feature_set=str(arrays["feature_set"][0]))
        head.softmax_ = SoftmaxHead.from_arrays(arrays)
        head.lexicon_mean_ = arrays["lexicon_mean"]
        head.lexicon_scale_ = arrays["lexicon_scale"]
        head.language_means_ = arrays.get("language_means")
        head.vectorizers_ = []
        for i, options in enumerate(_NGRAM_OPTIONS):
            if f"ngram{i}_terms" not in arrays:
                break
            terms = arrays[f"ngram{i}_terms"].tolist()
            vectorizer = TfidfVectorizer(**{**options, "min_df": 1, "max_features": None})
            vectorizer.vocabulary_ = {term: j for j, term in enumerate(terms)}
            vectorizer.idf_ = arrays[f"ngram{i}_idf"]
            head.vectorizers_.append(vectorizer)
        return head


def _language_means(embeddings: np.ndarray | None, langs: Sequence[str]) -> np.ndarray | None:
    """Mean embedding of each of `LEXICON_LANGUAGES` (the overall mean for one not seen).

    The head reads embeddings minus their language's mean, so a sentence and its translation
    look alike to it and the language itself can never decide a label.
    """
    if embeddings is None or len(embeddings) == 0:
        return None
    dense = np.asarray(embeddings, dtype=np.float64)
    means = np.tile(dense.mean(axis=0), (len(LEXICON_LANGUAGES), 1))
    for column, lang in enumerate(LEXICON_LANGUAGES):
        rows = np.asarray(langs) == lang
        if rows.any():
            means[column] = dense[rows].mean(axis=0)
    return means


_NGRAM_OPTIONS: Final[tuple[dict[str, Any], ...]] = (
    {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True, "max_features": 100_000},
    {
        "analyzer": "char_wb",
        "ngram_range": (2, 5),
        "min_df": 2,
        "sublinear_tf": True,
        "max_features": 100_000,
    },
)


def surface_rules(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities for texts without a single letter (empty, digits, punctuation, emoji).

    Returns:
        A boolean mask (n,) of texts the rules decide, and their (n, 3) probabilities
        (rows outside the mask are zero).
    """
    mask = np.zeros(len(texts), dtype=bool)
    proba = np.zeros((len(texts), len(LABELS)))
    wordless = [i for i, text in enumerate(texts) if not _LETTER.search(text)]
    if not wordless:
        return mask, proba
    emoji = lexicon_features([texts[i] for i in wordless], ["und"] * len(wordless))
    for row, i in enumerate(wordless):
        positive, negative = emoji[row, 3], emoji[row, 4]
        if positive > negative:
            proba[i] = _EMOJI_ONLY_POSITIVE
        elif negative > positive:
            proba[i] = _EMOJI_ONLY_NEGATIVE
        else:
            proba[i] = NO_WORDS
        mask[i] = True
    return mask, proba


class HeadModel:
    """A fitted :class:`SentimentHead` with the surface rules applied on top.

    Args:
        name: The model's name as recorded with every result (e.g. ``ensemble``).
        version: Identifies the fitted weights (and the embedder they were trained with).
        head: The fitted head.
    """

    def __init__(self, name: str, version: str, head: SentimentHead) -> None:
        self.name = name
        self.version = version
        self.head = head
        self.uses_embeddings = head.feature_set != "lexicon"

    def predict_proba(
        self,
        texts: Sequence[str],
        langs: Sequence[str],
        embeddings: np.ndarray | None,
        lang_weights: np.ndarray | None = None,
    ) -> np.ndarray:
        """Calibrated probabilities, (n, 3), columns as LABELS."""
        if len(texts) == 0:
            return np.zeros((0, len(LABELS)))
        proba = self.head.predict_proba(texts, langs, embeddings, lang_weights)
        mask, ruled = surface_rules(texts)
        proba[mask] = ruled[mask]
        return proba


def train_head(
    texts: Sequence[str],
    labels: Sequence[str],
    langs: Sequence[str],
    embeddings: np.ndarray | None,
    *,
    feature_set: str,
    sample_weight: np.ndarray | None = None,
    ngrams: bool | None = None,
    calibrate_by_language: bool = False,
    random_state: int = 0,
) -> SentimentHead:
    """Fit a calibrated head on labelled texts.

    Args:
        texts: Training texts.
        labels: Their labels (each one of LABELS; all three must occur).
        langs: Their language codes.
        embeddings: Their (n, dim) embeddings (unless ``feature_set`` is lexicon).
        feature_set: One of FEATURE_SETS.
        sample_weight: Optional per-example weights.
        ngrams: Learn n-grams too (None: decided by training size).
        calibrate_by_language: Fit the temperature on predictions for one language by a head
            trained on the others, for a head that will meet other domains than its training
            data (the seed heads); otherwise on stratified out-of-fold predictions.
        random_state: Seed of the calibration folds.

    Returns:
        The fitted head.
    """
    from pipeline.sentiment.head import label_codes

    head = SentimentHead(feature_set=feature_set, ngrams=ngrams, random_state=random_state)
    groups = np.asarray(langs) if calibrate_by_language else None
    return head.fit(
        texts,
        langs,
        embeddings,
        label_codes(list(labels)),
        sample_weight=sample_weight,
        groups=groups,
    )


def sentiment_frame(proba: np.ndarray, *, index: pd.Index | None = None) -> pd.DataFrame:
    """Label, score, confidence and class probabilities from a probability matrix.

    Args:
        proba: (n, 3) probabilities, columns as LABELS.
        index: Index for the returned frame.

    Returns:
        Frame with RESULT_COLUMNS; score = p_positive - p_negative in [-1, 1].
    """
    labels = np.array(LABELS, dtype=object)[proba.argmax(axis=1)] if len(proba) else []
    return pd.DataFrame(
        {
            "label": pd.array(labels, dtype="str"),
            "score": (proba[:, 2] - proba[:, 0]).round(4),
            "confidence": proba.max(axis=1).round(4) if len(proba) else [],
            "p_negative": proba[:, 0].round(4),
            "p_neutral": proba[:, 1].round(4),
            "p_positive": proba[:, 2].round(4),
        },
        index=index,
    )
