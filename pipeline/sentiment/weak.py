"""Weak supervision: the customer's own scores label their comments, and a head learns from them.

Clear promoters (NPS 9-10) and the top CSAT answer label their units positive; clear detractors
(NPS 0-4) and the bottom quarter of the CSAT scale label theirs negative. Passives, mild
detractors (5-6) and CES answers give no label. A promoter's comment can still hold a
complaint ("love the app, but delivery was late"), so a unit the base model confidently reads
the other way is dropped, and one it confidently reads as neutral ("I ordered a sofa in March")
is labelled neutral. But a clear detractor's comment holds their reason even when no word of it
is negative ("Jeg betaler 79 kr mere end sidste år for det samme", "Ingen dækning hjemme"): when
the base model reads none of a detractor's units as negative, the unit it finds most negative
is labelled negative (the multiple-instance view: at least one unit of the comment carries the
score), so the head learns the customer's implicit complaints instead of calling them neutral.
Answers that say nothing ("ved ikke", "no comment") get no label. The head is then trained on
those units; seed sentences top up a class the customer's data holds too few of (see
:func:`seed_weights`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from pipeline.sentiment.head import LABELS
from pipeline.sentiment.models import NGRAMS_FROM, SentimentHead, train_head

#: NPS answers that count as clear promoters / clear detractors.
NPS_POSITIVE_FROM: Final = 9
NPS_NEGATIVE_UP_TO: Final = 4
#: A unit whose base-model probability of the opposite class reaches this is dropped.
CONTRADICTION: Final = 0.6
#: A unit whose base-model neutral probability reaches this is labelled neutral.
NEUTRAL_AGREEMENT: Final = 0.6


@dataclass(frozen=True)
class WeakLabels:
    """Weak labels for units and how they were reached.

    Attributes:
        labels: One label per unit kept (index aligned with the input units), NA for units
            without a usable label.
        counts: Units per outcome: from_scores, contradicted, neutral_by_base, kept per label.
    """

    labels: pd.Series
    counts: dict[str, int]


def score_labels(
    scores: pd.Series, score_types: pd.Series, *, csat_range: tuple[int, int] = (1, 5)
) -> pd.Series:
    """Positive / negative / NA from each unit's record score.

    Args:
        scores: The record's score (float, NaN when missing).
        score_types: nps, csat, ces or none.
        csat_range: The CSAT scale's (lowest, highest) answer.

    Returns:
        String series aligned with ``scores``: "positive", "negative" or NA.
    """
    low, high = csat_range
    nps = score_types.eq("nps")
    csat = score_types.eq("csat")
    positive = (nps & scores.ge(NPS_POSITIVE_FROM)) | (csat & scores.ge(high))
    negative = (nps & scores.le(NPS_NEGATIVE_UP_TO)) | (
        csat & scores.le(low + (high - low) * 0.25)
    )
    labels = pd.Series(pd.NA, index=scores.index, dtype="str")
    labels[positive.fillna(False).to_numpy(dtype=bool)] = "positive"
    labels[negative.fillna(False).to_numpy(dtype=bool)] = "negative"
    return labels


def mild_detractors(scores: pd.Series, score_types: pd.Series) -> pd.Series:
    """Whether each unit's record is a mild NPS detractor (5-6): no label of its own.

    Returns:
        Boolean series aligned with ``scores``.
    """
    nps = score_types.eq("nps") & scores.gt(NPS_NEGATIVE_UP_TO) & scores.lt(7)
    return nps.fillna(False).astype(bool)


def weak_labels(
    from_scores: pd.Series,
    base_proba: np.ndarray,
    *,
    records: Sequence[str] | None = None,
    texts: Sequence[str] | None = None,
    mild: np.ndarray | None = None,
) -> WeakLabels:
    """Refine score labels with the base model's reading of each unit.

    Args:
        from_scores: Output of :func:`score_labels`.
        base_proba: (n, 3) base-model probabilities of the same units.
        records: Each unit's record id: enables the detractor rule (the unit the base model
            finds most negative in a negative-labelled record with no negative reading is
            labelled negative).
        texts: The units' texts: answers that say nothing get no label.
        mild: Units of mild detractors (NPS 5-6, no label from the score): the detractor rule
            applies to them too, to a unit the base model does not read as positive.

    Returns:
        The refined labels and counts.
    """
    from pipeline.text.surface import is_non_answer

    labels = from_scores.copy()
    if texts is not None:
        empty = np.array([is_non_answer(text) for text in texts], dtype=bool)
        labels[empty] = pd.NA
    else:
        empty = np.zeros(len(labels), dtype=bool)
    has = labels.notna().to_numpy()
    positive = (labels == "positive").fillna(False).to_numpy(dtype=bool)
    negative = (labels == "negative").fillna(False).to_numpy(dtype=bool)
    p_negative, p_neutral, p_positive = base_proba[:, 0], base_proba[:, 1], base_proba[:, 2]
    contradicted = (positive & (p_negative >= CONTRADICTION)) | (
        negative & (p_positive >= CONTRADICTION)
    )
    neutral = has & ~contradicted & (p_neutral >= NEUTRAL_AGREEMENT)
    labels[contradicted] = pd.NA
    labels[neutral] = "neutral"
    implicit = np.zeros(len(labels), dtype=bool)
    if records is not None:
        frame = pd.DataFrame(
            {
                "record": np.asarray(records, dtype=object),
                "p": p_negative,
                "candidate": (negative & ~contradicted & ~empty)
                | (
                    (np.zeros(len(labels), dtype=bool) if mild is None else mild)
                    & ~empty
                    & (p_positive < np.maximum(p_negative, p_neutral))
                ),
                "read_negative": (labels == "negative").fillna(False).to_numpy(dtype=bool)
                & (p_negative >= np.maximum(p_neutral, p_positive)),
            }
        )
        unread = frame.groupby("record")["read_negative"].transform("any").to_numpy() == 0
        pool = frame[frame["candidate"].to_numpy() & unread]
        if not pool.empty:
            implicit[pool.groupby("record")["p"].idxmax().to_numpy()] = True
        labels[implicit] = "negative"
    counts = {"from_scores": int(has.sum()), "contradicted": int(contradicted.sum())}
    counts["neutral_by_base"] = int((neutral & ~implicit).sum())
    counts["implicit_negative"] = int(implicit.sum())
    for label in LABELS:
        counts[label] = int((labels == label).fillna(False).sum())
    return WeakLabels(labels, counts)


#: The seed tops each class up to this many (weighted) examples; classes the customer's own
#: data already holds this often get no seed sentences.
SEED_FILL: Final = 100


def seed_weights(
    own_labels: Sequence[str], seed_labels: Sequence[str], *, fill: int
) -> np.ndarray:
    """Weight of each seed sentence: enough to top every class up to ``fill`` examples.

    The seed is a prior. Added in full it cost macro-F1 in cross-validation on a customer's own
    gold labels (NoReC dev, 5-fold: 0.636 without, 0.595 with it; topping classes up to 300:
    0.627), yet weak labels can lack a class (few confidently neutral units), which the seed
    must then supply.

    Args:
        own_labels: Labels of the customer's units.
        seed_labels: Labels of the seed sentences.
        fill: Examples per class to reach.

    Returns:
        (len(seed_labels),) weights in [0, 1].
    """
    own = pd.Series(list(own_labels), dtype="str").value_counts()
    seed = np.asarray(list(seed_labels), dtype=object)
    weights = np.zeros(len(seed))
    for label in LABELS:
        mask = seed == label
        if mask.any():
            missing = fill - int(own.get(label, 0))
            weights[mask] = min(1.0, max(0.0, missing / mask.sum()))
    return weights


def train_weak_head(
    texts: Sequence[str],
    labels: Sequence[str],
    langs: Sequence[str],
    vectors: np.ndarray,
    *,
    seed: pd.DataFrame,
    seed_vectors: np.ndarray,
    seed_fill: int = SEED_FILL,
    random_state: int = 0,
) -> SentimentHead:
    """Train the ensemble head on labelled units of the customer's own data plus the seed.

    Used for weak labels (``verbatim train sentiment``) and for gold labels in cross-validation
    (``verbatim eval sentiment --cv K``), so both measure the same training.

    Args:
        texts: The customer's labelled units.
        labels: Their labels (one of LABELS; classes may be missing, the seed supplies them).
        langs: Their language codes.
        vectors: Their (n, dim) embeddings.
        seed: The shipped seed sentences (text, label, lang).
        seed_vectors: Their embeddings.
        seed_fill: See :func:`seed_weights`. Word and character n-grams are learnt when the
            customer's own units number at least NGRAMS_FROM (the seed never switches them on).
        random_state: Seed of the calibration folds (the workspace's ``run.seed``).

    Returns:
        The fitted, calibrated head.
    """
    weights = np.concatenate(
        [np.ones(len(texts)), seed_weights(labels, seed["label"].tolist(), fill=seed_fill)]
    )
    used = weights > 0
    all_texts = [*texts, *seed["text"].tolist()]
    all_labels = [*labels, *seed["label"].tolist()]
    all_langs = [*langs, *seed["lang"].tolist()]
    matrix = np.vstack([vectors, seed_vectors]) if len(texts) else seed_vectors
    return train_head(
        [text for text, keep in zip(all_texts, used, strict=True) if keep],
        [label for label, keep in zip(all_labels, used, strict=True) if keep],
        [lang for lang, keep in zip(all_langs, used, strict=True) if keep],
        matrix[used],
        feature_set="ensemble",
        sample_weight=weights[used],
        ngrams=len(texts) >= NGRAMS_FROM,
        random_state=random_state,
    )
