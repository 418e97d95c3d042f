"""Theme quality against human labels, with the default theme model (issue 5's targets).

Run by hand: `.venv/bin/python benchmarks/theme_quality.py [--embed-model e5-small]
[--config verbatim.toml] [--seeds 0,1,2]`.

Data (evaluation only, read from `../shared/datasets`, never copied):

* airline tweets that are negative with a real `negativereason` (not "Can't Tell"), cleaned as
  social posts, against that reason — targets NMI ≥ 0.35, and for each of the five largest
  reasons a theme whose units are ≥ 60% that reason;
* SemEval-2014 restaurant sentences against their aspect categories (a set per sentence) —
  target purity ≥ 0.6.

Each also at the topic level (issue 20): the starter topics (generic, plus the travel pack for
the airline tweets and the hospitality pack for the restaurant sentences) learned on the texts
as a workspace learns them — NMI and purity of each text's main topic, coverage, the share
with two or more topics, and each label's best topic (F1 over texts). Targets: airline Late
Flight, Customer Service Issue, Cancelled Flight and Lost Luggage each F1 ≥ 0.6 and NMI ≥ 0.35;
SemEval purity ≥ 0.75; coverage ≥ 0.85.

This is what `verbatim eval themes` does (one text = one unit); the SemEval file is XML, which
the command does not read, hence this script. Each seed is one full fit.
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from pipeline.config import Config, config_from_dict, load_config
from pipeline.jobs.theme_eval import evaluate_themes

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def airline() -> tuple[list[str], list[str | frozenset[str]]]:
    frame = pd.read_csv(DATASETS / "airline_tweets" / "airline_tweets.csv")
    frame = frame[frame["negativereason"].notna() & (frame["negativereason"] != "Can't Tell")]
    return frame["text"].astype(str).tolist(), frame["negativereason"].tolist()


def semeval() -> tuple[list[str], list[str | frozenset[str]]]:
    root = ET.parse(DATASETS / "semeval2014_restaurants" / "Restaurants_Train_v2.xml").getroot()
    texts: list[str] = []
    gold: list[str | frozenset[str]] = []
    for sentence in root.iter("sentence"):
        texts.append(sentence.findtext("text") or "")
        gold.append(
            frozenset(
                str(c.get("category"))
                for c in sentence.iter("aspectCategory")
                if c.get("category")
            )
        )
    return texts, gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embed-model", default="e5-small")
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--only", nargs="*", default=None, help="airline and/or semeval")
    args = parser.parse_args()
    base = load_config(args.config) if args.config else Config()
    for seed in (int(s) for s in args.seeds.split(",")):
        values = base.model_dump(mode="json")
        values["embed"]["model"] = args.embed_model
        values["themes"]["seed"] = seed
        sets = (
            ("airline", airline, "social", ["travel"]),
            ("semeval", semeval, "survey", ["hospitality"]),
        )
        for name, load, source, packs in sets:
            if args.only and name not in args.only:
                continue
            texts, gold = load()
            values["themes"]["packs"] = packs
            result = evaluate_themes(config_from_dict(values), texts, gold, source=source)
            line = (
                f"{name} seed {seed}: n {result['n']:,}, {result['n_themes']} themes (min size "
                f"{result['min_theme_size']}): NMI {result['nmi']:.3f} ARI {result['ari']:.3f} "
                f"purity {result['purity']:.3f} coverage {result['coverage']:.3f} | parents "
                f"{result['parents']['n_themes']}: NMI {result['parents']['nmi']:.3f} purity "
                f"{result['parents']['purity']:.3f} | diversity {result['topic_diversity']:.3f} "
                f"NPMI {result['npmi_coherence']:.3f} | {result['seconds']} s"
            )
            print(line, flush=True)
            topics = result["topics"]
            print(
                f"  topics ({', '.join(['generic', *packs])}): {topics['n_topics']} carried, NMI "
                f"{topics['nmi']:.3f} purity {topics['purity']:.3f} coverage "
                f"{topics['coverage']:.3f} two or more {topics['multi_share']:.3f}",
                flush=True,
            )
            for label, best in sorted(topics["best_f1"].items(), key=lambda kv: -kv[1]["f1"]):
                print(
                    f"    {label:<28} {best['topic'] or '-':<22} P {best['precision']:.2f} "
                    f"R {best['recall']:.2f} F1 {best['f1']:.2f}",
                    flush=True,
                )
            if name == "airline":
                top = pd.Series([g for g in gold if isinstance(g, str)]).value_counts().index[:5]
                shares = result["best_share"]
                print(
                    "  best theme share of the five largest reasons: "
                    + ", ".join(
                        f"{r} {shares.get(str(r).lower(), shares.get(r, 0)):.2f}" for r in top
                    ),
                    flush=True,
                )


if __name__ == "__main__":
    main()
