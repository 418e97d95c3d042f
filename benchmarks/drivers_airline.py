"""Are the airline complaints' top reasons the top drivers? (issue 6's airline target)

Run by hand: `.venv/bin/python benchmarks/drivers_airline.py [--workspace DIR]`.

Reads `../shared/datasets/airline_tweets/airline_tweets.csv` (evaluation only; nothing is
copied into the project) and writes it, in a workspace in the user cache
(`bench/drivers-airline-workspace`, kept between runs), as a survey export: negative tweets score 0
(detractors), neutral 8 (passives), positive 10 (promoters); the airline is the `product`
segment; leading @handles are dropped as social cleaning would. Then everything `verbatim run`
does: ingest, enrich, sentiment, themes, analytics.

Each leaf theme (and parent) is named by the reason most of its negative mentioners gave
(`negativereason`); the target is that the two top-ranked detractor drivers are the themes of
"Customer Service Issue" and "Late Flight".
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

import pandas as pd

from pipeline.config import EmbedConfig, config_from_dict
from pipeline.embed import model_cache_dir
from pipeline.jobs import analytics as analytics_jobs
from pipeline.jobs import enrich as enrich_jobs
from pipeline.jobs import ingest as ingest_jobs
from pipeline.jobs import sentiment as sentiment_jobs
from pipeline.jobs import themes as theme_jobs
from pipeline.storage.warehouse import Warehouse

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DATA = DATASETS / "airline_tweets" / "airline_tweets.csv"
TARGET = {"Customer Service Issue", "Late Flight"}
SCORES = {"negative": 0, "neutral": 8, "positive": 10}


def _survey(tweets: pd.DataFrame) -> pd.DataFrame:
    created = pd.to_datetime(tweets["tweet_created"], format="%m/%d/%Y %H:%M")
    return pd.DataFrame(
        {
            "Respondent ID": tweets["tweet_id"].astype(str),
            "Submitted": created.dt.strftime("%Y-%m-%dT%H:%M:00"),
            "Score": tweets["airline_sentiment"].map(SCORES),
            "Comment": tweets["text"].map(lambda t: re.sub(r"^(@\w+\s*)+", "", t)),
            "Product": tweets["airline"],
        }
    )


def _prepare(workspace: Path, tweets: pd.DataFrame) -> None:
    if (workspace / "data" / "warehouse.duckdb").exists():
        return
    cfg = config_from_dict({})
    started = time.perf_counter()
    export = workspace / "data" / "airline-survey.csv"
    export.parent.mkdir(parents=True, exist_ok=True)
    _survey(tweets).to_csv(export, index=False)
    ingest_jobs.ingest_files([export], source="survey", cfg=cfg)
    enrich_jobs.enrich_pending(cfg)
    sentiment_jobs.ensure_weak_sentiment(cfg)
    sentiment_jobs.score_sentiment(cfg)
    theme_jobs.update_themes(cfg)
    print(f"prepared the workspace in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, default=None)
    args = parser.parse_args()
    tweets = pd.read_csv(DATA)
    workspace = args.workspace or model_cache_dir(EmbedConfig()).parent / "bench" / (
        "drivers-airline-workspace"
    )
    workspace.mkdir(parents=True, exist_ok=True)
    os.chdir(workspace)
    _prepare(workspace, tweets)
    cfg = config_from_dict({})
    started = time.perf_counter()
    report = analytics_jobs.update_analytics(cfg)
    print(f"analytics: {report.as_dict()} ({time.perf_counter() - started:.1f} s)")
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        ids = warehouse.read_table("records")[["record_id", "source_id"]]
        drivers = warehouse.read_table("drivers")
        themes = warehouse.analytics.analytics_themes()
        mentions = warehouse.analytics.theme_mentions()
    reasons = tweets.assign(source_id=tweets["tweet_id"].astype(str))
    keyed = ids.merge(reasons[["source_id", "negativereason"]], on="source_id")
    parent_of = themes.set_index("theme_id")["parent_id"].dropna().astype(int)
    lifted = mentions.assign(theme_id=mentions["theme_id"].map(parent_of)).dropna()
    both = pd.concat([mentions, lifted.astype({"theme_id": "int64"})]).drop_duplicates(
        ["record_id", "theme_id"]
    )
    named = both.merge(keyed, on="record_id").dropna(subset=["negativereason"])
    shares = named.groupby("theme_id")["negativereason"].value_counts(normalize=True)
    top_reason = shares.groupby(level=0).idxmax().map(lambda pair: pair[1])
    top_share = shares.groupby(level=0).max()
    overall = drivers[drivers["segment"] == "all"]
    for level in ("theme", "parent"):
        ranked = overall[(overall["level"] == level) & overall["rank"].notna()].sort_values("rank")
        print(f"\n{level} level: {len(ranked)} detractor drivers")
        for _, row in ranked.head(8).iterrows():
            reason = top_reason.get(row["theme_id"], "-")
            share = top_share.get(row["theme_id"], float("nan"))
            print(
                f"  {int(row['rank']):>2}. {row['theme_id']:>4} {row['label'][:34]!r:<36} "
                f"mentions {row['mentions']:>5}  impact {row['nps_impact']:+6.2f} "
                f"[{row['ci_low']:+6.2f}, {row['ci_high']:+6.2f}]  adjusted "
                f"{row['adjusted_impact']:+6.2f}  reason {reason} ({share:.0%})"
            )
        first_two = {top_reason.get(t, "-") for t in ranked["theme_id"].head(2)}
        print(f"  top two are the themes of {sorted(TARGET)}: {first_two == TARGET}")
        level_ids = set(overall.loc[overall["level"] == level, "theme_id"])
        for reason in sorted(TARGET):
            wanted = set(keyed.loc[keyed["negativereason"] == reason, "record_id"])
            best = (0.0, -1)
            for theme_id, group in both[both["theme_id"].isin(level_ids)].groupby("theme_id"):
                members = set(group["record_id"])
                hit = len(members & wanted)
                if hit:
                    precision, recall = hit / len(members), hit / len(wanted)
                    best = max(best, (2 * precision * recall / (precision + recall), theme_id))
            row = overall[overall["theme_id"] == best[1]].iloc[0]
            print(
                f"  best-F1 theme of {reason}: {best[1]} {row['label']!r} (F1 {best[0]:.2f}), "
                f"rank {row['rank']}, role {row['role']}"
            )


if __name__ == "__main__":
    main()
