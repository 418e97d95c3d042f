"""Measuring sentiment models on labelled data: metrics, per language, and cross-validation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.sentiment.head import LABELS, expected_calibration_error, label_codes


@dataclass(frozen=True)
class Evaluation:
    """Quality of predictions against gold labels.

    Attributes:
        n: Rows evaluated.
        classes: The gold classes present (2 for a binary set, else 3), in LABELS order.
        macro_f1: Mean F1 over ``classes``.
        accuracy: Share of rows predicted right.
        per_class_f1: F1 per class.
        confusion: ``confusion[gold][predicted]`` counts over ``classes``.
        ece: Expected calibration error of the confidence, over ``classes``.
        per_language: The same figures (n, macro_f1, accuracy) per detected language.
    """

    n: int
    classes: tuple[str, ...]
    macro_f1: float
    accuracy: float
    per_class_f1: dict[str, float]
    confusion: dict[str, dict[str, int]]
    ece: float
    per_language: dict[str, dict[str, float]]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "n": self.n,
            "classes": list(self.classes),
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "per_class_f1": {k: round(v, 4) for k, v in self.per_class_f1.items()},
            "per_class_recall": {
                gold: round(row[gold] / max(1, sum(row.values())), 4)
                for gold, row in self.confusion.items()
            },
            "confusion": self.confusion,
            "ece": round(self.ece, 4),
            "per_language": self.per_language,
        }


def restrict_to_classes(proba: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Renormalise probabilities over the gold classes only (a binary set has no neutral).

    Returns:
        (n, 3) probabilities with zero for classes outside ``classes``.
    """
    keep = np.array([label in classes for label in LABELS])
    restricted = np.where(keep, proba, 0.0)
    total = restricted.sum(axis=1, keepdims=True)
    return np.divide(
        restricted, total, out=np.full_like(restricted, 1 / keep.sum()), where=total > 0
    )


def _scores(
    gold: np.ndarray, predicted: np.ndarray, classes: Sequence[str]
) -> tuple[float, float, dict[str, float]]:
    from sklearn.metrics import accuracy_score, f1_score

    f1 = f1_score(gold, predicted, labels=list(classes), average=None, zero_division=0)
    per_class = {label: float(value) for label, value in zip(classes, f1, strict=True)}
    return float(np.mean(f1)), float(accuracy_score(gold, predicted)), per_class


def evaluate_predictions(
    gold: Sequence[str], proba: np.ndarray, langs: Sequence[str]
) -> Evaluation:
    """Compare predicted probabilities with gold labels.

    Args:
        gold: Gold labels, each one of LABELS. When neutral never occurs the set is treated as
            binary: predictions are restricted to negative vs positive.
        proba: (n, 3) predicted probabilities, columns as LABELS.
        langs: Language of each row (for the per-language breakdown).

    Returns:
        The evaluation.
    """
    gold_array = np.asarray(gold, dtype=object)
    classes = tuple(label for label in LABELS if label in set(gold_array.tolist()))
    if len(classes) == 2 and "neutral" not in classes:
        proba = restrict_to_classes(proba, classes)
    predicted = np.array(LABELS, dtype=object)[proba.argmax(axis=1)]
    macro, accuracy, per_class = _scores(gold_array, predicted, classes)
    confusion = {
        g: {p: int(((gold_array == g) & (predicted == p)).sum()) for p in classes} for g in classes
    }
    lang_array = np.asarray(langs, dtype=object)
    per_language: dict[str, dict[str, float]] = {}
    for lang in sorted(set(lang_array.tolist())):
        mask = lang_array == lang
        lang_macro, lang_accuracy, _ = _scores(gold_array[mask], predicted[mask], classes)
        per_language[lang] = {
            "n": int(mask.sum()),
            "macro_f1": round(lang_macro, 4),
            "accuracy": round(lang_accuracy, 4),
        }
    ece = expected_calibration_error(proba, label_codes(list(gold_array)))
    return Evaluation(
        n=len(gold_array),
        classes=classes,
        macro_f1=macro,
        accuracy=accuracy,
        per_class_f1=per_class,
        confusion=confusion,
        ece=ece,
        per_language=per_language,
    )


def evaluate_flags(
    gold: Sequence[bool], probability: np.ndarray, langs: Sequence[str], *, threshold: float = 0.5
) -> dict[str, Any]:
    """Precision, recall and F1 of a yes/no prediction (churn intent), overall and per language.

    Returns:
        ``{n, positives, predicted, precision, recall, f1, per_language: {lang: {...}}}``.
    """
    gold_array = np.asarray(gold, dtype=bool)
    predicted = np.asarray(probability) >= threshold
    lang_array = np.asarray(langs, dtype=object)

    def figures(mask: np.ndarray) -> dict[str, Any]:
        g, p = gold_array[mask], predicted[mask]
        hits = int((g & p).sum())
        precision = hits / p.sum() if p.sum() else 0.0
        recall = hits / g.sum() if g.sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "n": int(mask.sum()),
            "positives": int(g.sum()),
            "predicted": int(p.sum()),
            "precision": round(float(precision), 4),
            "recall": round(float(recall), 4),
            "f1": round(float(f1), 4),
        }

    result = figures(np.ones(len(gold_array), dtype=bool))
    result["per_language"] = {
        lang: figures(lang_array == lang) for lang in sorted(set(lang_array.tolist()))
    }
    return result


def cross_validated_proba(
    gold: Sequence[str],
    fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    folds: int,
    seed: int = 0,
) -> np.ndarray:
    """Out-of-fold probabilities from K-fold cross-validation (stratified by label).

    Args:
        gold: Gold labels.
        fit_predict: Given (train row indices, held-out row indices) returns the (m, 3)
            probabilities of the held-out rows from a model trained on the training rows.
        folds: K (≥ 2).
        seed: Shuffling seed.

    Returns:
        (n, 3) probabilities, each row predicted by the model that did not see it.

    Raises:
        ValueError: When K < 2 or a class has fewer than K rows.
    """
    from sklearn.model_selection import StratifiedKFold

    gold_array = np.asarray(gold, dtype=object)
    smallest = pd.Series(gold_array).value_counts().min()
    if folds < 2 or smallest < folds:
        raise ValueError(
            f"--cv {folds}: need K ≥ 2 and at least K rows of every label "
            f"(the smallest has {smallest})"
        )
    proba = np.zeros((len(gold_array), len(LABELS)))
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for train, held in splitter.split(np.zeros(len(gold_array)), gold_array):
        proba[held] = fit_predict(train, held)
    return proba
