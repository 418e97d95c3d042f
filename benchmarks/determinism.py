"""Same data, same seed, same warehouse; and what exact reproducibility costs (issue 22).

Run by hand: `.venv/bin/python benchmarks/determinism.py identity [--records demo|N]
[--root DIR]` and `.venv/bin/python benchmarks/determinism.py price --workspace DIR
[--repeats K]`.

``identity``: generates the demo data (seed 7; ``--records N`` scales it to N records), puts the
same files in the inbox of two fresh workspaces and runs `verbatim run --json` in each (the real
CLI, each its own process with its own string-hash seed), then `verbatim compare`: every table
must be identical apart from write times and run ids. Prints both runs' wall times and steps.

``price``: in an analysed workspace, fits the theme model on its units K times reproducibly
(``themes.reproducible = true``: seeded UMAP on one core, seeded eigensolver) and K times on the
fast path (``false``: UMAP unseeded on every core), in one process after a warm-up fit, and
prints the seconds of each fit and whether the fits agree with each other.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pipeline.demo import generate_demo, write_demo

_DEMO = {"n_survey": 5000, "n_chat": 1000, "n_social": 2000}


def _demo_files(records: str, into: Path) -> dict[str, Path]:
    sizes = dict(_DEMO)
    if records != "demo":
        scale = int(records) / sum(_DEMO.values())
        sizes = {key: max(1, round(n * scale)) for key, n in _DEMO.items()}
    paths = write_demo(generate_demo(seed=7, **sizes), into)
    return {"survey": paths.survey, "chat": paths.chat, "social": paths.social}


def _cli(workspace: Path, *args: str, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        check=False, cwd=workspace, capture_output=True, text=True,
        env={**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "PYTHONHASHSEED": hash_seed},
    )  # fmt: skip


def identity(args: argparse.Namespace) -> None:
    root: Path = args.root
    shutil.rmtree(root, ignore_errors=True)
    files = _demo_files(args.records, root / "files")
    workspaces = [root / "first", root / "second"]
    for workspace, hash_seed in zip(workspaces, ("1", "2"), strict=True):
        for source, path in files.items():
            (workspace / "data" / "inbox" / source).mkdir(parents=True)
            shutil.copy(path, workspace / "data" / "inbox" / source / path.name)
        started = time.perf_counter()
        done = _cli(workspace, "run", "--json", hash_seed=hash_seed)
        if done.returncode != 0:
            sys.exit(f"{workspace} failed:\n{done.stderr[-4000:]}")
        summary = json.loads(done.stdout)
        print(f"\n{workspace.name}: {time.perf_counter() - started:.1f} s wall")
        for step in summary["steps"]:
            print(f"  {step['step']:<16} {step['seconds']:8.1f} s")
        print(f"  seed {summary['status']['seed']}, models {summary['status']['models']}")
    compared = _cli(workspaces[0], "compare", "../second", "--json")
    report = json.loads(compared.stdout)
    print(f"\nidentical: {report['identical']}")
    for difference in report["differences"]:
        print(f"  {difference}")


def price(args: argparse.Namespace) -> None:
    import numpy as np

    from pipeline.config import load_config
    from pipeline.embed import text_key
    from pipeline.jobs.status import warehouse_tables
    from pipeline.schemas import EMBEDDINGS
    from pipeline.themes.model import ThemeModel

    os.chdir(args.workspace)
    cfg = load_config()
    tables = warehouse_tables(cfg)
    duplicates = set(
        tables["enriched_records"].loc[tables["enriched_records"]["is_duplicate"], "record_id"]
    )
    units = tables["opinion_units"]
    units = units[~units["record_id"].isin(duplicates)].sort_values("unit_id")
    stored = tables[EMBEDDINGS.name]
    vectors_by_key = dict(zip(stored["text_key"], stored["vector"], strict=True))
    vectors = np.vstack([vectors_by_key[text_key(t)] for t in units["text"]]).astype("f4")
    texts, langs = units["text"].tolist(), units["lang"].tolist()
    print(f"{len(texts):,} units; {os.cpu_count()} cores")
    # warm up: compiles UMAP and its nearest-neighbour search (used above 4,096 units)
    ThemeModel(cfg.themes).fit(texts[:5000], vectors[:5000], langs[:5000])
    for reproducible in (True, False):
        settings = cfg.themes.model_copy(update={"reproducible": reproducible})
        seconds, digests = [], []
        for _ in range(args.repeats):
            started = time.perf_counter()
            model = ThemeModel(settings).fit(texts, vectors, langs)
            seconds.append(time.perf_counter() - started)
            digests.append(hashlib.sha256(model.labels_.tobytes()).hexdigest()[:12])
        name = "reproducible" if reproducible else "fast path   "
        print(
            f"{name}: {statistics.mean(seconds):6.1f} s per fit "
            f"({', '.join(f'{s:.1f}' for s in seconds)}); themes "
            f"{len(model.leaf_ids_)}; fits agree: {len(set(digests)) == 1} ({', '.join(digests)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    same = commands.add_parser("identity")
    same.add_argument("--records", default="demo")
    same.add_argument("--root", type=Path, default=Path("/tmp/verbatim-determinism"))
    cost = commands.add_parser("price")
    cost.add_argument("--workspace", type=Path, required=True)
    cost.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.command == "identity":
        identity(args)
    else:
        price(args)


if __name__ == "__main__":
    main()
