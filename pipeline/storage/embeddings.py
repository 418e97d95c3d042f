"""The warehouse's `embeddings` table: vectors of unit texts, computed once per embedder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.schemas import (
    EMBEDDER,
    EMBEDDINGS,
    OPINION_UNITS,
    RECORD_ID,
    RECORD_SENTIMENT,
    TEXT_KEY,
    UNIT_ID,
    UNIT_THEMES,
)
from pipeline.storage.database import Database


class EmbeddingTables:
    """``embeddings``: the cache of unit vectors.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def texts_to_embed(self) -> list[str]:
        """Distinct texts of the units of records without sentiment or without theme rows."""
        rows = self._db.execute(
            f'SELECT DISTINCT u.text FROM main."{OPINION_UNITS.name}" u '
            f'WHERE u.{RECORD_ID} NOT IN (SELECT {RECORD_ID} FROM main."{RECORD_SENTIMENT.name}") '
            f'OR u.{UNIT_ID} NOT IN (SELECT {UNIT_ID} FROM main."{UNIT_THEMES.name}") '
            "ORDER BY u.text"
        ).fetchall()
        return [row[0] for row in rows]

    def cached_embeddings(self, embedder: str, keys: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of ``embedder`` for the given text keys (missing keys are absent)."""
        if not keys:
            return {}
        self._db.register("_wanted_keys", pd.DataFrame({TEXT_KEY: pd.unique(pd.Series(keys))}))
        try:
            table = self._db.arrow(
                f'SELECT m.{TEXT_KEY}, m.vector FROM main."{EMBEDDINGS.name}" m '
                f"SEMI JOIN _wanted_keys w USING ({TEXT_KEY}) WHERE m.{EMBEDDER} = $embedder",
                params={"embedder": embedder},
            )
        finally:
            self._db.unregister("_wanted_keys")
        if table.num_rows == 0:
            return {}
        vectors = table.column("vector").combine_chunks()
        flat = vectors.flatten().to_numpy(zero_copy_only=False).astype(np.float32)
        matrix = flat.reshape(table.num_rows, -1)
        return dict(zip(table.column(TEXT_KEY).to_pylist(), matrix, strict=True))

    def write_embeddings(self, embedder: str, vectors: dict[str, np.ndarray]) -> None:
        """Store new vectors of ``embedder`` (keys already stored are skipped)."""
        if not vectors:
            return
        keys = list(vectors)
        matrix = np.vstack([vectors[key] for key in keys]).astype(np.float32)
        incoming = pa.table(
            {
                TEXT_KEY: pa.array(keys, pa.string()),
                "vector": pa.FixedSizeListArray.from_arrays(
                    pa.array(matrix.reshape(-1)), matrix.shape[1]
                ),
            }
        )
        self._db.register("_incoming_vectors", incoming)
        try:
            self._db.execute(
                f'INSERT INTO main."{EMBEDDINGS.name}" SELECT i.{TEXT_KEY}, ?, '
                "CAST(i.vector AS FLOAT[]) FROM _incoming_vectors i "
                f'WHERE i.{TEXT_KEY} NOT IN (SELECT {TEXT_KEY} FROM main."{EMBEDDINGS.name}" '
                f"WHERE {EMBEDDER} = ?)",
                [embedder, embedder],
            )
        finally:
            self._db.unregister("_incoming_vectors")
