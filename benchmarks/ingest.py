"""Ingest speed and memory: a generated survey CSV of N rows into a fresh warehouse.

Run by hand: `.venv/bin/python benchmarks/ingest.py [--sizes 50000,200000] [--memory-limit 256MB]`.
Each size runs in its own process so peak memory (max RSS) is measured per size. The reader
streams in chunks (`ingest.chunk_rows`); DuckDB caches and stages up to its memory limit
(`warehouse.memory_limit`) and spills beyond it, so peak memory levels off as files grow.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMENTS = [
    "Ventetiden i telefonen var alt for lang, over 40 minutter",
    "Regningen var forkert igen; jeg blev opkrævet to gange",
    "Veldig hyggelig og hjelpsom kundeservice!",
    "Internettet har vært nede tre ganger denne uken",
    "Teknikern kom aldrig trots att vi hade bokat tid",
    "Appen kraschar när jag försöker betala",
    "Great value for money, easy to set up",
    "The agent solved my problem on the first call",
    "",
    "ok",
]
TEAMS = ["Support København", "Support Oslo", "Support Stockholm", "Billing", "Field Service"]
PRODUCTS = ["Mobil", "Bredbånd", "TV", "Bundle"]


def write_survey(path: Path, rows: int, seed: int = 1) -> None:
    """A Nordic Excel-style export: semicolons, UTF-8 with BOM, dd.mm.yyyy HH:MM dates."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            [
                "Respondent ID",
                "Kunde ID",
                "Dato",
                "Anbefale (0-10)",
                "NPS gruppe",
                "Kommentar",
                "Team",
                "Produkt",
            ]
        )
        for i in range(rows):
            score = rng.randint(0, 10)
            group = "Promoter" if score >= 9 else "Passive" if score >= 7 else "Detractor"
            writer.writerow(
                [
                    f"R{i:07d}",
                    f"K{rng.randint(1, rows // 3 + 1):06d}",
                    f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.2025 "
                    f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                    score,
                    group,
                    f"{rng.choice(COMMENTS)} #{i}" if rng.random() > 0.15 else "",
                    rng.choice(TEAMS),
                    rng.choice(PRODUCTS),
                ]
            )


def measure(rows: int, memory_limit: str | None = None) -> dict[str, float]:
    """Generate, ingest and time one file (runs in the current process)."""
    from pipeline.config import config_from_dict
    from pipeline.jobs.ingest import ingest_files

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "survey.csv"
        write_survey(source, rows)
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        warehouse: dict[str, str] = {"path": str(Path(folder) / "w.duckdb")}
        if memory_limit:
            warehouse["memory_limit"] = memory_limit
        cfg = config_from_dict({"warehouse": warehouse})
        start = time.perf_counter()
        report = ingest_files([source], source="survey", cfg=cfg)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert report.accepted == rows, report.as_dict()
        return {
            "rows": rows,
            "file_mb": source.stat().st_size / 1e6,
            "seconds": seconds,
            "rows_per_s": rows / seconds,
            "peak_rss_mb": peak / 1024,
            "rss_before_ingest_mb": baseline / 1024,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="50000,200000,400000,800000")
    parser.add_argument("--memory-limit", help="DuckDB memory cap (default: the config's)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.memory_limit)))
        return
    print(f"{'rows':>8} {'file MB':>8} {'seconds':>8} {'rows/s':>9} {'peak RSS MB':>12}")
    for size in (int(s) for s in args.sizes.split(",")):
        result = subprocess.run(
            [sys.executable, __file__, "--one", str(size)]
            + (["--memory-limit", args.memory_limit] if args.memory_limit else []),
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"{row['rows']:>8,} {row['file_mb']:>8.1f} {row['seconds']:>8.2f} "
            f"{row['rows_per_s']:>9,.0f} {row['peak_rss_mb']:>12.0f}"
        )


if __name__ == "__main__":
    main()
