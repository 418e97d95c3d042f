"""Enrichment speed and memory on generated comments, step by step and as a whole.

Run by hand: `.venv/bin/python benchmarks/enrich.py [--records 100000]`.
Comments come from the demo generator (survey comments, chat customer turns, social mentions in
da/nb/sv/en). Each step runs on the output of the one before, as in `verbatim enrich`; then the
whole stage runs once more end to end. Peak RSS is read after each step (it only grows).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from pipeline.config import EnrichConfig, RedactConfig
from pipeline.demo import generate_demo
from pipeline.schemas import CLEAN_TEXT, IS_DUPLICATE, LANG, RECORD_ID, SOURCE, TEXT
from pipeline.text.clean import clean_records
from pipeline.text.enrich import enrich_records
from pipeline.text.language import detect_languages
from pipeline.text.redact import redact_texts
from pipeline.text.segment import segment_units


def _records(n: int) -> pd.DataFrame:
    demo = generate_demo(n_survey=int(n * 0.7), n_chat=int(n * 0.1), n_social=int(n * 0.2))
    survey = demo.survey["Comment"].fillna("").tolist()
    chats = [
        "\n".join(m["text"] for m in chat["messages"] if m["role"] == "customer")
        for chat in demo.chats
    ]
    social = [mention["text"] for mention in demo.mentions]
    texts = survey + chats + social
    sources = ["survey"] * len(survey) + ["chat"] * len(chats) + ["social"] * len(social)
    return pd.DataFrame(
        {RECORD_ID: [f"r{i:07d}" for i in range(len(texts))], SOURCE: sources, TEXT: texts}
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _step(name: str, n: int, unit: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    print(
        f"{name:<22} {n:>9,} {unit:<8} {seconds:>7.2f} s {n / seconds:>10,.0f} {unit}/s "
        f"{_peak_mb():>8.0f} MB"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    cfg, redact = EnrichConfig(), RedactConfig()
    records = _records(args.records)
    n = len(records)
    print(
        f"{n:,} records, mean {records[TEXT].str.len().mean():.0f} characters; "
        f"RSS before: {_peak_mb():.0f} MB"
    )
    print(f"{'step':<22} {'n':>9} {'':<8} {'time':>9} {'rate':>15} {'peak RSS':>11}")
    redacted = _step("redact (at ingest)", n, "records", lambda: redact_texts(list(records[TEXT])))
    records = records.assign(**{TEXT: redacted})
    cleaned = _step("clean + duplicates", n, "records", lambda: clean_records(records))
    langs = _step(
        "language (records)",
        n,
        "records",
        lambda: detect_languages(list(cleaned[CLEAN_TEXT]), detector=cfg.language_detector),
    )
    cleaned = cleaned.assign(**{LANG: langs})
    originals = cleaned[~cleaned[IS_DUPLICATE]]
    units = _step("segment", len(originals), "records", lambda: segment_units(originals))
    _step(
        "language (units)",
        len(units),
        "units",
        lambda: detect_languages(list(units[TEXT]), detector=cfg.language_detector),
    )
    result = _step(
        "enrich, whole stage",
        n,
        "records",
        lambda: enrich_records(records, cfg=cfg, redact=redact),
    )
    print(
        f"units: {len(result.units):,}; duplicates: {int(result.records[IS_DUPLICATE].sum()):,};"
        f" languages: {result.records[LANG].value_counts().to_dict()}"
    )


if __name__ == "__main__":
    main()
