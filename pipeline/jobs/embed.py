"""Embedding job: the configured embedder, with the warehouse's `embeddings` table as its cache."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from pipeline.config import Config, EmbedConfig
from pipeline.embed import (
    Embedder,
    embed_with_cache,
    shared_embedder,
    text_key,
)
from pipeline.jobs.parallel import IN_PROCESS, Mapper, split_frame
from pipeline.storage.runs import EMBEDDER_STATE
from pipeline.storage.warehouse import Warehouse, open_warehouse


class EmbeddingCounts(Protocol):
    """A report that counts embeddings computed and reused."""

    embedded: int
    reused_embeddings: int


class Embedding:
    """The configured embedder, loaded on first use, with the warehouse as its cache."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self._embedder: Embedder | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the loaded model (another process loads its own when it needs it)."""
        return {"cfg": self.cfg, "_embedder": None}

    @property
    def embedder(self) -> Embedder:
        """The loaded embedder (loaded on first use, once per process and settings)."""
        if self._embedder is None:
            self._embedder = shared_embedder(self.cfg.embed)
        return self._embedder

    @property
    def embedder_id(self) -> str:
        """``name@version`` of the embedder, the key of its cached vectors."""
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
        stored = warehouse.embeddings.cached_embeddings(self.embedder_id, keys)
        matrix, new = embed_with_cache(texts, self.embedder, stored, keys=keys)
        warehouse.embeddings.write_embeddings(self.embedder_id, new)
        if warehouse.runs.state(EMBEDDER_STATE) != self.embedder_id:
            warehouse.runs.set_state(EMBEDDER_STATE, self.embedder_id, dt.datetime.now(dt.UTC))
        if report is not None:
            report.embedded += len(new)
            report.reused_embeddings += len(texts) - len(new)
        return matrix


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
    with open_warehouse(cfg) as warehouse:
        texts = warehouse.embeddings.texts_to_embed()
        report.units = len(texts)
        if not texts:
            return report
        embedding = Embedding(cfg)
        report.embedder = embedding.embedder_id
        for start in range(0, len(texts), chunk_texts):
            chunk = texts[start : start + chunk_texts]
            keys = [text_key(text) for text in chunk]
            stored = warehouse.embeddings.cached_embeddings(report.embedder, keys)
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
            warehouse.embeddings.write_embeddings(
                report.embedder, dict(zip(frame["key"], matrix, strict=True))
            )
            report.embedded += len(frame)
    return report
