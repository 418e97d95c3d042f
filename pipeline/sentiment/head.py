"""A calibrated softmax head: logistic regression on features, then temperature scaling.

The fitted head is plain arrays (feature scaling, weights, temperature), so the model store
saves it as ``.npz`` — no pickles to trust when loading.
"""

from __future__ import annotations

from typing import Any, Final, Self

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax

#: The three sentiment classes, in the column order of every probability matrix.
LABELS: Final = ("negative", "neutral", "positive")


def label_codes(labels: np.ndarray | list[str]) -> np.ndarray:
    """Map label strings to 0 (negative), 1 (neutral), 2 (positive).

    Raises:
        ValueError: For a label outside :data:`LABELS`.
    """
    index = {label: i for i, label in enumerate(LABELS)}
    try:
        return np.array([index[label] for label in labels], dtype=np.int64)
    except KeyError as e:
        raise ValueError(f"unknown sentiment label {e.args[0]!r}; expected {LABELS}") from e


class SoftmaxHead:
    """Multinomial logistic regression with its strength chosen and its temperature fitted.

    Out-of-fold predictions (``calibration_folds``-fold) serve twice: to choose C from
    ``c_grid`` by the calibrated log-loss, and to fit the temperature of the final model.

    Args:
        c_grid: Candidate inverse regularisation strengths.
        balanced: Weight classes inversely to their frequency.
        calibration_folds: Folds of out-of-fold predictions (below 2: first C, temperature 1).
        random_state: Seed of the folds' shuffle.
    """

    def __init__(
        self,
        *,
        c_grid: tuple[float, ...] = (1.0, 3.0),
        balanced: bool = True,
        calibration_folds: int = 3,
        random_state: int = 0,
    ) -> None:
        self.c_grid = c_grid
        self.balanced = balanced
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def _logistic(self, c: float) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=c, max_iter=3000)

    def _weights(self, y: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray:
        """Per-example weights; balanced classes weigh the same in total.

        Balancing counts the given weights (scikit-learn's ``class_weight="balanced"`` counts
        examples), so down-weighted seed sentences do not hide a rare class of the user's data.
        """
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        if not self.balanced:
            return weights
        totals = np.bincount(y, weights=weights, minlength=len(LABELS))
        present = totals > 0
        factor = np.zeros(len(LABELS))
        factor[present] = weights.sum() / (present.sum() * totals[present])
        return weights * factor[y]

    def fit(
        self,
        features: Any,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        *,
        groups: np.ndarray | None = None,
    ) -> Self:
        """Choose C, learn the weights and the temperature.

        Args:
            features: (n, d) dense array or scipy sparse matrix.
            y: (n,) class codes 0..2 (see :func:`label_codes`); every class must occur.
            sample_weight: Optional (n,) weights.
            groups: Optional (n,) group of each example (e.g. its language). When given, the
                out-of-fold predictions leave one group out at a time, so the temperature is
                fitted on data unlike the training data — as the user's data will be.

        Returns:
            self.

        Raises:
            ValueError: When shapes disagree or a class is missing.
        """
        if features.ndim != 2 or features.shape[0] != len(y):
            raise ValueError(f"features {features.shape} and labels ({len(y)},) do not match")
        missing = sorted(set(range(len(LABELS))) - set(np.unique(y).tolist()))
        if missing:
            names = ", ".join(LABELS[i] for i in missing)
            raise ValueError(f"no training examples labelled {names}")
        weights = self._weights(y, sample_weight)
        self.c_, self.temperature_ = self._select(features, y, weights, groups)
        model = self._logistic(self.c_).fit(features, y, sample_weight=weights)
        self.coef_ = np.asarray(model.coef_, dtype=np.float64)
        self.intercept_ = np.asarray(model.intercept_, dtype=np.float64)
        return self

    def _select(
        self,
        features: Any,
        y: np.ndarray,
        weights: np.ndarray,
        groups: np.ndarray | None,
    ) -> tuple[float, float]:
        """(C, temperature) with the best out-of-fold calibrated log-loss."""
        if self.calibration_folds < 2 or np.bincount(y).min() < self.calibration_folds:
            return self.c_grid[0], 1.0
        from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

        if groups is not None and len(np.unique(groups)) >= 2:
            splits = list(LeaveOneGroupOut().split(np.zeros(len(y)), y, groups))
        else:
            folds = StratifiedKFold(
                self.calibration_folds, shuffle=True, random_state=self.random_state
            )
            splits = list(folds.split(np.zeros(len(y)), y))
        best: tuple[float, float, float] | None = None
        for c in self.c_grid:
            logits = np.zeros((len(y), len(LABELS)))
            for train, held in splits:
                model = self._logistic(c).fit(
                    features[train],
                    y[train],
                    sample_weight=self._weights(y[train], weights[train]),
                )
                logits[held] = model.decision_function(features[held])
            temperature = fit_temperature(logits, y)
            loss = float(-log_softmax(logits / temperature, axis=1)[np.arange(len(y)), y].mean())
            if best is None or loss < best[0]:
                best = (loss, c, temperature)
        if best is None:
            raise ValueError("c_grid must name at least one C")
        return best[1], best[2]

    def logits(self, features: Any) -> np.ndarray:
        """Uncalibrated class scores, (n, 3)."""
        return np.asarray(features @ self.coef_.T + self.intercept_)

    def predict_proba(self, features: Any) -> np.ndarray:
        """Calibrated class probabilities, (n, 3), columns as :data:`LABELS`."""
        if features.shape[0] == 0:
            return np.zeros((0, len(LABELS)))
        return np.asarray(softmax(self.logits(features) / self.temperature_, axis=1))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as named arrays (for the model store)."""
        return {
            "coef": self.coef_,
            "intercept": self.intercept_,
            "temperature": np.array([self.temperature_]),
            "c": np.array([self.c_]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> SoftmaxHead:
        """Rebuild a fitted head from :meth:`to_arrays` output."""
        head = cls()
        head.coef_ = arrays["coef"]
        head.intercept_ = arrays["intercept"]
        head.temperature_ = float(arrays["temperature"][0])
        head.c_ = float(arrays["c"][0])
        return head


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature T minimising the log-loss of ``softmax(logits / T)`` (0.05 ≤ T ≤ 20)."""

    def loss(t: float) -> float:
        return float(-log_softmax(logits / t, axis=1)[np.arange(len(y)), y].mean())

    result = minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded")
    return float(result.x)


def expected_calibration_error(proba: np.ndarray, y: np.ndarray, *, bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence (equal-width bins).

    Args:
        proba: (n, k) predicted probabilities.
        y: (n,) true class indices.
        bins: Number of confidence bins.

    Returns:
        The weighted mean |accuracy - confidence| over bins, in [0, 1]; 0.0 for no rows.
    """
    if len(y) == 0:
        return 0.0
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(error)
