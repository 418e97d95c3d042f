"""Sentiment and churn-intent quality, as a new user gets it, on every labelled set we have.

Run by hand: `.venv/bin/python benchmarks/sentiment_quality.py [--model ensemble] [--only short]`.

Sets (each measured through `pipeline.jobs.sentiment.evaluate_sentiment`, the function behind
`verbatim eval sentiment`, so the figures are the command's):

- ``short``: `benchmarks/data/short_comments.csv`, short customer-service comments in da, nb,
  sv and en written for Verbatim (see `benchmarks/data/README.md`), per gold language, with
  churn intent; plus the metamorphic checks (each text with "!" appended, upper-cased and
  lower-cased must keep a negative label from turning positive) and the agreement of the
  four translations of each parallel item.
- ``airline``, ``norec``, ``swedish``, ``lcc``: the public sets in ``../shared/datasets``
  (evaluation only; nothing is copied).

The targets of issue 19 are printed beside each figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import Config, config_from_dict
from pipeline.jobs.sentiment import evaluate_sentiment, predict_sentiment, unit_scorer

ROOT = Path(__file__).resolve().parent
SHORT = ROOT / "data" / "short_comments.csv"
SHARED = ROOT.parent.parent / "shared" / "datasets"


def _short() -> pd.DataFrame:
    with SHORT.open(encoding="utf-8", newline="") as handle:
        return pd.DataFrame(list(csv.DictReader(handle)))


def _public(name: str) -> tuple[list[str], list[str], str]:
    """(texts, gold labels, source) of a public set."""
    if name == "airline":
        frame = pd.read_csv(SHARED / "airline_tweets" / "airline_tweets.csv")
        return frame["text"].tolist(), frame["airline_sentiment"].tolist(), "social"
    if name == "norec":
        rows = json.loads((SHARED / "norec_sentence" / "dev.json").read_text(encoding="utf-8"))
        return [r["text"] for r in rows], [r["label"].lower() for r in rows], "survey"
    if name == "swedish":
        frame = pd.read_csv(SHARED / "swedish_reviews" / "sentiment-sv-small.csv")
        return frame["text"].tolist(), frame["sentiment"].tolist(), "survey"
    if name == "lcc":
        folder = SHARED / "lcc_sentiment_da"
        frames = [pd.read_csv(path) for path in sorted(folder.glob("*.csv"))]
        frame = pd.concat(frames)
        frame = frame[frame["valence"].notna()]
        labels = ["positive" if v > 0 else "negative" if v < 0 else "neutral"
                  for v in frame["valence"]]  # fmt: skip
        return frame["text"].astype(str).tolist(), labels, "survey"
    raise ValueError(name)


def metamorphic(cfg: Config, frame: pd.DataFrame, model: str | None) -> dict[str, Any]:
    """Negatives turned positive by "!", upper or lower case; parallel-item agreement."""
    loaded = unit_scorer(cfg, name=model)
    texts = frame["text"].tolist()
    base = predict_sentiment(cfg, texts, model=loaded)["label"].tolist()
    flips: dict[str, int] = {}
    for name, change in (
        ("exclaimed", lambda t: t + "!"),
        ("upper", str.upper),
        ("lower", str.lower),
    ):
        changed = predict_sentiment(cfg, [change(t) for t in texts], model=loaded)["label"]
        flips[name] = sum(
            b == "negative" and c == "positive" for b, c in zip(base, changed, strict=True)
        )
    by_item: dict[str, list[str]] = defaultdict(list)
    for item, label in zip(frame["parallel_id"], base, strict=True):
        if item:
            by_item[item].append(label)
    agreeing = sum(len(set(labels)) == 1 for labels in by_item.values())
    return {
        "negatives": sum(label == "negative" for label in base),
        "negative_to_positive": flips,
        "parallel_items": len(by_item),
        "parallel_agreeing": agreeing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ensemble")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="verbatim-sentq-"))
    cfg = config_from_dict({"warehouse": {"path": str(workdir / "w.duckdb")}})
    wanted = args.only or ["short", "airline", "norec", "swedish", "lcc"]
    results: dict[str, Any] = {}
    if "short" in wanted:
        frame = _short()
        result = evaluate_sentiment(
            cfg, frame["text"].tolist(), frame["label"].tolist(), model_name=args.model,
            churn=(frame["churn"] == "1").tolist(), groups=frame["lang"].tolist(),
        )  # fmt: skip
        negatives = result["confusion"]["negative"]
        result["negatives_read_positive"] = round(
            negatives["positive"] / max(1, sum(negatives.values())), 4
        )
        result["metamorphic"] = metamorphic(cfg, frame, args.model)
        results["short"] = result
        _print_short(result, Counter(frame["lang"]))
    for name in ("airline", "norec", "swedish", "lcc"):
        if name not in wanted:
            continue
        texts, labels, source = _public(name)
        result = evaluate_sentiment(cfg, texts, labels, model_name=args.model, source=source)
        results[name] = result
        print(
            f"{name}: n {result['n']:,}, macro-F1 {result['macro_f1']:.3f}, accuracy "
            f"{result['accuracy']:.3f}, ECE {result['ece']:.3f} ({result['seconds']} s)"
        )
    if args.json:
        print(json.dumps(results, indent=1, default=str))


def _print_short(result: dict[str, Any], sizes: Counter[str]) -> None:
    print(
        f"short comments ({result['model']}): n {result['n']}, macro-F1 "
        f"{result['macro_f1']:.3f} (target 0.92), recall of negatives "
        f"{result['per_class_recall']['negative']:.3f} (0.92), negatives read as positive "
        f"{100 * result['negatives_read_positive']:.1f}% (≤ 1%), ECE {result['ece']:.3f}"
    )
    for lang, figures in result["per_language"].items():
        print(f"  {lang}: n {figures['n']}, macro-F1 {figures['macro_f1']:.3f} (0.88)")
    churn = result["churn"]
    print(
        f"  churn intent: precision {churn['precision']:.3f}, recall {churn['recall']:.3f} "
        f"(0.90 each; {churn['positives']} gold, {churn['predicted']} predicted)"
    )
    for lang, figures in churn["per_language"].items():
        print(f"    {lang}: precision {figures['precision']:.3f}, recall {figures['recall']:.3f}")
    meta = result["metamorphic"]
    print(
        f"  metamorphic: of {meta['negatives']} negatives, turned positive by '!' "
        f"{meta['negative_to_positive']['exclaimed']}, by upper case "
        f"{meta['negative_to_positive']['upper']}, by lower case "
        f"{meta['negative_to_positive']['lower']}; parallel items with one label in all four "
        f"languages {meta['parallel_agreeing']} of {meta['parallel_items']}"
    )
    print("  confusion (gold -> predicted):", result["confusion"])


if __name__ == "__main__":
    main()
