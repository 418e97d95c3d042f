"""The warehouse's sentiment tables: what is still to score, and the scores."""

from __future__ import annotations

import pandas as pd

from pipeline.schemas import (
    ENRICHED_RECORDS,
    OPINION_UNITS,
    RECORD_ID,
    RECORD_SENTIMENT,
    RECORDS,
    UNIT_ID,
    UNIT_SENTIMENT,
)
from pipeline.storage.database import Database, with_string_dtype


class SentimentTables:
    """``unit_sentiment`` and ``record_sentiment``.

    Args:
        db: The warehouse's open connection.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    def unscored_records(self) -> int:
        """Enriched records with no sentiment row at all (by any model)."""
        row = self._db.execute(
            f'SELECT count(*) FROM main."{ENRICHED_RECORDS.name}" e '
            f'JOIN main."{RECORDS.name}" r USING ({RECORD_ID}) '
            f'ANTI JOIN main."{RECORD_SENTIMENT.name}" s USING ({RECORD_ID})'
        ).fetchone()
        return int(row[0]) if row else 0

    def pending_sentiment(self, model_id: str, limit: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Enriched records without sentiment from ``model_id`` (``name@version``), with units.

        Args:
            model_id: The model that should have scored them.
            limit: Most records returned (oldest first).

        Returns:
            (records with record_id and lang, their units with unit_id, record_id, text, lang).
        """
        records = self._db.execute(
            f'SELECT e.{RECORD_ID}, e.lang FROM main."{ENRICHED_RECORDS.name}" e '
            f'JOIN main."{RECORDS.name}" r USING ({RECORD_ID}) '
            f'LEFT JOIN main."{RECORD_SENTIMENT.name}" s USING ({RECORD_ID}) '
            "WHERE s.record_id IS NULL OR s.model || '@' || s.model_version <> ? "
            f"ORDER BY r.created_at, e.{RECORD_ID} LIMIT ?",
            [model_id, limit],
        ).df()
        self._db.register("_pending_records", records[[RECORD_ID]])
        try:
            units = self._db.execute(
                f"SELECT u.{UNIT_ID}, u.{RECORD_ID}, u.text, u.lang "
                f'FROM main."{OPINION_UNITS.name}" u SEMI JOIN _pending_records p '
                f"USING ({RECORD_ID}) ORDER BY u.{RECORD_ID}, u.position"
            ).df()
        finally:
            self._db.unregister("_pending_records")
        return records, units

    def write_sentiment(
        self, unit_sentiment: pd.DataFrame, record_sentiment: pd.DataFrame
    ) -> None:
        """Replace the sentiment of these records and their units, in one transaction."""
        with self._db.transaction():
            self._db.register("_scored_records", record_sentiment[[RECORD_ID]])
            for table in (UNIT_SENTIMENT.name, RECORD_SENTIMENT.name):
                self._db.execute(
                    f'DELETE FROM main."{table}" WHERE {RECORD_ID} IN '
                    f"(SELECT {RECORD_ID} FROM _scored_records)"
                )
            self._db.unregister("_scored_records")
            self._db.insert(UNIT_SENTIMENT.name, with_string_dtype(unit_sentiment))
            self._db.insert(RECORD_SENTIMENT.name, with_string_dtype(record_sentiment))

    def scored_units(self, *, limit: int | None = None) -> pd.DataFrame:
        """Units of non-duplicate records that carry an NPS or CSAT score (for weak labels).

        Returns:
            Frame with unit_id, record_id, text, lang, score, score_type.
        """
        query = (
            f"SELECT u.{UNIT_ID}, u.{RECORD_ID}, u.text, u.lang, r.score, r.score_type "
            f'FROM main."{OPINION_UNITS.name}" u JOIN main."{RECORDS.name}" r USING ({RECORD_ID}) '
            f'JOIN main."{ENRICHED_RECORDS.name}" e USING ({RECORD_ID}) '
            "WHERE NOT e.is_duplicate AND r.score IS NOT NULL AND r.score_type IN ('nps', 'csat') "
            f"ORDER BY r.created_at DESC, u.{UNIT_ID}"
        )
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        return self._db.execute(query).df()
