"""How far do the shipped topics' phrases alone go? (issue 20, first measurement)

Run by hand on a workspace made by `verbatim demo` (seed 7):
`.venv/bin/python benchmarks/topic_prototypes.py --workspace DIR [--packs telecom] [--k 3]`.

Every opinion unit with content is compared with the example phrases of the starter topics
(`pipeline/themes/topics.py`: the generic pack plus `--packs`), in the workspace's embedding
space: a unit's similarity to a topic is the mean cosine of its `--k` most similar phrases of
that topic. A unit goes to its most similar topic when that similarity reaches a cut, the
`--cuts` quantiles of every unit's best similarity (0 assigns every unit). For each cut, each
planted demo driver is matched with the topic — all its mentions, or only its negative or its
positive ones (the unit's sentiment) — whose records best match the records that mention the
driver (F1 over records), as `theme_demo.py` does for themes. Nothing is trained: this is the
floor a learned assignment has to beat. `--learned SHARE` measures instead the
`pipeline.themes.assign.TopicHead` trained on the SHARE most confident prototype assignments
(several topics per unit). `--airline` measures the same on the negative airline tweets of
`../shared/datasets/airline_tweets` (evaluation only) with the generic and travel packs: for
each of the four largest negative reasons, the topic whose tweets best match it (F1).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.demo import generate_demo
from pipeline.demo.drivers import DRIVERS
from pipeline.jobs.embed import Embedding
from pipeline.storage.warehouse import Warehouse
from pipeline.themes.assign import TopicHead, phrase_similarity
from pipeline.themes.topics import Topic, starter_topics


def _workspace_units(workspace: Path) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, Embedding]:
    """Records, units with content (with their sentiment label) and their embeddings."""
    with tempfile.TemporaryDirectory() as tmp:
        # a copy, so the workspace's warehouse is never written to
        shutil.copy(workspace / "data" / "warehouse.duckdb", Path(tmp) / "w.duckdb")
        os.chdir(workspace)
        embedding = Embedding(Config())
        with Warehouse(Path(tmp) / "w.duckdb") as warehouse:
            records = warehouse.read_table("records")[["record_id", "source", "source_id"]]
            units = warehouse.read_table("opinion_units")[["unit_id", "record_id", "text"]]
            content = warehouse.read_table("unit_themes")[["unit_id", "has_content"]]
            sentiment = warehouse.read_table("unit_sentiment")[["unit_id", "label"]]
            units = units.merge(content, on="unit_id").merge(sentiment, on="unit_id")
            units = units[units["has_content"]].reset_index(drop=True)
            vectors = embedding.cached(warehouse, units["text"].tolist())
    return records, units, vectors, embedding


def _report(
    name: str, assigned_to: np.ndarray, units: pd.DataFrame, labels: pd.DataFrame,
    topics: tuple[Topic, ...],
) -> None:  # fmt: skip
    """Coverage, and each planted driver's best topic (all, negative or positive mentions)."""
    print(
        f"{name}: coverage {assigned_to.any(axis=1).mean():.3f}, "
        f"two or more topics {(assigned_to.sum(axis=1) >= 2).mean():.3f}"
    )
    topic_records = {}
    for i in range(len(topics)):
        mine = assigned_to[:, i]
        topic_records[(i, "")] = set(units.loc[mine, "record_id"])
        for polarity in ("negative", "positive"):
            polar = mine & (units["label"] == polarity).to_numpy()
            topic_records[(i, polarity)] = set(units.loc[polar, "record_id"])
    found = 0
    for driver in DRIVERS:
        mentions = labels["mentioned"].map(lambda m, key=driver.key: key in m)
        wanted = set(labels.loc[mentions, "record_id"])
        scored = []
        for key, members in topic_records.items():
            hit = len(wanted & members)
            if hit:
                p, r = hit / len(members), hit / len(wanted)
                scored.append((2 * p * r / (p + r), p, r, key))
        f1, p, r, (i, polarity) = max(scored, default=(0.0, 0.0, 0.0, (0, "")))
        found += p >= 0.8 and r >= 0.8
        label = f"{topics[i].topic_id}{f' ({polarity})' if polarity else ''}"
        print(
            f"  {driver.key:<20} n={len(wanted):>4}  {label:<32} "
            f"precision {p:.2f} recall {r:.2f} F1 {f1:.2f}"
        )
    print(f"  {found}/{len(DRIVERS)} drivers with precision and recall >= 0.8")


AIRLINE = Path(__file__).resolve().parents[2] / "shared/datasets/airline_tweets/airline_tweets.csv"
REASONS = ("Late Flight", "Customer Service Issue", "Cancelled Flight", "Lost Luggage")


def airline(k: int, share: float) -> None:
    """Best topic per negative reason of the airline tweets, prototypes and learned head."""
    import re

    from pipeline.text.surface import surface_form

    tweets = pd.read_csv(AIRLINE)
    tweets = tweets[tweets["airline_sentiment"] == "negative"].reset_index(drop=True)
    texts = [surface_form(re.sub(r"@\w+|http\S+", " ", t)).strip() for t in tweets["text"]]
    topics = starter_topics(["travel"])
    embedding = Embedding(Config())
    vectors = embedding.encode(texts)
    phrases = [phrase for topic in topics for phrase in topic.all_phrases()]
    phrase_topic = np.array([i for i, t in enumerate(topics) for _ in t.all_phrases()])
    similarity = phrase_similarity(
        vectors, embedding.encode(phrases), phrase_topic, len(topics), k
    )
    nearest = similarity.argmax(axis=1)[:, None] == np.arange(len(topics))
    learned = TopicHead(confident_share=share).fit(vectors, similarity).assign(vectors, similarity)
    print(f"{len(texts):,} negative tweets; {len(topics)} topics")
    for name, assigned in (("nearest", nearest), (f"learned {share:.2f}", learned)):
        print(f"{name}: two or more topics {(assigned.sum(axis=1) >= 2).mean():.3f}")
        for reason in REASONS:
            gold = (tweets["negativereason"] == reason).to_numpy()
            best = (0.0, 0.0, 0.0, 0)
            for i in range(len(topics)):
                hit = int((gold & assigned[:, i]).sum())
                if hit:
                    p, r = hit / assigned[:, i].sum(), hit / gold.sum()
                    best = max(best, (2 * p * r / (p + r), p, r, i))
            f1, p, r, i = best
            print(
                f"  {reason:<24} n={gold.sum():>5}  {topics[i].topic_id:<22} "
                f"precision {p:.2f} recall {r:.2f} F1 {f1:.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path)
    parser.add_argument("--packs", nargs="*", default=["telecom"])
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--cuts", nargs="*", type=float, default=[0.0, 0.15, 0.3])
    parser.add_argument(
        "--learned", type=float, default=None, metavar="SHARE",
        help="instead: the TopicHead trained on the SHARE most confident units",
    )  # fmt: skip
    parser.add_argument("--airline", action="store_true", help="the airline tweets instead")
    parser.add_argument("--rounds", type=int, default=1, help="TopicHead training rounds")
    args = parser.parse_args()
    if args.airline:
        airline(args.k, args.learned or 0.3)
        return
    topics = starter_topics(args.packs)
    records, units, vectors, embedding = _workspace_units(args.workspace.resolve())
    texts = [phrase for topic in topics for phrase in topic.all_phrases()]
    phrase_topic = np.array([i for i, t in enumerate(topics) for _ in t.all_phrases()])
    similarity = phrase_similarity(
        vectors, embedding.encode(texts), phrase_topic, len(topics), args.k
    )
    labels = generate_demo(seed=7).labels.merge(records, on=["source", "source_id"])
    print(f"{len(units):,} units with content; {len(topics)} topics; k={args.k}")
    if args.learned is not None:
        head = TopicHead(confident_share=args.learned, rounds=args.rounds).fit(vectors, similarity)
        _report(f"learned ({args.learned:.2f} confident)", head.assign(vectors, similarity),
                units, labels, topics)  # fmt: skip
        return
    best, nearest = similarity.max(axis=1), similarity.argmax(axis=1)
    for cut in args.cuts:
        floor = float(np.quantile(best, cut))
        assigned_to = (best >= floor)[:, None] & (nearest[:, None] == np.arange(len(topics)))
        _report(f"nearest, cut at quantile {cut:.2f} ({floor:.3f})", assigned_to, units,
                labels, topics)  # fmt: skip


if __name__ == "__main__":
    main()
