"""Are the planted demo drivers the top drivers, in order, inside their intervals? (issue 6)

Run by hand: `.venv/bin/python benchmarks/drivers_demo.py [--workspace DIR] [--embed-model M]`.

Generates the demo data (seed 7) in a workspace (default: the user cache's
`bench/drivers-demo-workspace`, kept so the slow stages run once) and runs what `verbatim demo`
runs: ingest, enrich, adapt and score sentiment, themes, analytics. Then, per planted driver
(the truth file's `true_nps_impact`), three readings:

1. **leaf**: the leaf theme whose records best match the records mentioning the driver (F1),
   with its rank in the improvement list, impact and interval;
2. **parent**: the same among parent themes;
3. **codeframe**: what an analyst's first codeframe does: every leaf whose records are mostly
   (precision >= 0.5) one driver is merged into that driver's theme, and the drivers are
   recomputed on the merged themes (`pipeline.analytics.priorities.drivers_report`).

For each reading: are the planted detractor drivers the top-ranked detractor drivers, in the
truth's order; does each true impact lie in the reported interval; are the planted promoter
drivers strengths. Prints precision and recall of each match, since a theme that misses part
of a driver's mentions under-states its impact.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analytics.priorities import drivers_report, verdict_shares
from pipeline.config import Config, EmbedConfig, config_from_dict
from pipeline.demo import generate_demo, write_demo
from pipeline.embed import model_cache_dir
from pipeline.jobs import analytics as analytics_jobs
from pipeline.jobs import enrich as enrich_jobs
from pipeline.jobs import ingest as ingest_jobs
from pipeline.jobs import sentiment as sentiment_jobs
from pipeline.jobs import themes as theme_jobs
from pipeline.storage.warehouse import Warehouse
from pipeline.themes.words import stop_words


def _prepare(workspace: Path, cfg: Config) -> None:
    if (workspace / "data" / "warehouse.duckdb").exists():
        return
    started = time.perf_counter()
    paths = write_demo(generate_demo(seed=7), workspace / "data" / "demo")
    for source, path in (("survey", paths.survey), ("chat", paths.chat), ("social", paths.social)):
        ingest_jobs.ingest_files([path], source=source, cfg=cfg)
    enrich_jobs.enrich_pending(cfg)
    sentiment_jobs.ensure_weak_sentiment(cfg)
    sentiment_jobs.score_sentiment(cfg)
    theme_jobs.update_themes(cfg)
    print(f"prepared the workspace in {time.perf_counter() - started:.0f} s")


def _best(wanted: set[str], groups: dict[int, set[str]]) -> tuple[int, float, float]:
    best = (-1, 0.0, 0.0, 0.0)
    for theme_id, members in groups.items():
        hit = len(wanted & members)
        if hit:
            precision, recall = hit / len(members), hit / len(wanted)
            f1 = 2 * precision * recall / (precision + recall)
            if f1 > best[3]:
                best = (theme_id, precision, recall, f1)
    return best[0], best[1], best[2]


def _judge(name: str, table: pd.DataFrame, match: dict[str, tuple[int, float, float]],
           truth: dict[str, dict]) -> None:  # fmt: skip
    rows = table.set_index("theme_id")
    print(f"\n{name}")
    inside = 0
    for key, (theme_id, precision, recall) in match.items():
        row = rows.loc[theme_id] if theme_id in rows.index else None
        true = truth[key]["true_nps_impact"]
        if row is None:
            print(f"  {key:<20} no theme")
            continue
        ok = row["ci_low"] <= true <= row["ci_high"]
        inside += ok
        rank = "-" if pd.isna(row["rank"]) else int(row["rank"])
        print(
            f"  {key:<20} theme {theme_id:>4} {row['label'][:30]!r:<32} P {precision:.2f} "
            f"R {recall:.2f}  rank {rank!s:>3} {row['role']:<16} impact {row['nps_impact']:+6.2f} "
            f"[{row['ci_low']:+6.2f}, {row['ci_high']:+6.2f}] true {true:+6.2f} "
            f"{'inside' if ok else 'OUTSIDE'}"
        )
    planted = sorted(
        (k for k in match if truth[k]["kind"] == "detractor"),
        key=lambda k: truth[k]["true_nps_impact"],
    )
    ranked = rows[rows["rank"].notna()].sort_values("rank")
    theme_of = {k: match[k][0] for k in match}
    top = ranked.index[: len(planted)].tolist()
    expected = [theme_of[k] for k in planted]
    order = [k for k in sorted(planted, key=lambda k: rows.loc[theme_of[k], "nps_impact"])]
    strengths = [k for k in match if truth[k]["kind"] == "promoter"]
    strong = sum(rows.loc[theme_of[k], "role"] == "strength" for k in strengths)
    print(
        f"  top {len(planted)} ranked are the planted detractor drivers: "
        f"{sorted(top) == sorted(expected)} ({len(set(top) & set(expected))}/{len(planted)}); "
        f"in the truth's order: {top == expected}; estimated order {order}"
    )
    print(
        f"  true impact inside the interval: {inside}/{len(match)}; planted promoter drivers "
        f"that are strengths: {strong}/{len(strengths)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--embed-model", default="e5-small")
    args = parser.parse_args()
    cfg = config_from_dict({"embed": {"model": args.embed_model}})
    workspace = args.workspace or model_cache_dir(EmbedConfig()).parent / "bench" / (
        f"drivers-demo-workspace-{args.embed_model}"
    )
    workspace.mkdir(parents=True, exist_ok=True)
    os.chdir(workspace)
    _prepare(workspace, cfg)
    started = time.perf_counter()
    report = analytics_jobs.update_analytics(cfg)
    print(f"analytics: {report.as_dict()} ({time.perf_counter() - started:.1f} s)")

    truth = {d["key"]: d for d in json.loads(Path("data/demo/truth.json").read_text())["drivers"]}
    labels = generate_demo(seed=7).labels
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        records = warehouse.analytics.analytics_records([])
        ids = warehouse.read_table("records")[["record_id", "source", "source_id"]]
        drivers = warehouse.read_table("drivers")
        themes = warehouse.analytics.analytics_themes()
        mentions = warehouse.analytics.theme_mentions()
        candidates = warehouse.analytics.quote_candidates()
        sample = warehouse.analytics.theme_unit_sample()
    keyed = labels[labels["source"] == "survey"].merge(ids, on=["source", "source_id"])
    wanted = {
        key: set(keyed.loc[keyed["mentioned"].map(lambda m, k=key: k in m), "record_id"])
        for key in truth
    }
    survey_ids = set(keyed["record_id"])
    parent_of = themes.set_index("theme_id")["parent_id"].dropna().astype(int)
    leaf_records = {
        int(t): set(g["record_id"]) & survey_ids for t, g in mentions.groupby("theme_id")
    }
    lifted = mentions.assign(theme_id=mentions["theme_id"].map(parent_of)).dropna()
    parent_records = {
        int(t): set(g["record_id"]) & survey_ids for t, g in lifted.groupby("theme_id")
    }
    overall = drivers[drivers["segment"] == "all"]
    for name, level, groups in (("leaf themes", "theme", leaf_records),
                                ("parent themes", "parent", parent_records)):  # fmt: skip
        match = {key: _best(wanted[key], groups) for key in truth}
        _judge(name, overall[overall["level"] == level], match, truth)

    _codeframe(
        cfg=cfg, truth=truth, wanted=wanted, leaf_records=leaf_records, survey_ids=survey_ids,
        records=records, themes=themes, mentions=mentions, candidates=candidates, sample=sample,
    )  # fmt: skip


def _codeframe(
    *, cfg, truth, wanted, leaf_records, survey_ids, records, themes, mentions, candidates, sample
) -> None:
    """Leaves that are mostly one driver merged into it (an analyst's first codeframe)."""
    driver_id = {key: 10_000 + i for i, key in enumerate(truth)}
    merge = {}
    for theme_id, members in leaf_records.items():
        if not members:
            continue
        shares = {key: len(members & wanted[key]) / len(members) for key in truth}
        key = max(shares, key=shares.get)
        if shares[key] >= 0.5:
            merge[theme_id] = driver_id[key]
    merged = mentions.assign(theme_id=mentions["theme_id"].map(merge).fillna(mentions["theme_id"]))
    merged = (
        merged.astype({"theme_id": "int64"})
        .groupby(["record_id", "theme_id"], as_index=False)
        .agg(units=("units", "sum"), sentiment=("sentiment", "mean"))
    )
    merged_themes = pd.concat(
        [
            themes[~themes["theme_id"].isin(merge) & ~themes["is_parent"]].assign(
                parent_id=np.nan
            ),
            pd.DataFrame({"theme_id": list(driver_id.values()), "label": list(driver_id),
                          "parent_id": np.nan, "is_parent": False, "status": "active"}),
        ]
    )  # fmt: skip
    respondents = records[(records["score_type"] == "nps") & records["score"].notna()]
    table = drivers_report(
        respondents, merged_themes, merged, records, settings=cfg.drivers, metrics=cfg.metrics,
        quote_candidates=candidates,
        verdicts=verdict_shares(
            sample.assign(theme_id=sample["theme_id"].map(merge).fillna(sample["theme_id"])),
            merged_themes, ignore=stop_words(),
        ),
    )  # fmt: skip
    merged_records = {
        int(t): set(g["record_id"]) & survey_ids for t, g in merged.groupby("theme_id")
    }
    match = {}
    for key in truth:
        members = merged_records.get(driver_id[key], set())
        hit = len(members & wanted[key])
        match[key] = (driver_id[key], hit / max(len(members), 1), hit / len(wanted[key]))
    print(f"\ncodeframe: {len(merge)} leaves merged into the {len(truth)} drivers")
    _judge("codeframe (leaves merged into drivers)", table[table["level"] == "theme"], match,
           truth)  # fmt: skip


if __name__ == "__main__":
    main()
