"""NPS, CSAT and CES with their margins of error.

NPS is the mean of the +1 / 0 / -1 coding of promoters (9-10), passives (7-8) and detractors
(0-6), times 100; its margin of error uses the variance of that coding:
``z * sqrt((p_promoters + p_detractors - (p_promoters - p_detractors)**2) / n) * 100``.
CSAT is the share answering in the top two boxes of its scale (4-5 on 1-5) with a Wilson
interval. CES is the mean effort score with a Student-t interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Final

import numpy as np
import pandas as pd

from pipeline.schemas import CREATED_AT, SCORE, SCORE_TYPE


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


def nps_coding(scores: np.ndarray | pd.Series) -> np.ndarray:
    """Return +1 for promoters (9-10), 0 for passives (7-8), -1 for detractors (0-6).

    Raises:
        ValueError: When a score is missing or outside 0-10.
    """
    values = np.asarray(scores, dtype=float)
    if np.isnan(values).any() or ((values < 0) | (values > 10)).any():
        raise ValueError("NPS scores must be numbers in 0..10")
    return np.select([values >= 9, values <= 6], [1.0, -1.0], 0.0)


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
    coding = nps_coding(values)
    point, half = nps_arrays(
        np.array([(coding > 0).sum()]), np.array([(coding < 0).sum()]), np.array([n]),
        confidence=confidence,
    )  # fmt: skip
    value, margin = float(point[0]), float(half[0])
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


# --- per period and segment ----------------------------------------------------------------

#: Columns of `nps_by_segment` (the table of the same name).
SEGMENT_METRIC_COLUMNS: Final = (
    "metric", "period", "period_start", "segment", "segment_value", "n", "value", "margin",
    "low", "high", "promoters", "passives", "detractors", "flagged", "rank",
)  # fmt: skip
#: Period kinds: the whole history, ISO weeks (starting Monday) and calendar months.
PERIODS: Final = ("all", "week", "month")
#: The segment (and period) that stands for everyone.
ALL: Final = "all"
METRICS: Final = ("nps", "csat", "ces")


def nps_arrays(
    promoters: np.ndarray | pd.Series,
    detractors: np.ndarray | pd.Series,
    n: np.ndarray | pd.Series,
    *,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """NPS and its margin for many groups at once (the formula of `nps`).

    Args:
        promoters: Promoter counts per group.
        detractors: Detractor counts per group.
        n: Answers per group; a group of 0 gives NaN.
        confidence: Confidence level.

    Returns:
        (value, margin) arrays in NPS points.
    """
    size = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        plus = np.asarray(promoters, dtype=float) / size
        minus = np.asarray(detractors, dtype=float) / size
        variance = np.maximum(plus + minus - (plus - minus) ** 2, 0.0)
        margin = 100.0 * _z(confidence) * np.sqrt(variance / size)
    return 100.0 * (plus - minus), margin


def period_starts(created_at: pd.Series, period: str, *, timezone: str = "UTC") -> pd.Series:
    """First day of each timestamp's week (Monday) or month, in ``timezone``.

    Args:
        created_at: tz-aware timestamps.
        period: "week" or "month".
        timezone: IANA zone whose calendar decides where a week or month starts.

    Returns:
        ``datetime.date`` values, same index.
    """
    local = created_at.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    if period == "week":
        return (local - pd.to_timedelta(local.dt.weekday, unit="D")).dt.date
    if period == "month":
        return local.dt.to_period("M").dt.start_time.dt.date
    raise ValueError(f"period must be 'week' or 'month', got {period!r}")


def _group_estimates(
    metric: str, answers: pd.DataFrame, keys: list[str], *, scale: tuple[int, int],
    confidence: float,
) -> pd.DataFrame:  # fmt: skip
    """One row per group of ``keys``: n, value, margin, low, high (+ NPS category counts)."""
    if metric == "nps":
        coding = nps_coding(answers[SCORE])
        flags = answers[keys].assign(n=1, promoters=coding > 0, detractors=coding < 0)
        counts = flags.groupby(keys, observed=True, dropna=False).sum().reset_index()
        counts["passives"] = counts["n"] - counts["promoters"] - counts["detractors"]
        value, margin = nps_arrays(
            counts["promoters"], counts["detractors"], counts["n"], confidence=confidence
        )
        return counts.assign(
            value=value,
            margin=margin,
            low=np.maximum(value - margin, -100.0),
            high=np.minimum(value + margin, 100.0),
        )
    make = csat if metric == "csat" else ces
    rows = []
    for key, group in answers.groupby(keys, observed=True, dropna=False)[SCORE]:
        estimate = make(group.to_numpy(), scale=scale, confidence=confidence)
        rows.append({**dict(zip(keys, key, strict=True)), **estimate.as_dict()})
    return pd.DataFrame(rows).drop(columns="confidence")


def nps_by_segment(
    responses: pd.DataFrame,
    *,
    segments: Sequence[str],
    periods: Sequence[str] = PERIODS,
    scales: Mapping[str, tuple[int, int]] | None = None,
    timezone: str = "UTC",
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """NPS, CSAT and CES per period and segment, each with n and its margin of error.

    Args:
        responses: One row per answer: ``score_type`` (nps | csat | ces | none), ``score``,
            ``created_at`` (tz-aware) and the segment columns; other rows are ignored.
        segments: Segment columns to break down by (missing or empty columns are skipped; an
            answer without a value for a segment is left out of that segment's rows).
        periods: Any of "all", "week", "month".
        scales: Inclusive (low, high) answer range per metric (default NPS 0-10, CSAT 1-5,
            CES 1-7); CSAT counts the top two answers as satisfied.
        timezone: Zone whose calendar bounds weeks and months.
        min_n: Groups with fewer answers are flagged and get no rank.
        confidence: Confidence level of the margins.

    Returns:
        `SEGMENT_METRIC_COLUMNS`: one row per metric, period kind, period start (None for
        "all"), segment ("all" for everyone) and segment value (""); ``rank`` orders the values
        of one segment within one period, best (highest) first, unflagged groups only.
    """
    ranges = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), **(scales or {})}
    frames = []
    for metric in METRICS:
        answers = responses.loc[
            (responses[SCORE_TYPE] == metric) & responses[SCORE].notna(),
            [SCORE, CREATED_AT, *(s for s in segments if s in responses.columns)],
        ]
        if answers.empty:
            continue
        for period in periods:
            starts = (
                None
                if period == ALL
                else period_starts(answers[CREATED_AT], period, timezone=timezone)
            )
            for segment in (ALL, *segments):
                if segment != ALL and segment not in answers.columns:
                    continue
                values = (
                    pd.Series("", index=answers.index)
                    if segment == ALL
                    else answers[segment].astype("string").str.strip()
                )
                keyed = pd.DataFrame(
                    {SCORE: answers[SCORE], "period_start": starts, "segment_value": values}
                ).dropna(subset=["segment_value"])
                keyed = keyed[(keyed["segment_value"] != "") | (segment == ALL)]
                if keyed.empty:
                    continue
                estimates = _group_estimates(
                    metric, keyed, ["period_start", "segment_value"],
                    scale=ranges[metric], confidence=confidence,
                )  # fmt: skip
                frames.append(estimates.assign(metric=metric, period=period, segment=segment))
    if not frames:
        return pd.DataFrame(columns=list(SEGMENT_METRIC_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    table["flagged"] = table["n"] < min_n
    rankable = table[~table["flagged"] & (table["segment"] != ALL)]
    ranks = rankable.groupby(["metric", "period", "period_start", "segment"], dropna=False)[
        "value"
    ].rank(method="min", ascending=False)
    table["rank"] = ranks.reindex(table.index).astype("Int64")
    for column in ("promoters", "passives", "detractors"):
        if column not in table.columns:
            table[column] = pd.NA
        table[column] = table[column].astype("Int64")
    table["n"] = table["n"].astype("int64")
    return (
        table[list(SEGMENT_METRIC_COLUMNS)]
        .sort_values(
            ["metric", "period", "segment", "period_start", "segment_value"], na_position="first"
        )
        .reset_index(drop=True)
    )
