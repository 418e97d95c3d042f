"""Is every planted demo driver a theme? (issue 5's demo target)

Run by hand: `.venv/bin/python benchmarks/theme_demo.py [--workspace DIR] [--embed-model M]`.

Generates the demo data (seed 7), ingests and enriches it in a workspace (default: the user
cache's `bench/demo-workspace`, kept so embeddings are computed once), fits themes, and for each
planted driver finds the theme — a leaf, or a parent with its children — whose records best
match the records that mention the driver (F1 over records). A driver counts as found when that
theme's precision and recall are both at least 0.5. Prints one line per driver and the fit's
metrics; `--config` passes theme settings as TOML. `--stability` then refits with another seed
(as `verbatim themes refit`, then `--fresh`) and reports the share of units keeping their id.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import pandas as pd

from pipeline.config import Config, EmbedConfig, config_from_dict, load_config
from pipeline.demo import generate_demo, write_demo
from pipeline.demo.drivers import DRIVERS
from pipeline.embed import model_cache_dir
from pipeline.jobs import enrich as enrich_jobs
from pipeline.jobs import ingest as ingest_jobs
from pipeline.jobs import themes as theme_jobs
from pipeline.storage.warehouse import Warehouse

FOUND = 0.5


def _prepare(workspace: Path, cfg: Config) -> None:
    if (workspace / "data" / "warehouse.duckdb").exists():
        return
    demo = generate_demo(seed=7)
    paths = write_demo(demo, workspace / "data" / "demo")
    for source, path in (("survey", paths.survey), ("chat", paths.chat), ("social", paths.social)):
        ingest_jobs.ingest_files([path], source=source, cfg=cfg)
    enrich_jobs.enrich_pending(cfg)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--embed-model", default="e5-small")
    parser.add_argument("--config", type=Path, default=None, help="verbatim.toml to use")
    parser.add_argument("--fresh", action="store_true", help="rebuild the workspace")
    parser.add_argument(
        "--stability", action="store_true", help="then refit twice and report the ids kept"
    )
    args = parser.parse_args()
    base = load_config(args.config) if args.config else Config()
    cfg = config_from_dict({**base.model_dump(mode="json"), "embed": {"model": args.embed_model}})
    workspace = args.workspace or model_cache_dir(EmbedConfig()).parent / "bench" / (
        f"demo-workspace-{args.embed_model}"
    )
    if args.fresh and workspace.exists():
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    os.chdir(workspace)
    _prepare(workspace, cfg)
    shutil.rmtree(workspace / "models" / "themes", ignore_errors=True)
    started = time.perf_counter()
    report = theme_jobs.fit_themes(cfg)
    seconds = time.perf_counter() - started
    print(f"metrics: {report.metrics}")
    drivers(cfg, seconds, report.themes)
    if args.stability:
        stability(cfg)


def drivers(cfg: Config, seconds: float, n_themes: int) -> None:
    """For each planted driver, the theme (leaf or parent) that matches its records best."""
    labels = generate_demo(seed=7).labels
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        records = warehouse.read_table("records")[["record_id", "source", "source_id"]]
        record_themes = warehouse.read_table("record_themes")
        themes = warehouse.read_table("themes")
        units = warehouse.read_table("unit_themes")
    with_theme = (units.loc[units["has_content"], "theme_id"].notna().mean(),)
    keyed = labels.merge(records, on=["source", "source_id"])
    parent = dict(zip(themes["theme_id"], themes["parent_id"], strict=True))
    rows = record_themes.assign(parent_id=record_themes["theme_id"].map(parent))
    theme_records = {int(t): set(group["record_id"]) for t, group in rows.groupby("theme_id")}
    for p, group in rows.dropna(subset=["parent_id"]).groupby("parent_id"):
        theme_records[int(p)] = set(group["record_id"])
    label_of = dict(zip(themes["theme_id"], themes["label"], strict=True))
    print(
        f"fit {seconds:.0f} s (embedding included when not cached); {n_themes} themes; "
        f"units with content that got a theme: {float(with_theme[0]):.3f}"
    )
    found = 0
    for driver in DRIVERS:
        mentions = keyed["mentioned"].map(lambda m, k=driver.key: k in m)
        wanted = set(keyed.loc[mentions, "record_id"])
        best = (0.0, 0.0, 0.0, -1)
        for theme_id, members in theme_records.items():
            hit = len(wanted & members)
            if not hit:
                continue
            precision, recall = hit / len(members), hit / len(wanted)
            f1 = 2 * precision * recall / (precision + recall)
            best = max(best, (f1, precision, recall, theme_id))
        f1, precision, recall, theme_id = best
        ok = precision >= FOUND and recall >= FOUND
        found += ok
        kind = "parent" if theme_id in set(themes.loc[themes["is_parent"], "theme_id"]) else "leaf"
        print(
            f"  {'FOUND' if ok else 'missed':<6} {driver.key:<20} n={len(wanted):>4}  best {kind} "
            f"{theme_id:>3} {label_of.get(theme_id, '')!r:<40} precision {precision:.2f} "
            f"recall {recall:.2f} F1 {f1:.2f}"
        )
    print(f"{found}/{len(DRIVERS)} planted drivers are themes")


def _assignments(cfg: Config) -> pd.Series:
    with Warehouse(cfg.warehouse.path, read_only=True) as warehouse:
        units = warehouse.read_table("unit_themes")
    frame = units.loc[units["has_content"], ["unit_id", "model_theme_id"]]
    return frame.set_index("unit_id")["model_theme_id"]


def stability(cfg: Config) -> None:
    """Refit with another seed (as `verbatim themes refit`, then with --fresh): ids kept."""
    for fresh in (False, True):
        before = _assignments(cfg)
        values = cfg.model_dump(mode="json")
        values["themes"]["seed"] = cfg.themes.seed + 1 + int(fresh)
        report = theme_jobs.fit_themes(config_from_dict(values), reason="refit", fresh=fresh)
        after = _assignments(cfg).reindex(before.index)
        assigned = before.notna() | after.notna()
        kept = (before == after)[assigned].mean()
        print(
            f"refit{' --fresh' if fresh else ''} with another seed: {kept:.1%} of units with "
            f"content keep their theme id; lineage {report.lineage}"
        )


if __name__ == "__main__":
    main()
