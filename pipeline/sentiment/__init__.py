"""Sentiment per opinion unit and per record: models, training and aggregation.

Models, chosen by ``sentiment.model``:

- ``ensemble`` — a calibrated logistic-regression head on sentence embeddings plus lexicon
  features, trained on the shipped seed sentences (built once per embedder in the user cache).
- ``embedding`` — the same head on embeddings alone.
- ``lexicon`` — the head on lexicon features alone (AFINN, VADER, emoji): the baseline, and the
  only model that needs no embedder.
- ``weak`` — the head trained on the workspace's own scored comments (``verbatim train
  sentiment``), stored in the workspace's ``models/``.
- ``auto`` (default) — ``weak`` when the workspace has one, else ``ensemble``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError, VerbatimError
from pipeline.sentiment.churn import (
    CUES,
    LEAVING_CUES,
    ChurnHead,
    churn_cues,
    churn_examples,
    churn_fingerprint,
    churn_frame,
)
from pipeline.sentiment.head import LABELS
from pipeline.sentiment.lexicon import lexicon_fingerprint
from pipeline.sentiment.models import (
    FEATURE_SETS,
    NO_WORDS,
    RESULT_COLUMNS,
    HeadModel,
    SentimentHead,
    SentimentModel,
    sentiment_frame,
    train_head,
)
from pipeline.sentiment.seed import seed_examples, seed_fingerprint

__all__ = [
    "LABELS",
    "MODEL_NAMES",
    "RESULT_COLUMNS",
    "WEAK_HEAD_REVISION",
    "WEAK_KIND",
    "ChurnHead",
    "HeadModel",
    "SentimentHead",
    "SentimentModel",
    "aggregate_records",
    "churn_frame",
    "churn_head",
    "load_sentiment_model",
    "no_unit_records",
    "seed_head",
    "seed_vectors",
    "sentiment_frame",
    "weak_head_revision",
    "with_churn",
]

#: Accepted values of ``sentiment.model``.
MODEL_NAMES: Final = ("auto", "ensemble", "embedding", "lexicon", "weak")
#: Model-store kind of the head trained on the workspace's own scores.
WEAK_KIND: Final = "sentiment-weak"
#: Bump when the seed head's training changes, so cached heads are rebuilt.
SEED_HEAD_REVISION: Final = 6
#: Bump when the head's features change: a workspace head of another revision is retrained.
WEAK_HEAD_REVISION: Final = 4
#: Bump when the churn head's training changes.
CHURN_HEAD_REVISION: Final = 7
#: Random seed of the seed heads: base models built once per user and shared by workspaces,
#: so they never depend on one workspace's ``run.seed``.
BASE_SEED: Final = 0

EmbedFunction = Callable[[Sequence[str]], np.ndarray]


class StoredHead(Protocol):
    """A stored model version as a `ModelStore` returns it."""

    @property
    def version(self) -> str:
        """The version's name."""
        ...

    @property
    def manifest(self) -> dict[str, Any]:
        """Facts saved with the model."""
        ...

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """Its named arrays."""
        ...


class ModelStore(Protocol):
    """Where heads are kept: the per-user store (seed heads) and the workspace's ``models/``.

    `pipeline.storage.models.ModelStore` is the one the jobs hand in.
    """

    def save(
        self,
        kind: str,
        arrays: dict[str, np.ndarray],
        manifest: dict[str, Any],
        *,
        version: str | None = None,
    ) -> StoredHead:
        """Write a new version of ``kind``."""
        ...

    def load(self, kind: str, version: str | None = None) -> StoredHead | None:
        """A version of ``kind`` (the latest by default), or None."""
        ...

    def has(self, kind: str, version: str) -> bool:
        """Whether ``version`` of ``kind`` is stored."""
        ...


class NoWeakModelError(VerbatimError):
    """``sentiment.model = "weak"`` but the workspace has no trained head."""


def _seed_kind(feature_set: str) -> str:
    return f"sentiment-seed-{feature_set}"


def seed_vectors(
    embed: EmbedFunction, embedder_id: str, base_store: ModelStore
) -> tuple[pd.DataFrame, np.ndarray]:
    """The seed sentences and their embeddings (computed once per embedder, then cached).

    Returns:
        (seed frame with text, label, lang; its (n, dim) float32 embeddings).
    """
    seed = seed_examples()
    kind, version = "sentiment-seed-vectors", f"{_safe(embedder_id)}-seed{seed_fingerprint()}"
    stored = base_store.load(kind, version) if base_store.has(kind, version) else None
    if stored is not None and len(stored.arrays["vectors"]) == len(seed):
        return seed, stored.arrays["vectors"]
    vectors = np.asarray(embed(seed["text"].tolist()), dtype=np.float32)
    base_store.save(kind, {"vectors": vectors}, {"embedder": embedder_id}, version=version)
    return seed, vectors


def _safe(name: str) -> str:
    """A model id as a folder name."""
    return "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in name)


def seed_head(
    feature_set: str, embed: EmbedFunction | None, embedder_id: str, base_store: ModelStore
) -> HeadModel:
    """The head trained on the shipped seed sentences, built once per embedder and cached.

    Args:
        feature_set: One of FEATURE_SETS.
        embed: Embeds texts ((n, dim) float32); may be None for ``lexicon``.
        embedder_id: ``name@version`` of the embedder (part of the cache key).
        base_store: The per-user store for base models.

    Returns:
        The fitted model; its version names the seed, the training revision and the embedder.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; expected one of {FEATURE_SETS}")
    if feature_set != "lexicon" and embed is None:
        raise ValueError(f"the {feature_set} head needs an embedder")
    revision = f"seed{seed_fingerprint()}{lexicon_fingerprint()[:4]}-r{SEED_HEAD_REVISION}"
    kind = _seed_kind(feature_set)
    version = revision if feature_set == "lexicon" else f"{_safe(embedder_id)}-{revision}"
    stored = base_store.load(kind, version) if base_store.has(kind, version) else None
    if stored is not None:
        return HeadModel(feature_set, version, SentimentHead.from_arrays(stored.arrays))
    if embed is None:
        seed, vectors = seed_examples(), None
    else:
        seed, vectors = seed_vectors(embed, embedder_id, base_store)
    head = train_head(
        seed["text"].tolist(),
        seed["label"].tolist(),
        seed["lang"].tolist(),
        vectors,
        feature_set=feature_set,
        calibrate_by_language=True,
        random_state=BASE_SEED,
    )
    base_store.save(
        kind,
        head.to_arrays(),
        {
            "feature_set": feature_set,
            "embedder": None if feature_set == "lexicon" else embedder_id,
            "seed_sentences": len(seed),
            "labels": seed["label"].value_counts().to_dict(),
            "temperature": head.temperature_,
            "random_seed": BASE_SEED,
        },
        version=version,
    )
    return HeadModel(feature_set, version, head)


def churn_head(
    embed: EmbedFunction | None, embedder_id: str, base_store: ModelStore
) -> tuple[str, ChurnHead]:
    """The churn-intent head trained on the shipped churn sentences, built once and cached.

    Args:
        embed: Embeds texts; None for a head on the cue features alone (no embedder).
        embedder_id: ``name@version`` of the embedder (part of the cache key).
        base_store: The per-user store for base models.

    Returns:
        (short version: ``churn<revision>-<seed fingerprint>``, the fitted head). The stored
        model's version adds the embedder.
    """
    kind = "churn-seed"
    short = f"churn{CHURN_HEAD_REVISION}-{churn_fingerprint()[:4]}{seed_fingerprint()[:4]}"
    version = short if embed is None else f"{_safe(embedder_id)}-{short}"
    stored = base_store.load(kind, version) if base_store.has(kind, version) else None
    if stored is not None:
        return short, ChurnHead.from_arrays(stored.arrays)
    examples = churn_examples()
    # the sentiment seed sentences are everyday feedback: with them the head meets churn at a
    # realistic rate and learns that a complaint alone is no threat. Those with any cue of
    # leaving ("Jeg overvejer at skifte.") are left out: they are not known to be free of it.
    if embed is None:
        seed, seed_matrix = seed_examples(), None
    else:
        seed, seed_matrix = seed_vectors(embed, embedder_id, base_store)
    known = set(examples["text"])
    cues = churn_cues(seed["text"].tolist())
    leaving = cues[:, [CUES.index(name) for name in LEAVING_CUES]].any(axis=1)
    everyday = ~seed["text"].isin(known).to_numpy() & ~leaving
    texts = [*examples["text"], *seed["text"][everyday]]
    labels = np.concatenate([examples["churn"].to_numpy(), np.zeros(int(everyday.sum()))])
    vectors = None
    if embed is not None and seed_matrix is not None:
        by_text = dict(zip(seed["text"], seed_matrix, strict=True))
        missing = [text for text in examples["text"] if text not in by_text]
        by_text.update(zip(missing, np.asarray(embed(missing), dtype=np.float32), strict=True))
        vectors = np.vstack([by_text[text] for text in texts])
    head = ChurnHead(uses_embeddings=embed is not None, random_state=BASE_SEED).fit(
        texts, vectors, labels
    )
    base_store.save(
        kind,
        head.to_arrays(),
        {
            "embedder": None if embed is None else embedder_id,
            "sentences": len(texts),
            "churn_sentences": int(labels.sum()),
            "random_seed": BASE_SEED,
        },
        version=version,
    )
    return short, head


def weak_head_revision() -> str:
    """What a workspace head's manifest must name to be used.

    `WEAK_HEAD_REVISION` and the shipped service words: its lexicon features change with them.
    """
    return f"{WEAK_HEAD_REVISION}-{lexicon_fingerprint()[:8]}"


def load_sentiment_model(
    name: str,
    *,
    embed: EmbedFunction | None,
    embedder_id: str,
    base_store: ModelStore,
    workspace_store: ModelStore,
) -> SentimentModel:
    """Resolve ``sentiment.model`` to a ready model.

    Args:
        name: One of MODEL_NAMES.
        embed: Embedding function (None only for ``lexicon``).
        embedder_id: ``name@version`` of the embedder.
        base_store: Per-user store (seed heads).
        workspace_store: The workspace's ``models/`` (the weak head).

    Returns:
        The model.

    Raises:
        ConfigError: For an unknown name.
        NoWeakModelError: For ``weak`` when none was trained.
    """
    if name not in MODEL_NAMES:
        raise ConfigError(
            None, "sentiment.model", f"'{name}' is not one of {', '.join(MODEL_NAMES)}"
        )
    if name in {"weak", "auto"}:
        stored = workspace_store.load(WEAK_KIND)
        if (
            stored is not None
            and stored.manifest.get("embedder") == embedder_id
            and stored.manifest.get("head_revision") == weak_head_revision()
        ):
            return HeadModel("weak", stored.version, SentimentHead.from_arrays(stored.arrays))
        if name == "weak":
            found = (
                ""
                if stored is None
                else f" (the stored one was trained with {stored.manifest.get('embedder')}, "
                f"head revision {stored.manifest.get('head_revision', 1)})"
            )
            raise NoWeakModelError(
                f"no weakly supervised sentiment head for embedder {embedder_id}{found}; "
                "run `verbatim train sentiment` first"
            )
        name = "ensemble"
    return seed_head(name, embed if name != "lexicon" else None, embedder_id, base_store)


def with_churn(
    proba: np.ndarray,
    churn: np.ndarray,
    threshold: float,
    asking: np.ndarray | None = None,
) -> np.ndarray:
    """Sentiment probabilities with churn threats read as complaints.

    Where the churn probability ``c`` reaches ``threshold``, the unit's probabilities become
    ``c`` on negative plus ``1 - c`` times what the sentiment model said: a confident threat is
    negative. A question ("How do I cancel my subscription?") keeps the model's reading: it
    asks for a service, in whatever tone its words have; its churn intent is still recorded.
    Other units are unchanged.

    Args:
        proba: (n, 3) probabilities, columns as LABELS.
        churn: (n,) probabilities of churn intent.
        threshold: The churn head's decision threshold.
        asking: (n,) whether each unit is a question (default: none is).

    Returns:
        (n, 3) probabilities, rows summing to 1.
    """
    mixed = np.array(proba, dtype=float, copy=True)
    leaving = churn >= threshold
    if asking is not None:
        leaving &= ~np.asarray(asking, dtype=bool)
    mixed[leaving] *= (1 - churn[leaving])[:, None]
    mixed[leaving, LABELS.index("negative")] += churn[leaving]
    return mixed


def no_unit_records(records: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Neutral sentiment for records that have no opinion units (empty or boilerplate text).

    Args:
        records: Records with ``record_id``.
        units: Their units with ``record_id``.

    Returns:
        Rows shaped like :func:`aggregate_records` output for records without units.
    """
    empty = records.loc[~records["record_id"].isin(units["record_id"]), ["record_id"]]
    proba = np.tile(np.array(NO_WORDS), (len(empty), 1))
    frame = sentiment_frame(proba, index=empty.index).assign(record_id=empty["record_id"])
    for column in ("units", *(f"{label}_units" for label in LABELS)):
        frame[column] = np.int32(0)
    frame["churn_intent"] = False
    return frame.reset_index(drop=True)


def aggregate_records(unit_sentiment: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Record sentiment from its units' probabilities, weighted by unit length.

    Args:
        unit_sentiment: One row per unit with ``unit_id`` and the p_* columns.
        units: The units with ``unit_id``, ``record_id`` and ``text``.

    Returns:
        One row per record with ``record_id``, the RESULT_COLUMNS, ``units``, the number of
        negative, neutral and positive units, and ``churn_intent`` (any unit's) when the units
        carry it. A record holding both a confidently negative and
        a confidently positive unit gets the label of the heavier side; its unit counts show
        the mix.
    """
    scored = unit_sentiment.drop(columns=["record_id"], errors="ignore")
    joined = units[["unit_id", "record_id", "text"]].merge(scored, on="unit_id")
    weight = np.log1p(joined["text"].str.len().clip(lower=1).to_numpy(dtype=float))
    proba = joined[["p_negative", "p_neutral", "p_positive"]].to_numpy(dtype=float)
    weighted = pd.DataFrame(proba * weight[:, None], columns=list(LABELS))
    weighted["record_id"] = joined["record_id"].to_numpy()
    weighted["weight"] = weight
    sums = weighted.groupby("record_id", sort=False).sum()
    record_proba = sums[list(LABELS)].to_numpy() / sums["weight"].to_numpy()[:, None]
    records = sentiment_frame(record_proba, index=sums.index).reset_index()
    counts = joined.pivot_table(
        index="record_id", columns="label", values="unit_id", aggfunc="count", fill_value=0
    ).reindex(columns=list(LABELS), fill_value=0)
    records["units"] = records["record_id"].map(counts.sum(axis=1)).astype("int32")
    for label in LABELS:
        records[f"{label}_units"] = records["record_id"].map(counts[label]).astype("int32")
    if "churn_intent" in scored:
        churn = joined.groupby("record_id", sort=False)["churn_intent"].any()
        records["churn_intent"] = records["record_id"].map(churn).astype(bool)
    return records
