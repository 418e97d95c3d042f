"""The nightly flow, cold and incremental, against the baseline a data team writes first (issue 7).

Run by hand: `.venv/bin/python benchmarks/nightly.py [--records demo|N] [--workspace DIR]
[--embed-model M] [--skip-baseline] [--save-cold DIR | --from-cold DIR]`.

1. Generates the demo data (seed 7; `--records N` scales every source to N records in all) and
   holds back 2% of each source's rows.
2. **Cold run**: `verbatim run --json` (the real CLI, Prefect's ephemeral API) on the 98% in a
   fresh workspace; prints wall time, the run's steps (seconds and peak memory each, from the
   `runs` table) and the process's peak memory.
3. **Incremental run**: the held-back 2% arrive; `verbatim run` again; its time as a share of
   the cold run's (target: at most 15%).
4. **Nothing new**: `verbatim run` once more.
`--save-cold DIR` keeps a copy of the workspace as the cold run left it (and its wall time);
`--from-cold DIR` starts from such a copy instead of running cold again, so the incremental run
can be measured again after a change in minutes instead of a quarter of an hour.

5. **Baseline**: a plain `BERTopic().fit_transform(texts)` on the same comments (every record's
   text, as a data team would start), with the same embedding model doing the embedding, in a
   child process; wall time and peak memory, and the ratio of our cold run to it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from pipeline.config import EmbedConfig
from pipeline.demo import generate_demo, write_demo
from pipeline.embed import model_cache_dir

HELD_BACK = 0.02


def _split(path: Path, inbox: Path, later: Path) -> None:
    """Write 98% of a demo file to ``inbox`` and the last 2% (newest rows) to ``later``."""
    (inbox / path.stem).mkdir(parents=True, exist_ok=True)
    (later / path.stem).mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        # the demo's survey export: semicolons, BOM, CRLF (as `write_demo` writes it)
        frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        cut = round(len(frame) * (1 - HELD_BACK))
        parts = {
            inbox / path.stem / path.name: frame.iloc[:cut],
            later / path.stem / f"new-{path.name}": frame.iloc[cut:],
        }
        for target, part in parts.items():
            part.to_csv(target, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    else:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        cut = round(len(lines) * (1 - HELD_BACK))
        (inbox / path.stem / path.name).write_text("".join(lines[:cut]), encoding="utf-8")
        (later / path.stem / f"new-{path.name}").write_text("".join(lines[cut:]), encoding="utf-8")


def _run(workspace: Path, label: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", "--json"],
        check=False, cwd=workspace, capture_output=True, text=True,
        env={**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"},
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{label} failed:\n{done.stderr[-4000:]}")
    summary = json.loads(done.stdout)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\n{label}: {seconds:.1f} s wall (peak RSS of any run so far {peak:,.0f} MB)")
    for step in summary["steps"]:
        print(f"  {step['step']:<16} {step['seconds']:8.1f} s  peak {step['peak_rss_mb']:8.0f} MB")
    return {"seconds": seconds, "summary": summary}


_BASELINE = """
import json, resource, sys, time
from bertopic import BERTopic
from pipeline.config import EmbedConfig
from pipeline.embed import load_embedder

texts = json.load(open(sys.argv[1], encoding="utf-8"))
embedder = load_embedder(EmbedConfig(model=sys.argv[2]))

from bertopic.backend import BaseEmbedder
class Wrapped(BaseEmbedder):  # the same embedder our flow uses, as BERTopic's backend
    def embed(self, documents, verbose=False):
        return embedder.encode(list(documents))

started = time.perf_counter()
topics, _ = BERTopic(embedding_model=Wrapped()).fit_transform(texts)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "topics": len(set(topics)) - (-1 in topics),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _baseline(workspace: Path, embed_model: str) -> dict:
    import duckdb

    with duckdb.connect(str(workspace / "data" / "warehouse.duckdb"), read_only=True) as con:
        texts = [row[0] for row in con.execute("SELECT text FROM records").fetchall()]
    corpus = workspace / "baseline-texts.json"
    corpus.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _BASELINE, str(corpus), embed_model],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(f"baseline failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"\nbaseline BERTopic().fit_transform on {len(texts):,} texts (embedding included): "
        f"{result['seconds']:.1f} s, {result['topics']} topics, peak {result['peak_mb']:,.0f} MB"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", default="demo")
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--embed-model", default="e5-small")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--save-cold", type=Path, default=None)
    parser.add_argument("--from-cold", type=Path, default=None)
    args = parser.parse_args()
    if args.records == "demo":
        demo = generate_demo(seed=7)
    else:
        total = int(args.records)
        demo = generate_demo(
            n_survey=round(total * 5 / 8),
            n_chat=round(total / 8),
            n_social=round(total / 4),
            seed=7,
        )
    workspace = args.workspace or model_cache_dir(EmbedConfig()).parent / "bench" / (
        f"nightly-{args.records}"
    )
    if workspace.exists():
        shutil.rmtree(workspace)
    if args.from_cold is not None:
        shutil.copytree(args.from_cold, workspace)
        cold = json.loads((workspace / "cold-run.json").read_text(encoding="utf-8"))
        print(f"from the cold run saved in {args.from_cold}: {cold['seconds']:.1f} s wall")
        _incremental(workspace, cold, args)
        return
    workspace.mkdir(parents=True)
    (workspace / "verbatim.toml").write_text(
        f'[embed]\nmodel = "{args.embed_model}"\n', encoding="utf-8"
    )
    paths = write_demo(demo, workspace / "generated")
    inbox, later = workspace / "data" / "inbox", workspace / "later"
    for path in (paths.survey, paths.chat, paths.social):
        _split(path, inbox, later)
    n = len(demo.survey) + len(demo.chats) + len(demo.mentions)
    print(
        f"{n:,} records ({len(demo.survey):,} survey, {len(demo.chats):,} chats, "
        f"{len(demo.mentions):,} social), {HELD_BACK:.0%} held back; workspace {workspace}"
    )

    cold = _run(workspace, "cold run (98%)")
    (workspace / "cold-run.json").write_text(json.dumps(cold), encoding="utf-8")
    if args.save_cold is not None:
        shutil.rmtree(args.save_cold, ignore_errors=True)
        shutil.copytree(workspace, args.save_cold)
    _incremental(workspace, cold, args)


def _incremental(workspace: Path, cold: dict, args: argparse.Namespace) -> None:
    later, inbox = workspace / "later", workspace / "data" / "inbox"
    for folder in later.iterdir():
        for file in folder.iterdir():
            shutil.copy(file, inbox / folder.name / file.name)
    incremental = _run(workspace, "incremental run (+2%)")
    share = incremental["seconds"] / cold["seconds"]
    print(f"incremental / cold = {share:.1%} (target at most 15%)")
    _run(workspace, "nothing new")
    if not args.skip_baseline:
        base = _baseline(workspace, args.embed_model)
        print(f"our cold flow / plain BERTopic = {cold['seconds'] / base['seconds']:.2f}")


if __name__ == "__main__":
    main()
