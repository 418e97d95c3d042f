"""Why customers are detractors or promoters: theme impact on NPS and the key-driver model.

Every survey answer on the NPS scale is coded +1 (promoter, 9-10), 0 (passive, 7-8) or -1
(detractor, 0-6); NPS is the mean coding times 100. A theme's **impact** is NPS(all
respondents) - NPS(respondents who did not mention it), in NPS points: how many points the
score would gain if the theme's mentioners scored like everyone else (negative for a detractor
theme). Since NPS(all) is the mentioners' and the others' NPS weighted by their shares,
impact = share of mentioners x (NPS of mentioners - NPS of the others): volume times severity.

Its interval is a bootstrap percentile interval over respondents (themes resampled together,
so a respondent's co-occurring themes stay together) and its p-value is Welch's t-test of the
+1/0/-1 coding between mentioners and the others.

Themes co-occur ("waited an hour and the invoice was wrong"), so the one-theme-at-a-time
impact counts a respondent's score once per theme. The **key-driver model** separates them:
two L2-regularised logistic regressions (detractor vs not, promoter vs not) on every theme's
indicator and the theme's sentiment in that answer. A theme's **adjusted impact** is, over its
mentioners, the change in predicted P(promoter) - P(detractor) when that theme alone is
removed (indicator and sentiment set to 0), summed and divided by all respondents, in NPS
points, so it is on the same scale as the impact; its interval comes from refitting on
bootstrap resamples.
"""

from __future__ import annotations

import os
import warnings
from typing import Final, NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse

#: Respondents from which the key-driver refits are spread over processes.
PARALLEL_FROM: Final = 5_000
#: Columns of `theme_impact`'s result.
IMPACT_COLUMNS: Final = (
    "mentions", "nps_with", "nps_without", "nps_impact", "ci_low", "ci_high", "p_value",
)  # fmt: skip
#: Columns of `key_driver_impact`'s result.
KEY_DRIVER_COLUMNS: Final = (
    "adjusted_impact", "adjusted_ci_low", "adjusted_ci_high", "detractor_coef", "promoter_coef",
)  # fmt: skip
#: Largest bootstrap weight matrix built at once (resamples x respondents).
_BOOT_CELLS: Final = 20_000_000


def mention_matrix(
    respondents: pd.Index | pd.Series,
    mentions: pd.DataFrame,
    themes: pd.Index | list[int],
    *,
    value: str | None = None,
) -> sparse.csr_matrix:
    """Return the (n_respondents, n_themes) sparse matrix of who mentioned what.

    Args:
        respondents: Record ids, one per row of the result.
        mentions: ``record_id``, ``theme_id`` pairs (and ``value``); pairs whose record or theme
            is not listed are ignored; a repeated pair counts once (the last value).
        themes: Theme ids, one per column.
        value: Column of ``mentions`` to place in the cells; 1.0 when None.
    """
    rows = pd.Index(respondents).get_indexer(pd.Index(mentions["record_id"]))
    cols = pd.Index(themes).get_indexer(pd.Index(mentions["theme_id"]))
    keep = (rows >= 0) & (cols >= 0)
    cells = (
        np.ones(int(keep.sum())) if value is None else mentions[value].to_numpy(dtype=float)[keep]
    )
    pairs = pd.DataFrame({"r": rows[keep], "c": cols[keep], "v": cells}).drop_duplicates(
        ["r", "c"], keep="last"
    )
    return sparse.csr_matrix(
        (pairs["v"].to_numpy(), (pairs["r"].to_numpy(), pairs["c"].to_numpy())),
        shape=(len(pd.Index(respondents)), len(pd.Index(themes))),
    )


def _impact(
    n: float | np.ndarray, total: float | np.ndarray, with_n: np.ndarray, with_sum: np.ndarray
) -> np.ndarray:
    """NPS(all) - NPS(the others), in points, from coding sums (broadcasting over resamples)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        without = (total - with_sum) / (n - with_n)
        result = 100.0 * (total / n - without)
    # nobody mentions it: NPS(all) - NPS(all) = 0
    return np.where(with_n == 0, 0.0, result)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), same order as given."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty_like(p)
    q[order] = np.minimum(adjusted, 1.0)
    return q


class _Moments(NamedTuple):
    """Per-theme size, mean and sample variance of one group's coding."""

    n: np.ndarray
    mean: np.ndarray
    var: np.ndarray


def _welch_p(mentioners: _Moments, others: _Moments) -> np.ndarray:
    """Two-sided Welch t-test p-values; 1.0 where a group has fewer than two answers."""
    from scipy import stats

    with np.errstate(invalid="ignore", divide="ignore"):
        a = mentioners.var / mentioners.n
        b = others.var / others.n
        se = np.sqrt(a + b)
        t = (mentioners.mean - others.mean) / se
        df = (a + b) ** 2 / (a**2 / (mentioners.n - 1) + b**2 / (others.n - 1))
        p = 2 * stats.t.sf(np.abs(t), df)
    differ = ~np.isclose(mentioners.mean, others.mean)
    # both groups without spread: the difference is exact
    p = np.where(se == 0, np.where(differ, 0.0, 1.0), p)
    p = np.where((mentioners.n < 2) | (others.n < 2), 1.0, p)
    return np.clip(np.nan_to_num(p, nan=1.0), 0.0, 1.0)


def _bootstrap_weights(rng: np.random.Generator, n: int, resamples: int) -> list[np.ndarray]:
    """Multinomial bootstrap counts, (b, n) float32 blocks of at most `_BOOT_CELLS` cells.

    Each resample draws ``n`` rows with replacement and counts them (one `np.bincount` over a
    block, each resample's draws offset into its own row): the multinomial counts of
    ``rng.multinomial(n, [1/n] * n)``, about three times faster at tens of thousands of rows.
    """
    block = max(1, _BOOT_CELLS // max(n, 1))
    blocks = []
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        draws = rng.integers(0, n, (size, n), dtype=np.int32)
        draws += (np.arange(size, dtype=np.int32) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n)
        blocks.append(counts.astype(np.float32))
    return blocks


def theme_impact(
    coding: np.ndarray,
    mentioned: sparse.csr_matrix,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Each theme's impact on NPS with a bootstrap interval and a p-value.

    Args:
        coding: (n,) +1 / 0 / -1 per respondent (see `pipeline.analytics.metrics.nps_coding`).
        mentioned: (n, T) 0/1 matrix: respondent i mentioned theme j.
        resamples: Bootstrap resamples.
        confidence: Interval coverage.
        seed: Seed of the resampling.

    Returns:
        `IMPACT_COLUMNS`, one row per theme (column of ``mentioned``): mentions, NPS of the
        mentioners and of the others (NaN for an empty group), impact (NPS points; 0 for a
        theme nobody mentions, and for one everybody mentions), interval (always containing
        the impact) and p-value.
    """
    coding = np.asarray(coding, dtype=float)
    n = coding.size
    marks = sparse.csr_matrix(mentioned, dtype=float)
    marks.data[:] = 1.0
    if n == 0 or marks.shape[1] == 0:
        empty = np.zeros(marks.shape[1])
        return pd.DataFrame({c: empty for c in IMPACT_COLUMNS}).assign(
            mentions=empty.astype(int), nps_with=np.nan, nps_without=np.nan, p_value=1.0
        )
    with_n = np.asarray(marks.sum(axis=0)).ravel()
    with_sum = marks.T @ coding
    with_sq = marks.T @ (coding**2)
    # everyone mentions it: there is nobody to compare with, so no evidence of an impact
    impact = np.nan_to_num(_impact(float(n), float(coding.sum()), with_n, with_sum), nan=0.0)
    without_n = n - with_n
    with np.errstate(invalid="ignore", divide="ignore"):
        with_mean = with_sum / with_n
        without_mean = (coding.sum() - with_sum) / without_n
        with_var = (with_sq - with_n * with_mean**2) / (with_n - 1)
        without_var = ((float((coding**2).sum()) - with_sq) - without_n * without_mean**2) / (
            without_n - 1
        )
    p_value = _welch_p(
        _Moments(with_n, with_mean, with_var), _Moments(without_n, without_mean, without_var)
    )
    draws = []
    rng = np.random.default_rng(seed)
    weighted = marks.multiply(coding[:, None]).tocsc()
    for weights in _bootstrap_weights(rng, n, resamples):
        draws.append(
            _impact(
                weights.sum(axis=1)[:, None],
                (weights @ coding)[:, None],
                np.asarray((marks.T @ weights.T).T),
                np.asarray((weighted.T @ weights.T).T),
            )
        )
    samples = np.vstack(draws) if draws else impact[None, :]
    tail = (1 - confidence) / 2
    with warnings.catch_warnings():
        # a theme every resample gave NaN (nobody to compare with) has no interval
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(samples, [tail, 1 - tail], axis=0)
    # a percentile interval can miss a skewed estimate; widen it to contain the estimate
    low = np.minimum(np.nan_to_num(low, nan=0.0), impact)
    high = np.maximum(np.nan_to_num(high, nan=0.0), impact)
    return pd.DataFrame(
        {
            "mentions": with_n.astype(int),
            "nps_with": 100.0 * with_mean,
            "nps_without": 100.0 * without_mean,
            "nps_impact": impact,
            "ci_low": low,
            "ci_high": high,
            "p_value": p_value,
        }
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _fit_logit(
    features: sparse.csr_matrix, target: np.ndarray, *, c: float, start: np.ndarray | None
) -> np.ndarray:
    """Coefficients then intercept of an L2 logistic regression.

    A target of one class only fits no coefficients, and the intercept its clipped log-odds.
    """
    from sklearn.linear_model import LogisticRegression

    share = float(target.mean()) if target.size else 0.0
    if share in (0.0, 1.0):
        rate = min(max(share, 1e-6), 1 - 1e-6)
        return np.append(np.zeros(features.shape[1]), np.log(rate / (1 - rate)))
    model = LogisticRegression(C=c, max_iter=2000, warm_start=start is not None)
    if start is not None:
        model.coef_ = start[None, :-1].copy()
        model.intercept_ = start[-1:].copy()
        model.classes_ = np.array([False, True])
    model.fit(features, target)
    return np.append(model.coef_.ravel(), model.intercept_)


def _adjusted(
    features: sparse.csr_matrix, coef_det: np.ndarray, coef_pro: np.ndarray, n_themes: int
) -> np.ndarray:
    """Per theme: NPS points its mentioners lose when the theme alone is removed, over all."""
    n = features.shape[0]
    z_det = features @ coef_det[:-1] + coef_det[-1]
    z_pro = features @ coef_pro[:-1] + coef_pro[-1]
    marks = features[:, :n_themes].tocoo()
    rows, cols = marks.row, marks.col
    tone = np.asarray(features[:, n_themes:][rows, cols]).ravel()
    drop_det = coef_det[cols] + coef_det[n_themes + cols] * tone
    drop_pro = coef_pro[cols] + coef_pro[n_themes + cols] * tone
    now = _sigmoid(z_pro[rows]) - _sigmoid(z_det[rows])
    without = _sigmoid(z_pro[rows] - drop_pro) - _sigmoid(z_det[rows] - drop_det)
    return 100.0 * np.bincount(cols, weights=now - without, minlength=n_themes) / max(n, 1)


def key_driver_impact(
    coding: np.ndarray,
    mentioned: sparse.csr_matrix,
    sentiment: sparse.csr_matrix,
    *,
    c: float = 1.0,
    resamples: int = 200,
    confidence: float = 0.95,
    seed: int = 0,
    jobs: int = 0,
) -> pd.DataFrame:
    """Each theme's impact on NPS with the other themes held fixed (the key-driver model).

    Args:
        coding: (n,) +1 / 0 / -1 per respondent.
        mentioned: (n, T) 0/1: respondent i mentioned theme j.
        sentiment: (n, T) the mean sentiment score (-1..1) of respondent i's units in theme j
            (0 where not mentioned).
        c: Inverse L2 regularisation strength of both logistic regressions.
        resamples: Bootstrap refits for the interval (0: no interval).
        confidence: Interval coverage.
        seed: Seed of the resampling; each refit draws its rows from its own stream spawned
            from it, so the interval does not depend on ``jobs``.
        jobs: Processes the refits run on (0: one per CPU core); fewer than
            `PARALLEL_FROM` respondents always refit here (starting workers would cost more).

    Returns:
        `KEY_DRIVER_COLUMNS`, one row per theme: adjusted impact in NPS points with its
        interval (containing it), and the theme indicator's log-odds coefficient in the
        detractor and the promoter model.
    """
    coding = np.asarray(coding, dtype=float)
    n_themes = mentioned.shape[1]
    marks = sparse.csr_matrix(mentioned, dtype=float)
    marks.data[:] = 1.0
    features = sparse.hstack([marks, sparse.csr_matrix(sentiment, dtype=float)], format="csr")
    is_det, is_pro = coding < 0, coding > 0
    coef_det = _fit_logit(features, is_det, c=c, start=None)
    coef_pro = _fit_logit(features, is_pro, c=c, start=None)
    adjusted = _adjusted(features, coef_det, coef_pro, n_themes)
    low, high = adjusted.copy(), adjusted.copy()
    if resamples > 0 and coding.size > 1:
        from joblib import Parallel, delayed

        def refit(stream: np.random.SeedSequence) -> np.ndarray:
            rows = np.random.default_rng(stream).integers(0, coding.size, coding.size)
            sample = features[rows]
            det = _fit_logit(sample, is_det[rows], c=c, start=coef_det)
            pro = _fit_logit(sample, is_pro[rows], c=c, start=coef_pro)
            return _adjusted(sample, det, pro, n_themes)

        streams = np.random.SeedSequence(seed).spawn(resamples)
        workers = 1 if coding.size < PARALLEL_FROM else (jobs or os.cpu_count() or 1)
        if workers == 1:
            draws = np.vstack([refit(stream) for stream in streams])
        else:
            draws = np.vstack(
                Parallel(n_jobs=min(workers, resamples), prefer="processes")(
                    delayed(refit)(stream) for stream in streams
                )
            )
        tail = (1 - confidence) / 2
        low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
        low, high = np.minimum(low, adjusted), np.maximum(high, adjusted)
    return pd.DataFrame(
        {
            "adjusted_impact": adjusted,
            "adjusted_ci_low": low,
            "adjusted_ci_high": high,
            "detractor_coef": coef_det[:n_themes],
            "promoter_coef": coef_pro[:n_themes],
        }
    )
