"""How long do the nightly analytics take on a large workspace?

Run by hand: `.venv/bin/python benchmarks/analytics_speed.py [--respondents 50000 200000]`.

Generates, in memory, NPS respondents over a year (with team and product), as many chats and
social mentions again, 150 leaf themes under 20 parents with about 1.5 themes per record and
planted effects, then times each analytics stage as `verbatim analyse` runs it (default
settings: 1,000 bootstrap resamples, 200 key-driver refits, team and product segments) and
prints the peak memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from pipeline.analytics.followup import build_followups
from pipeline.analytics.metrics import nps_by_segment, period_starts
from pipeline.analytics.priorities import drivers_report, theme_levels
from pipeline.analytics.trends import theme_alerts, theme_trends, trend_direction
from pipeline.config import config_from_dict

LEAVES, PARENTS = 150, 20


def _data(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    total = 2 * n
    source = np.where(np.arange(total) < n, "survey", rng.choice(["chat", "social"], total))
    start = pd.Timestamp("2025-12-01", tz="UTC")
    records = pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(total)],
            "source": source,
            "customer_id": [f"K{k}" for k in rng.integers(0, n, total)],
            "created_at": start + pd.to_timedelta(rng.integers(0, 365 * 86400, total), "s"),
            "team": rng.choice(["A", "B", "C", "D", "E"], total),
            "product": rng.choice(["Mobile", "Broadband", "TV"], total),
            "lang": rng.choice(["da", "nb", "sv", "en"], total),
            "is_duplicate": False,
        }
    )
    themes_per_record = rng.poisson(1.5, total)
    owner = np.repeat(np.arange(total), themes_per_record)
    theme = rng.zipf(1.3, owner.size) % LEAVES + 1
    mentions = pd.DataFrame(
        {"record_id": records["record_id"].to_numpy()[owner], "theme_id": theme, "units": 1}
    ).drop_duplicates(["record_id", "theme_id"])
    effect = rng.normal(0, 1.2, LEAVES + 1)
    shift = np.bincount(owner, weights=effect[theme], minlength=total)
    latent = 8 + shift + rng.normal(0, 2, total)
    is_survey = source == "survey"
    records["score_type"] = np.where(is_survey, "nps", np.where(source == "chat", "csat", "none"))
    records["score"] = np.where(
        is_survey,
        np.clip(np.round(latent), 0, 10),
        np.where(source == "chat", np.clip(np.round(latent / 2), 1, 5), np.nan),
    )
    records["sentiment"] = np.tanh((latent - 7) / 3)
    records["sentiment_label"] = np.where(
        records["sentiment"] < -0.3, "negative",
        np.where(records["sentiment"] > 0.3, "positive", "neutral"),
    )  # fmt: skip
    mentions["sentiment"] = np.tanh(effect[mentions["theme_id"]]) + rng.normal(
        0, 0.3, len(mentions)
    )
    themes = pd.DataFrame(
        {
            "theme_id": list(range(1, LEAVES + 1)) + list(range(1001, 1001 + PARENTS)),
            "label": [f"theme {i}" for i in range(1, LEAVES + PARENTS + 1)],
            "parent_id": [1001 + i % PARENTS for i in range(LEAVES)] + [None] * PARENTS,
            "is_parent": [False] * LEAVES + [True] * PARENTS,
            "status": "active",
        }
    )
    return records, mentions, themes


def _timed(label: str, work):
    started = time.perf_counter()
    result = work()
    print(f"  {label:<32} {time.perf_counter() - started:7.1f} s")
    return result


def _run(n: int) -> None:
    cfg = config_from_dict({"drivers": {"segments": ["team", "product"]}})
    records, mentions, themes = _data(n)
    print(f"{n:,} NPS respondents, {len(records):,} records, {len(mentions):,} mentions")
    started = time.perf_counter()
    _timed("nps_by_segment", lambda: nps_by_segment(
        records, segments=["source", "team", "product", "lang"]))  # fmt: skip
    _, both = theme_levels(themes, mentions)
    weeks = period_starts(records["created_at"], "week")
    trends = _timed("theme_trends", lambda: theme_trends(records, both, weeks))
    alerts = _timed("alerts", lambda: theme_alerts(trends, rule=cfg.trends))
    direction = _timed("trend direction", lambda: trend_direction(trends))
    respondents = records[records["score_type"] == "nps"]
    _timed("drivers (+ team, product)", lambda: drivers_report(
        respondents, themes, mentions, records, settings=cfg.drivers, metrics=cfg.metrics,
        trend=direction, alerts=alerts,
    ))  # fmt: skip
    units = records[["record_id"]].assign(position=0, text="it was bad", label="negative",
                                          score=-0.8)  # fmt: skip
    _timed("followups", lambda: build_followups(
        records, mentions, units, themes, rule=cfg.followup))  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"  {'total':<32} {time.perf_counter() - started:7.1f} s; peak RSS {peak:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, nargs="+", default=[50_000, 200_000])
    args = parser.parse_args()
    for n in args.respondents:
        _run(n)


if __name__ == "__main__":
    main()
