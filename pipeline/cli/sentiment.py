"""Sentiment commands: `verbatim sentiment`, `score`, `eval sentiment`, `train sentiment`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pipeline.cli.support import (
    ConfigOption,
    JsonOption,
    Source,
    cli_config,
    err,
    handled,
    out,
    print_json,
    run_reported,
)

eval_app = typer.Typer(help="Measure models on your own labelled data.", no_args_is_help=True)
train_app = typer.Typer(help="Train models on the warehouse's own data.", no_args_is_help=True)

ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", help="auto, ensemble, embedding, lexicon or weak (default: sentiment.model)."
    ),
]
_BATCH = 256


def sentiment(
    model: ModelOption = None,
    source: Annotated[
        Source, typer.Option(help="Cleaning rules for the lines (social drops @mentions, URLs).")
    ] = Source.survey,
    config: ConfigOption = None,
) -> None:
    """Sentiment and churn intent of each line on stdin, as JSON lines.

    Each line: {text, label, score, confidence, lang, churn_intent, churn_probability}.
    """
    from pipeline.jobs.sentiment import predict_sentiment, unit_scorer

    cfg = cli_config(config)
    with handled():
        loaded = unit_scorer(cfg, name=model)
        batch: list[str] = []

        def flush() -> None:
            result = predict_sentiment(cfg, batch, model=loaded, source=source.value)
            for row in result.to_dict("records"):
                record = {
                    "text": row["text"],
                    "label": row["label"],
                    "score": float(row["score"]),
                    "confidence": float(row["confidence"]),
                    "lang": row["lang"],
                    "churn_intent": bool(row["churn_intent"]),
                    "churn_probability": float(row["churn_probability"]),
                }
                sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
            batch.clear()

        for line in sys.stdin:
            batch.append(line.rstrip("\r\n"))
            if len(batch) >= _BATCH:
                flush()
        if batch:
            flush()


def score(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Score sentiment of every enriched record not yet scored by the current model."""
    from pipeline.jobs.sentiment import score_sentiment

    cfg = cli_config(config)
    run_reported(
        "scoring sentiment",
        lambda progress: score_sentiment(cfg, on_progress=progress).as_dict(),
        as_json=as_json,
        show=print_score,
    )


def print_score(report: dict[str, Any]) -> None:
    """Print a sentiment scoring report."""
    if not report["records"]:
        out.print(f"Nothing to score: every record has sentiment from {report['model']}.")
        return
    labels = ", ".join(f"{label} {n:,}" for label, n in sorted(report["labels"].items()))
    out.print(
        f"Scored {report['records']:,} records ({report['units']:,} units) with "
        f"{report['model']}: {labels}. Embeddings: {report['embedded']:,} computed, "
        f"{report['reused_embeddings']:,} reused.",
        highlight=False,
    )


@eval_app.command("sentiment")
def eval_sentiment(  # noqa: PLR0917 - typer passes options positionally
    data: Annotated[
        list[Path], typer.Option("--data", help="Labelled CSV, XLSX, JSON or JSONL (repeatable).")
    ],
    text_col: Annotated[str, typer.Option("--text-col", help="Column holding the text.")],
    label_col: Annotated[str, typer.Option("--label-col", help="Column holding the label.")],
    label_map: Annotated[
        str | None,
        typer.Option("--map", help="Label mapping, e.g. neg=negative,pos=positive,0=neutral."),
    ] = None,
    sign: Annotated[
        bool,
        typer.Option("--sign", help="Labels are numbers: >0 positive, <0 negative, 0 neutral."),
    ] = False,
    cv: Annotated[
        int | None,
        typer.Option(
            "--cv", min=2, help="Train the head by K-fold cross-validation on the labels."
        ),
    ] = None,
    model: ModelOption = None,
    source: Annotated[
        Source, typer.Option(help="Cleaning rules for the texts (social drops @mentions, URLs).")
    ] = Source.survey,
    churn_col: Annotated[
        str | None,
        typer.Option("--churn-col", help="Column with gold churn intent (0/1): adds its P/R."),
    ] = None,
    lang_col: Annotated[
        str | None,
        typer.Option("--lang-col", help="Column with the gold language (else detected)."),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Macro-F1, accuracy, per-class F1, confusion matrix and calibration on labelled data."""
    from pipeline.ingest.labelled import parse_label_map, read_labelled
    from pipeline.jobs.sentiment import evaluate_sentiment
    from pipeline.sentiment import LABELS

    cfg = cli_config(config)
    with handled():
        try:
            mapping = parse_label_map(label_map)
        except ValueError as e:
            raise typer.BadParameter(str(e), param_hint="--map") from e
        labelled = read_labelled(
            data,
            text_col=text_col,
            label_col=label_col,
            mapping=mapping,
            allowed=LABELS,
            by_sign=sign,
            flag_col=churn_col,
            group_col=lang_col,
        )
        if not labelled.texts:
            err.print("[bold red]error:[/] no labelled rows found", highlight=False)
            raise typer.Exit(2)
        with err.status(f"Evaluating on {len(labelled.texts):,} texts…"):
            result = evaluate_sentiment(
                cfg, labelled.texts, labelled.labels, model_name=model, cv=cv,
                source=source.value, churn=labelled.flags if churn_col else None,
                groups=labelled.groups if lang_col else None,
            )  # fmt: skip
    result = {**result, "data": [str(p) for p in data], "skipped": labelled.skipped}
    if as_json:
        print_json(result)
    else:
        print_evaluation(result)


def print_evaluation(result: dict[str, Any]) -> None:
    """Print an evaluation as tables."""
    out.print(
        f"[bold]{result['model']}[/] on {result['n']:,} texts: macro-F1 "
        f"{result['macro_f1']:.3f}, accuracy {result['accuracy']:.3f}, "
        f"calibration error {result['ece']:.3f} ({result['seconds']} s)",
        highlight=False,
    )
    classes = result["classes"]
    confusion = Table("gold \\ predicted", *classes, "F1", title="Confusion matrix")
    for gold in classes:
        confusion.add_row(
            gold,
            *(f"{result['confusion'][gold][p]:,}" for p in classes),
            f"{result['per_class_f1'][gold]:.3f}",
        )
    out.print(confusion)
    languages = Table("language", "n", "macro-F1", "accuracy", title="Per language")
    for lang, figures in result["per_language"].items():
        languages.add_row(
            lang, f"{figures['n']:,}", f"{figures['macro_f1']:.3f}", f"{figures['accuracy']:.3f}"
        )
    out.print(languages)
    churn = result.get("churn")
    if churn:
        table = Table("language", "n", "churn", "predicted", "precision", "recall", "F1",
                      title="Churn intent")  # fmt: skip
        for lang, figures in [("all", churn), *churn["per_language"].items()]:
            table.add_row(
                lang, f"{figures['n']:,}", f"{figures['positives']:,}",
                f"{figures['predicted']:,}", f"{figures['precision']:.3f}",
                f"{figures['recall']:.3f}", f"{figures['f1']:.3f}",
            )  # fmt: skip
        out.print(table)


@train_app.command("sentiment")
def train_sentiment(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Train the sentiment head on the warehouse's scored comments (NPS/CSAT as weak labels)."""
    from pipeline.jobs.sentiment import train_weak_sentiment

    cfg = cli_config(config)
    with handled(), err.status("Training the sentiment head on your scored comments…"):
        manifest = train_weak_sentiment(cfg)
    if as_json:
        print_json({key: value for key, value in manifest.items() if key != "config"})
        return
    counts = manifest["weak_labels"]
    out.print(
        f"Trained sentiment head {manifest['version']} ({manifest['path']}) on "
        f"{counts['negative']:,} negative, {counts['neutral']:,} neutral and "
        f"{counts['positive']:,} positive units from scores ({counts['contradicted']:,} "
        f"contradicted by the text were left out) plus {manifest['seed_sentences']:,} seed "
        'sentences. `sentiment.model = "auto"` uses it from now on; run `verbatim score`.',
        highlight=False,
    )
