"""Is every planted demo driver one topic, ranked where it belongs? (issue 20's demo targets)

Run by hand on a workspace made by `verbatim demo` (seed 7):
`.venv/bin/python benchmarks/topics_demo.py --workspace DIR [--refresh]`.

Reads the workspace's `drivers` table at level topic (a topic's complaints row and its praise
row: `pipeline.analytics.priorities.topic_levels`), its `unit_topics` and the units'
sentiment. For each planted driver of the truth file, the topic row whose records (survey
records with a unit about the topic in that tone) best match the records that mention the
driver (F1), with record-level precision and recall, its role, rank, impact and interval
against the true impact. Then the issue's targets: each driver at precision and recall >= 0.8,
the true impact inside the interval for at least 8 of 10, the six planted detractor drivers the
top six of the improvement list, the four promoter drivers strengths; and the coverage (share
of units with content that carry a topic) and the share with two or more. `--refresh`
recomputes the analytics first (`verbatim analyse`). The workspace is only read otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd

from pipeline.config import load_config
from pipeline.demo import generate_demo
from pipeline.jobs import analytics as analytics_jobs
from pipeline.storage.warehouse import Warehouse


def _best(wanted: set[str], groups: dict[tuple[int, str], set[str]]) -> tuple:
    best: tuple = ((-1, ""), 0.0, 0.0, 0.0)
    for key, members in groups.items():
        hit = len(wanted & members)
        if hit:
            precision, recall = hit / len(members), hit / len(wanted)
            f1 = 2 * precision * recall / (precision + recall)
            if f1 > best[3]:
                best = (key, precision, recall, f1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--refresh", action="store_true", help="recompute the analytics first")
    args = parser.parse_args()
    os.chdir(args.workspace)
    cfg = load_config()
    if args.refresh:
        analytics_jobs.update_analytics(cfg)
    truth = {d["key"]: d for d in json.loads(Path("data/demo/truth.json").read_text())["drivers"]}
    labels = generate_demo(seed=7).labels
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        ids = warehouse.read_table("records")[["record_id", "source", "source_id"]]
        drivers = warehouse.read_table("drivers")
        topics = warehouse.read_table("topics")
        mentions = warehouse.analytics.topic_mentions()
        unit_topics = warehouse.read_table("unit_topics")
        content = warehouse.read_table("unit_themes")[["unit_id", "has_content"]]
    keyed = labels[labels["source"] == "survey"].merge(ids, on=["source", "source_id"])
    survey = set(keyed["record_id"])
    wanted = {
        key: set(keyed.loc[keyed["mentioned"].map(lambda m, k=key: k in m), "record_id"])
        for key in truth
    }
    groups = {
        (int(topic), str(polarity)): set(group["record_id"]) & survey
        for (topic, polarity), group in mentions.groupby(["topic_id", "polarity"])
        if polarity in ("negative", "positive")
    }
    overall = drivers[(drivers["segment"] == "all") & (drivers["level"] == "topic")]
    rows = overall.set_index(["theme_id", "polarity"])
    key_of = topics.set_index("topic_id")["topic_key"]
    with_content = content[content["has_content"]]
    carried = unit_topics.groupby("unit_id").size()
    coverage = with_content["unit_id"].isin(carried.index).mean()
    several = (carried >= 2).sum() / max(len(with_content), 1)
    print(f"coverage {coverage:.3f} of {len(with_content):,} units with content; "
          f"two or more topics {several:.3f}")  # fmt: skip
    good = inside = 0
    match = {}
    for key, driver in truth.items():
        (topic, polarity), precision, recall, f1 = _best(wanted[key], groups)
        match[key] = (topic, polarity)
        good += precision >= 0.8 and recall >= 0.8
        true = driver["true_nps_impact"]
        if (topic, polarity) not in rows.index:
            print(f"  {key:<20} no topic row")
            continue
        row = rows.loc[(topic, polarity)]
        ok = row["ci_low"] <= true <= row["ci_high"]
        inside += ok
        rank = row["rank"] if pd.notna(row["rank"]) else row["strength_rank"]
        print(
            f"  {key:<20} {key_of.get(topic, topic)!s:<16} {polarity:<8} P {precision:.2f} "
            f"R {recall:.2f} F1 {f1:.2f}  {row['role']:<16} rank {rank!s:>4}  impact "
            f"{row['nps_impact']:+6.2f} [{row['ci_low']:+6.2f}, {row['ci_high']:+6.2f}] "
            f"true {true:+6.2f} {'inside' if ok else 'OUTSIDE'}"
        )
    print(f"  drivers at precision and recall >= 0.8: {good}/{len(truth)}")
    print(f"  true impact inside the interval: {inside}/{len(truth)}")
    _ranking(truth, match, overall, key_of)


def _ranking(truth: dict, match: dict, overall: pd.DataFrame, key_of: pd.Series) -> None:
    """Are the planted detractor drivers the top of the list, the promoter ones strengths?"""
    rows = overall.set_index(["theme_id", "polarity"])
    detractor = [k for k in truth if truth[k]["kind"] == "detractor"]
    promoter = [k for k in truth if truth[k]["kind"] == "promoter"]
    ranked = overall[overall["rank"].notna()].sort_values("rank")
    top = list(zip(ranked["theme_id"], ranked["polarity"], strict=True))[: len(detractor)]
    expected = {match[k] for k in detractor}
    strengths = sum(
        match[k] in rows.index and rows.loc[match[k], "role"] == "strength" for k in promoter
    )
    print(f"  top {len(detractor)} of the improvement list are the planted detractor drivers: "
          f"{len(set(top) & expected)}/{len(detractor)} "
          f"({', '.join(str(key_of.get(t, t)) + ' ' + p for t, p in top)})")  # fmt: skip
    print(f"  planted promoter drivers that are strengths: {strengths}/{len(promoter)}")


if __name__ == "__main__":
    main()
