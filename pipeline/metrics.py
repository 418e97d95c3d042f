"""NPS, CSAT and CES with their margins of error.

NPS is the mean of the +1 / 0 / -1 coding of promoters (9-10), passives (7-8) and detractors
(0-6), times 100; its margin of error uses the variance of that coding:
``z * sqrt((p_promoters + p_detractors - (p_promoters - p_detractors)**2) / n) * 100``.
CSAT is the share answering in the top two boxes of its scale (4-5 on 1-5) with a Wilson
interval. CES is the mean effort score with a Student-t interval.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Estimate:
    """A metric with its uncertainty.

    Attributes:
        value: The point estimate (NPS points -100..100, CSAT percent 0..100, CES scale units);
            None when there are no answers.
        margin: Half-width of the confidence interval, same units; None without answers.
        low: Lower bound of the interval, within the metric's range.
        high: Upper bound of the interval, within the metric's range.
        n: Answers used.
        confidence: Confidence level of the interval.
    """

    value: float | None
    margin: float | None
    low: float | None
    high: float | None
    n: int
    confidence: float

    def as_dict(self) -> dict[str, float | int | None]:
        """Plain dict for JSON output."""
        return asdict(self)


def _z(confidence: float) -> float:
    if not 0.5 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0.5 and 1, got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _valid(scores: pd.Series | np.ndarray | list[float], low: float, high: float) -> np.ndarray:
    values = pd.to_numeric(pd.Series(scores, dtype="float64"), errors="coerce").dropna().to_numpy()
    if ((values < low) | (values > high)).any():
        raise ValueError(f"scores must lie in {low:g}..{high:g}")
    return values


def _empty(confidence: float) -> Estimate:
    return Estimate(None, None, None, None, 0, confidence)


def nps(scores: pd.Series | np.ndarray | list[float], *, confidence: float = 0.95) -> Estimate:
    """Net Promoter Score with its margin of error.

    Args:
        scores: 0-10 answers; missing values are ignored.
        confidence: Confidence level of the interval.

    Returns:
        NPS in points (-100..100), margin from the variance of the +1/0/-1 coding.

    Raises:
        ValueError: When a score lies outside 0-10.
    """
    values = _valid(scores, 0, 10)
    n = len(values)
    if n == 0:
        return _empty(confidence)
    promoters = float(np.mean(values >= 9))
    detractors = float(np.mean(values <= 6))
    value = 100.0 * (promoters - detractors)
    variance = max(promoters + detractors - (promoters - detractors) ** 2, 0.0)
    margin = 100.0 * _z(confidence) * math.sqrt(variance / n)
    return Estimate(
        value=value,
        margin=margin,
        low=max(value - margin, -100.0),
        high=min(value + margin, 100.0),
        n=n,
        confidence=confidence,
    )


def nps_counts(
    promoters: int, passives: int, detractors: int, *, confidence: float = 0.95
) -> Estimate:
    """NPS from category counts (same formula as `nps`)."""
    if min(promoters, passives, detractors) < 0:
        raise ValueError("counts cannot be negative")
    scores = np.repeat([10.0, 8.0, 0.0], [promoters, passives, detractors])
    return nps(scores, confidence=confidence)


def csat(
    scores: pd.Series | np.ndarray | list[float],
    *,
    scale: tuple[int, int] = (1, 5),
    confidence: float = 0.95,
) -> Estimate:
    """CSAT: percent of answers in the top two boxes of the scale, with a Wilson interval.

    Args:
        scores: Answers on ``scale``; missing values are ignored.
        scale: Inclusive (lowest, highest) answer; (1, 5) counts 4 and 5 as satisfied.
        confidence: Confidence level.

    Returns:
        CSAT in percent (0..100); margin is half the Wilson interval's width.
    """
    low_end, high_end = scale
    values = _valid(scores, low_end, high_end)
    n = len(values)
    if n == 0:
        return _empty(confidence)
    share = float(np.mean(values >= high_end - 1))
    z = _z(confidence)
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # clamp: at a share of 0 or 1 rounding can put the bound a hair past the estimate
    low = min(max(centre - half, 0.0), share)
    high = max(min(centre + half, 1.0), share)
    return Estimate(
        value=100.0 * share,
        margin=100.0 * (high - low) / 2,
        low=100.0 * low,
        high=100.0 * high,
        n=n,
        confidence=confidence,
    )


def ces(
    scores: pd.Series | np.ndarray | list[float],
    *,
    scale: tuple[int, int] = (1, 7),
    confidence: float = 0.95,
) -> Estimate:
    """Customer Effort Score: the mean answer with a Student-t interval.

    Args:
        scores: Answers on ``scale``; missing values are ignored.
        scale: Inclusive (lowest, highest) answer.
        confidence: Confidence level.

    Returns:
        Mean effort in scale units; the interval is clipped to the scale.
    """
    from scipy import stats

    low_end, high_end = scale
    values = _valid(scores, low_end, high_end)
    n = len(values)
    if n == 0:
        return _empty(confidence)
    mean = float(np.mean(values))
    if n == 1:
        return Estimate(mean, None, float(low_end), float(high_end), 1, confidence)
    sem = float(np.std(values, ddof=1)) / math.sqrt(n)
    margin = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1)) * sem
    return Estimate(
        value=mean,
        margin=margin,
        low=max(mean - margin, float(low_end)),
        high=min(mean + margin, float(high_end)),
        n=n,
        confidence=confidence,
    )
